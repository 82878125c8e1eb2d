import { afterEach, describe, expect, it } from 'vitest';
import type { Attempt, ModelRef } from '../../src/protocol/llm-result';
import type { BrokerStorage } from '../../src/storage/storage-broker';
import { LedgerStateError } from '../../src/storage/storage-errors';
import type { LedgerEntry, MonthTotals } from '../../src/storage/storage-types';
import { openTestStorage, type TestStorage, writeOlderReservation } from './storage-test-helpers';

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

/** Month totals recomputed from the ledger's rows (closed and held), apart from the aggregates. */
async function totalsFromRows(storage: BrokerStorage, month: string, origin?: string) {
  const closed = await storage.ledger.list({ limit: 10_000 });
  const closedIds = new Set(closed.map((entry) => entry.requestId));
  const held = (await storage.database.ledgerOpen.toArray()).filter(
    (entry) => !closedIds.has(entry.requestId),
  );
  const inScope = (entry: LedgerEntry) =>
    entry.month === month && (!origin || entry.origin === origin);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return {
    reservedUsd: sum(held.filter(inScope).map((entry) => entry.reservedUsd)),
    spentUsd: sum(closed.filter(inScope).map((entry) => entry.costUsd)),
    requestCount: closed.filter(inScope).length + held.filter(inScope).length,
  };
}

async function expectTotalsMatch(
  storage: BrokerStorage,
  totals: MonthTotals,
  month: string,
  origin?: string,
) {
  const expected = await totalsFromRows(storage, month, origin);
  expect(totals.reservedUsd).toBeCloseTo(expected.reservedUsd, 9);
  expect(totals.spentUsd).toBeCloseTo(expected.spentUsd, 9);
  expect(totals.requestCount).toBe(expected.requestCount);
}

/** Opens a reservation for `requestId` at the clock's time, as the runtime does at its first text. */
function openAt({ storage, clock }: TestStorage, requestId: string, origin: string, usd: number) {
  return storage.ledger.open({ requestId, origin, reservedUsd: usd, createdAt: clock.time });
}

/**
 * Closes an opened request as the runtime does (its closed entry, then its open row deleted):
 * settled at `costUsd` by MODEL, or released when that is 0.
 */
async function close({ storage }: TestStorage, requestId: string, costUsd: number) {
  const entry = await storage.ledger.get(requestId);
  if (!entry) throw new Error(`no entry for ${requestId}`);
  const closed = await storage.ledger.finish({
    requestId,
    origin: entry.origin,
    createdAt: entry.createdAt,
    reservedUsd: entry.reservedUsd,
    costUsd,
    ...(costUsd > 0 && { model: MODEL }),
    counted: true,
  });
  await storage.ledger.forgetOpen([requestId]);
  return closed;
}

