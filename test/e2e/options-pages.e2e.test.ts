/**
 * The extension's own pages, driven as a person would with the keyboard and mouse: the
 * playground explains a decision, budgets are saved and read back, a site is revoked and
 * restored with Undo, and the popup shows the site's state. Screenshots of each.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite, saveProviderAccount } from './e2e-setup';

describe('the options page and popup', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let options: Page;

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: 'sk-options-test-0000' });
    broker = await launchBroker();
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
  });

  it('shows clear empty states before anything is set up', async () => {
    options = await broker.openExtensionPage('extension/ui/options/options.html#sites');
    await expect.poll(() => options.getByText('No site is allowed yet').count()).toBe(1);
    await options.goto(options.url().replace('#sites', '#usage'));
    await expect.poll(() => options.getByText('No requests yet').count()).toBe(1);
    await broker.screenshot(options, 'options-usage-empty-no-providers');
    // The section names of earlier versions still lead somewhere.
    await options.goto(options.url().replace('#usage', '#activity'));
    await options.getByRole('heading', { name: 'Usage' }).waitFor();
  });

  it('explains a routing decision in the playground', async () => {
    await options.goto(options.url().replace('#activity', '#playground'));
    await options.getByLabel('Task').selectOption('coding');
    await expect.poll(() => options.getByText(/^The decision in full:/).count()).toBe(1);
    await expect.poll(() => options.getByText('task: coding').count()).toBe(1);
    expect(await options.locator('table.candidates > tbody').count()).toBeGreaterThan(5);
    await broker.screenshot(options, 'options-playground');
  });

  it('saves budgets to the cent, and reads them back after a reload', async () => {
    await options.goto(options.url().replace('#playground', '#budgets'));
    await options.getByLabel('Per month (USD)', { exact: true }).fill('12.34');
    await options.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => options.getByText('Budgets and privacy saved.').count()).toBe(1);
    await options.reload();
    await expect
      .poll(() => options.getByLabel('Per month (USD)', { exact: true }).inputValue())
      .toBe('12.34');
    await broker.screenshot(options, 'options-budgets-empty');
  });

  it('refuses an invalid budget with a message instead of saving it', async () => {
    await options.getByLabel('Per month (USD)', { exact: true }).fill('-3');
    expect(await options.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(
      true,
    );
    expect(await options.getByText(/Budgets must be amounts of zero or more/).count()).toBe(1);
  });

  it('shows the priorities page empty until a provider is set up', async () => {
    await options.goto(options.url().replace('#budgets', '#priorities'));
    await options.getByText('No providers yet').waitFor();
    await options.goto(options.url().replace('#priorities', '#budgets'));
  });

  it('revokes a site, and Undo gives its access back', async () => {
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: 'sk-options-test-0000',
      baseUrl: `${openai.url}/v1`,
    });
    const site = await broker.openTestPage();
    await allowSite(broker, site);
    const events = site.evaluate(
      () =>
        new Promise<boolean>((resolve) =>
          window.llm.addEventListener('permissionchange', (event) =>
            resolve((event as CustomEvent<{ granted: boolean }>).detail.granted),
          ),
        ),
    );
    await options.goto(options.url().replace('#budgets', '#sites'));
    await options.getByRole('button', { name: 'Revoke' }).click();
    expect(await events).toBe(false);
    expect(await site.evaluate(() => window.llm.getPermission())).toMatchObject({ granted: false });
    await options.getByRole('button', { name: 'Undo' }).click();
    await expect
      .poll(() => site.evaluate(async () => (await window.llm.getPermission()).granted))
      .toBe(true);
    await broker.screenshot(options, 'options-sites-restored');
  });

  it('renders the popup', async () => {
    const popup = await broker.openExtensionPage('extension/ui/popup/popup.html');
    await popup.setViewportSize({ width: 352, height: 300 });
    await expect.poll(() => popup.getByRole('button', { name: 'Settings' }).count()).toBe(1);
    await broker.screenshot(popup, 'popup');
  });
});
