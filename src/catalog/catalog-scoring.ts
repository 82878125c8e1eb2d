/**
 * The documented rules that turn public facts (prices, limits, capabilities, where a model runs)
 * and published results (catalog-benchmarks.ts) into the 16 criterion scores in [0, 1]. The same
 * function scores the bundled catalog, models added later by an OpenRouter refresh, and the old
 * models the replay benchmark rebuilds — so every score in the product has one derivation.
 * docs/router.md explains each rule with examples.
 */
import type { ModelLocation } from '../protocol/llm-result';
import { type BenchmarkRow, benchmarkRowFor, isAnchorId } from './catalog-benchmarks';
import type {
  CriterionScores,
  ModelCapabilities,
  ModelLimits,
  ModelPerformance,
  ModelPricing,
  QualityCriterion,
} from './catalog-types';

/** What scoring needs to know about a model: its public facts. */
export interface ModelFacts {
  /** The model's id (any provider's spelling); used to find its own benchmark row. */
  id: string;
  /** The serving provider id (`anthropic`, `openrouter`, `ollama`, `webllm`…). */
  provider: string;
  location: ModelLocation;
  pricing: ModelPricing;
  limits: ModelLimits;
  capabilities: ModelCapabilities;
  trainsOnPrompts: boolean;
  /** YYYY-MM or YYYY-MM-DD. */
  releaseDate?: string;
  /** Speed on this provider when known (a local runtime, a measured gateway); overrides the
   * family's first-party figures. */
  performance?: Partial<ModelPerformance>;
  /** A preview / experimental release: less reliable. */
  preview?: boolean;
  /** A free, rate-limited variant (OpenRouter `:free`): much less reliable. */
  rateLimitedFree?: boolean;
}

/** The result of scoring: the 16 scores, speed priors and where every figure came from. */
export interface ScoredModel {
  scores: CriterionScores;
  performance: ModelPerformance;
  sources: Record<string, string>;
}

/** Published metrics that quality criteria draw on, each with its normalisation range: the value
 * at the low end scores 0 (about chance or the weakest 2023 models), the high end scores 1. */
export const METRIC_SCALES = {
  arena: [1000, 1500],
  mmlu: [40, 92],
  mmluPro: [30, 88],
  mmmlu: [40, 92],
  humanEval: [20, 95],
  sweBench: [0, 80],
  math: [10, 95],
  gsm8k: [30, 97],
  aime: [0, 95],
  gpqa: [25, 90],
  ifEval: [50, 92],
  mgsm: [30, 92],
} as const satisfies Record<string, readonly [number, number]>;
export type Metric = keyof typeof METRIC_SCALES;

/**
 * Which metrics make each quality criterion, with their weights. A criterion is the weighted mean
 * of the metrics the row publishes; the arena score is in every mix, so a model with few
 * published figures still gets a score on the same scale, and a saturated benchmark (HumanEval,
 * GSM8K) never decides alone.
 */
export const CRITERION_METRICS: Readonly<
  Record<QualityCriterion, Partial<Record<Metric, number>>>
> = {
  accuracy: { mmlu: 2, mmluPro: 2, mmmlu: 1.5, gpqa: 1, arena: 1 },
  overallQuality: { arena: 3, mmlu: 0.5, mmluPro: 0.5, gpqa: 0.5 },
  instructionFollowing: { ifEval: 2, arena: 2 },
  coding: { sweBench: 2, humanEval: 1.5, arena: 1 },
  reasoning: { gpqa: 2, aime: 1, math: 1, arena: 1 },
  math: { math: 2, aime: 2, gsm8k: 1.5, gpqa: 0.5, arena: 0.5 },
  creativeWriting: { arena: 1 },
  multilingual: { mgsm: 2, mmmlu: 2, arena: 1 },
};

/** A newer release of a line without published figures of its own gains this much per month
 * after its anchor on every quality criterion, up to `MAX_GENERATION_BONUS`. */
export const GENERATION_BONUS_PER_MONTH = 0.006;
export const MAX_GENERATION_BONUS = 0.06;
/** A smaller tier (flash, mini, lite…) scored from a bigger sibling's row loses this much on every
 * quality criterion: same generation, fewer parameters, no figures of its own. */
export const SMALLER_TIER_DISCOUNT = 0.05;
const SMALLER_TIER_PATTERN = /\b(flash|mini|nano|lite|small|air|turbo|haiku)\b/;
/** Discount of the multilingual score of English-centric models. */
export const ENGLISH_CENTRIC_MULTILINGUAL_FACTOR = 0.75;

