/**
 * Routing quality on real data: replays a data set of prompts with every model's score and cost
 * through the real router, once per preset, and compares it with the best single model, the
 * oracle and a fixed-model-per-task baseline.
 *
 *   npm run replay -- FILE.csv.gz                       priors only (catalog from public facts)
 *   npm run replay -- FILE.csv.gz --learn               learn on 60% of FILE, report the other 40%
 *   npm run replay -- FILE.csv.gz --train OTHER.csv.gz  learn on OTHER, report all of FILE
 *   npm run replay -- FILE.csv.gz --folds K [--by-label] K-fold cross-validation, by prompt hash
 *                                                       or by whole task labels held out
 *
 * The last line of stdout is one JSON object with the figures. Method: docs/routing-replay.md.
 */
import { pathToFileURL } from 'node:url';
import { PRESETS, type Preset, QUALITY_HINTS, type QualityHint } from '../src/protocol/llm-request';
import { DEFAULT_TUNING } from '../src/router/router-analyze';
import type { RouterStats } from '../src/router/router-live-stats';
import { PRESET_SPLITS } from '../src/router/router-weights';
import { buildReplayCatalog, type ReplayCatalog } from './replay/replay-catalog';
import { loadReplayDataset, type ReplayDataset, type ReplayRow } from './replay/replay-data';
import { type Headroom, headroom } from './replay/replay-headroom';
import {
  bestSingleColumn,
  type Choices,
  chanceOfDip,
  figuresOf,
  foldRows,
  KNOB_INNER_TRAIN_SHARE,
  KNOB_SPLIT_SEED,
  LEARN_TRAIN_SHARE,
  labelFoldRows,
  labelQualityBound,
  learnPerTaskBaseline,
  type MixingPoint,
  mixingCostAt,
  mixingFrontier,
  mixingQualityAt,
  oracleChoices,
  type PolicyFigures,
  perTaskAssignments,
  perTaskChoices,
  type ReplayReference,
  referenceOf,
  splitRows,
} from './replay/replay-metrics';
import {
  chooseByUtility,
  learnFromRows,
  predictionTable,
  replayState,
  routeRows,
} from './replay/replay-routing';

/** The quality the targets and "matches the best single model" are judged at. */
export const MATCH_QUALITY_RATIO = 0.97;
/** RouteLLM's MMLU comparison point: the strong model's call share needed for 95% of its quality. */
export const SHARE_QUALITY_RATIO = 0.95;
/** Every preset with every quality hint: the settings a page can send, traced as a cost/quality
 * curve of the real router. */
const HINT_SWEEP: ReadonlyArray<{ preset: Preset; quality: QualityHint }> = PRESETS.flatMap(
  (preset) => QUALITY_HINTS.map((quality) => ({ preset, quality })),
);

/** The preset the cost-aversion knob is swept with (the knob scales its cost share). */
export const KNOB_PRESET: Preset = 'balanced';
/** Values of `RouterTuning.costAversion` swept (1 is the preset as it is): 0 (cost ignored),
 * 1/8 and 1/4·√2, then 1/4 … 8 in eighth powers of two, where the curve turns, then quarter
 * powers up to 64, where every preset has gone to the cheap end. */
export const COST_AVERSION_SWEEP: readonly number[] = [
  0,
  2 ** -3,
  2 ** -2.5,
  ...Array.from({ length: 41 }, (_, step) => 2 ** ((step - 16) / 8)),
  ...Array.from({ length: 12 }, (_, step) => 2 ** (3 + (step + 1) / 4)),
];

export type ReplayMode = 'priors' | 'learn' | 'train';

export interface ReplayOptions {
  file: string;
  mode: ReplayMode;
  /** With `mode: 'train'`: the file to learn from. */
  trainFile?: string;
  /** With `mode: 'learn'`: report fold `index` of `count` (by prompt hash) and train on the rest,
   * instead of the 60 / 40 split. */
  fold?: { index: number; count: number };
  /** `--folds K`: run every fold of K and print their figures and means. */
  folds?: number;
  /** How folds (and the knob's inner split) divide the rows: by prompt hash, or whole task
   * labels held out (`--by-label`). */
  foldBy?: 'prompt' | 'label';
  /** With `foldBy: 'label'`: this many rows of each held-out label are learned after the
   * training labels (`--adapt N`), the rest reported: how fast outcomes on a new label help. */
  adapt?: number;
}

export interface SweepPoint {
  preset: Preset;
  quality: QualityHint;
  figures: PolicyFigures;
}

export interface UtilityPoint {
  costWeight: number;
  figures: PolicyFigures;
}

/** The router with `KNOB_PRESET` at one `costAversion`. */
export interface KnobPoint {
  costAversion: number;
  figures: PolicyFigures;
}

/** The knob chosen without the reported rows: on an inner split of the training rows. */
export interface ChosenKnob extends KnobPoint {
  /** The figures that chose it, on the validating part of the training rows. */
  validation: PolicyFigures;
}

/**
 * The expected-utility rule's cost weight for a preset: proportional to how much the preset
 * weighs cost against quality (economy 0.22, balanced 0.067, quality 0.014, fast 0.075).
 */
export function presetCostWeight(preset: Preset): number {
  const split = PRESET_SPLITS[preset];
  return (UTILITY_SCALE * split.cost) / split.quality;
}

/** Cost weight of a preset that weighs cost and quality equally. */
const UTILITY_SCALE = 0.1;

/** Cost weights of the expected-utility curve. */
const UTILITY_COST_WEIGHTS = Array.from({ length: 61 }, (_, step) => step / 200);

