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
import { checkAnswer, SHORT_ANSWER_TASKS } from '../../src/runtime/cascade-acceptance';
import { buildReplayCatalog } from './replay-catalog';
import { parseCsv } from './replay-csv';
import {
  parsePythonStringList,
  promptText,
  type ReplayDataset,
  type ReplayRow,
} from './replay-data';
import { foldRows } from './replay-metrics';
import { replayState, routeRows } from './replay-routing';

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

/** The acceptance verdict of `first` (with `second`'s opinion) on each row, computed once. */
function verdicts(
  rows: readonly AnsweredRow[],
  first: number,
  second: number | undefined,
): boolean[] {
  return rows.map((row) => {
    const secondText =
      second !== undefined && SHORT_ANSWER_TASKS.has(row.task) ? row.answers[second] : undefined;
    return checkAnswer(
      { text: row.answers[first] ?? '' },
      { task: row.task, ...(secondText !== undefined && { second: { text: secondText } }) },
    ).accept;
  });
}

/** What a cascade does on rows, given the router's pick per row and the verdicts. */
export function cascadeFigures(
  rows: readonly AnsweredRow[],
  routed: readonly number[],
  config: CascadeConfig,
  accepted: readonly boolean[],
): CascadeFigures {
  let quality = 0;
  let cost = 0;
  let cascaded = 0;
  let escalated = 0;
  rows.forEach((row, index) => {
    const pick = routed[index]!;
    if (!config.tasks.has(row.task) || pick === config.first) {
      quality += row.scores[pick]!;
      cost += row.costs[pick]!;
      return;
    }
    cascaded++;
    cost += row.costs[config.first]!;
    if (config.second !== undefined && SHORT_ANSWER_TASKS.has(row.task)) {
      cost += row.costs[config.second]!;
    }
    if (accepted[index]) {
      quality += row.scores[config.first]!;
    } else {
      escalated++;
      quality += row.scores[pick]!;
      cost += row.costs[pick]!;
    }
  });
  return { quality: quality / Math.max(1, rows.length), cost, cascaded, escalated };
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
  routed: readonly number[],
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
    rows.reduce((sum, row, index) => sum + row.scores[routed[index]!]!, 0) /
    Math.max(1, rows.length);
  let best: { config: CascadeConfig; figures: CascadeFigures } | undefined;
  let strongest: { config: CascadeConfig; figures: CascadeFigures } | undefined;
  for (const first of cheap) {
    for (const second of [undefined, ...cheap.filter((column) => column !== first)]) {
      const accepted = verdicts(rows, first, second);
      for (let mask = 1; mask < 2 ** tasks.length; mask++) {
        const config = {
          first,
          ...(second !== undefined && { second }),
          tasks: new Set(tasks.filter((_, bit) => mask & (1 << bit))),
        };
        const figures = cascadeFigures(rows, routed, config, accepted);
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

export interface CascadeReplay {
  rows: number;
  skippedRows: number;
  folds: number;
  models: string[];
  bestSingle: { model: string; quality: number; cost: number };
  /** The router alone with the `balanced` preset, and with `quality` (the escalation target). */
  router: { quality: number; cost: number };
  routerQuality: { quality: number; cost: number };
  cascade: CascadeFigures;
  /** The configuration each fold chose on its training rows. */
  chosen: Array<{ first: string; second?: string; tasks: TaskType[] }>;
}

/** Cross-validated: each fold's rows are reported with the configuration the other folds chose. */
export function replayCascade(dataset: AnsweredDataset, folds = 5): CascadeReplay {
  const replayDataset: ReplayDataset = {
    layout: 'perf-cost',
    models: dataset.models,
    rows: dataset.rows,
    skippedRows: dataset.skippedRows,
  };
  const catalog = buildReplayCatalog(replayDataset);
  const balanced = routeRows(dataset.rows, catalog, 'balanced', replayState(catalog));
  // The chain a first pass escalates to: the router asked for quality.
  const routedAll = routeRows(dataset.rows, catalog, 'quality', replayState(catalog));
  const routedOf = new Map(dataset.rows.map((row, index) => [row, routedAll[index]!]));
  const total: CascadeFigures = { quality: 0, cost: 0, cascaded: 0, escalated: 0 };
  const chosen: CascadeReplay['chosen'] = [];
  for (let fold = 0; fold < folds; fold++) {
    const { train, test } = foldRows(dataset.rows, fold, folds);
    const config = chooseCascade(
      train as AnsweredRow[],
      train.map((row) => routedOf.get(row as AnsweredRow)!),
      dataset.models.length,
    );
    chosen.push({
      first: dataset.models[config.first]!,
      ...(config.second !== undefined && { second: dataset.models[config.second]! }),
      tasks: [...config.tasks],
    });
    const testRows = test as AnsweredRow[];
    const routed = testRows.map((row) => routedOf.get(row)!);
    const figures = cascadeFigures(
      testRows,
      routed,
      config,
      verdicts(testRows, config.first, config.second),
    );
    total.quality += figures.quality * testRows.length;
    total.cost += figures.cost;
    total.cascaded += figures.cascaded;
    total.escalated += figures.escalated;
  }
  total.quality /= dataset.rows.length;
  const mean = (column: number) =>
    dataset.rows.reduce((sum, row) => sum + row.scores[column]!, 0) / dataset.rows.length;
  const spend = (column: number) => dataset.rows.reduce((sum, row) => sum + row.costs[column]!, 0);
  const best = [...dataset.models.keys()].sort((a, b) => mean(b) - mean(a))[0]!;
  return {
    rows: dataset.rows.length,
    skippedRows: dataset.skippedRows,
    folds,
    models: dataset.models,
    bestSingle: { model: dataset.models[best]!, quality: mean(best), cost: spend(best) },
    router: policyOf(dataset.rows, balanced),
    routerQuality: policyOf(dataset.rows, routedAll),
    cascade: total,
    chosen,
  };
}

function policyOf(rows: readonly AnsweredRow[], picks: readonly number[]) {
  return {
    quality: rows.reduce((sum, row, index) => sum + row.scores[picks[index]!]!, 0) / rows.length,
    cost: rows.reduce((sum, row, index) => sum + row.costs[picks[index]!]!, 0),
  };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

export function formatCascadeReplay(report: CascadeReplay): string[] {
  const { bestSingle } = report;
  const line = (label: string, quality: number, cost: number, extra = '') =>
    `  ${label.padEnd(34)} quality ${quality.toFixed(3)} (${percent(quality / bestSingle.quality)} of best)   cost $${cost.toFixed(2)} (${percent(cost / bestSingle.cost)} of best)${extra}`;
  const escalatedShare = report.cascade.escalated / Math.max(1, report.rows);
  return [
    `Local first pass on real answers: ${report.rows} prompts (arc-challenge, mbpp, winogrande; ${report.skippedRows} rows without every score left out), ${report.folds}-fold cross-validation`,
    line(`best single model (${bestSingle.model})`, bestSingle.quality, bestSingle.cost),
    line('router alone (balanced)', report.router.quality, report.router.cost),
    line('router alone (quality)', report.routerQuality.quality, report.routerQuality.cost),
    line(
      'first pass, then the router (quality)',
      report.cascade.quality,
      report.cascade.cost,
      `   first pass on ${percent(report.cascade.cascaded / report.rows)} of requests, escalated ${percent(escalatedShare)} of all (${percent(report.cascade.escalated / Math.max(1, report.cascade.cascaded))} of first passes)`,
    ),
    `  chosen on the other folds, the cheapest keeping ${percent(QUALITY_KEPT)} of the router's quality (first pass / second opinion / tasks):`,
    ...report.chosen.map(
      (config, fold) =>
        `    fold ${fold + 1}: ${config.first} / ${config.second ?? 'none'} / ${config.tasks.join(', ')}`,
    ),
  ];
}
