/**
 * This month's and today's money in the background's memory: what every site together (this
 * month and today) and each site (this month) has spent and holds in running requests. The background is the ledger's only writer and runs one
 * thing at a time, so a reservation checked and taken here cannot race another — concurrent
 * requests still cannot pass a budget — and the request path reads no database before its fetch.
 * The ledger (storage-ledger.ts) is written after the first token and when the request ends; this
 * book is loaded from it once per worker life (after stale reservations are settled) and kept in
 * step by the same calls.
 */
import { dayOf, fromNanoUsd, monthOf, toNanoUsd } from '../storage/storage-money';
import type { MonthTotals } from '../storage/storage-types';

interface Scope {
  spent: number;
  reserved: number;
}

/** When a reservation was taken: the month and day it counts in. */
export interface BookPeriod {
  month: string;
  day: string;
}

export type BookReservation =
  | ({ ok: true } & BookPeriod)
  | {
      ok: false;
      /** Which budget it would pass: today's or this month's for every site, or this site's. */
      exceeded: 'daily' | 'global' | 'site';
      limitUsd: number;
      committedUsd: number;
    };

export interface BudgetLimits {
  globalUsd: number;
  /** Every site together in one day; Infinity for no daily limit. */
  dailyUsd: number;
  /** Infinity when the origin has no grant (the extension's own pages). */
  siteUsd: number;
}

export class BudgetBook {
  private month: string;
  private day: string;
  private readonly global: Scope = { spent: 0, reserved: 0 };
  private readonly today: Scope = { spent: 0, reserved: 0 };
  private readonly sites = new Map<string, Scope>();

  /**
   * `totals`: the ledger's month totals for the month of `now`; `today`: its totals for the day
   * of `now` (when loaded).
   */
  constructor(
    totals: { global: MonthTotals; origins: MonthTotals[] },
    today: MonthTotals,
    now: number,
  ) {
    this.month = monthOf(now);
    this.day = dayOf(now);
    if (today.month === this.day) {
      this.today.spent = toNanoUsd(today.spentUsd);
      this.today.reserved = toNanoUsd(today.reservedUsd);
    }
    if (totals.global.month !== this.month) return;
    this.global.spent = toNanoUsd(totals.global.spentUsd);
    this.global.reserved = toNanoUsd(totals.global.reservedUsd);
    for (const site of totals.origins) {
      this.sites.set(site.scope, {
        spent: toNanoUsd(site.spentUsd),
        reserved: toNanoUsd(site.reservedUsd),
      });
    }
  }

  /** What a request from `origin` may still cost this month: the smaller of the two budgets. */
  left(origin: string, limits: BudgetLimits, now: number): number {
    this.rollOver(now);
    const global = leftOf(limits.globalUsd, this.global);
    const daily = leftOf(limits.dailyUsd, this.today);
    const site = leftOf(limits.siteUsd, this.sites.get(origin));
    return Math.min(global, daily, site);
  }

  /** What `origin` has spent this month (settled requests; running ones are not yet spent). */
  spentBy(origin: string, now: number): number {
    this.rollOver(now);
    return fromNanoUsd(this.sites.get(origin)?.spent ?? 0);
  }

  /** Holds `amountUsd` for a request if both budgets have room; a zero amount always fits. */
  reserve(origin: string, amountUsd: number, limits: BudgetLimits, now: number): BookReservation {
    this.rollOver(now);
    const amount = toNanoUsd(amountUsd);
    const site = this.site(origin);
    if (amount > 0) {
      for (const [exceeded, scope, limitUsd] of [
        ['daily', this.today, limits.dailyUsd],
        ['global', this.global, limits.globalUsd],
        ['site', site, limits.siteUsd],
      ] as const) {
        if (
          limitUsd !== Number.POSITIVE_INFINITY &&
          committed(scope) + amount > toNanoUsd(limitUsd)
        )
          return { ok: false, exceeded, limitUsd, committedUsd: fromNanoUsd(committed(scope)) };
      }
    }
    this.global.reserved += amount;
    this.today.reserved += amount;
    site.reserved += amount;
    return { ok: true, month: this.month, day: this.day };
  }

  /** Replaces a reservation made in `period` by what the request cost (0 to release it). */
  settle(origin: string, period: BookPeriod, reservedUsd: number, costUsd: number): void {
    // A reservation from a month or day that has ended counts in that period's ledger totals only.
    const scopes: Scope[] = [];
    if (period.month === this.month) scopes.push(this.global, this.site(origin));
    if (period.day === this.day) scopes.push(this.today);
    const held = toNanoUsd(reservedUsd);
    const cost = toNanoUsd(costUsd);
    for (const scope of scopes) {
      scope.reserved -= held;
      scope.spent += cost;
    }
  }

  private site(origin: string): Scope {
    let scope = this.sites.get(origin);
    if (!scope) {
      scope = { spent: 0, reserved: 0 };
      this.sites.set(origin, scope);
    }
    return scope;
  }

  /** A new day starts the daily budget afresh; a new month every budget. */
  private rollOver(now: number): void {
    const day = dayOf(now);
    if (day !== this.day) {
      this.day = day;
      this.today.spent = 0;
      this.today.reserved = 0;
    }
    const month = monthOf(now);
    if (month === this.month) return;
    this.month = month;
    this.global.spent = 0;
    this.global.reserved = 0;
    this.sites.clear();
  }
}

function committed(scope: Scope): number {
  return scope.spent + scope.reserved;
}

function leftOf(limitUsd: number, scope: Scope | undefined): number {
  if (limitUsd === Number.POSITIVE_INFINITY) return limitUsd;
  return Math.max(0, fromNanoUsd(toNanoUsd(limitUsd) - (scope ? committed(scope) : 0)));
}
