/**
 * Money: the worst case is reserved before a call and settled after; a request that cannot fit
 * goes to a free local model or is refused; concurrent requests cannot together overshoot; the
 * local response cache answers deterministic repeats for nothing; what was learned survives a
 * restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LlmResult } from '../../src/protocol/llm-result';
import { loadBundledCatalog } from '../../src/router';
import { costOfUsage } from '../../src/runtime/cost';
import { type BrokerWorld, createWorld, ORIGIN, rejectionOf, runCollecting } from './broker-world';

let world: BrokerWorld;
afterEach(() => world?.close());

describe('costs', () => {
  it('charges what the provider reported at the catalog price, and settles the ledger before answering', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const { result } = await runCollecting(world.broker, { prompt: 'Hello there' });
    const model = loadBundledCatalog().find(
      (entry) => entry.provider === 'openai' && entry.id === result.model.id,
    )!;
    expect(result.costUsd).toBeCloseTo(costOfUsage(result.usage, model.pricing), 12);
    expect(result.costUsd).toBeGreaterThan(0);
    const entry = await world.storage.ledger.get(result.requestId);
    expect(entry).toMatchObject({
      status: 'settled',
      costUsd: result.costUsd,
      model: result.model,
    });
    expect(entry!.reservedUsd).toBeGreaterThanOrEqual(result.costUsd);
    const totals = await world.storage.ledger.monthTotals();
    expect(totals.global.spentUsd).toBeCloseTo(result.costUsd, 12);
    expect(totals.global.reservedUsd).toBe(0);
  });
});

describe('budgets', () => {
  it('sends a request the budget cannot cover to a free local model', async () => {
    world = await createWorld({
      providers: { openai: 100, ollama: 80 },
      siteBudgetUsd: 0.000001,
      models: { ollama: ['llama3.1:8b'] },
    });
    const { result } = await runCollecting(world.broker, { prompt: 'Hello', maxOutputTokens: 500 });
    expect(result.model).toEqual({ provider: 'ollama', id: 'llama-3.1-8b', location: 'local' });
    expect(result.costUsd).toBe(0);
    expect(world.servers.openai!.requests).toHaveLength(0);
  });

  it('refuses with QuotaExceededError, saying why, when no free model can answer', async () => {
    world = await createWorld({ providers: { openai: 100 }, siteBudgetUsd: 0.000001 });
    const error = await rejectionOf(
      runCollecting(world.broker, { prompt: 'Hello', maxOutputTokens: 500 }),
    );
    expect(error).toMatchObject({ name: 'QuotaExceededError' });
    const ruledOut =
      (error as { ruledOut?: Array<{ provider: string; reason: string }> }).ruledOut ?? [];
    const openaiReasons = ruledOut
      .filter((model) => model.provider === 'openai')
      .map((model) => model.reason);
    expect(openaiReasons.length).toBeGreaterThan(0);
    expect(openaiReasons.every((reason) => /budget/i.test(reason))).toBe(true);
    expect(world.servers.openai!.requests).toHaveLength(0);
    // Refused, charged nothing, and on the record with the reason the site was told.
    await world.broker.flushRecords();
    const entries = await world.storage.ledger.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: 'released', costUsd: 0, reservedUsd: 0 });
    const [logged] = await world.storage.requestLog.recent({ limit: 1 });
    expect(logged).toMatchObject({
      outcome: 'refused',
      errorName: 'QuotaExceededError',
      reason: error.message,
      costUsd: 0,
    });
    const { global } = await world.storage.ledger.monthTotals();
    expect(global).toMatchObject({ spentUsd: 0, reservedUsd: 0, requestCount: 0 });
  });

  it('lets concurrent requests together spend no more than the budget', async () => {
    const budget = 0.02;
    world = await createWorld({ providers: { openai: 100 }, siteBudgetUsd: budget });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) =>
        world.broker.run(
          ORIGIN,
          { prompt: `Question ${index}`, maxOutputTokens: 2_000 },
          { signal: new AbortController().signal },
        ),
      ),
    );
    const answered = outcomes.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [outcome.value] : [],
    );
    const refused = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [outcome.reason as Error] : [],
    );
    expect(answered.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((error) => error.name === 'QuotaExceededError')).toBe(true);
    const entries = await world.storage.ledger.list({ limit: 1_000 });
    expect(entries.filter((entry) => entry.status === 'reserved')).toHaveLength(0);
    expect(entries.filter((entry) => entry.status === 'settled')).toHaveLength(answered.length);
    const totals = await world.storage.ledger.monthTotals();
    const site = totals.origins.find((month) => month.scope === ORIGIN)!;
    expect(site.spentUsd).toBeLessThanOrEqual(budget);
    expect(site.spentUsd).toBeCloseTo(
      answered.reduce((sum: number, result: LlmResult) => sum + result.costUsd, 0),
      9,
    );
  });
});

describe('the daily budget', () => {
  it('holds for every site together, beside the monthly budget, in the ledger day totals', async () => {
    const daily = 0.05;
    world = await createWorld({ providers: { openai: 100 }, dailyBudgetUsd: daily });
    await world.storage.grants.grant('https://other.example', {
      monthlyBudgetUsd: 10,
      privacy: 'any',
      rateLimitPerMinute: 10_000,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, index) =>
        world.broker.run(
          index % 2 === 0 ? ORIGIN : 'https://other.example',
          { prompt: `Question ${index}`, maxOutputTokens: 2_000 },
          { signal: new AbortController().signal },
        ),
      ),
    );
    const refused = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [outcome.reason as Error] : [],
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length, refused[0]?.message).toBeLessThan(30);
    for (const error of refused) {
      expect(error).toMatchObject({ name: 'QuotaExceededError' });
      expect(error.message).toMatch(/daily budget/);
    }
    const today = await world.storage.ledger.dayTotals();
    expect(today.spentUsd).toBeGreaterThan(0);
    expect(today.spentUsd).toBeLessThanOrEqual(daily);
    expect(today.reservedUsd).toBe(0);
    const { global } = await world.storage.ledger.monthTotals();
    expect(global.spentUsd).toBeCloseTo(today.spentUsd, 12);
    // The same figure after a restart: the book is loaded from the ledger's day row.
    const left = await world.restart().routingState(ORIGIN);
    expect(left.budgetLeftUsd).toBeCloseTo(daily - today.spentUsd, 9);
  });
});

describe('the local response cache', () => {
  it('answers a repeated deterministic request for nothing, and says so', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const request = { prompt: 'Capital of France?', temperature: 0 };
    const first = await runCollecting(world.broker, request);
    const second = await runCollecting(world.broker, request);
    expect(world.servers.openai!.requests).toHaveLength(1);
    expect(second.result).toMatchObject({
      text: first.result.text,
      cached: true,
      costUsd: 0,
      attempts: [],
    });
    expect(second.result.requestId).not.toBe(first.result.requestId);
    expect(second.parts.map((part) => part.type)).toEqual(['start', 'text-delta']);
    const [logged] = await world.storage.requestLog.recent({ limit: 1 });
    expect(logged).toMatchObject({ cached: true, costUsd: 0 });
  });

  it('keeps each site to its own cache, and leaves non-deterministic requests alone', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    await world.storage.grants.grant('https://other.example', {
      monthlyBudgetUsd: 10,
      privacy: 'any',
    });
    await runCollecting(world.broker, { prompt: 'Same question', temperature: 0 });
    await world.broker.run(
      'https://other.example',
      { prompt: 'Same question', temperature: 0 },
      {
        signal: new AbortController().signal,
      },
    );
    await runCollecting(world.broker, { prompt: 'Creative question', temperature: 0.8 });
    await runCollecting(world.broker, { prompt: 'Creative question', temperature: 0.8 });
    expect(world.servers.openai!.requests).toHaveLength(4);
  });
});

describe('learning from traffic', () => {
  it('feeds every attempt to the router and keeps it across a service-worker restart', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const results: LlmResult[] = [];
    for (const prompt of ['one', 'two', 'three'])
      results.push((await runCollecting(world.broker, { prompt })).result);
    await world.broker.feedback(ORIGIN, results[0]!.requestId, 1);
    await world.broker.flushStats();

    const restarted = world.restart();
    const state = await restarted.routingState(ORIGIN);
    const modelKey = `${results[0]!.model.provider}/${results[0]!.model.id}`;
    const estimate = state.stats!.estimate(modelKey, 'general');
    expect(estimate?.successes).toBeGreaterThan(0);
    expect(estimate?.timeToFirstTokenObservations).toBeGreaterThan(0);
    expect(estimate?.timeToFirstTokenMs).toBeGreaterThan(0);
  });

  it('refuses feedback on a request that is not this site’s', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const { result } = await runCollecting(world.broker, { prompt: 'one' });
    await expect(
      world.broker.feedback('https://other.example', result.requestId, 1),
    ).rejects.toMatchObject({
      name: 'InvalidStateError',
    });
    await expect(world.broker.feedback(ORIGIN, result.requestId, 7)).rejects.toMatchObject({
      name: 'TypeError',
    });
  });
});
