import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetBook } from '../../src/runtime/budget-book';
import { type BrokerStorage, createBrokerStorage } from '../../src/storage/storage-broker';
import { generateDeviceKey, seal } from '../../src/storage/storage-crypto';
import { SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4 } from '../../src/storage/storage-database';
import {
  type LedgerEntryV1,
  type SiteGrantV1,
  upgradeToVersion2,
  upgradeToVersion3,
  upgradeToVersion4,
  V2_DEFAULT_RATE_LIMIT_PER_MINUTE,
} from '../../src/storage/storage-migrations';
import { freshDatabaseName } from './storage-test-helpers';

const SITE = 'https://site.example';
const OTHER_SITE = 'https://other.example';
const NOW = Date.parse('2026-11-20T10:00:00Z');
const OPENAI_KEY = 'sk-proj-0123456789abcdefghijklmnopqrstuvwxyz';

let storages: BrokerStorage[] = [];
afterEach(() => {
  for (const storage of storages) storage.close();
  storages = [];
});

function v1Entry(
  requestId: string,
  origin: string,
  createdAt: string,
  status: LedgerEntryV1['status'],
  reservedUsd: number,
  costUsd: number,
): LedgerEntryV1 {
  const time = Date.parse(createdAt);
  return {
    requestId,
    origin,
    status,
    reservedUsd,
    costUsd,
    createdAt: time,
    closedAt: time + 1000,
  };
}

/** Writes a database exactly as version 1 of the code did, with a month and a half of traffic. */
async function createVersion1Database(databaseName: string): Promise<void> {
  const database = new Dexie(databaseName);
  database.version(1).stores(SCHEMA_V1);
  const deviceKey = await generateDeviceKey();
  const grants: SiteGrantV1[] = [
    {
      origin: SITE,
      allowed: true,
      grantedAt: NOW,
      updatedAt: NOW,
      monthlyBudgetUsd: 2,
      privacy: 'any',
    },
    {
      origin: OTHER_SITE,
      allowed: false,
      grantedAt: NOW,
      updatedAt: NOW,
      monthlyBudgetUsd: 0.5,
      privacy: 'local-only',
    },
  ];
  const ledger: LedgerEntryV1[] = [
    v1Entry('oct-a', SITE, '2026-10-03T09:00:00Z', 'settled', 0.3, 0.2),
    v1Entry('oct-b', OTHER_SITE, '2026-10-30T09:00:00Z', 'released', 0.4, 0),
    v1Entry('nov-a', SITE, '2026-11-02T09:00:00Z', 'settled', 0.2, 0.1),
    v1Entry('nov-b', OTHER_SITE, '2026-11-19T09:00:00Z', 'settled', 0.5, 0.3),
    v1Entry('nov-open', OTHER_SITE, '2026-11-20T09:59:00Z', 'reserved', 0.05, 0),
  ];
  await database.table('settings').put({ id: 'global', values: { monthlyBudgetUsd: 3 } });
  await database.table('keyring').put({ id: 'device', key: deviceKey, createdAt: NOW });
  await database.table('accounts').put({
    provider: 'openai',
    sealedKey: await seal(deviceKey, OPENAI_KEY, 'llm-broker/api-key/openai'),
    sealedBy: 'device',
    maskedKey: 'sk-…wxyz',
    createdAt: NOW,
    updatedAt: NOW,
  });
  await database.table('grants').bulkPut(grants);
  await database.table('ledgerRequests').bulkPut(ledger);
  expect(database.verno).toBe(1);
  database.close();
}

function openAtLatest(databaseName: string): BrokerStorage {
  const storage = createBrokerStorage(databaseName, { now: () => NOW });
  storages.push(storage);
  return storage;
}

