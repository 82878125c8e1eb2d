import { afterEach, describe, expect, it } from 'vitest';
import type { Attempt, ModelRef } from '../../src/protocol/llm-result';
import { createBrokerStorage } from '../../src/storage/storage-broker';
import { LedgerStateError } from '../../src/storage/storage-errors';
import type { LedgerEntry, MonthTotals } from '../../src/storage/storage-types';
import { openTestStorage, type TestStorage } from './storage-test-helpers';

const SITE = 'https://site.example';
const OTHER_SITE = 'https://other.example';
const MODEL: ModelRef = { provider: 'openai', id: 'gpt-test', location: 'cloud' };

let opened: TestStorage[] = [];
function open(start?: string): TestStorage {
  const test = openTestStorage('ledger', start);
  opened.push(test);
  return test;
}
afterEach(() => {
  for (const test of opened) test.storage.close();
  opened = [];
});

function attempt(outcome: Attempt['outcome'], costUsd: number): Attempt {
  return { model: MODEL, outcome, durationMs: 120, costUsd };
}

/** Month totals recomputed from the ledger rows, independently of the aggregates. */
function totalsFromRows(entries: LedgerEntry[], month: string, origin?: string) {
  const inScope = entries.filter(
    (entry) => entry.month === month && (!origin || entry.origin === origin),
  );
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return {
    reservedUsd: sum(
      inScope.filter((entry) => entry.status === 'reserved').map((entry) => entry.reservedUsd),
    ),
    spentUsd: sum(
      inScope.filter((entry) => entry.status === 'settled').map((entry) => entry.costUsd),
    ),
    requestCount: inScope.length,
  };
}

function expectTotalsMatch(totals: MonthTotals, expected: ReturnType<typeof totalsFromRows>) {
  expect(totals.reservedUsd).toBeCloseTo(expected.reservedUsd, 9);
  expect(totals.spentUsd).toBeCloseTo(expected.spentUsd, 9);
  expect(totals.requestCount).toBe(expected.requestCount);
}

describe('ledger: reserve, settle, release', () => {
  it('moves a request from reserved to settled and records its cost', async () => {
    const { storage } = open();
    const reserved = await storage.ledger.reserve({
      requestId: 'r1',
      origin: SITE,
      amountUsd: 0.05,
    });
    expect(reserved.ok).toBe(true);
    expect((await storage.ledger.get('r1'))?.status).toBe('reserved');

    const usage = { inputTokens: 100, outputTokens: 20 };
    const settled = await storage.ledger.settle('r1', { costUsd: 0.012, usage, model: MODEL });
    expect(settled).toMatchObject({ status: 'settled', costUsd: 0.012, usage, model: MODEL });

    const { global } = await storage.ledger.monthTotals();
    expect(global).toMatchObject({
      month: '2026-11',
      reservedUsd: 0,
      spentUsd: 0.012,
      requestCount: 1,
    });
  });

  it('gives a released reservation back entirely', async () => {
    const { storage } = open();
    await storage.ledger.reserve({ requestId: 'r1', origin: SITE, amountUsd: 0.4 });
    const released = await storage.ledger.release('r1', 'every fallback failed');
    expect(released).toMatchObject({
      status: 'released',
      costUsd: 0,
      releaseReason: 'every fallback failed',
    });
    const { global, origins } = await storage.ledger.monthTotals();
    expect(global.committedUsd).toBe(0);
    expect(origins).toEqual([
      expect.objectContaining({ scope: SITE, committedUsd: 0, requestCount: 1 }),
    ]);
  });

  it('refuses to settle or release twice, an unknown request, or a duplicate reservation', async () => {
    const { storage } = open();
    await storage.ledger.reserve({ requestId: 'r1', origin: SITE, amountUsd: 0.01 });
    await storage.ledger.settle('r1', { costUsd: 0.01 });
    await expect(storage.ledger.settle('r1', { costUsd: 0.01 })).rejects.toThrow(LedgerStateError);
    await expect(storage.ledger.release('r1')).rejects.toThrow(LedgerStateError);
    await expect(storage.ledger.settle('nope', { costUsd: 0 })).rejects.toThrow(LedgerStateError);
    await expect(
      storage.ledger.reserve({ requestId: 'r1', origin: SITE, amountUsd: 0.01 }),
    ).rejects.toThrow(LedgerStateError);
    // The failed duplicate left the totals alone.
    expect((await storage.ledger.monthTotals()).global.requestCount).toBe(1);
  });

  it('rejects negative, infinite and NaN amounts', async () => {
    const { storage } = open();
    for (const amountUsd of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
      await expect(
        storage.ledger.reserve({ requestId: `r${amountUsd}`, origin: SITE, amountUsd }),
      ).rejects.toThrow(RangeError);
    }
    await storage.ledger.reserve({ requestId: 'r1', origin: SITE, amountUsd: 0.01 });
    await expect(storage.ledger.settle('r1', { costUsd: -0.01 })).rejects.toThrow(RangeError);
  });

  it('numbers attempts in order and returns them first first', async () => {
    const { storage } = open();
    await storage.ledger.reserve({ requestId: 'r1', origin: SITE, amountUsd: 0.01 });
    await storage.ledger.reserve({ requestId: 'r2', origin: SITE, amountUsd: 0.01 });
    const first = await storage.ledger.recordAttempt('r1', attempt('error', 0));
    await storage.ledger.recordAttempt('r2', attempt('ok', 0.002));
    const second = await storage.ledger.recordAttempt('r1', attempt('timeout', 0));
    const third = await storage.ledger.recordAttempt('r1', attempt('ok', 0.003));
    expect([first.attemptIndex, second.attemptIndex, third.attemptIndex]).toEqual([0, 1, 2]);
    const outcomes = (await storage.ledger.attempts('r1')).map((row) => row.outcome);
    expect(outcomes).toEqual(['error', 'timeout', 'ok']);
    expect(await storage.ledger.attempts('r2')).toHaveLength(1);
    await expect(storage.ledger.recordAttempt('unknown', attempt('ok', 0))).rejects.toThrow(
      LedgerStateError,
    );
  });
});

