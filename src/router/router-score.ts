/**
 * Scoring candidates: the task's weights over the 16 criteria, with the request-specific criteria
 * recomputed (cost efficiency at this request's token mix, latency including reading this
 * prompt), live evidence and per-prompt predictions blended in, and the quality need applied so
 * that quality above what the request needs counts little (DESIGN.md §4, docs/router.md).
 *
 * Candidates are scored column by column — one criterion at a time over all of them, in typed
 * arrays — so routing over hundreds of models is a few tight loops with no allocation per model.
 * The chain and the explanation are scored by the same code (on their own rows), so every number
 * a plan shows is the number the decision used.
 */
import {
  costEfficiencyFromPrice,
  latencyScore,
  throughputScore,
  tokensPerSecondScore,
} from '../catalog/catalog-scoring';
import { CRITERIA, type Criterion } from '../catalog/catalog-types';
import type { LlmRequest } from '../protocol/llm-request';
import { type PromptFeatures, promptFeatures } from './prompt-quality-model';
import { analyzeRequest, DEFAULT_TUNING, requestText } from './router-analyze';
import {
  type CompiledCatalog,
  CRITERION_COUNT,
  CRITERION_INDEX,
  capabilityMask,
} from './router-compiled-catalog';
import type { LiveEstimate, RequestAnalysis, RouterTuning, RoutingState } from './router-types';
import { criterionWeights, QUALITY_CRITERIA, type WeightSplit } from './router-weights';

/** A per-prompt prediction as the scorer uses it. */
export interface PromptPrediction {
  mean: number;
  weight: number;
}

const LATENCY = CRITERION_INDEX.latency;
const THROUGHPUT = CRITERION_INDEX.throughput;
const TOKENS_PER_SECOND = CRITERION_INDEX.tokensPerSecond;
const COST_EFFICIENCY = CRITERION_INDEX.costEfficiency;
const RELIABILITY = CRITERION_INDEX.reliability;
/** Criteria used as the catalog gives them: neither quality (the need applies) nor recomputed
 * per request (cost efficiency, latency) or from live evidence (speed, throughput, reliability). */
const PLAIN_INDEXES: readonly number[] = [
  CRITERION_INDEX.contextLength,
  CRITERION_INDEX.outputLength,
  CRITERION_INDEX.privacy,
];
const SCORE_QUANTUM = 1e9;

/** Everything about a request that does not change from one model to the next. */
export interface RouteContext {
  state: RoutingState;
  tuning: RouterTuning;
  analysis: RequestAnalysis;
  /** The criterion weights in `CRITERIA` order, and as a record for the explanation. */
  weights: readonly number[];
  weightRecord: Record<Criterion, number>;
  split: WeightSplit;
  /** Weighted criteria used as the catalog gives them. */
  plainIndexes: number[];
  /** Weighted quality criteria, and their total weight. */
  qualityIndexes: number[];
  qualityWeight: number;
  /** Capabilities the model must have, as a bit mask. */
  requiredMask: number;
  /** Context window the model needs, in tokens. */
  neededContext: number;
  features: PromptFeatures | undefined;
  /** Whether live statistics can change scores (otherwise their columns are not read). */
  hasLiveEvidence: boolean;
}

/** Analyzes the request once and derives everything scoring needs from it. */
export function createRouteContext(request: LlmRequest, state: RoutingState): RouteContext {
  const tuning = state.tuning ? { ...DEFAULT_TUNING, ...state.tuning } : DEFAULT_TUNING;
  const text = requestText(request);
  const analysis = analyzeRequest(request, tuning, text);
  const { weights: weightRecord, split } = criterionWeights(analysis, request);
  const weights = CRITERIA.map((criterion) => weightRecord[criterion]);
  const qualityIndexes = QUALITY_CRITERIA.map((criterion) => CRITERION_INDEX[criterion]).filter(
    (index) => weights[index]! > 0,
  );
  let qualityWeight = 0;
  for (const index of qualityIndexes) qualityWeight += weights[index]!;
  return {
    state,
    tuning,
    analysis,
    weights,
    weightRecord,
    split,
    plainIndexes: PLAIN_INDEXES.filter((index) => weights[index]! > 0),
    qualityIndexes,
    qualityWeight,
    requiredMask: capabilityMask(analysis.requiredCapabilities),
    neededContext: Math.max(
      request.constraints?.minContextTokens ?? 0,
      analysis.inputTokens + analysis.expectedOutputTokens,
    ),
    features: state.stats?.promptQuality ? promptFeatures(text) : undefined,
    hasLiveEvidence: state.stats !== undefined,
  };
}

