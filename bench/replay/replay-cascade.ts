/**
 * The local first pass replayed on real answers (docs/routing-replay.md, "The first pass"):
 * RouterBench's train split with every model's answer text (`data/routing/routerbench-train-
 * responses/`). For each prompt the router picks a model as it would alone; a cascade lets a cheap
 * model answer first, runs the broker's own acceptance check (`checkAnswer`, with a second cheap
 * model's answer on short-answer tasks) on the recorded answer text, and escalates to the router's
 * pick when the check fails. Which cheap model answers first, which gives the second opinion, and
 * for which tasks the cascade is on are chosen on the other folds — never on the rows reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { TaskType } from '../../src/protocol/llm-request';
import { analyzeRequest } from '../../src/router/router-analyze';
import type { RoutePlan } from '../../src/router/router-types';
import { checkAnswer, SHORT_ANSWER_TASKS } from '../../src/runtime/cascade-acceptance';
import {
  escalationOrder,
  planVerification,
  VERIFY_COST_SHARE,
} from '../../src/runtime/run-cascade';
import { COST_AVERSION_SWEEP, KNOB_PRESET } from '../routing-replay';
import { buildReplayCatalog, type ReplayCatalog } from './replay-catalog';
import { parseCsv } from './replay-csv';
import {
  parsePythonStringList,
  promptText,
  type ReplayDataset,
  type ReplayRow,
} from './replay-data';
import { bootstrapRatio, concaveFrontier, foldRows } from './replay-metrics';
import { learnFromRows, planRows, replayState } from './replay-routing';

export interface AnsweredRow extends ReplayRow {
  /** Each model's answer text, in the order of the models. */
  answers: string[];
  /** The task the router infers from the prompt (what the acceptance check is told). */
  task: TaskType;
}

export interface AnsweredDataset {
  models: string[];
  rows: AnsweredRow[];
  skippedRows: number;
}

/** Reads every `*.csv.gz` of the responses folder. */
export function loadAnsweredRows(directory: string): AnsweredDataset {
  let models: string[] | undefined;
  const rows: AnsweredRow[] = [];
  let skippedRows = 0;
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.csv.gz'))
    .sort()) {
    const [header, ...records] = parseCsv(
      gunzipSync(readFileSync(join(directory, file))).toString('utf8'),
    );
    if (!header) continue;
    const fileModels = header
      .filter((name) => name.endsWith('|model_response'))
      .map((name) => name.slice(0, -'|model_response'.length))
      .sort();
    models ??= fileModels;
    if (fileModels.join() !== models.join()) throw new Error(`${file}: other models than the rest`);
    const at = (name: string) => header.indexOf(name);
    const [prompt, id, label] = [at('prompt'), at('sample_id'), at('eval_name')];
    for (const record of records) {
      const scores = models.map((model) => record[at(model)] ?? '');
      const costs = models.map((model) => record[at(`${model}|total_cost`)] ?? '');
      if ([...scores, ...costs].some((cell) => cell.trim() === '')) {
        skippedRows++;
        continue;
      }
      const text = promptText(record[prompt] ?? '');
      rows.push({
        id: record[id] ?? String(rows.length),
        prompt: text,
        taskLabel: record[label] ?? file,
        scores: scores.map(Number),
        costs: costs.map(Number),
        answers: models.map((model) => {
          const cell = record[at(`${model}|model_response`)] ?? '';
          return (parsePythonStringList(cell.trim()) ?? [cell]).join('\n');
        }),
        task: analyzeRequest({ prompt: text }).task,
      });
    }
  }
  return { models: models ?? [], rows, skippedRows };
}

/** Who answers first, who gives the second opinion, and for which tasks. */
export interface CascadeConfig {
  first: number;
  second?: number;
  tasks: ReadonlySet<TaskType>;
}

export interface CascadeFigures {
  quality: number;
  cost: number;
  /** Rows the first pass answered for, and of those how many escalated. */
  cascaded: number;
  escalated: number;
}

/** A first pass's verdict on one row: accepted, or rejected — and whether for a disagreement. */
export interface RowVerdict {
  accept: boolean;
  disagreed: boolean;
}

/** The acceptance verdict of `first`'s answer to `row`, with `second`'s opinion where the task
 * takes one. */
