/**
 * Figures of a routing policy on replayed rows: mean quality, total cost, cost relative to always
 * using the best single model, and the share of the gap between the best single model and the
 * oracle that the policy closes. Plus the reference policies: best single model, oracle, and the
 * per-task baseline (a fixed model per task type learned from training rows).
 */
import type { ReplayRow } from './replay-data';

/** A policy's choice per row: the data-set column of the model that answers it. */
export type Choices = readonly number[];

/** What a policy achieves on a set of rows. */
export interface PolicyFigures {
  /** Mean score of the chosen answers, in [0, 1]. */
  quality: number;
  /** Total USD of the chosen calls. */
  cost: number;
  /** `cost` over the best single model's cost on the same rows. */
  costRatio: number;
  /** `quality` over the best single model's quality. */
  qualityRatio: number;
  /** (quality − best single) / (oracle − best single): 1 = as good as the oracle, 0 = no better
   * than the best single model, negative = worse. */
  gapClosed: number;
  /** Share of calls sent to the best single model (for two-model data sets: the strong model's
   * call share, which is how RouteLLM counts cost). */
  bestModelShare: number;
}

/** The best single model and the oracle on a set of rows: what every policy is measured against. */
export interface ReplayReference {
  bestColumn: number;
  bestQuality: number;
  bestCost: number;
  oracleQuality: number;
  oracleCost: number;
}

export function meanQuality(rows: readonly ReplayRow[], column: number): number {
  if (rows.length === 0) return 0;
  let sum = 0;
  for (const row of rows) sum += row.scores[column] ?? 0;
  return sum / rows.length;
}

export function totalCost(rows: readonly ReplayRow[], column: number): number {
  let sum = 0;
  for (const row of rows) sum += row.costs[column] ?? 0;
  return sum;
}

/** The column with the highest mean quality; the cheaper one on ties. */
export function bestSingleColumn(rows: readonly ReplayRow[], modelCount: number): number {
  let best = 0;
  for (let column = 1; column < modelCount; column++) {
    const quality = meanQuality(rows, column);
    const bestQuality = meanQuality(rows, best);
    if (
      quality > bestQuality ||
      (quality === bestQuality && totalCost(rows, column) < totalCost(rows, best))
    ) {
      best = column;
    }
  }
  return best;
}

/** Per row, the best-scoring model; the cheapest of them on ties. */
export function oracleChoices(rows: readonly ReplayRow[]): number[] {
  return rows.map((row) => {
    let best = 0;
    row.scores.forEach((score, column) => {
      const bestScore = row.scores[best] ?? 0;
      const cheaper = (row.costs[column] ?? 0) < (row.costs[best] ?? 0);
      if (score > bestScore || (score === bestScore && cheaper)) best = column;
    });
    return best;
  });
}

/** The best single model (`bestColumn`, chosen elsewhere, e.g. on training rows) and the oracle on `rows`. */
export function referenceOf(rows: readonly ReplayRow[], bestColumn: number): ReplayReference {
  const oracle = oracleChoices(rows);
  let oracleQuality = 0;
  let oracleCost = 0;
  rows.forEach((row, index) => {
    const column = oracle[index] ?? 0;
    oracleQuality += row.scores[column] ?? 0;
    oracleCost += row.costs[column] ?? 0;
  });
  return {
    bestColumn,
    bestQuality: meanQuality(rows, bestColumn),
    bestCost: totalCost(rows, bestColumn),
    oracleQuality: rows.length > 0 ? oracleQuality / rows.length : 0,
    oracleCost,
  };
}

export function figuresOf(
  rows: readonly ReplayRow[],
  choices: Choices,
  reference: ReplayReference,
): PolicyFigures {
  let quality = 0;
  let cost = 0;
  let bestCalls = 0;
  rows.forEach((row, index) => {
    const column = choices[index] ?? 0;
    quality += row.scores[column] ?? 0;
    cost += row.costs[column] ?? 0;
    if (column === reference.bestColumn) bestCalls++;
  });
  quality = rows.length > 0 ? quality / rows.length : 0;
  const gap = reference.oracleQuality - reference.bestQuality;
  return {
    quality,
    cost,
    costRatio: reference.bestCost > 0 ? cost / reference.bestCost : 0,
    qualityRatio: reference.bestQuality > 0 ? quality / reference.bestQuality : 0,
    gapClosed: gap > 0 ? (quality - reference.bestQuality) / gap : 0,
    bestModelShare: rows.length > 0 ? bestCalls / rows.length : 0,
  };
}

/** A fixed model per task type, learned from training rows. */
export interface PerTaskBaseline {
  /** Task label → column. */
  modelByTask: Map<string, number>;
  /**
   * The column for task labels training never saw: the single model the same trade-off picks over
   * all the training rows (at weight 0, their best single model).
   */
  fallbackColumn: number;
  /** The cost weight the assignment was picked with (see `learnPerTaskBaseline`). */
  costWeight: number;
}

