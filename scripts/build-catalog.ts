/**
 * `npm run catalog`: regenerates src/catalog/catalog-data.json from the public model facts in
 * data/model-facts (models.dev, LiteLLM's price table, OpenRouter's model list) and the
 * published results in src/catalog/catalog-benchmarks.ts. Every figure keeps its source in the
 * entry's `sources`. Local models (WebLLM, Ollama) are not in those lists: their facts are below,
 * each with its source.
 *
 * Usage: npm run catalog [-- --data DIR] [--out FILE]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { familyOf } from '../src/catalog/catalog-benchmarks';
import type { CatalogFile } from '../src/catalog/catalog-bundled';
import {
  catalogModelFromOpenRouter,
  type OpenRouterModelEntry,
} from '../src/catalog/catalog-openrouter';
import { providerFacts } from '../src/catalog/catalog-providers';
import { type ModelFacts, scoreModelFromFacts } from '../src/catalog/catalog-scoring';
import type {
  CatalogModel,
  ModelCapabilities,
  ModelPerformance,
} from '../src/catalog/catalog-types';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const DATA_PROVENANCE = {
  modelsDev:
    'models.dev compiled API data (MIT; github anomalyco/models.dev, commit f3fc6922) — modelsdev_api_compiled.json.gz',
  litellm:
    "BerriAI/litellm's model_prices_and_context_window.json (MIT), via github RoCry/llm-api-price commit 8442b939 — litellm_model_prices_and_context_window.json",
  openRouter:
    "OpenRouter's public model list (synced 2026-05-15, as committed in models.dev) — openrouter_models_snapshot.json",
  benchmarks: 'src/catalog/catalog-benchmarks.ts (published results, one source per row)',
  scoring: 'src/catalog/catalog-scoring.ts (rules; docs/router.md)',
};

/** First-party cloud models in the bundle, by provider (ids as models.dev spells them). */
const FIRST_PARTY_MODELS: Readonly<Record<string, readonly string[]>> = {
  anthropic: [
    'claude-opus-4-8',
    'claude-opus-4-5',
    'claude-sonnet-5',
    'claude-sonnet-4-6',
    'claude-sonnet-4-5',
    'claude-haiku-4-5',
  ],
  openai: [
    'gpt-5.5',
    'gpt-5.4',
    'gpt-5.4-mini',
    'gpt-5.4-nano',
    'gpt-5',
    'gpt-5-mini',
    'gpt-5-nano',
    'gpt-4.1',
    'gpt-4.1-mini',
    'gpt-4.1-nano',
    'gpt-4o',
    'gpt-4o-mini',
    'o3',
    'o4-mini',
  ],
  google: [
    'gemini-3.1-pro-preview',
    'gemini-3.5-flash',
    'gemini-3-flash-preview',
    'gemini-3.1-flash-lite',
    'gemini-2.5-pro',
    'gemini-2.5-flash',
    'gemini-2.5-flash-lite',
  ],
  deepseek: ['deepseek-v4-pro', 'deepseek-v4-flash', 'deepseek-chat', 'deepseek-reasoner'],
  mistral: [
    'mistral-large-latest',
    'mistral-medium-latest',
    'mistral-small-latest',
    'codestral-latest',
    'devstral-latest',
    'magistral-medium-latest',
    'ministral-8b-latest',
    'ministral-3b-latest',
    'open-mistral-nemo',
  ],
};

/** Meta Llama and Qwen in the cloud, served through the OpenRouter gateway. */
const OPENROUTER_MODELS: readonly string[] = [
  'meta-llama/llama-3.3-70b-instruct',
  'meta-llama/llama-3.1-8b-instruct',
  'meta-llama/llama-4-maverick',
  'meta-llama/llama-4-scout',
  'qwen/qwen3-235b-a22b-2507',
  'qwen/qwen3-coder',
  'qwen/qwen3-max',
  'qwen/qwen3-32b',
  'qwen/qwen-2.5-72b-instruct',
  'qwen/qwen-2.5-7b-instruct',
];

interface LocalModelFacts {
  provider: 'webllm' | 'ollama';
  id: string;
  providerModelId: string;
  name: string;
  contextTokens: number;
  maxOutputTokens: number;
  capabilities: ModelCapabilities;
  performance: Omit<ModelPerformance, 'reasoningTokensPerRequest'>;
  releaseDate: string;
  limitsSource: string;
  performanceSource: string;
}