function rowVerdict(row: AnsweredRow, first: number, second: number | undefined): RowVerdict {
  const secondText =
    second !== undefined && SHORT_ANSWER_TASKS.has(row.task) ? row.answers[second] : undefined;
  const verdict = checkAnswer(
    { text: row.answers[first] ?? '' },
    { task: row.task, ...(secondText !== undefined && { second: { text: secondText } }) },
  );
  return {
    accept: verdict.accept,
    disagreed: !verdict.accept && verdict.reason === 'disagreement',
  };
}

/** The acceptance verdict of `first` (with `second`'s opinion) on each row, computed once. */
function verdicts(
  rows: readonly AnsweredRow[],
  first: number,
  second: number | undefined,
): RowVerdict[] {
  return rows.map((row) => rowVerdict(row, first, second));
}

/** What the router decided for a row: the column it picks, and the chain's columns in the order
 * the broker escalates to after two cheap models disagreed (`escalationOrder`: strongest first). */
export interface RowRoute {
  pick: number;
  strongest: readonly number[];
  /** The second opinion the broker asks when the person checks cheap short answers
   * (`planVerification`), or undefined where that does not apply to this plan. */
  verifier: number | undefined;
}

/** Each plan as a `RowRoute` (the first few of the strongest: enough past any two passes). */
export function rowRoutes(plans: readonly RoutePlan[], catalog: ReplayCatalog): RowRoute[] {
  const columnOf = (model: { provider: string; id: string }) =>
    catalog.columnOf.get(`${model.provider}/${model.id}`)!;
  return plans.map((plan) => {
    const second = planVerification(plan)?.second;
    return {
      pick: columnOf(plan.chain[0]!.model),
      strongest: escalationOrder(plan, new Set(), true)
        .slice(0, 3)
        .map(({ model }) => columnOf(model)),
      verifier: second && columnOf(second.model),
    };
  });
}

/** The passes a row got before (or instead of) the router's pick, and their verdict. */
interface RowPasses {
  first: number;
  second: number | undefined;
  verdict: RowVerdict;
}

/**
 * Quality and cost over `rows` when `passesOf` says which rows got passes: each pass is paid; an
 * accepted first answer stands; a disagreement goes to the chain's strongest model that did not
 * answer yet, any other rejection to the router's pick (or, when the pick was the one rejected,
 * to that strongest model too). Rows without passes get the pick.
 */
function figuresWithPasses(
  rows: readonly AnsweredRow[],
  routes: readonly RowRoute[],
  passesOf: (row: AnsweredRow, index: number) => RowPasses | undefined,
): CascadeFigures {
  let quality = 0;
  let cost = 0;
  let cascaded = 0;
  let escalated = 0;
  rows.forEach((row, index) => {
    const { pick, strongest } = routes[index]!;
    const passes = passesOf(row, index);
    if (!passes) {
      quality += row.scores[pick]!;
      cost += row.costs[pick]!;
      return;
    }
    const { first, second, verdict } = passes;
    cascaded++;
    cost += row.costs[first]!;
    if (second !== undefined) cost += row.costs[second]!;
    if (verdict.accept) {
      quality += row.scores[first]!;
      return;
    }
    escalated++;
    const target =
      verdict.disagreed || pick === first
        ? (strongest.find((column) => column !== first && column !== second) ?? pick)
        : pick;
    quality += row.scores[target]!;
    cost += row.costs[target]!;
  });
  return { quality: quality / Math.max(1, rows.length), cost, cascaded, escalated };
}

/**
 * The broker with "check cheap short answers with a second opinion" on (`planVerification`): where
 * it applies, the router's pick and the second opinion both answer; an agreement stands and a
 * disagreement goes to the chain's strongest model. Elsewhere the pick answers as routed.
 */
export function verifiedFigures(
  rows: readonly AnsweredRow[],
  routes: readonly RowRoute[],
): CascadeFigures {
  return figuresWithPasses(rows, routes, (row, index) => {
    const { pick, verifier } = routes[index]!;
    return verifier === undefined
      ? undefined
      : { first: pick, second: verifier, verdict: rowVerdict(row, pick, verifier) };
  });
}

