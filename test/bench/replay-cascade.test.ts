/** The cascade replay's arithmetic, on rows made up so every figure can be checked by hand. */
import { describe, expect, it } from 'vitest';
import { type AnsweredRow, cascadeFigures, chooseCascade } from '../../bench/replay/replay-cascade';

// Columns: 0 strong and dear, 1 cheap, 2 cheap.
function row(
  id: string,
  answers: [string, string, string],
  scores: [number, number, number],
): AnsweredRow {
  return { id, prompt: id, taskLabel: 'mc', task: 'qa', answers, scores, costs: [1, 0.01, 0.02] };
}

const rows: AnsweredRow[] = [
  row('agree-right', ['B', 'B', 'B'], [1, 1, 1]),
  row('agree-right-2', ['C', 'C', 'C'], [1, 1, 1]),
  row('disagree', ['A', 'D', 'B'], [1, 0, 0]),
  row('refuses', ['A', "I'm sorry, but I can't answer that.", 'A'], [1, 0, 1]),
];
const strong = rows.map(() => 0);

describe('the cascade replay', () => {
  it('charges every pass and escalates what the check rejects', () => {
    const config = { first: 1, second: 2, tasks: new Set(['qa'] as const) };
    const accepted = [true, true, false, false];
    const figures = cascadeFigures(rows, strong, config, accepted);
    // Two accepted first passes, two escalations to the strong model.
    expect(figures).toMatchObject({ cascaded: 4, escalated: 2 });
    expect(figures.quality).toBe(1);
    expect(figures.cost).toBeCloseTo(4 * 0.03 + 2 * 1);
  });

  it('leaves tasks without a cascade to the router', () => {
    const figures = cascadeFigures(rows, strong, { first: 1, tasks: new Set() }, [
      true,
      true,
      true,
      true,
    ]);
    expect(figures).toMatchObject({ cascaded: 0, escalated: 0, quality: 1, cost: 4 });
  });

  it('chooses the cheapest configuration that keeps 95% of the quality, judged by the real check', () => {
    const config = chooseCascade(rows, strong, 3);
    // Without a second opinion the wrong cheap answer would be accepted (quality 0.75): the pair
    // is needed, and the disagreement and the refusal escalate.
    expect(config.second).toBeDefined();
    expect([config.first, config.second].sort()).toEqual([1, 2]);
    expect([...config.tasks]).toEqual(['qa']);
  });
});
