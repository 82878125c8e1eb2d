/**
 * Chaos: 200 requests while three of four providers fail at random in every way they can. Every
 * request is still answered by a model that worked, the ledger holds exactly one settled entry
 * per request and one row per attempt, no budget is overshot and no reservation is left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmResult } from '../../src/protocol/llm-result';
import type { ScriptedReply } from '../fixtures/provider-server-types';
import { type BrokerWorld, createWorld, ORIGIN } from './broker-world';

const REQUESTS = 200;
const CONCURRENCY = 8;
const SITE_BUDGET_USD = 1;
const FAULTS: ScriptedReply[] = [
  { kind: 'rate-limit', retryAfterSeconds: 1 },
  { kind: 'http-error', status: 500 },
  { kind: 'http-error', status: 503 },
  { kind: 'reset-before-headers' },
  { kind: 'malformed-json', afterTokens: 0 },
  { kind: 'cut-mid-stream', afterTokens: 0 },
  { kind: 'error-event', afterTokens: 0 },
  { kind: 'reset-mid-stream', afterTokens: 2 },
  { kind: 'cut-mid-stream', afterTokens: 3 },
];
const FAULTY = ['openai', 'anthropic', 'google'];

/** Runs `count` jobs, at most `limit` at a time, in order of start. */
async function pool<T>(
  count: number,
  limit: number,
  job: (index: number) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await job(index).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe('chaos: random faults on three of four providers', () => {
  let world: BrokerWorld;
  let outcomes: PromiseSettledResult<LlmResult>[];

  beforeAll(async () => {
    world = await createWorld({
      providers: { openai: 100, anthropic: 90, google: 80, mistral: 40 },
      siteBudgetUsd: SITE_BUDGET_USD,
      // Short breaker periods keep the faulty providers in play for the whole run.
      health: { failureThreshold: 3, failureWindowMs: 1_000, openMs: 100, maxCooldownMs: 500 },
    });
    FAULTY.forEach((provider, index) => {
      world.servers[provider]!.chaos({ seed: 7 + index, probability: 0.5, faults: FAULTS });
    });
    outcomes = await pool(REQUESTS, CONCURRENCY, (index) =>
      world.broker.run(
        ORIGIN,
        {
          prompt: `Question number ${index}: what is ${index} + ${index}?`,
          maxOutputTokens: 64,
          allowRestart: true,
        },
        { signal: new AbortController().signal },
      ),
    );
  }, 120_000);
  afterAll(() => world.close());

  it('answers every request with a model that worked', () => {
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failures).toEqual([]);
    for (const outcome of outcomes) {
      const result = (outcome as PromiseFulfilledResult<LlmResult>).value;
      expect(result.attempts.at(-1)).toMatchObject({ outcome: 'ok', model: result.model });
      expect(result.text.length).toBeGreaterThan(0);
    }
  });

  it('really met faults: failed attempts on the faulty providers only', () => {
    const attempts = outcomes.flatMap(
      (outcome) => (outcome as PromiseFulfilledResult<LlmResult>).value.attempts,
    );
    const failed = attempts.filter(
      (attempt) => attempt.outcome === 'error' || attempt.outcome === 'timeout',
    );
    expect(failed.length).toBeGreaterThan(30);
    expect(failed.every((attempt) => FAULTY.includes(attempt.model.provider))).toBe(true);
  });

  it('keeps exactly one settled ledger entry per request and one row per attempt', async () => {
    const results = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<LlmResult>).value);
    const entries = await world.storage.ledger.list({ limit: 10_000 });
    expect(entries).toHaveLength(REQUESTS);
    expect(new Set(entries.map((entry) => entry.requestId))).toEqual(
      new Set(results.map((result) => result.requestId)),
    );
    expect(entries.every((entry) => entry.status === 'settled')).toBe(true);
    for (const result of results) {
      const rows = await world.storage.ledger.attempts(result.requestId);
      expect(rows.map((row) => row.outcome)).toEqual(
        result.attempts.map((attempt) => attempt.outcome),
      );
    }
  });

  it('overshoots no budget and leaves no reservation behind', async () => {
    const results = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<LlmResult>).value);
    const totals = await world.storage.ledger.monthTotals();
    const site = totals.origins.find((month) => month.scope === ORIGIN)!;
    expect(site.reservedUsd).toBe(0);
    expect(totals.global.reservedUsd).toBe(0);
    expect(site.requestCount).toBe(REQUESTS);
    expect(site.spentUsd).toBeCloseTo(
      results.reduce((sum, result) => sum + result.costUsd, 0),
      9,
    );
    expect(site.committedUsd).toBeLessThanOrEqual(SITE_BUDGET_USD);
  });
});