/** Normalisation ranges of the fact-based criteria. */
const TOKENS_PER_SECOND_RANGE = [10, 400] as const;
export const TIME_TO_FIRST_TOKEN_RANGE_MS = [200, 30_000] as const;
/** Blended USD per million tokens (3 input : 1 output) from the cheapest to the dearest. */
export const BLENDED_PRICE_RANGE = [0.02, 60] as const;
const CONTEXT_RANGE_TOKENS = [2_048, 1_048_576] as const;
const OUTPUT_RANGE_TOKENS = [1_024, 131_072] as const;

/** How many requests at once a model can serve, by where it runs: a local model answers one at a
 * time on the user's machine; a gateway adds a hop and shared rate limits. */
const CAPACITY_BY_LOCATION: Record<ModelLocation, number> = { cloud: 1, gateway: 0.9, local: 0.3 };

/** Reliability priors by where a model runs (live success rates replace them gradually). */
const RELIABILITY_BY_LOCATION: Record<ModelLocation, number> = {
  cloud: 0.92,
  gateway: 0.88,
  local: 0.8,
};
/** In-browser WebGPU models can fail on memory or a lost device more often than a local server. */
const WEBLLM_RELIABILITY = 0.75;
const PREVIEW_RELIABILITY_PENALTY = 0.07;
const FREE_TIER_RELIABILITY_PENALTY = 0.25;

/** Prompt reading speed when nothing better is known: cloud inference servers read prompts at
 * thousands of tokens per second; a local GPU at hundreds. */
const DEFAULT_PREFILL_TOKENS_PER_SECOND: Record<ModelLocation, number> = {
  cloud: 5_000,
  gateway: 4_000,
  local: 400,
};
/** A gateway adds its own hop before the first token. */
const GATEWAY_EXTRA_FIRST_TOKEN_MS = 150;

/** For lines without any benchmark row: an arena-equivalent from the price, since price and
 * capability rise together across the table (cheap ≈ small model, dear ≈ frontier model). */
const PRICE_PRIOR = { arenaAtTenCents: 1150, arenaPerDecade: 80, min: 1050, max: 1400 } as const;
const UNKNOWN_SPEED = { tokensPerSecond: 60, timeToFirstTokenMs: 800 } as const;

export function clamp01(value: number): number {
  return value < 0 ? 0 : Math.min(value, 1);
}

function normalize(value: number, low: number, high: number): number {
  return clamp01((value - low) / (high - low));
}

function normalizeLog(value: number, low: number, high: number): number {
  return normalize(Math.log(value), Math.log(low), Math.log(high));
}

/** A log-scale normaliser with its logarithms computed once (the router calls these per
 * candidate). */
function logScale(low: number, high: number): (value: number) => number {
  const logLow = Math.log(low);
  const span = Math.log(high) - logLow;
  return (value) => clamp01((Math.log(value) - logLow) / span);
}

const priceScale = logScale(BLENDED_PRICE_RANGE[0], BLENDED_PRICE_RANGE[1]);
const tokensPerSecondScale = logScale(TOKENS_PER_SECOND_RANGE[0], TOKENS_PER_SECOND_RANGE[1]);
const firstTokenScale = logScale(TIME_TO_FIRST_TOKEN_RANGE_MS[0], TIME_TO_FIRST_TOKEN_RANGE_MS[1]);

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** USD per million tokens at a typical 3:1 input:output mix. */
export function blendedPricePerMTok(pricing: ModelPricing): number {
  return (3 * pricing.inputPerMTok + pricing.outputPerMTok) / 4;
}

/** Cost efficiency from the blended price: free is 1, $60/MTok or more is 0, log scale between. */
export function costEfficiencyFromPrice(blendedUsdPerMTok: number): number {
  if (blendedUsdPerMTok <= 0) return 1;
  return 1 - priceScale(blendedUsdPerMTok);
}

/** Tokens/s score: 10 tok/s is 0, 400 tok/s is 1, log scale. */
export function tokensPerSecondScore(tokensPerSecond: number): number {
  return tokensPerSecondScale(Math.max(tokensPerSecond, 1e-3));
}

/** Latency score from the time to first token: 200 ms is 1, 30 s is 0, log scale. */
export function latencyScore(timeToFirstTokenMs: number): number {
  return 1 - firstTokenScale(Math.max(timeToFirstTokenMs, 1));
}

/** The tokens/s a `tokensPerSecond` score stands for (the inverse of `tokensPerSecondScore`). */
export function tokensPerSecondFromScore(score: number): number {
  const [low, high] = TOKENS_PER_SECOND_RANGE;
  return Math.exp(Math.log(low) + clamp01(score) * (Math.log(high) - Math.log(low)));
}

/** The time to first token a `latency` score stands for (the inverse of `latencyScore`). */
export function timeToFirstTokenFromScore(score: number): number {
  const [low, high] = TIME_TO_FIRST_TOKEN_RANGE_MS;
  return Math.exp(Math.log(high) - clamp01(score) * (Math.log(high) - Math.log(low)));
}