/** What a cascade does on rows, given the router's decision per row and the verdicts. */
export function cascadeFigures(
  rows: readonly AnsweredRow[],
  routes: readonly RowRoute[],
  config: CascadeConfig,
  verdictOf: readonly RowVerdict[],
): CascadeFigures {
  return figuresWithPasses(rows, routes, (row, index) =>
    !config.tasks.has(row.task) || routes[index]!.pick === config.first
      ? undefined
      : {
          first: config.first,
          second: SHORT_ANSWER_TASKS.has(row.task) ? config.second : undefined,
          verdict: verdictOf[index]!,
        },
  );
}

/** The cheapest models on average: the candidates for a first pass. */
export const FIRST_PASS_CANDIDATES = 6;

/** The share of the escalation target's quality a configuration must keep on the training rows
 * (RouteLLM's framing: how much cost is cut at 95% of the strong model's quality). */
export const QUALITY_KEPT = 0.95;

/**
 * The cheapest configuration that keeps `QUALITY_KEPT` of what the router alone achieves on
 * `rows` (the best-quality one if none does): cheap model pairs × every subset of tasks.
 */
export function chooseCascade(
  rows: readonly AnsweredRow[],
  routed: readonly RowRoute[],
  modelCount: number,
): CascadeConfig {
  const meanCost = Array.from({ length: modelCount }, (_, column) =>
    rows.reduce((sum, row) => sum + row.costs[column]!, 0),
  );
  const cheap = [...meanCost.keys()]
    .sort((a, b) => meanCost[a]! - meanCost[b]!)
    .slice(0, FIRST_PASS_CANDIDATES);
  const tasks = [...new Set(rows.map((row) => row.task))].sort();
  const routerQuality =
    rows.reduce((sum, row, index) => sum + row.scores[routed[index]!.pick]!, 0) /
    Math.max(1, rows.length);
  let best: { config: CascadeConfig; figures: CascadeFigures } | undefined;
  let strongest: { config: CascadeConfig; figures: CascadeFigures } | undefined;
  for (const first of cheap) {
    for (const second of [undefined, ...cheap.filter((column) => column !== first)]) {
      const verdictOf = verdicts(rows, first, second);
      for (let mask = 1; mask < 2 ** tasks.length; mask++) {
        const config = {
          first,
          ...(second !== undefined && { second }),
          tasks: new Set(tasks.filter((_, bit) => mask & (1 << bit))),
        };
        const figures = cascadeFigures(rows, routed, config, verdictOf);
        if (!strongest || figures.quality > strongest.figures.quality) {
          strongest = { config, figures };
        }
        if (
          figures.quality >= QUALITY_KEPT * routerQuality &&
          (!best || figures.cost < best.figures.cost)
        ) {
          best = { config, figures };
        }
      }
    }
  }
  return (best ?? strongest)!.config;
}

/** The cheap models whose agreement the hindsight bound tries: the eight cheapest on average. */
export const HINDSIGHT_CHEAP = 8;

/** One corner of a label's hindsight frontier: a policy's total cost and total score (quality
 * summed over the label's rows) there. */
interface PolicyPoint {
  cost: number;
  quality: number;
}

/**
 * The least cost, as a share of the best single model's, at which any per-label mix of these
 * policies reaches each quality `targets` share of the best single model's — chosen with
 * hindsight on the very rows it is measured on, so no router that knows of a request only its
 * label and these models' agreement can do better: every single model; two or three of the
 * `HINDSIGHT_CHEAP` cheapest answering, their agreement standing (the broker's `checkAnswer`, the
 * second and third against the first) and anything else going to the best single model. Each
 * label's policies form a concave frontier (a request sent to one policy or another at random);
 * the labels' frontiers are combined by spending where a dollar buys the most quality.
 * `singlesOnly` leaves out the agreement policies.
 */
