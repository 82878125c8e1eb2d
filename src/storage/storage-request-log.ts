/**
 * The request log the options page shows: what model answered what, newest first. Bounded by
 * the `requestLogLimit` setting; each append prunes what falls beyond it in the same
 * transaction, by key range, so an append costs the same at 10 lines as at 100,000. Each append
 * also adds the line to the daily usage rollups (storage-usage.ts).
 *
 * Reading pages by index: a filter picks the most selective index it has (site, provider or
 * outcome, each paired with `seq`) and checks the rest line by line, stopping at a page's worth.
 * Deleting the log hides every line at once (a mark in `counters`) so it can be undone; the lines
 * are erased for good by `purgeCleared`, which the options page calls when the chance to undo
 * passes and the background at start.
 */
import { Dexie } from 'dexie';
import type { Attempt } from '../protocol/llm-result';
import type { BrokerDatabase } from './storage-database';
import { readSettings } from './storage-settings';
import type { RequestLogEntry, RequestLogInput, RequestLogOutcome } from './storage-types';
import { addToUsage } from './storage-usage';

/** The longest text kept of one request or answer field, in characters. */
export const KEPT_TEXT_LENGTH = 20_000;

/** The counter holding the newest `seq` the person deleted (lines at or below it are hidden). */
export const CLEARED_THROUGH = 'requestLogClearedThrough';

export interface RequestLogFilter {
  origin?: string;
  /** The answering model's provider. */
  provider?: string;
  outcome?: RequestLogOutcome;
  /** Only lines created at or after this moment (epoch ms). */
  since?: number;
}

export interface RequestLogQuery extends RequestLogFilter {
  /** Only entries older than this one (its `seq`), to page back through the log. */
  beforeSeq?: number;
  /** At most this many entries; 50 when absent. */
  limit?: number;
}

export interface RequestLogRepository {
  /**
   * Adds a line (and prunes the oldest beyond the limit) with the attempts it made, for the usage
   * rollups; returns it with its number.
   */
  append(entry: RequestLogInput, attempts?: readonly Attempt[]): Promise<RequestLogEntry>;
  /** `append` for many lines, in one transaction with one write of the lines and the rollups. */
  appendAll(
    lines: ReadonlyArray<{ line: RequestLogInput; attempts: readonly Attempt[] }>,
  ): Promise<RequestLogEntry[]>;
  /** The newest lines first that pass the filter. */
  recent(query?: RequestLogQuery): Promise<RequestLogEntry[]>;
  /** Calls `visit` for every line that passes the filter, newest first (export). */
  each(filter: RequestLogFilter, visit: (entry: RequestLogEntry) => void): Promise<void>;
  /** When `origin` last made a request still in the log. */
  lastUseOf(origin: string): Promise<number | undefined>;
  /**
   * Deletes every line so far, in a way `restore` can undo; returns the mark to restore.
   * Spend totals and usage charts stay (budgets count on them).
   */
  clear(): Promise<number>;
  /** Undoes a `clear`: `mark` is what it returned. */
  restore(mark: number): Promise<void>;
  /** Erases the cleared lines for good. Returns how many. */
  purgeCleared(): Promise<number>;
  /** Erases the text kept in lines written before `before` (epoch ms). Returns how many. */
  eraseTextBefore(before: number): Promise<number>;
}

const DEFAULT_RECENT_LIMIT = 50;