/** Cost weights tried, from "quality only" upward. */
export const BASELINE_COST_WEIGHTS = Array.from({ length: 401 }, (_, step) => step * 0.005);

/**
 * All per-task assignments the training rows give: for each cost weight, each task label gets the
 * model with the highest training quality − costWeight × (its mean cost on that task / the best
 * single model's mean cost). Weight 0 is "the best model per task"; larger weights are cheaper.
 */
export function perTaskAssignments(
  trainRows: readonly ReplayRow[],
  modelCount: number,
  costWeights: readonly number[] = BASELINE_COST_WEIGHTS,
): PerTaskBaseline[] {
  const bestColumn = bestSingleColumn(trainRows, modelCount);
  const referenceCost = totalCost(trainRows, bestColumn) / Math.max(1, trainRows.length);
  const overall = {
    qualities: Array.from({ length: modelCount }, (_, column) => meanQuality(trainRows, column)),
    costs: Array.from(
      { length: modelCount },
      (_, column) =>
        totalCost(trainRows, column) / Math.max(1, trainRows.length) / (referenceCost || 1),
    ),
  };
  const taskStats = [...groupByTask(trainRows)].map(([task, rows]) => ({
    task,
    qualities: Array.from({ length: modelCount }, (_, column) => meanQuality(rows, column)),
    costs: Array.from(
      { length: modelCount },
      (_, column) => totalCost(rows, column) / rows.length / (referenceCost || 1),
    ),
  }));
  const pick = (costWeight: number, { qualities, costs }: typeof overall) =>
    argMax(qualities.map((quality, column) => quality - costWeight * (costs[column] ?? 0)));
  return costWeights.map((costWeight) => ({
    modelByTask: new Map(taskStats.map((stats) => [stats.task, pick(costWeight, stats)])),
    fallbackColumn: costWeight === 0 ? bestColumn : pick(costWeight, overall),
    costWeight,
  }));
}

/**
 * The per-task baseline: of `perTaskAssignments`, the cheapest (largest cost weight) whose
 * training quality still keeps `targetQualityRatio` of the best single model's — the strongest
 * "one model per task" policy at the target quality that the training rows can justify.
 */
export function learnPerTaskBaseline(
  trainRows: readonly ReplayRow[],
  modelCount: number,
  targetQualityRatio: number,
): PerTaskBaseline {
  const assignments = perTaskAssignments(trainRows, modelCount);
  const first = assignments[0]!;
  const targetQuality = targetQualityRatio * meanQuality(trainRows, first.fallbackColumn);
  let chosen = first;
  for (const assignment of assignments) {
    if (meanOf(trainRows, perTaskChoices(trainRows, assignment)) >= targetQuality) {
      chosen = assignment;
    }
  }
  return chosen;
}

function meanOf(rows: readonly ReplayRow[], choices: Choices): number {
  if (rows.length === 0) return 0;
  let sum = 0;
  rows.forEach((row, index) => {
    sum += row.scores[choices[index] ?? 0] ?? 0;
  });
  return sum / rows.length;
}

export function perTaskChoices(rows: readonly ReplayRow[], baseline: PerTaskBaseline): number[] {
  return rows.map((row) => baseline.modelByTask.get(row.taskLabel) ?? baseline.fallbackColumn);
}

function groupByTask(rows: readonly ReplayRow[]): Map<string, ReplayRow[]> {
  const groups = new Map<string, ReplayRow[]>();
  for (const row of rows) {
    const group = groups.get(row.taskLabel);
    if (group) group.push(row);
    else groups.set(row.taskLabel, [row]);
  }
  return groups;
}

function argMax(values: readonly number[]): number {
  let best = 0;
  values.forEach((value, index) => {
    if (value > (values[best] ?? Number.NEGATIVE_INFINITY)) best = index;
  });
  return best;
}

/** FNV-1a, 32 bits: a stable hash for the deterministic train/test split (`seed` starts another
 * hash family, for splits independent of that one). */
