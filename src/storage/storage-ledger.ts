/**
 * The request ledger: one row per request, one row per attempt, and per-month and per-day
 * aggregates (every site together, and each origin) kept in the same transaction as the rows.
 *
 * A running request's reservation is one row of its own (`open`), counted as held by the totals
 * until the request closes (`finish`), when its closed row and the aggregates are written
 * together. The budgets themselves are checked in the worker's memory (runtime/budget-book.ts),
 * which starts from these totals; the worker is the ledger's only writer. Every write touches a
 * fixed number of rows, whatever the ledger holds (docs/architecture.md §6).
 */
import { Dexie } from 'dexie';
import type { Attempt, ModelRef, TokenUsage } from '../protocol/llm-result';
import type { BrokerDatabase } from './storage-database';
import { LedgerStateError } from './storage-errors';
import { dayOf, fromNanoUsd, GLOBAL_SCOPE, monthOf, toNanoUsd } from './storage-money';
import type {
  LedgerAttempt,
  LedgerEntry,
  LedgerMonthRow,
  LedgerStatus,
  MonthTotals,
} from './storage-types';
import { isAmount } from './storage-values';

/** An attempt to record; `startedAt` defaults to now minus its duration. */
export type AttemptInput = Attempt & { startedAt?: number };

/** A reservation the runtime already checked against the budgets (it keeps them in memory). */
export interface OpenInput {
  requestId: string;
  origin: string;
  reservedUsd: number;
  createdAt: number;
  /** What the request costs already (the prompt a provider was sent): the least it settles at. */
  deliveredUsd?: number;
}

/** How a request ended, for `finish`. */
export interface FinishInput {
  requestId: string;
  origin: string;
  createdAt: number;
  /** What was held while it ran (0 when nothing was). */
  reservedUsd: number;
  /** What it cost, every attempt included; 0 with no `model` releases the reservation. */
  costUsd: number;
  usage?: TokenUsage;
  model?: ModelRef;
  estimated?: boolean;
  /** Why nothing was charged, e.g. `every model failed`. */
  releaseReason?: string;
  /** Counted in the month's requests (refusals are not: no model was asked). */
  counted: boolean;
}

export interface LedgerListQuery {
  status?: LedgerStatus;
  origin?: string;
  /** At most this many entries, newest first; 100 when absent. */
  limit?: number;
}

export interface LedgerRepository {
  /** Appends each request's attempts after those it has, in one transaction. */
  recordAttempts(
    list: ReadonlyArray<{ requestId: string; attempts: readonly AttemptInput[] }>,
  ): Promise<void>;
  /** A request's entry: its closed one, else its open reservation. */
  get(requestId: string): Promise<LedgerEntry | undefined>;
  /** The attempts of one request, first first. */
  attempts(requestId: string): Promise<LedgerAttempt[]>;
  /** Entries newest first, optionally of one status or origin. */
  list(query?: LedgerListQuery): Promise<LedgerEntry[]>;
  /** Spend of a month (default: the current one), in total and per origin. */
  monthTotals(month?: string): Promise<{ global: MonthTotals; origins: MonthTotals[] }>;
  /** Spend of every site together on a day (`YYYY-MM-DD`, default: today, UTC). */
  dayTotals(day?: string): Promise<MonthTotals>;
  /**
   * Writes a reservation that was taken in memory, as one row in the table of open reservations
   * (a single write, alongside the call, that no other request's record holds up): the month
   * totals move when it closes, and count it as held until then. The runtime checked the
   * budgets; this does not.
   */
  open(input: OpenInput): Promise<LedgerEntry>;
  /** Notes what the text delivered so far costs on an open reservation (see `settleStale`). */
  checkpoint(requestId: string, deliveredUsd: number): Promise<void>;
  /**
   * Closes a request: writes its closed entry (settling a reservation an older version wrote to
   * the requests table, if any), and moves the month totals in the same transaction. A
   * reservation `open` wrote stops counting as held at once; `forgetOpen` then deletes its row.
   */
  finish(input: FinishInput): Promise<LedgerEntry>;
  /**
   * `finish` for many requests in one transaction, with one read and one write of the entries and
   * of the totals rows; writes none if any of them cannot close.
   */
  finishAll(inputs: readonly FinishInput[]): Promise<LedgerEntry[]>;
  /** Deletes the open reservations of requests `finish` closed (its own small transaction). */
  forgetOpen(requestIds: readonly string[]): Promise<void>;
  /**
   * Closes reservations created before `createdBefore` — requests a stopped worker never
   * finished — at what their delivered text cost (`checkpoint`), released when nothing was
   * delivered. Returns the entries closed.
   */
  settleStale(createdBefore: number): Promise<LedgerEntry[]>;
  /**
   * Deletes settled and released entries created before `createdBefore`, with their attempts.
   * Month totals keep counting them. Returns how many entries.
   */
  prune(createdBefore: number): Promise<number>;
}