describe('schema upgrade from version 1 to 2', () => {
  it('opens a version 1 database at version 2 with its data migrated', async () => {
    const databaseName = freshDatabaseName('migration');
    await createVersion1Database(databaseName);
    const storage = openAtLatest(databaseName);

    // Untouched data reads as before: settings, the encrypted key.
    expect((await storage.settings.get()).monthlyBudgetUsd).toBe(3);
    expect(await storage.accounts.getApiKey('openai')).toBe(OPENAI_KEY);
    expect(storage.database.verno).toBe(5);

    // Grants gained a rate limit and kept everything else.
    expect(await storage.grants.get(SITE)).toMatchObject({
      allowed: true,
      monthlyBudgetUsd: 2,
      privacy: 'any',
      rateLimitPerMinute: V2_DEFAULT_RATE_LIMIT_PER_MINUTE,
    });
    expect((await storage.grants.get(OTHER_SITE))?.rateLimitPerMinute).toBe(
      V2_DEFAULT_RATE_LIMIT_PER_MINUTE,
    );

    // Ledger rows know their month, and the month totals were built from them.
    expect((await storage.ledger.get('oct-b'))?.month).toBe('2026-10');
    const october = await storage.ledger.monthTotals('2026-10');
    expect(october.global).toMatchObject({ spentUsd: 0.2, reservedUsd: 0, requestCount: 2 });
    const november = await storage.ledger.monthTotals('2026-11');
    expect(november.global.spentUsd).toBeCloseTo(0.4, 9);
    expect(november.global.reservedUsd).toBeCloseTo(0.05, 9);
    expect(november.origins.find((row) => row.scope === OTHER_SITE)).toMatchObject({
      requestCount: 2,
      reservedUsd: 0.05,
    });

    // Budgets count this month's migrated traffic, as the worker's budget book starts from it:
    // every site's, and the site's own.
    const book = new BudgetBook(november, await storage.ledger.dayTotals(), NOW);
    const limits = { globalUsd: 3, dailyUsd: Number.POSITIVE_INFINITY, siteUsd: 2 };
    expect(book.left(SITE, limits, NOW)).toBeCloseTo(2 - 0.1, 9);
    expect(book.left(SITE, { ...limits, siteUsd: 100 }, NOW)).toBeCloseTo(3 - 0.45, 9);
  });

  it('lets the migrated ledger carry on: the open reservation settles, new indexes answer', async () => {
    const databaseName = freshDatabaseName('migration-carry-on');
    await createVersion1Database(databaseName);
    const storage = openAtLatest(databaseName);

    const reserved = await storage.ledger.get('nov-open');
    expect(reserved?.status).toBe('reserved');
    await storage.ledger.finish({
      requestId: 'nov-open',
      origin: OTHER_SITE,
      createdAt: reserved!.createdAt,
      reservedUsd: reserved!.reservedUsd,
      costUsd: 0.01,
      model: { provider: 'openai', id: 'gpt-test', location: 'cloud' },
      counted: true,
    });
    const november = await storage.ledger.monthTotals('2026-11');
    expect(november.global.reservedUsd).toBe(0);
    expect(november.global.spentUsd).toBeCloseTo(0.41, 9);

    // Indexes that version 2 added work on rows version 1 wrote.
    const ofOther = await storage.ledger.list({ origin: OTHER_SITE });
    expect(ofOther.map((entry) => entry.requestId)).toEqual(['nov-open', 'nov-b', 'oct-b']);
    const settled = await storage.ledger.list({ status: 'settled' });
    expect(settled.map((entry) => entry.requestId)).toEqual([
      'nov-open',
      'nov-b',
      'nov-a',
      'oct-a',
    ]);
    // And the tables version 2 added are there.
    await storage.routerStats.save({ learned: true });
    expect((await storage.routerStats.load())?.stats).toEqual({ learned: true });
  });

  it('creates a new database directly at the latest version', async () => {
    const storage = openAtLatest(freshDatabaseName('fresh'));
    await storage.settings.get();
    expect(storage.database.verno).toBe(5);
    expect(storage.database.tables.map((table) => table.name).sort()).toEqual([
      'accounts',
      'catalogs',
      'counters',
      'grants',
      'keyring',
      'ledgerAttempts',
      'ledgerMonths',
      'ledgerOpen',
      'ledgerRequests',
      'requestLog',
      'responseCache',
      'routerStats',
      'settings',
      'usageDays',
    ]);
  });
});

/** A request-log line as version 2 wrote it (no provider field). */
function v2Line(seq: number, origin: string, createdAt: string, extra: object = {}) {
  return {
    seq,
    requestId: `log-${seq}`,
    origin,
    createdAt: Date.parse(createdAt),
    outcome: 'answered',
    model: { provider: 'openai', id: 'gpt-test', location: 'cloud' },
    attemptCount: 1,
    inputTokens: 100,
    outputTokens: 20,
    costUsd: 0.01,
    latencyMs: 500,
    ...extra,
  };
}

