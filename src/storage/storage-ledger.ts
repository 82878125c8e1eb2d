/**
 * The request ledger: one row per request (reserved → settled | released), one row per attempt,
 * and per-month aggregates (every site together, and each origin) kept in the same transactions.
 *
 * Budgets hold under concurrency because a reservation reads the aggregates, checks the limits
 * and writes the new totals in one readwrite transaction, and IndexedDB runs readwrite
 * transactions over the same tables one after another — across every connection to the
 * database. Every per-request write touches a fixed number of rows, whatever the ledger holds
 * (docs/architecture.md §6).
 */
import { Dexie } from 'dexie';
import type { Attempt, ModelRef, TokenUsage } from '../protocol/llm-result';
import type { BrokerDatabase } from './storage-database';
import { LedgerStateError } from './storage-errors';
import { dayOf, fromNanoUsd, GLOBAL_SCOPE, monthOf, toNanoUsd } from './storage-money';
import { readSettings } from './storage-settings';
import type {
  LedgerAttempt,
  LedgerEntry,
  LedgerMonthRow,
  LedgerStatus,
  MonthTotals,
} from './storage-types';
import { isAmount } from './storage-values';

export interface ReserveInput {
  /** Unique per request; reserving the same id twice throws LedgerStateError. */
  requestId: string;
  /** The page origin the request came from, as the background took it from the port's sender. */
  origin: string;
  /** The worst case the request may cost (input estimate + maxOutputTokens at the model's prices). */
  amountUsd: number;
}

export type ReserveResult =
  | { ok: true; entry: LedgerEntry }
  | {
      ok: false;
      /** Which budget would be passed: the user's daily or monthly one, or the site's. */
      exceeded: 'daily' | 'global' | 'site';
      limitUsd: number;
      /** Spent plus reserved this month in that scope, before this request. */
      committedUsd: number;
      requestedUsd: number;
    };

export interface SettleInput {
  /** What the request actually cost, every attempt included. */
  costUsd: number;
  usage?: TokenUsage;
  /** The model that answered. */
  model?: ModelRef;
}

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

export interface BudgetLeft {
  month: string;
  /** Left of your budgets for every site together: the monthly one, and the daily one if set. */
  globalLeftUsd: number;
  /** Infinity when the origin has no grant (e.g. the extension's own pages). */
  siteLeftUsd: number;
  /** The smaller of the two: what the router may plan with. */
  leftUsd: number;
}

export interface LedgerListQuery {
  status?: LedgerStatus;
  origin?: string;
  /** At most this many entries, newest first; 100 when absent. */
  limit?: number;
}

export interface LedgerRepository {
  /**
   * Holds `amountUsd` against this month's global and site budgets, or says which one it would
   * pass. A zero amount (a free local model) always fits.
   */
  reserve(input: ReserveInput): Promise<ReserveResult>;
  /** Replaces the reservation by the actual cost. */
  settle(requestId: string, input: SettleInput): Promise<LedgerEntry>;
  /** Gives the reservation back; the request cost nothing. */
  release(requestId: string, reason?: string): Promise<LedgerEntry>;
  /** Appends one attempt of a reserved request; returns it with its index. */
  recordAttempt(requestId: string, attempt: AttemptInput): Promise<LedgerAttempt>;
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
  /** Budget left this month for a request from `origin`. */
  budgetLeft(origin: string): Promise<BudgetLeft>;
  /** Requests from `origin` reserved at or after `since` (epoch ms), for the rate limit. */
  countSince(origin: string, since: number): Promise<number>;
  /**
   * Releases reservations created before `createdBefore` (epoch ms) — requests a stopped service
   * worker never finished. Returns how many.
   */
  releaseStale(createdBefore: number): Promise<number>;
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
   * Closes a request: writes its closed entry (settling a reservation `reserve` made, if any),
   * and moves the month totals in the same transaction. A reservation `open` wrote stops
   * counting as held at once; `forgetOpen` then deletes its row.
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

