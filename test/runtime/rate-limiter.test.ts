import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/runtime/rate-limiter';

describe('RateLimiter', () => {
  it('admits up to the limit per window and again once the window has moved on', () => {
    const limiter = new RateLimiter(60_000);
    const admitted = [0, 1, 2, 3].map((index) =>
      limiter.tryAcquire('https://a.example', 3, 1_000 + index),
    );
    expect(admitted).toEqual([true, true, true, false]);
    expect(limiter.retryAfterMs('https://a.example', 1_010)).toBe(59_990);
    expect(limiter.tryAcquire('https://a.example', 3, 61_001)).toBe(true);
  });

  it('keeps each origin to its own window', () => {
    const limiter = new RateLimiter(60_000);
    expect(limiter.tryAcquire('https://a.example', 1, 0)).toBe(true);
    expect(limiter.tryAcquire('https://a.example', 1, 1)).toBe(false);
    expect(limiter.tryAcquire('https://b.example', 1, 1)).toBe(true);
  });
});