const WEBLLM_LIMITS_SOURCE =
  'mlc-ai/web-llm src/config.ts prebuiltAppConfig (commit 0251bb4a): context_window_size 4096 (the answer shares it with the prompt)';
const WEBLLM_SPEED_SOURCE =
  'est. from the WebLLM paper (arXiv:2412.15803: Llama-3.1-8B 41 tok/s, Phi-3.5-mini 71 tok/s, q4f16 on an Apple M3 Max), scaled ×0.6 for q4f32 on a typical laptop GPU';
const WEBLLM_CAPABILITIES: ModelCapabilities = {
  vision: false,
  tools: false,
  json: true,
  reasoning: false,
};
const OLLAMA_SPEED_SOURCE =
  'est. from Ollama community measurements (q4_K_M on a 24 GB GPU or Apple M-series); a prior that live measurements replace';
const OLLAMA_CAPABILITIES: ModelCapabilities = {
  vision: false,
  tools: true,
  json: true,
  reasoning: false,
};

const LOCAL_MODELS: readonly LocalModelFacts[] = [
  {
    provider: 'webllm',
    id: 'Llama-3.2-3B-Instruct-q4f32_1-MLC',
    providerModelId: 'Llama-3.2-3B-Instruct-q4f32_1-MLC',
    name: 'Llama 3.2 3B Instruct (WebLLM, q4f32)',
    contextTokens: 4096,
    maxOutputTokens: 4096,
    capabilities: WEBLLM_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 45,
      timeToFirstTokenMs: 600,
      prefillTokensPerSecond: 600,
    },
    releaseDate: '2024-09-25',
    limitsSource: `${WEBLLM_LIMITS_SOURCE}; vram_required_MB 2951.51`,
    performanceSource: WEBLLM_SPEED_SOURCE,
  },
  {
    provider: 'webllm',
    id: 'Llama-3.2-1B-Instruct-q4f32_1-MLC',
    providerModelId: 'Llama-3.2-1B-Instruct-q4f32_1-MLC',
    name: 'Llama 3.2 1B Instruct (WebLLM, q4f32)',
    contextTokens: 4096,
    maxOutputTokens: 4096,
    capabilities: WEBLLM_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 80,
      timeToFirstTokenMs: 400,
      prefillTokensPerSecond: 1200,
    },
    releaseDate: '2024-09-25',
    limitsSource: `${WEBLLM_LIMITS_SOURCE}; vram_required_MB 1128.82`,
    performanceSource: WEBLLM_SPEED_SOURCE,
  },
  {
    provider: 'webllm',
    id: 'Llama-3.1-8B-Instruct-q4f32_1-MLC',
    providerModelId: 'Llama-3.1-8B-Instruct-q4f32_1-MLC',
    name: 'Llama 3.1 8B Instruct (WebLLM, q4f32)',
    contextTokens: 4096,
    maxOutputTokens: 4096,
    capabilities: WEBLLM_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 25,
      timeToFirstTokenMs: 1200,
      prefillTokensPerSecond: 250,
    },
    releaseDate: '2024-07-23',
    limitsSource: `${WEBLLM_LIMITS_SOURCE}; vram_required_MB 6101.01`,
    performanceSource: WEBLLM_SPEED_SOURCE,
  },
  {
    provider: 'webllm',
    id: 'Qwen2.5-7B-Instruct-q4f32_1-MLC',
    providerModelId: 'Qwen2.5-7B-Instruct-q4f32_1-MLC',
    name: 'Qwen2.5 7B Instruct (WebLLM, q4f32)',
    contextTokens: 4096,
    maxOutputTokens: 4096,
    capabilities: WEBLLM_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 25,
      timeToFirstTokenMs: 1200,
      prefillTokensPerSecond: 250,
    },
    releaseDate: '2024-09-19',
    limitsSource: `${WEBLLM_LIMITS_SOURCE}; vram_required_MB 5900.09`,
    performanceSource: WEBLLM_SPEED_SOURCE,
  },
  {
    provider: 'webllm',
    id: 'Qwen2.5-Coder-7B-Instruct-q4f32_1-MLC',
    providerModelId: 'Qwen2.5-Coder-7B-Instruct-q4f32_1-MLC',
    name: 'Qwen2.5 Coder 7B Instruct (WebLLM, q4f32)',
    contextTokens: 4096,
    maxOutputTokens: 4096,
    capabilities: WEBLLM_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 25,
      timeToFirstTokenMs: 1200,
      prefillTokensPerSecond: 250,
    },
    releaseDate: '2024-09-19',
    limitsSource: `${WEBLLM_LIMITS_SOURCE}; vram_required_MB 5900.09`,
    performanceSource: WEBLLM_SPEED_SOURCE,
  },
  {
    provider: 'webllm',
    id: 'Phi-3.5-mini-instruct-q4f32_1-MLC',
    providerModelId: 'Phi-3.5-mini-instruct-q4f32_1-MLC',
    name: 'Phi-3.5 mini instruct (WebLLM, q4f32)',
    contextTokens: 4096,
    maxOutputTokens: 4096,
    capabilities: WEBLLM_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 40,
      timeToFirstTokenMs: 800,
      prefillTokensPerSecond: 400,
    },
    releaseDate: '2024-08-20',
    limitsSource: `${WEBLLM_LIMITS_SOURCE}; vram_required_MB 5483.12`,
    performanceSource: WEBLLM_SPEED_SOURCE,
  },
  {
    provider: 'ollama',
    id: 'llama-3.3-70b',
    providerModelId: 'llama3.3:70b',
    name: 'Llama 3.3 70B Instruct (Ollama)',
    contextTokens: 131_072,
    maxOutputTokens: 16_384,
    capabilities: OLLAMA_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 12,
      timeToFirstTokenMs: 1500,
      prefillTokensPerSecond: 150,
    },
    releaseDate: '2024-12-06',
    limitsSource:
      'Meta Llama 3.3 model card: 128k context; ollama.com/library/llama3.3 (set num_ctx to use it all); output cap chosen by the broker',
    performanceSource: OLLAMA_SPEED_SOURCE,
  },
  {
    provider: 'ollama',
    id: 'llama-3.1-8b',
    providerModelId: 'llama3.1:8b',
    name: 'Llama 3.1 8B Instruct (Ollama)',
    contextTokens: 131_072,
    maxOutputTokens: 16_384,
    capabilities: OLLAMA_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 60,
      timeToFirstTokenMs: 300,
      prefillTokensPerSecond: 1500,
    },
    releaseDate: '2024-07-23',
    limitsSource:
      'Meta Llama 3.1 model card: 128k context; ollama.com/library/llama3.1 (set num_ctx to use it all); output cap chosen by the broker',
    performanceSource: OLLAMA_SPEED_SOURCE,
  },
  {
    provider: 'ollama',
    id: 'qwen-2.5-7b',
    providerModelId: 'qwen2.5:7b',
    name: 'Qwen2.5 7B Instruct (Ollama)',
    contextTokens: 32_768,
    maxOutputTokens: 8_192,
    capabilities: OLLAMA_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 60,
      timeToFirstTokenMs: 300,
      prefillTokensPerSecond: 1500,
    },
    releaseDate: '2024-09-19',
    limitsSource: 'Qwen2.5 model card: 32k context, 8k generation; ollama.com/library/qwen2.5',
    performanceSource: OLLAMA_SPEED_SOURCE,
  },
  {
    provider: 'ollama',
    id: 'qwen-2.5-coder-32b',
    providerModelId: 'qwen2.5-coder:32b',
    name: 'Qwen2.5 Coder 32B Instruct (Ollama)',
    contextTokens: 32_768,
    maxOutputTokens: 8_192,
    capabilities: OLLAMA_CAPABILITIES,
    performance: {
      outputTokensPerSecond: 25,
      timeToFirstTokenMs: 800,
      prefillTokensPerSecond: 500,
    },
    releaseDate: '2024-11-12',
    limitsSource: 'Qwen2.5-Coder model card: 32k context; ollama.com/library/qwen2.5-coder',
    performanceSource: OLLAMA_SPEED_SOURCE,
  },
];

