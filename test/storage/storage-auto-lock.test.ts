/**
 * The automatic lock's rule: from the last use, the time now and the chosen period, lock now or
 * look again when the period would end. The extension's alarm follows it; so do a restarted
 * worker taking up a kept unlock and each use of a key.
 */
import { describe, expect, it } from 'vitest';
import {
  AUTO_LOCK_MINUTES,
  autoLockDecision,
  isAutoLockSetting,
} from '../../src/storage/storage-auto-lock';

const MINUTE = 60_000;
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

describe('the automatic lock rule', () => {
  it('waits for the rest of the period while the keys were used within it', () => {
    expect(autoLockDecision({ lastUseAt: NOW, now: NOW, afterMinutes: 15 })).toEqual({
      lock: false,
      checkInMs: 15 * MINUTE,
    });
    expect(autoLockDecision({ lastUseAt: NOW - 10 * MINUTE, now: NOW, afterMinutes: 15 })).toEqual({
      lock: false,
      checkInMs: 5 * MINUTE,
    });
    expect(autoLockDecision({ lastUseAt: NOW - 1, now: NOW, afterMinutes: 240 })).toEqual({
      lock: false,
      checkInMs: 240 * MINUTE - 1,
    });
  });

  it('locks once the whole period passed without use, to the millisecond', () => {
    expect(autoLockDecision({ lastUseAt: NOW - 15 * MINUTE, now: NOW, afterMinutes: 15 })).toEqual({
      lock: true,
    });
    expect(autoLockDecision({ lastUseAt: NOW - 61 * MINUTE, now: NOW, afterMinutes: 60 })).toEqual({
      lock: true,
    });
    expect(
      autoLockDecision({ lastUseAt: NOW - 60 * MINUTE + 1, now: NOW, afterMinutes: 60 }),
    ).toMatchObject({ lock: false, checkInMs: 1 });
  });

  it('locks when the last use is unknown: every unlock records one, so it was lost', () => {
    expect(autoLockDecision({ lastUseAt: undefined, now: NOW, afterMinutes: 15 })).toEqual({
      lock: true,
    });
    expect(autoLockDecision({ lastUseAt: Number.NaN, now: NOW, afterMinutes: 15 })).toEqual({
      lock: true,
    });
  });

  it('never waits longer than one period when the clock was set back', () => {
    expect(autoLockDecision({ lastUseAt: NOW + 3 * MINUTE, now: NOW, afterMinutes: 15 })).toEqual({
      lock: false,
      checkInMs: 15 * MINUTE,
    });
  });

  it('knows the choices: never (null), 15 minutes, 1 hour, 4 hours', () => {
    expect(AUTO_LOCK_MINUTES).toEqual([15, 60, 240]);
    for (const value of [null, 15, 60, 240]) expect(isAutoLockSetting(value)).toBe(true);
    for (const value of [0, 30, '15', undefined, 15.5, -15, Number.POSITIVE_INFINITY, {}]) {
      expect(isAutoLockSetting(value)).toBe(false);
    }
  });
});