describe('schema upgrade from version 2 to 3', () => {
  it('builds ledger days, usage rollups and log provider fields from what version 2 stored', async () => {
    const databaseName = freshDatabaseName('migration-v3');
    await createVersion1Database(databaseName);
    const v2 = new Dexie(databaseName);
    v2.version(1).stores(SCHEMA_V1);
    v2.version(2).stores(SCHEMA_V2).upgrade(upgradeToVersion2);
    await v2.open();
    await v2.table('requestLog').bulkAdd([
      v2Line(1, SITE, '2026-11-19T09:00:00Z'),
      v2Line(2, OTHER_SITE, '2026-11-19T10:00:00Z', { cached: true, costUsd: 0 }),
      v2Line(3, SITE, '2026-11-20T09:00:00Z', {
        outcome: 'refused',
        model: undefined,
        costUsd: 0,
        inputTokens: 0,
        outputTokens: 0,
      }),
    ]);
    v2.close();

    const storage = openAtLatest(databaseName);
    // Days of the ledger: nov-b settled 0.30 on the 19th; nov-open holds 0.05 on the 20th.
    expect(await storage.ledger.dayTotals('2026-11-19')).toMatchObject({
      spentUsd: 0.3,
      requestCount: 1,
    });
    expect(await storage.ledger.dayTotals('2026-11-20')).toMatchObject({ reservedUsd: 0.05 });

    // The log's provider index answers for lines version 2 wrote.
    const openai = await storage.requestLog.recent({ provider: 'openai' });
    expect(openai.map((line) => line.seq)).toEqual([2, 1]);
    const refused = await storage.requestLog.recent({ outcome: 'refused' });
    expect(refused.map((line) => line.seq)).toEqual([3]);

    // Rollups: the 19th had two answers (one from the cache, free and without paid tokens).
    const [all19] = await storage.usage.days('all', '2026-11-19', '2026-11-19');
    expect(all19).toMatchObject({
      requests: 2,
      answered: 2,
      cached: 1,
      costUsd: 0.01,
      inputTokens: 100,
      outputTokens: 20,
    });
    const models = await storage.usage.days('model', '2026-11-19', '2026-11-20');
    expect(models).toEqual([
      expect.objectContaining({ key: 'openai/gpt-test', requests: 2, cached: 1, costUsd: 0.01 }),
    ]);
    const sites = await storage.usage.days('site', '2026-11-20', '2026-11-20');
    expect(sites).toEqual([expect.objectContaining({ key: SITE, requests: 1, refused: 1 })]);
  });
});

/** Version 1's data, opened as the extension's version `last` declared the database. */
async function openAsVersion(databaseName: string, last: 3 | 4): Promise<Dexie> {
  await createVersion1Database(databaseName);
  const older = new Dexie(databaseName);
  older.version(1).stores(SCHEMA_V1);
  older.version(2).stores(SCHEMA_V2).upgrade(upgradeToVersion2);
  older.version(3).stores(SCHEMA_V3).upgrade(upgradeToVersion3);
  if (last === 4) older.version(4).stores(SCHEMA_V4).upgrade(upgradeToVersion4);
  await older.open();
  return older;
}

/** A request still streaming: reserved, its totals moved at close, some text delivered. */
const STREAMING = {
  requestId: 'streaming',
  origin: SITE,
  month: '2026-11',
  status: 'reserved',
  reservedUsd: 0.2,
  costUsd: 0,
  createdAt: NOW,
  totalsAtClose: true,
  deliveredUsd: 0.03,
};

describe('schema upgrade from version 3 to 4', () => {
  it('moves reservations a running request opened to their own table, and settles them from there', async () => {
    const databaseName = freshDatabaseName('migration-v4');
    const v3 = await openAsVersion(databaseName, 3);
    // Version 3's `open`: one reserved row in the ledger.
    await v3.table('ledgerRequests').add(STREAMING);
    v3.close();

    const storage = openAtLatest(databaseName);
    expect(await storage.database.ledgerOpen.toArray()).toMatchObject([
      { requestId: 'streaming', status: 'reserved', deliveredUsd: 0.03 },
    ]);
    // Still held, once; a reservation `reserve` made (nov-open) stays where it was.
    expect((await storage.ledger.dayTotals('2026-11-20')).reservedUsd).toBeCloseTo(0.25, 9);
    expect((await storage.ledger.get('nov-open'))?.status).toBe('reserved');

    const closed = await storage.ledger.settleStale(NOW + 1);
    expect(closed.map((entry) => [entry.requestId, entry.status, entry.costUsd])).toEqual(
      expect.arrayContaining([
        ['streaming', 'settled', 0.03],
        ['nov-open', 'released', 0],
      ]),
    );
    expect(await storage.database.ledgerOpen.count()).toBe(0);
    expect(await storage.ledger.dayTotals('2026-11-20')).toMatchObject({ reservedUsd: 0 });
  });
});

describe('schema upgrade from version 4 to 5', () => {
  it("drops the open reservations' createdAt index and keeps their rows, still settled at start", async () => {
    const databaseName = freshDatabaseName('migration-v5');
    const v4 = await openAsVersion(databaseName, 4);
    await v4.table('ledgerOpen').add(STREAMING);
    v4.close();

    const storage = openAtLatest(databaseName);
    expect(await storage.database.ledgerOpen.count()).toBe(1);
    expect(storage.database.ledgerOpen.schema.indexes.map((index) => index.name)).toEqual([]);
    // Held until a worker starts after it, then settled at what it delivered.
    expect((await storage.ledger.settleStale(NOW)).map((entry) => entry.requestId)).toEqual([
      'nov-open',
    ]);
    const closed = await storage.ledger.settleStale(NOW + 1);
    expect(closed.map((entry) => [entry.requestId, entry.status, entry.costUsd])).toEqual([
      ['streaming', 'settled', 0.03],
    ]);
    expect(await storage.database.ledgerOpen.count()).toBe(0);
  });
});
