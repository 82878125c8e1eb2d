import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogModelProblem } from '../../src/catalog/catalog-bundled';
import {
  catalogFromOpenRouter,
  catalogModelFromOpenRouter,
  type OpenRouterModelEntry,
} from '../../src/catalog/catalog-openrouter';

const snapshot = JSON.parse(
  readFileSync(
    resolve(import.meta.dirname, '../../data/model-facts/openrouter_models_snapshot.json'),
    'utf8',
  ),
) as { data: OpenRouterModelEntry[] };

function entry(id: string): OpenRouterModelEntry {
  const found = snapshot.data.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no ${id} in the snapshot`);
  return found;
}

describe('catalogModelFromOpenRouter', () => {
  it('reads prices (USD per token → per million), limits and capabilities', () => {
    const source = entry('anthropic/claude-sonnet-4.5');
    const model = catalogModelFromOpenRouter(source)!;
    expect(model.provider).toBe('openrouter');
    expect(model.location).toBe('gateway');
    expect(model.pricing.inputPerMTok).toBeCloseTo(Number(source.pricing!.prompt) * 1e6, 9);
    expect(model.pricing.outputPerMTok).toBeCloseTo(Number(source.pricing!.completion) * 1e6, 9);
    expect(model.limits.contextTokens).toBe(source.top_provider!.context_length);
    expect(model.capabilities.vision).toBe(
      source.architecture!.input_modalities!.includes('image'),
    );
    expect(model.capabilities.tools).toBe(source.supported_parameters!.includes('tools'));
    expect(model.family).toBe('anthropic/claude-sonnet');
    expect(catalogModelProblem(model)).toBeUndefined();
  });

  it('scores a model from its family: Sonnet above Haiku in quality, Haiku cheaper', () => {
    const sonnet = catalogModelFromOpenRouter(entry('anthropic/claude-sonnet-4.5'))!;
    const haiku = catalogModelFromOpenRouter(entry('anthropic/claude-haiku-4.5'))!;
    expect(sonnet.scores.coding).toBeGreaterThan(haiku.scores.coding);
    expect(haiku.scores.costEfficiency).toBeGreaterThan(sonnet.scores.costEfficiency);
    expect(sonnet.sources.benchmarks).toMatch(/Claude Sonnet 4\.5/);
  });

  it('marks free variants as less reliable', () => {
    const paid = catalogModelFromOpenRouter(entry('meta-llama/llama-3.3-70b-instruct'))!;
    const free = catalogModelFromOpenRouter(entry('meta-llama/llama-3.3-70b-instruct:free'))!;
    expect(free.scores.reliability).toBeLessThan(paid.scores.reliability);
  });

  it('skips routers, aliases and entries without a fixed price', () => {
    expect(catalogModelFromOpenRouter(entry('openrouter/auto'))).toBeUndefined();
    expect(catalogModelFromOpenRouter(entry('~anthropic/claude-sonnet-latest'))).toBeUndefined();
    expect(
      catalogModelFromOpenRouter({
        id: 'x/y',
        pricing: { prompt: '-1', completion: '-1' },
        context_length: 1000,
      }),
    ).toBeUndefined();
  });

  it('assumes an output cap when none is published, and says so', () => {
    const model = catalogModelFromOpenRouter({
      id: 'acme/new-model',
      name: 'Acme New',
      created: 1_780_000_000,
      context_length: 64_000,
      pricing: { prompt: '0.000001', completion: '0.000002' },
      top_provider: { context_length: 64_000, max_completion_tokens: null },
      supported_parameters: ['tools', 'response_format'],
    })!;
    expect(model.limits.maxOutputTokens).toBe(16_384);
    expect(model.sources.limits).toMatch(/assumed/);
    expect(model.family).toBe('acme/unknown');
    expect(model.sources.benchmarks).toMatch(/price prior/);
    expect(model.releaseDate).toBe('2026-05-28');
  });
});

describe('catalogFromOpenRouter', () => {
  it('turns the whole public list into valid catalog entries', () => {
    const models = catalogFromOpenRouter(snapshot);
    expect(models.length).toBeGreaterThan(300);
    for (const model of models) expect(catalogModelProblem(model)).toBeUndefined();
    expect(catalogFromOpenRouter(snapshot.data)).toHaveLength(models.length);
    expect(catalogFromOpenRouter({})).toEqual([]);
  });
});