export interface ReplayReport {
  file: string;
  mode: ReplayMode;
  dataset: ReplayDataset;
  trainRows: readonly ReplayRow[];
  testRows: readonly ReplayRow[];
  reference: ReplayReference;
  presets: Record<Preset, PolicyFigures>;
  /** The same presets on the rows the router learned from (learn mode only): train vs test. */
  presetsOnTrainRows?: Record<Preset, PolicyFigures>;
  bestSingle: PolicyFigures;
  oracle: PolicyFigures;
  perTaskBaseline?: PolicyFigures & { modelByTask: Record<string, string> };
  /** Per task label and preset, on the reported rows. */
  perTask: Record<string, Record<Preset | 'bestSingle' | 'oracle', PolicyFigures>>;
  /** The router over every preset × quality hint. */
  sweep: SweepPoint[];
  /** The router with `KNOB_PRESET` over `COST_AVERSION_SWEEP`: its own cost/quality curve. */
  knobSweep: Array<KnobPoint & { choices: Choices }>;
  /** With training rows: the cheapest knob that keeps `MATCH_QUALITY_RATIO` on a validating part
   * of the training rows, and what it gives on the reported rows. */
  chosenKnob?: ChosenKnob;
  /** Random mixing of the single models on the reported rows (`mixingFrontier`). */
  mixing: MixingPoint[];
  /** How the folds divided the rows (with `--folds`). */
  foldBy?: 'prompt' | 'label';
  /** Rows of each held-out label learned before the report (`--adapt`). */
  adapt?: number;
  /** With training rows: every per-task assignment (`perTaskAssignments`) on the reported rows,
   * to compare curves with the quality model's at equal quality. */
  perTaskCurve?: UtilityPoint[];
  /** With learning: the quality model's predictions under the expected-utility rule
   * (`chooseByUtility`) over cost weights — what the model enables, outside `route()`. */
  qualityModelCurve?: UtilityPoint[];
  /** With learning: the same rule with each preset's cost weight (`presetCostWeight`), i.e. what
   * `route()` would give if it ranked candidates that have predictions this way. */
  qualityModelPresets?: Record<Preset, UtilityPoint>;
  /** With learning on the same models: how much per-prompt signal the quality model has on the
   * reported rows, and how much a router would need (`replay/replay-headroom.ts`). */
  headroom?: Headroom;
  cheapestMatchingPreset?: Preset;
}

interface TrainingSplit {
  train: readonly ReplayRow[];
  test: readonly ReplayRow[];
  /** The data set the training rows come from (the file itself or OTHER); none with priors only. */
  trainDataset?: ReplayDataset;
}

function trainingSplit(options: ReplayOptions, dataset: ReplayDataset): TrainingSplit {
  if (options.mode === 'learn') {
    const { fold } = options;
    const split = !fold
      ? splitRows(dataset.rows, LEARN_TRAIN_SHARE)
      : options.foldBy === 'label'
        ? labelFoldRows(dataset.rows, fold.index, fold.count, options.adapt)
        : foldRows(dataset.rows, fold.index, fold.count);
    return { ...split, trainDataset: dataset };
  }
  if (options.mode === 'train') {
    if (!options.trainFile) throw new Error('--train needs a file');
    const other = loadReplayDataset(options.trainFile);
    return { train: other.rows, test: dataset.rows, trainDataset: other };
  }
  return { train: [], test: dataset.rows };
}

function routeAllPresets(
  rows: readonly ReplayRow[],
  catalog: ReplayCatalog,
  stats: RouterStats | undefined,
): Record<Preset, Choices> {
  const state = replayState(catalog, stats);
  const choices = {} as Record<Preset, Choices>;
  for (const preset of PRESETS) choices[preset] = routeRows(rows, catalog, preset, state);
  return choices;
}

function figuresPerPreset(
  rows: readonly ReplayRow[],
  choices: Record<Preset, Choices>,
  reference: ReplayReference,
): Record<Preset, PolicyFigures> {
  return Object.fromEntries(
    PRESETS.map((preset) => [preset, figuresOf(rows, choices[preset], reference)]),
  ) as Record<Preset, PolicyFigures>;
}

/** Runs the whole replay and returns its figures (printing is separate). */
export function runReplay(options: ReplayOptions): ReplayReport {
  const dataset = loadReplayDataset(options.file);
  const catalog = buildReplayCatalog(dataset);
  const { train: trainRows, test: testRows, trainDataset } = trainingSplit(options, dataset);
  const modelCount = dataset.models.length;
  const stats = trainDataset
    ? learnFromRows(trainRows, trainDataset.models, buildReplayCatalog(trainDataset))
    : undefined;

  // The best single model is the one the training rows favour when they have the file's models;
  // otherwise (priors only, or OTHER with other models) the reported rows' own best.
  const sameModels = trainDataset?.models.join('\n') === dataset.models.join('\n');
  const bestColumn = bestSingleColumn(sameModels ? trainRows : testRows, modelCount);
  const reference = referenceOf(testRows, bestColumn);
  const choices = routeAllPresets(testRows, catalog, stats);
  const presets = figuresPerPreset(testRows, choices, reference);

  const report: ReplayReport = {
    file: options.file,
    mode: options.mode,
    dataset,
    trainRows,
    testRows,
    reference,
    presets,
    bestSingle: figuresOf(
      testRows,
      testRows.map(() => bestColumn),
      reference,
    ),
    oracle: figuresOf(testRows, oracleChoices(testRows), reference),
    perTask: figuresPerTaskLabel(testRows, choices, reference),
    sweep: sweepHints(testRows, catalog, stats, reference),
    knobSweep: sweepKnob(testRows, catalog, stats, reference),
    mixing: mixingFrontier(testRows, modelCount),
    ...(options.foldBy && { foldBy: options.foldBy }),
    ...(options.adapt && { adapt: options.adapt }),
  };
  if (trainDataset && stats) {
    const knob = chooseKnob(trainRows, trainDataset, options.foldBy ?? 'prompt');
    const state = replayState(catalog, stats, { costAversion: knob.costAversion });
    report.chosenKnob = {
      ...knob,
      figures: figuresOf(testRows, routeRows(testRows, catalog, KNOB_PRESET, state), reference),
    };
  }
  if (stats?.promptQuality) {
    const table = predictionTable(testRows, catalog, stats.promptQuality);
    const utilityPoint = (costWeight: number): UtilityPoint => ({
      costWeight,
      figures: figuresOf(testRows, chooseByUtility(table, costWeight, bestColumn), reference),
    });
    report.qualityModelCurve = UTILITY_COST_WEIGHTS.map(utilityPoint);
    const byPreset = {} as Record<Preset, UtilityPoint>;
    for (const preset of PRESETS) byPreset[preset] = utilityPoint(presetCostWeight(preset));
    report.qualityModelPresets = byPreset;
    if (sameModels) {
      report.headroom = headroom(trainRows, testRows, table, reference, MATCH_QUALITY_RATIO);
    }
  }
  if (options.mode === 'learn') {
    const trainReference = referenceOf(trainRows, bestColumn);
    report.presetsOnTrainRows = figuresPerPreset(
      trainRows,
      routeAllPresets(trainRows, catalog, stats),
      trainReference,
    );
  }
  if (sameModels) {
    report.perTaskCurve = perTaskAssignments(trainRows, modelCount, UTILITY_COST_WEIGHTS).map(
      (assignment) => ({
        costWeight: assignment.costWeight,
        figures: figuresOf(testRows, perTaskChoices(testRows, assignment), reference),
      }),
    );
    const baseline = learnPerTaskBaseline(trainRows, modelCount, MATCH_QUALITY_RATIO);
    report.perTaskBaseline = {
      ...figuresOf(testRows, perTaskChoices(testRows, baseline), reference),
      modelByTask: Object.fromEntries(
        [...baseline.modelByTask].map(([task, column]) => [task, dataset.models[column] ?? '']),
      ),
    };
  }
  const matching = PRESETS.filter(
    (preset) => presets[preset].qualityRatio >= MATCH_QUALITY_RATIO,
  ).sort((a, b) => presets[a].cost - presets[b].cost);
  if (matching[0]) report.cheapestMatchingPreset = matching[0];
  return report;
}

