import { afterEach, describe, expect, it } from 'vitest';
import { loadBundledCatalog, modelKey } from '../../src/catalog/catalog-bundled';
import {
  CatalogRefreshError,
  catalogChanges,
  fetchOpenRouterCatalog,
  type RefreshProgress,
  withRefreshed,
} from '../../src/catalog/catalog-refresh';
import { route } from '../../src/router';
import {
  LATER,
  laterList,
  type ModelListServer,
  snapshotList,
  startModelListServer,
} from '../fixtures/model-list-server';
import { everythingAvailable } from '../router/router-fixtures';
import { openTestStorage } from '../storage/storage-test-helpers';

let server: ModelListServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('refreshing the catalog from a model list', () => {
  it('downloads with progress and reads every usable model', async () => {
    server = await startModelListServer({ kind: 'list', body: snapshotList() });
    const progress: RefreshProgress[] = [];
    const models = await fetchOpenRouterCatalog(server.url, {
      onProgress: (step) => progress.push(step),
    });
    expect(models.length).toBeGreaterThan(200);
    expect(models.every((model) => model.provider === 'openrouter')).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    const last = progress.at(-1)!;
    expect(last.receivedBytes).toBe(last.totalBytes);
    expect(progress[0]!.receivedBytes).toBeLessThan(last.receivedBytes);
  });

  it('says why a refresh failed, in words a person can act on', async () => {
    server = await startModelListServer({ kind: 'error', status: 503 });
    await expect(fetchOpenRouterCatalog(server.url)).rejects.toThrow(/answered HTTP 503/);
    server.reply = { kind: 'text', body: '<html>Sign in</html>' };
    await expect(fetchOpenRouterCatalog(server.url)).rejects.toThrow(/not JSON/);
    server.reply = { kind: 'list', body: { data: [{ id: 'x' }] } };
    await expect(fetchOpenRouterCatalog(server.url)).rejects.toThrow(/no model/);
    const closed = server.url;
    await server.close();
    server = undefined;
    const error = await fetchOpenRouterCatalog(closed).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(CatalogRefreshError);
    expect((error as Error).message).toMatch(/Could not reach 127\.0\.0\.1/);
  });

  it('replaces the bundled OpenRouter entries and says what changed', async () => {
    server = await startModelListServer({ kind: 'list', body: laterList() });
    const bundled = loadBundledCatalog();
    const refreshed = await fetchOpenRouterCatalog(server.url);
    const catalog = withRefreshed(bundled, refreshed);
    expect(catalog.filter((model) => model.provider === 'anthropic')).toEqual(
      bundled.filter((model) => model.provider === 'anthropic'),
    );
    expect(catalog.filter((model) => model.provider === 'openrouter')).toEqual(refreshed);
    const changes = catalogChanges(bundled, catalog);
    expect(changes.added.map((model) => model.id)).toContain(LATER.added);
    expect(changes.removed.map((model) => model.id)).toEqual([LATER.removed]);
    const repriced = changes.repriced.find(({ model }) => model.id === LATER.repriced)!;
    expect(repriced.model.pricing.inputPerMTok).toBeCloseTo(0.5, 9);
    expect(withRefreshed(bundled, undefined)).toBe(bundled);

    // The new model is usable at once: with only OpenRouter, a vision request can land on it.
    const plan = route(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this photo?' },
              { type: 'image', image: 'data:image/png;base64,AAAA' },
            ],
          },
        ],
        hints: { quality: 'best' },
      },
      catalog,
      everythingAvailable({
        providers: { openrouter: { available: true, priority: 100 } },
        localModels: [],
      }),
    );
    const keys = plan.explanation.candidates.map(({ model }) => modelKey(model));
    expect(keys).toContain(`openrouter/${LATER.added}`);
  });

  it('is stored, read back validated, and a damaged row falls back to the bundled catalog', async () => {
    server = await startModelListServer({ kind: 'list', body: laterList() });
    const models = await fetchOpenRouterCatalog(server.url);
    const { storage } = openTestStorage('catalog');
    expect(await storage.catalog.get()).toBeUndefined();
    await storage.catalog.save({ fetchedAt: 1, sourceUrl: server.url, models });
    const read = await storage.catalog.get();
    expect(read?.models).toHaveLength(models.length);
    expect(read?.sourceUrl).toBe(server.url);
    await expect(
      storage.catalog.save({ fetchedAt: 2, sourceUrl: server.url, models: [{ id: 'x' } as never] }),
    ).rejects.toThrow(TypeError);
    await storage.database.catalogs.put({
      id: 'refreshed',
      fetchedAt: 3,
      sourceUrl: server.url,
      json: '[{"id":1}]',
    });
    expect(await storage.catalog.get()).toBeUndefined();
    storage.close();
  });
});
