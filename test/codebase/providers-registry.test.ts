/**
 * A test about the codebase (docs/architecture.md §8, like refined-github's features test): every
 * provider file has its registry line, catalog entries and a fixture test, and says the same
 * about privacy as the catalog the router filters on. Adding a provider without them fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDER_FACTS } from '../../src/catalog/catalog-providers';
import type { CatalogModel } from '../../src/catalog/catalog-types';
import { PROVIDERS } from '../../src/providers/provider-registry';
import type { ProviderDefinition } from '../../src/providers/provider-types';

const PROVIDERS_DIRECTORY = new URL('../../src/providers/', import.meta.url);
const PROVIDER_TESTS_DIRECTORY = new URL('../providers/', import.meta.url);
const catalog = JSON.parse(
  readFileSync(new URL('../../src/catalog/catalog-data.json', import.meta.url), 'utf8'),
) as { models: CatalogModel[] };

/**
 * Registered providers with no catalog entries, and why. Each must be able to list its models,
 * so the runtime can tell the router what is ready.
 */
const DISCOVERS_MODELS_AT_RUN_TIME: Record<string, string> = {
  'local-server':
    'a generic OpenAI-compatible server (LM Studio, llama.cpp) serves whatever the person has loaded; no fixed model list exists',
};

/**
 * Catalog providers that are not HTTP providers, and why. They never go through this registry.
 */
const SERVED_OUTSIDE_THE_REGISTRY: Record<string, string> = {
  webllm: 'runs in the offscreen document on WebGPU (@mlc-ai/web-llm), not over HTTP',
};

const manifest = JSON.parse(
  readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8'),
) as { host_permissions?: string[] };

/** Whether a match pattern like `https://api.openai.com/*` covers a URL (host and scheme). */
function hostPermissionCovers(pattern: string, url: URL): boolean {
  const match = /^(\*|https?):\/\/([^/]+)\//.exec(pattern);
  if (!match) return false;
  const [, scheme, host] = match;
  const schemeFits =
    scheme === '*' ? /^https?:$/.test(url.protocol) : url.protocol === `${scheme}:`;
  const hostFits =
    host === '*' ||
    host === url.hostname ||
    (host?.startsWith('*.') && url.hostname.endsWith(host.slice(1)));
  return schemeFits && hostFits === true;
}

const providerFiles = readdirSync(PROVIDERS_DIRECTORY)
  .filter((file) => file.endsWith('-provider.ts'))
  .sort();

function isProviderDefinition(value: unknown): value is ProviderDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProviderDefinition).id === 'string' &&
    typeof (value as ProviderDefinition).createModel === 'function'
  );
}

function catalogEntriesOf(id: string): CatalogModel[] {
  return catalog.models.filter((model) => model.provider === id);
}

describe('every provider file', () => {
  it('exists for each registered provider, named after its id', () => {
    expect(providerFiles.length).toBeGreaterThan(0);
    expect(PROVIDERS.map((provider) => `${provider.id}-provider.ts`).sort()).toEqual(providerFiles);
  });

  it.each(providerFiles)(
    '%s exports one definition, and it has its registry line',
    async (file) => {
      const module = (await import(new URL(file, PROVIDERS_DIRECTORY).href)) as Record<
        string,
        unknown
      >;
      const definitions = Object.values(module).filter(isProviderDefinition);
      expect(definitions).toHaveLength(1);
      const [definition] = definitions;
      expect(definition?.id).toBe(file.replace(/-provider\.ts$/, ''));
      expect(PROVIDERS).toContain(definition);
    },
  );
});

describe.each(PROVIDERS.map((provider) => [provider.id, provider] as const))(
  'provider %s',
  (id, provider) => {
    it('has catalog entries, or discovers its models at run time', () => {
      const entries = catalogEntriesOf(id);
      if (id in DISCOVERS_MODELS_AT_RUN_TIME) {
        expect(entries).toEqual([]);
        expect(provider.listModels).toBeTypeOf('function');
      } else {
        expect(entries.length).toBeGreaterThan(0);
      }
    });

    it('names the terms its privacy facts come from', () => {
      const { location, source } = provider.privacy;
      if (location === 'local') expect(source).not.toBe('');
      else expect(source).toMatch(/^https:\/\/\S+: \S/);
    });

    it('says what the catalog says about where prompts go and training', () => {
      for (const entry of catalogEntriesOf(id)) {
        expect({
          id: entry.id,
          location: entry.location,
          trainsOnPrompts: entry.trainsOnPrompts,
        }).toEqual({
          id: entry.id,
          location: provider.privacy.location,
          trainsOnPrompts: provider.privacy.trainsOnPrompts,
        });
      }
      const facts = PROVIDER_FACTS[id];
      if (facts) {
        expect({ location: facts.location, trainsOnPrompts: facts.trainsOnPrompts }).toEqual({
          location: provider.privacy.location,
          trainsOnPrompts: provider.privacy.trainsOnPrompts,
        });
      }
    });

    it('has a fixture test that streams an answer and checks a key', () => {
      const test = readFileSync(
        new URL(`${id}-provider.test.ts`, PROVIDER_TESTS_DIRECTORY),
        'utf8',
      );
      expect(test).toContain("from '../fixtures/provider-server'");
      expect(test).toContain('.createModel(');
      expect(test).toContain('.checkKey(');
    });

    it('tells people where keys come from exactly when it needs one', () => {
      if (provider.requiresKey) expect(provider.keyUrl).toMatch(/^https:\/\//);
      else expect(provider.privacy.location).toBe('local');
    });

    it('can reach its default address: the manifest grants the host', () => {
      const url = new URL(provider.defaultBaseUrl);
      const patterns = manifest.host_permissions ?? [];
      expect(
        patterns.some((pattern) => hostPermissionCovers(pattern, url)),
        `${url.origin} in host_permissions`,
      ).toBe(true);
    });

    it('is a gateway exactly when its prompts go through one', () => {
      expect(provider.isGateway === true).toBe(provider.privacy.location === 'gateway');
    });
  },
);

describe('the catalog', () => {
  it('names only providers that are registered or served elsewhere for a stated reason', () => {
    const registered = new Set(PROVIDERS.map((provider) => provider.id));
    const unserved = [...new Set(catalog.models.map((model) => model.provider))].filter(
      (id) => !registered.has(id) && !(id in SERVED_OUTSIDE_THE_REGISTRY),
    );
    expect(unserved).toEqual([]);
  });
});