describe('ledger: open and finish', () => {
  it('holds an opened reservation, then settles it at what it cost', async () => {
    const test = open();
    const { storage } = test;
    await openAt(test, 'r1', SITE, 0.05);
    expect((await storage.ledger.get('r1'))?.status).toBe('reserved');
    expect((await storage.ledger.monthTotals()).global.reservedUsd).toBeCloseTo(0.05, 9);

    const usage = { inputTokens: 100, outputTokens: 20 };
    const settled = await storage.ledger.finish({
      requestId: 'r1',
      origin: SITE,
      createdAt: test.clock.time,
      reservedUsd: 0.05,
      costUsd: 0.012,
      usage,
      model: MODEL,
      counted: true,
    });
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
    const test = open();
    await openAt(test, 'r1', SITE, 0.4);
    const released = await test.storage.ledger.finish({
      requestId: 'r1',
      origin: SITE,
      createdAt: test.clock.time,
      reservedUsd: 0.4,
      costUsd: 0,
      releaseReason: 'every fallback failed',
      counted: true,
    });
    expect(released).toMatchObject({
      status: 'released',
      costUsd: 0,
      releaseReason: 'every fallback failed',
    });
    const { global, origins } = await test.storage.ledger.monthTotals();
    expect(global.committedUsd).toBe(0);
    expect(origins).toEqual([
      expect.objectContaining({ scope: SITE, committedUsd: 0, requestCount: 1 }),
    ]);
  });

  it('refuses to close a request twice, or to open one twice', async () => {
    const test = open();
    const { storage } = test;
    await openAt(test, 'r1', SITE, 0.01);
    await expect(openAt(test, 'r1', SITE, 0.01)).rejects.toThrow(LedgerStateError);
    await close(test, 'r1', 0.01);
    await expect(close(test, 'r1', 0.01)).rejects.toThrow(LedgerStateError);
    // A batch that holds the same request twice writes none of it.
    await openAt(test, 'r2', SITE, 0.01);
    const twice = { requestId: 'r2', origin: SITE, createdAt: test.clock.time, reservedUsd: 0.01 };
    await expect(
      storage.ledger.finishAll([
        { ...twice, costUsd: 0.01, model: MODEL, counted: true },
        { ...twice, costUsd: 0, counted: true },
      ]),
    ).rejects.toThrow(LedgerStateError);
    expect((await storage.ledger.get('r2'))?.status).toBe('reserved');
    expect((await storage.ledger.monthTotals()).global.requestCount).toBe(2);
  });

  it('rejects negative, infinite and NaN amounts', async () => {
    const test = open();
    for (const amountUsd of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
      await expect(openAt(test, `r${amountUsd}`, SITE, amountUsd)).rejects.toThrow(RangeError);
    }
    await openAt(test, 'r1', SITE, 0.01);
    await expect(test.storage.ledger.checkpoint('r1', -0.01)).rejects.toThrow(RangeError);
    await expect(close(test, 'r1', -0.01)).rejects.toThrow(RangeError);
  });

  it('numbers attempts in order, after those a request has, and returns them first first', async () => {
    const { storage } = open();
    await storage.ledger.recordAttempts([
      { requestId: 'r1', attempts: [attempt('error', 0)] },
      { requestId: 'r2', attempts: [attempt('ok', 0.002)] },
    ]);
    await storage.ledger.recordAttempts([
      { requestId: 'r1', attempts: [attempt('timeout', 0), attempt('ok', 0.003)] },
    ]);
    const rows = await storage.ledger.attempts('r1');
    expect(rows.map((row) => [row.attemptIndex, row.outcome])).toEqual([
      [0, 'error'],
      [1, 'timeout'],
      [2, 'ok'],
    ]);
    expect(await storage.ledger.attempts('r2')).toHaveLength(1);
  });
});

describe('ledger: totals', () => {
  it('keeps the totals exact while requests open and close at once', async () => {
    const test = open();
    const { storage } = test;
    for (let index = 0; index < 20; index += 1) await openAt(test, `old${index}`, SITE, 0.05);
    const work: Promise<unknown>[] = [];
    for (let index = 0; index < 20; index += 1) {
      work.push(close(test, `old${index}`, index < 12 ? 0.01 : 0));
      work.push(openAt(test, `new${index}`, index % 3 === 0 ? OTHER_SITE : SITE, 0.05));
    }
    await Promise.all(work);

    const { global, origins } = await storage.ledger.monthTotals();
    await expectTotalsMatch(storage, global, '2026-11');
    for (const origin of [SITE, OTHER_SITE]) {
      const totals = origins.find((row) => row.scope === origin)!;
      await expectTotalsMatch(storage, totals, '2026-11', origin);
    }
    expect(global.spentUsd).toBeCloseTo(12 * 0.01, 9);
    expect(global.reservedUsd).toBeCloseTo(20 * 0.05, 9);
    expect((await storage.ledger.dayTotals()).committedUsd).toBeCloseTo(global.committedUsd, 9);
  });

  it('keeps separate totals per month and per origin, matching the rows', async () => {
    const test = open('2026-10-20T08:00:00Z');
    const { storage, clock } = test;
    await openAt(test, 'oct1', SITE, 0.2);
    await close(test, 'oct1', 0.15);
    await openAt(test, 'oct2', OTHER_SITE, 0.2);
    await close(test, 'oct2', 0);
    clock.time = Date.parse('2026-10-31T23:59:59Z');
    await openAt(test, 'straddles', SITE, 0.3);

    clock.time = Date.parse('2026-11-01T00:00:01Z');
    await close(test, 'straddles', 0.25); // counts in October, when it was made
    await openAt(test, 'nov1', SITE, 0.1);
    await openAt(test, 'nov2', OTHER_SITE, 0.1);
    await close(test, 'nov2', 0.07);

    for (const month of ['2026-10', '2026-11']) {
      const totals = await storage.ledger.monthTotals(month);
      await expectTotalsMatch(storage, totals.global, month);
      for (const origin of [SITE, OTHER_SITE]) {
        const ofOrigin = totals.origins.find((row) => row.scope === origin)!;
        await expectTotalsMatch(storage, ofOrigin, month, origin);
      }
    }
    expect((await storage.ledger.monthTotals('2026-10')).global.spentUsd).toBeCloseTo(0.4, 9);
    expect((await storage.ledger.monthTotals('2026-11')).global.reservedUsd).toBeCloseTo(0.1, 9);
    // The current month is the default, and a month with no traffic reads as zero.
    expect((await storage.ledger.monthTotals()).global.month).toBe('2026-11');
    expect((await storage.ledger.monthTotals('2026-09')).global).toMatchObject({
      committedUsd: 0,
      requestCount: 0,
    });
  });
});