/** Throughput: how much work it takes at once — half capacity by location, half speed. */
export function throughputScore(location: ModelLocation, tokensPerSecond: number): number {
  return 0.5 * CAPACITY_BY_LOCATION[location] + 0.5 * tokensPerSecondScore(tokensPerSecond);
}

function monthsBetween(from: string, to: string): number {
  const [fromYear = 0, fromMonth = 1] = from.split('-').map(Number);
  const [toYear = 0, toMonth = 1] = to.split('-').map(Number);
  return (toYear - fromYear) * 12 + (toMonth - fromMonth);
}

/** The normalised metrics of a row, plus the generation bonus for newer releases. */
function normalizedMetrics(row: BenchmarkRow): Partial<Record<Metric, number>> {
  const metrics: Partial<Record<Metric, number>> = {};
  for (const metric of Object.keys(METRIC_SCALES) as Metric[]) {
    const value = row[metric];
    if (value === undefined) continue;
    const [low, high] = METRIC_SCALES[metric];
    metrics[metric] = normalize(value, low, high);
  }
  return metrics;
}

function priceArena(pricing: ModelPricing): number {
  const blended = blendedPricePerMTok(pricing);
  if (blended <= 0) return PRICE_PRIOR.arenaAtTenCents;
  const arena =
    PRICE_PRIOR.arenaAtTenCents + PRICE_PRIOR.arenaPerDecade * Math.log10(blended / 0.1);
  return Math.min(PRICE_PRIOR.max, Math.max(PRICE_PRIOR.min, arena));
}

function weightedMean(
  metrics: Partial<Record<Metric, number>>,
  weights: Partial<Record<Metric, number>>,
): { value: number; used: Metric[] } {
  let sum = 0;
  let total = 0;
  const used: Metric[] = [];
  for (const [metric, weight] of Object.entries(weights) as Array<[Metric, number]>) {
    const value = metrics[metric];
    if (value === undefined) continue;
    sum += value * weight;
    total += weight;
    used.push(metric);
  }
  return { value: total === 0 ? 0 : sum / total, used };
}

function describeMetrics(row: BenchmarkRow | undefined, used: readonly Metric[]): string {
  if (!row) return used.map((metric) => `${metric} (price prior)`).join(', ');
  return used.map((metric) => `${metric} ${row[metric]}`).join(', ');
}

function qualityScores(
  facts: ModelFacts,
  row: BenchmarkRow | undefined,
  sources: Record<string, string>,
): Pick<CriterionScores, keyof typeof CRITERION_METRICS> {
  const metrics = row ? normalizedMetrics(row) : { arena: 0 };
  if (!row) {
    const [low, high] = METRIC_SCALES.arena;
    metrics.arena = normalize(priceArena(facts.pricing), low, high);
  }
  const months =
    row && facts.releaseDate ? monthsBetween(row.released, facts.releaseDate.slice(0, 7)) : 0;
  const isOwnRow = row ? isAnchorId(row, facts.id) : false;
  const bonus = isOwnRow
    ? 0
    : Math.min(MAX_GENERATION_BONUS, Math.max(0, months) * GENERATION_BONUS_PER_MONTH);
  const tier = isOwnRow || !row ? undefined : smallerTierThanAnchor(facts.id, row);
  const adjustment = bonus - (tier ? SMALLER_TIER_DISCOUNT : 0);
  const notes = [
    bonus > 0 ? `+${round3(bonus)}: ${months} months newer than ${row?.anchor}` : '',
    tier ? `-${SMALLER_TIER_DISCOUNT}: ${tier} tier of ${row?.anchor}` : '',
  ].filter(Boolean);
  const note = notes.length > 0 ? ` (${notes.join('; ')})` : '';

  const scores = {} as Pick<CriterionScores, keyof typeof CRITERION_METRICS>;
  for (const [criterion, weights] of Object.entries(CRITERION_METRICS) as Array<
    [keyof typeof CRITERION_METRICS, Partial<Record<Metric, number>>]
  >) {
    const { value, used } = weightedMean(metrics, weights);
    let score = value + adjustment;
    if (criterion === 'multilingual' && row?.englishCentric) {
      score *= ENGLISH_CENTRIC_MULTILINGUAL_FACTOR;
    }
    scores[criterion] = round3(clamp01(score));
    sources[criterion] = `${describeMetrics(row, used)}${note}`;
  }
  return scores;
}

/** The tier word (`flash`, `mini`…) of a model whose row is a bigger sibling's, if any. */
function smallerTierThanAnchor(modelId: string, row: BenchmarkRow): string | undefined {
  const tier = SMALLER_TIER_PATTERN.exec(modelId.toLowerCase().replace(/[-_.:/]/g, ' '))?.[1];
  if (!tier) return undefined;
  return row.anchor.toLowerCase().includes(tier) ? undefined : tier;
}

