/**
 * The Usage page's arithmetic, apart from its looks: days of a range, the series a chart stacks,
 * breakdowns, the savings against the best model the person has, and the log as CSV.
 */
import type { CatalogModel } from '../../../src/catalog/catalog-types';
import { dayOf } from '../../../src/storage/storage-money';
import type { RequestLogEntry } from '../../../src/storage/storage-types';
import type { UsageDay } from '../../../src/storage/storage-usage';

const DAY_MS = 86_400_000;

/** The `count` days (UTC, `YYYY-MM-DD`) that end with the day of `now`, oldest first. */
export function lastDays(count: number, now: number): string[] {
  return Array.from({ length: count }, (_, index) => dayOf(now - (count - 1 - index) * DAY_MS));
}

export interface KeyTotals {
  key: string;
  requests: number;
  answered: number;
  cached: number;
  refused: number;
  failed: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Requests with a first pass or a second opinion, those that escalated, and what the accepted
   * first passes saved. */
  cascaded: number;
  escalated: number;
  cascadeSavedUsd: number;
}

function emptyTotals(key: string): KeyTotals {
  return {
    key,
    requests: 0,
    answered: 0,
    cached: 0,
    refused: 0,
    failed: 0,
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    cascaded: 0,
    escalated: 0,
    cascadeSavedUsd: 0,
  };
}

/** Each key's totals over the rows, dearest first (then most requests, then by name). */
export function breakdown(rows: readonly UsageDay[]): KeyTotals[] {
  const byKey = new Map<string, KeyTotals>();
  for (const row of rows) {
    let totals = byKey.get(row.key);
    if (!totals) {
      totals = emptyTotals(row.key);
      byKey.set(row.key, totals);
    }
    totals.requests += row.requests;
    totals.answered += row.answered;
    totals.cached += row.cached;
    totals.refused += row.refused;
    totals.failed += row.failed;
    totals.costUsd += row.costUsd;
    totals.inputTokens += row.inputTokens;
    totals.outputTokens += row.outputTokens;
    totals.cascaded += row.cascaded ?? 0;
    totals.escalated += row.escalated ?? 0;
    totals.cascadeSavedUsd += (row.cascadeSavedNanoUsd ?? 0) / 1e9;
  }
  return [...byKey.values()].sort(
    (a, b) => b.costUsd - a.costUsd || b.requests - a.requests || a.key.localeCompare(b.key),
  );
}

/** Every row added together (for the `all` dimension: the range's totals). */
export function total(rows: readonly UsageDay[]): KeyTotals {
  const [sum] = breakdown(rows.map((row) => ({ ...row, key: '' })));
  return sum ?? emptyTotals('');
}

export interface StackedSeries {
  days: string[];
  /** The keys shown, dearest first; `Other` gathers the rest. */
  keys: string[];
  /** Per key, its spend on each day (USD). */
  values: number[][];
}

/** Spend per day of the `top` dearest keys, the rest as `Other`. */
export function stackedSpend(rows: readonly UsageDay[], days: string[], top = 6): StackedSeries {
  const ranked = breakdown(rows).filter((totals) => totals.costUsd > 0);
  const shown = ranked.slice(0, ranked.length > top ? top - 1 : top).map((totals) => totals.key);
  const other = ranked.length > shown.length;
  const keys = other ? [...shown, 'Other'] : shown;
  const dayIndex = new Map(days.map((day, index) => [day, index]));
  const values = keys.map(() => days.map(() => 0));
  for (const row of rows) {
    const day = dayIndex.get(row.day);
    if (day === undefined || row.costUsd === 0) continue;
    const position = shown.indexOf(row.key);
    const series = values[position === -1 ? keys.length - 1 : position];
    if (series && (position !== -1 || other)) series[day] = (series[day] ?? 0) + row.costUsd;
  }
  return { days, keys, values };
}

/**
 * The model the person would use if cost did not matter: the best overall quality among the
 * providers they can use (cloud or local), priced per million tokens. Undefined when they have
 * none with a price.
 */
export function bestModelOf(
  catalog: readonly CatalogModel[],
  usable: ReadonlySet<string>,
): CatalogModel | undefined {
  let best: CatalogModel | undefined;
  for (const model of catalog) {
    if (!usable.has(model.provider)) continue;
    if (!best || model.scores.overallQuality > best.scores.overallQuality) best = model;
  }
  return best;
}

/** What the paid tokens would have cost on `model` (the savings' baseline). */
export function baselineCost(totals: KeyTotals, model: CatalogModel): number {
  return (
    (totals.inputTokens * model.pricing.inputPerMTok +
      totals.outputTokens * model.pricing.outputPerMTok) /
    1e6
  );
}

const CSV_COLUMNS = [
  'time',
  'site',
  'outcome',
  'task',
  'provider',
  'model',
  'attempts',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'cost_estimated',
  'latency_ms',
  'cached',
  'first_pass',
  'error',
  'reason',
  'request',
  'answer',
] as const;

/** One CSV field: quoted when it holds a comma, quote or line break; formulas defused. */
export function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  // A spreadsheet would run a cell starting with = + - @ as a formula: a site wrote this text.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header line of the CSV export. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** One log line as a CSV record. `requestText` renders kept request text. */
export function csvLine(
  entry: RequestLogEntry,
  requestText: (entry: RequestLogEntry) => string | undefined,
): string {
  const fields = [
    new Date(entry.createdAt).toISOString(),
    entry.origin,
    entry.outcome,
    entry.task,
    entry.model?.provider,
    entry.model?.id,
    entry.attemptCount,
    entry.inputTokens,
    entry.outputTokens,
    entry.costUsd,
    entry.estimated === true,
    Math.round(entry.latencyMs),
    entry.cached === true,
    entry.cascade
      ? entry.cascade.escalated
        ? `escalated: ${entry.cascade.reason ?? ''}`
        : 'accepted'
      : undefined,
    entry.errorName,
    entry.reason,
    requestText(entry),
    entry.answerText,
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}
