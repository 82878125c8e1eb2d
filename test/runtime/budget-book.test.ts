import { describe, expect, it } from 'vitest';
import { BudgetBook, type BudgetLimits } from '../../src/runtime/budget-book';
import type { MonthTotals } from '../../src/storage/storage-types';

const SITE = 'https://site.example';
const NOON = Date.parse('2026-12-04T12:00:00Z');
const HOUR = 3_600_000;

function totals(month: string, spentUsd: number, reservedUsd = 0): MonthTotals {
  return {
    month,
    scope: '*',
    spentUsd,
    reservedUsd,
    committedUsd: spentUsd + reservedUsd,
    requestCount: 1,
  };
}

const limits: BudgetLimits = { globalUsd: 10, dailyUsd: 1, siteUsd: 5 };

describe('budget book', () => {
  it('starts from the ledger: what the month and the day already hold', () => {
    const book = new BudgetBook(
      { global: totals('2026-12', 4), origins: [{ ...totals('2026-12', 3), scope: SITE }] },
      totals('2026-12-04', 0.25, 0.05),
      NOON,
    );
    expect(book.left(SITE, limits, NOON)).toBeCloseTo(0.7, 9);
    expect(book.left(SITE, { ...limits, dailyUsd: Number.POSITIVE_INFINITY }, NOON)).toBe(2);
  });

  it('refuses past the daily budget, and the next day starts afresh while the month goes on', () => {
    const book = new BudgetBook(
      { global: totals('2026-12', 0), origins: [] },
      totals('2026-12-04', 0),
      NOON,
    );
    const first = book.reserve(SITE, 0.6, limits, NOON);
    expect(first).toMatchObject({ ok: true, month: '2026-12', day: '2026-12-04' });
    expect(book.reserve(SITE, 0.6, limits, NOON)).toMatchObject({
      ok: false,
      exceeded: 'daily',
      limitUsd: 1,
      committedUsd: 0.6,
    });
    if (!first.ok) throw new Error('unreachable');
    book.settle(SITE, first, 0.6, 0.5);
    expect(book.left(SITE, limits, NOON)).toBeCloseTo(0.5, 9);

    // A request reserved before midnight and settled after counts in its own day only.
    const late = book.reserve(SITE, 0.4, limits, NOON + 11 * HOUR);
    if (!late.ok) throw new Error('expected room');
    const tomorrow = NOON + 13 * HOUR;
    expect(book.left(SITE, limits, tomorrow)).toBe(1);
    book.settle(SITE, late, 0.4, 0.4);
    expect(book.left(SITE, limits, tomorrow)).toBe(1);
    // The month counts both days: 10 − 0.5 − 0.4, and the site's 5 − 0.9 is what binds.
    expect(
      book.left(SITE, { ...limits, dailyUsd: Number.POSITIVE_INFINITY }, tomorrow),
    ).toBeCloseTo(4.1, 9);
  });
});
