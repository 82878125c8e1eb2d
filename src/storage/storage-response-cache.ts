/**
 * The local exact-match response cache: answers to deterministic requests, isolated per origin
 * (one site can never read another's entry), each with an expiry, all together within the
 * `responseCacheMaxBytes` setting. The running byte total is a counter row updated in the same
 * transaction as the entries, so staying under the bound never needs a scan.
 */
import { Dexie } from 'dexie';
import type { LlmResult } from '../protocol/llm-result';
import type { BrokerDatabase } from './storage-database';
import { readSettings } from './storage-settings';
import type { ResponseCacheRow } from './storage-types';

export interface ResponseCacheRepository {
  /** The cached answer, or undefined when there is none or it expired. */
  get(origin: string, key: string): Promise<LlmResult | undefined>;
  /**
   * Stores an answer for `ttlMs` (default: the setting), evicting the oldest entries when the
   * cache would pass its size bound. False when the answer alone is larger than the bound.
   */
  put(origin: string, key: string, value: LlmResult, ttlMs?: number): Promise<boolean>;
  delete(origin: string, key: string): Promise<void>;
  /** Deletes every expired entry; returns how many. */
  pruneExpired(): Promise<number>;
  /** Empties the cache of one origin, or the whole cache. */
  clear(origin?: string): Promise<void>;
  /** Bytes held by every entry together. */
  totalBytes(): Promise<number>;
}

const TOTAL_BYTES_COUNTER = 'response-cache-bytes';
const textEncoder = new TextEncoder();

export function createResponseCacheRepository(
  database: BrokerDatabase,
  now: () => number,
): ResponseCacheRepository {
  const { responseCache, counters } = database;

  const readTotal = async () => (await counters.get(TOTAL_BYTES_COUNTER))?.value ?? 0;
  const writeTotal = (value: number) => counters.put({ id: TOTAL_BYTES_COUNTER, value });

  /** Deletes rows and takes their bytes off the total; call inside a transaction. */
  const removeRows = async (rows: ResponseCacheRow[]) => {
    if (rows.length === 0) return;
    await responseCache.bulkDelete(rows.map((row): [string, string] => [row.origin, row.key]));
    const freed = rows.reduce((sum, row) => sum + row.sizeBytes, 0);
    await writeTotal((await readTotal()) - freed);
  };

  const inTransaction = <T>(work: () => Promise<T>) =>
    database.transaction('rw', [responseCache, counters, database.settings], work);

  return {
    get: async (origin, key) => {
      const row = await responseCache.get([origin, key]);
      if (!row) return undefined;
      if (row.expiresAt > now()) return row.value;
      await inTransaction(async () => {
        const current = await responseCache.get([origin, key]);
        if (current && current.expiresAt <= now()) await removeRows([current]);
      });
      return undefined;
    },
    put: (origin, key, value, ttlMs) =>
      inTransaction(async () => {
        const settings = await readSettings(database);
        const sizeBytes = textEncoder.encode(JSON.stringify(value)).byteLength;
        if (sizeBytes > settings.responseCacheMaxBytes) return false;
        const existing = await responseCache.get([origin, key]);
        if (existing) await removeRows([existing]);
        let total = await readTotal();
        while (total + sizeBytes > settings.responseCacheMaxBytes) {
          const oldest = await responseCache.orderBy('createdAt').first();
          if (!oldest) break;
          await removeRows([oldest]);
          total -= oldest.sizeBytes;
        }
        const time = now();
        const expiresAt = time + (ttlMs ?? settings.responseCacheTtlMs);
        await responseCache.put({ origin, key, value, createdAt: time, expiresAt, sizeBytes });
        await writeTotal(total + sizeBytes);
        return true;
      }),
    delete: (origin, key) =>
      inTransaction(async () => {
        const row = await responseCache.get([origin, key]);
        if (row) await removeRows([row]);
      }),
    pruneExpired: () =>
      inTransaction(async () => {
        const expired = await responseCache.where('expiresAt').belowOrEqual(now()).toArray();
        await removeRows(expired);
        return expired.length;
      }),
    clear: (origin) =>
      inTransaction(async () => {
        if (origin === undefined) {
          await responseCache.clear();
          await writeTotal(0);
          return;
        }
        const rows = await responseCache
          .where('[origin+key]')
          .between([origin, Dexie.minKey], [origin, Dexie.maxKey])
          .toArray();
        await removeRows(rows);
      }),
    totalBytes: readTotal,
  };
}
