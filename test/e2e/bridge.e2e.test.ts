import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackedExtensionId } from '../../scripts/extension-id.mjs';
import { type BrokerBrowser, DIST_DIR, globalsAdded, launchBroker } from './e2e-harness';

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

  it('takes no for an answer: a denied site cannot open the window again at once', async () => {
    const site = await broker.openTestPage();
    const consentOpened = broker.context.waitForEvent('page', {
      predicate: (page) => page.url().includes('consent.html'),
    });
    const first = site.evaluate(() => window.llm.requestPermission());
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
    expect(await site.evaluate(() => window.llm.requestPermission())).toMatchObject({
      granted: false,
    });
    expect(broker.context.pages().length).toBe(pagesBefore);
  });
});
