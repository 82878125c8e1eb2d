/**
 * The one door to the browser's extension APIs (STYLE.md: "every browser API behind one thin
 * wrapper module"). `webextension-polyfill` gives Chrome the promise-based `browser.*` that
 * Firefox has natively, so the shells are written once.
 */
import browser from 'webextension-polyfill';

export type { Runtime, Tabs, Windows } from 'webextension-polyfill';
export { browser };

/** The extension's own origin, e.g. `chrome-extension://abc…`. */
export function extensionOrigin(): string {
  return new URL(browser.runtime.getURL('/')).origin;
}

/** True when a message comes from one of the extension's own pages (options, popup, consent). */
export function isExtensionPage(sender: { id?: string; url?: string }): boolean {
  return sender.id === browser.runtime.id && sender.url?.startsWith(extensionOrigin()) === true;
}
