/**
 * The passphrase lock's state as extension pages can watch it: the background keeps the unlocked
 * key in session storage (unlock-keeper.ts) and removes it when the keys lock — by "Lock now",
 * from another tab, or by the automatic lock — so that item appearing or going is the lock
 * changing. No message needs to be sent for an open settings page to follow it.
 */
import { browser } from '../platform/browser-api';

/** The session-storage item holding the unlocked key's bytes. */
export const KEPT_KEY_ITEM = 'passphraseKey';

/** Calls `listener` whenever the keys lock or unlock; returns the unsubscribe function. */
export function onLockChanged(listener: () => void): () => void {
  const onChanged = (changes: Record<string, unknown>, area: string) => {
    if (area === 'session' && KEPT_KEY_ITEM in changes) listener();
  };
  browser.storage.onChanged.addListener(onChanged);
  return () => browser.storage.onChanged.removeListener(onChanged);
}
