/** Money and calendar helpers shared by the ledger and its migration. */

const NANO_PER_USD = 1_000_000_000;

/**
 * US dollars as whole nano-dollars. Aggregates add and subtract these integers, so a reservation
 * released is taken off exactly (floats would leave 1e-17 behind) and a token priced at
 * $0.10 per million still counts (1e-7 USD = 100 nano-dollars).
 */
export function toNanoUsd(usd: number): number {
  return Math.round(usd * NANO_PER_USD);
}

export function fromNanoUsd(nanoUsd: number): number {
  return nanoUsd / NANO_PER_USD;
}

/**
 * The calendar month of a moment as `YYYY-MM`, in UTC: budgets reset at the same instant the
 * providers' billing months do, whatever the time zone of the browser.
 */
export function monthOf(epochMs: number): string {
  const date = new Date(epochMs);
  const month = String(date.getUTCMonth() + 1).padStart(2, '0');
  return `${date.getUTCFullYear()}-${month}`;
}

/** The calendar day of a moment as `YYYY-MM-DD`, in UTC (the daily budget's day). */
export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** The scope of the month aggregate that sums every site (an origin can never be `*`). */
export const GLOBAL_SCOPE = '*';
