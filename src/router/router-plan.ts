/**
 * Turning a route's decision into the plan's objects: the chain's candidates at once; the full
 * explanation (every candidate ranked with its contributions, every ruled-out model with its
 * reason) only when it is read. The explanation scores the candidates again from the inputs the
 * decision captured (the same analysis, priorities, live estimates and per-prompt predictions),
 * with the same code, so it shows exactly the numbers the decision used even if the live
 * statistics have moved since. It is an own, enumerable, memoized getter of the plan: JSON,
 * structured clone and spreading all see it as plain data.
 */
import type { Criterion } from '../catalog/catalog-types';
import { type CompiledCatalog, CRITERION_COUNT } from './router-compiled-catalog';
import { rankRows, TIE_BREAK_RULE } from './router-rank';
import {
  createColumns,
  fillRow,
  learnedWeightRecord,
  type PromptPrediction,
  type RouteContext,
  type ScoreColumns,
  scoreColumns,
} from './router-score';
import type {
  CandidateScore,
  LearnedRanking,
  LiveEstimate,
  RouteExplanation,
  RoutePlan,
  RuledOutCandidate,
  RuleOutConstraint,
} from './router-types';

/** Models ruled out during a route, kept compactly until the explanation is read. */
export interface RuledOutList {
  index: number[];
  constraint: RuleOutConstraint[];
  reason: string[];
}

/** Rows (ascending) that had live evidence, and that evidence, as the decision read it. */
export interface LiveRows {
  rows: number[];
  estimates: Array<LiveEstimate | undefined>;
  predictions: Array<PromptPrediction | undefined>;
  /** How much of each model's ratings counted (see `CandidateScore.ratingsCounted`). */
  ratingsCounted: number[];
}

/** What the routing state said about each provider of the catalog, as the decision read it:
 * the priority of its cloud and of its local models, and 1 for the gateway. */
export interface RowSettings {
  priorities: Float64Array;
  localPriorities: Float64Array;
  viaGateway: Uint8Array;
}

/** The priority (0–100) a catalog model routes with. */
export function rowPriority(
  index: number,
  compiled: CompiledCatalog,
  settings: RowSettings,
): number {
  const provider = compiled.providerIndex[index]!;
  return compiled.isLocal[index] === 1
    ? settings.localPriorities[provider]!
    : settings.priorities[provider]!;
}

/** What a route decided on, with the inputs needed to explain it later. */
export interface RouteDecision {
  compiled: CompiledCatalog;
  context: RouteContext;
  /** How many candidates (rows) there are. */
  count: number;
  /** Per provider, the priorities and gateway flag the rows were scored with. The rows are the
   * catalog's models in catalog order, less the ruled-out ones. */
  settings: RowSettings;
  /** The rows with live evidence, with their estimates and per-prompt predictions. */
  live: LiveRows;
  ruledOut: RuledOutList;
  /** Set when the candidates were ranked with learned quality. */
  learned?: LearnedRanking | undefined;
}

/** Every candidate of a decision scored again, with contributions, in a table of its own. */
function rescore(decision: RouteDecision): ScoreColumns {
  const { compiled, context, count, settings, live, ruledOut } = decision;
  const columns = createColumns(count);
  let nextLive = 0;
  let nextRuledOut = 0;
  let index = 0;
  for (let row = 0; row < count; row++, index++) {
    // The row's model: the next catalog index that was not ruled out (both ascend).
    while (ruledOut.index[nextRuledOut] === index) {
      nextRuledOut++;
      index++;
    }
    const hasLive = live.rows[nextLive] === row;
    fillRow(
      columns,
      row,
      index,
      rowPriority(index, compiled, settings),
      settings.viaGateway[compiled.providerIndex[index]!] === 1,
      hasLive ? live.estimates[nextLive] : undefined,
      hasLive ? live.predictions[nextLive] : undefined,
      compiled,
      context,
      hasLive ? live.ratingsCounted[nextLive] : 1,
    );
    if (hasLive) nextLive++;
  }
  scoreColumns(columns, count, compiled, context, decision.learned, true);
  return columns;
}

