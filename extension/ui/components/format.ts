/** How numbers and times read on the extension's pages, and how typed amounts are read back. */

/** A typed dollar amount: a finite number of zero or more, or undefined for anything else. */
export function parseUsd(text: string): number | undefined {
  const amount = Number(text);
  return text.trim() !== '' && Number.isFinite(amount) && amount >= 0 ? amount : undefined;
}

const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 2,
});
const smallUsd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumSignificantDigits: 2,
});

/** `$12.40`; sub-cent amounts keep two significant digits (`$0.00042`) so they do not read as free. */
export function formatUsd(value: number): string {
  if (value === 0) return '$0';
  return Math.abs(value) < 0.01 ? smallUsd.format(value) : usd.format(value);
}

export function formatMs(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat('en-US').format(value);
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "yesterday"… for recent times; a date beyond a week. */
export function formatWhen(epochMs: number, now = Date.now()): string {
  const seconds = Math.round((epochMs - now) / 1000);
  if (Math.abs(seconds) < 60) return relative.format(seconds, 'second');
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return relative.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) return relative.format(hours, 'hour');
  const days = Math.round(hours / 24);
  if (Math.abs(days) < 7) return relative.format(days, 'day');
  return new Date(epochMs).toLocaleDateString('en-US', { dateStyle: 'medium' });
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