describe('ledger: budgets', () => {
  it('refuses a reservation that would pass the site budget, and says which', async () => {
    const { storage } = open();
    await storage.grants.grant(SITE, { monthlyBudgetUsd: 0.1 });
    await storage.ledger.reserve({ requestId: 'r1', origin: SITE, amountUsd: 0.06 });
    const refused = await storage.ledger.reserve({
      requestId: 'r2',
      origin: SITE,
      amountUsd: 0.05,
    });
    expect(refused).toEqual({
      ok: false,
      exceeded: 'site',
      limitUsd: 0.1,
      committedUsd: 0.06,
      requestedUsd: 0.05,
    });
    // A refused request leaves no row behind.
    expect(await storage.ledger.get('r2')).toBeUndefined();
    // Exactly up to the limit fits.
    expect(
      (await storage.ledger.reserve({ requestId: 'r3', origin: SITE, amountUsd: 0.04 })).ok,
    ).toBe(true);
  });

  it('refuses a reservation that would pass the global budget across sites', async () => {
    const { storage } = open();
    await storage.settings.update({ monthlyBudgetUsd: 1 });
    await storage.grants.grant(SITE, { monthlyBudgetUsd: 5 });
    await storage.grants.grant(OTHER_SITE, { monthlyBudgetUsd: 5 });
    await storage.ledger.reserve({ requestId: 'r1', origin: SITE, amountUsd: 0.7 });
    const refused = await storage.ledger.reserve({
      requestId: 'r2',
      origin: OTHER_SITE,
      amountUsd: 0.4,
    });
    expect(refused).toMatchObject({ ok: false, exceeded: 'global', limitUsd: 1 });
  });

  it('lets a free (local model) request through a spent budget', async () => {
    const { storage } = open();
    await storage.grants.grant(SITE, { monthlyBudgetUsd: 0.01 });
    await storage.ledger.reserve({ requestId: 'r1', origin: SITE, amountUsd: 0.01 });
    await storage.ledger.settle('r1', { costUsd: 0.02 }); // the estimate was low: spent > budget
    expect((await storage.ledger.reserve({ requestId: 'r2', origin: SITE, amountUsd: 0 })).ok).toBe(
      true,
    );
    expect(
      (await storage.ledger.reserve({ requestId: 'r3', origin: SITE, amountUsd: 1e-9 })).ok,
    ).toBe(false);
  });

  it('counts settled cost, not the reservation, once a request is settled', async () => {
    const { storage } = open();
    await storage.grants.grant(SITE, { monthlyBudgetUsd: 1 });
    await storage.ledger.reserve({ requestId: 'r1', origin: SITE, amountUsd: 0.9 });
    expect((await storage.ledger.budgetLeft(SITE)).siteLeftUsd).toBeCloseTo(0.1, 9);
    await storage.ledger.settle('r1', { costUsd: 0.25 });
    const left = await storage.ledger.budgetLeft(SITE);
    expect(left.siteLeftUsd).toBeCloseTo(0.75, 9);
    expect(left.globalLeftUsd).toBeCloseTo(10 - 0.25, 9);
    expect(left.leftUsd).toBe(left.siteLeftUsd);
  });

  it('has no site limit for an origin without a grant', async () => {
    const { storage } = open();
    const left = await storage.ledger.budgetLeft('chrome-extension://abcdef');
    expect(left.siteLeftUsd).toBe(Number.POSITIVE_INFINITY);
    expect(left.leftUsd).toBe(10);
  });

  it('never overshoots with 50 concurrent reservations against a small budget', async () => {
    const { storage } = open();
    await storage.grants.grant(SITE, { monthlyBudgetUsd: 1 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        storage.ledger.reserve({ requestId: `r${index}`, origin: SITE, amountUsd: 0.03 }),
      ),
    );
    const accepted = results.filter((result) => result.ok);
    expect(accepted).toHaveLength(33); // 33 × 0.03 = 0.99; a 34th would make 1.02
    expect(results.filter((result) => !result.ok && result.exceeded === 'site')).toHaveLength(17);
    const { origins } = await storage.ledger.monthTotals();
    expect(origins[0]?.committedUsd).toBeCloseTo(0.99, 9);
    expect(await storage.ledger.list({ status: 'reserved' })).toHaveLength(33);
  });

  it('never overshoots with two connections to the database reserving at once', async () => {
    const { storage, databaseName, clock } = open();
    const second = createBrokerStorage(databaseName, { now: clock.now });
    try {
      await storage.settings.update({ monthlyBudgetUsd: 0.5 });
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          (index % 2 === 0 ? storage : second).ledger.reserve({
            requestId: `r${index}`,
            origin: index % 3 === 0 ? SITE : OTHER_SITE,
            amountUsd: 0.02,
          }),
        ),
      );
      expect(results.filter((result) => result.ok)).toHaveLength(25);
      expect((await second.ledger.monthTotals()).global.committedUsd).toBeCloseTo(0.5, 9);
    } finally {
      second.close();
    }
  });

  it('keeps the totals exact while reservations, settlements and releases interleave', async () => {
    const { storage } = open();
    await storage.grants.grant(SITE, { monthlyBudgetUsd: 1 });
    for (let index = 0; index < 20; index += 1) {
      await storage.ledger.reserve({ requestId: `old${index}`, origin: SITE, amountUsd: 0.05 });
    }
    const work: Promise<unknown>[] = [];
    for (let index = 0; index < 20; index += 1) {
      work.push(
        index < 12
          ? storage.ledger.settle(`old${index}`, { costUsd: 0.01 })
          : storage.ledger.release(`old${index}`),
      );
      work.push(
        storage.ledger.reserve({ requestId: `new${index}`, origin: SITE, amountUsd: 0.05 }),
      );
      work.push(
        storage.ledger.reserve({ requestId: `more${index}`, origin: SITE, amountUsd: 0.05 }),
      );
    }
    const outcomes = await Promise.all(work);
    const acceptedNew = outcomes.filter(
      (outcome) => typeof outcome === 'object' && outcome !== null && 'ok' in outcome && outcome.ok,
    ).length;

    const entries = await storage.ledger.list({ limit: 1000 });
    const { origins } = await storage.ledger.monthTotals();
    const site = origins.find((totals) => totals.scope === SITE)!;
    expectTotalsMatch(site, totalsFromRows(entries, '2026-11', SITE));
    expect(site.committedUsd).toBeLessThanOrEqual(1);
    // Money the settlements and releases freed went to new reservations, never beyond the budget.
    expect(acceptedNew).toBeGreaterThan(0);
    expect(site.committedUsd).toBeCloseTo(12 * 0.01 + acceptedNew * 0.05, 9);
  });
});

