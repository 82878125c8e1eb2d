/**
 * Per-origin request rate limits: a sliding one-minute window per site. In memory on purpose — a
 * restarted service worker forgets at most one minute of history, and nothing is written per call.
 */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly windowMs = 60_000) {}

  /** Records a request at `now` if the origin is under `limit` requests per window; false if not. */
  tryAcquire(origin: string, limit: number, now: number): boolean {
    const recent = (this.windows.get(origin) ?? []).filter((time) => now - time < this.windowMs);
    if (recent.length >= limit) {
      this.windows.set(origin, recent);
      return false;
    }
    recent.push(now);
    this.windows.set(origin, recent);
    return true;
  }

  /** Milliseconds until the origin may make its next request. */
  retryAfterMs(origin: string, now: number): number {
    const oldest = this.windows.get(origin)?.[0];
    return oldest === undefined ? 0 : Math.max(0, this.windowMs - (now - oldest));
  }
}
