/**
 * The welcome page, opened once per install. `runtime.onInstalled` says `install` only for a new
 * install in the stores' builds, but Chromium reports an extension loaded with `--load-extension`
 * (`npm start`, the tests) as installed anew at every launch, with its storage kept
 * (docs/architecture.md §7) — so a mark in local storage, which an uninstall clears, decides.
 */
import { browser } from '../platform/browser-api';

const WELCOMED_KEY = 'welcomedAt';
export const WELCOME_PATH = 'extension/ui/welcome/welcome.html';

export async function welcomeOnce(): Promise<void> {
  const stored = await browser.storage.local.get(WELCOMED_KEY);
  if (stored[WELCOMED_KEY] !== undefined) return;
  await browser.storage.local.set({ [WELCOMED_KEY]: Date.now() });
  await browser.tabs.create({ url: browser.runtime.getURL(WELCOME_PATH) });
}
