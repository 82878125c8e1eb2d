/**
 * Memory that outlives the background's restarts but not the browser session: MV3 stops an idle
 * service worker (Firefox suspends its event page) every ~30 s, and what the broker holds only
 * in variables — cooldowns, circuit breakers, rate-limit windows, the answers `feedback()` may
 * rate — would be lost with it. The extension backs this with `storage.session` (memory only,
 * unreadable by content scripts); tests with a Map. Writes are never awaited on a request's path.
 */
/**
 * How long the broker lets session memory wait before writing it, by default: a busy page's
 * answers then share one write (one per answer crowded the next call's way to its first token),
 * and a worker stops only after tens of seconds without events.
 */
export const SESSION_SAVE_DELAY_MS = 1_000;

export interface SessionMemory {
  get(key: string): Promise<unknown>;
  /** Writes every key of `values` at once (one round trip to the browser). */
  set(values: Readonly<Record<string, unknown>>): Promise<void>;
  remove(keys: readonly string[]): Promise<void>;
}

/** A SessionMemory in this process's memory (tests; a worker restart is a new Broker on it). */
export class InMemorySession implements SessionMemory {
  private readonly values = new Map<string, unknown>();

  async get(key: string): Promise<unknown> {
    // A copy, as storage.session hands out: nothing shares objects with a stored value.
    const value = this.values.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  async set(values: Readonly<Record<string, unknown>>): Promise<void> {
    for (const [key, value] of Object.entries(values)) this.values.set(key, structuredClone(value));
  }

  async remove(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.values.delete(key);
  }
}
