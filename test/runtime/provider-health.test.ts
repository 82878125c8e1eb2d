import { describe, expect, it } from 'vitest';
import { ProviderHealth } from '../../src/runtime/provider-health';

const options = {
  failureThreshold: 3,
  failureWindowMs: 60_000,
  openMs: 10_000,
  maxCooldownMs: 300_000,
};

describe('ProviderHealth', () => {
  it('puts a provider that sent Retry-After in cooldown for exactly that long', () => {
    const health = new ProviderHealth(options);
    health.recordFailure('openai', 1_000, 20_000);
    expect(health.cooldowns(1_000)).toEqual({ openai: 21_000 });
    expect(health.cooldowns(21_000)).toEqual({});
  });

  it('caps what a provider may ask for', () => {
    const health = new ProviderHealth(options);
    health.recordFailure('openai', 0, 24 * 3_600_000);
    expect(health.cooldowns(0)).toEqual({ openai: 300_000 });
  });

  it('opens the breaker after repeated failures within the window, not before', () => {
    const health = new ProviderHealth(options);
    health.recordFailure('anthropic', 0);
    health.recordFailure('anthropic', 1_000);
    expect(health.cooldowns(1_000)).toEqual({});
    health.recordFailure('anthropic', 2_000);
    expect(health.cooldowns(2_000)).toEqual({ anthropic: 12_000 });
  });

  it('forgets failures older than the window', () => {
    const health = new ProviderHealth(options);
    health.recordFailure('google', 0);
    health.recordFailure('google', 1_000);
    health.recordFailure('google', 70_000);
    expect(health.cooldowns(70_000)).toEqual({});
  });

  it('re-opens for twice as long when the half-open trial fails, and closes on success', () => {
    const health = new ProviderHealth(options);
    for (const time of [0, 1, 2]) health.recordFailure('mistral', time);
    expect(health.cooldowns(2)).toEqual({ mistral: 10_002 });
    health.recordFailure('mistral', 10_003);
    expect(health.cooldowns(10_003)).toEqual({ mistral: 30_003 });
    health.recordSuccess('mistral');
    expect(health.cooldowns(10_004)).toEqual({});
  });

  it('keeps providers apart', () => {
    const health = new ProviderHealth(options);
    health.recordFailure('openai', 0, 5_000);
    expect(Object.keys(health.cooldowns(0))).toEqual(['openai']);
  });
});
