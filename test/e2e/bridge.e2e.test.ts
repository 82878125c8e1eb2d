import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackedExtensionId } from '../../scripts/extension-id.mjs';
import { type BrokerBrowser, DIST_DIR, globalsAdded, launchBroker } from './e2e-harness';
import { titleWithoutScript, withGesture } from './e2e-setup';

describe('the page bridge', () => {
  let broker: BrokerBrowser;
  beforeAll(async () => {
    broker = await launchBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('loads under the id `npm start` computes for dist/', () => {
    expect(broker.extensionId).toBe(unpackedExtensionId(DIST_DIR));
  });

  it('puts window.llm on the page before any page script runs, and announces itself', async () => {
    const page = await broker.openTestPage();
    expect(await page.evaluate(() => window.__llmAtStart)).toBe(true);
    expect(await page.evaluate(() => window.__announced)).toContain('LLM Broker');
    expect(
      await page.evaluate(() =>
        (window as unknown as { llm: { ping(): Promise<string> } }).llm.ping(),
      ),
    ).toBe('pong');
  });

  it('adds no global to the page but window.llm (and LanguageModel where the browser has none)', async () => {
    const { added, baseline } = await globalsAdded(broker);
    if (baseline.has('LanguageModel')) {
      expect(added).toEqual(['llm']);
      // The browser's own Prompt API is left alone.
      const page = await broker.openTestPage();
      expect(await page.evaluate(() => String(window.LanguageModel))).toContain('[native code]');
      await page.close();
    } else {
      expect(added).toEqual(['LanguageModel', 'llm']);
    }
  });

  it('opens no consent window for a page without a user gesture', async () => {
    const pagesBefore = broker.context.pages().length;
    // On load, in a loop: no click or key press, so no window. (Playwright's `evaluate` runs with
    // a user gesture, so the page asks from its own script and the test reads its title.)
    const site = await broker.openTestPage('ask-on-load.html');
    await expect.poll(() => titleWithoutScript(broker, site), { timeout: 10_000 }).toMatch(/^\[/);
    expect(JSON.parse(await titleWithoutScript(broker, site))).toEqual(
      Array.from({ length: 5 }, () => 'NotAllowedError'),
    );
    await new Promise((done) => setTimeout(done, 500));
    expect(broker.context.pages().length).toBe(pagesBefore + 1);
    await site.close();
  });

  it('takes no for an answer: a denied site cannot open the window again at once', async () => {
    const site = await broker.openTestPage();
    const consentOpened = broker.context.waitForEvent('page', {
      predicate: (page) => page.url().includes('consent.html'),
    });
    const first = withGesture(site, () => window.llm.requestPermission());
    const consent = await consentOpened;
    await consent.getByRole('button', { name: 'Deny' }).waitFor();
    // Deny has the focus, so a stray Enter refuses.
    await Promise.all([
      consent.waitForEvent('close'),
      consent.keyboard.press('Enter').catch((error) => {
        if (!consent.isClosed()) throw error;
      }),
    ]);
    expect(await first).toMatchObject({ granted: false });
    const pagesBefore = broker.context.pages().length;
    expect(await withGesture(site, () => window.llm.requestPermission())).toMatchObject({
      granted: false,
    });
    expect(broker.context.pages().length).toBe(pagesBefore);
    // Still after the service worker restarts (Chrome stops it whenever it idles).
    const cdp = await broker.context.newCDPSession(site);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    expect(await withGesture(site, () => window.llm.requestPermission())).toMatchObject({
      granted: false,
    });
    await new Promise((done) => setTimeout(done, 300));
    expect(broker.context.pages().length).toBe(pagesBefore);
  });
});
