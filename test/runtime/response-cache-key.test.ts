import { describe, expect, it } from 'vitest';
import { isCacheable, responseCacheKey } from '../../src/runtime/response-cache-key';

describe('the response cache key', () => {
  it('caches only deterministic requests without tools', () => {
    expect(isCacheable({ prompt: 'a', temperature: 0 })).toBe(true);
    expect(isCacheable({ prompt: 'a' })).toBe(false);
    expect(isCacheable({ prompt: 'a', temperature: 0.2 })).toBe(false);
    expect(
      isCacheable({ prompt: 'a', temperature: 0, tools: [{ name: 't', parameters: {} }] }),
    ).toBe(false);
  });

  it('is the same for the same request written in another key order', async () => {
    const a = await responseCacheKey({
      prompt: 'x',
      temperature: 0,
      hints: { quality: 'high', speed: 'fast' },
    });
    const b = await responseCacheKey({
      hints: { speed: 'fast', quality: 'high' },
      temperature: 0,
      prompt: 'x',
    });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when anything that shapes the answer differs', async () => {
    const base = await responseCacheKey({ prompt: 'x', temperature: 0 });
    expect(await responseCacheKey({ prompt: 'y', temperature: 0 })).not.toBe(base);
    expect(await responseCacheKey({ prompt: 'x', temperature: 0, maxOutputTokens: 5 })).not.toBe(
      base,
    );
    expect(await responseCacheKey({ prompt: 'x', temperature: 0, system: 's' })).not.toBe(base);
  });
});
