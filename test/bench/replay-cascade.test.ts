/** The cascade replay's arithmetic, on rows made up so every figure can be checked by hand. */
import { describe, expect, it } from 'vitest';
import {
  type AnsweredRow,
  cascadeFigures,
  chooseCascade,
  hindsightBound,
  type RowRoute,
  type RowVerdict,
  replayCascadeHeldOut,
  verifiedFigures,
} from '../../bench/replay/replay-cascade';

// Columns: 0 strong and dear, 1 cheap, 2 cheap, 3 middling (the router's own pick in one test).
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
const strong: RowRoute[] = rows.map(() => ({ pick: 0, strongest: [0], verifier: undefined }));
const verdict = (accept: boolean, disagreed = false): RowVerdict => ({ accept, disagreed });

describe('the cascade replay', () => {
  it('charges every pass and escalates what the check rejects', () => {
    const config = { first: 1, second: 2, tasks: new Set(['qa'] as const) };
    const accepted = [true, true, false, false].map((accept) => verdict(accept));
    const figures = cascadeFigures(rows, strong, config, accepted);
    // Two accepted first passes, two escalations to the strong model.
    expect(figures).toMatchObject({ cascaded: 4, escalated: 2 });
    expect(figures.quality).toBe(1);
    expect(figures.cost).toBeCloseTo(4 * 0.03 + 2 * 1);
  });

  it('leaves tasks without a cascade to the router', () => {
    const figures = cascadeFigures(
      rows,
      strong,
      { first: 1, tasks: new Set() },
      rows.map(() => verdict(true)),
    );
    expect(figures).toMatchObject({ cascaded: 0, escalated: 0, quality: 1, cost: 4 });
  });

  it('escalates a disagreement to the strongest model of the chain that did not answer, anything else to the pick', () => {
    // The router picks a middling model (cost 0.5); its chain's strongest is column 0.
    const middling = rows.map((row) => ({
      ...row,
      scores: [...row.scores, 0] as number[],
      costs: [...row.costs, 0.5] as number[],
    }));
    const routes: RowRoute[] = middling.map(() => ({
      pick: 3,
      strongest: [1, 0, 3],
      verifier: undefined,
    }));
    const config = { first: 1, second: 2, tasks: new Set(['qa'] as const) };
    const verdicts = [verdict(true), verdict(true), verdict(false, true), verdict(false)];
    const figures = cascadeFigures(middling, routes, config, verdicts);
    // Row 3 (disagreement) goes to column 0 (column 1 answered already), row 4 (refusal) to 3.
    expect(figures).toMatchObject({ cascaded: 4, escalated: 2 });
    expect(figures.quality).toBe(0.75);
    expect(figures.cost).toBeCloseTo(4 * 0.03 + 1 + 0.5);
  });

  it('checks a pick with its second opinion where the broker would, and escalates what they do not agree on', () => {
    // The router picks cheap column 1 on every row but the last, where it picks the strong model.
    const routes: RowRoute[] = rows.map((_, index) =>
      index < 3
        ? { pick: 1, strongest: [0, 1], verifier: 2 }
        : { pick: 0, strongest: [0], verifier: undefined },
    );
    const figures = verifiedFigures(rows, routes);
    // Rows 1–2: 1 and 2 agree (kept, right); row 3: D vs B, escalated to 0 (right); row 4 as routed.
    expect(figures).toMatchObject({ cascaded: 3, escalated: 1, quality: 1 });
    expect(figures.cost).toBeCloseTo(3 * 0.03 + 1 + 1);
  });

  it('chooses the cheapest configuration that keeps 95% of the quality, judged by the real check', () => {
    const config = chooseCascade(rows, strong, 3);
    // Without a second opinion the wrong cheap answer would be accepted (quality 0.75): the pair
    // is needed, and the disagreement and the refusal escalate.
    expect(config.second).toBeDefined();
    expect([config.first, config.second].sort()).toEqual([1, 2]);
    expect([...config.tasks]).toEqual(['qa']);
  });

  it('bounds with hindsight what any per-label mix of single models and agreeing cheap models costs', () => {
    // Label 'mc': model 1 alone scores 2 for 0.04, model 2 alone 3 for 0.08; 1 and 2 agreeing,
    // the rest to model 0, scores 4 for 4 × 0.03 + 2 × 1 = 2.12. Label 'easy': model 1 scores 1
    // for 0.01.
    const easy: AnsweredRow = { ...row('easy', ['A', 'A', 'A'], [1, 1, 1]), taskLabel: 'easy' };
    const dataset = {
      models: ['strong', 'cheap', 'cheap-2'],
      rows: [...rows, easy],
      skippedRows: 0,
    };
    // The best single model (0) scores 5 for 5. Quality 60% = the cheapest corners (3 for 0.05).
    const [all, sixty, ninety] = hindsightBound(dataset, [1, 0.6, 0.9]);
    expect(sixty).toBeCloseTo(0.05 / 5);
    // 90% (4.5): the 'mc' step to model 2 (1 for 0.04), then half the step to the pair
    // (0.5 of 2.04).
    expect(ninety).toBeCloseTo((0.05 + 0.04 + 1.02) / 5);
    expect(all).toBeCloseTo((0.05 + 0.04 + 2.04) / 5);
    // Single models only: the last step on 'mc' is model 0 itself (1 for 3.92).
    const [singles] = hindsightBound(dataset, [1], true);
    expect(singles).toBeCloseTo((0.05 + 0.04 + 3.92) / 5);
    expect(hindsightBound(dataset, [1.01])).toEqual([undefined]);
  });

  it('learns and chooses on one set and reports on another it never saw', () => {
    // RouterBench's own model names, so the replay's catalog knows them.
    const models = ['gpt-4-1106-preview', 'mistralai/mixtral-8x7b-chat', 'zero-one-ai/Yi-34B-Chat'];
    const prompt = (id: string) =>
      `Question ${id}: which is right?\nA. one\nB. two\nC. three\nD. four\nAnswer:`;
    const mc = (
      id: string,
      answers: [string, string, string],
      scores: [number, number, number],
    ) => ({
      ...row(id, answers, scores),
      prompt: prompt(id),
    });
    const train = {
      models,
      rows: Array.from({ length: 20 }, (_, index) =>
        mc(`train-${index}`, ['B', 'B', 'B'], [1, 1, 1]),
      ),
      skippedRows: 0,
    };
    const test = {
      models,
      rows: [
        mc('test-agree', ['C', 'C', 'C'], [1, 1, 1]),
        mc('test-split', ['A', 'D', 'B'], [1, 0, 0]),
      ],
      skippedRows: 3,
    };
    const report = replayCascadeHeldOut(train, test, { train: 'TRAIN', test: 'TEST' });
    // Reported on the two test rows only, with the one configuration the training rows chose.
    expect(report).toMatchObject({ rows: 2, skippedRows: 3, folds: 1, labels: ['mc'] });
    expect(report.split).toBe('learned and chosen on TRAIN (20 prompts), reported on TEST');
    // Everyone agreed on every training row: Mixtral alone first, without a second opinion —
    // which the test set's second row, where Mixtral is wrong, shows up (half the quality).
    expect(report.chosen).toEqual([{ first: 'mistralai/mixtral-8x7b-chat', tasks: ['qa'] }]);
    expect(report.cascade).toMatchObject({ quality: 0.5, cascaded: 2, escalated: 0 });
    expect(report.cascade.cost).toBeCloseTo(0.02);
    expect(report.bestSingle).toMatchObject({ model: 'gpt-4-1106-preview', quality: 1, cost: 2 });
    for (const curve of [report.learned.alone, report.learned.combined, report.learned.verified]) {
      for (const point of curve) expect(point.figures.quality).toBeLessThanOrEqual(1);
    }
    // Its settings were chosen on the training rows (every answer right there: each keeps 100%),
    // the cheapest; what they gave here is the curve's own point at that setting.
    for (const policy of ['alone', 'combined', 'verified'] as const) {
      const knob = report.learned.chosen[policy];
      expect(knob.promised).toBe(1);
      expect(knob.costAversions).toHaveLength(1);
      const curve = report.learned[policy];
      const point = curve.find(({ costAversion }) => costAversion === knob.costAversions[0]);
      expect(knob.figures).toEqual(point?.figures);
      expect(knob.figures.cost).toBe(Math.min(...curve.map(({ figures }) => figures.cost)));
    }
    expect(() => replayCascadeHeldOut(train, { ...test, models: models.slice(1) })).toThrow(
      /other models/,
    );
  });
});
