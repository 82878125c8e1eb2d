/**
 * Scoring candidates: the task's weights over the 16 criteria, with the request-specific criteria
 * recomputed (cost efficiency at this request's token mix, latency including reading this
 * prompt), live evidence and per-prompt predictions blended in, and the quality need applied so
 * that quality above what the request needs counts little (docs/architecture.md §4,
 * docs/router.md).
 *
 * Once the user's own outcomes predict quality for the candidates (feedback means, per-prompt
 * predictions), scoring switches to the learned ranking: quality counts in full, with more weight
 * (`learnedQualityGain`), instead of through the need — see `learnedRankingOf`.
 *
 * Candidates live in a table of typed columns (one row each, reused between routes) and are scored
 * in one pass over the rows, so routing over hundreds of models is a tight loop with no allocation
 * per model. The chain and the explanation are scored by the same code (on their own rows), so
 * every number a plan shows is the number the decision used.
 */
import {
  BLENDED_PRICE_RANGE,
  TIME_TO_FIRST_TOKEN_RANGE_MS,
  throughputScore,
  tokensPerSecondScore,
} from '../catalog/catalog-scoring';
import { CRITERIA, type Criterion, QUALITY_CRITERIA } from '../catalog/catalog-types';
import type { LlmRequest } from '../protocol/llm-request';
import { type PromptFeatures, promptFeatures } from './prompt-quality-model';
import { analyzeRequest, DEFAULT_TUNING, requestText } from './router-analyze';
import {
  type CompiledCatalog,
  CRITERION_INDEX,
  capabilityMask,
  CRITERION_COUNT as IMPORTED_CRITERION_COUNT,
} from './router-compiled-catalog';
import type {
  LearnedRanking,
  LiveEstimate,
  RequestAnalysis,
  RouterTuning,
  RoutingState,
} from './router-types';
import { criterionWeights, type WeightSplit } from './router-weights';

/** A per-prompt prediction as the scorer uses it. */
export interface PromptPrediction {
  mean: number;
  weight: number;
}

// A module-local copy of what the hot loops read: CommonJS builds (tsx when a CommonJS script
// imports this module, some bundles) read an imported binding through a getter on every access.
const CRITERION_COUNT = IMPORTED_CRITERION_COUNT;

// The log scales of `costEfficiencyFromPrice` and `latencyScore` (catalog-scoring.ts), computed
// inline in the scoring loop with the same operations (so to the same bits): a call that is not
// inlined returns its double boxed, one allocation per model and criterion.
const LOG_PRICE_LOW = Math.log(BLENDED_PRICE_RANGE[0]);
const LOG_PRICE_SPAN = Math.log(BLENDED_PRICE_RANGE[1]) - LOG_PRICE_LOW;
const LOG_FIRST_TOKEN_LOW = Math.log(TIME_TO_FIRST_TOKEN_RANGE_MS[0]);
const LOG_FIRST_TOKEN_SPAN = Math.log(TIME_TO_FIRST_TOKEN_RANGE_MS[1]) - LOG_FIRST_TOKEN_LOW;

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
  /** The weights of the learned ranking (`learnedWeightsOf`), computed on first use. */
  learnedWeights?: readonly number[];
}