interface ModelsDevModel {
  id: string;
  name: string;
  release_date?: string;
  attachment?: boolean;
  reasoning?: boolean;
  tool_call?: boolean;
  structured_output?: boolean;
  open_weights?: boolean;
  cost?: { input?: number; output?: number; cache_read?: number };
  limit?: { context?: number; input?: number; output?: number };
  modalities?: { input?: string[]; output?: string[] };
}
type ModelsDev = Record<string, { models?: Record<string, ModelsDevModel> }>;

interface LiteLlmEntry {
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  cache_read_input_token_cost?: number;
  supports_response_schema?: boolean;
  supports_vision?: boolean;
}
type LiteLlm = Record<string, LiteLlmEntry>;

/** LiteLLM's key for a provider's model (it prefixes most providers but not OpenAI/Anthropic). */
function liteLlmEntry(
  litellm: LiteLlm,
  provider: string,
  id: string,
): [string, LiteLlmEntry] | undefined {
  const prefix = provider === 'google' ? 'gemini' : provider;
  for (const key of [id, `${prefix}/${id}`]) {
    const entry = litellm[key];
    if (entry) return [key, entry];
  }
  return undefined;
}

function perMTok(perToken: number | undefined): number | undefined {
  return perToken === undefined ? undefined : Math.round(perToken * 1e6 * 1e6) / 1e6;
}