export function hindsightBound(
  dataset: AnsweredDataset,
  targets: readonly number[],
  singlesOnly = false,
): Array<number | undefined> {
  const { rows, models } = dataset;
  const spend = (column: number) => rows.reduce((sum, row) => sum + row.costs[column]!, 0);
  const score = (column: number) => rows.reduce((sum, row) => sum + row.scores[column]!, 0);
  const best = [...models.keys()].sort((a, b) => score(b) - score(a))[0]!;
  const cheap = [...models.keys()].sort((a, b) => spend(a) - spend(b)).slice(0, HINDSIGHT_CHEAP);
  const groups = [
    ...cheap.flatMap((a, i) => cheap.slice(i + 1).map((b) => [a, b])),
    ...cheap.flatMap((a, i) =>
      cheap.slice(i + 1).flatMap((b, j) => cheap.slice(i + j + 2).map((c) => [a, b, c])),
    ),
  ];
  const segments: PolicyPoint[] = [];
  let start: PolicyPoint = { cost: 0, quality: 0 };
  for (const label of [...new Set(rows.map((row) => row.taskLabel))]) {
    const own = rows.filter((row) => row.taskLabel === label);
    const points: PolicyPoint[] = models.map((_, column) => ({
      cost: own.reduce((sum, row) => sum + row.costs[column]!, 0),
      quality: own.reduce((sum, row) => sum + row.scores[column]!, 0),
    }));
    if (!singlesOnly) {
      for (const group of groups) {
        const point = { cost: 0, quality: 0 };
        for (const row of own) {
          const [first, ...others] = group as [number, ...number[]];
          let agreed = true;
          for (const other of [first, ...others]) {
            point.cost += row.costs[other]!;
            if (other !== first && !rowVerdict(row, first, other).accept) {
              agreed = false;
              break;
            }
          }
          const answered = agreed ? first : best;
          if (!agreed) point.cost += row.costs[best]!;
          point.quality += row.scores[answered]!;
        }
        points.push(point);
      }
    }
    const frontier = concaveFrontier(points);
    start = {
      cost: start.cost + frontier[0]!.cost,
      quality: start.quality + frontier[0]!.quality,
    };
    for (let index = 1; index < frontier.length; index++) {
      segments.push({
        cost: frontier[index]!.cost - frontier[index - 1]!.cost,
        quality: frontier[index]!.quality - frontier[index - 1]!.quality,
      });
    }
  }
  segments.sort((a, b) => b.quality / b.cost - a.quality / a.cost);
  return targets.map((target) => {
    const needed = target * score(best);
    let { cost, quality: reached } = start;
    if (reached >= needed) return cost / spend(best);
    for (const segment of segments) {
      if (reached + segment.quality >= needed) {
        return (cost + ((needed - reached) / segment.quality) * segment.cost) / spend(best);
      }
      cost += segment.cost;
      reached += segment.quality;
    }
    return undefined;
  });
}

/** The learned router is traced as the routing replay traces its knob: preset `KNOB_PRESET` over
 * `COST_AVERSION_SWEEP`. */
export const LEARNED_KNOBS: readonly number[] = COST_AVERSION_SWEEP;

/** One point of a cross-validated curve: a setting, and what it gave over every fold's rows. */
export interface CurvePoint {
  costAversion: number;
  figures: CascadeFigures;
}

/** The learned router's three policies, as the replay compares them. */
export const POLICIES = ['alone', 'combined', 'verified'] as const;
export type Policy = (typeof POLICIES)[number];

/** The setting chosen on the training rows alone for `CHOSEN_TARGET`, per policy: its quality
 * there and what it gave on the reported rows. */
export interface ChosenKnob {
  /** Quality on the held-back training rows, as a share of the best single model's there (the
   * point reading; the choice was made on a cautious one). */
  promised: number;
  figures: CascadeFigures;
  /** Each split's setting. */
  costAversions: number[];
}

/** The quality share a setting is chosen for on the training rows. */
export const CHOSEN_TARGET = 0.97;

/** A policy at one setting on some rows: its figures (quality as a mean), and each row's score. */
interface SweepPoint {
  figures: CascadeFigures;
  rowScores: number[];
}

/** Each policy on `rows` at every setting of `LEARNED_KNOBS`. */
function sweep(
  rows: readonly AnsweredRow[],
  stats: ReturnType<typeof learnFromRows>,
  catalog: ReplayCatalog,
  config: CascadeConfig,
): Record<Policy, SweepPoint[]> {
  const none: CascadeConfig = { first: 0, tasks: new Set() };
  const verdictOf = verdicts(rows, config.first, config.second);
  const points: Record<Policy, SweepPoint[]> = { alone: [], combined: [], verified: [] };
  const pointOf = (figuresOfRow: (index: number) => CascadeFigures): SweepPoint => {
    const figures: CascadeFigures = { quality: 0, cost: 0, cascaded: 0, escalated: 0 };
    const rowScores = rows.map((_, index) => {
      const row = figuresOfRow(index);
      addFigures(figures, row, 1);
      return row.quality;
    });
    figures.quality /= Math.max(1, rows.length);
    return { figures, rowScores };
  };
  for (const costAversion of LEARNED_KNOBS) {
    const state = replayState(catalog, stats, { costAversion });
    const routed = rowRoutes(planRows(rows, catalog, KNOB_PRESET, state), catalog);
    // Each row alone, so its score can be drawn again by the bootstrap that chooses a setting.
    const ofRow: Record<Policy, (index: number) => CascadeFigures> = {
      alone: (i) => cascadeFigures([rows[i]!], [routed[i]!], none, [verdictOf[i]!]),
      combined: (i) => cascadeFigures([rows[i]!], [routed[i]!], config, [verdictOf[i]!]),
      verified: (i) => verifiedFigures([rows[i]!], [routed[i]!]),
    };
    for (const policy of POLICIES) points[policy].push(pointOf(ofRow[policy]));
  }
  return points;
}