describe('ledger: months and housekeeping', () => {
  it('keeps separate totals per month and per origin, matching the rows', async () => {
    const { storage, clock } = open('2026-10-20T08:00:00Z');
    await storage.ledger.reserve({ requestId: 'oct1', origin: SITE, amountUsd: 0.2 });
    await storage.ledger.settle('oct1', { costUsd: 0.15 });
    await storage.ledger.reserve({ requestId: 'oct2', origin: OTHER_SITE, amountUsd: 0.2 });
    await storage.ledger.release('oct2');
    clock.time = Date.parse('2026-10-31T23:59:59Z');
    await storage.ledger.reserve({ requestId: 'straddles', origin: SITE, amountUsd: 0.3 });

    clock.time = Date.parse('2026-11-01T00:00:01Z');
    await storage.ledger.settle('straddles', { costUsd: 0.25 }); // counts in October, when reserved
    await storage.ledger.reserve({ requestId: 'nov1', origin: SITE, amountUsd: 0.1 });
    await storage.ledger.reserve({ requestId: 'nov2', origin: OTHER_SITE, amountUsd: 0.1 });
    await storage.ledger.settle('nov2', { costUsd: 0.07 });

    const entries = await storage.ledger.list({ limit: 100 });
    for (const month of ['2026-10', '2026-11']) {
      const totals = await storage.ledger.monthTotals(month);
      expectTotalsMatch(totals.global, totalsFromRows(entries, month));
      for (const origin of [SITE, OTHER_SITE]) {
        const ofOrigin = totals.origins.find((row) => row.scope === origin)!;
        expectTotalsMatch(ofOrigin, totalsFromRows(entries, month, origin));
      }
    }
    expect((await storage.ledger.monthTotals('2026-10')).global.spentUsd).toBeCloseTo(0.4, 9);
    // The current month is the default, and a month with no traffic reads as zero.
    expect((await storage.ledger.monthTotals()).global.month).toBe('2026-11');
    expect((await storage.ledger.monthTotals('2026-09')).global).toMatchObject({
      committedUsd: 0,
      requestCount: 0,
    });
  });

  it('lists entries newest first, by status or origin', async () => {
    const { storage, clock } = open();
    for (let index = 0; index < 6; index += 1) {
      clock.time += 1000;
      const origin = index % 2 === 0 ? SITE : OTHER_SITE;
      await storage.ledger.reserve({ requestId: `r${index}`, origin, amountUsd: 0.01 });
      if (index < 3) await storage.ledger.settle(`r${index}`, { costUsd: 0.01 });
    }
    const ids = (entries: LedgerEntry[]) => entries.map((entry) => entry.requestId);
    expect(ids(await storage.ledger.list())).toEqual(['r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
    expect(ids(await storage.ledger.list({ status: 'settled' }))).toEqual(['r2', 'r1', 'r0']);
    expect(ids(await storage.ledger.list({ origin: SITE }))).toEqual(['r4', 'r2', 'r0']);
    expect(ids(await storage.ledger.list({ origin: SITE, status: 'reserved' }))).toEqual(['r4']);
    expect(ids(await storage.ledger.list({ limit: 2 }))).toEqual(['r5', 'r4']);
  });

  it('counts a site’s recent requests for its rate limit', async () => {
    const { storage, clock } = open();
    const start = clock.time;
    for (let index = 0; index < 5; index += 1) {
      clock.time = start + index * 20_000;
      await storage.ledger.reserve({ requestId: `r${index}`, origin: SITE, amountUsd: 0 });
    }
    await storage.ledger.reserve({ requestId: 'other', origin: OTHER_SITE, amountUsd: 0 });
    expect(await storage.ledger.countSince(SITE, clock.time - 60_000)).toBe(4);
    expect(await storage.ledger.countSince(SITE, clock.time - 30_000)).toBe(2);
  });

  it('releases reservations a stopped worker left behind, and only those', async () => {
    const { storage, clock } = open();
    await storage.ledger.reserve({ requestId: 'abandoned', origin: SITE, amountUsd: 0.2 });
    clock.time += 10 * 60_000;
    await storage.ledger.reserve({ requestId: 'running', origin: SITE, amountUsd: 0.1 });
    expect(await storage.ledger.releaseStale(clock.time - 5 * 60_000)).toBe(1);
    expect((await storage.ledger.get('abandoned'))?.status).toBe('released');
    expect((await storage.ledger.get('running'))?.status).toBe('reserved');
    expect((await storage.ledger.monthTotals()).global.reservedUsd).toBeCloseTo(0.1, 9);
  });

  it('prunes old closed entries and their attempts but keeps the month totals', async () => {
    const { storage, clock } = open('2026-09-10T00:00:00Z');
    await storage.ledger.reserve({ requestId: 'old', origin: SITE, amountUsd: 0.1 });
    await storage.ledger.recordAttempt('old', attempt('ok', 0.05));
    await storage.ledger.settle('old', { costUsd: 0.05 });
    await storage.ledger.reserve({ requestId: 'old-open', origin: SITE, amountUsd: 0.1 });
    clock.time = Date.parse('2026-11-10T00:00:00Z');
    await storage.ledger.reserve({ requestId: 'new', origin: SITE, amountUsd: 0.1 });
    await storage.ledger.settle('new', { costUsd: 0.02 });

    expect(await storage.ledger.prune(Date.parse('2026-10-01T00:00:00Z'))).toBe(1);
    expect(await storage.ledger.get('old')).toBeUndefined();
    expect(await storage.ledger.attempts('old')).toEqual([]);
    expect((await storage.ledger.get('old-open'))?.status).toBe('reserved');
    expect((await storage.ledger.get('new'))?.status).toBe('settled');
    expect((await storage.ledger.monthTotals('2026-09')).global.spentUsd).toBeCloseTo(0.05, 9);
  });

  it('writes an opened reservation as one row, counted as held until it closes', async () => {
    const { storage, clock } = open('2026-11-10T09:00:00Z');
    await storage.ledger.reserve({ requestId: 'before', origin: SITE, amountUsd: 0.2 });
    await storage.ledger.settle('before', { costUsd: 0.05 });
    const opened = await storage.ledger.open({
      requestId: 'streaming',
      origin: SITE,
      reservedUsd: 0.3,
      createdAt: clock.time,
    });
    // One row, and nothing written to the totals rows yet.
    expect(opened).toMatchObject({ status: 'reserved', totalsAtClose: true });
    const rows = await storage.database.ledgerMonths.toArray();
    expect(rows.every((row) => row.reservedNanoUsd === 0)).toBe(true);
    // Yet every total counts it as held, for the month, the site and the day.
    const held = await storage.ledger.monthTotals();
    expect(held.global).toMatchObject({ requestCount: 2 });
    expect(held.global.reservedUsd).toBeCloseTo(0.3, 9);
    expect(held.origins.find((totals) => totals.scope === SITE)?.reservedUsd).toBeCloseTo(0.3, 9);
    expect((await storage.ledger.dayTotals()).reservedUsd).toBeCloseTo(0.3, 9);

    await storage.ledger.finish({
      requestId: 'streaming',
      origin: SITE,
      createdAt: opened.createdAt,
      reservedUsd: 0.3,
      costUsd: 0.07,
      model: MODEL,
      counted: true,
    });
    const closed = await storage.ledger.monthTotals();
    expectTotalsMatch(closed.global, totalsFromRows(await storage.ledger.list(), '2026-11'));
    expect(closed.global.spentUsd).toBeCloseTo(0.12, 9);
    expect(closed.global.reservedUsd).toBe(0);
    expect((await storage.ledger.get('streaming'))?.totalsAtClose).toBeUndefined();
  });

  it('settles an opened reservation a stopped worker left at what it delivered', async () => {
    const { storage, clock } = open('2026-11-10T09:00:00Z');
    await storage.ledger.open({
      requestId: 'cut',
      origin: SITE,
      reservedUsd: 0.3,
      createdAt: clock.time,
    });
    await storage.ledger.checkpoint('cut', 0.04);
    await storage.ledger.open({
      requestId: 'quiet',
      origin: SITE,
      reservedUsd: 0.1,
      createdAt: clock.time,
    });
    clock.time += 60_000;
    const closed = await storage.ledger.settleStale(clock.time);
    expect(closed.map((entry) => [entry.requestId, entry.status])).toEqual(
      expect.arrayContaining([
        ['cut', 'settled'],
        ['quiet', 'released'],
      ]),
    );
    const totals = await storage.ledger.monthTotals();
    expect(totals.global).toMatchObject({ requestCount: 2, reservedUsd: 0 });
    expect(totals.global.spentUsd).toBeCloseTo(0.04, 9);
  });

  it('counts a closed request once when its open row outlived it (a worker stopped between)', async () => {
    const { storage, clock } = open('2026-11-10T09:00:00Z');
    const opened = await storage.ledger.open({
      requestId: 'closed',
      origin: SITE,
      reservedUsd: 0.3,
      createdAt: clock.time,
    });
    await storage.ledger.finish({
      requestId: 'closed',
      origin: SITE,
      createdAt: opened.createdAt,
      reservedUsd: 0.3,
      costUsd: 0.07,
      model: MODEL,
      counted: true,
    });
    // `forgetOpen` never ran: the row is still there, yet nothing is held twice.
    expect(await storage.database.ledgerOpen.count()).toBe(1);
    const totals = await storage.ledger.monthTotals();
    expect(totals.global).toMatchObject({ requestCount: 1, reservedUsd: 0 });
    expect(totals.global.spentUsd).toBeCloseTo(0.07, 9);
    // The next worker deletes the row and closes nothing again.
    clock.time += 60_000;
    expect(await storage.ledger.settleStale(clock.time)).toEqual([]);
    expect(await storage.database.ledgerOpen.count()).toBe(0);
    expect((await storage.ledger.get('closed'))?.costUsd).toBe(0.07);
    expect((await storage.ledger.monthTotals()).global.spentUsd).toBeCloseTo(0.07, 9);
  });
});
