/**
 * The catalog page as a person uses it: every model with its facts, 16 scores and their sources;
 * a refresh from an OpenRouter-format model list (a loopback server standing in for
 * openrouter.ai) with a summary of what changed; the refreshed list survives a restart of the
 * background and is what sites are routed over; a failed refresh keeps the list in use and says
 * why; the bundled list can be restored. axe finds nothing serious, light or dark.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LATER,
  laterList,
  type ModelListServer,
  startModelListServer,
} from '../fixtures/model-list-server';
import { seriousViolations } from './axe';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { narrowToCards } from './narrow-window';

describe('the catalog page', () => {
  let broker: BrokerBrowser;
  let list: ModelListServer;
  let options: Page;

  beforeAll(async () => {
    list = await startModelListServer({ kind: 'list', body: laterList() });
    broker = await launchBroker();
    options = await broker.openExtensionPage('extension/ui/options/options.html#catalog');
  });
  afterAll(async () => {
    await broker?.close();
    await list?.close();
  });

  const count = async () =>
    Number(
      (await options.getByText(/ of [\d,]+ models$/).textContent())
        ?.match(/of ([\d,]+)/)?.[1]
        ?.replace(',', ''),
    );

  it('lists every bundled model, and opens one to its scores and their sources', async () => {
    await options.getByText(/ of [\d,]+ models$/).waitFor();
    expect(await count()).toBeGreaterThan(50);
    await options.getByRole('searchbox', { name: 'Search' }).fill('opus');
    const first = options.locator('table.catalog > tbody').first();
    await first.getByRole('button').click();
    const scores = first.getByRole('table', { name: /^Scores of/ });
    await expect.poll(() => scores.locator('tbody tr').count()).toBe(16);
    expect(await scores.textContent()).toContain('Coding');
    expect(await first.textContent()).toMatch(/Source: .+/);
    for (const colorScheme of ['light', 'dark'] as const) {
      await options.emulateMedia({ colorScheme });
      expect({ colorScheme, violations: await seriousViolations(options) }).toEqual({
        colorScheme,
        violations: [],
      });
    }
    await options.emulateMedia({ colorScheme: 'light' });
    await broker.screenshot(options, 'options-catalog-model');

    // In a small window each model is a card: nothing scrolls sideways, every figure labelled.
    const restore = await narrowToCards(
      options,
      'table.catalog',
      first.locator('td.cell-context'),
      'Context',
    );
    expect(await scores.isVisible()).toBe(true);
    expect(await options.getByRole('table', { name: 'Models' }).count()).toBe(1);
    expect({ violations: await seriousViolations(options) }).toEqual({ violations: [] });
    await broker.screenshot(options, 'options-catalog-narrow');
    await restore();
    await options.getByRole('searchbox', { name: 'Search' }).fill('');
  });

  it('refreshes from the model list, says what changed, and routes with it after a restart', async () => {
    const before = await count();
    await options.getByText('Advanced: model list address').click();
    await options.getByLabel('Address of an OpenRouter-format model list').fill(list.url);
    await options.getByRole('button', { name: 'Save address' }).click();
    await options.getByText('Model list address saved.').waitFor();
    await options.getByRole('button', { name: 'Refresh from OpenRouter' }).click();
    const summary = options.getByText(/^Refreshed\./);
    await summary.waitFor();
    const text = (await summary.locator('..').textContent()) ?? '';
    expect(text).toMatch(/[1-9]\d* new/);
    expect(text).toMatch(/1 no longer listed/);
    expect(list.requests).toBe(1);
    await expect.poll(count).toBeGreaterThan(before);
    await options.getByRole('searchbox', { name: 'Search' }).fill('rocket');
    await expect.poll(() => options.locator('table.catalog > tbody').count()).toBe(1);
    await broker.screenshot(options, 'options-catalog-refreshed');

    // A restart of the background reads the refreshed list back.
    const cdp = await broker.context.newCDPSession(options);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await options.reload();
    await options.getByText(/OpenRouter's models as refreshed/).waitFor();
    await options.getByRole('searchbox', { name: 'Search' }).fill(LATER.added);
    await expect.poll(() => options.locator('table.catalog > tbody').count()).toBe(1);
    await options.getByRole('searchbox', { name: 'Search' }).fill(LATER.removed);
    await expect.poll(() => options.locator('table.catalog > tbody').count()).toBe(0);
    await options.getByText('No model matches').waitFor();
  });

  it('keeps the list in use when a refresh fails, and says why', async () => {
    list.reply = { kind: 'error', status: 503 };
    const before = await count();
    await options.getByRole('button', { name: 'Refresh from OpenRouter' }).click();
    const failure = options.getByRole('alert').filter({ hasText: 'Could not refresh' });
    await failure.waitFor();
    expect(await failure.textContent()).toMatch(/HTTP 503.*The catalog in use is unchanged/);
    expect(await count()).toBe(before);
    await broker.screenshot(options, 'options-catalog-failed');
  });

  it('goes back to the bundled list', async () => {
    await options.getByRole('button', { name: 'Use the bundled list' }).click();
    await options.getByText('Using the catalog bundled with this version.').waitFor();
    await options.getByRole('searchbox', { name: 'Search' }).fill(LATER.removed);
    await expect.poll(() => options.locator('table.catalog > tbody').count()).toBe(1);
  });
});
