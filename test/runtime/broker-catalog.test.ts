/**
 * A refreshed model list is what the broker routes over: at once after the refresh, and after a
 * restart (read back from storage); going back to the bundled list drops the new models again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fetchOpenRouterCatalog } from '../../src/catalog/catalog-refresh';
import {
  LATER,
  laterList,
  type ModelListServer,
  startModelListServer,
} from '../fixtures/model-list-server';
import { type BrokerWorld, createWorld, ORIGIN } from './broker-world';

let world: BrokerWorld;
let list: ModelListServer;
afterEach(async () => {
  await world?.close();
  await list?.close();
});

describe('the refreshed catalog', () => {
  it('routes to a model the bundled catalog does not know, now and after a restart', async () => {
    world = await createWorld({ providers: { openrouter: 100 } });
    list = await startModelListServer({ kind: 'list', body: laterList() });
    const ids = async (broker = world.broker) =>
      (await broker.models(ORIGIN)).map((model) => model.id);
    expect(await ids()).not.toContain(LATER.added);
    expect(await ids()).toContain(LATER.removed);

    const models = await fetchOpenRouterCatalog(list.url);
    await world.storage.catalog.save({ fetchedAt: Date.now(), sourceUrl: list.url, models });
    world.broker.catalogChanged(models);
    expect(await ids()).toContain(LATER.added);
    expect(await ids()).not.toContain(LATER.removed);

    const restarted = world.restart();
    expect(await ids(restarted)).toContain(LATER.added);
    const catalog = await restarted.currentCatalog();
    expect(catalog.find((model) => model.id === LATER.repriced)?.pricing.inputPerMTok).toBeCloseTo(
      0.5,
      9,
    );

    // And a request from a site is answered through it (the loopback OpenRouter serves any id).
    const result = await restarted.run(
      ORIGIN,
      { prompt: 'Describe a rocket.', hints: { quality: 'best' } },
      { signal: new AbortController().signal },
    );
    expect(result.model.provider).toBe('openrouter');

    await world.storage.catalog.clear();
    restarted.catalogChanged(undefined);
    expect(await ids(restarted)).not.toContain(LATER.added);
  });
});