function figuresPerTaskLabel(
  rows: readonly ReplayRow[],
  choices: Record<Preset, Choices>,
  reference: ReplayReference,
): ReplayReport['perTask'] {
  const tasks = [...new Set(rows.map((row) => row.taskLabel))].sort();
  const result: ReplayReport['perTask'] = {};
  for (const task of tasks) {
    const indexes = rows.flatMap((row, index) => (row.taskLabel === task ? [index] : []));
    const taskRows = indexes.map((index) => rows[index]!);
    const taskReference = referenceOf(taskRows, reference.bestColumn);
    const pick = (policy: Choices) => indexes.map((index) => policy[index] ?? 0);
    const entry = {
      bestSingle: figuresOf(taskRows, pick(rows.map(() => reference.bestColumn)), taskReference),
      oracle: figuresOf(taskRows, oracleChoices(taskRows), taskReference),
    } as Record<Preset | 'bestSingle' | 'oracle', PolicyFigures>;
    for (const preset of PRESETS)
      entry[preset] = figuresOf(taskRows, pick(choices[preset]), taskReference);
    result[task] = entry;
  }
  return result;
}

function sweepHints(
  rows: readonly ReplayRow[],
  catalog: ReplayCatalog,
  stats: RouterStats | undefined,
  reference: ReplayReference,
): SweepPoint[] {
  const state = replayState(catalog, stats);
  return HINT_SWEEP.map(({ preset, quality }) => {
    const choices = routeRows(rows, catalog, { preset, quality }, state);
    return { preset, quality, figures: figuresOf(rows, choices, reference) };
  });
}

function sweepKnob(
  rows: readonly ReplayRow[],
  catalog: ReplayCatalog,
  stats: RouterStats | undefined,
  reference: ReplayReference,
): Array<KnobPoint & { choices: Choices }> {
  return COST_AVERSION_SWEEP.map((costAversion) => {
    const state = replayState(catalog, stats, { costAversion });
    const choices = routeRows(rows, catalog, KNOB_PRESET, state);
    return { costAversion, choices, figures: figuresOf(rows, choices, reference) };
  });
}

/**
 * Chooses the cost-aversion knob the way a deployment would, without the reported rows: the
 * training rows are split again — by prompt hash (another hash family), or with labels held out
 * when the report holds labels out, one third of the training labels validating — the router
 * learns on `KNOB_INNER_TRAIN_SHARE` of them and is swept on the rest; the cheapest knob keeping
 * `MATCH_QUALITY_RATIO` of the best single model's quality there wins (the best quality when
 * none does). With labels held out, "keeping" is read cautiously, over the validation labels as
 * a sample of labels (`labelQualityBound`), since new labels are what the setting will meet.
 */
function chooseKnob(
  trainRows: readonly ReplayRow[],
  trainDataset: ReplayDataset,
  by: 'prompt' | 'label',
): Omit<ChosenKnob, 'figures'> {
  const catalog = buildReplayCatalog(trainDataset);
  const inner =
    by === 'label'
      ? labelFoldRows(trainRows, 0, 3)
      : splitRows(trainRows, KNOB_INNER_TRAIN_SHARE, KNOB_SPLIT_SEED);
  const stats = learnFromRows(inner.train, trainDataset.models, catalog);
  const reference = referenceOf(
    inner.test,
    bestSingleColumn(inner.train, trainDataset.models.length),
  );
  // With labels held out, new labels are what the setting will meet: it must keep the target on
  // the validation labels taken as a sample of labels (their bootstrap's 10th percentile), not
  // only on their rows pooled.
  const kept = (point: KnobPoint & { choices: Choices }) =>
    by === 'label'
      ? labelQualityBound(inner.test, point.choices, reference.bestColumn)
      : point.figures.qualityRatio;
  const sweep = sweepKnob(inner.test, catalog, stats, reference).map((point) => ({
    ...point,
    kept: kept(point),
  }));
  const chosen =
    sweep
      .filter((point) => point.kept >= MATCH_QUALITY_RATIO)
      .sort((a, b) => a.figures.cost - b.figures.cost)[0] ??
    [...sweep].sort((a, b) => b.kept - a.kept)[0]!;
  return { costAversion: chosen.costAversion, validation: chosen.figures };
}