/** The best single model's column on `rows`. */
function bestColumnOn(rows: readonly AnsweredRow[], modelCount: number): number {
  const total = (column: number) => rows.reduce((sum, row) => sum + row.scores[column]!, 0);
  return [...Array(modelCount).keys()].sort((a, b) => total(b) - total(a))[0]!;
}

/**
 * The router learning from each split's training rows, traced over `LEARNED_KNOBS` on its
 * reported rows: alone, behind the first pass the split chose on its training rows (`configs`),
 * and checking cheap short answers. Every point is on rows the router never learned from; which
 * point to read (the cheapest at 97%) is the curve's, as in the routing replay's knob curve. And,
 * as a person would have to, a setting chosen beforehand: learned on two thirds of the training
 * rows, the cheapest that keeps `CHOSEN_TARGET` of the best single model's quality on the third
 * held back (at the 10th percentile of a bootstrap over those rows), then used, learned on all of
 * them, on the reported rows.
 */
function learnedCurves(
  models: readonly string[],
  catalog: ReplayCatalog,
  splits: readonly CascadeSplit[],
  configs: readonly CascadeConfig[],
): Record<Policy, CurvePoint[]> & { chosen: Record<Policy, ChosenKnob> } {
  const zero = (): CascadeFigures => ({ quality: 0, cost: 0, cascaded: 0, escalated: 0 });
  const curves = Object.fromEntries(
    POLICIES.map((policy) => [
      policy,
      LEARNED_KNOBS.map((costAversion) => ({ costAversion, figures: zero() })),
    ]),
  ) as Record<Policy, CurvePoint[]>;
  const chosen = Object.fromEntries(
    POLICIES.map((policy): [Policy, ChosenKnob] => [
      policy,
      { promised: 0, figures: zero(), costAversions: [] },
    ]),
  ) as Record<Policy, ChosenKnob>;
  let reported = 0;
  let validated = 0;
  splits.forEach(({ train, test }, fold) => {
    const config = configs[fold]!;
    const onTest = sweep(test, learnFromRows(train, models, catalog), catalog, config);
    // Every third training row held back (rows come in file order: every task gets its share).
    const heldBack = train.filter((_, index) => index % 3 === 2);
    const fit = train.filter((_, index) => index % 3 !== 2);
    const onHeldBack = sweep(heldBack, learnFromRows(fit, models, catalog), catalog, config);
    const best = bestColumnOn(heldBack, models.length);
    for (const policy of POLICIES) {
      onTest[policy].forEach(({ figures }, point) => {
        addFigures(curves[policy][point]!.figures, figures, test.length);
      });
      // The cheapest setting whose quality on the held-back rows keeps the target at the 10th
      // percentile of a bootstrap over those rows (a cautious reading: the cheapest that merely
      // clears it on them is the one that was lucky there); the best-reading one when none does.
      const points = onHeldBack[policy].map(({ figures, rowScores }, point) => ({
        figures,
        point,
        bound: bootstrapRatio(
          rowScores.map((chosen, index) => ({ chosen, best: heldBack[index]!.scores[best]! })),
        ),
      }));
      const pick =
        points
          .filter(({ bound }) => bound >= CHOSEN_TARGET)
          .sort((a, b) => a.figures.cost - b.figures.cost)[0] ??
        points.sort((a, b) => b.bound - a.bound)[0]!;
      const knob = chosen[policy];
      knob.costAversions.push(LEARNED_KNOBS[pick.point]!);
      const bestQuality =
        heldBack.reduce((sum, row) => sum + row.scores[best]!, 0) / heldBack.length;
      knob.promised += (pick.figures.quality / bestQuality) * heldBack.length;
      addFigures(knob.figures, onTest[policy][pick.point]!.figures, test.length);
    }
    reported += test.length;
    validated += heldBack.length;
  });
  for (const policy of POLICIES) {
    for (const point of curves[policy]) point.figures.quality /= reported;
    chosen[policy].figures.quality /= reported;
    chosen[policy].promised /= validated;
  }
  return { ...curves, chosen };
}

