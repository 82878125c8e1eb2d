/**
 * The Firefox end-to-end harness: Debian's Firefox ESR driven by puppeteer-core over WebDriver
 * BiDi (playwright-core cannot drive ESR 153), with the Firefox build (dist-firefox/) installed as
 * a temporary add-on in a fresh profile. Firefox's quirks, as met here:
 * - moz-extension:// pages open only with `--remote-allow-system-access`;
 * - `page.goto()` to an extension page loads it but never resolves, and `page.url()` stays
 *   about:blank there: navigate without waiting, then read `location.href`;
 * - the `extensions.webextensions.uuids` pref fixes the moz-extension host, so tests know it;
 * - a proxy at 127.0.0.1:9 with `no_proxies_on` empty keeps every request on loopback (Firefox's
 *   own background services fail fast instead of reaching for the internet).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { GECKO_ID } from '../../vite.config';
import { SCREENSHOT_DIR, servePages } from './e2e-harness';

export const FIREFOX_DIST_DIR = resolve(import.meta.dirname, '../../dist-firefox');
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** The moz-extension host the tests give the add-on. */
export const EXTENSION_UUID = '3b0e5f0a-6c1d-4f7e-9a2b-6d5c4e3f2a10';
export const EXTENSION_ORIGIN = `moz-extension://${EXTENSION_UUID}`;

export interface FirefoxBroker {
  browser: Browser;
  /** Base URL of the test-page server, e.g. `http://127.0.0.1:41234`. */
  pagesUrl: string;
  /** Opens one of `test/e2e/pages/*.html` on 127.0.0.1. */
  openTestPage(name?: string): Promise<Page>;
  /** Opens an extension page, e.g. `extension/ui/options/options.html#providers`. */
  openExtensionPage(path: string): Promise<Page>;
  /** The first open page whose document is at this extension path (it may still be opening). */
  waitForExtensionPage(path: string, timeoutMs?: number): Promise<Page>;
  /** Saves a PNG under test-results/screenshots/ and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** Where a page's document is (page.url() is not to be trusted for extension pages). */
export async function locationOf(page: Page): Promise<string> {
  return page.evaluate(() => location.href).catch(() => '');
}

/** Polls `read` until it returns something truthy. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read().catch(() => undefined);
    if (value) return value;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
}

export async function launchFirefoxBroker(
  options: { prefs?: Record<string, unknown> } = {},
): Promise<FirefoxBroker> {
  if (!existsSync(join(FIREFOX_DIST_DIR, 'manifest.json'))) {
    throw new Error('dist-firefox/ has no build: run `npm run build` (npm run test:e2e does it).');
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: EXTENSION_UUID }),
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': 9,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': 9,
      'network.proxy.no_proxies_on': '',
      'network.proxy.allow_hijacking_localhost': false,
      ...options.prefs,
    },
  });
  await browser.installExtension(FIREFOX_DIST_DIR);
  const pageServer: Server = await servePages();
  const pagesUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  async function waitForExtensionPage(path: string, timeoutMs = 15_000): Promise<Page> {
    const url = `${EXTENSION_ORIGIN}/${path}`;
    return eventually(
      `an extension page at ${path}`,
      async () => {
        for (const page of await browser.pages()) {
          const href = await locationOf(page);
          if (href.startsWith(url)) {
            const ready = await page.evaluate(() => document.readyState === 'complete');
            if (ready) return page;
          }
        }
        return undefined;
      },
      timeoutMs,
    );
  }

  return {
    browser,
    pagesUrl,
    async openTestPage(name = 'index.html') {
      const page = await browser.newPage();
      await page.goto(`${pagesUrl}/${name}`);
      return page;
    },
    async openExtensionPage(path) {
      const page = await browser.newPage();
      // Loads the page but never resolves in Firefox: start it and watch the document instead.
      void page.goto(`${EXTENSION_ORIGIN}/${path}`, { timeout: 60_000 }).catch(() => {});
      await eventually(`${path} to load`, async () => {
        const href = await locationOf(page);
        return (
          href.startsWith(`${EXTENSION_ORIGIN}/`) &&
          (await page.evaluate(() => document.readyState === 'complete'))
        );
      });
      return page;
    },
    waitForExtensionPage,
    async screenshot(page, name) {
      const path = join(SCREENSHOT_DIR, `${name}.png`) as `${string}.png`;
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close();
      await new Promise((done) => pageServer.close(done));
    },
  };
}
