/**
 * The records of answers that ended close together are written as one batch
 * (`recordRequests`): what the batch leaves must be what the same records written one by one
 * leave, and its cost in IndexedDB operations must not grow with the number of records — a
 * batch's reads and writes that came one set per record kept the browser busy for the next
 * requests (docs/architecture.md §5).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Attempt, ModelRef } from '../../src/protocol/llm-result';
import type { RequestRecord } from '../../src/storage/storage-broker';
import { LedgerStateError } from '../../src/storage/storage-errors';
import {
  openTestStorage,
  recordOperations,
  type TestStorage,
  writeOlderReservation,
} from './storage-test-helpers';

const SITE = 'https://site.example';
const OTHER = 'https://other.example';
const GPT: ModelRef = { provider: 'openai', id: 'gpt-test', location: 'cloud' };
const CLAUDE: ModelRef = { provider: 'anthropic', id: 'claude-test', location: 'cloud' };
const NOW = Date.parse('2026-11-15T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

const opened: TestStorage[] = [];
afterEach(() => {
  for (const test of opened.splice(0)) test.storage.close();
});

function open(label: string): TestStorage {
  const test = openTestStorage(label);
  opened.push(test);
  return test;
}

const ok = (model: ModelRef, costUsd: number): Attempt => ({
  model,
  outcome: 'ok',
  durationMs: 400,
  usage: { inputTokens: 100, outputTokens: 20 },
  costUsd,
});

/** A finished request's record as the broker makes it. */
function record(
  requestId: string,
  origin: string,
  createdAt: number,
  attempts: Attempt[],
  refused = false,
): RequestRecord {
  const costUsd = attempts.reduce((sum, attempt) => sum + attempt.costUsd, 0);
  const model = refused ? undefined : attempts.at(-1)?.model;
  return {
    requestId,
    origin,
    createdAt,
    reservedUsd: refused ? 0 : 0.01,
    costUsd,
    counted: !refused,
    ...(model && { model, usage: { inputTokens: 100, outputTokens: 20 } }),
    ...(refused && { releaseReason: 'Too many requests.' }),
    attempts: attempts.map((attempt) => ({ ...attempt, startedAt: createdAt })),
    log: {
      requestId,
      origin,
      createdAt,
      outcome: refused ? 'refused' : 'answered',
      ...(model && { model }),
      attemptCount: attempts.length,
      inputTokens: 100 * attempts.length,
      outputTokens: 20 * attempts.length,
      costUsd,
      latencyMs: 500,
    },
  };
}

/** Two sites, two days, a fallback, a refusal, an open reservation and an older attempt. */
async function prepare(test: TestStorage): Promise<RequestRecord[]> {
  const { storage } = test;
  await storage.ledger.open({
    requestId: 'opened',
    origin: SITE,
    reservedUsd: 0.01,
    createdAt: NOW,
  });
  // A reservation the older design made (in the totals already), with an attempt recorded.
  await writeOlderReservation(test, { requestId: 'reserved', origin: OTHER, amountUsd: 0.02 });
  await storage.ledger.recordAttempts([
    { requestId: 'reserved', attempts: [{ ...ok(CLAUDE, 0.001), outcome: 'error' }] },
  ]);
  return [
    record('fallback', SITE, NOW, [{ ...ok(CLAUDE, 0.002), outcome: 'error' }, ok(GPT, 0.003)]),
    record('opened', SITE, NOW, [ok(GPT, 0.004)]),
    record('refused', OTHER, NOW, [], true),
    record('yesterday', SITE, NOW - DAY_MS, [ok(CLAUDE, 0.005)]),
    record('reserved', OTHER, NOW, [ok(GPT, 0.006)]),
  ];
}

/** Every table a record writes, as rows. */
async function tables({ storage }: TestStorage) {
  const { database } = storage;
  return {
    requests: await database.ledgerRequests.toArray(),
    open: await database.ledgerOpen.toArray(),
    totals: await database.ledgerMonths.toArray(),
    attempts: await database.ledgerAttempts.toArray(),
    log: await database.requestLog.toArray(),
    usage: await database.usageDays.toArray(),
  };
}

