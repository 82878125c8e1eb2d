/**
 * Per-origin request rate limits: a sliding one-minute window per site. The broker keeps a
 * snapshot in session memory, so a restarted background still counts the last minute.
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

  /** The windows as plain data, each trimmed to what still counts at `now`. */
  snapshot(now: number): Record<string, number[]> {
    const result: Record<string, number[]> = {};
    for (const [origin, times] of this.windows) {
      const recent = times.filter((time) => now - time < this.windowMs);
      if (recent.length > 0) result[origin] = recent;
    }
    return result;
  }

  restore(snapshot: unknown): void {
    if (typeof snapshot !== 'object' || snapshot === null) return;
    for (const [origin, times] of Object.entries(snapshot as Record<string, unknown>)) {
      if (!Array.isArray(times)) continue;
      const numbers = times.filter((time): time is number => typeof time === 'number');
      this.windows.set(
        origin,
        [...numbers, ...(this.windows.get(origin) ?? [])].sort((a, b) => a - b),
      );
    }
  }

  /** Milliseconds until the origin may make its next request. */
  retryAfterMs(origin: string, now: number): number {
    const oldest = this.windows.get(origin)?.[0];
    return oldest === undefined ? 0 : Math.max(0, this.windowMs - (now - oldest));
  }
}