const DEFAULT_LIST_LIMIT = 100;

export function createLedgerRepository(
  database: BrokerDatabase,
  now: () => number,
): LedgerRepository {
  const { ledgerRequests, ledgerMonths, ledgerAttempts, ledgerOpen } = database;

  const open = async (input: OpenInput) => {
    if (!isFiniteAmount(input.reservedUsd)) {
      throw new RangeError('reservedUsd must be a finite number ≥ 0');
    }
    if (input.deliveredUsd !== undefined && !isFiniteAmount(input.deliveredUsd)) {
      throw new RangeError('deliveredUsd must be a finite number ≥ 0');
    }
    const entry: LedgerEntry = {
      requestId: input.requestId,
      origin: input.origin,
      month: monthOf(input.createdAt),
      status: 'reserved',
      reservedUsd: input.reservedUsd,
      costUsd: 0,
      createdAt: input.createdAt,
      totalsAtClose: true,
      ...(input.deliveredUsd !== undefined && {
        deliveredUsd: Math.min(input.deliveredUsd, input.reservedUsd),
      }),
    };
    try {
      await ledgerOpen.add(entry);
    } catch (error) {
      if (error instanceof Error && error.name === 'ConstraintError') {
        throw new LedgerStateError(`Request ${input.requestId} is already in the ledger.`);
      }
      throw error;
    }
    return entry;
  };

  /**
   * Reservations `open` wrote whose request has not closed: held, though not in the totals rows.
   * (A row `finish` closed but `forgetOpen` has not deleted yet is not held any more.)
   */
  const heldOpen = async () => notClosed(await ledgerOpen.toArray());

  /** The open rows among `open` whose request has no closed entry yet. */
  const notClosed = async (open: LedgerEntry[]) => {
    if (open.length === 0) return open;
    const closed = await ledgerRequests.bulkGet(open.map((entry) => entry.requestId));
    return open.filter((_, index) => closed[index] === undefined);
  };

  /** A totals row with the open reservations among `open` added to it as held requests. */
  const withHeld = (row: LedgerMonthRow, open: readonly LedgerEntry[]): LedgerMonthRow => {
    let reservedNanoUsd = row.reservedNanoUsd;
    for (const entry of open) reservedNanoUsd += toNanoUsd(entry.reservedUsd);
    return { ...row, reservedNanoUsd, requestCount: row.requestCount + open.length };
  };

  /**
   * Closes requests in one transaction: one read of their entries and one of the totals rows they
   * move, one write of each (a batch of records costs a few operations, not a few per record).
   * Throws, writing none, if any request is closed already (or twice in `inputs`).
   */
  const finishAll = async (inputs: readonly FinishInput[]): Promise<LedgerEntry[]> => {
    if (inputs.length === 0) return [];
    return database.transaction('rw', [ledgerRequests, ledgerMonths], async () => {
      for (const input of inputs) {
        if (!isFiniteAmount(input.costUsd))
          throw new RangeError('costUsd must be a finite number ≥ 0');
      }
      const found = await ledgerRequests.bulkGet(inputs.map((input) => input.requestId));
      const time = now();
      const closed = new Set<string>();
      // What the entries add to each totals row they count in, summed by row.
      const changes = new Map<string, LedgerMonthRow>();
      const entries = inputs.map((input, index) => {
        const existing = found[index];
        const status = closed.has(input.requestId) ? 'settled' : existing?.status;
        if (status !== undefined && status !== 'reserved') {
          throw new LedgerStateError(`Request ${input.requestId} is already ${status}.`);
        }
        closed.add(input.requestId);
        const entry: LedgerEntry = {
          requestId: input.requestId,
          origin: input.origin,
          month: existing?.month ?? monthOf(input.createdAt),
          // Settled when a model answered or anything was charged; released when nothing was.
          status: input.model !== undefined || input.costUsd > 0 ? 'settled' : 'released',
          reservedUsd: existing?.reservedUsd ?? input.reservedUsd,
          costUsd: input.costUsd,
          createdAt: existing?.createdAt ?? input.createdAt,
          closedAt: time,
          ...(input.model && { model: input.model }),
          ...(input.usage && { usage: input.usage }),
          ...(input.estimated && { estimated: true }),
          ...(input.model === undefined &&
            input.costUsd === 0 &&
            input.releaseReason !== undefined && { releaseReason: input.releaseReason }),
        };
        // An entry `open` wrote joins the totals now; one written before that design is in them.
        const inTotals = existing !== undefined && !existing.totalsAtClose;
        for (const [month, scope] of totalsKeys(entry)) {
          const id = `${month} ${scope}`;
          const change = changes.get(id) ?? emptyMonthRow(month, scope);
          change.reservedNanoUsd -= inTotals ? toNanoUsd(existing.reservedUsd) : 0;
          change.spentNanoUsd += toNanoUsd(input.costUsd);
          change.requestCount += !inTotals && input.counted ? 1 : 0;
          changes.set(id, change);
        }
        return entry;
      });
      await ledgerRequests.bulkPut(entries);
      const summed = [...changes.values()];
      const rows = await ledgerMonths.bulkGet(summed.map(({ month, scope }) => [month, scope]));
      await ledgerMonths.bulkPut(
        summed.map((change, index) => {
          const row = rows[index] ?? emptyMonthRow(change.month, change.scope);
          return {
            ...row,
            reservedNanoUsd: row.reservedNanoUsd + change.reservedNanoUsd,
            spentNanoUsd: row.spentNanoUsd + change.spentNanoUsd,
            requestCount: row.requestCount + change.requestCount,
          };
        }),
      );
      return entries;
    });
  };

  /** Appends each request's attempts after those it has (one read and one write for all). */
  const recordAttempts = (
    list: ReadonlyArray<{ requestId: string; attempts: readonly AttemptInput[] }>,
  ) =>
    database.transaction('rw', [ledgerAttempts], async () => {
      const ids = list
        .filter(({ attempts }) => attempts.length > 0)
        .map(({ requestId }) => requestId);
      if (ids.length === 0) return;
      const next = new Map<string, number>();
      const held = await ledgerAttempts
        .where('[requestId+attemptIndex]')
        .inAnyRange(
          ids.map((id) => [
            [id, Dexie.minKey],
            [id, Dexie.maxKey],
          ]),
        )
        .primaryKeys();
      for (const [requestId, index] of held)
        next.set(requestId, Math.max(next.get(requestId) ?? 0, index + 1));
      const time = now();
      const rows: LedgerAttempt[] = [];
      for (const { requestId, attempts } of list) {
        for (const attempt of attempts) {
          const attemptIndex = next.get(requestId) ?? 0;
          next.set(requestId, attemptIndex + 1);
          rows.push({
            ...attempt,
            requestId,
            attemptIndex,
            startedAt: attempt.startedAt ?? time - attempt.durationMs,
          });
        }
      }
      await ledgerAttempts.bulkAdd(rows);
    });

  return {
    recordAttempts,
    open,
    finish: async (input) => (await finishAll([input]))[0]!,
    finishAll,
    checkpoint: async (requestId, deliveredUsd) => {
      if (!isFiniteAmount(deliveredUsd)) throw new RangeError('deliveredUsd must be ≥ 0');
      await ledgerOpen.update(requestId, { deliveredUsd });
    },
    forgetOpen: async (requestIds) => {
      if (requestIds.length > 0) await ledgerOpen.bulkDelete([...requestIds]);
    },
    settleStale: async (createdBefore) => {
      // The table holds only the requests being answered: read whole (an index on it would keep
      // an entry of every row ever deleted until Chromium sweeps them: storage-database.ts, v5).
      const [open, reserved] = await Promise.all([
        ledgerOpen.toArray(),
        ledgerRequests
          .where('[status+createdAt]')
          .between(['reserved', Dexie.minKey], ['reserved', createdBefore], true, false)
          .toArray(),
      ]);
      const opened = open.filter((entry) => entry.createdAt < createdBefore);
      // A worker's start, nearly always: nothing was left (no transaction to open).
      if (opened.length === 0 && reserved.length === 0) return [];
      // An open row whose request did close (the worker stopped before deleting it) is only
      // deleted; the others, and reservations an older version left in the requests table, close
      // now.
      const stale = [...(await notClosed(opened)), ...reserved];
      const closed = await finishAll(
        stale.map((entry) => {
          const costUsd = entry.deliveredUsd ?? 0;
          return {
            requestId: entry.requestId,
            origin: entry.origin,
            createdAt: entry.createdAt,
            reservedUsd: entry.reservedUsd,
            costUsd,
            ...(costUsd > 0 && { estimated: true }),
            releaseReason: 'the request never finished',
            counted: true,
          };
        }),
      );
      await ledgerOpen.bulkDelete(opened.map((entry) => entry.requestId));
      return closed;
    },
    get: async (requestId) =>
      (await ledgerRequests.get(requestId)) ?? (await ledgerOpen.get(requestId)),
    attempts: (requestId) => attemptsOf(database, requestId).toArray(),
    list: (query = {}) => listEntries(database, query),
    monthTotals: async (month = monthOf(now())) => {
      const [rows, held] = await Promise.all([
        ledgerMonths
          .where('[month+scope]')
          .between([month, Dexie.minKey], [month, Dexie.maxKey])
          .toArray(),
        heldOpen(),
      ]);
      const open = held.filter((entry) => entry.month === month);
      const origins = new Set([
        ...rows.map((row) => row.scope),
        ...open.map((entry) => entry.origin),
      ]);
      origins.delete(GLOBAL_SCOPE);
      const rowOf = (scope: string) =>
        withHeld(
          rows.find((row) => row.scope === scope) ?? emptyMonthRow(month, scope),
          scope === GLOBAL_SCOPE ? open : open.filter((entry) => entry.origin === scope),
        );
      return {
        global: toMonthTotals(rowOf(GLOBAL_SCOPE)),
        origins: [...origins].map((origin) => toMonthTotals(rowOf(origin))),
      };
    },
    dayTotals: async (day = dayOf(now())) => {
      const [row, held] = await Promise.all([ledgerMonths.get([day, GLOBAL_SCOPE]), heldOpen()]);
      return toMonthTotals(
        withHeld(
          row ?? emptyMonthRow(day, GLOBAL_SCOPE),
          held.filter((entry) => dayOf(entry.createdAt) === day),
        ),
      );
    },
    prune: (createdBefore) =>
      database.transaction('rw', [ledgerRequests, ledgerAttempts], async () => {
        const closedStatuses: LedgerStatus[] = ['settled', 'released'];
        let pruned = 0;
        for (const status of closedStatuses) {
          const requestIds = await ledgerRequests
            .where('[status+createdAt]')
            .between([status, Dexie.minKey], [status, createdBefore], true, false)
            .primaryKeys();
          for (const requestId of requestIds) await attemptsOf(database, requestId).delete();
          await ledgerRequests.bulkDelete(requestIds);
          pruned += requestIds.length;
        }
        return pruned;
      }),
  };
}

