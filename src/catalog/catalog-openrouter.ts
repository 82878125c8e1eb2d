/**
 * Catalog entries from OpenRouter's public model list (`GET https://openrouter.ai/api/v1/models`,
 * no key needed; a snapshot is in data/model-facts/openrouter_models_snapshot.json).
 * A model that appears there later than the bundled catalog is usable at once: its facts come from
 * the list, its scores from its family's published results (or the price prior) through
 * `scoreModelFromFacts` — no code change.
 */
import { familyOf } from './catalog-benchmarks';
import { providerFacts } from './catalog-providers';
import { type ModelFacts, scoreModelFromFacts } from './catalog-scoring';
import type { CatalogModel, ModelCapabilities } from './catalog-types';

/** The fields of one OpenRouter model-list entry the catalog reads. */
export interface OpenRouterModelEntry {
  id: string;
  name?: string;
  /** Epoch seconds when OpenRouter listed the model. */
  created?: number;
  context_length?: number | null;
  architecture?: {
    input_modalities?: string[];
    output_modalities?: string[];
  };
  /** USD per token, as decimal strings; `-1` marks a router whose price varies. */
  pricing?: { prompt?: string; completion?: string; input_cache_read?: string };
  top_provider?: { context_length?: number | null; max_completion_tokens?: number | null };
  supported_parameters?: string[];
  hugging_face_id?: string | null;
}

const OPENROUTER_PROVIDER = 'openrouter';
const SOURCE = 'OpenRouter model list (openrouter.ai/api/v1/models)';
/** When OpenRouter does not publish an output cap, assume a common one (and say so). */
const ASSUMED_MAX_OUTPUT_TOKENS = 16_384;
const PREVIEW_PATTERN = /preview|experimental|\bexp\b|beta/;

function usdPerMTok(perToken: string | undefined): number | undefined {
  if (perToken === undefined || perToken === '') return undefined;
  const value = Number(perToken);
  return Number.isFinite(value) ? value * 1_000_000 : undefined;
}

function capabilitiesOf(entry: OpenRouterModelEntry): ModelCapabilities {
  const parameters = new Set(entry.supported_parameters ?? []);
  return {
    vision: entry.architecture?.input_modalities?.includes('image') ?? false,
    tools: parameters.has('tools'),
    json: parameters.has('response_format') || parameters.has('structured_outputs'),
    reasoning: parameters.has('reasoning') || parameters.has('include_reasoning'),
  };
}

/** Aliases (`~vendor/…-latest`) and OpenRouter's own routers are not models of their own. */
function isRoutableModel(entry: OpenRouterModelEntry): boolean {
  if (entry.id.startsWith('~') || entry.id.startsWith('openrouter/')) return false;
  const outputs = entry.architecture?.output_modalities;
  return outputs === undefined || outputs.includes('text');
}

/**
 * One catalog entry (served through the `openrouter` gateway) from one model-list entry, or
 * undefined when the entry is not a text model with a fixed, non-negative price.
 */
export function catalogModelFromOpenRouter(entry: OpenRouterModelEntry): CatalogModel | undefined {
  if (!isRoutableModel(entry)) return undefined;
  const inputPerMTok = usdPerMTok(entry.pricing?.prompt);
  const outputPerMTok = usdPerMTok(entry.pricing?.completion);
  if (inputPerMTok === undefined || outputPerMTok === undefined) return undefined;
  if (inputPerMTok < 0 || outputPerMTok < 0) return undefined;
  const cachedInputPerMTok = usdPerMTok(entry.pricing?.input_cache_read);

  const contextTokens = entry.top_provider?.context_length ?? entry.context_length ?? 0;
  if (contextTokens <= 0) return undefined;
  const publishedMaxOutput = entry.top_provider?.max_completion_tokens ?? undefined;
  const maxOutputTokens = publishedMaxOutput ?? Math.min(contextTokens, ASSUMED_MAX_OUTPUT_TOKENS);
  const releaseDate =
    entry.created !== undefined
      ? new Date(entry.created * 1000).toISOString().slice(0, 10)
      : undefined;
  const provider = providerFacts(OPENROUTER_PROVIDER);
  const lowerId = entry.id.toLowerCase();

  const facts: ModelFacts = {
    id: entry.id,
    provider: OPENROUTER_PROVIDER,
    location: provider.location,
    pricing: {
      inputPerMTok,
      outputPerMTok,
      ...(cachedInputPerMTok !== undefined && cachedInputPerMTok >= 0
        ? { cachedInputPerMTok }
        : {}),
    },
    limits: { contextTokens, maxOutputTokens },
    capabilities: capabilitiesOf(entry),
    trainsOnPrompts: provider.trainsOnPrompts,
    ...(releaseDate ? { releaseDate } : {}),
    preview: PREVIEW_PATTERN.test(lowerId),
    rateLimitedFree: lowerId.endsWith(':free'),
  };
  const family = familyOf(entry.id);
  const scored = scoreModelFromFacts(facts, family);
  return {
    id: entry.id,
    provider: OPENROUTER_PROVIDER,
    providerModelId: entry.id,
    name: entry.name ?? entry.id,
    family: family ?? `${entry.id.split('/')[0] ?? 'unknown'}/unknown`,
    location: facts.location,
    pricing: facts.pricing,
    limits: facts.limits,
    capabilities: facts.capabilities,
    trainsOnPrompts: facts.trainsOnPrompts,
    scores: scored.scores,
    performance: scored.performance,
    sources: {
      ...scored.sources,
      pricing: `${SOURCE}: pricing.prompt/completion/input_cache_read (USD per token)`,
      limits: `${SOURCE}: top_provider.context_length, ${publishedMaxOutput !== undefined ? 'top_provider.max_completion_tokens' : `max output not published, assumed ${maxOutputTokens}`}`,
      capabilities: `${SOURCE}: architecture.input_modalities, supported_parameters`,
      trainsOnPrompts: provider.trainingSource,
    },
    ...(releaseDate ? { releaseDate } : {}),
    openWeights: Boolean(entry.hugging_face_id),
  };
}

/** Every usable model of an OpenRouter model list (`{ data: [...] }` or a bare array). */
export function catalogFromOpenRouter(modelList: unknown): CatalogModel[] {
  const entries = Array.isArray(modelList)
    ? modelList
    : typeof modelList === 'object' && modelList !== null && 'data' in modelList
      ? (modelList as { data: unknown }).data
      : [];
  if (!Array.isArray(entries)) return [];
  const models: CatalogModel[] = [];
  for (const entry of entries) {
    if (!isOpenRouterEntry(entry)) continue;
    const model = catalogModelFromOpenRouter(entry);
    if (model) models.push(model);
  }
  return models;
}

function isOpenRouterEntry(value: unknown): value is OpenRouterModelEntry {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { id?: unknown }).id === 'string'
  );
}
