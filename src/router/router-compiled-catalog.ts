/**
 * A catalog laid out for fast routing: scores, prices, limits and speed priors in typed arrays,
 * computed once per catalog array and memoized by its identity. Treat catalogs as immutable —
 * after a refresh, pass a new array (e.g. from `mergeCatalogs`) and it is compiled anew.
 */
import {
  costEfficiencyFromPrice,
  latencyScore,
  timeToFirstTokenFromScore,
  tokensPerSecondFromScore,
} from '../catalog/catalog-scoring';
import {
  type CatalogModel,
  CRITERIA,
  type Criterion,
  QUALITY_CRITERIA,
} from '../catalog/catalog-types';
import type { Capability } from '../protocol/llm-request';

export const CRITERION_COUNT = CRITERIA.length;

/** Position of each criterion in the score rows. */
export const CRITERION_INDEX = Object.fromEntries(
  CRITERIA.map((criterion, index) => [criterion, index]),
) as Record<Criterion, number>;

const CAPABILITY_BIT: Record<Capability, number> = { vision: 1, tools: 2, json: 4, reasoning: 8 };

export function capabilityMask(capabilities: readonly Capability[]): number {
  let mask = 0;
  for (const capability of capabilities) mask |= CAPABILITY_BIT[capability];
  return mask;
}

export interface CompiledCatalog {
  readonly models: readonly CatalogModel[];
  /** `provider/id` of each model. */
  readonly keys: readonly string[];
  /** The distinct provider ids, and each model's position among them. */
  readonly providers: readonly string[];
  readonly providerIndex: Uint16Array;
  /** Criterion scores, `CRITERION_COUNT` per model in `CRITERIA` order. */
  readonly scores: Float64Array;
  /** USD per token. */
  readonly inputPrice: Float64Array;
  readonly outputPrice: Float64Array;
  readonly contextTokens: Float64Array;
  readonly capabilities: Uint8Array;
  /** 1 for models that run on the user's machine. */
  readonly isLocal: Uint8Array;
  /** 1 for models whose provider may train on prompts. */
  readonly trainsOnPrompts: Uint8Array;
  readonly timeToFirstTokenMs: Float64Array;
  readonly outputTokensPerSecond: Float64Array;
  readonly prefillTokensPerSecond: Float64Array;
  readonly reasoningTokens: Float64Array;
  /**
   * Upper bounds of two request-dependent criterion values, for skipping the exact computation
   * (two logarithms per model) where a model cannot reach the chain anyway: the cost-efficiency
   * value at the lower of the model's two per-token prices (any request's blended price lies
   * between them) and the latency value at the prior time to first token (reading a prompt only
   * adds to it).
   */
  readonly costValueBound: Float64Array;
  readonly latencyValueBound: Float64Array;
  /** The highest of each model's quality-criterion scores: with the weights of any request, its
   * quality part is at most the quality weight times this score counted as the need counts it. */
  readonly qualityScoreBound: Float64Array;
}

const compiledCatalogs = new WeakMap<readonly CatalogModel[], CompiledCatalog>();

function compile(models: readonly CatalogModel[]): CompiledCatalog {
  const count = models.length;
  const scores = new Float64Array(count * CRITERION_COUNT);
  const inputPrice = new Float64Array(count);
  const outputPrice = new Float64Array(count);
  const contextTokens = new Float64Array(count);
  const capabilities = new Uint8Array(count);
  const isLocal = new Uint8Array(count);
  const trainsOnPrompts = new Uint8Array(count);
  const timeToFirstTokenMs = new Float64Array(count);
  const outputTokensPerSecond = new Float64Array(count);
  const prefillTokensPerSecond = new Float64Array(count);
  const reasoningTokens = new Float64Array(count);
  const costValueBound = new Float64Array(count);
  const latencyValueBound = new Float64Array(count);
  const qualityScoreBound = new Float64Array(count);
  const keys: string[] = [];
  const providers: string[] = [];
  const providerPositions = new Map<string, number>();
  const providerIndex = new Uint16Array(count);
  models.forEach((model, index) => {
    keys.push(`${model.provider}/${model.id}`);
    let position = providerPositions.get(model.provider);
    if (position === undefined) {
      position = providers.length;
      providers.push(model.provider);
      providerPositions.set(model.provider, position);
    }
    providerIndex[index] = position;
    CRITERIA.forEach((criterion, criterionIndex) => {
      scores[index * CRITERION_COUNT + criterionIndex] = model.scores[criterion];
    });
    inputPrice[index] = model.pricing.inputPerMTok / 1e6;
    outputPrice[index] = model.pricing.outputPerMTok / 1e6;
    contextTokens[index] = model.limits.contextTokens;
    isLocal[index] = model.location === 'local' ? 1 : 0;
    trainsOnPrompts[index] = model.trainsOnPrompts ? 1 : 0;
    capabilities[index] =
      (model.capabilities.vision ? CAPABILITY_BIT.vision : 0) |
      (model.capabilities.tools ? CAPABILITY_BIT.tools : 0) |
      (model.capabilities.json ? CAPABILITY_BIT.json : 0) |
      (model.capabilities.reasoning ? CAPABILITY_BIT.reasoning : 0);
    const performance = model.performance;
    timeToFirstTokenMs[index] =
      performance?.timeToFirstTokenMs ?? timeToFirstTokenFromScore(model.scores.latency);
    outputTokensPerSecond[index] =
      performance?.outputTokensPerSecond ?? tokensPerSecondFromScore(model.scores.tokensPerSecond);
    prefillTokensPerSecond[index] =
      performance?.prefillTokensPerSecond ?? (model.location === 'local' ? 400 : 5_000);
    reasoningTokens[index] = performance?.reasoningTokensPerRequest ?? 0;
    costValueBound[index] = costEfficiencyFromPrice(
      Math.min(model.pricing.inputPerMTok, model.pricing.outputPerMTok),
    );
    latencyValueBound[index] = latencyScore(timeToFirstTokenMs[index]!);
    qualityScoreBound[index] = Math.max(
      ...QUALITY_CRITERIA.map((criterion) => model.scores[criterion]),
    );
  });
  return {
    models,
    keys,
    providers,
    providerIndex,
    scores,
    inputPrice,
    outputPrice,
    contextTokens,
    capabilities,
    isLocal,
    trainsOnPrompts,
    timeToFirstTokenMs,
    outputTokensPerSecond,
    prefillTokensPerSecond,
    reasoningTokens,
    costValueBound,
    latencyValueBound,
    qualityScoreBound,
  };
}

/** The compiled form of a catalog, computed on first use and reused for the same array. */
export function compileCatalog(catalog: readonly CatalogModel[]): CompiledCatalog {
  let compiled = compiledCatalogs.get(catalog);
  if (!compiled) {
    compiled = compile(catalog);
    compiledCatalogs.set(catalog, compiled);
  }
  return compiled;
}