describe('ledger: listing and housekeeping', () => {
  it('lists closed entries newest first, by status or origin', async () => {
    const test = open();
    const { storage, clock } = test;
    for (let index = 0; index < 6; index += 1) {
      clock.time += 1000;
      await openAt(test, `r${index}`, index % 2 === 0 ? SITE : OTHER_SITE, 0.01);
      await close(test, `r${index}`, index < 3 ? 0.01 : 0);
    }
    const ids = (entries: LedgerEntry[]) => entries.map((entry) => entry.requestId);
    expect(ids(await storage.ledger.list())).toEqual(['r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
    expect(ids(await storage.ledger.list({ status: 'settled' }))).toEqual(['r2', 'r1', 'r0']);
    expect(ids(await storage.ledger.list({ origin: SITE }))).toEqual(['r4', 'r2', 'r0']);
    expect(ids(await storage.ledger.list({ origin: SITE, status: 'released' }))).toEqual(['r4']);
    expect(ids(await storage.ledger.list({ limit: 2 }))).toEqual(['r5', 'r4']);
  });

  it('settles a reservation an older version left in the requests table', async () => {
    const test = open();
    const { storage, clock } = test;
    await writeOlderReservation(test, { requestId: 'older', origin: SITE, amountUsd: 0.2 });
    expect((await storage.ledger.monthTotals()).global.reservedUsd).toBeCloseTo(0.2, 9);
    clock.time += 10 * 60_000;
    await openAt(test, 'running', SITE, 0.1);
    const closed = await storage.ledger.settleStale(clock.time - 5 * 60_000);
    expect(closed.map((entry) => [entry.requestId, entry.status])).toEqual([['older', 'released']]);
    expect((await storage.ledger.get('running'))?.status).toBe('reserved');
    const { global } = await storage.ledger.monthTotals();
    expect(global.reservedUsd).toBeCloseTo(0.1, 9);
    expect(global.requestCount).toBe(2);
  });

  it('prunes old closed entries and their attempts but keeps the month totals', async () => {
    const test = open('2026-09-10T00:00:00Z');
    const { storage, clock } = test;
    await openAt(test, 'old', SITE, 0.1);
    await storage.ledger.recordAttempts([{ requestId: 'old', attempts: [attempt('ok', 0.05)] }]);
    await close(test, 'old', 0.05);
    await openAt(test, 'old-open', SITE, 0.1);
    clock.time = Date.parse('2026-11-10T00:00:00Z');
    await openAt(test, 'new', SITE, 0.1);
    await close(test, 'new', 0.02);

    expect(await storage.ledger.prune(Date.parse('2026-10-01T00:00:00Z'))).toBe(1);
    expect(await storage.ledger.get('old')).toBeUndefined();
    expect(await storage.ledger.attempts('old')).toEqual([]);
    expect((await storage.ledger.get('old-open'))?.status).toBe('reserved');
    expect((await storage.ledger.get('new'))?.status).toBe('settled');
    expect((await storage.ledger.monthTotals('2026-09')).global.spentUsd).toBeCloseTo(0.05, 9);
  });

  it('writes an opened reservation as one row, counted as held until it closes', async () => {
    const test = open('2026-11-10T09:00:00Z');
    const { storage, clock } = test;
    await openAt(test, 'before', SITE, 0.2);
    await close(test, 'before', 0.05);
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
    await expectTotalsMatch(storage, closed.global, '2026-11');
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
