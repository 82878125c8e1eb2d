/**
 * Catalog entries for the models of a replay data set, built from public facts only — list
 * prices, limits and the family's published benchmark results (via `scoreModelFromFacts`) —
 * never from the data set's answers. Models the table below does not know get a price from the
 * data file's own per-call costs (a fact of the call, not of its correctness) and the family's
 * results when `familyOf` knows the line, so any file with the same columns can be replayed.
 */
import { familyOf } from '../../src/catalog/catalog-benchmarks';
import { scoreModelFromFacts } from '../../src/catalog/catalog-scoring';
import type { CatalogModel, ModelPricing } from '../../src/catalog/catalog-types';
import { estimateTokens } from '../../src/router/router-tokens';
import type { ReplayDataset } from './replay-data';

/** Public facts of one data-set model as it was served when the data set was recorded. */
interface DatasetModelFacts {
  /** Which provider served it: OpenAI and Anthropic first-party, the open models on Together AI
   * (whose rates RouterBench's per-call costs use). */
  provider: string;
  /** The provider's model id. */
  id: string;
  name: string;
  pricing: ModelPricing;
  contextTokens: number;
  maxOutputTokens: number;
  releaseDate: string;
  source: string;
}

const OPENAI_PRICES = 'OpenAI API list price, early 2024 (openai.com/pricing)';
const ANTHROPIC_PRICES = 'Anthropic API list price, early 2024 (anthropic.com/pricing)';
const TOGETHER_PRICES =
  'Together AI serverless list price, early 2024 (together.ai/pricing): the rates of RouterBench’s open-model costs';

/** Keyed by the name the data sets use for the model (after `perf::` / `correct::`). */
/** Both files' Mixtral columns are one catalog entry, so what is learned about it carries over. */
const MIXTRAL: DatasetModelFacts = {
  provider: 'together',
  id: 'mixtral-8x7b-instruct-v0.1',
  name: 'Mixtral 8x7B Instruct',
  pricing: { inputPerMTok: 0.6, outputPerMTok: 0.6 },
  contextTokens: 32_768,
  maxOutputTokens: 4_096,
  releaseDate: '2023-12',
  source: TOGETHER_PRICES,
};

const KNOWN_MODELS: Readonly<Record<string, DatasetModelFacts>> = {
  'gpt-4-1106-preview': {
    provider: 'openai',
    id: 'gpt-4-1106-preview',
    name: 'GPT-4 Turbo (1106 preview)',
    pricing: { inputPerMTok: 10, outputPerMTok: 30 },
    contextTokens: 128_000,
    maxOutputTokens: 4_096,
    releaseDate: '2023-11',
    source: OPENAI_PRICES,
  },
  'gpt-3.5-turbo-1106': {
    provider: 'openai',
    id: 'gpt-3.5-turbo-1106',
    name: 'GPT-3.5 Turbo (1106)',
    pricing: { inputPerMTok: 1, outputPerMTok: 2 },
    contextTokens: 16_385,
    maxOutputTokens: 4_096,
    releaseDate: '2023-11',
    source: OPENAI_PRICES,
  },
  'claude-v1': {
    provider: 'anthropic',
    id: 'claude-v1',
    name: 'Claude 1',
    pricing: { inputPerMTok: 8, outputPerMTok: 24 },
    contextTokens: 100_000,
    maxOutputTokens: 4_096,
    releaseDate: '2023-03',
    source: ANTHROPIC_PRICES,
  },
  'claude-v2': {
    provider: 'anthropic',
    id: 'claude-v2',
    name: 'Claude 2',
    pricing: { inputPerMTok: 8, outputPerMTok: 24 },
    contextTokens: 100_000,
    maxOutputTokens: 4_096,
    releaseDate: '2023-07',
    source: ANTHROPIC_PRICES,
  },
  'claude-instant-v1': {
    provider: 'anthropic',
    id: 'claude-instant-v1',
    name: 'Claude Instant 1',
    pricing: { inputPerMTok: 0.8, outputPerMTok: 2.4 },
    contextTokens: 100_000,
    maxOutputTokens: 4_096,
    releaseDate: '2023-03',
    source: ANTHROPIC_PRICES,
  },
  'mistralai/mixtral-8x7b-chat': MIXTRAL,
  'mistralai/mistral-7b-chat': {
    provider: 'together',
    id: 'mistral-7b-instruct-v0.2',
    name: 'Mistral 7B Instruct',
    pricing: { inputPerMTok: 0.2, outputPerMTok: 0.2 },
    contextTokens: 32_768,
    maxOutputTokens: 4_096,
    releaseDate: '2023-12',
    source: TOGETHER_PRICES,
  },
  'zero-one-ai/Yi-34B-Chat': {
    provider: 'together',
    id: 'yi-34b-chat',
    name: 'Yi 34B Chat',
    pricing: { inputPerMTok: 0.8, outputPerMTok: 0.8 },
    contextTokens: 4_096,
    maxOutputTokens: 4_096,
    releaseDate: '2023-11',
    source: TOGETHER_PRICES,
  },
  'meta/llama-2-70b-chat': {
    provider: 'together',
    id: 'llama-2-70b-chat',
    name: 'Llama 2 70B Chat',
    pricing: { inputPerMTok: 0.9, outputPerMTok: 0.9 },
    contextTokens: 4_096,
    maxOutputTokens: 4_096,
    releaseDate: '2023-07',
    source: TOGETHER_PRICES,
  },
  'meta/code-llama-instruct-34b-chat': {
    provider: 'together',
    id: 'code-llama-instruct-34b',
    name: 'Code Llama 34B Instruct',
    pricing: { inputPerMTok: 0.776, outputPerMTok: 0.776 },
    contextTokens: 16_384,
    maxOutputTokens: 4_096,
    releaseDate: '2023-08',
    source: TOGETHER_PRICES,
  },
  'WizardLM/WizardLM-13B-V1.2': {
    provider: 'together',
    id: 'wizardlm-13b-v1.2',
    name: 'WizardLM 13B v1.2',
    pricing: { inputPerMTok: 0.3, outputPerMTok: 0.3 },
    contextTokens: 4_096,
    maxOutputTokens: 4_096,
    releaseDate: '2023-07',
    source: TOGETHER_PRICES,
  },
  // RouteLLM's MMLU pair (arXiv:2406.18665 §5 prices GPT-4 at $24.7 and Mixtral at $0.24 per
  // million tokens blended); the catalog keeps the providers' list prices.
  'mixtral-8x7b-instruct-v0.1': MIXTRAL,
};

