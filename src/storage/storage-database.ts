/**
 * The broker's IndexedDB database (Dexie 4) and every version of its schema. A version, once
 * shipped, never changes: a change is a new version with an upgrade function.
 */
import { Dexie, type EntityTable, type Table } from 'dexie';
import type { CatalogRow } from './storage-catalog';
import { upgradeToVersion2, upgradeToVersion3, upgradeToVersion4 } from './storage-migrations';
import type {
  AccountRow,
  CounterRow,
  KeyringRow,
  LedgerAttempt,
  LedgerEntry,
  LedgerMonthRow,
  RequestLogEntry,
  ResponseCacheRow,
  RouterStatsRow,
  SettingsRow,
  SiteGrant,
  UsageDayRow,
} from './storage-types';

export const DEFAULT_DATABASE_NAME = 'llm-broker';

/**
 * Version 1, the walking skeleton: settings, provider accounts and the key that encrypts them,
 * site grants, and one ledger row per request.
 */
export const SCHEMA_V1 = {
  settings: 'id',
  accounts: 'provider',
  keyring: 'id',
  grants: 'origin',
  ledgerRequests: 'requestId, createdAt, origin, status',
} as const;

/**
 * Version 2, what the runtime needs: month aggregates (so a budget check reads two rows instead
 * of a month of requests), compound indexes for per-site rate counts and stale reservations, one
 * row per attempt, the request log, the router's learned stats and the response cache. Grants
 * gain a rate limit. Tables not named here keep their version 1 definition.
 */
export const SCHEMA_V2 = {
  ledgerRequests: 'requestId, createdAt, [origin+createdAt], [status+createdAt]',
  ledgerMonths: '[month+scope]',
  ledgerAttempts: '[requestId+attemptIndex], startedAt',
  requestLog: '++seq, requestId, createdAt, [origin+seq]',
  routerStats: 'id',
  responseCache: '[origin+key], expiresAt, createdAt',
  counters: 'id',
} as const;

/**
 * Version 3, what the options page's usage view needs: the request log gains indexes for its
 * filters (provider, outcome) and for erasing kept text when it expires, and a table of daily
 * usage rollups feeds the charts (storage-usage.ts); the refreshed model list gets a table
 * (storage-catalog.ts). Ledger days (`YYYY-MM-DD` rows of
 * ledgerMonths, for the daily budget) need no index of their own.
 */
export const SCHEMA_V3 = {
  requestLog:
    '++seq, requestId, createdAt, [origin+seq], [provider+seq], [outcome+seq], textKeptAt',
  usageDays: '[day+dimension+key], [dimension+day]',
  catalogs: 'id',
} as const;

/**
 * Version 4: reservations a running request holds (`ledger.open`) get a table of their own, so
 * writing one never waits for another request's record, which is a longer transaction over the
 * ledger, the log and the rollups (IndexedDB runs read-write transactions over a shared table one
 * after another). A request's row moves to `ledgerRequests` when it closes.
 */
export const SCHEMA_V4 = {
  ledgerOpen: 'requestId, createdAt',
} as const;

/**
 * Version 5: the open reservations lose their `createdAt` index. Nothing reads it (the table holds
 * only the requests being answered and is read whole), and Chromium keeps an entry of it for
 * every deleted row until it sweeps them, late: a walk of it took 4 ms after 2,000 answers and
 * 12 ms after 5,000, on every worker's start.
 */
export const SCHEMA_V5 = {
  ledgerOpen: 'requestId',
} as const;

export class BrokerDatabase extends Dexie {
  declare settings: EntityTable<SettingsRow, 'id'>;
  declare accounts: EntityTable<AccountRow, 'provider'>;
  declare keyring: EntityTable<KeyringRow, 'id'>;
  declare grants: EntityTable<SiteGrant, 'origin'>;
  declare ledgerRequests: EntityTable<LedgerEntry, 'requestId'>;
  declare ledgerMonths: Table<LedgerMonthRow, [string, string]>;
  declare ledgerAttempts: Table<LedgerAttempt, [string, number]>;
  declare ledgerOpen: EntityTable<LedgerEntry, 'requestId'>;
  declare requestLog: EntityTable<RequestLogEntry, 'seq'>;
  declare routerStats: EntityTable<RouterStatsRow, 'id'>;
  declare responseCache: Table<ResponseCacheRow, [string, string]>;
  declare counters: EntityTable<CounterRow, 'id'>;
  declare usageDays: Table<UsageDayRow, [string, string, string]>;
  declare catalogs: EntityTable<CatalogRow, 'id'>;

  constructor(databaseName: string = DEFAULT_DATABASE_NAME) {
    super(databaseName);
    this.version(1).stores(SCHEMA_V1);
    this.version(2).stores(SCHEMA_V2).upgrade(upgradeToVersion2);
    this.version(3).stores(SCHEMA_V3).upgrade(upgradeToVersion3);
    this.version(4).stores(SCHEMA_V4).upgrade(upgradeToVersion4);
    this.version(5).stores(SCHEMA_V5);
  }
}