function performanceFor(facts: ModelFacts, row: BenchmarkRow | undefined): ModelPerformance {
  const known = facts.performance ?? {};
  const gatewayDelay = facts.location === 'gateway' ? GATEWAY_EXTRA_FIRST_TOKEN_MS : 0;
  const reasoning = facts.capabilities.reasoning ? (row?.reasoningTokensPerRequest ?? 0) : 0;
  return {
    outputTokensPerSecond:
      known.outputTokensPerSecond ?? row?.tokensPerSecond ?? UNKNOWN_SPEED.tokensPerSecond,
    timeToFirstTokenMs:
      known.timeToFirstTokenMs ??
      (row?.timeToFirstTokenMs ?? UNKNOWN_SPEED.timeToFirstTokenMs) + gatewayDelay,
    prefillTokensPerSecond:
      known.prefillTokensPerSecond ?? DEFAULT_PREFILL_TOKENS_PER_SECOND[facts.location],
    reasoningTokensPerRequest: known.reasoningTokensPerRequest ?? reasoning,
  };
}

function reliabilityPrior(facts: ModelFacts): number {
  let prior =
    facts.provider === 'webllm' ? WEBLLM_RELIABILITY : RELIABILITY_BY_LOCATION[facts.location];
  if (facts.preview) prior -= PREVIEW_RELIABILITY_PENALTY;
  if (facts.rateLimitedFree) prior -= FREE_TIER_RELIABILITY_PENALTY;
  return clamp01(prior);
}

/** Privacy: on the user's machine 1; a cloud API that does not train on prompts 0.6; a gateway
 * (one more party sees the prompt) 0.45; a provider that may train on prompts 0.25. */
export function privacyScore(location: ModelLocation, trainsOnPrompts: boolean): number {
  if (location === 'local') return 1;
  if (trainsOnPrompts) return 0.25;
  return location === 'gateway' ? 0.45 : 0.6;
}

/**
 * Scores a model from its facts and its family (`familyOf(id)`; undefined for an unknown line).
 * Pure and deterministic: the bundled catalog, an OpenRouter refresh and the replay benchmark all
 * call it, so the same facts always give the same scores.
 */
export function scoreModelFromFacts(facts: ModelFacts, family: string | undefined): ScoredModel {
  const row = family ? benchmarkRowFor(family, facts.id, facts.releaseDate) : undefined;
  const sources: Record<string, string> = {
    benchmarks: row
      ? `${row.anchor}: ${row.source}`
      : `no published results for this line: quality from the price prior (arena-equivalent ${Math.round(priceArena(facts.pricing))})`,
  };
  const quality = qualityScores(facts, row, sources);
  const performance = performanceFor(facts, row);
  const blended = blendedPricePerMTok(facts.pricing);

  const scores: CriterionScores = {
    latency: round3(latencyScore(performance.timeToFirstTokenMs)),
    throughput: round3(throughputScore(facts.location, performance.outputTokensPerSecond)),
    tokensPerSecond: round3(tokensPerSecondScore(performance.outputTokensPerSecond)),
    ...quality,
    costEfficiency: round3(costEfficiencyFromPrice(blended)),
    contextLength: round3(
      normalizeLog(facts.limits.contextTokens, CONTEXT_RANGE_TOKENS[0], CONTEXT_RANGE_TOKENS[1]),
    ),
    outputLength: round3(
      normalizeLog(facts.limits.maxOutputTokens, OUTPUT_RANGE_TOKENS[0], OUTPUT_RANGE_TOKENS[1]),
    ),
    reliability: round3(reliabilityPrior(facts)),
    privacy: privacyScore(facts.location, facts.trainsOnPrompts),
  };
  sources.latency = `time to first token ${performance.timeToFirstTokenMs} ms (log scale 200 ms → 1, 30 s → 0)`;
  sources.tokensPerSecond = `${performance.outputTokensPerSecond} tok/s (log scale 10 → 0, 400 → 1)`;
  sources.throughput = `half capacity by location (${facts.location}), half tokens/s`;
  sources.costEfficiency = `blended $${round3(blended)}/MTok at 3:1 input:output (log scale $0.02 → 1, $60 → 0)`;
  sources.contextLength = `${facts.limits.contextTokens} tokens (log scale 2k → 0, 1M → 1)`;
  sources.outputLength = `${facts.limits.maxOutputTokens} tokens (log scale 1k → 0, 128k → 1)`;
  sources.reliability = `prior by location/provider${facts.preview ? ', preview' : ''}${facts.rateLimitedFree ? ', free tier' : ''}`;
  sources.privacy = `${facts.location}, ${facts.trainsOnPrompts ? 'may train on prompts' : 'no training on API prompts'}`;
  return { scores, performance, sources };
}
