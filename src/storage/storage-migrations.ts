/**
 * Upgrade functions between schema versions. Each is frozen in time: it uses its own constants,
 * not today's defaults, so upgrading an old database means the same thing forever.
 */
import { Dexie, type Transaction } from 'dexie';
import type { Attempt } from '../protocol/llm-result';
import { dayOf, GLOBAL_SCOPE, monthOf, toNanoUsd } from './storage-money';
import type {
  LedgerEntry,
  LedgerMonthRow,
  RequestLogEntry,
  SiteGrant,
  UsageDayRow,
} from './storage-types';
import { usageOfLine } from './storage-usage';

/** The rate limit version 2 gives grants made before rate limits existed. */
export const V2_DEFAULT_RATE_LIMIT_PER_MINUTE = 20;

/** A grant as version 1 stored it. */
export type SiteGrantV1 = Omit<SiteGrant, 'rateLimitPerMinute'>;
/** A ledger row as version 1 stored it. */
export type LedgerEntryV1 = Omit<LedgerEntry, 'month'>;

/**
 * Version 1 → 2: grants get a rate limit; ledger rows get the month they count in; the month
 * aggregates are built once from the rows already there (the only time the ledger is scanned).
 */
export async function upgradeToVersion2(transaction: Transaction): Promise<void> {
  await transaction
    .table<SiteGrantV1, string>('grants')
    .toCollection()
    .modify((grant) => {
      Object.assign(grant, { rateLimitPerMinute: V2_DEFAULT_RATE_LIMIT_PER_MINUTE });
    });

  const months = new Map<string, LedgerMonthRow>();
  await transaction
    .table<LedgerEntryV1, string>('ledgerRequests')
    .toCollection()
    .modify((entry) => {
      const month = monthOf(entry.createdAt);
      Object.assign(entry, { month });
      for (const scope of [GLOBAL_SCOPE, entry.origin]) {
        addEntryToMonth(monthRowFor(months, month, scope), entry);
      }
    });
  await transaction
    .table<LedgerMonthRow, [string, string]>('ledgerMonths')
    .bulkPut([...months.values()]);
}

function monthRowFor(
  months: Map<string, LedgerMonthRow>,
  month: string,
  scope: string,
): LedgerMonthRow {
  const id = `${month} ${scope}`;
  let row = months.get(id);
  if (!row) {
    row = { month, scope, reservedNanoUsd: 0, spentNanoUsd: 0, requestCount: 0 };
    months.set(id, row);
  }
  return row;
}

function addEntryToMonth(row: LedgerMonthRow, entry: LedgerEntryV1): void {
  row.requestCount += 1;
  if (entry.status === 'reserved') row.reservedNanoUsd += toNanoUsd(entry.reservedUsd);
  if (entry.status === 'settled') row.spentNanoUsd += toNanoUsd(entry.costUsd);
}

/**
 * Version 2 → 3: ledger day rows (every site together) for the daily budget, built from the
 * ledger; request-log lines get their provider (a filter index); the daily usage rollups are built
 * from the log (attempts of lines already written are not in it, so their cost counts for the
 * answering model).
 */
export async function upgradeToVersion3(transaction: Transaction): Promise<void> {
  const days = new Map<string, LedgerMonthRow>();
  await transaction
    .table<LedgerEntry, string>('ledgerRequests')
    .toCollection()
    .each((entry) => {
      addEntryToMonth(monthRowFor(days, dayOf(entry.createdAt), GLOBAL_SCOPE), entry);
    });
  await transaction
    .table<LedgerMonthRow, [string, string]>('ledgerMonths')
    .bulkPut([...days.values()]);

  const usage = transaction.table<UsageDayRow, [string, string, string]>('usageDays');
  const rows = new Map<string, UsageDayRow>();
  await transaction
    .table<RequestLogEntry, number>('requestLog')
    .toCollection()
    .modify((line) => {
      if (line.model) line.provider = line.model.provider;
      const day = dayOf(line.createdAt);
      const attempts: Attempt[] = line.model
        ? [
            {
              model: line.model,
              outcome: 'ok',
              durationMs: line.latencyMs,
              costUsd: line.costUsd,
              usage: { inputTokens: line.inputTokens, outputTokens: line.outputTokens },
            },
          ]
        : [];
      for (const { dimension, key, counts } of usageOfLine(
        line,
        line.cached ? [] : attempts,
      ).values()) {
        const id = `${day} ${dimension} ${key}`;
        const row = rows.get(id) ?? { day, dimension, key, ...zero(counts) };
        for (const field of Object.keys(counts) as Array<keyof typeof counts>) {
          row[field] = (row[field] ?? 0) + (counts[field] ?? 0);
        }
        rows.set(id, row);
      }
    });
  await usage.bulkPut([...rows.values()]);
}

/**
 * Version 3 → 4: reservations a running request opened (`totalsAtClose`) move to their own
 * table; those a stopped worker left are settled from there by the next one, as before.
 */
export async function upgradeToVersion4(transaction: Transaction): Promise<void> {
  const requests = transaction.table<LedgerEntry, string>('ledgerRequests');
  const opened = await requests
    .where('[status+createdAt]')
    .between(['reserved', Dexie.minKey], ['reserved', Dexie.maxKey])
    .filter((entry) => entry.totalsAtClose === true)
    .toArray();
  await transaction.table<LedgerEntry, string>('ledgerOpen').bulkPut(opened);
  await requests.bulkDelete(opened.map((entry) => entry.requestId));
}

function zero<T extends object>(counts: T): T {
  return Object.fromEntries(Object.keys(counts).map((field) => [field, 0])) as T;
}