/** Prior and observation blended in log space, the prior worth `weight` observations. */
export function blendLog(
  prior: number,
  observed: number | undefined,
  count: number,
  weight: number,
): number {
  if (observed === undefined || count <= 0) return prior;
  return Math.exp((weight * Math.log(prior) + count * Math.log(observed)) / (weight + count));
}

/** Above the need, extra quality counts only `headroomSlope` per unit; below it, the shortfall
 * costs `shortfallPenalty` more — so easy requests stop paying for quality they do not use. */
export function applyNeed(score: number, need: number, tuning: RouterTuning): number {
  if (score >= need) return need + tuning.headroomSlope * (score - need);
  const penalized = score - tuning.shortfallPenalty * (need - score);
  return Math.max(penalized, 0);
}

/**
 * Per candidate row: what scoring reads (model, priority, expected facts, live evidence) and
 * what it writes (scores and, when asked, the 16 contributions per row).
 */
export interface ScoreColumns {
  readonly capacity: number;
  /** Catalog index, priority (0–100) and 1 when served through the gateway. */
  readonly model: Uint32Array;
  readonly priority: Float64Array;
  readonly gateway: Uint8Array;
  /** Expected cost (USD), time to first token (ms), output speed (tokens/s), whole-call latency
   * (ms). */
  readonly cost: Float64Array;
  readonly firstToken: Float64Array;
  readonly speed: Float64Array;
  readonly latencyMs: Float64Array;
  /** Live evidence: 1 when any changed the row's scores; speed and reliability scores replacing
   * the catalog's (NaN: keep the catalog's); feedback and per-prompt blends (share 0: none). */
  readonly live: Uint8Array;
  readonly speedScore: Float64Array;
  readonly throughputScore: Float64Array;
  readonly reliabilityScore: Float64Array;
  readonly feedbackShare: Float64Array;
  readonly feedbackMean: Float64Array;
  readonly promptShare: Float64Array;
  readonly promptMean: Float64Array;
  readonly promptWeight: Float64Array;
  /** Results: base score, final score, final score quantized for ranking, quality estimate. */
  readonly base: Float64Array;
  readonly final: Float64Array;
  readonly rankKey: Float64Array;
  readonly quality: Float64Array;
  /** `CRITERION_COUNT` per row, in `CRITERIA` order (filled only when asked). */
  readonly contributions: Float64Array;
}

export function createColumns(capacity: number): ScoreColumns {
  return {
    capacity,
    model: new Uint32Array(capacity),
    priority: new Float64Array(capacity),
    gateway: new Uint8Array(capacity),
    cost: new Float64Array(capacity),
    firstToken: new Float64Array(capacity),
    speed: new Float64Array(capacity),
    latencyMs: new Float64Array(capacity),
    live: new Uint8Array(capacity),
    speedScore: new Float64Array(capacity),
    throughputScore: new Float64Array(capacity),
    reliabilityScore: new Float64Array(capacity),
    feedbackShare: new Float64Array(capacity),
    feedbackMean: new Float64Array(capacity),
    promptShare: new Float64Array(capacity),
    promptMean: new Float64Array(capacity),
    promptWeight: new Float64Array(capacity),
    base: new Float64Array(capacity),
    final: new Float64Array(capacity),
    rankKey: new Float64Array(capacity),
    quality: new Float64Array(capacity),
    contributions: new Float64Array(capacity * CRITERION_COUNT),
  };
}

/** Copies the given rows' inputs (everything scoring reads) into rows 0…n−1 of `to`. */
export function copyRows(from: ScoreColumns, rows: readonly number[], to: ScoreColumns): void {
  for (let position = 0; position < rows.length; position++) {
    const row = rows[position]!;
    to.model[position] = from.model[row]!;
    to.priority[position] = from.priority[row]!;
    to.gateway[position] = from.gateway[row]!;
    to.cost[position] = from.cost[row]!;
    to.firstToken[position] = from.firstToken[row]!;
    to.speed[position] = from.speed[row]!;
    to.latencyMs[position] = from.latencyMs[row]!;
    to.live[position] = from.live[row]!;
    to.speedScore[position] = from.speedScore[row]!;
    to.throughputScore[position] = from.throughputScore[row]!;
    to.reliabilityScore[position] = from.reliabilityScore[row]!;
    to.feedbackShare[position] = from.feedbackShare[row]!;
    to.feedbackMean[position] = from.feedbackMean[row]!;
    to.promptShare[position] = from.promptShare[row]!;
    to.promptMean[position] = from.promptMean[row]!;
    to.promptWeight[position] = from.promptWeight[row]!;
  }
}