  /** The aggregates an entry counts in: its month (every site, and its origin) and its day. */
  const totalsRows = async (entry: Pick<LedgerEntry, 'month' | 'origin' | 'createdAt'>) => {
    const keys = totalsKeys(entry);
    const [global, site, day] = await ledgerMonths.bulkGet(keys);
    return {
      global: global ?? emptyMonthRow(...keys[0]),
      site: site ?? emptyMonthRow(...keys[1]),
      day: day ?? emptyMonthRow(...keys[2]),
    };
  };

  /** Applies a change to every aggregate of an entry (its month's two rows and its day's). */
  const adjustMonth = async (
    entry: Pick<LedgerEntry, 'month' | 'origin' | 'createdAt'>,
    change: (row: LedgerMonthRow) => LedgerMonthRow,
  ) => {
    const rows = await totalsRows(entry);
    await ledgerMonths.bulkPut([change(rows.global), change(rows.site), change(rows.day)]);
  };

  /** Closes a reserved entry (settle or release) and moves its money in the aggregates. */
  const close = (
    requestId: string,
    closing: (entry: LedgerEntry, time: number) => LedgerEntry,
  ): Promise<LedgerEntry> =>
    database.transaction('rw', [ledgerRequests, ledgerMonths], async () => {
      const entry = await ledgerRequests.get(requestId);
      if (!entry) throw new LedgerStateError(`No ledger entry for request ${requestId}.`);
      if (entry.status !== 'reserved') {
        throw new LedgerStateError(`Request ${requestId} is already ${entry.status}.`);
      }
      const { totalsAtClose, ...open } = entry;
      const closed = closing(open, now());
      await ledgerRequests.put(closed);
      await adjustMonth(entry, (row) => ({
        ...row,
        reservedNanoUsd: row.reservedNanoUsd - (totalsAtClose ? 0 : toNanoUsd(entry.reservedUsd)),
        spentNanoUsd: row.spentNanoUsd + toNanoUsd(closed.costUsd),
        requestCount: row.requestCount + (totalsAtClose ? 1 : 0),
      }));
      return closed;
    });

  const settle = async (requestId: string, input: SettleInput) => {
    if (!isFiniteAmount(input.costUsd)) throw new RangeError('costUsd must be a finite number ≥ 0');
    return close(requestId, (entry, time) => {
      const settled: LedgerEntry = {
        ...entry,
        status: 'settled',
        costUsd: input.costUsd,
        closedAt: time,
      };
      if (input.usage) settled.usage = input.usage;
      if (input.model) settled.model = input.model;
      return settled;
    });
  };

  const release = (requestId: string, reason?: string) =>
    close(requestId, (entry, time) => {
      const released: LedgerEntry = { ...entry, status: 'released', costUsd: 0, closedAt: time };
      if (reason !== undefined) released.releaseReason = reason;
      return released;
    });