// ---------------------------------------------------------------------------------------------
// Printing

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function usd(value: number): string {
  return `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

function figuresLine(label: string, figures: PolicyFigures): string {
  return [
    label.padEnd(22),
    figures.quality.toFixed(4).padStart(7),
    percent(figures.qualityRatio).padStart(7),
    usd(figures.cost).padStart(9),
    percent(figures.costRatio).padStart(7),
    percent(figures.gapClosed).padStart(8),
    percent(figures.bestModelShare).padStart(7),
  ].join('  ');
}

const TABLE_HEADER = [
  'policy'.padEnd(22),
  'quality'.padStart(7),
  'q/best'.padStart(7),
  'cost'.padStart(9),
  'c/best'.padStart(7),
  'gap'.padStart(8),
  'best%'.padStart(7),
].join('  ');

function cheapestSweepPoint<Point extends { figures: PolicyFigures }>(
  sweep: readonly Point[],
  ratio: number,
): Point | undefined {
  return sweep
    .filter((point) => point.figures.qualityRatio >= ratio)
    .sort((a, b) => a.figures.cost - b.figures.cost)[0];
}

function formatKnob(costAversion: number): string {
  return `×${Number(costAversion.toPrecision(3))}`;
}

/** The router's own curve (the knob sweep), its cheapest points, and the knob chosen on the
 * training rows. */
function formatKnobSweep(report: ReplayReport, bestName: string): string[] {
  const lines = [
    '',
    `The router's own curve: preset ${KNOB_PRESET} with RouterTuning.costAversion swept (×1 = the preset as it is,`,
    `×0 ignores cost; learned quality gain ${DEFAULT_TUNING.learnedQualityGain}):`,
  ];
  report.knobSweep.forEach((point) => {
    // Whole and half powers of two (and 0), enough to see the curve's shape.
    const power = Math.log2(point.costAversion) * 2;
    if (point.costAversion === 0 || Math.abs(power - Math.round(power)) < 1e-9) {
      lines.push(figuresLine(`  costAversion ${formatKnob(point.costAversion)}`, point.figures));
    }
  });
  for (const ratio of [MATCH_QUALITY_RATIO, SHARE_QUALITY_RATIO]) {
    const point = cheapestSweepPoint(report.knobSweep, ratio);
    lines.push(
      point
        ? `  cheapest costAversion with ≥ ${percent(ratio)} quality: ${formatKnob(point.costAversion)}, quality ${percent(point.figures.qualityRatio)}, cost ${percent(point.figures.costRatio)}, ${bestName} calls ${percent(point.figures.bestModelShare)}`
        : `  no costAversion reaches ${percent(ratio)} quality`,
    );
  }
  const chosen = report.chosenKnob;
  if (chosen) {
    lines.push(
      `  chosen on the training rows alone (cheapest with ≥ ${percent(MATCH_QUALITY_RATIO)} on a held-back third of them: ${percent(chosen.validation.qualityRatio)} at ${percent(chosen.validation.costRatio)}): ${formatKnob(chosen.costAversion)}`,
      `    → on the reported rows: quality ${percent(chosen.figures.qualityRatio)}, cost ${percent(chosen.figures.costRatio)}, ${bestName} calls ${percent(chosen.figures.bestModelShare)}`,
    );
  }
  return lines;
}

function describeMode(report: ReplayReport, trainFile: string | undefined): string {
  if (report.mode === 'priors') return 'priors only: catalog scores from public facts, no learning';
  if (report.mode === 'learn') {
    return `learn: trained on ${report.trainRows.length} rows (${percent(LEARN_TRAIN_SHARE)} of the file by prompt hash), reporting the other ${report.testRows.length}`;
  }
  return `train: trained on all ${report.trainRows.length} rows of ${trainFile}, reporting all ${report.testRows.length} rows of this file`;
}