function firstPartyModel(provider: string, model: ModelsDevModel, litellm: LiteLlm): CatalogModel {
  const where = `models.dev ${provider}/${model.id}`;
  const liteLlm = liteLlmEntry(litellm, provider, model.id);
  const facts = providerFacts(provider);
  const cost = model.cost ?? {};
  if (cost.input === undefined || cost.output === undefined) {
    throw new Error(`${where} has no price`);
  }
  const cachedFromLiteLlm = perMTok(liteLlm?.[1].cache_read_input_token_cost);
  const cachedInputPerMTok = cost.cache_read ?? cachedFromLiteLlm;
  const structured = model.structured_output ?? liteLlm?.[1].supports_response_schema;
  const capabilities: ModelCapabilities = {
    vision: model.modalities?.input?.includes('image') ?? false,
    tools: model.tool_call ?? false,
    // JSON output: native structured output, else the tool-call route the AI SDK uses for JSON.
    json: structured ?? model.tool_call ?? false,
    reasoning: model.reasoning ?? false,
  };
  const contextTokens = model.limit?.input ?? model.limit?.context ?? 0;
  const maxOutputTokens = model.limit?.output ?? 4096;
  const modelFacts: ModelFacts = {
    id: model.id,
    provider,
    location: facts.location,
    pricing: {
      inputPerMTok: cost.input,
      outputPerMTok: cost.output,
      ...(cachedInputPerMTok !== undefined ? { cachedInputPerMTok } : {}),
    },
    limits: { contextTokens, maxOutputTokens },
    capabilities,
    trainsOnPrompts: facts.trainsOnPrompts,
    ...(model.release_date ? { releaseDate: model.release_date } : {}),
    preview: /preview|exp/.test(model.id),
  };
  const family = familyOf(model.id);
  if (!family) throw new Error(`${where}: no family in catalog-benchmarks.ts`);
  const scored = scoreModelFromFacts(modelFacts, family);
  const liteLlmNote = liteLlm
    ? liteLlmPriceNote(liteLlm[0], liteLlm[1], cost.input, cost.output)
    : 'not in LiteLLM';
  return {
    id: model.id,
    provider,
    providerModelId: model.id,
    name: model.name,
    family,
    location: facts.location,
    pricing: modelFacts.pricing,
    limits: modelFacts.limits,
    capabilities,
    trainsOnPrompts: facts.trainsOnPrompts,
    scores: scored.scores,
    performance: scored.performance,
    sources: {
      ...scored.sources,
      pricing: `${where}: cost.input/output${cost.cache_read !== undefined ? '/cache_read' : cachedFromLiteLlm !== undefined ? `; cached input from LiteLLM ${liteLlm?.[0]}` : ''}; ${liteLlmNote}`,
      limits: `${where}: limit.${model.limit?.input ? 'input' : 'context'}, limit.output`,
      capabilities: `${where}: modalities.input, tool_call, reasoning, structured_output${model.structured_output === undefined && liteLlm ? ` (JSON: LiteLLM ${liteLlm[0]} supports_response_schema, else tool calls)` : ''}`,
      trainsOnPrompts: facts.trainingSource,
    },
    ...(model.release_date ? { releaseDate: model.release_date } : {}),
    openWeights: model.open_weights ?? false,
  };
}