export function createRequestLogRepository(database: BrokerDatabase): RequestLogRepository {
  const { requestLog, counters } = database;
  const clearedThrough = async () => (await counters.get(CLEARED_THROUGH))?.value ?? 0;

  /** Lines newer than the deletion mark and older than `beforeSeq`, newest first, filtered. */
  const matching = async (filter: RequestLogFilter, beforeSeq = Number.POSITIVE_INFINITY) => {
    let lowest = (await clearedThrough()) + 1;
    if (filter.since !== undefined) {
      const first = await requestLog.where('createdAt').aboveOrEqual(filter.since).first();
      // Lines arrive in time order, so every line from the first recent one on is recent, bar a
      // few written out of order by a restart (the line check below catches those).
      lowest = Math.max(lowest, first?.seq ?? Number.POSITIVE_INFINITY);
    }
    const [index, value] =
      filter.origin !== undefined
        ? ['[origin+seq]', filter.origin]
        : filter.provider !== undefined
          ? ['[provider+seq]', filter.provider]
          : filter.outcome !== undefined
            ? ['[outcome+seq]', filter.outcome]
            : ['seq', undefined];
    const range =
      value === undefined
        ? requestLog.where('seq').between(lowest, beforeSeq, true, false)
        : requestLog.where(index).between([value, lowest], [value, beforeSeq], true, false);
    const { origin, provider, outcome, since } = filter;
    return range
      .reverse()
      .filter(
        (line) =>
          (origin === undefined || line.origin === origin) &&
          (provider === undefined || line.provider === provider) &&
          (outcome === undefined || line.outcome === outcome) &&
          (since === undefined || line.createdAt >= since),
      );
  };

  const appendAll = (
    lines: ReadonlyArray<{ line: RequestLogInput; attempts: readonly Attempt[] }>,
  ) =>
    database.transaction('rw', [requestLog, database.settings, database.usageDays], async () => {
      if (lines.length === 0) return [];
      const entries = lines.map(({ line }) => storedLine(line));
      const seqs = await requestLog.bulkAdd(entries, { allKeys: true });
      const { requestLogLimit } = await readSettings(database);
      // Keys only grow (the last added is the newest), so everything at or below seq − limit is
      // older than the newest `limit`.
      await requestLog
        .where(':id')
        .belowOrEqual(seqs.at(-1)! - requestLogLimit)
        .delete();
      await addToUsage(database, lines);
      return entries.map((entry, index) => ({ ...entry, seq: seqs[index]! }));
    });

  return {
    append: async (line, attempts = []) => (await appendAll([{ line, attempts }]))[0]!,
    appendAll,
    // In one transaction each: inside Dexie's zone, a live query (the options page) sees every
    // table these read, across the awaits.
    recent: ({ beforeSeq, limit = DEFAULT_RECENT_LIMIT, ...filter } = {}) =>
      database.transaction('r', [requestLog, counters], async () =>
        (await matching(filter, beforeSeq)).limit(limit).toArray(),
      ),
    each: (filter, visit) =>
      database.transaction('r', [requestLog, counters], async () => {
        await (await matching(filter)).each(visit);
      }),
    lastUseOf: async (origin) => {
      const line = await requestLog
        .where('[origin+seq]')
        .between([origin, (await clearedThrough()) + 1], [origin, Dexie.maxKey])
        .last();
      return line?.createdAt;
    },
    clear: () =>
      database.transaction('rw', [requestLog, counters], async () => {
        const previous = await clearedThrough();
        const newest = ((await requestLog.orderBy(':id').lastKey()) as number | undefined) ?? 0;
        await counters.put({ id: CLEARED_THROUGH, value: Math.max(previous, newest) });
        return previous;
      }),
    restore: async (mark) => {
      await counters.put({ id: CLEARED_THROUGH, value: mark });
    },
    purgeCleared: () =>
      database.transaction('rw', [requestLog, counters], async () =>
        requestLog
          .where(':id')
          .belowOrEqual(await clearedThrough())
          .delete(),
      ),
    eraseTextBefore: (before) =>
      requestLog
        .where('textKeptAt')
        .below(before)
        .modify((line) => {
          delete line.request;
          delete line.answerText;
          delete line.textKeptAt;
        }),
  };
}

/** The line as stored: its provider for the index, long text shortened, when text was kept. */
function storedLine(input: RequestLogInput): Omit<RequestLogEntry, 'seq'> {
  const line: Omit<RequestLogEntry, 'seq'> = { ...input };
  if (input.model) line.provider = input.model.provider;
  if (input.answerText !== undefined) line.answerText = shorten(input.answerText);
  if (input.request !== undefined || input.answerText !== undefined) {
    line.textKeptAt = input.createdAt;
  }
  return line;
}

export function shorten(text: string, length = KEPT_TEXT_LENGTH): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}
