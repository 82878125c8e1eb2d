/**
 * The end-to-end harness: launches Debian's Chromium with the built extension (dist/) in a fresh
 * profile, serves test pages on 127.0.0.1, and hands tests the extension id, its service worker,
 * page helpers and a screenshot helper. `npm run test:e2e` builds once before the tests run.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';

export const DIST_DIR = resolve(import.meta.dirname, '../../dist');
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../test-results/screenshots');
const PAGES_DIR = resolve(import.meta.dirname, 'pages');
const ROOT_DIR = resolve(import.meta.dirname, '../..');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep Chromium quiet on a closed network and (given a build) load the extension. */
export function chromiumArgs(extensionDir?: string, extra: string[] = []): string[] {
  const extension = extensionDir
    ? [`--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`]
    : [];
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--disable-dev-shm-usage',
    ...extension,
    ...extra,
  ];
}

export interface BrokerBrowser {
  context: BrowserContext;
  extensionId: string;
  serviceWorker: Worker;
  /** Base URL of the test-page server, e.g. `http://127.0.0.1:41234`. */
  pagesUrl: string;
  /** Opens one of `test/e2e/pages/*.html` on 127.0.0.1. */
  openTestPage(name?: string): Promise<Page>;
  /** Opens an extension page, e.g. `extension/ui/options/options.html`. */
  openExtensionPage(path: string): Promise<Page>;
  /** Saves a PNG under test-results/screenshots/ and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** Serves `test/e2e/pages/` on a free port of 127.0.0.1. */
export function servePages(): Promise<Server> {
  const server = createServer((request, response) => {
    const name =
      new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/^\/+/, '') || 'index.html';
    // The site developers' kit, as a site would serve its copy.
    const directory = name.startsWith('client/') ? ROOT_DIR : PAGES_DIR;
    const file = join(directory, name);
    if (!file.startsWith(directory) || !existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript' : 'text/html';
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(readFileSync(file));
  });
  return new Promise((resolveServer) => server.listen(0, '127.0.0.1', () => resolveServer(server)));
}

export const WELCOME_PATH = 'extension/ui/welcome/welcome.html';

export async function launchBroker(
  options: {
    extraArgs?: string[];
    /** Leave the welcome page a new install opens (closed by default, so tests start alike). */
    keepWelcome?: boolean;
    /** A browser profile to use and keep (a fresh one, removed on close, by default). */
    profileDir?: string;
    /** The unpacked extension to load (dist/ by default). */
    extensionDir?: string;
    /** The pages' viewport (Playwright's 1280×720 by default). */
    viewport?: { width: number; height: number };
  } = {},
): Promise<BrokerBrowser> {
  const extensionDir = options.extensionDir ?? DIST_DIR;
  if (!existsSync(join(extensionDir, 'manifest.json'))) {
    throw new Error('dist/ has no build: run `npm run build` (npm run test:e2e does it for you).');
  }
  const profileDir = options.profileDir ?? (await mkdtemp(join(tmpdir(), 'llm-broker-e2e-')));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: chromiumArgs(extensionDir, options.extraArgs),
    ...(options.viewport && { viewport: options.viewport }),
  });
  const serviceWorker =
    context.serviceWorkers()[0] ??
    (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionId = new URL(serviceWorker.url()).host;
  if (!options.keepWelcome) {
    const welcome =
      context.pages().find((page) => page.url().includes(WELCOME_PATH)) ??
      (await context.waitForEvent('page', {
        predicate: (page) => page.url().includes(WELCOME_PATH),
        timeout: 15_000,
      }));
    await welcome.close();
  }
  const pageServer = await servePages();
  const pagesUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  return {
    context,
    extensionId,
    serviceWorker,
    pagesUrl,
    async openTestPage(name = 'index.html') {
      const page = await context.newPage();
      await page.goto(`${pagesUrl}/${name}`);
      return page;
    },
    async openExtensionPage(path) {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/${path}`);
      return page;
    },
    async screenshot(page, name) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      await new Promise((done) => pageServer.close(done));
      if (!options.profileDir) await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/**
 * The globals the extension adds to `index.html`: its names with the extension, less those of the
 * same page in the same browser (same `extraArgs`) without it, less the test page's own.
 */
export async function globalsAdded(
  broker: BrokerBrowser,
  extraArgs: string[] = [],
): Promise<{ added: string[]; baseline: Set<string> }> {
  const plain = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: chromiumArgs(undefined, extraArgs),
  });
  const blank = await plain.newPage();
  await blank.goto(`${broker.pagesUrl}/index.html`);
  const baseline = new Set(await blank.evaluate(() => Object.getOwnPropertyNames(window)));
  await plain.close();
  const page = await broker.openTestPage();
  const names = await page.evaluate(() => Object.getOwnPropertyNames(window));
  await page.close();
  const testPageGlobals = new Set(['__llmAtStart', '__announced', 'settle']);
  const added = names.filter((name) => !baseline.has(name) && !testPageGlobals.has(name));
  return { added: added.sort(), baseline };
}