function attemptsOf(database: BrokerDatabase, requestId: string) {
  return database.ledgerAttempts
    .where('[requestId+attemptIndex]')
    .between([requestId, Dexie.minKey], [requestId, Dexie.maxKey]);
}

function listEntries(database: BrokerDatabase, query: LedgerListQuery): Promise<LedgerEntry[]> {
  const { ledgerRequests } = database;
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  const newestOf = (index: string, value: string) =>
    ledgerRequests.where(index).between([value, Dexie.minKey], [value, Dexie.maxKey]).reverse();
  if (query.origin !== undefined) {
    const status = query.status;
    const ofOrigin = newestOf('[origin+createdAt]', query.origin);
    const filtered = status ? ofOrigin.filter((entry) => entry.status === status) : ofOrigin;
    return filtered.limit(limit).toArray();
  }
  if (query.status !== undefined)
    return newestOf('[status+createdAt]', query.status).limit(limit).toArray();
  return ledgerRequests.orderBy('createdAt').reverse().limit(limit).toArray();
}

/** The totals rows an entry counts in: its month's (every site, and its origin) and its day's. */
function totalsKeys(
  entry: Pick<LedgerEntry, 'month' | 'origin' | 'createdAt'>,
): [[string, string], [string, string], [string, string]] {
  return [
    [entry.month, GLOBAL_SCOPE],
    [entry.month, entry.origin],
    [dayOf(entry.createdAt), GLOBAL_SCOPE],
  ];
}

function emptyMonthRow(month: string, scope: string): LedgerMonthRow {
  return { month, scope, reservedNanoUsd: 0, spentNanoUsd: 0, requestCount: 0 };
}

function committedNanoUsd(row: LedgerMonthRow): number {
  return row.reservedNanoUsd + row.spentNanoUsd;
}

function toMonthTotals(row: LedgerMonthRow): MonthTotals {
  return {
    month: row.month,
    scope: row.scope,
    reservedUsd: fromNanoUsd(row.reservedNanoUsd),
    spentUsd: fromNanoUsd(row.spentNanoUsd),
    committedUsd: fromNanoUsd(committedNanoUsd(row)),
    requestCount: row.requestCount,
  };
}

function isFiniteAmount(value: number): boolean {
  return isAmount(value) && Number.isFinite(value);
}