  const reserve = async (input: ReserveInput): Promise<ReserveResult> => {
    if (!isFiniteAmount(input.amountUsd)) {
      throw new RangeError('amountUsd must be a finite number ≥ 0');
    }
    if (input.origin === '' || input.origin === GLOBAL_SCOPE) {
      throw new TypeError(`Not an origin: ${JSON.stringify(input.origin)}`);
    }
    const tables = [ledgerRequests, ledgerMonths, database.settings, database.grants];
    try {
      return await database.transaction('rw', tables, async () => {
        const time = now();
        const month = monthOf(time);
        const rows = await totalsRows({ month, origin: input.origin, createdAt: time });
        const settings = await readSettings(database);
        const grant = await database.grants.get(input.origin);
        const refusal =
          (settings.dailyBudgetUsd === null
            ? null
            : budgetRefusal('daily', settings.dailyBudgetUsd, rows.day, input.amountUsd)) ??
          budgetRefusal('global', settings.monthlyBudgetUsd, rows.global, input.amountUsd) ??
          (grant
            ? budgetRefusal('site', grant.monthlyBudgetUsd, rows.site, input.amountUsd)
            : null);
        if (refusal) return refusal;

        const entry: LedgerEntry = {
          requestId: input.requestId,
          origin: input.origin,
          month,
          status: 'reserved',
          reservedUsd: input.amountUsd,
          costUsd: 0,
          createdAt: time,
        };
        await ledgerRequests.add(entry);
        const reserved = (row: LedgerMonthRow): LedgerMonthRow => ({
          ...row,
          reservedNanoUsd: row.reservedNanoUsd + toNanoUsd(input.amountUsd),
          requestCount: row.requestCount + 1,
        });
        await ledgerMonths.bulkPut([
          reserved(rows.global),
          reserved(rows.site),
          reserved(rows.day),
        ]);
        return { ok: true, entry };
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'ConstraintError') {
        throw new LedgerStateError(`Request ${input.requestId} is already in the ledger.`);
      }
      throw error;
    }
  };

  const recordAttempt = (requestId: string, attempt: AttemptInput) =>
    database.transaction('rw', [ledgerRequests, ledgerAttempts], async () => {
      if (!(await ledgerRequests.get(requestId))) {
        throw new LedgerStateError(`No ledger entry for request ${requestId}.`);
      }
      const last = await attemptsOf(database, requestId).last();
      const row: LedgerAttempt = {
        ...attempt,
        requestId,
        attemptIndex: last ? last.attemptIndex + 1 : 0,
        startedAt: attempt.startedAt ?? now() - attempt.durationMs,
      };
      await ledgerAttempts.add(row);
      return row;
    });

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
    reserve,
    settle,
    release,
    recordAttempt,
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
      const [opened, reserved] = await Promise.all([
        ledgerOpen.where('createdAt').below(createdBefore).toArray(),
        ledgerRequests
          .where('[status+createdAt]')
          .between(['reserved', Dexie.minKey], ['reserved', createdBefore], true, false)
          .toArray(),
      ]);
      // A worker's start, nearly always: nothing was left (no transaction to open).
      if (opened.length === 0 && reserved.length === 0) return [];
      // An open row whose request did close (the worker stopped before deleting it) is only
      // deleted; the others, and reservations `reserve` made, close now.
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
    budgetLeft: (origin) =>
      database.transaction('r', [ledgerMonths, database.settings, database.grants], async () => {
        const time = now();
        const month = monthOf(time);
        const rows = await totalsRows({ month, origin, createdAt: time });
        const settings = await readSettings(database);
        const grant = await database.grants.get(origin);
        const globalLeftUsd = Math.min(
          leftOf(settings.monthlyBudgetUsd, rows.global),
          settings.dailyBudgetUsd === null
            ? Number.POSITIVE_INFINITY
            : leftOf(settings.dailyBudgetUsd, rows.day),
        );
        const siteLeftUsd = grant
          ? leftOf(grant.monthlyBudgetUsd, rows.site)
          : Number.POSITIVE_INFINITY;
        return { month, globalLeftUsd, siteLeftUsd, leftUsd: Math.min(globalLeftUsd, siteLeftUsd) };
      }),
    countSince: (origin, since) =>
      ledgerRequests
        .where('[origin+createdAt]')
        .between([origin, since], [origin, Dexie.maxKey], true, true)
        .count(),
    releaseStale: async (createdBefore) => {
      const stale = await ledgerRequests
        .where('[status+createdAt]')
        .between(['reserved', Dexie.minKey], ['reserved', createdBefore], true, false)
        .primaryKeys();
      for (const requestId of stale) {
        await release(requestId, 'the request never finished').catch((error: unknown) => {
          // Finished meanwhile by its own request: nothing left to release.
          if (!(error instanceof LedgerStateError)) throw error;
        });
      }
      return stale.length;
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

function budgetRefusal(
  exceeded: 'daily' | 'global' | 'site',
  limitUsd: number,
  row: LedgerMonthRow,
  requestedUsd: number,
): ReserveResult | null {
  const requested = toNanoUsd(requestedUsd);
  const committed = committedNanoUsd(row);
  if (requested === 0 || committed + requested <= toNanoUsd(limitUsd)) return null;
  return { ok: false, exceeded, limitUsd, committedUsd: fromNanoUsd(committed), requestedUsd };
}

function leftOf(limitUsd: number, row: LedgerMonthRow): number {
  if (limitUsd === Number.POSITIVE_INFINITY) return limitUsd;
  return Math.max(0, fromNanoUsd(toNanoUsd(limitUsd) - committedNanoUsd(row)));
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
