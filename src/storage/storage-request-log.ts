/**
 * The request log the options page shows: what model answered what, newest first. Bounded by
 * the `requestLogLimit` setting; each append prunes what falls beyond it in the same
 * transaction, by key range, so an append costs the same at 10 entries as at 10,000.
 */
import { Dexie } from 'dexie';
import type { BrokerDatabase } from './storage-database';
import { readSettings } from './storage-settings';
import type { RequestLogEntry, RequestLogInput } from './storage-types';

/** The longest prompt preview kept, in characters. */
export const PROMPT_PREVIEW_LENGTH = 200;

export interface RequestLogQuery {
  origin?: string;
  /** Only entries older than this one (its `seq`), to page back through the log. */
  beforeSeq?: number;
  /** At most this many entries; 50 when absent. */
  limit?: number;
}

export interface RequestLogRepository {
  /** Adds an entry (and prunes the oldest beyond the limit); returns it with its number. */
  append(entry: RequestLogInput): Promise<RequestLogEntry>;
  /** The newest entries first, optionally of one origin. */
  recent(query?: RequestLogQuery): Promise<RequestLogEntry[]>;
  /** When `origin` last made a request still in the log. */
  lastUseOf(origin: string): Promise<number | undefined>;
  clear(): Promise<void>;
}

const DEFAULT_RECENT_LIMIT = 50;

export function createRequestLogRepository(database: BrokerDatabase): RequestLogRepository {
  const { requestLog } = database;
  return {
    append: (input) =>
      database.transaction('rw', [requestLog, database.settings], async () => {
        const entry = withShortPreview(input);
        const seq = await requestLog.add(entry);
        const { requestLogLimit } = await readSettings(database);
        // Keys only grow, so everything at or below seq − limit is older than the newest `limit`.
        await requestLog
          .where(':id')
          .belowOrEqual(seq - requestLogLimit)
          .delete();
        return { ...entry, seq };
      }),
    recent: ({
      origin,
      beforeSeq = Number.POSITIVE_INFINITY,
      limit = DEFAULT_RECENT_LIMIT,
    } = {}) => {
      const newest =
        origin === undefined
          ? requestLog.where(':id').below(beforeSeq)
          : requestLog
              .where('[origin+seq]')
              .between([origin, Dexie.minKey], [origin, beforeSeq], true, false);
      return newest.reverse().limit(limit).toArray();
    },
    lastUseOf: async (origin) =>
      (
        await requestLog
          .where('[origin+seq]')
          .between([origin, Dexie.minKey], [origin, Dexie.maxKey])
          .last()
      )?.createdAt,
    clear: () => requestLog.clear(),
  };
}

function withShortPreview(input: RequestLogInput): RequestLogInput {
  if (input.promptPreview === undefined || input.promptPreview.length <= PROMPT_PREVIEW_LENGTH) {
    return input;
  }
  return { ...input, promptPreview: `${input.promptPreview.slice(0, PROMPT_PREVIEW_LENGTH)}…` };
}
