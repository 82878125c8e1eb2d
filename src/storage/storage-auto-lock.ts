/**
 * The passphrase lock's automatic lock: the choices a person has, and the rule that decides, from
 * the last use of the keys, whether they lock now or when to look again. Pure: the extension
 * shell keeps the last-use time and the alarm (docs/security.md).
 */

/** "Lock automatically after" this many minutes without use; null is "Never" (the default). */
export const AUTO_LOCK_MINUTES = [15, 60, 240] as const;
export type AutoLockMinutes = (typeof AUTO_LOCK_MINUTES)[number];

export function isAutoLockSetting(value: unknown): value is AutoLockMinutes | null {
  return value === null || AUTO_LOCK_MINUTES.includes(value as AutoLockMinutes);
}

export type AutoLockDecision =
  /** Idle for the whole period (or since an unknown time): lock now. */
  | { lock: true }
  /** Still in use: look again in `checkInMs`, when the period would be over at the earliest. */
  | { lock: false; checkInMs: number };

export interface AutoLockInput {
  /** When the keys were last unlocked or read for a request (epoch ms); undefined if unknown. */
  lastUseAt: number | undefined;
  now: number;
  afterMinutes: AutoLockMinutes;
}

export function autoLockDecision({
  lastUseAt,
  now,
  afterMinutes,
}: AutoLockInput): AutoLockDecision {
  // Every unlock records a use, so an unknown one means the record was lost: lock, the safe side.
  if (lastUseAt === undefined || !Number.isFinite(lastUseAt)) return { lock: true };
  const periodMs = afterMinutes * 60_000;
  const idleMs = now - lastUseAt;
  if (idleMs >= periodMs) return { lock: true };
  // A clock set back makes the last use look in the future: never wait longer than one period.
  return { lock: false, checkInMs: Math.min(periodMs, periodMs - idleMs) };
}
