import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../scripts/build-catalog';
import {
  catalogModelProblem,
  loadBundledCatalog,
  mergeCatalogs,
  parseCatalog,
} from '../../src/catalog/catalog-bundled';
import { CRITERIA } from '../../src/catalog/catalog-types';

const root = resolve(import.meta.dirname, '../..');
const factsDirectory = resolve(root, 'data/model-facts');
const catalog = loadBundledCatalog();

describe('the bundled catalog', () => {
  it('is what `npm run catalog` builds from the model facts today', () => {
    const rebuilt = buildCatalog(factsDirectory);
    expect(JSON.parse(JSON.stringify(rebuilt.models))).toEqual(JSON.parse(JSON.stringify(catalog)));
  });

  it('covers every provider family the product promises', () => {
    const providers = new Set(catalog.map((model) => model.provider));
    for (const provider of [
      'anthropic',
      'openai',
      'google',
      'deepseek',
      'mistral',
      'openrouter',
      'ollama',
      'webllm',
    ]) {
      expect(providers).toContain(provider);
    }
    const families = catalog.map((model) => model.family);
    expect(families.some((family) => family.startsWith('meta/'))).toBe(true);
    expect(families.some((family) => family.startsWith('qwen/'))).toBe(true);
    const ids = catalog.map((model) => `${model.provider}/${model.id}`);
    expect(ids).toContain('webllm/Llama-3.2-3B-Instruct-q4f32_1-MLC');
    expect(ids).toContain('webllm/Qwen2.5-7B-Instruct-q4f32_1-MLC');
    expect(ids).toContain('webllm/Phi-3.5-mini-instruct-q4f32_1-MLC');
    expect(ids).toContain('ollama/llama-3.3-70b');
  });

  it('has unique ids, valid entries and all 16 scores in [0, 1]', () => {
    const keys = catalog.map((model) => `${model.provider}/${model.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const model of catalog) {
      expect(catalogModelProblem(model)).toBeUndefined();
      expect(Object.keys(model.scores).sort()).toEqual([...CRITERIA].sort());
    }
  });

  it('keeps the source of every figure', () => {
    for (const model of catalog) {
      for (const field of [
        'pricing',
        'limits',
        'capabilities',
        'trainsOnPrompts',
        'benchmarks',
        ...CRITERIA,
      ]) {
        expect(model.sources[field], `${model.provider}/${model.id} ${field}`).toBeTruthy();
      }
    }
  });

  it('takes prices and limits from models.dev for first-party models', () => {
    const modelsDev = JSON.parse(
      gunzipSync(readFileSync(resolve(factsDirectory, 'modelsdev_api_compiled.json.gz'))).toString(
        'utf8',
      ),
    ) as Record<
      string,
      {
        models: Record<
          string,
          { cost: { input: number; output: number }; limit: { output: number } }
        >;
      }
    >;
    for (const model of catalog.filter((entry) => entry.location === 'cloud')) {
      const facts = modelsDev[model.provider]?.models[model.id];
      expect(facts, model.id).toBeDefined();
      expect(model.pricing.inputPerMTok).toBe(facts!.cost.input);
      expect(model.pricing.outputPerMTok).toBe(facts!.cost.output);
      expect(model.limits.maxOutputTokens).toBe(facts!.limit.output);
    }
  });

  it('local models are free, private and never train on prompts', () => {
    for (const model of catalog.filter((entry) => entry.location === 'local')) {
      expect(model.pricing).toEqual({ inputPerMTok: 0, outputPerMTok: 0 });
      expect(model.trainsOnPrompts).toBe(false);
      expect(model.scores.privacy).toBe(1);
      expect(model.scores.costEfficiency).toBe(1);
    }
  });

  it('is the same frozen array on every load', () => {
    expect(loadBundledCatalog()).toBe(catalog);
    expect(Object.isFrozen(catalog)).toBe(true);
  });
});

describe('parseCatalog', () => {
  it('accepts a catalog file or an array, and names the first bad entry', () => {
    expect(parseCatalog({ models: [...catalog] })).toHaveLength(catalog.length);
    const broken = structuredClone([...catalog]);
    broken[3]!.scores.coding = 1.5;
    expect(() => parseCatalog(broken)).toThrow('Catalog entry 3: score coding is not in [0, 1].');
    expect(() => parseCatalog('nope')).toThrow(TypeError);
  });
});

describe('mergeCatalogs', () => {
  it('replaces entries with the same provider and id and appends new ones', () => {
    const first = catalog[0]!;
    const updated = { ...first, name: 'Renamed' };
    const added = { ...first, id: 'brand-new' };
    const merged = mergeCatalogs(catalog, [updated, added]);
    expect(merged).toHaveLength(catalog.length + 1);
    expect(merged[0]).toBe(updated);
    expect(merged.at(-1)).toBe(added);
  });
});