export function formatReport(report: ReplayReport, trainFile?: string): string[] {
  const { dataset, reference } = report;
  const bestName = dataset.models[reference.bestColumn] ?? '?';
  const lines = [
    `Routing replay of ${report.file}`,
    `  layout ${dataset.layout}, ${dataset.models.length} models, ${dataset.rows.length} rows used, ${dataset.skippedRows} skipped`,
    `  mode ${describeMode(report, trainFile)}`,
    `  best single model: ${bestName}; quality relative to it (q/best), cost relative to it (c/best),`,
    `  gap = share of the best-single → oracle quality gap closed, best% = calls sent to ${bestName}`,
    '',
    TABLE_HEADER,
  ];
  for (const preset of PRESETS) lines.push(figuresLine(`router ${preset}`, report.presets[preset]));
  if (report.chosenKnob) {
    lines.push(
      figuresLine(
        `router knob ${formatKnob(report.chosenKnob.costAversion)}`,
        report.chosenKnob.figures,
      ),
    );
  }
  if (report.perTaskBaseline) {
    lines.push(figuresLine('per-task baseline', report.perTaskBaseline));
  }
  lines.push(figuresLine('best single model', report.bestSingle));
  lines.push(figuresLine('oracle', report.oracle));
  lines.push('');
  lines.push(
    report.cheapestMatchingPreset
      ? `Cheapest preset with ≥ ${percent(MATCH_QUALITY_RATIO)} of the best single model's quality: ${report.cheapestMatchingPreset} (${percent(report.presets[report.cheapestMatchingPreset].costRatio)} of its cost)`
      : `No preset keeps ≥ ${percent(MATCH_QUALITY_RATIO)} of the best single model's quality.`,
  );
  lines.push(...formatKnobSweep(report, bestName));
  if (report.perTaskBaseline) {
    const assignment = Object.entries(report.perTaskBaseline.modelByTask)
      .map(([task, model]) => `${task} → ${model}`)
      .join(', ');
    lines.push(
      `Per-task baseline (fixed model per task label, learned on the training rows): ${assignment}`,
    );
  }
  lines.push('', 'The router with every preset × quality hint (hints.preset, hints.quality):');
  for (const point of report.sweep) {
    lines.push(figuresLine(`  ${point.preset}/${point.quality}`, point.figures));
  }
  for (const ratio of [MATCH_QUALITY_RATIO, SHARE_QUALITY_RATIO]) {
    const point = cheapestSweepPoint(report.sweep, ratio);
    lines.push(
      point
        ? `  cheapest setting with ≥ ${percent(ratio)} quality: ${point.preset}/${point.quality}, cost ${percent(point.figures.costRatio)}, ${bestName} calls ${percent(point.figures.bestModelShare)}`
        : `  no point reaches ${percent(ratio)} quality`,
    );
  }
  if (report.qualityModelCurve) {
    lines.push(
      '',
      'The learned quality model alone, outside route(): per prompt the model with the highest',
      'predicted quality − w × expected cost / expected cost of the best single model (catalog prices):',
    );
    for (const point of report.qualityModelCurve.filter((_, index) => index % 5 === 0)) {
      lines.push(figuresLine(`  w ${point.costWeight.toFixed(3)}`, point.figures));
    }
    if (report.qualityModelPresets) {
      lines.push('  with each preset’s cost weight (w = 0.1 × cost share / quality share):');
      for (const preset of PRESETS) {
        const point = report.qualityModelPresets[preset];
        lines.push(figuresLine(`  ${preset} w ${point.costWeight.toFixed(3)}`, point.figures));
      }
    }
    for (const ratio of [MATCH_QUALITY_RATIO, SHARE_QUALITY_RATIO]) {
      const point = cheapestSweepPoint(report.qualityModelCurve, ratio);
      lines.push(
        point
          ? `  cheapest w with ≥ ${percent(ratio)} quality: w ${point.costWeight.toFixed(3)}, cost ${percent(point.figures.costRatio)}, ${bestName} calls ${percent(point.figures.bestModelShare)}`
          : `  no w reaches ${percent(ratio)} quality`,
      );
    }
  }
  if (report.perTaskCurve) {
    lines.push('', 'The per-task baseline over the same cost weights (one model per task label):');
    for (const ratio of [MATCH_QUALITY_RATIO, SHARE_QUALITY_RATIO]) {
      const point = cheapestSweepPoint(report.perTaskCurve, ratio);
      lines.push(
        point
          ? `  cheapest w with ≥ ${percent(ratio)} quality: w ${point.costWeight.toFixed(3)}, cost ${percent(point.figures.costRatio)}, ${bestName} calls ${percent(point.figures.bestModelShare)}`
          : `  no w reaches ${percent(ratio)} quality`,
      );
    }
  }
  if (report.headroom) lines.push('', ...formatHeadroom(report.headroom));
  if (report.presetsOnTrainRows) {
    lines.push('', 'Train vs test (the same learned router on the rows it trained on):');
    lines.push(TABLE_HEADER);
    for (const preset of PRESETS) {
      lines.push(figuresLine(`train ${preset}`, report.presetsOnTrainRows[preset]));
    }
  }
  lines.push('', 'Per task label (quality / cost relative to the best single model on that task):');
  for (const [task, entry] of Object.entries(report.perTask)) {
    const parts = [...PRESETS, 'oracle' as const].map(
      (policy) =>
        `${policy} ${entry[policy].quality.toFixed(3)}/${percent(entry[policy].costRatio)}`,
    );
    lines.push(
      `  ${task} (best single ${entry.bestSingle.quality.toFixed(3)}): ${parts.join(', ')}`,
    );
  }
  return lines;
}

function formatHeadroom(headroom: Headroom): string[] {
  const auc = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(3));
  return [
    'Per-prompt signal (replay/replay-headroom.ts): within each task label, the AUC of the quality',
    `model's prediction against right/wrong answers on the reported rows: mean ${auc(headroom.meanAuc)}`,
    `  (per model: ${headroom.modelAuc.map(auc).join(', ')}; 0.5 = nothing beyond the label).`,
    `  A label-aware router with a simulated per-prompt signal of each AUC, cheapest cost at ≥ ${percent(headroom.qualityRatio)}:`,
    `  ${headroom.needed.map((point) => `AUC ${point.auc.toFixed(2)} → ${point.costRatio === undefined ? 'not reached' : percent(point.costRatio)}`).join(', ')}`,
  ];
}