/**
 * Fills row `row` with what model `index` is expected to cost and take for this request — cost in
 * USD (with hidden reasoning tokens for reasoning models; harder requests think longer), time to
 * first token and tokens/s (priors blended with live evidence), the whole call's latency — and
 * with the live evidence and per-prompt prediction scoring will blend in.
 */
export function fillRow(
  columns: ScoreColumns,
  row: number,
  index: number,
  priority: number,
  viaGateway: boolean,
  estimate: LiveEstimate | undefined,
  prediction: PromptPrediction | undefined,
  compiled: CompiledCatalog,
  context: RouteContext,
): void {
  const { analysis, tuning } = context;
  const reasoningTokens = compiled.reasoningTokens[index]! * (0.5 + analysis.difficulty);
  let firstToken = compiled.timeToFirstTokenMs[index]!;
  let speed = compiled.outputTokensPerSecond[index]!;
  if (estimate) {
    firstToken = blendLog(
      firstToken,
      estimate.timeToFirstTokenMs,
      estimate.timeToFirstTokenObservations,
      tuning.speedPriorWeight,
    );
    speed = blendLog(
      speed,
      estimate.outputTokensPerSecond,
      estimate.outputTokensPerSecondObservations,
      tuning.speedPriorWeight,
    );
  }
  columns.model[row] = index;
  columns.priority[row] = priority;
  columns.gateway[row] = viaGateway ? 1 : 0;
  columns.cost[row] =
    analysis.inputTokens * compiled.inputPrice[index]! +
    (analysis.expectedOutputTokens + reasoningTokens) * compiled.outputPrice[index]!;
  columns.firstToken[row] = firstToken;
  columns.speed[row] = speed;
  columns.latencyMs[row] =
    firstToken +
    (analysis.inputTokens / compiled.prefillTokensPerSecond[index]!) * 1000 +
    (analysis.expectedOutputTokens / speed) * 1000;
  if (context.hasLiveEvidence) {
    fillLiveEvidence(columns, row, index, estimate, prediction, compiled, tuning);
  } else {
    columns.live[row] = 0;
    columns.promptWeight[row] = 0;
  }
}

function fillLiveEvidence(
  columns: ScoreColumns,
  row: number,
  index: number,
  estimate: LiveEstimate | undefined,
  prediction: PromptPrediction | undefined,
  compiled: CompiledCatalog,
  tuning: RouterTuning,
): void {
  let live = false;
  columns.speedScore[row] = Number.NaN;
  columns.throughputScore[row] = Number.NaN;
  columns.reliabilityScore[row] = Number.NaN;
  columns.feedbackShare[row] = 0;
  columns.promptShare[row] = 0;
  columns.promptWeight[row] = 0;
  if (estimate) {
    if (estimate.timeToFirstTokenObservations > 0) live = true;
    if (estimate.outputTokensPerSecondObservations > 0) {
      const speed = columns.speed[row]!;
      columns.speedScore[row] = tokensPerSecondScore(speed);
      columns.throughputScore[row] = throughputScore(compiled.models[index]!.location, speed);
      live = true;
    }
    const outcomes = estimate.successes + estimate.failures;
    if (outcomes > 0) {
      const prior = compiled.scores[index * CRITERION_COUNT + RELIABILITY]!;
      const weight = tuning.reliabilityPriorWeight;
      columns.reliabilityScore[row] = (weight * prior + estimate.successes) / (weight + outcomes);
      live = true;
    }
    if (estimate.feedbackMean !== undefined && estimate.feedbackCount > 0) {
      columns.feedbackShare[row] =
        estimate.feedbackCount / (tuning.feedbackPriorWeight + estimate.feedbackCount);
      columns.feedbackMean[row] = estimate.feedbackMean;
      live = true;
    }
  }
  if (prediction && prediction.weight > 0) {
    columns.promptShare[row] =
      prediction.weight / (prediction.weight + tuning.promptQualityPriorWeight);
    columns.promptMean[row] = prediction.mean;
    columns.promptWeight[row] = prediction.weight;
  }
  columns.live[row] = live ? 1 : 0;
}

/**
 * Scores rows 0…count−1: base score (weighted criteria, the need applied to quality), final score
 * (× priority / 100), its ranking key and the quality estimate; with `withContributions`, also
 * each criterion's contribution. Criteria are summed in one fixed order, so the same row scores
 * to the same bits in any table.
 */
