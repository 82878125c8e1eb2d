import { afterEach, describe, expect, it } from 'vitest';
import type { LlmResult } from '../../src/protocol/llm-result';
import { createBrokerStorage } from '../../src/storage/storage-broker';
import { openTestStorage, type TestStorage } from './storage-test-helpers';

const SITE = 'https://site.example';
const OTHER_SITE = 'https://other.example';

let opened: Array<{ close(): void }> = [];
function open(): TestStorage {
  const test = openTestStorage('stats-cache');
  opened.push(test.storage);
  return test;
}
afterEach(() => {
  for (const storage of opened) storage.close();
  opened = [];
});

function result(text: string): LlmResult {
  return {
    requestId: `id-${text.length}`,
    text,
    model: { provider: 'openai', id: 'gpt-test', location: 'cloud' },
    usage: { inputTokens: 10, outputTokens: 5 },
    costUsd: 0.0001,
    latencyMs: 300,
    attempts: [],
    finishReason: 'stop',
  };
}

const sizeOf = (value: LlmResult) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

describe('router stats', () => {
  it('survives a restart as the same JSON', async () => {
    const test = open();
    expect(await test.storage.routerStats.load()).toBeUndefined();
    const stats = {
      version: 1,
      models: { 'openai/gpt-test': { ttftMs: [120, 340], failures: 2 } },
    };
    await test.storage.routerStats.save(stats);
    const restarted = createBrokerStorage(test.databaseName, { now: test.clock.now });
    opened.push(restarted);
    expect(await restarted.routerStats.load()).toEqual({ stats, savedAt: test.clock.time });
    await restarted.routerStats.clear();
    expect(await test.storage.routerStats.load()).toBeUndefined();
  });

  it('refuses what JSON cannot hold', async () => {
    const { storage } = open();
    await expect(storage.routerStats.save(undefined)).rejects.toThrow(TypeError);
    await expect(storage.routerStats.save({ big: 1n })).rejects.toThrow(TypeError);
  });
});

describe('response cache', () => {
  it('answers within the TTL, per origin only', async () => {
    const { storage, clock } = open();
    await storage.responseCache.put(SITE, 'k1', result('hello'), 60_000);
    expect((await storage.responseCache.get(SITE, 'k1'))?.text).toBe('hello');
    expect(await storage.responseCache.get(OTHER_SITE, 'k1')).toBeUndefined();
    clock.time += 60_000;
    expect(await storage.responseCache.get(SITE, 'k1')).toBeUndefined();
    expect(await storage.responseCache.totalBytes()).toBe(0); // the expired entry went on read
  });

  it('uses the TTL setting by default and prunes expired entries', async () => {
    const { storage, clock } = open();
    await storage.settings.update({ responseCacheTtlMs: 1000 });
    await storage.responseCache.put(SITE, 'short', result('a'));
    await storage.responseCache.put(SITE, 'long', result('b'), 10_000);
    clock.time += 1000;
    expect(await storage.responseCache.pruneExpired()).toBe(1);
    expect(await storage.responseCache.get(SITE, 'long')).toBeDefined();
    expect(await storage.responseCache.totalBytes()).toBe(sizeOf(result('b')));
  });

  it('evicts the oldest entries to stay within the size bound', async () => {
    const { storage, clock } = open();
    const entrySize = sizeOf(result('x'.repeat(100)));
    await storage.settings.update({ responseCacheMaxBytes: entrySize * 3 });
    for (const key of ['k1', 'k2', 'k3', 'k4']) {
      clock.time += 1;
      expect(await storage.responseCache.put(SITE, key, result('x'.repeat(100)))).toBe(true);
    }
    expect(await storage.responseCache.get(SITE, 'k1')).toBeUndefined();
    expect(await storage.responseCache.get(SITE, 'k4')).toBeDefined();
    expect(await storage.responseCache.totalBytes()).toBe(entrySize * 3);
    // Replacing an entry does not count it twice; an entry larger than the bound is not kept.
    await storage.responseCache.put(SITE, 'k4', result('x'.repeat(100)));
    expect(await storage.responseCache.totalBytes()).toBe(entrySize * 3);
    expect(await storage.responseCache.put(SITE, 'huge', result('x'.repeat(10_000)))).toBe(false);
  });

  it('clears one origin or everything, keeping the byte count right', async () => {
    const { storage } = open();
    await storage.responseCache.put(SITE, 'k1', result('a'));
    await storage.responseCache.put(OTHER_SITE, 'k1', result('bb'));
    await storage.responseCache.clear(SITE);
    expect(await storage.responseCache.get(SITE, 'k1')).toBeUndefined();
    expect(await storage.responseCache.totalBytes()).toBe(sizeOf(result('bb')));
    await storage.responseCache.delete(OTHER_SITE, 'k1');
    expect(await storage.responseCache.totalBytes()).toBe(0);
    await storage.responseCache.put(OTHER_SITE, 'k2', result('c'));
    await storage.responseCache.clear();
    expect(await storage.responseCache.totalBytes()).toBe(0);
  });
});