function jsonFigures(figures: PolicyFigures) {
  return {
    quality: round(figures.quality),
    cost: round(figures.cost),
    costRatio: round(figures.costRatio),
    gapClosed: round(figures.gapClosed),
    bestModelShare: round(figures.bestModelShare),
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** The one-line JSON summary: per preset quality, cost, costRatio, gapClosed; the references. */
export function summaryJson(report: ReplayReport): Record<string, unknown> {
  const summary: Record<string, unknown> = {
    file: report.file,
    mode: report.mode,
    rows: report.testRows.length,
    trainRows: report.trainRows.length,
  };
  for (const preset of PRESETS) summary[preset] = jsonFigures(report.presets[preset]);
  summary.bestSingle = {
    model: report.dataset.models[report.reference.bestColumn],
    ...jsonFigures(report.bestSingle),
  };
  summary.oracle = jsonFigures(report.oracle);
  if (report.perTaskBaseline) summary.perTaskBaseline = jsonFigures(report.perTaskBaseline);
  summary.cheapestMatchingPreset = report.cheapestMatchingPreset ?? null;
  const at97 = cheapestSweepPoint(report.sweep, MATCH_QUALITY_RATIO);
  const at95 = cheapestSweepPoint(report.sweep, SHARE_QUALITY_RATIO);
  summary.sweep = {
    costRatioAt97: at97 ? round(at97.figures.costRatio) : null,
    settingAt97: at97 ? `${at97.preset}/${at97.quality}` : null,
    bestModelShareAt95: at95 ? round(at95.figures.bestModelShare) : null,
    settingAt95: at95 ? `${at95.preset}/${at95.quality}` : null,
  };
  const knob97 = cheapestSweepPoint(report.knobSweep, MATCH_QUALITY_RATIO);
  const knob95 = cheapestSweepPoint(report.knobSweep, SHARE_QUALITY_RATIO);
  summary.knob = {
    preset: KNOB_PRESET,
    costAversionAt97: knob97 ? knob97.costAversion : null,
    costRatioAt97: knob97 ? round(knob97.figures.costRatio) : null,
    costAversionAt95: knob95 ? knob95.costAversion : null,
    costRatioAt95: knob95 ? round(knob95.figures.costRatio) : null,
    bestModelShareAt95: knob95 ? round(knob95.figures.bestModelShare) : null,
    ...(report.chosenKnob
      ? {
          chosen: {
            costAversion: report.chosenKnob.costAversion,
            ...jsonFigures(report.chosenKnob.figures),
          },
        }
      : {}),
  };
  if (report.perTaskCurve) {
    const task97 = cheapestSweepPoint(report.perTaskCurve, MATCH_QUALITY_RATIO);
    const task95 = cheapestSweepPoint(report.perTaskCurve, SHARE_QUALITY_RATIO);
    summary.perTaskCurve = {
      costRatioAt97: task97 ? round(task97.figures.costRatio) : null,
      bestModelShareAt95: task95 ? round(task95.figures.bestModelShare) : null,
    };
  }
  if (report.qualityModelCurve) {
    const model97 = cheapestSweepPoint(report.qualityModelCurve, MATCH_QUALITY_RATIO);
    const model95 = cheapestSweepPoint(report.qualityModelCurve, SHARE_QUALITY_RATIO);
    summary.qualityModelAlone = {
      costRatioAt97: model97 ? round(model97.figures.costRatio) : null,
      bestModelShareAt95: model95 ? round(model95.figures.bestModelShare) : null,
      ...(report.qualityModelPresets
        ? Object.fromEntries(
            PRESETS.map((preset) => [
              preset,
              jsonFigures(report.qualityModelPresets![preset].figures),
            ]),
          )
        : {}),
    };
  }
  if (report.headroom) {
    summary.headroom = {
      meanAuc: report.headroom.meanAuc === undefined ? null : round(report.headroom.meanAuc),
      costRatioAt97ByAuc: Object.fromEntries(
        report.headroom.needed.map((point) => [
          point.auc.toFixed(2),
          point.costRatio === undefined ? null : round(point.costRatio),
        ]),
      ),
    };
  }
  return summary;
}

/** The figures `--folds` compares, per fold: each preset, the knob chosen on the training rows,
 * the cheapest points of the router's curve and of the per-task curve, the per-task baseline. */
interface FoldFigures {
  presets: Record<Preset, PolicyFigures>;
  chosenKnob: PolicyFigures | undefined;
  perTaskBaseline: PolicyFigures | undefined;
  knobCostAt97: number | undefined;
  knobCostAt95: number | undefined;
  perTaskCostAt97: number | undefined;
  perTaskCostAt95: number | undefined;
  /** Random mixing of the same models: its cost at 97% / 95% of the best single's quality. */
  mixCostAt97: number | undefined;
  mixCostAt95: number | undefined;
  /** Calls to the best single model at 95%: the knob curve's cheapest point, and random mixing
   * (two-model data sets only: RouteLLM's measure). */
  knobShareAt95: number | undefined;
  mixShareAt95: number | undefined;
  /** The furthest the knob curve and the per-task curve fall below random mixing at equal cost,
   * in points of the best single model's quality (≤ 0: never below). */
  knobBelowMixing: number;
  /** How often a router using each model as often, dealt to the requests at random, dips as far
   * below mixing (`chanceOfDip`). */
  knobDipByChance: number;
  perTaskBelowMixing: number | undefined;
  /** The knob chosen on the training rows for ≥ 97%: the quality it validated at there, and what
   * it delivered on the reported rows. */
  knobPromised: number | undefined;
  knobDelivered: number | undefined;
}

/** How far below random mixing a curve falls at its worst, in points of the best quality. */
function belowMixing(
  points: ReadonlyArray<{ figures: PolicyFigures }>,
  report: ReplayReport,
): number {
  const { bestQuality } = report.reference;
  return Math.max(
    ...points.map(
      ({ figures }) =>
        (mixingQualityAt(report.mixing, figures.cost) - figures.quality) / (bestQuality || 1),
    ),
  );
}

/** Random mixing's share of calls to the best model at `ratio` of its quality (two models). */
function mixingShare(report: ReplayReport, ratio: number): number | undefined {
  if (report.dataset.models.length !== 2) return undefined;
  const { bestColumn, bestQuality } = report.reference;
  const weak = meanQualityOf(report.testRows, 1 - bestColumn);
  if (bestQuality <= weak) return undefined;
  return Math.min(1, Math.max(0, (ratio * bestQuality - weak) / (bestQuality - weak)));
}

function meanQualityOf(rows: readonly ReplayRow[], column: number): number {
  return rows.reduce((sum, row) => sum + (row.scores[column] ?? 0), 0) / Math.max(1, rows.length);
}

function foldFigures(report: ReplayReport): FoldFigures {
  const costAt = (points: ReadonlyArray<{ figures: PolicyFigures }> | undefined, ratio: number) =>
    points ? cheapestSweepPoint(points, ratio)?.figures.costRatio : undefined;
  const { bestQuality, bestCost } = report.reference;
  const mixAt = (ratio: number) => {
    const cost = mixingCostAt(report.mixing, ratio * bestQuality);
    return cost === undefined ? undefined : cost / (bestCost || 1);
  };
  return {
    mixCostAt97: mixAt(MATCH_QUALITY_RATIO),
    mixCostAt95: mixAt(SHARE_QUALITY_RATIO),
    knobShareAt95: cheapestSweepPoint(report.knobSweep, SHARE_QUALITY_RATIO)?.figures
      .bestModelShare,
    mixShareAt95: mixingShare(report, SHARE_QUALITY_RATIO),
    knobBelowMixing: belowMixing(report.knobSweep, report),
    knobDipByChance: chanceOfDip(
      report.testRows,
      report.knobSweep.map((point) => point.choices),
      report.mixing,
      report.reference,
    ),
    perTaskBelowMixing: report.perTaskCurve ? belowMixing(report.perTaskCurve, report) : undefined,
    knobPromised: report.chosenKnob?.validation.qualityRatio,
    knobDelivered: report.chosenKnob?.figures.qualityRatio,
    presets: report.presets,
    chosenKnob: report.chosenKnob?.figures,
    perTaskBaseline: report.perTaskBaseline,
    knobCostAt97: costAt(report.knobSweep, MATCH_QUALITY_RATIO),
    knobCostAt95: costAt(report.knobSweep, SHARE_QUALITY_RATIO),
    perTaskCostAt97: costAt(report.perTaskCurve, MATCH_QUALITY_RATIO),
    perTaskCostAt95: costAt(report.perTaskCurve, SHARE_QUALITY_RATIO),
  };
}

function mean(values: ReadonlyArray<number | undefined>): number | undefined {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === values.length && known.length > 0
    ? known.reduce((sum, value) => sum + value, 0) / known.length
    : undefined;
}

function qualityAndCost(figures: PolicyFigures | undefined): string {
  return figures
    ? `${percent(figures.qualityRatio)} @ ${percent(figures.costRatio)}`.padStart(16)
    : '—'.padStart(16);
}

function costOrNone(value: number | undefined): string {
  return (value === undefined ? 'none' : percent(value)).padStart(8);
}

/** One line per fold and the means: q/best @ c/best per policy, cost at 97% / 95% per curve. */
export function formatFolds(reports: readonly ReplayReport[]): string[] {
  const first = reports[0]!;
  const folds = reports.map(foldFigures);
  const lines = [
    `Routing replay of ${first.file}, ${reports.length}-fold cross-validation ${first.foldBy === 'label' ? (first.adapt ? `with whole task labels held out, ${first.adapt} rows of each learned last (the rest reported once)` : 'with whole task labels held out (each label reported once, never trained on)') : 'by prompt hash (each row reported once)'}`,
    'q/best @ c/best per policy; the cheapest cost on each curve at ≥ 97% and ≥ 95% quality',
    '',
    [
      'fold'.padEnd(5),
      ...PRESETS.map((preset) => preset.padStart(16)),
      'knob (chosen)'.padStart(16),
      'per-task base'.padStart(16),
      'knob@97'.padStart(8),
      'task@97'.padStart(8),
      'knob@95'.padStart(8),
      'task@95'.padStart(8),
    ].join(' '),
  ];
  const line = (label: string, figures: FoldFigures) =>
    [
      label.padEnd(5),
      ...PRESETS.map((preset) => qualityAndCost(figures.presets[preset])),
      qualityAndCost(figures.chosenKnob),
      qualityAndCost(figures.perTaskBaseline),
      costOrNone(figures.knobCostAt97),
      costOrNone(figures.perTaskCostAt97),
      costOrNone(figures.knobCostAt95),
      costOrNone(figures.perTaskCostAt95),
    ].join(' ');
  folds.forEach((figures, index) => {
    lines.push(line(String(index + 1), figures));
  });
  const means = meanFoldFigures(folds);
  lines.push(line('mean', means));
  lines.push(
    '',
    'Beside random mixing of the same models (the frontier of sending each request to one model or',
    'another at random): cost at ≥ 97% / ≥ 95% quality for the knob curve, the per-task curve and',
    'mixing; best-model calls at 95% (two models); the furthest each curve falls below mixing at',
    'equal cost (points of quality; ≤ 0 never below) and, for the knob curve, how often a router',
    'using each model as often but dealing them to the requests at random dips as far (200',
    'shuffles; near 0: its ranking of the requests is worse than chance; large: the dip is chance,',
    'or comes from which models it uses); the knob chosen on the training rows for 97%: the quality',
    'it validated at there → what it delivered here.',
    '',
    [
      'fold'.padEnd(5),
      'knob@97'.padStart(8),
      'task@97'.padStart(8),
      'mix@97'.padStart(8),
      'knob@95'.padStart(8),
      'task@95'.padStart(8),
      'mix@95'.padStart(8),
      'share95'.padStart(8),
      'mix sh95'.padStart(8),
      'knob<mix'.padStart(9),
      'by chance'.padStart(9),
      'task<mix'.padStart(9),
      'knob chosen: promised → delivered'.padStart(34),
    ].join(' '),
  );
  const points = (value: number | undefined) =>
    (value === undefined ? '—' : `${(value * 100).toFixed(1)}`).padStart(9);
  const mixingLine = (label: string, figures: FoldFigures) =>
    [
      label.padEnd(5),
      costOrNone(figures.knobCostAt97),
      costOrNone(figures.perTaskCostAt97),
      costOrNone(figures.mixCostAt97),
      costOrNone(figures.knobCostAt95),
      costOrNone(figures.perTaskCostAt95),
      costOrNone(figures.mixCostAt95),
      costOrNone(figures.knobShareAt95),
      costOrNone(figures.mixShareAt95),
      points(figures.knobBelowMixing),
      `${(figures.knobDipByChance * 100).toFixed(0)}%`.padStart(9),
      points(figures.perTaskBelowMixing),
      (figures.knobPromised === undefined || figures.knobDelivered === undefined
        ? '—'
        : `${percent(figures.knobPromised)} → ${percent(figures.knobDelivered)}`
      ).padStart(34),
    ].join(' ');
  folds.forEach((figures, index) => {
    lines.push(mixingLine(String(index + 1), figures));
  });
  lines.push(mixingLine('mean', means));
  return lines;
}

function meanPolicy(values: ReadonlyArray<PolicyFigures | undefined>): PolicyFigures | undefined {
  if (values.some((value) => value === undefined)) return undefined;
  const known = values as readonly PolicyFigures[];
  const field = (name: keyof PolicyFigures) => mean(known.map((value) => value[name])) ?? 0;
  return {
    quality: field('quality'),
    cost: field('cost'),
    costRatio: field('costRatio'),
    qualityRatio: field('qualityRatio'),
    gapClosed: field('gapClosed'),
    bestModelShare: field('bestModelShare'),
  };
}

function meanFoldFigures(folds: readonly FoldFigures[]): FoldFigures {
  const presets = {} as Record<Preset, PolicyFigures>;
  for (const preset of PRESETS) {
    presets[preset] = meanPolicy(folds.map((fold) => fold.presets[preset]))!;
  }
  return {
    presets,
    chosenKnob: meanPolicy(folds.map((fold) => fold.chosenKnob)),
    perTaskBaseline: meanPolicy(folds.map((fold) => fold.perTaskBaseline)),
    knobCostAt97: mean(folds.map((fold) => fold.knobCostAt97)),
    knobCostAt95: mean(folds.map((fold) => fold.knobCostAt95)),
    perTaskCostAt97: mean(folds.map((fold) => fold.perTaskCostAt97)),
    perTaskCostAt95: mean(folds.map((fold) => fold.perTaskCostAt95)),
    mixCostAt97: mean(folds.map((fold) => fold.mixCostAt97)),
    mixCostAt95: mean(folds.map((fold) => fold.mixCostAt95)),
    knobShareAt95: mean(folds.map((fold) => fold.knobShareAt95)),
    mixShareAt95: mean(folds.map((fold) => fold.mixShareAt95)),
    knobBelowMixing: Math.max(...folds.map((fold) => fold.knobBelowMixing)),
    // The deepest fold's own chance: is the worst dip one that chance shows?
    knobDipByChance: folds.reduce((deepest, fold) =>
      fold.knobBelowMixing > deepest.knobBelowMixing ? fold : deepest,
    ).knobDipByChance,
    perTaskBelowMixing: folds.every((fold) => fold.perTaskBelowMixing !== undefined)
      ? Math.max(...folds.map((fold) => fold.perTaskBelowMixing!))
      : undefined,
    knobPromised: mean(folds.map((fold) => fold.knobPromised)),
    knobDelivered: mean(folds.map((fold) => fold.knobDelivered)),
  };
}

/** The `--folds` summary: the mean figures, as one JSON object. */
export function foldsJson(reports: readonly ReplayReport[]): Record<string, unknown> {
  const figures = meanFoldFigures(reports.map(foldFigures));
  const summary: Record<string, unknown> = {
    file: reports[0]?.file,
    mode: 'folds',
    folds: reports.length,
  };
  for (const preset of PRESETS) summary[preset] = jsonFigures(figures.presets[preset]);
  if (figures.chosenKnob) summary.chosenKnob = jsonFigures(figures.chosenKnob);
  if (figures.perTaskBaseline) summary.perTaskBaseline = jsonFigures(figures.perTaskBaseline);
  summary.knob = {
    costRatioAt97: figures.knobCostAt97 ?? null,
    costRatioAt95: figures.knobCostAt95 ?? null,
  };
  summary.perTaskCurve = {
    costRatioAt97: figures.perTaskCostAt97 ?? null,
    costRatioAt95: figures.perTaskCostAt95 ?? null,
  };
  summary.split = reports[0]?.foldBy ?? 'prompt';
  summary.mixing = {
    costRatioAt97: figures.mixCostAt97 ?? null,
    costRatioAt95: figures.mixCostAt95 ?? null,
    bestModelShareAt95: figures.mixShareAt95 ?? null,
  };
  summary.knob = {
    ...(summary.knob as object),
    bestModelShareAt95: figures.knobShareAt95 ?? null,
    worstBelowMixing: figures.knobBelowMixing,
    worstDipByChance: figures.knobDipByChance,
    chosenPromised: figures.knobPromised ?? null,
    chosenDelivered: figures.knobDelivered ?? null,
  };
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Command line

export function parseArguments(argv: readonly string[]): ReplayOptions {
  const positional: string[] = [];
  let mode: ReplayMode = 'priors';
  let trainFile: string | undefined;
  let folds: number | undefined;
  let byLabel = false;
  let adapt: number | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--learn') mode = mode === 'train' ? mode : 'learn';
    else if (argument === '--by-label') byLabel = true;
    else if (argument === '--adapt') {
      adapt = Number(argv[++index]);
      if (!Number.isInteger(adapt) || adapt < 0) throw new Error('--adapt needs a row count');
    } else if (argument === '--folds') {
      folds = Number(argv[++index]);
      if (!Number.isInteger(folds) || folds < 2)
        throw new Error('--folds needs a count of 2 or more');
      mode = 'learn';
    } else if (argument === '--train') {
      trainFile = argv[++index];
      if (!trainFile) throw new Error('--train needs a file');
      mode = 'train';
    } else if (argument.startsWith('--')) throw new Error(`unknown option ${argument}`);
    else positional.push(argument);
  }
  const file = positional[0];
  if (!file || positional.length > 1) {
    throw new Error(
      'usage: npm run replay -- FILE.csv.gz [--learn | --folds K [--by-label [--adapt N]] | --train OTHER.csv.gz]',
    );
  }
  if (trainFile && folds) throw new Error('--folds and --train do not go together');
  if (byLabel && !folds) throw new Error('--by-label goes with --folds K');
  if (adapt !== undefined && !byLabel) throw new Error('--adapt goes with --by-label');
  if (folds)
    return {
      file,
      mode,
      folds,
      foldBy: byLabel ? 'label' : 'prompt',
      ...(adapt !== undefined && { adapt }),
    };
  return trainFile ? { file, mode, trainFile } : { file, mode };
}

function main(argv: readonly string[]): void {
  const options = parseArguments(argv);
  if (options.folds && options.foldBy === 'label') {
    // Whole labels per fold: never more folds than labels.
    const labels = new Set(loadReplayDataset(options.file).rows.map((row) => row.taskLabel)).size;
    if (labels < 2) throw new Error('--by-label needs a file with two task labels or more');
    if (options.folds > labels) {
      console.log(`${labels} task labels: ${labels} folds, one label held out in each`);
      options.folds = labels;
    }
  }
  if (options.folds) {
    const reports = Array.from({ length: options.folds }, (_, index) =>
      runReplay({ ...options, fold: { index, count: options.folds! } }),
    );
    for (const line of formatFolds(reports)) console.log(line);
    console.log(JSON.stringify(foldsJson(reports)));
    return;
  }
  const report = runReplay(options);
  for (const line of formatReport(report, options.trainFile)) console.log(line);
  console.log(JSON.stringify(summaryJson(report)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