export function scoreColumns(
  columns: ScoreColumns,
  count: number,
  compiled: CompiledCatalog,
  context: RouteContext,
  withContributions: boolean,
): void {
  const { analysis, tuning, weights } = context;
  const { model, base, quality, contributions } = columns;
  const scores = compiled.scores;
  base.fill(0, 0, count);
  quality.fill(0, 0, count);
  if (withContributions) contributions.fill(0, 0, count * CRITERION_COUNT);

  const need = analysis.qualityNeed;
  const { feedbackShare, feedbackMean, promptShare, promptMean } = columns;
  const blend = context.hasLiveEvidence;
  for (const criterion of context.qualityIndexes) {
    const weight = weights[criterion]!;
    for (let row = 0; row < count; row++) {
      let value = scores[model[row]! * CRITERION_COUNT + criterion]!;
      if (blend) {
        const fromFeedback = feedbackShare[row]!;
        if (fromFeedback > 0) {
          value = (1 - fromFeedback) * value + fromFeedback * feedbackMean[row]!;
        }
        const fromPrompt = promptShare[row]!;
        if (fromPrompt > 0) value = (1 - fromPrompt) * value + fromPrompt * promptMean[row]!;
      }
      quality[row] = quality[row]! + weight * value;
      const weighted = weight * applyNeed(value, need, tuning);
      base[row] = base[row]! + weighted;
      if (withContributions) contributions[row * CRITERION_COUNT + criterion] = weighted;
    }
  }
  for (const criterion of context.plainIndexes) {
    const weight = weights[criterion]!;
    for (let row = 0; row < count; row++) {
      const weighted = weight * scores[model[row]! * CRITERION_COUNT + criterion]!;
      base[row] = base[row]! + weighted;
      if (withContributions) contributions[row * CRITERION_COUNT + criterion] = weighted;
    }
  }

  const costWeight = weights[COST_EFFICIENCY]!;
  const latencyWeight = weights[LATENCY]!;
  const speedWeight = weights[TOKENS_PER_SECOND]!;
  const throughputWeight = weights[THROUGHPUT]!;
  const reliabilityWeight = weights[RELIABILITY]!;
  const { inputTokens, expectedOutputTokens } = analysis;
  const { cost, firstToken, speedScore, throughputScore, reliabilityScore } = columns;
  const { priority, final, rankKey } = columns;
  const qualityWeight = context.qualityWeight;
  for (let row = 0; row < count; row++) {
    const index = model[row]!;
    const scoreRow = index * CRITERION_COUNT;
    const billedTokens = inputTokens + expectedOutputTokens + compiled.reasoningTokens[index]!;
    const prefillMs = (inputTokens / compiled.prefillTokensPerSecond[index]!) * 1000;
    const liveSpeed = blend ? speedScore[row]! : Number.NaN;
    const liveThroughput = blend ? throughputScore[row]! : Number.NaN;
    const liveReliability = blend ? reliabilityScore[row]! : Number.NaN;
    const costPart = costWeight * costEfficiencyFromPrice((cost[row]! / billedTokens) * 1e6);
    const latencyPart = latencyWeight * latencyScore(firstToken[row]! + prefillMs);
    const speedPart =
      speedWeight * (!Number.isNaN(liveSpeed) ? liveSpeed : scores[scoreRow + TOKENS_PER_SECOND]!);
    const throughputPart =
      throughputWeight *
      (!Number.isNaN(liveThroughput) ? liveThroughput : scores[scoreRow + THROUGHPUT]!);
    const reliabilityPart =
      reliabilityWeight *
      (!Number.isNaN(liveReliability) ? liveReliability : scores[scoreRow + RELIABILITY]!);
    const baseScore =
      base[row]! + costPart + latencyPart + speedPart + throughputPart + reliabilityPart;
    base[row] = baseScore;
    const finalScore = baseScore * (priority[row]! / 100);
    final[row] = finalScore;
    rankKey[row] = Math.round(finalScore * SCORE_QUANTUM);
    quality[row] = qualityWeight > 0 ? quality[row]! / qualityWeight : 0;
    if (withContributions) {
      const offset = row * CRITERION_COUNT;
      contributions[offset + COST_EFFICIENCY] = costPart;
      contributions[offset + LATENCY] = latencyPart;
      contributions[offset + TOKENS_PER_SECOND] = speedPart;
      contributions[offset + THROUGHPUT] = throughputPart;
      contributions[offset + RELIABILITY] = reliabilityPart;
    }
  }
}
