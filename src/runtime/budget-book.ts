/**
 * This month's money in the background's memory: what every site together and each site has
 * spent and holds in running requests. The background is the ledger's only writer and runs one
 * thing at a time, so a reservation checked and taken here cannot race another — concurrent
 * requests still cannot pass a budget — and the request path reads no database before its fetch.
 * The ledger (storage-ledger.ts) is written after the first token and when the request ends; this
 * book is loaded from it once per worker life (after stale reservations are settled) and kept in
 * step by the same calls.
 */
import { fromNanoUsd, monthOf, toNanoUsd } from '../storage/storage-money';
import type { MonthTotals } from '../storage/storage-types';

interface Scope {
  spent: number;
  reserved: number;
}

export type BookReservation =
  | { ok: true; month: string }
  | {
      ok: false;
      /** Which budget it would pass: every site's together, or this site's. */
      exceeded: 'global' | 'site';
      limitUsd: number;
      committedUsd: number;
    };

export interface BudgetLimits {
  globalUsd: number;
  /** Infinity when the origin has no grant (the extension's own pages). */
  siteUsd: number;
}

export class BudgetBook {
  private month: string;
  private readonly global: Scope = { spent: 0, reserved: 0 };
  private readonly sites = new Map<string, Scope>();

  /** `totals`: the ledger's month totals for `month` (the current month when loaded). */
  constructor(totals: { global: MonthTotals; origins: MonthTotals[] }, month: string) {
    this.month = month;
    if (totals.global.month !== month) return;
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
    const site = leftOf(limits.siteUsd, this.sites.get(origin));
    return Math.min(global, site);
  }

  /** Holds `amountUsd` for a request if both budgets have room; a zero amount always fits. */
  reserve(origin: string, amountUsd: number, limits: BudgetLimits, now: number): BookReservation {
    this.rollOver(now);
    const amount = toNanoUsd(amountUsd);
    const site = this.site(origin);
    if (amount > 0) {
      for (const [exceeded, scope, limitUsd] of [
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
    site.reserved += amount;
    return { ok: true, month: this.month };
  }

  /** Replaces a reservation made in `month` by what the request cost (0 to release it). */
  settle(origin: string, month: string, reservedUsd: number, costUsd: number): void {
    // A reservation from a month that has ended counts in that month's ledger totals only.
    if (month !== this.month) return;
    const site = this.site(origin);
    const held = toNanoUsd(reservedUsd);
    const cost = toNanoUsd(costUsd);
    for (const scope of [this.global, site]) {
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

  /** A new calendar month starts every budget afresh. */
  private rollOver(now: number): void {
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
