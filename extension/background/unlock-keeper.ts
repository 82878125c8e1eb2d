/**
 * Keeps the unlocked passphrase key across service-worker restarts (MV3 stops an idle worker
 * after ~30 s, which would otherwise lock the keys every half minute). The key's 32 raw bytes go
 * to the browser's session storage: memory only, gone when the browser quits, not readable by
 * content scripts. docs/security.md says what that does and does not protect.
 */
import type { UnlockKeeper } from '../../src/storage/storage-types';
import { sessionStorage } from '../platform/browser-api';

const ITEM = 'passphraseKey';

/** Storage areas hold JSON-like values: the bytes are kept as a list of numbers. */
function bytesOf(value: unknown): Uint8Array<ArrayBuffer> | undefined {
  if (!Array.isArray(value) || !value.every((byte) => Number.isInteger(byte))) return undefined;
  return Uint8Array.from(value as number[]);
}

export const sessionUnlockKeeper: UnlockKeeper = {
  get: async () => bytesOf((await sessionStorage().get(ITEM))[ITEM]),
  set: (bits) => sessionStorage().set({ [ITEM]: Array.from(bits) }),
  clear: () => sessionStorage().remove(ITEM),
};