function liteLlmPriceNote(key: string, entry: LiteLlmEntry, input: number, output: number): string {
  const liteInput = perMTok(entry.input_cost_per_token);
  const liteOutput = perMTok(entry.output_cost_per_token);
  if (liteInput === input && liteOutput === output) return `matches LiteLLM ${key}`;
  return `LiteLLM ${key} lists $${liteInput}/$${liteOutput} per MTok`;
}

function localModel(local: LocalModelFacts): CatalogModel {
  const facts = providerFacts(local.provider);
  const modelFacts: ModelFacts = {
    id: local.id,
    provider: local.provider,
    location: facts.location,
    pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    limits: { contextTokens: local.contextTokens, maxOutputTokens: local.maxOutputTokens },
    capabilities: local.capabilities,
    trainsOnPrompts: facts.trainsOnPrompts,
    releaseDate: local.releaseDate,
    performance: { ...local.performance, reasoningTokensPerRequest: 0 },
  };
  const family = familyOf(local.id);
  if (!family) throw new Error(`${local.provider}/${local.id}: no family in catalog-benchmarks.ts`);
  const scored = scoreModelFromFacts(modelFacts, family);
  return {
    id: local.id,
    provider: local.provider,
    providerModelId: local.providerModelId,
    name: local.name,
    family,
    location: facts.location,
    pricing: modelFacts.pricing,
    limits: modelFacts.limits,
    capabilities: local.capabilities,
    trainsOnPrompts: false,
    scores: scored.scores,
    performance: scored.performance,
    sources: {
      ...scored.sources,
      pricing: 'runs on the user’s machine: no per-token price',
      limits: local.limitsSource,
      capabilities:
        local.provider === 'webllm'
          ? 'WebLLM: JSON via response_format (XGrammar); tool calling only for Hermes models; text only'
          : 'Ollama API: tools and format=json supported for this model; text only',
      performance: local.performanceSource,
      trainsOnPrompts: facts.trainingSource,
    },
    releaseDate: local.releaseDate,
    openWeights: true,
  };
}

function readJson(path: string): unknown {
  const bytes = readFileSync(path);
  return JSON.parse((path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** Builds the whole catalog from the data directory. */
export function buildCatalog(dataDirectory: string): CatalogFile {
  const modelsDev = readJson(resolve(dataDirectory, 'modelsdev_api_compiled.json.gz')) as ModelsDev;
  const litellm = readJson(
    resolve(dataDirectory, 'litellm_model_prices_and_context_window.json'),
  ) as LiteLlm;
  const openRouter = readJson(resolve(dataDirectory, 'openrouter_models_snapshot.json')) as {
    data: OpenRouterModelEntry[];
  };

  const models: CatalogModel[] = [];
  for (const [provider, ids] of Object.entries(FIRST_PARTY_MODELS)) {
    for (const id of ids) {
      const model = modelsDev[provider]?.models?.[id];
      if (!model) throw new Error(`models.dev has no ${provider}/${id}`);
      models.push(firstPartyModel(provider, model, litellm));
    }
  }
  for (const id of OPENROUTER_MODELS) {
    const entry = openRouter.data.find((candidate) => candidate.id === id);
    const model = entry ? catalogModelFromOpenRouter(entry) : undefined;
    if (!model) throw new Error(`OpenRouter snapshot has no usable ${id}`);
    models.push(model);
  }
  for (const local of LOCAL_MODELS) models.push(localModel(local));
  return { generatedFrom: DATA_PROVENANCE, models };
}

function main(): void {
  const dataDirectory = resolve(projectRoot, argument('--data') ?? 'data/model-facts');
  const outFile = resolve(projectRoot, argument('--out') ?? 'src/catalog/catalog-data.json');
  const catalog = buildCatalog(dataDirectory);
  writeFileSync(outFile, `${JSON.stringify(catalog, null, 2)}\n`);
  // Keep the generated file in the repository's own format so `biome check` stays clean.
  execFileSync('npx', ['biome', 'format', '--write', outFile], {
    cwd: projectRoot,
    stdio: 'ignore',
  });
  console.log(`Wrote ${catalog.models.length} models to ${outFile}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