/** The catalog of a data set: `models[i]` serves the data set's `models[i]`. */
export interface ReplayCatalog {
  models: CatalogModel[];
  /** `provider/id` of each catalog model → its column in the data set. */
  columnOf: Map<string, number>;
}

/** Builds one catalog entry per model column of the data set. */
export function buildReplayCatalog(dataset: ReplayDataset): ReplayCatalog {
  const models = dataset.models.map((name, column) =>
    catalogModelFromFacts(KNOWN_MODELS[name] ?? factsFromFile(dataset, name, column)),
  );
  const columnOf = new Map(
    models.map((model, column) => [`${model.provider}/${model.id}`, column]),
  );
  return { models, columnOf };
}

/** Whether the table above has public facts for a data-set model name. */
export function hasPublicFacts(modelName: string): boolean {
  return modelName in KNOWN_MODELS;
}

function catalogModelFromFacts(facts: DatasetModelFacts): CatalogModel {
  const capabilities = { vision: false, tools: false, json: false, reasoning: false };
  const limits = { contextTokens: facts.contextTokens, maxOutputTokens: facts.maxOutputTokens };
  const family = familyOf(facts.id);
  const scored = scoreModelFromFacts(
    {
      id: facts.id,
      provider: facts.provider,
      location: 'cloud',
      pricing: facts.pricing,
      limits,
      capabilities,
      trainsOnPrompts: false,
      releaseDate: facts.releaseDate,
    },
    family,
  );
  return {
    id: facts.id,
    provider: facts.provider,
    providerModelId: facts.id,
    name: facts.name,
    family: family ?? `${facts.provider}/unknown`,
    location: 'cloud',
    pricing: facts.pricing,
    limits,
    capabilities,
    trainsOnPrompts: false,
    scores: scored.scores,
    performance: scored.performance,
    sources: { ...scored.sources, pricing: facts.source, limits: facts.source },
    releaseDate: facts.releaseDate,
  };
}

/**
 * Facts for a model the table does not know: its price per token is the file's mean cost per
 * call over the estimated tokens per call (answers assumed as long as the `expectedOutputTokens`
 * the router would predict are not known here, so input and output are priced alike).
 */
function factsFromFile(dataset: ReplayDataset, name: string, column: number): DatasetModelFacts {
  let usd = 0;
  let tokens = 0;
  for (const row of dataset.rows) {
    usd += row.costs[column] ?? 0;
    tokens += estimateTokens(row.prompt);
  }
  const perMTok = tokens > 0 ? (usd / tokens) * 1_000_000 : 1;
  const id = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  return {
    provider: 'replay',
    id,
    name,
    pricing: { inputPerMTok: perMTok, outputPerMTok: perMTok },
    contextTokens: 32_768,
    maxOutputTokens: 4_096,
    releaseDate: '2024-01',
    source: `no public facts in the replay table: price from the data file's mean cost per call (${perMTok.toPrecision(3)} USD/MTok)`,
  };
}
