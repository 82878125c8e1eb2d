/**
 * docs/architecture.md §6: a peer extension slowed down with every stored request because each
 * write rewrote an index of all of them. Here, the IndexedDB requests one request's writes make
 * are recorded with 10 and with 10,000 requests already stored: they must be the very same
 * requests, each touching a handful of rows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelRef } from '../../src/protocol/llm-result';
import { monthOf } from '../../src/storage/storage-money';
import type { LedgerAttempt, LedgerEntry, RequestLogInput } from '../../src/storage/storage-types';
import {
  openTestStorage,
  type RecordedOperation,
  recordOperations,
  type TestStorage,
} from './storage-test-helpers';

const SITE = 'https://site.example';
const MODEL: ModelRef = { provider: 'openai', id: 'gpt-test', location: 'cloud' };

let opened: TestStorage | undefined;
afterEach(() => opened?.storage.close());

/** Fills the tables the way months of traffic would, in bulk (the API path is tested elsewhere). */
async function storeEarlierRequests(
  { storage, clock }: TestStorage,
  count: number,
  logLimit: number,
) {
  await storage.settings.update({ requestLogLimit: logLimit, monthlyBudgetUsd: 1e6 });
  await storage.grants.grant(SITE, { monthlyBudgetUsd: 1e6 });
  const entries: LedgerEntry[] = [];
  const attempts: LedgerAttempt[] = [];
  const log: RequestLogInput[] = [];
  for (let index = 0; index < count; index += 1) {
    const requestId = `earlier-${index}`;
    const createdAt = clock.time - (count - index) * 1000;
    entries.push({
      requestId,
      origin: SITE,
      month: monthOf(createdAt),
      status: 'settled',
      reservedUsd: 0.01,
      costUsd: 0.001,
      model: MODEL,
      createdAt,
      closedAt: createdAt + 500,
    });
    for (const attemptIndex of [0, 1]) {
      attempts.push({
        requestId,
        attemptIndex,
        startedAt: createdAt,
        model: MODEL,
        outcome: attemptIndex === 0 ? 'error' : 'ok',
        durationMs: 250,
        costUsd: 0.0005,
      });
    }
    log.push(logEntry(requestId, createdAt));
  }
  const database = storage.database;
  await database.ledgerRequests.bulkAdd(entries);
  await database.ledgerAttempts.bulkAdd(attempts);
  await database.requestLog.bulkAdd(log);
}

function logEntry(requestId: string, createdAt: number): RequestLogInput {
  return {
    requestId,
    origin: SITE,
    createdAt,
    outcome: 'answered',
    model: MODEL,
    attemptCount: 2,
    inputTokens: 120,
    outputTokens: 40,
    costUsd: 0.001,
    latencyMs: 400,
  };
}

/**
 * Everything the runtime writes for one request that fell back once: its reservation's row at
 * the first text, then its record (entry, totals, attempts, log line, usage rollups) and the
 * row's deletion.
 */
async function writeOneRequest({ storage, clock }: TestStorage) {
  const requestId = 'measured';
  const createdAt = clock.time;
  await storage.ledger.open({ requestId, origin: SITE, reservedUsd: 0.02, createdAt });
  await storage.recordRequests([
    {
      requestId,
      origin: SITE,
      createdAt,
      reservedUsd: 0.02,
      costUsd: 0.001,
      model: MODEL,
      counted: true,
      attempts: [
        { model: MODEL, outcome: 'error', status: 429, durationMs: 80, costUsd: 0 },
        { model: MODEL, outcome: 'ok', durationMs: 300, costUsd: 0.001 },
      ],
      log: logEntry(requestId, createdAt),
    },
  ]);
}

async function operationsOfOneRequest(earlierRequests: number): Promise<RecordedOperation[]> {
  const test = openTestStorage('constant-time');
  opened = test;
  const recorder = recordOperations(test.storage.database);
  // The log is full either way, so an append must prune one entry in both runs.
  await storeEarlierRequests(test, earlierRequests, earlierRequests);
  recorder.start();
  await writeOneRequest(test);
  const operations = recorder.stop();
  test.storage.close();
  opened = undefined;
  return operations;
}

describe('per-request writes', () => {
  it('make the same IndexedDB requests with 10 or 10,000 requests stored', async () => {
    const few = await operationsOfOneRequest(10);
    const many = await operationsOfOneRequest(10_000);

    expect(many).toEqual(few);
    // No request scans: each reads, counts or writes at most four rows (the ledger's month and
    // day totals; the usage rollups of the day: all, site, provider, model; the log's prune
    // counts and deletes the one entry that falls off), and no cursor walks a table. The one
    // cursor is the attempts' numbering, over the key ranges of the batch's own requests only
    // (`inAnyRange` on the primary key, [requestId+attemptIndex]).
    const cursors = many.filter((operation) => operation.operation === 'openCursor');
    expect(cursors).toEqual([{ table: 'ledgerAttempts', operation: 'openCursor', index: null }]);
    for (const operation of many) {
      expect(operation.keys ?? 0).toBeLessThanOrEqual(4);
      expect(operation.results ?? 0).toBeLessThanOrEqual(4);
    }
    expect(many).toContainEqual({
      table: 'requestLog',
      operation: 'count',
      index: null,
      results: 1,
    });
    // And it is a short list: the reservation's row, then one record.
    expect(many.length).toBeLessThan(25);
  }, 60_000);

  it('prune the request log by key range, keeping exactly the newest entries', async () => {
    const test = openTestStorage('constant-time-log');
    opened = test;
    await storeEarlierRequests(test, 10_000, 10_000);
    await test.storage.requestLog.append(logEntry('newest', test.clock.time));
    expect(await test.storage.database.requestLog.count()).toBe(10_000);
    const [newest] = await test.storage.requestLog.recent({ limit: 1 });
    expect(newest?.requestId).toBe('newest');
    expect(
      await test.storage.database.requestLog.where('requestId').equals('earlier-0').count(),
    ).toBe(0);
  }, 60_000);
});