/** The cheapest point of a curve with at least `quality` (undefined: none reaches it). */
export function cheapestAt(curve: readonly CurvePoint[], quality: number): CurvePoint | undefined {
  return curve
    .filter((point) => point.figures.quality >= quality)
    .sort((a, b) => a.figures.cost - b.figures.cost)[0];
}

/** A configuration by model names (for the report). */
export interface ChosenConfig {
  first: string;
  second?: string;
  tasks: TaskType[];
}

function namedConfig(models: readonly string[], config: CascadeConfig): ChosenConfig {
  return {
    first: models[config.first]!,
    ...(config.second !== undefined && { second: models[config.second]! }),
    tasks: [...config.tasks],
  };
}

/** Adds one fold's figures (quality as a mean over `rows` rows) to a running total. */
function addFigures(total: CascadeFigures, figures: CascadeFigures, rows: number): void {
  total.quality += figures.quality * rows;
  total.cost += figures.cost;
  total.cascaded += figures.cascaded;
  total.escalated += figures.escalated;
}

export interface CascadeReplay {
  rows: number;
  skippedRows: number;
  /** The task labels of the reported rows. */
  labels: string[];
  /** How the rows were divided: cross-validation, or a held-out set. */
  split: string;
  /** Folds (1 with a held-out set). */
  folds: number;
  models: string[];
  bestSingle: { model: string; quality: number; cost: number };
  /** The router alone with the `balanced` preset, and with `quality` (the escalation target). */
  router: { quality: number; cost: number };
  routerQuality: { quality: number; cost: number };
  cascade: CascadeFigures;
  /** The configuration each fold chose on its training rows. */
  chosen: ChosenConfig[];
  /** The router learning from the other folds' outcomes, over its cost-aversion setting: alone,
   * and behind each fold's chosen first pass. */
  learned: Record<Policy, CurvePoint[]> & { chosen: Record<Policy, ChosenKnob> };
  /** `hindsightBound` at `CURVE_TARGETS`: with agreement policies, and single models only. */
  hindsight: { agreement: Array<number | undefined>; singles: Array<number | undefined> };
}

/** Rows to learn and choose on, and rows to report: a fold, or a whole held-out set. */
export interface CascadeSplit {
  train: readonly AnsweredRow[];
  test: readonly AnsweredRow[];
}

/** Cross-validated: each fold's rows are reported with the configuration the other folds chose. */
export function replayCascade(dataset: AnsweredDataset, folds = 5): CascadeReplay {
  const splits = Array.from({ length: folds }, (_, fold) => {
    const { train, test } = foldRows(dataset.rows, fold, folds);
    return { train: train as AnsweredRow[], test: test as AnsweredRow[] };
  });
  return replaySplits(dataset, dataset, splits, `${folds}-fold cross-validation`);
}

/**
 * Learned and chosen on every row of `train`, reported on every row of `test` — data the choice
 * never saw (for instance a held-out split of the same tasks). Both must have the same models.
 */
export function replayCascadeHeldOut(
  train: AnsweredDataset,
  test: AnsweredDataset,
  names: { train: string; test: string } = { train: 'the training set', test: 'the test set' },
): CascadeReplay {
  if (train.models.join() !== test.models.join()) {
    throw new Error(`${names.test} has other models than ${names.train}`);
  }
  return replaySplits(
    test,
    train,
    [{ train: train.rows, test: test.rows }],
    `learned and chosen on ${names.train} (${train.rows.length} prompts), reported on ${names.test}`,
  );
}

/**
 * The replay over `splits`, which report every row of `dataset` once. The catalog is built from
 * `source` (the training data: what the broker would know before it meets the reported rows).
 */
