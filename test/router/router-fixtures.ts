/**
 * Shared inputs for the router tests: states over the bundled catalog, and small catalogs built
 * with the real scoring rules (no hand-written scores).
 */
import { familyOf } from '../../src/catalog/catalog-benchmarks';
import { loadBundledCatalog } from '../../src/catalog/catalog-bundled';
import { providerFacts } from '../../src/catalog/catalog-providers';
import { scoreModelFromFacts } from '../../src/catalog/catalog-scoring';
import type { CatalogModel } from '../../src/catalog/catalog-types';
import type { RoutingState } from '../../src/router/router-types';

export const catalog = loadBundledCatalog();

/** Every provider of the catalog available at priority 100, every local model downloaded. */
export function everythingAvailable(overrides: Partial<RoutingState> = {}): RoutingState {
  const providers = [...new Set(catalog.map((model) => model.provider))];
  return {
    providers: Object.fromEntries(
      providers.map((provider) => [provider, { available: true, priority: 100 }]),
    ),
    localModels: catalog.filter((model) => model.location === 'local').map((model) => model.id),
    cooldowns: {},
    budgetLeftUsd: 100,
    now: Date.UTC(2026, 10, 23),
    ...overrides,
  };
}

/** The seed example: Anthropic 100, local 80, OpenAI 60, DeepSeek 40. */
export function seedState(overrides: Partial<RoutingState> = {}): RoutingState {
  return {
    providers: {
      anthropic: { available: true, priority: 100 },
      local: { available: true, priority: 80 },
      openai: { available: true, priority: 60 },
      deepseek: { available: true, priority: 40 },
    },
    localModels: ['llama-3.3-70b'],
    cooldowns: {},
    budgetLeftUsd: 100,
    now: Date.UTC(2026, 10, 23),
    ...overrides,
  };
}

export function bundled(provider: string, id: string): CatalogModel {
  const model = catalog.find((entry) => entry.provider === provider && entry.id === id);
  if (!model) throw new Error(`no ${provider}/${id} in the bundled catalog`);
  return model;
}

/** A catalog entry scored by the real rules from a few facts. */
export function modelFromFacts(
  id: string,
  provider: string,
  facts: {
    inputPerMTok: number;
    outputPerMTok: number;
    contextTokens?: number;
    maxOutputTokens?: number;
    family?: string;
  },
): CatalogModel {
  const where = providerFacts(provider);
  const base = {
    id,
    provider,
    location: where.location,
    pricing: { inputPerMTok: facts.inputPerMTok, outputPerMTok: facts.outputPerMTok },
    limits: {
      contextTokens: facts.contextTokens ?? 128_000,
      maxOutputTokens: facts.maxOutputTokens ?? 8_192,
    },
    capabilities: { vision: false, tools: true, json: true, reasoning: false },
    trainsOnPrompts: where.trainsOnPrompts,
  };
  const family = facts.family ?? familyOf(id);
  const scored = scoreModelFromFacts(base, family);
  return {
    ...base,
    providerModelId: id,
    name: id,
    family: family ?? 'unknown',
    scores: scored.scores,
    performance: scored.performance,
    sources: scored.sources,
  };
}
