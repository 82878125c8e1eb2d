/**
 * Upgrade functions between schema versions. Each is frozen in time: it uses its own constants,
 * not today's defaults, so upgrading an old database means the same thing forever.
 */
import type { Transaction } from 'dexie';
import { GLOBAL_SCOPE, monthOf, toNanoUsd } from './storage-money';
import type { LedgerEntry, LedgerMonthRow, SiteGrant } from './storage-types';

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