/** Analyzes the request once and derives everything scoring needs from it. */
export function createRouteContext(request: LlmRequest, state: RoutingState): RouteContext {
  const tuning = state.tuning ? { ...DEFAULT_TUNING, ...state.tuning } : DEFAULT_TUNING;
  const text = requestText(request);
  const analysis = analyzeRequest(request, tuning, text, state.defaults);
  const { weights: weightRecord, split } = criterionWeights(analysis, tuning.costAversion);
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
    // A model without outcomes predicts nothing, so its features would go unused.
    features: state.stats?.promptQuality?.observedModelCount ? promptFeatures(text) : undefined,
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

/**
 * Above the need, extra quality counts only `headroomSlope` per unit — so easy requests stop
 * paying for quality they do not use. Below it, the shortfall costs more: the slope at the need
 * is 1 + `shortfallPenalty`, and the value falls toward score / (1 + shortfallPenalty) without
 * reaching zero, so candidates far below a high need still rank by their quality (a clamp at zero
 * made them tie, and the tie went to the cheapest — the opposite of what a high need asks for).
 */
export function applyNeed(score: number, need: number, tuning: RouterTuning): number {
  if (score >= need) return need + tuning.headroomSlope * (score - need);
  return score / (1 + (tuning.shortfallPenalty * (need - score)) / need);
}

/**
 * The weights of the learned ranking, in `CRITERIA` order: the quality criteria weigh
 * `learnedQualityGain` times their share, then all weights are normalized to sum to 1 again.
 * Predicted quality is a probability of a good answer, whose differences between models are
 * small next to the catalog scores' spread; the gain turns them back into the preset's trade-off
 * against cost and speed. Computed once per request.
 */
export function learnedWeightsOf(context: RouteContext): readonly number[] {
  if (context.learnedWeights) return context.learnedWeights;
  const gain = context.tuning.learnedQualityGain;
  const weights = context.weights.slice();
  for (const index of context.qualityIndexes) weights[index] = gain * weights[index]!;
  let total = 0;
  for (const weight of weights) total += weight;
  for (let index = 0; index < weights.length; index++) {
    weights[index] = total > 0 ? weights[index]! / total : 0;
  }
  context.learnedWeights = weights;
  return weights;
}

/** The learned ranking's weights by criterion, for the explanation. */
export function learnedWeightRecord(context: RouteContext): Record<Criterion, number> {
  const weights = learnedWeightsOf(context);
  return Object.fromEntries(
    CRITERIA.map((criterion, index) => [criterion, weights[index]!]),
  ) as Record<Criterion, number>;
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
  /** How much of the model's ratings counted for this request's prompt shape, in [0, 1]. */
  readonly ratingsCounted: Float64Array;
  /** How much of the row's quality rests on learned evidence: 1 − (1 − feedback share) × (1 −
   * per-prompt share), in [0, 1]. */
  readonly evidence: Float64Array;
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
    ratingsCounted: new Float64Array(capacity),
    evidence: new Float64Array(capacity),
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
    to.ratingsCounted[position] = from.ratingsCounted[row]!;
    to.evidence[position] = from.evidence[row]!;
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
  ratingsCounted = 1,
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
  columns.ratingsCounted[row] = ratingsCounted;
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
    columns.evidence[row] = 0;
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
  columns.evidence[row] = 1 - (1 - columns.feedbackShare[row]!) * (1 - columns.promptShare[row]!);
  columns.live[row] = live ? 1 : 0;
}

/** A quality criterion's value for a row: the catalog score blended with the row's feedback mean
 * and per-prompt prediction (each with its share; no share, no blend). */
function blendedValue(columns: ScoreColumns, row: number, prior: number): number {
  let value = prior;
  const fromFeedback = columns.feedbackShare[row]!;
  if (fromFeedback > 0)
    value = (1 - fromFeedback) * value + fromFeedback * columns.feedbackMean[row]!;
  const fromPrompt = columns.promptShare[row]!;
  if (fromPrompt > 0) value = (1 - fromPrompt) * value + fromPrompt * columns.promptMean[row]!;
  return value;
}

/**
 * Whether a decision ranks with learned quality, and how (docs/router.md §5). It does when at
 * least two candidates' quality rests at least `learnedEvidenceShare` on learned evidence; then:
 *
 * - the prior shift is the mean, over those candidates, of (quality − prior quality) / evidence
 *   share — the gap between what was learned and what the catalog said — added to the prior part
 *   of every candidate's quality;
 * - the reference is the candidate with evidence and the highest quality (on ties the cheaper),
 *   and the cost scale is `learnedCostScale` × its expected cost for a request of the typical
 *   size learned from: a request twice as large puts twice the dollars at stake.
 *
 * Undefined: rank by priors and the need, as without statistics.
 */
export function learnedRankingOf(
  columns: ScoreColumns,
  count: number,
  compiled: CompiledCatalog,
  context: RouteContext,
): LearnedRanking | undefined {
  if (!context.hasLiveEvidence) return undefined;
  const threshold = context.tuning.learnedEvidenceShare;
  const { evidence, model, cost } = columns;
  let candidatesWithEvidence = 0;
  for (let row = 0; row < count; row++) if (evidence[row]! >= threshold) candidatesWithEvidence++;
  if (candidatesWithEvidence < 2) return undefined;
  const { weights, qualityIndexes, qualityWeight } = context;
  const scores = compiled.scores;
  let gapSum = 0;
  let reference = -1;
  let referenceQuality = Number.NEGATIVE_INFINITY;
  for (let row = 0; row < count; row++) {
    const share = evidence[row]!;
    if (share < threshold) continue;
    let quality = 0;
    let gap = 0;
    for (const criterion of qualityIndexes) {
      const prior = scores[model[row]! * CRITERION_COUNT + criterion]!;
      const value = blendedValue(columns, row, prior);
      quality += weights[criterion]! * value;
      gap += weights[criterion]! * (value - prior);
    }
    if (qualityWeight > 0) gapSum += gap / qualityWeight / share;
    if (
      quality > referenceQuality ||
      (quality === referenceQuality && cost[row]! < cost[reference]!)
    ) {
      reference = row;
      referenceQuality = quality;
    }
  }
  const { inputTokens, expectedOutputTokens } = context.analysis;
  const requestTokens = inputTokens + expectedOutputTokens;
  const typicalTokens = context.state.stats?.typicalRequestTokens ?? requestTokens;
  const sizeRatio = requestTokens > 0 ? typicalTokens / requestTokens : 1;
  return {
    candidatesWithEvidence,
    priorShift: gapSum / candidatesWithEvidence,
    referenceModel: compiled.keys[model[reference]!]!,
    costScaleUsd: context.tuning.learnedCostScale * cost[reference]! * sizeRatio,
  };
}

/** Which rows must be scored exactly: those that can be among the best `direct` rows served
 * directly and the best `gateway` rows served through the gateway. */
export interface ScoreLimits {
  direct: number;
  gateway: number;
}

/**
 * The best ranking keys scored so far in one group (direct or gateway), highest first, at most
 * `limit` of them: once full, its last key is a floor the group's final `limit`-th best key can
 * only rise above.
 */
class KeyFloor {
  readonly limit: number;
  readonly keys: Float64Array;
  size = 0;
  constructor(limit: number) {
    this.limit = limit;
    this.keys = new Float64Array(Math.max(limit, 1));
  }
  /** Whether a row whose key is at most `key` cannot be among the best `limit`. */
  excludes(key: number): boolean {
    return this.limit <= 0 || (this.size === this.limit && key < this.keys[this.limit - 1]!);
  }
  add(key: number): void {
    let position: number;
    if (this.size < this.limit) position = this.size++;
    else if (this.limit > 0 && key > this.keys[this.limit - 1]!) position = this.limit - 1;
    else return;
    while (position > 0 && this.keys[position - 1]! < key) {
      this.keys[position] = this.keys[position - 1]!;
      position--;
    }
    this.keys[position] = key;
  }
}

/** A row scoring skipped: it cannot reach the best rows (`topRows` skips it). */
function leaveUnscored(columns: ScoreColumns, row: number): void {
  columns.base[row] = Number.NaN;
  columns.final[row] = Number.NaN;
  columns.quality[row] = Number.NaN;
  columns.rankKey[row] = Number.NEGATIVE_INFINITY;
}

const PRICE_SCALE = 1 / LOG_PRICE_SPAN;
const FIRST_TOKEN_SCALE = 1 / LOG_FIRST_TOKEN_SPAN;

/**
 * Scores rows 0…count−1: base score (weighted criteria, the need applied to quality — or, with a
 * learned ranking, quality in full at the learned weights), final score (× priority / 100), its
 * ranking key and the quality estimate; with `withContributions`, also each criterion's
 * contribution. Criteria are summed in one fixed order, so the same row scores to the same bits
 * in any table. One pass over the rows, every criterion of a row at once.
 *
 * With `limits`, a row is scored exactly only if it can still be among the best `limits.direct`
 * direct (or `limits.gateway` gateway) rows: an upper bound of its score — its cost and latency
 * values at their bounds (`CompiledCatalog.costValueBound`, `latencyValueBound`) — is compared
 * with the best keys scored so far, and a row that cannot reach them is left unscored (ranking
 * key −∞, scores NaN) without computing its two logarithms. The best rows come out exactly as
 * without limits; `topRows` skips unscored rows.
 */
export function scoreColumns(
  columns: ScoreColumns,
  count: number,
  compiled: CompiledCatalog,
  context: RouteContext,
  learned: LearnedRanking | undefined,
  withContributions: boolean,
  limits?: ScoreLimits,
): void {
  const { analysis, tuning, qualityIndexes, plainIndexes } = context;
  const estimateWeights = context.weights;
  const weights = learned ? learnedWeightsOf(context) : estimateWeights;
  const { model, base, quality, contributions, evidence, gateway } = columns;
  const { feedbackShare, feedbackMean, promptShare, promptMean } = columns;
  const { cost, firstToken, speedScore, throughputScore, reliabilityScore } = columns;
  const { priority, final, rankKey } = columns;
  const { scores, reasoningTokens, prefillTokensPerSecond } = compiled;
  const { timeToFirstTokenMs, costValueBound, latencyValueBound, qualityScoreBound } = compiled;
  if (withContributions) contributions.fill(0, 0, count * CRITERION_COUNT);

  const need = analysis.qualityNeed;
  const shortfallPerUnit = tuning.shortfallPenalty / need;
  const headroomSlope = tuning.headroomSlope;
  const blend = context.hasLiveEvidence;
  const priorShift = learned ? learned.priorShift : 0;
  const qualityCount = qualityIndexes.length;
  const plainCount = plainIndexes.length;
  const qualityWeight = context.qualityWeight;
  const costWeight = weights[COST_EFFICIENCY]!;
  const latencyWeight = weights[LATENCY]!;
  const speedWeight = weights[TOKENS_PER_SECOND]!;
  const throughputWeight = weights[THROUGHPUT]!;
  const reliabilityWeight = weights[RELIABILITY]!;
  const { inputTokens, expectedOutputTokens } = analysis;
  // Learned ranking weighs the dollars at stake; otherwise cost efficiency is the log-scale
  // price score (with a free reference, every candidate counts as free: the price score again).
  const costScale = learned ? learned.costScaleUsd : 0;
  const direct = limits ? new KeyFloor(limits.direct) : undefined;
  const viaGateway = limits ? new KeyFloor(limits.gateway) : undefined;

  let qualityWeightSum = 0;
  for (let position = 0; position < qualityCount; position++) {
    qualityWeightSum += weights[qualityIndexes[position]!]!;
  }

  for (let row = 0; row < count; row++) {
    const index = model[row]!;
    const scoreRow = index * CRITERION_COUNT;
    const contributionRow = row * CRITERION_COUNT;
    let fromFeedback = 0;
    let fromPrompt = 0;
    if (blend) {
      fromFeedback = feedbackShare[row]!;
      fromPrompt = promptShare[row]!;
    }
    const shift = learned ? (1 - evidence[row]!) * priorShift : 0;

    // The parts that cost a few reads: the plain criteria, speed, throughput, reliability.
    let plainSum = 0;
    for (let position = 0; position < plainCount; position++) {
      const criterion = plainIndexes[position]!;
      const weighted = weights[criterion]! * scores[scoreRow + criterion]!;
      plainSum += weighted;
      if (withContributions) contributions[contributionRow + criterion] = weighted;
    }
    // Live speed and reliability scores replace the catalog's (NaN: none observed).
    let speed = scores[scoreRow + TOKENS_PER_SECOND]!;
    let throughput = scores[scoreRow + THROUGHPUT]!;
    let reliability = scores[scoreRow + RELIABILITY]!;
    if (blend) {
      const liveSpeed = speedScore[row]!;
      const liveThroughput = throughputScore[row]!;
      const liveReliability = reliabilityScore[row]!;
      if (!Number.isNaN(liveSpeed)) speed = liveSpeed;
      if (!Number.isNaN(liveThroughput)) throughput = liveThroughput;
      if (!Number.isNaN(liveReliability)) reliability = liveReliability;
    }
    const speedPart = speedWeight * speed;
    const throughputPart = throughputWeight * throughput;
    const reliabilityPart = reliabilityWeight * reliability;
    const cheapParts = plainSum + speedPart + throughputPart + reliabilityPart;
    const multiplier = priority[row]! / 100;

    let costValue = Number.NaN;
    if (costScale > 0) costValue = costScale / (costScale + cost[row]!);
    const floor = gateway[row] === 1 ? viaGateway : direct;
    // Bounds of what the row can still score: cost and latency values at their best (a live
    // first-token time may beat the prior, so such a row takes the largest latency value, 1).
    let costAndLatencyBound = 0;
    if (floor) {
      const costBound = costScale > 0 ? costValue : costValueBound[index]!;
      const latencyBound =
        firstToken[row] === timeToFirstTokenMs[index] ? latencyValueBound[index]! : 1;
      costAndLatencyBound = costWeight * costBound + latencyWeight * latencyBound;
      // First without the quality criteria: at most their weight times the model's best quality
      // score (a blend with learned means at most the largest of them) counted as they count.
      let best = qualityScoreBound[index]!;
      if (fromFeedback > 0 && feedbackMean[row]! > best) best = feedbackMean[row]!;
      if (fromPrompt > 0 && promptMean[row]! > best) best = promptMean[row]!;
      let counted: number;
      if (learned) {
        counted = best + shift;
        counted = counted < 0 ? 0 : counted > 1 ? 1 : counted;
      } else if (best >= need) {
        counted = need + headroomSlope * (best - need);
      } else {
        counted = best / (1 + shortfallPerUnit * (need - best));
      }
      const bound = (cheapParts + qualityWeightSum * counted + costAndLatencyBound) * multiplier;
      // One key of margin for rounding.
      if (floor.excludes(Math.round(bound * SCORE_QUANTUM) + 1)) {
        leaveUnscored(columns, row);
        continue;
      }
    }

    let qualityPart = 0;
    let qualitySum = 0;
    for (let position = 0; position < qualityCount; position++) {
      const criterion = qualityIndexes[position]!;
      // `blendedValue`, `applyNeed` and a clamp spelled out: calls returning doubles that are
      // not inlined allocate (see LOG_PRICE_LOW).
      let value = scores[scoreRow + criterion]!;
      if (fromFeedback > 0) value = (1 - fromFeedback) * value + fromFeedback * feedbackMean[row]!;
      if (fromPrompt > 0) value = (1 - fromPrompt) * value + fromPrompt * promptMean[row]!;
      qualitySum += estimateWeights[criterion]! * value;
      let counted: number;
      if (learned) {
        counted = value + shift;
        counted = counted < 0 ? 0 : counted > 1 ? 1 : counted;
      } else if (value >= need) {
        counted = need + headroomSlope * (value - need);
      } else {
        counted = value / (1 + shortfallPerUnit * (need - value));
      }
      const weighted = weights[criterion]! * counted;
      qualityPart += weighted;
      if (withContributions) contributions[contributionRow + criterion] = weighted;
    }
    const known = qualityPart + cheapParts;
    quality[row] = qualityWeight > 0 ? qualitySum / qualityWeight : 0;
    if (floor) {
      // Then with them: only the two logarithms are left to compute.
      const bound = (known + costAndLatencyBound) * multiplier;
      if (floor.excludes(Math.round(bound * SCORE_QUANTUM) + 1)) {
        leaveUnscored(columns, row);
        continue;
      }
    }

    if (costScale <= 0) {
      const billedTokens = inputTokens + expectedOutputTokens + reasoningTokens[index]!;
      const usdPerMTok = (cost[row]! / billedTokens) * 1e6;
      if (usdPerMTok <= 0) {
        costValue = 1;
      } else {
        const scaled = (Math.log(usdPerMTok) - LOG_PRICE_LOW) * PRICE_SCALE;
        costValue = 1 - (scaled < 0 ? 0 : Math.min(scaled, 1));
      }
    }
    const costPart = costWeight * costValue;
    const prefillMs = (inputTokens / prefillTokensPerSecond[index]!) * 1000;
    const firstTokenMs = Math.max(firstToken[row]! + prefillMs, 1);
    const latencyScaled = (Math.log(firstTokenMs) - LOG_FIRST_TOKEN_LOW) * FIRST_TOKEN_SCALE;
    const latencyPart = latencyWeight * (1 - (latencyScaled < 0 ? 0 : Math.min(latencyScaled, 1)));
    const baseScore = known + costPart + latencyPart;
    base[row] = baseScore;
    const finalScore = baseScore * multiplier;
    final[row] = finalScore;
    const key = Math.round(finalScore * SCORE_QUANTUM);
    rankKey[row] = key;
    floor?.add(key);
    if (withContributions) {
      contributions[contributionRow + COST_EFFICIENCY] = costPart;
      contributions[contributionRow + LATENCY] = latencyPart;
      contributions[contributionRow + TOKENS_PER_SECOND] = speedPart;
      contributions[contributionRow + THROUGHPUT] = throughputPart;
      contributions[contributionRow + RELIABILITY] = reliabilityPart;
    }
  }
}
