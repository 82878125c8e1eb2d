/**
 * Keeps the unlocked passphrase key across service-worker restarts (MV3 stops an idle worker
 * after ~30 s, which would otherwise lock the keys every half minute). The key's 32 raw bytes go
 * to the browser's session storage: memory only, gone when the browser quits, not readable by
 * content scripts. docs/security.md says what that does and does not protect. Beside them goes
 * the time of the keys' last use, which the automatic lock (auto-lock.ts) measures idleness from.
 */
import { KEPT_KEY_ITEM as KEY_ITEM } from '../messaging/lock-events';
import { sessionStorage } from '../platform/browser-api';

const LAST_USE_ITEM = 'passphraseLastUseAt';

export interface KeptUnlock {
  bits: Uint8Array<ArrayBuffer>;
  /** Epoch ms; undefined if the record is missing or damaged. */
  lastUseAt: number | undefined;
}

/** Storage areas hold JSON-like values: the bytes are kept as a list of numbers. */
function bytesOf(value: unknown): Uint8Array<ArrayBuffer> | undefined {
  if (!Array.isArray(value) || !value.every((byte) => Number.isInteger(byte))) return undefined;
  return Uint8Array.from(value as number[]);
}

function timeOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export async function keptUnlock(): Promise<KeptUnlock | undefined> {
  const items = await sessionStorage().get([KEY_ITEM, LAST_USE_ITEM]);
  const bits = bytesOf(items[KEY_ITEM]);
  return bits && { bits, lastUseAt: timeOf(items[LAST_USE_ITEM]) };
}

/** Unlocking counts as a use: both are written at once. */
export function keepUnlock(bits: Uint8Array<ArrayBuffer>, lastUseAt: number): Promise<void> {
  return sessionStorage().set({ [KEY_ITEM]: Array.from(bits), [LAST_USE_ITEM]: lastUseAt });
}

export async function keptLastUse(): Promise<number | undefined> {
  return timeOf((await sessionStorage().get(LAST_USE_ITEM))[LAST_USE_ITEM]);
}

export function keepLastUse(lastUseAt: number): Promise<void> {
  return sessionStorage().set({ [LAST_USE_ITEM]: lastUseAt });
}

export function forgetUnlock(): Promise<void> {
  return sessionStorage().remove([KEY_ITEM, LAST_USE_ITEM]);
}