describe('a batch of records', () => {
  it('leaves what the same records written one by one leave', async () => {
    const oneByOne = open('records-one-by-one');
    for (const each of await prepare(oneByOne)) await oneByOne.storage.recordRequests([each]);
    const together = open('records-together');
    await together.storage.recordRequests(await prepare(together));

    const expected = await tables(oneByOne);
    expect(await tables(together)).toEqual(expected);
    // And what that is: the older attempt keeps its place, the open row is gone, the sums add up.
    expect(
      expected.attempts
        .filter((attempt) => attempt.requestId === 'reserved')
        .map((attempt) => attempt.attemptIndex),
    ).toEqual([0, 1]);
    expect(expected.open).toEqual([]);
    const month = expected.totals.find((row) => row.month === '2026-11' && row.scope === '*');
    expect(month).toMatchObject({
      reservedNanoUsd: 0,
      spentNanoUsd: 20_000_000,
      requestCount: 4,
    });
    const site = (day: string) =>
      expected.usage.find((row) => row.day === day && row.dimension === 'site' && row.key === SITE);
    expect(site('2026-11-15')).toMatchObject({ requests: 2, costNanoUsd: 9_000_000 });
    expect(site('2026-11-14')).toMatchObject({ requests: 1, costNanoUsd: 5_000_000 });
  });

  it('costs as many IndexedDB operations for fifty records as for one', async () => {
    const operations = async (count: number) => {
      const test = open(`records-${count}`);
      const recorder = recordOperations(test.storage.database);
      const records = Array.from({ length: count }, (_, index) =>
        record(`request-${index}`, index % 2 ? SITE : OTHER, NOW - (index % 3) * DAY_MS, [
          ok(index % 2 ? GPT : CLAUDE, 0.001),
        ]),
      );
      recorder.start();
      await test.storage.recordRequests(records);
      return recorder.stop().map(({ table, operation }) => `${table} ${operation}`);
    };
    const one = await operations(1);
    expect(await operations(50)).toEqual(one);
    // One read and one write of each table: the entries, the totals rows, the attempts (a cursor
    // over the batch's own keys), the log (its prune counts, then deletes), the rollups, the open
    // rows; and the log's limit.
    expect(one).toHaveLength(13);
  });

  it('writes nothing when one of its requests is closed already', async () => {
    const test = open('records-closed');
    const records = await prepare(test);
    await test.storage.recordRequests([records[0]!]);
    const before = await tables(test);

    await expect(test.storage.recordRequests(records)).rejects.toThrow(LedgerStateError);
    expect(await tables(test)).toEqual(before);
    // Twice in one batch is the same mistake.
    await expect(test.storage.recordRequests([records[1]!, records[1]!])).rejects.toThrow(
      /already settled/,
    );
    expect(await tables(test)).toEqual(before);
  });
});

describe("a worker's start", () => {
  it('opens no write transaction when no request was left unfinished', async () => {
    const test = open('records-start');
    const { storage } = test;
    await storage.recordRequests([record('done', SITE, NOW, [ok(GPT, 0.001)])]);
    const transactions = vi.spyOn(storage.database.core, 'transaction');
    expect(await storage.ledger.settleStale(NOW + 1)).toEqual([]);
    expect(transactions.mock.calls.filter(([, mode]) => mode === 'readwrite')).toEqual([]);
    // One left open is closed, in one write.
    await storage.ledger.open({
      requestId: 'left',
      origin: SITE,
      reservedUsd: 0.01,
      createdAt: NOW,
    });
    transactions.mockClear();
    expect(await storage.ledger.settleStale(NOW + 1)).toEqual([
      expect.objectContaining({ requestId: 'left', status: 'released' }),
    ]);
    expect(transactions.mock.calls.filter(([, mode]) => mode === 'readwrite')).toHaveLength(2);
  });
});
