import { describe, expect, it } from 'vitest';
import type { ReplayRow } from '../../bench/replay/replay-data';
import {
  areaUnderCurve,
  HEADROOM_AUCS,
  headroom,
  separationForAuc,
  withinLabelAuc,
} from '../../bench/replay/replay-headroom';
import { referenceOf } from '../../bench/replay/replay-metrics';

/** Two models, one label: the dear one is always right, the cheap one on a fixed 60% of rows. */
function rows(count: number, offset = 0): ReplayRow[] {
  return Array.from({ length: count }, (_, index) => {
    const cheapRight = (index * 7 + offset) % 10 < 6;
    return {
      id: `r${index + offset}`,
      prompt: `question ${index + offset}`,
      taskLabel: 'quiz',
      scores: [1, cheapRight ? 1 : 0],
      costs: [0.01, 0.0001],
    };
  });
}

describe('areaUnderCurve', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, ½ for ties, undefined with one class', () => {
    expect(areaUnderCurve([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(areaUnderCurve([0.9, 0.8, 0.2, 0.1], [false, false, true, true])).toBe(0);
    expect(areaUnderCurve([0.5, 0.5, 0.5, 0.5], [false, true, false, true])).toBe(0.5);
    expect(areaUnderCurve([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(areaUnderCurve([0.3, 0.6], [true, true])).toBeUndefined();
  });
});

describe('separationForAuc', () => {
  it('inverts the AUC of two unit normals d apart: Φ(d / √2)', () => {
    expect(separationForAuc(0.5)).toBeCloseTo(0, 6);
    expect(separationForAuc(0.76025)).toBeCloseTo(1, 3);
    expect(separationForAuc(0.9214)).toBeCloseTo(2, 3);
  });
});

describe('withinLabelAuc', () => {
  it('measures a prediction against right and wrong answers within each label', () => {
    const test = rows(50);
    const knowing = {
      predictions: test.map((row) => [0.9, row.scores[1] === 1 ? 0.8 : 0.2]),
      expectedCosts: test.map(() => [0.01, 0.0001]),
    };
    const [dear, cheap] = withinLabelAuc(test, knowing);
    expect(dear).toBeUndefined(); // always right: no wrong answers to tell apart
    expect(cheap).toBe(1);
  });
});

describe('headroom', () => {
  const train = rows(200, 1);
  const test = rows(200);
  const reference = referenceOf(test, 0);
  const blind = {
    predictions: test.map(() => [0.9, 0.6]),
    expectedCosts: test.map(() => [0.01, 0.0001]),
  };

  it('without a per-prompt signal costs what a fixed model per label costs', () => {
    const result = headroom(train, test, blind, reference, 0.97);
    expect(result.meanAuc).toBe(0.5);
    expect(result.needed.map((point) => point.auc)).toEqual([...HEADROOM_AUCS]);
    // 60% from the cheap model is below 97%: the label-only router must pay for the dear one.
    expect(result.needed[0]!.costRatio).toBeCloseTo(1, 6);
  });

  it('a stronger per-prompt signal reaches the same quality for less', () => {
    const result = headroom(train, test, blind, reference, 0.97);
    const at = (auc: number) => result.needed.find((point) => point.auc === auc)!.costRatio!;
    expect(at(0.8)).toBeLessThan(at(0.5));
    expect(at(0.8)).toBeLessThan(0.8);
  });
});
