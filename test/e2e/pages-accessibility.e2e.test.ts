/**
 * Every page of the extension as a new person first sees it — the welcome page, each settings
 * section empty, the popup, the consent window — scanned by axe in light and dark: no serious or
 * critical violation. (The filled pages are scanned where their own tests fill them.)
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { answerConsent, withGesture } from './e2e-setup';

const SECTIONS = [
  'providers',
  'models',
  'priorities',
  'budgets',
  'sites',
  'usage',
  'playground',
  'catalog',
];

async function scan(page: Page, label: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect({ label, colorScheme, violations: await seriousViolations(page) }).toEqual({
      label,
      colorScheme,
      violations: [],
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('every page, empty, light and dark', () => {
  let broker: BrokerBrowser;

  beforeAll(async () => {
    broker = await launchBroker({ keepWelcome: true });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('the welcome page', async () => {
    const welcome =
      broker.context.pages().find((page) => page.url().includes('welcome.html')) ??
      (await broker.context.waitForEvent('page', {
        predicate: (page) => page.url().includes('welcome.html'),
      }));
    await welcome.getByRole('heading', { level: 1 }).waitFor();
    await scan(welcome, 'welcome');
  });

  it('each settings section before anything is set up', async () => {
    const options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
    for (const section of SECTIONS) {
      await options.goto(options.url().replace(/#.*$/, `#${section}`));
      await options.getByRole('heading', { level: 2 }).first().waitFor();
      // Let live data and decisions settle (a decision waits for a pause in typing).
      await options.waitForTimeout(400);
      await scan(options, section);
      await broker.screenshot(options, `empty-${section}`);
    }
  });

  it('the popup and the consent window', async () => {
    const popup = await broker.openExtensionPage('extension/ui/popup/popup.html');
    await popup.setViewportSize({ width: 352, height: 400 });
    await popup.getByRole('button', { name: 'Settings' }).waitFor();
    await scan(popup, 'popup');
    const site = await broker.openTestPage();
    await answerConsent(
      broker,
      'Deny',
      () => withGesture(site, () => window.llm.requestPermission()),
      async (consent) => {
        await consent.locator('#consent-origin').waitFor();
        await scan(consent, 'consent');
      },
    );
  });
});
