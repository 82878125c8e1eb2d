/**
 * The one door to the browser's extension APIs (docs/architecture.md §1). `webextension-polyfill`
 * gives Chrome the promise-based `browser.*` that Firefox has natively, so the shells are written
 * once.
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

/**
 * The browser's session storage area: held in memory only and cleared when the browser quits
 * (or the extension is reloaded). By default only the extension's own pages and worker can read
 * it, not content scripts; nothing here calls `setAccessLevel` to widen that.
 * https://developer.chrome.com/docs/extensions/reference/api/storage#property-session
 */
export function sessionStorage(): typeof browser.storage.session {
  return browser.storage.session;
}

/**
 * What an administrator set for this extension (`storage.managed`, shaped by
 * public/managed-schema.json). Empty where nothing is set; Firefox rejects when no policy exists
 * at all, which reads as empty too.
 */
export async function managedSettings(): Promise<Record<string, unknown>> {
  try {
    return await browser.storage.managed.get(null);
  } catch {
    return {};
  }
}

/** Calls `listener` whenever `item` of the extension's local storage changes. */
export function onLocalItemChanged(item: string, listener: () => void): () => void {
  const watch = (changes: Record<string, unknown>, area: string) => {
    if (area === 'local' && item in changes) listener();
  };
  browser.storage.onChanged.addListener(watch);
  return () => browser.storage.onChanged.removeListener(watch);
}

/** Calls `listener` whenever the administrator changes the managed settings. */
export function onManagedSettingsChanged(listener: () => void): void {
  browser.storage.onChanged.addListener((_changes, area) => {
    if (area === 'managed') listener();
  });
}

/**
 * Alarms: unlike timers, they outlive the service worker (MV3 stops it when idle) and wake it
 * when they fire. A packed extension's alarm fires 30 s after it is set at the soonest.
 * https://developer.chrome.com/docs/extensions/reference/api/alarms
 */
export function alarms(): typeof browser.alarms {
  return browser.alarms;
}

/**
 * Chrome's offscreen documents (no Firefox equivalent: there, extension pages have WebGPU
 * themselves). Undefined where the API does not exist.
 * https://developer.chrome.com/docs/extensions/reference/api/offscreen
 */
export const offscreen: typeof chrome.offscreen | undefined = globalThis.chrome?.offscreen;

/** Whether an offscreen document of this extension is open (Chrome 116+). */
export async function hasOffscreenDocument(url: string): Promise<boolean> {
  const contexts = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
    documentUrls: [url],
  });
  return contexts.length > 0;
}

/** A small extension window (the consent prompt), as opened by `openDialog`. */
export interface DialogHandle {
  close(): Promise<void>;
}

/**
 * Opens an extension page in a small popup window and calls `onClosed` once if the person closes
 * it. Where the browser has no windows (Firefox for Android), the page opens in a tab instead.
 */
export async function openDialog(
  url: string,
  size: { width: number; height: number },
  onClosed: () => void,
): Promise<DialogHandle> {
  if (browser.windows) {
    const created = await browser.windows.create({ url, type: 'popup', focused: true, ...size });
    const windowId = created.id;
    const listener = (removed: number) => {
      if (removed !== windowId) return;
      browser.windows.onRemoved.removeListener(listener);
      onClosed();
    };
    browser.windows.onRemoved.addListener(listener);
    return {
      async close() {
        browser.windows.onRemoved.removeListener(listener);
        if (windowId !== undefined) await browser.windows.remove(windowId).catch(() => {});
      },
    };
  }
  const tab = await browser.tabs.create({ url, active: true });
  const listener = (removed: number) => {
    if (removed !== tab.id) return;
    browser.tabs.onRemoved.removeListener(listener);
    onClosed();
  };
  browser.tabs.onRemoved.addListener(listener);
  return {
    async close() {
      browser.tabs.onRemoved.removeListener(listener);
      if (tab.id !== undefined) await browser.tabs.remove(tab.id).catch(() => {});
    },
  };
}
