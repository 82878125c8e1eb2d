/**
 * Which providers to leave alone for a while: a provider that asked us to wait (429 with
 * Retry-After) is in cooldown until then, and one that keeps failing trips a circuit breaker.
 * The router sees both as `RoutingState.cooldowns` and routes around them. The broker keeps a
 * snapshot in session memory, so a provider that asked to be left alone still is after the
 * background restarts.
 */

export interface ProviderHealthOptions {
  /** Failures within `failureWindowMs` that open the breaker. */
  failureThreshold: number;
  failureWindowMs: number;
  /** How long an opened breaker keeps the provider out; doubles each time it re-opens. */
  openMs: number;
  /** The longest any cooldown lasts, whatever a provider asks. */
  maxCooldownMs: number;
}

export const DEFAULT_PROVIDER_HEALTH: ProviderHealthOptions = {
  failureThreshold: 3,
  failureWindowMs: 60_000,
  openMs: 15_000,
  maxCooldownMs: 10 * 60_000,
};

/** What `snapshot()` returns and `restore()` takes: plain data. */
export type ProviderHealthSnapshot = Record<string, ProviderRecord>;

interface ProviderRecord {
  /** Epoch ms of recent failures, oldest first. */
  failures: number[];
  /** Consecutive times the breaker opened without a success in between. */
  opens: number;
  cooldownUntil: number;
  /** The last failure, in words (what the router's explanation says). */
  cause?: string;
}

export class ProviderHealth {
  private readonly records = new Map<string, ProviderRecord>();

  constructor(private readonly options: ProviderHealthOptions = DEFAULT_PROVIDER_HEALTH) {}

  recordSuccess(provider: string): void {
    this.records.delete(provider);
  }

  /**
   * Notes a failure. `retryAfterMs` (from the provider) puts it in cooldown at once; enough
   * failures in the window open the breaker — and a failure right after it closes again (the
   * half-open trial) re-opens it for twice as long.
   */
  recordFailure(provider: string, now: number, retryAfterMs?: number, cause?: string): void {
    const record = this.records.get(provider) ?? { failures: [], opens: 0, cooldownUntil: 0 };
    if (cause !== undefined) record.cause = cause;
    record.failures = record.failures.filter((time) => now - time < this.options.failureWindowMs);
    record.failures.push(now);
    const cap = this.options.maxCooldownMs;
    if (retryAfterMs !== undefined && retryAfterMs > 0) {
      record.cooldownUntil = Math.max(record.cooldownUntil, now + Math.min(retryAfterMs, cap));
    }
    if (record.failures.length >= this.options.failureThreshold) {
      record.opens++;
      const openFor = Math.min(this.options.openMs * 2 ** (record.opens - 1), cap);
      record.cooldownUntil = Math.max(record.cooldownUntil, now + openFor);
    }
    this.records.set(provider, record);
  }

  /** When `provider` may be tried again, if it is to be avoided at `now`. */
  coolingDownUntil(provider: string, now: number): number | undefined {
    const until = this.records.get(provider)?.cooldownUntil;
    return until !== undefined && until > now ? until : undefined;
  }

  snapshot(): ProviderHealthSnapshot {
    return Object.fromEntries(this.records);
  }

  /** Takes back a snapshot (ignoring anything malformed: a stale snapshot must not break routing). */
  restore(snapshot: unknown): void {
    if (typeof snapshot !== 'object' || snapshot === null) return;
    for (const [provider, record] of Object.entries(snapshot as Record<string, unknown>)) {
      const { failures, opens, cooldownUntil, cause } = (record ?? {}) as Partial<ProviderRecord>;
      if (
        !Array.isArray(failures) ||
        typeof opens !== 'number' ||
        typeof cooldownUntil !== 'number'
      )
        continue;
      this.records.set(provider, {
        failures: failures.filter((time): time is number => typeof time === 'number'),
        opens,
        cooldownUntil,
        ...(typeof cause === 'string' && { cause }),
      });
    }
  }

  /** Why each provider in cooldown at `now` is (its last failure), where known. */
  causes(now: number): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [provider, record] of this.records) {
      if (record.cooldownUntil > now && record.cause) result[provider] = record.cause;
    }
    return result;
  }

  /** Providers to avoid at `now`, with when each may be tried again (epoch ms). */
  cooldowns(now: number): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [provider, record] of this.records) {
      if (record.cooldownUntil > now) result[provider] = record.cooldownUntil;
    }
    return result;
  }
}