/** Criterion → contribution for one row of a flat table (`CRITERION_COUNT` per row). */
function contributionsOf(values: Float64Array, row: number): Record<Criterion, number> {
  const start = row * CRITERION_COUNT;
  // Spelled out in CRITERIA order for speed; test/router/router-route.test.ts checks the keys.
  return {
    latency: values[start]!,
    throughput: values[start + 1]!,
    tokensPerSecond: values[start + 2]!,
    accuracy: values[start + 3]!,
    overallQuality: values[start + 4]!,
    instructionFollowing: values[start + 5]!,
    coding: values[start + 6]!,
    reasoning: values[start + 7]!,
    math: values[start + 8]!,
    creativeWriting: values[start + 9]!,
    costEfficiency: values[start + 10]!,
    contextLength: values[start + 11]!,
    outputLength: values[start + 12]!,
    reliability: values[start + 13]!,
    privacy: values[start + 14]!,
    multilingual: values[start + 15]!,
  };
}

/** The plan's object for one scored row (the same shape for every candidate); `contributions`
 * is a flat table of `CRITERION_COUNT` per row, read at `contributionRow`. */
export function candidateOf(
  columns: ScoreColumns,
  row: number,
  compiled: CompiledCatalog,
  rank: number,
  contributions: Float64Array = columns.contributions,
  contributionRow: number = row,
): CandidateScore {
  const promptWeight = columns.promptWeight[row]!;
  return {
    model: compiled.models[columns.model[row]!]!,
    contributions: contributionsOf(contributions, contributionRow),
    baseScore: columns.base[row]!,
    priorityMultiplier: columns.priority[row]! / 100,
    finalScore: columns.final[row]!,
    rank,
    expectedCostUsd: columns.cost[row]!,
    expectedLatencyMs: columns.latencyMs[row]!,
    qualityEstimate: columns.quality[row]!,
    liveAdjusted: columns.live[row] === 1,
    promptQuality:
      promptWeight > 0 ? { mean: columns.promptMean[row]!, weight: promptWeight } : undefined,
    ratingsCounted: columns.ratingsCounted[row]!,
    viaGateway: columns.gateway[row] === 1,
  };
}

export function ruledOutCandidates(decision: RouteDecision): RuledOutCandidate[] {
  const { ruledOut, compiled } = decision;
  return ruledOut.index.map((index, position) => ({
    model: compiled.models[index]!,
    constraint: ruledOut.constraint[position]!,
    reason: ruledOut.reason[position]!,
  }));
}

/**
 * The full explanation: the chain's candidates first (ranks 1…n, the same objects as the
 * chain), then every other candidate in score order — direct ones, then the gateway's — with
 * ranks continuing after the chain.
 */
function buildExplanation(
  decision: RouteDecision,
  chain: CandidateScore[],
  chainRows: ReadonlySet<number>,
): RouteExplanation {
  const { context, compiled } = decision;
  const columns = rescore(decision);
  const count = decision.count;
  const candidates = [...chain];
  for (const viaGateway of [false, true]) {
    for (const row of rankRows(columns, count, viaGateway, compiled)) {
      if (!chainRows.has(row)) {
        candidates.push(candidateOf(columns, row, compiled, candidates.length + 1));
      }
    }
  }
  const { learned } = decision;
  return {
    analysis: context.analysis,
    weights: learned ? learnedWeightRecord(context) : context.weightRecord,
    split: context.split,
    candidates,
    ruledOut: ruledOutCandidates(decision),
    tieBreak: TIE_BREAK_RULE,
    ...(chain[0] ? { expectedCostUsd: chain[0].expectedCostUsd } : {}),
    ...(learned ? { learned } : {}),
  };
}

/** The plan: the chain now, the explanation built (once) when first read. `chainRows` are the
 * decision rows of the chain's candidates, in chain order. */
export function planOf(
  decision: RouteDecision,
  chain: CandidateScore[],
  chainRows: readonly number[],
): RoutePlan {
  let explanation: RouteExplanation | undefined;
  return {
    chain,
    analysis: decision.context.analysis,
    get explanation(): RouteExplanation {
      explanation ??= buildExplanation(decision, chain, new Set(chainRows));
      return explanation;
    },
  };
}
