/** Shared by the storage tests: fresh databases, a settable clock, an IndexedDB operation log. */
import type { DBCore, DBCoreTable, Dexie } from 'dexie';
import { type BrokerStorage, createBrokerStorage } from '../../src/storage/storage-broker';
import { dayOf, GLOBAL_SCOPE, monthOf, toNanoUsd } from '../../src/storage/storage-money';
import type { LedgerMonthRow } from '../../src/storage/storage-types';

/** A database name no other test uses (fake-indexeddb keeps every database of a test file). */
export function freshDatabaseName(label: string): string {
  return `test-${label}-${crypto.randomUUID()}`;
}

export interface TestClock {
  time: number;
  now: () => number;
}

export function testClock(start: string | number): TestClock {
  const clock: TestClock = {
    time: typeof start === 'number' ? start : Date.parse(start),
    now: () => clock.time,
  };
  return clock;
}

export interface TestStorage {
  storage: BrokerStorage;
  clock: TestClock;
  databaseName: string;
}

/** PBKDF2 at a tenth of a percent of its real cost, so passphrase tests stay fast. */
export const TEST_PASSPHRASE_ITERATIONS = 1000;

export function openTestStorage(label: string, start = '2026-11-15T12:00:00Z'): TestStorage {
  const clock = testClock(start);
  const databaseName = freshDatabaseName(label);
  const storage = createBrokerStorage(databaseName, {
    now: clock.now,
    passphraseIterations: TEST_PASSPHRASE_ITERATIONS,
  });
  return { storage, clock, databaseName };
}

/**
 * A reservation as versions before the open-reservations table wrote it, at the clock's time: a
 * `reserved` row in the requests table, already counted in the month's, the site's and the day's
 * totals (a database carried over from such a version may hold one).
 */
export async function writeOlderReservation(
  { storage, clock }: TestStorage,
  input: { requestId: string; origin: string; amountUsd: number },
): Promise<void> {
  const { ledgerRequests, ledgerMonths } = storage.database;
  const month = monthOf(clock.time);
  await ledgerRequests.add({
    requestId: input.requestId,
    origin: input.origin,
    month,
    status: 'reserved',
    reservedUsd: input.amountUsd,
    costUsd: 0,
    createdAt: clock.time,
  });
  const keys: [string, string][] = [
    [month, GLOBAL_SCOPE],
    [month, input.origin],
    [dayOf(clock.time), GLOBAL_SCOPE],
  ];
  const rows = await ledgerMonths.bulkGet(keys);
  await ledgerMonths.bulkPut(
    keys.map(([period, scope], index): LedgerMonthRow => {
      const row = rows[index] ?? {
        month: period,
        scope,
        reservedNanoUsd: 0,
        spentNanoUsd: 0,
        requestCount: 0,
      };
      return {
        ...row,
        reservedNanoUsd: row.reservedNanoUsd + toNanoUsd(input.amountUsd),
        requestCount: row.requestCount + 1,
      };
    }),
  );
}

/** One call that reached IndexedDB, described by what does not depend on the data's values. */
export interface RecordedOperation {
  table: string;
  operation: string;
  /** The index a query or cursor used (null: the primary key). */
  index?: string | null;
  /** Keys or values a mutation or multi-get carried. */
  keys?: number;
  /** Rows a query returned or a count counted. */
  results?: number;
  limit?: number;
}

export interface OperationRecorder {
  start(): void;
  /** Stops recording and returns what was recorded since `start()`. */
  stop(): RecordedOperation[];
}

/**
 * Installs a Dexie middleware just above IndexedDB that logs every request while recording.
 * Must be called before the database's first use (Dexie builds its middleware stack at open).
 */
export function recordOperations(database: Dexie): OperationRecorder {
  let recording = false;
  let operations: RecordedOperation[] = [];
  const record = (operation: RecordedOperation) => {
    if (recording) operations.push(operation);
  };

  const wrapTable = (table: DBCoreTable): DBCoreTable => ({
    ...table,
    mutate: async (request) => {
      const keys =
        request.type === 'deleteRange'
          ? undefined
          : request.type === 'delete'
            ? request.keys.length
            : request.values.length;
      record({
        table: table.name,
        operation: request.type,
        ...(keys === undefined ? {} : { keys }),
      });
      return table.mutate(request);
    },
    get: async (request) => {
      record({ table: table.name, operation: 'get', keys: 1 });
      return table.get(request);
    },
    getMany: async (request) => {
      record({ table: table.name, operation: 'getMany', keys: request.keys.length });
      return table.getMany(request);
    },
    query: async (request) => {
      const response = await table.query(request);
      record({
        table: table.name,
        operation: 'query',
        index: request.query.index.name,
        results: response.result.length,
        ...(request.limit === undefined ? {} : { limit: request.limit }),
      });
      return response;
    },
    openCursor: async (request) => {
      record({ table: table.name, operation: 'openCursor', index: request.query.index.name });
      return table.openCursor(request);
    },
    count: async (request) => {
      const counted = await table.count(request);
      record({
        table: table.name,
        operation: 'count',
        index: request.query.index.name,
        results: counted,
      });
      return counted;
    },
  });

  database.use({
    stack: 'dbcore',
    name: 'operation-recorder',
    level: -100,
    create: (down: DBCore): DBCore => ({ ...down, table: (name) => wrapTable(down.table(name)) }),
  });

  return {
    start: () => {
      operations = [];
      recording = true;
    },
    stop: () => {
      recording = false;
      return operations;
    },
  };
}
