/**
 * Sites and the popup, as a person uses them: a refused site is listed with when; an allowed one
 * shows its spend and last use, and its budget, rate limit and privacy can be edited; a refused
 * site can be allowed or forgotten (after a confirmation); the popup shows the site's access, the
 * month's total and the latest answers' models. axe finds nothing serious on either, light or dark.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { seriousViolations } from './axe';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite, answerConsent, saveProviderAccount, withGesture } from './e2e-setup';

describe('sites and the popup', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let options: Page;
  let site: Page;
  let refusedOrigin: string;

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: 'sk-sites-0000000000000' });
    broker = await launchBroker();
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: 'sk-sites-0000000000000',
      baseUrl: `${openai.url}/v1`,
    });
    site = await broker.openTestPage();
    await allowSite(broker, site);
    await site.evaluate(() => window.llm.generate({ prompt: 'Hello' }));
    refusedOrigin = broker.pagesUrl.replace('127.0.0.1', 'localhost');
    const other = await broker.context.newPage();
    await other.goto(`${refusedOrigin}/index.html`);
    await answerConsent(broker, 'Deny', () =>
      withGesture(other, () => window.llm.requestPermission()),
    );
    await other.close();
    options = await broker.openExtensionPage('extension/ui/options/options.html#sites');
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
  });

  it('lists the allowed site with its spend and last use, and the refused one', async () => {
    const allowed = options.getByRole('region', { name: 'Allowed' });
    await expect.poll(() => allowed.textContent()).toContain(broker.pagesUrl);
    expect(await allowed.textContent()).toMatch(/last used (just now|\d+ seconds? ago)/);
    const refused = options.getByRole('region', { name: 'Refused and revoked' });
    expect(await refused.textContent()).toContain(refusedOrigin);
    expect(await refused.textContent()).toMatch(/refused/);
    await broker.screenshot(options, 'options-sites-filled');
  });

  it('edits a site’s rate limit and budget to the cent', async () => {
    await options.getByLabel(`Requests per minute for ${broker.pagesUrl}`).fill('7');
    await options.getByLabel(`Requests per minute for ${broker.pagesUrl}`).press('Enter');
    await expect.poll(() => options.getByText('rate limit saved').count()).toBe(1);
    await options.getByLabel(`Monthly budget for ${broker.pagesUrl} (USD)`).fill('12.34');
    await options.getByLabel(`Monthly budget for ${broker.pagesUrl} (USD)`).press('Enter');
    // Once the page says it is saved (a busy machine may take more than a second), the site's
    // next look at its permission has the new budget.
    await options.getByText(`${broker.pagesUrl}: monthly budget saved.`).waitFor();
    expect(
      await site.evaluate(async () => (await window.llm.getPermission()).monthlyBudgetUsd),
    ).toBe(12.34);
    await options.reload();
    expect(
      await options.getByLabel(`Requests per minute for ${broker.pagesUrl}`).inputValue(),
    ).toBe('7');
  });

  it('forgets a refused site after a confirmation', async () => {
    const refused = options.getByRole('region', { name: 'Refused and revoked' });
    await refused.getByRole('button', { name: 'Forget' }).click();
    const dialog = options.getByRole('dialog', { name: `Forget ${refusedOrigin}?` });
    await dialog.getByRole('button', { name: 'Forget' }).click();
    await expect.poll(() => refused.textContent()).toContain('No site has been turned away');
  });

  it('shows the site, the month and the latest answers in the popup', async () => {
    const popup = await broker.openExtensionPage('extension/ui/popup/popup.html');
    await popup.setViewportSize({ width: 352, height: 460 });
    await expect.poll(() => popup.locator('#popup-recent li').count()).toBeGreaterThan(0);
    expect(await popup.locator('#popup-recent').textContent()).toMatch(
      /gpt-[\w.-]+ for 127\.0\.0\.1/,
    );
    expect(await popup.textContent('body')).toContain('All sites this month');
    expect(await seriousViolations(popup)).toEqual([]);
    await broker.screenshot(popup, 'popup-filled');
    await popup.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousViolations(popup)).toEqual([]);
    await broker.screenshot(popup, 'popup-filled-dark');
  });

  it('has no serious accessibility problem on the filled settings pages, light or dark', async () => {
    for (const section of ['providers', 'priorities', 'budgets', 'sites', 'usage', 'playground']) {
      await options.goto(options.url().replace(/#.*$/, `#${section}`));
      await options.getByRole('heading', { level: 2 }).first().waitFor();
      for (const colorScheme of ['light', 'dark'] as const) {
        await options.emulateMedia({ colorScheme });
        expect({ section, colorScheme, violations: await seriousViolations(options) }).toEqual({
          section,
          colorScheme,
          violations: [],
        });
      }
    }
    await options.emulateMedia({ colorScheme: 'dark' });
    await options.goto(options.url().replace(/#.*$/, '#sites'));
    await broker.screenshot(options, 'options-sites-dark');
    await options.emulateMedia({ colorScheme: 'light' });
  });
});