function replaySplits(
  dataset: AnsweredDataset,
  source: AnsweredDataset,
  splits: readonly CascadeSplit[],
  split: string,
): CascadeReplay {
  const replayDataset: ReplayDataset = {
    layout: 'perf-cost',
    models: source.models,
    rows: source.rows,
    skippedRows: source.skippedRows,
  };
  const catalog = buildReplayCatalog(replayDataset);
  const balanced = rowRoutes(
    planRows(dataset.rows, catalog, 'balanced', replayState(catalog)),
    catalog,
  );
  // The chain a first pass escalates to: the router asked for quality (on every row a split
  // trains or reports on).
  const everyRow = [...new Set(splits.flatMap(({ train, test }) => [...train, ...test]))];
  const routedEvery = rowRoutes(
    planRows(everyRow, catalog, 'quality', replayState(catalog)),
    catalog,
  );
  const routedOf = new Map(everyRow.map((row, index) => [row, routedEvery[index]!]));
  const routedAll = dataset.rows.map((row) => routedOf.get(row)!);
  const total: CascadeFigures = { quality: 0, cost: 0, cascaded: 0, escalated: 0 };
  const chosen: CascadeReplay['chosen'] = [];
  const configs: CascadeConfig[] = [];
  for (const { train, test } of splits) {
    const config = chooseCascade(
      train,
      train.map((row) => routedOf.get(row)!),
      dataset.models.length,
    );
    // Behind the learned router the first pass runs where two cheap answers can be compared
    // (short-answer tasks): their agreement is the evidence (see learnedCurves).
    configs.push({ ...config, tasks: new Set(SHORT_ANSWER_TASKS) });
    chosen.push(namedConfig(dataset.models, config));
    const routed = test.map((row) => routedOf.get(row)!);
    addFigures(
      total,
      cascadeFigures(test, routed, config, verdicts(test, config.first, config.second)),
      test.length,
    );
  }
  total.quality /= dataset.rows.length;
  const mean = (column: number) =>
    dataset.rows.reduce((sum, row) => sum + row.scores[column]!, 0) / dataset.rows.length;
  const spend = (column: number) => dataset.rows.reduce((sum, row) => sum + row.costs[column]!, 0);
  const best = [...dataset.models.keys()].sort((a, b) => mean(b) - mean(a))[0]!;
  return {
    rows: dataset.rows.length,
    skippedRows: dataset.skippedRows,
    labels: [...new Set(dataset.rows.map((row) => row.taskLabel))].sort(),
    split,
    folds: splits.length,
    models: dataset.models,
    bestSingle: { model: dataset.models[best]!, quality: mean(best), cost: spend(best) },
    router: policyOf(dataset.rows, balanced),
    routerQuality: policyOf(dataset.rows, routedAll),
    cascade: total,
    chosen,
    learned: learnedCurves(dataset.models, catalog, splits, configs),
    hindsight: {
      agreement: hindsightBound(dataset, CURVE_TARGETS),
      singles: hindsightBound(dataset, CURVE_TARGETS, true),
    },
  };
}

function policyOf(rows: readonly AnsweredRow[], routes: readonly RowRoute[]) {
  return {
    quality:
      rows.reduce((sum, row, index) => sum + row.scores[routes[index]!.pick]!, 0) / rows.length,
    cost: rows.reduce((sum, row, index) => sum + row.costs[routes[index]!.pick]!, 0),
  };
}

