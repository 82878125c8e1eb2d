/**
 * How much per-prompt knowledge a router needs to reach a quality/cost point, and how much the
 * router's own per-prompt quality model has.
 *
 * - **Signal the quality model has:** within each task label, the AUC of its predicted quality
 *   against whether the model's answer was right (held-out rows). 0.5 is no better than knowing
 *   the label; 1 knows every answer in advance.
 * - **Signal needed:** a predictor that knows the task label (its per-label success rates and
 *   costs are learned from the training rows) plus a per-prompt signal of a given within-label
 *   AUC, simulated from the reported rows' outcomes: for each row and model, s = d·y + ε with y
 *   the answer's 0/1 score, ε standard normal and d = √2·Φ⁻¹(AUC) (so P(s of a right answer > s
 *   of a wrong one) = AUC), turned into a calibrated probability with the label's success rate.
 *   Rows are then routed by expected utility — predicted quality − w × expected cost / the best
 *   single model's mean cost — and w is swept; the cheapest cost keeping ≥ 97% of the best single model's
 *   quality is the figure. Noise is independent across models (errors of real predictors are
 *   correlated, which makes them worth less), and the draw is fixed (seeded), so the same file
 *   gives the same figures.
 */
import type { ReplayRow } from './replay-data';
import { figuresOf, generator, type ReplayReference } from './replay-metrics';
import type { PredictionTable } from './replay-routing';

/** Within-label AUCs whose cost at ≥ 97% quality is reported. */
export const HEADROOM_AUCS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8] as const;
const COST_WEIGHTS = Array.from({ length: 161 }, (_, step) => 0.001 * 1.06 ** step);
const SEEDS = [1, 2, 3];

export interface HeadroomPoint {
  auc: number;
  /** Mean over the seeds of the cheapest cost ratio at ≥ `qualityRatio`; undefined when no
   * weight reaches it. */
  costRatio: number | undefined;
}

export interface Headroom {
  /** Per model column: the quality model's within-label AUC on the reported rows (undefined when
   * no label has both right and wrong answers). */
  modelAuc: Array<number | undefined>;
  /** The mean of `modelAuc`, weighted by rows. */
  meanAuc: number | undefined;
  qualityRatio: number;
  needed: HeadroomPoint[];
}

