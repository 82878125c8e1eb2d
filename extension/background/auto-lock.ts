/**
 * The passphrase lock's automatic lock (docs/security.md), wired to the service worker. The rule
 * is src/storage/storage-auto-lock.ts; here are the last use of the keys — in memory, and in
 * session storage so a restarted worker knows it — and one alarm, which outlives the worker.
 * A use only moves the last-use time (no alarm is touched per request); the alarm, when it
 * fires, locks or waits for the rest of the period. Three checks make the deadline hold even
 * when the alarm is late: when it fires, when a restarted worker takes up the kept unlock, and
 * before each key is used.
 */
import { type AutoLockMinutes, autoLockDecision } from '../../src/storage/storage-auto-lock';
import type { BrokerSettings, LockStatus, UnlockKeeper } from '../../src/storage/storage-types';
import { alarms } from '../platform/browser-api';
import { forgetUnlock, keepLastUse, keepUnlock, keptLastUse, keptUnlock } from './unlock-keeper';

export const AUTO_LOCK_ALARM = 'auto-lock';

export interface AutoLockParts {
  settings(): Promise<BrokerSettings>;
  lockStatus(): Promise<LockStatus>;
  /** Locks as "Lock now" does: the key leaves memory and session storage, the broker forgets. */
  lock(): Promise<void>;
}

export class AutoLock {
  /** For the accounts repository: the session keeper, refusing an unlock left idle too long. */
  readonly keeper: UnlockKeeper;
  /** The last use as this worker knows it; undefined while no passphrase key is held here. */
  private lastUseAt: number | undefined;
  private setting: Promise<AutoLockMinutes | null> | undefined;

  constructor(private readonly parts: AutoLockParts) {
    this.keeper = {
      get: async () => {
        const kept = await keptUnlock();
        if (!kept) return undefined;
        if (await this.idleTooLong(kept.lastUseAt)) {
          await this.forget();
          return undefined;
        }
        this.lastUseAt = kept.lastUseAt ?? Date.now();
        if (kept.lastUseAt === undefined) await keepLastUse(this.lastUseAt);
        return kept.bits;
      },
      set: async (bits) => {
        this.lastUseAt = Date.now();
        await keepUnlock(bits, this.lastUseAt);
      },
      clear: () => this.forget(),
    };
  }

  /**
   * Before the broker hands a key to a provider: a use, which moves the deadline — or, if the
   * deadline passed before the alarm fired (a sleeping computer, a late alarm), the lock.
   */
  async beforeKeyUse(): Promise<void> {
    if (this.lastUseAt === undefined) return;
    const now = Date.now();
    if (await this.idleTooLong(this.lastUseAt, now)) {
      await this.parts.lock();
      return;
    }
    this.lastUseAt = now;
    // Not awaited: the request need not wait for it. A lost write only makes a restarted worker
    // count idleness from the use before, which locks sooner, not later.
    keepLastUse(now).catch((error) => console.error('LLM Broker: keeping last use failed', error));
  }

  /**
   * When the alarm fires, and after the lock or the setting changed: locks if the keys were idle
   * for the whole period, or arms the alarm for when the period would end; clears it when there
   * is nothing to time (no automatic lock, or not unlocked).
   */
  async sync(): Promise<void> {
    this.setting = undefined;
    const afterMinutes = await this.afterMinutes();
    if (afterMinutes !== null && (await this.parts.lockStatus()) === 'unlocked') {
      // Session storage, not memory: every use is written there, and any worker reads the same.
      const now = Date.now();
      const decision = autoLockDecision({ lastUseAt: await keptLastUse(), now, afterMinutes });
      if (!decision.lock) {
        await alarms().create(AUTO_LOCK_ALARM, { when: now + decision.checkInMs });
        return;
      }
      await this.parts.lock();
    }
    await alarms().clear(AUTO_LOCK_ALARM);
  }

  private async forget(): Promise<void> {
    this.lastUseAt = undefined;
    await forgetUnlock();
  }

  /** The setting, read once per worker life and again by `sync()` (which a change calls). */
  private afterMinutes(): Promise<AutoLockMinutes | null> {
    this.setting ??= this.parts.settings().then((settings) => settings.autoLockMinutes);
    this.setting.catch(() => {
      this.setting = undefined;
    });
    return this.setting;
  }

  private async idleTooLong(lastUseAt: number | undefined, now = Date.now()): Promise<boolean> {
    const afterMinutes = await this.afterMinutes();
    return afterMinutes !== null && autoLockDecision({ lastUseAt, now, afterMinutes }).lock;
  }
}
