/**
 * The model catalog: public facts about each model plus its 16 criterion scores
 * (docs/architecture.md §4).
 */
import type { ModelLocation } from '../protocol/llm-result';

/** The 16 criteria every model is scored on, each in [0, 1] (1 = best). */
export const CRITERIA = [
  'latency',
  'throughput',
  'tokensPerSecond',
  'accuracy',
  'overallQuality',
  'instructionFollowing',
  'coding',
  'reasoning',
  'math',
  'creativeWriting',
  'costEfficiency',
  'contextLength',
  'outputLength',
  'reliability',
  'privacy',
  'multilingual',
] as const;
export type Criterion = (typeof CRITERIA)[number];

/** The criteria that measure answer quality (from published results; the rest come from facts). */
export const QUALITY_CRITERIA = [
  'accuracy',
  'overallQuality',
  'instructionFollowing',
  'coding',
  'reasoning',
  'math',
  'creativeWriting',
  'multilingual',
] as const satisfies readonly Criterion[];
export type QualityCriterion = (typeof QUALITY_CRITERIA)[number];
export type CriterionScores = Record<Criterion, number>;

/** USD per million tokens. */
export interface ModelPricing {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Price of input tokens read from the provider's prompt cache; absent when there is none. */
  cachedInputPerMTok?: number;
}

export interface ModelLimits {
  contextTokens: number;
  maxOutputTokens: number;
}

/** How fast a model answers on its serving provider (priors; live measurements refine them). */
export interface ModelPerformance {
  /** Median output speed once text flows, in tokens per second. */
  outputTokensPerSecond: number;
  /** Median time to the first visible token for a short prompt, in ms (includes hidden
   * reasoning that happens before it). */
  timeToFirstTokenMs: number;
  /** How fast the prompt is read, in tokens per second: what a long prompt adds to the wait. */
  prefillTokensPerSecond: number;
  /** Hidden reasoning tokens a typical request bills on top of the answer (0 when the model does
   * not reason by default). */
  reasoningTokensPerRequest: number;
}

export interface ModelCapabilities {
  vision: boolean;
  tools: boolean;
  json: boolean;
  reasoning: boolean;
}

export interface CatalogModel {
  /** Catalog id, unique within its provider, e.g. `claude-sonnet-4-5`. */
  id: string;
  /** The provider that serves it (whose key or server is used): `anthropic`, `openai`, `google`,
   * `deepseek`, `mistral`, `openrouter`, `ollama`, `webllm`… */
  provider: string;
  /** The id sent on the wire to that provider. */
  providerModelId: string;
  /** Human-readable name. */
  name: string;
  /** Who made it and which line it belongs to, e.g. `meta/llama-3.3`; new models inherit scores
   * from their family. */
  family: string;
  location: ModelLocation;
  pricing: ModelPricing;
  limits: ModelLimits;
  capabilities: ModelCapabilities;
  /** Whether the provider may train on prompts sent through the API by default. */
  trainsOnPrompts: boolean;
  scores: CriterionScores;
  /** Where each figure came from: field or criterion → source description / URL. */
  sources: Record<string, string>;
  releaseDate?: string;
  /** Speed priors; when absent the router derives them from the latency and tokens/s scores. */
  performance?: ModelPerformance;
  /** Whether the weights are published (so it can also run locally). */
  openWeights?: boolean;
}