export function stableHash(text: string, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Share of a file's rows that `--learn` trains on; the rest is reported. */
export const LEARN_TRAIN_SHARE = 0.6;

/**
 * The deterministic `--learn` split: a row trains when the hash of its prompt falls in the first
 * `trainShare` of the hash range. Hashing the prompt (not the row's position) keeps identical
 * prompts on one side and makes the split independent of row order.
 */
export function splitRows(
  rows: readonly ReplayRow[],
  trainShare: number = LEARN_TRAIN_SHARE,
  seed?: number,
): { train: ReplayRow[]; test: ReplayRow[] } {
  const train: ReplayRow[] = [];
  const test: ReplayRow[] = [];
  const threshold = trainShare * 2 ** 32;
  for (const row of rows) (stableHash(row.prompt, seed) < threshold ? train : test).push(row);
  return { train, test };
}

/**
 * Fold `index` of `count` by the same prompt hash: its rows are reported, the others train — for
 * cross-validated figures (`--folds`), every row is reported exactly once over the folds.
 */
export function foldRows(
  rows: readonly ReplayRow[],
  index: number,
  count: number,
): { train: ReplayRow[]; test: ReplayRow[] } {
  const train: ReplayRow[] = [];
  const test: ReplayRow[] = [];
  for (const row of rows) {
    const fold = Math.floor((stableHash(row.prompt) / 2 ** 32) * count);
    (fold === index ? test : train).push(row);
  }
  return { train, test };
}

/**
 * Fold `index` of `count` by task label: whole labels (MMLU subjects, RouterBench tasks) are
 * reported, the others train — how routing does on requests unlike any it learned from. Labels
 * are dealt round-robin in the order of their hash, so folds get near-equal numbers of labels.
 */
export function labelFoldRows(
  rows: readonly ReplayRow[],
  index: number,
  count: number,
  adapt = 0,
): { train: ReplayRow[]; test: ReplayRow[] } {
  const labels = [...new Set(rows.map((row) => row.taskLabel))].sort(
    (a, b) => stableHash(a) - stableHash(b) || (a < b ? -1 : 1),
  );
  const foldOf = new Map(labels.map((label, position) => [label, position % count]));
  const train: ReplayRow[] = [];
  const held = new Map<string, ReplayRow[]>();
  for (const row of rows) {
    if (foldOf.get(row.taskLabel) !== index) train.push(row);
    else held.set(row.taskLabel, [...(held.get(row.taskLabel) ?? []), row]);
  }
  // `adapt` rows of each held-out label (the first by prompt hash) are learned last, as a
  // person's first rated requests of a new kind would be; the rest is reported.
  const test: ReplayRow[] = [];
  for (const labelRows of held.values()) {
    const ordered = [...labelRows].sort((a, b) => stableHash(a.prompt) - stableHash(b.prompt));
    train.push(...ordered.slice(0, adapt));
    test.push(...ordered.slice(adapt));
  }
  return { train, test };
}

/** A point of the random-mixing frontier: total cost and mean quality. */
export interface MixingPoint {
  cost: number;
  quality: number;
  /** The single model at this corner of the frontier. */
  column: number;
}

/**
 * Random mixing of the models on `rows`: sending each request to model A with probability p and
 * to model B otherwise gives, in expectation, the straight line between their (cost, quality)
 * points. The best any such mix can do is the upper-left convex hull of the single models —
 * this frontier, cheapest first. A router that knows nothing about prompts can reach it; one that
 * learned something must lie on or above it.
 */
export function mixingFrontier(rows: readonly ReplayRow[], modelCount: number): MixingPoint[] {
  return concaveFrontier(
    Array.from({ length: modelCount }, (_, column) => ({
      cost: totalCost(rows, column),
      quality: meanQuality(rows, column),
      column,
    })),
  );
}

/** The upper-left concave hull of (cost, quality) points, cheapest first: the best any random
 * mix of them can do at each cost. */
export function concaveFrontier<T extends { cost: number; quality: number }>(
  points: readonly T[],
): T[] {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const hull: T[] = [];
  for (const point of sorted) {
    // Only points that add quality for their cost; then keep the hull concave.
    if (hull.length > 0 && point.quality <= hull.at(-1)!.quality) continue;
    while (hull.length >= 2) {
      const [a, b] = [hull.at(-2)!, hull.at(-1)!];
      const cross =
        (b.cost - a.cost) * (point.quality - a.quality) -
        (b.quality - a.quality) * (point.cost - a.cost);
      if (cross < 0) break;
      hull.pop();
    }
    hull.push(point);
  }
  return hull;
}

/** The least total cost random mixing needs for mean quality `quality` (undefined: not reachable). */
export function mixingCostAt(
  frontier: readonly MixingPoint[],
  quality: number,
): number | undefined {
  const first = frontier[0];
  if (!first) return undefined;
  if (quality <= first.quality) return first.cost;
  for (let index = 1; index < frontier.length; index++) {
    const [a, b] = [frontier[index - 1]!, frontier[index]!];
    if (quality <= b.quality) {
      return a.cost + ((quality - a.quality) / (b.quality - a.quality)) * (b.cost - a.cost);
    }
  }
  return undefined;
}

/** The best mean quality random mixing reaches for total cost `cost`. */
export function mixingQualityAt(frontier: readonly MixingPoint[], cost: number): number {
  const first = frontier[0];
  if (!first) return 0;
  if (cost <= first.cost) return first.quality;
  for (let index = 1; index < frontier.length; index++) {
    const [a, b] = [frontier[index - 1]!, frontier[index]!];
    if (cost <= b.cost) {
      return a.quality + ((cost - a.cost) / (b.cost - a.cost)) * (b.quality - a.quality);
    }
  }
  return frontier.at(-1)!.quality;
}

/** Share of the training rows the knob is learned on when it is chosen without the reported rows
 * (the rest of the training rows validate it); and the seed of that inner split's hash, so it is
 * independent of the `--learn` split. */
export const KNOB_INNER_TRAIN_SHARE = 2 / 3;
export const KNOB_SPLIT_SEED = 0x9e3779b9;

/**
 * A cautious reading of a policy's quality on rows of several task labels: the `quantile` of its
 * quality relative to `bestColumn` when whole labels are drawn again with replacement (a cluster
 * bootstrap, `draws` times, seeded). Labels differ far more than rows within a label do, so a
 * setting chosen on this bound rather than on the pooled ratio keeps its promise better on labels
 * it has not met. With one label it is the pooled ratio.
 */
export function labelQualityBound(
  rows: readonly ReplayRow[],
  choices: Choices,
  bestColumn: number,
  quantile = 0.1,
  draws = 400,
): number {
  const sums = new Map<string, { chosen: number; best: number }>();
  rows.forEach((row, index) => {
    const sum = sums.get(row.taskLabel) ?? { chosen: 0, best: 0 };
    sum.chosen += row.scores[choices[index] ?? 0] ?? 0;
    sum.best += row.scores[bestColumn] ?? 0;
    sums.set(row.taskLabel, sum);
  });
  return bootstrapRatio([...sums.values()], quantile, draws);
}

/**
 * The `quantile` of Σ chosen / Σ best when the units (labels, or rows) are drawn again with
 * replacement, `draws` times, seeded: a cautious reading of a policy's quality relative to the
 * best single model's on a sample. With one unit it is that unit's ratio.
 */
export function bootstrapRatio(
  units: ReadonlyArray<{ chosen: number; best: number }>,
  quantile = 0.1,
  draws = 400,
): number {
  if (units.length === 0) return 0;
  const ratio = (drawn: readonly { chosen: number; best: number }[]) => {
    let chosen = 0;
    let best = 0;
    for (const sum of drawn) {
      chosen += sum.chosen;
      best += sum.best;
    }
    return best > 0 ? chosen / best : 1;
  };
  if (units.length === 1) return ratio(units);
  let state = 0x2545f491;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const ratios: number[] = [];
  for (let draw = 0; draw < draws; draw++) {
    const drawn = units.map(() => units[Math.floor(random() * units.length)]!);
    ratios.push(ratio(drawn));
  }
  ratios.sort((a, b) => a - b);
  return ratios[Math.min(ratios.length - 1, Math.floor(quantile * ratios.length))]!;
}

/** mulberry32: a small seeded generator. */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** The furthest a curve of choices on `rows` falls below random mixing, in points of the best
 * single model's quality. */
export function dipBelowMixing(
  rows: readonly ReplayRow[],
  curve: readonly Choices[],
  mixing: readonly MixingPoint[],
  reference: ReplayReference,
): number {
  let dip = Number.NEGATIVE_INFINITY;
  for (const choices of curve) {
    const { quality, cost } = figuresOf(rows, choices, reference);
    dip = Math.max(dip, (mixingQualityAt(mixing, cost) - quality) / (reference.bestQuality || 1));
  }
  return dip;
}

/**
 * How often chance alone dips as far below random mixing as `curve` does: a router that uses each
 * model as often as the curve does at each point, but deals those calls to the requests at random
 * (one random order for the whole curve, as a random ranking would), is drawn `shuffles` times,
 * and the share whose furthest dip reaches the curve's own is returned. Near 0: the curve ranks
 * requests worse than chance. A large share: the dip is what rows this few show by chance (mixing
 * is an expectation, any one router a draw), or it comes from which models the curve uses — with
 * two models, using them as often is exactly mixing, so only ranking and chance remain.
 */
export function chanceOfDip(
  rows: readonly ReplayRow[],
  curve: readonly Choices[],
  mixing: readonly MixingPoint[],
  reference: ReplayReference,
  shuffles = 200,
  seed = 1,
): number {
  const dip = dipBelowMixing(rows, curve, mixing, reference);
  const random = generator(seed);
  const order = rows.map((_, index) => index);
  let asDeep = 0;
  for (let shuffle = 0; shuffle < shuffles; shuffle++) {
    for (let index = order.length - 1; index > 0; index--) {
      const other = Math.floor(random() * (index + 1));
      [order[index], order[other]] = [order[other]!, order[index]!];
    }
    const dealt = curve.map((choices) => order.map((from) => choices[from] ?? 0));
    if (dipBelowMixing(rows, dealt, mixing, reference) >= dip) asDeep++;
  }
  return asDeep / shuffles;
}