/** Probability that a random positive outranks a random negative (ties count half). */
export function areaUnderCurve(
  predictions: readonly number[],
  positive: readonly boolean[],
): number | undefined {
  const order = predictions
    .map((_, index) => index)
    .sort((a, b) => predictions[a]! - predictions[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && predictions[order[end + 1]!] === predictions[order[start]!])
      end++;
    const averageRank = (start + end) / 2 + 1;
    for (let position = start; position <= end; position++) {
      if (positive[order[position]!]) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function labelsOf(rows: readonly ReplayRow[]): Map<string, number[]> {
  const byLabel = new Map<string, number[]>();
  rows.forEach((row, index) => {
    const indexes = byLabel.get(row.taskLabel) ?? [];
    indexes.push(index);
    byLabel.set(row.taskLabel, indexes);
  });
  return byLabel;
}

/** The quality model's within-label AUC per model column, weighted over the labels by rows. */
export function withinLabelAuc(
  rows: readonly ReplayRow[],
  table: PredictionTable,
): Array<number | undefined> {
  const columns = rows[0]?.scores.length ?? 0;
  const byLabel = labelsOf(rows);
  return Array.from({ length: columns }, (_, column) => {
    let weighted = 0;
    let weight = 0;
    for (const indexes of byLabel.values()) {
      const auc = areaUnderCurve(
        indexes.map((index) => table.predictions[index]![column]!),
        indexes.map((index) => rows[index]!.scores[column]! >= 0.5),
      );
      if (auc === undefined) continue;
      weighted += auc * indexes.length;
      weight += indexes.length;
    }
    return weight > 0 ? weighted / weight : undefined;
  });
}

function standardNormal(random: () => number): number {
  // Box–Muller; 1 − u keeps the logarithm finite.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, error < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    t *
      (0.254829592 +
        t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** The separation d of two unit normals whose AUC is `auc`: √2 · Φ⁻¹(auc), by bisection. */
export function separationForAuc(auc: number): number {
  let low = -10;
  let high = 10;
  for (let step = 0; step < 80; step++) {
    const middle = (low + high) / 2;
    if (normalCdf(middle / Math.SQRT2) < auc) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** Per label and model column: the training rows' success rate and mean cost (falling back to
 * all training rows for a label they do not have). */
function labelPriors(train: readonly ReplayRow[], columns: number) {
  const rates = new Map<string, { rate: number[]; cost: number[] }>();
  const summarize = (rows: readonly ReplayRow[]) => ({
    rate: Array.from(
      { length: columns },
      (_, column) =>
        (rows.reduce((sum, row) => sum + (row.scores[column]! >= 0.5 ? 1 : 0), 0) + 1) /
        (rows.length + 2),
    ),
    cost: Array.from(
      { length: columns },
      (_, column) =>
        rows.reduce((sum, row) => sum + row.costs[column]!, 0) / Math.max(rows.length, 1),
    ),
  });
  for (const [label, indexes] of labelsOf(train)) {
    rates.set(label, summarize(indexes.map((index) => train[index]!)));
  }
  const overall = summarize(train);
  return (label: string) => rates.get(label) ?? overall;
}

/**
 * The cheapest cost ratio at which a router with a per-prompt signal of each AUC in
 * `HEADROOM_AUCS` keeps `qualityRatio` of the best single model's quality on `test`.
 */
export function headroom(
  train: readonly ReplayRow[],
  test: readonly ReplayRow[],
  table: PredictionTable,
  reference: ReplayReference,
  qualityRatio: number,
): Headroom {
  const columns = test[0]?.scores.length ?? 0;
  const priorsOf = labelPriors(train, columns);
  // Dollars at stake: every label's expected cost against the best single model's mean cost
  // over all training rows (as the per-task baseline weighs them).
  const referenceCost =
    train.reduce((sum, row) => sum + row.costs[reference.bestColumn]!, 0) /
      Math.max(train.length, 1) || 1;
  const modelAuc = withinLabelAuc(test, table);
  let aucSum = 0;
  let aucCount = 0;
  for (const auc of modelAuc) {
    if (auc === undefined) continue;
    aucSum += auc;
    aucCount++;
  }
  const needed = HEADROOM_AUCS.map((auc) => {
    const separation = separationForAuc(auc);
    const cheapest: number[] = [];
    for (const seed of SEEDS) {
      const random = generator(seed);
      // Per row and column: the calibrated probability that the answer is right.
      const probability = test.map((row) => {
        const { rate } = priorsOf(row.taskLabel);
        return row.scores.map((score, column) => {
          const signal = separation * (score >= 0.5 ? 1 : 0) + standardNormal(random);
          const right = rate[column]! * Math.exp(-((signal - separation) ** 2) / 2);
          const wrong = (1 - rate[column]!) * Math.exp(-(signal ** 2) / 2);
          return right / (right + wrong);
        });
      });
      let best: number | undefined;
      for (const weight of COST_WEIGHTS) {
        const choices = test.map((row, index) => {
          const { cost } = priorsOf(row.taskLabel);
          let choice = 0;
          let bestUtility = Number.NEGATIVE_INFINITY;
          probability[index]!.forEach((value, column) => {
            const utility = value - (weight * cost[column]!) / referenceCost;
            if (utility > bestUtility) {
              bestUtility = utility;
              choice = column;
            }
          });
          return choice;
        });
        const figures = figuresOf(test, choices, reference);
        if (
          figures.qualityRatio >= qualityRatio &&
          (best === undefined || figures.costRatio < best)
        ) {
          best = figures.costRatio;
        }
      }
      if (best !== undefined) cheapest.push(best);
    }
    return {
      auc,
      costRatio:
        cheapest.length === SEEDS.length
          ? cheapest.reduce((sum, value) => sum + value, 0) / cheapest.length
          : undefined,
    };
  });
  return {
    modelAuc,
    meanAuc: aucCount > 0 ? aucSum / aucCount : undefined,
    qualityRatio,
    needed,
  };
}
