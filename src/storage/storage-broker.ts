/**
 * The broker's storage in one object: `createBrokerStorage()` opens (lazily, on first use) the
 * Dexie database and hands out one small repository per kind of data. Pure Dexie and WebCrypto:
 * it runs in the service worker, in extension pages and under Node with fake-indexeddb.
 */
import { type AccountsRepository, createAccountsRepository } from './storage-accounts';
import { type CatalogRepository, createCatalogRepository } from './storage-catalog';
import { BrokerDatabase, DEFAULT_DATABASE_NAME } from './storage-database';
import { createGrantsRepository, type GrantsRepository } from './storage-grants';
import {
  type AttemptInput,
  createLedgerRepository,
  type FinishInput,
  type LedgerRepository,
} from './storage-ledger';
import { createRequestLogRepository, type RequestLogRepository } from './storage-request-log';
import {
  createResponseCacheRepository,
  type ResponseCacheRepository,
} from './storage-response-cache';
import { createRouterStatsRepository, type RouterStatsRepository } from './storage-router-stats';
import { createSettingsRepository, type SettingsRepository } from './storage-settings';
import type { RequestLogInput, UnlockKeeper } from './storage-types';
import { createUsageRepository, type UsageRepository } from './storage-usage';

/** Everything a finished request leaves behind, written together. */
export interface RequestRecord extends FinishInput {
  attempts: readonly AttemptInput[];
  /** The request log's line (every request that got past the permission gate has one). */
  log: RequestLogInput;
}

export interface BrokerStorageOptions {
  /** The clock every stored time comes from (epoch ms); tests pass their own. */
  now?: () => number;
  /** PBKDF2 iterations for a new passphrase (default 600,000); tests lower it to stay fast. */
  passphraseIterations?: number;
  /** Keeps an unlock across restarts of the holder; only the background passes one. */
  unlockKeeper?: UnlockKeeper;
}

export interface BrokerStorage {
  settings: SettingsRepository;
  /** Provider accounts and their encrypted API keys; the passphrase lock lives here. */
  accounts: AccountsRepository;
  grants: GrantsRepository;
  ledger: LedgerRepository;
  requestLog: RequestLogRepository;
  routerStats: RouterStatsRepository;
  responseCache: ResponseCacheRepository;
  /** Daily usage rollups, for charts. */
  usage: UsageRepository;
  /** The refreshed model list, when the person refreshed it. */
  catalog: CatalogRepository;
  /**
   * Closes requests in one transaction: each one's ledger entry (settled or released), its
   * attempts and its request-log line — never one without the others. Their open reservations
   * are deleted after it.
   */
  recordRequests(records: readonly RequestRecord[]): Promise<void>;
  /**
   * Deletes what the privacy promises (docs/privacy.md) say is kept no longer: ledger rows older
   * than LEDGER_RETENTION_DAYS (their months' totals stay), expired cached answers, request text
   * older than the person's `requestTextDays`, and log lines the person deleted.
   */
  keepWithinRetention(): Promise<void>;
  /** The Dexie database itself, for tests and maintenance; repositories are the API. */
  database: BrokerDatabase;
  close(): void;
}

/** How long the ledger keeps a request's row, in days (its month's totals stay). */
export const LEDGER_RETENTION_DAYS = 400;

const DAY_MS = 24 * 60 * 60 * 1000;

export function createBrokerStorage(
  databaseName: string = DEFAULT_DATABASE_NAME,
  options: BrokerStorageOptions = {},
): BrokerStorage {
  const database = new BrokerDatabase(databaseName);
  const now = options.now ?? Date.now;
  const ledger = createLedgerRepository(database, now);
  const requestLog = createRequestLogRepository(database);
  const inRecordTransaction = <T>(work: () => Promise<T>) =>
    database.transaction(
      'rw',
      [
        database.ledgerRequests,
        database.ledgerMonths,
        database.ledgerAttempts,
        database.requestLog,
        database.settings,
        database.usageDays,
      ],
      work,
    );
  /** Each of the ledger, the attempts and the log written once for the whole batch. */
  const writeRecords = async (records: readonly RequestRecord[]) => {
    await ledger.finishAll(records.map(({ attempts: _attempts, log: _log, ...finish }) => finish));
    await ledger.recordAttempts(records);
    await requestLog.appendAll(records.map(({ log, attempts }) => ({ line: log, attempts })));
  };
  const settings = createSettingsRepository(database);
  const responseCache = createResponseCacheRepository(database, now);
  return {
    settings,
    accounts: createAccountsRepository(database, {
      now,
      passphraseIterations: options.passphraseIterations,
      unlockKeeper: options.unlockKeeper,
    }),
    grants: createGrantsRepository(database, now),
    ledger,
    requestLog,
    routerStats: createRouterStatsRepository(database, now),
    responseCache,
    usage: createUsageRepository(database),
    catalog: createCatalogRepository(database),
    // The repositories' own transactions nest in this one (their tables are a subset of it).
    // The open reservations go once the records are in: a transaction of their own, so the next
    // request's reservation waits for this small delete at most, never for the records.
    recordRequests: async (records) => {
      await inRecordTransaction(() => writeRecords(records));
      // Refusals (not counted) never opened one.
      const opened = records.filter((record) => record.counted);
      await ledger.forgetOpen(opened.map((record) => record.requestId));
    },
    keepWithinRetention: async () => {
      const time = now();
      const { requestTextDays } = await settings.get();
      await ledger.prune(time - LEDGER_RETENTION_DAYS * DAY_MS);
      await responseCache.pruneExpired();
      await requestLog.eraseTextBefore(time - requestTextDays * DAY_MS);
      await requestLog.purgeCleared();
    },
    database,
    close: () => database.close(),
  };
}
