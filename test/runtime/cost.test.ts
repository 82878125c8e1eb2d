import { describe, expect, it } from 'vitest';
import { costOfUsage, worstCaseCost } from '../../src/runtime/cost';

const pricing = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 };

describe('costOfUsage', () => {
  it('prices input and output per million tokens', () => {
    expect(costOfUsage({ inputTokens: 1_000_000, outputTokens: 100_000 }, pricing)).toBeCloseTo(
      3 + 1.5,
      10,
    );
  });

  it('bills cached input at the cached rate', () => {
    const cost = costOfUsage(
      { inputTokens: 10_000, cachedInputTokens: 8_000, outputTokens: 0 },
      pricing,
    );
    expect(cost).toBeCloseTo((2_000 * 3 + 8_000 * 0.3) / 1e6, 12);
  });

  it('bills cached input at the full rate when the model has no cached price', () => {
    const cost = costOfUsage(
      { inputTokens: 1_000, cachedInputTokens: 1_000, outputTokens: 0 },
      { inputPerMTok: 2, outputPerMTok: 8 },
    );
    expect(cost).toBeCloseTo(0.002, 12);
  });
});

describe('worstCaseCost', () => {
  it('assumes no cache and the whole output allowance', () => {
    expect(worstCaseCost(2_000, 1_000, pricing)).toBeCloseTo((2_000 * 3 + 1_000 * 15) / 1e6, 12);
  });
});