function describeConfig(config: ChosenConfig): string {
  return config.tasks.length === 0
    ? 'no first pass'
    : `${config.first} / ${config.second ?? 'none'} / ${config.tasks.join(', ')}`;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

const POLICY_NAMES: Record<Policy, string> = {
  alone: 'alone',
  combined: 'first pass',
  verified: 'pick verified',
};

/** The quality ratios the learned curves are read at. */
const CURVE_TARGETS = [0.97, 0.96, 0.95];

export function formatCascadeReplay(report: CascadeReplay): string[] {
  const { bestSingle } = report;
  const ratio = (figures: CascadeFigures) =>
    `${percent(figures.quality / bestSingle.quality)} @ ${percent(figures.cost / bestSingle.cost)}`;
  const line = (label: string, quality: number, cost: number, extra = '') =>
    `  ${label.padEnd(34)} quality ${quality.toFixed(3)} (${percent(quality / bestSingle.quality)} of best)   cost $${cost.toFixed(2)} (${percent(cost / bestSingle.cost)} of best)${extra}`;
  const escalatedShare = report.cascade.escalated / Math.max(1, report.rows);
  const folded = report.folds > 1;
  return [
    `Local first pass on real answers: ${report.rows} prompts (${report.labels.join(', ')}; ${report.skippedRows} rows without every score left out), ${report.split}`,
    line(`best single model (${bestSingle.model})`, bestSingle.quality, bestSingle.cost),
    line('router alone (balanced)', report.router.quality, report.router.cost),
    line('router alone (quality)', report.routerQuality.quality, report.routerQuality.cost),
    line(
      'first pass, then the router (quality)',
      report.cascade.quality,
      report.cascade.cost,
      `   first pass on ${percent(report.cascade.cascaded / report.rows)} of requests, escalated ${percent(escalatedShare)} of all (${percent(report.cascade.escalated / Math.max(1, report.cascade.cascaded))} of first passes)`,
    ),
    `  chosen on ${folded ? 'the other folds' : 'the training rows'}, the cheapest keeping ${percent(QUALITY_KEPT)} of the router's quality (first pass / second opinion / tasks):`,
    ...report.chosen.map(
      (config, fold) => `    ${folded ? `fold ${fold + 1}` : 'chosen'}: ${describeConfig(config)}`,
    ),
    '',
    `The router learning from ${folded ? "the other folds'" : "the training rows'"} outcomes (every model's score on their prompts), over its cost aversion (preset ${KNOB_PRESET}); every point ${folded ? 'cross-validated' : 'on rows it never learned from'}, the curve read on the reported rows (quality and cost of the best single model's). Alone; behind ${folded ? "each fold's" : 'the'} first pass above (on short-answer tasks); and with "check cheap short answers with a second opinion" on (a pick at most ${percent(VERIFY_COST_SHARE)} of the chain's strongest model's cost, on short-answer tasks):`,
    `  ${'costAversion'.padEnd(14)}${'alone'.padEnd(18)}${'first pass'.padEnd(18)}pick verified`,
    ...report.learned.alone.flatMap((alone, point) => {
      const power = Math.log2(alone.costAversion) * 2;
      if (alone.costAversion !== 0 && Math.abs(power - Math.round(power)) > 1e-9) return [];
      const combined = report.learned.combined[point]!;
      const verified = report.learned.verified[point]!;
      return [
        `  ${`×${Number(alone.costAversion.toPrecision(3))}`.padEnd(14)}${ratio(alone.figures).padEnd(18)}${ratio(combined.figures).padEnd(18)}${ratio(verified.figures)}`,
      ];
    }),
    ...CURVE_TARGETS.map((target) => {
      const at = (curve: readonly CurvePoint[]) => {
        const point = cheapestAt(curve, target * bestSingle.quality);
        return point
          ? `${ratio(point.figures)} (×${Number(point.costAversion.toPrecision(3))})`
          : 'not reached';
      };
      return `  cheapest at ≥ ${percent(target)} of the best's quality: alone ${at(report.learned.alone)}; first pass ${at(report.learned.combined)}; pick verified ${at(report.learned.verified)}`;
    }),
    `  chosen beforehand on the training rows for ≥ ${percent(CHOSEN_TARGET)} (learned on two thirds, the cheapest keeping it at the 10th percentile of a bootstrap over the third held back), its quality there → here:`,
    ...POLICIES.map((policy) => {
      const { promised, figures, costAversions } = report.learned.chosen[policy];
      const knobs = costAversions.map((knob) => `×${Number(knob.toPrecision(3))}`).join(', ');
      return `    ${POLICY_NAMES[policy].padEnd(14)}${percent(promised)} → ${ratio(figures)} (${knobs})`;
    }),
    '',
    `With hindsight (chosen on the reported rows themselves, per task label: any mix of single models and of two or three of the ${HINDSIGHT_CHEAP} cheapest agreeing, the rest to ${bestSingle.model}), the least cost of:`,
    ...CURVE_TARGETS.map((target, index) => {
      const share = (value: number | undefined) =>
        value === undefined ? 'not reached' : `${percent(value)} of the best's cost`;
      return `  ${percent(target)} of the best's quality: ${share(report.hindsight.agreement[index])} (single models only: ${share(report.hindsight.singles[index])})`;
    }),
  ];
}
