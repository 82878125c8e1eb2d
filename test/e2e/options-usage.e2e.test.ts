/**
 * Usage, budgets and priorities as a person meets them: empty first, then filled by a site's real
 * requests through two loopback providers — a fallback, a cache hit, a refusal and a failure among
 * them. The charts and totals follow the requests live; the log filters, opens to its attempts and
 * kept text, exports CSV and JSON, and is deleted with an Undo; the daily budget refuses what
 * would pass it; providers are reordered with the keyboard and keep their order. axe finds nothing
 * serious on any of these pages, light or dark, empty or filled.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { seriousViolations } from './axe';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite, saveProviderAccount } from './e2e-setup';
import { narrowToCards } from './narrow-window';

const OPTIONS = 'extension/ui/options/options.html';

async function expectAccessible(page: Page, label: string): Promise<void> {
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

describe('usage, budgets and priorities', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let anthropic: ProviderServer;
  let site: Page;
  let options: Page;

  const ask = (request: object) =>
    site.evaluate(
      (body) =>
        window.llm.generate(body as never).then(
          (result) => ({ ok: true as const, model: result.model, text: result.text }),
          (error: Error) => ({ ok: false as const, name: error.name, message: error.message }),
        ),
      request,
    );

  beforeAll(async () => {
    openai = await startProviderServer({
      kind: 'openai',
      apiKey: 'sk-usage-00000000000000',
      text: 'Paris is the capital of France.',
    });
    anthropic = await startProviderServer({
      kind: 'anthropic',
      apiKey: 'sk-ant-usage-0000000000000',
      text: 'A careful answer from Claude.',
    });
    broker = await launchBroker();
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: 'sk-usage-00000000000000',
      baseUrl: `${openai.url}/v1`,
    });
    await saveProviderAccount(broker, {
      provider: 'anthropic',
      name: 'Anthropic',
      apiKey: 'sk-ant-usage-0000000000000',
      baseUrl: `${anthropic.url}/v1`,
    });
    site = await broker.openTestPage();
    await allowSite(broker, site);
    options = await broker.openExtensionPage(`${OPTIONS}#usage`);
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
    await anthropic?.close();
  });

  it('says plainly that nothing happened yet', async () => {
    await options.getByText('No requests yet').waitFor();
    await options.getByText('Nothing spent in this range').waitFor();
    await expectAccessible(options, 'usage empty');
    await broker.screenshot(options, 'options-usage-empty');
  });

  it('keeps request text once the person turns it on, and sets a daily budget to the cent', async () => {
    await options.goto(options.url().replace(/#.*$/, '#budgets'));
    await options
      .getByRole('switch', { name: 'Keep what sites ask and what models answer' })
      .check();
    await options.getByLabel('Erase kept text after').selectOption('7');
    await options.getByLabel('Per day (USD)', { exact: true }).fill('4.56');
    await options.getByRole('button', { name: 'Save', exact: true }).click();
    await options.getByText('Budgets and privacy saved.').waitFor();
    await options.reload();
    expect(await options.getByLabel('Per day (USD)', { exact: true }).inputValue()).toBe('4.56');
    expect(await options.getByLabel('Erase kept text after').inputValue()).toBe('7');
    await options.getByText(/Today:/).waitFor();
    await expectAccessible(options, 'budgets');
    await broker.screenshot(options, 'options-budgets');
  });

  it('charts, totals and lists the requests as they happen', async () => {
    await options.goto(options.url().replace(/#.*$/, '#usage'));
    await options.getByText('No requests yet').waitFor();

    // Answers, one after a fallback (OpenAI fails, Anthropic answers), a cache hit, a refusal.
    for (const task of ['qa', 'summarization', 'coding']) {
      expect(await ask({ prompt: `A ${task} request about tides`, task })).toMatchObject({
        ok: true,
      });
    }
    expect(await ask({ prompt: 'Capital of France?', temperature: 0 })).toMatchObject({ ok: true });
    expect(await ask({ prompt: 'Capital of France?', temperature: 0 })).toMatchObject({ ok: true });
    const refused = await ask({ prompt: 'Too dear', constraints: { maxCostUsd: 1e-12 } });
    expect(refused).toMatchObject({ ok: false });
    openai.script({ kind: 'http-error', status: 500, message: 'upstream exploded' });
    openai.script({ kind: 'http-error', status: 500, message: 'upstream exploded' });
    const fallback = await ask({
      prompt: 'Explain the tides to a child',
      task: 'qa',
      hints: { preset: 'economy' },
    });
    expect(fallback).toMatchObject({ ok: true });

    // The log is live: every request shows without a reload.
    const rows = options.locator('table.log > tbody');
    await expect.poll(() => rows.count()).toBe(7);
    const stats = await options.locator('.stat').allTextContents();
    expect(stats[1]).toMatch(/^Requests7/);
    expect(stats[1]).toContain('1 from the cache');
    expect(stats[1]).toContain('1 refused');
    expect(stats[0]).toMatch(/Spent\$/);
    expect(stats[2]).toMatch(/Saved\$[\d.]+against \$[\d.]+ had .+ answered everything/);

    // The chart is drawn, and the table beside it carries the figures.
    await options.locator('.spend-chart canvas').waitFor();
    const byProvider = options.getByRole('table', { name: 'Usage by provider' });
    await expect.poll(() => byProvider.textContent()).toContain('OpenAI');
    await options.getByRole('button', { name: 'Model', exact: true }).click();
    await expect
      .poll(() => options.getByRole('table', { name: 'Usage by model' }).textContent())
      .toMatch(/openai\/gpt/);
    await options.getByRole('button', { name: 'Site', exact: true }).click();
    const bySite = options.getByRole('table', { name: 'Usage by site' });
    await expect.poll(() => bySite.textContent()).toContain(broker.pagesUrl);
    // The legend gives the whole period's spend away from the bars, and a day's over its bar.
    const legend = options.locator('.spend-chart .u-legend');
    const siteSpend = (await bySite.locator('tbody td').nth(3).textContent())?.trim();
    expect(siteSpend).toMatch(/^\$[\d.]+$/);
    await expect
      .poll(() => legend.textContent())
      .toBe(`Daylast 30 days${broker.pagesUrl}${siteSpend}`);
    const plot = (await options.locator('.spend-chart .u-over').boundingBox())!;
    await options.mouse.move(plot.x + plot.width - 2, plot.y + plot.height / 2);
    const today = new Date().toISOString().slice(0, 10);
    await expect.poll(() => legend.textContent()).toBe(`Day${today}${broker.pagesUrl}${siteSpend}`);
    await options.mouse.move(0, 0);
    await expectAccessible(options, 'usage filled');
    await broker.screenshot(options, 'options-usage-filled');
    await options.emulateMedia({ colorScheme: 'dark' });
    await broker.screenshot(options, 'options-usage-filled-dark');
    await options.emulateMedia({ colorScheme: 'light' });

    // In a small window each request is a card: nothing scrolls sideways, every figure labelled.
    const first = rows.first();
    const restore = await narrowToCards(
      options,
      'table.log',
      first.locator('td.cell-cost'),
      'Cost',
    );
    await expect.poll(() => first.locator('td.cell-time').isVisible()).toBe(true);
    expect(await options.getByRole('table', { name: 'Requests, newest first' }).count()).toBe(1);
    await expectAccessible(options, 'usage narrow');
    await broker.screenshot(options, 'options-usage-narrow');
    await restore();
  });

  it('filters by outcome and provider, and opens a request to its attempts and text', async () => {
    const rows = options.locator('table.log > tbody');
    await options.getByRole('combobox', { name: /^Outcome/ }).selectOption('refused');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('no model asked');
    await rows.first().getByRole('button').click();
    await expect.poll(() => rows.first().textContent()).toMatch(/Why:.*No model can serve/);

    await options.getByRole('combobox', { name: /^Outcome/ }).selectOption('');
    await options.getByRole('combobox', { name: /^Provider/ }).selectOption('anthropic');
    await expect
      .poll(async () => {
        const texts = await rows.allTextContents();
        return texts.length > 0 && texts.every((text) => text.includes('anthropic'));
      })
      .toBe(true);
    const fallbackRow = rows.filter({ hasText: /after \d+ fallbacks?/ }).first();
    await fallbackRow.getByRole('button').click();
    const details = fallbackRow.locator('tr.log-details');
    await expect.poll(() => details.locator('ol.attempts li').count()).toBeGreaterThan(1);
    expect(await details.locator('ol.attempts li').first().textContent()).toMatch(
      /openai\/.*error/,
    );
    await details.getByText('Request text').click();
    await expect.poll(() => details.textContent()).toContain('Explain the tides to a child');
    await details.getByText('Answer text').click();
    expect(await details.textContent()).toContain('A careful answer from Claude.');
    await options.getByRole('combobox', { name: /^Provider/ }).selectOption('');
    await expectAccessible(options, 'usage details');
  });

  it('exports what the filters show, as CSV and as JSON', async () => {
    await options.getByRole('combobox', { name: /^Outcome/ }).selectOption('answered');
    const csvDownload = options.waitForEvent('download');
    await options.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await readFile((await (await csvDownload).path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^time,site,outcome,task,provider,model,attempts/);
    expect(lines).toHaveLength(1 + 6);
    expect(csv).toContain('Explain the tides to a child');
    await options.getByText('Exported 6 requests.').waitFor();

    const jsonDownload = options.waitForEvent('download');
    await options.getByRole('button', { name: 'Export JSON' }).click();
    const json = JSON.parse(await readFile((await (await jsonDownload).path())!, 'utf8'));
    expect(json).toHaveLength(6);
    expect(json.every((line: { outcome: string }) => line.outcome === 'answered')).toBe(true);
    await options.getByRole('combobox', { name: /^Outcome/ }).selectOption('');
  });

  it('deletes the log with one action that can be undone; spend stays counted', async () => {
    await options.goto(options.url().replace(/#.*$/, '#budgets'));
    await options.getByRole('button', { name: 'Delete the request log…' }).click();
    await options
      .getByRole('dialog', { name: 'Delete the request log?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await options.getByText('The request log is deleted.').waitFor();
    await options.getByRole('button', { name: 'Undo' }).click();
    await options.goto(options.url().replace(/#.*$/, '#usage'));
    await expect.poll(() => options.locator('table.log > tbody').count()).toBe(7);

    await options.goto(options.url().replace(/#.*$/, '#budgets'));
    await options.getByRole('button', { name: 'Delete the request log…' }).click();
    await options
      .getByRole('dialog', { name: 'Delete the request log?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    // Once the toast goes, the deletion is final.
    await options.getByText('The request log is deleted.').waitFor();
    await options
      .getByText('The request log is deleted.')
      .waitFor({ state: 'detached', timeout: 15_000 });
    await options.goto(options.url().replace(/#.*$/, '#usage'));
    await options.getByText('No requests yet').waitFor();
    expect((await options.locator('.stat').allTextContents())[1]).toMatch(/^Requests7/);
    const stored = () =>
      broker.serviceWorker.evaluate(async () => {
        const open = indexedDB.open('llm-broker');
        const database = await new Promise<IDBDatabase>((resolve) => {
          open.onsuccess = () => resolve(open.result);
        });
        const count = database.transaction('requestLog').objectStore('requestLog').count();
        return new Promise<number>((resolve) => {
          count.onsuccess = () => resolve(count.result);
        });
      });
    await expect.poll(stored).toBe(0);
  });

  it('refuses what would pass the daily budget, saying which budget', async () => {
    await options.goto(options.url().replace(/#.*$/, '#budgets'));
    await options.getByLabel('Per day (USD)', { exact: true }).fill('0');
    await options.getByRole('button', { name: 'Save', exact: true }).click();
    await options.getByText('Budgets and privacy saved.').waitFor();
    const refusal = await ask({ prompt: 'One more question' });
    expect(refusal).toMatchObject({ ok: false, name: 'QuotaExceededError' });
    expect((refusal as { message: string }).message).toMatch(/budget/);
    await options.getByLabel('Per day (USD)', { exact: true }).fill('');
    await options.getByRole('button', { name: 'Save', exact: true }).click();
    await options.getByText('Budgets and privacy saved.').first().waitFor();
    expect(await ask({ prompt: 'One more question' })).toMatchObject({ ok: true });
  });

  it('reorders providers with the keyboard and keeps the order and presets', async () => {
    await options.goto(options.url().replace(/#.*$/, '#priorities'));
    const names = () => options.locator('.ranking-name').allTextContents();
    const before = await names();
    expect(before).toHaveLength(2);
    await options.getByLabel('Anthropic priority').fill('40');
    // The page's data reloads (the person came back to the tab) before the field is left: what
    // was typed stays, and counts when the field is left.
    await options.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await options.waitForTimeout(500);
    expect(await options.getByLabel('Anthropic priority').inputValue()).toBe('40');
    await options.getByLabel('Anthropic priority').press('Tab');
    await expect.poll(names).toEqual(['OpenAI', 'Anthropic']);
    const handle = options.getByRole('button', { name: /^Move Anthropic/ });
    await handle.focus();
    await options.keyboard.press('ArrowUp');
    await expect.poll(names).toEqual(['Anthropic', 'OpenAI']);
    await expect
      .poll(() => options.locator('p[aria-live="polite"]').textContent())
      .toContain('Anthropic moved to position 1 of 2, priority 100');
    await options.getByLabel('Coding', { exact: true }).selectOption('economy');
    await options.getByLabel('Speed').selectOption('fast');
    await options.getByRole('button', { name: 'Save priorities' }).click();
    await options.getByText('Priorities saved.').waitFor();
    await options.reload();
    await expect.poll(names).toEqual(['Anthropic', 'OpenAI']);
    expect(await options.getByLabel('Coding', { exact: true }).inputValue()).toBe('economy');
    expect(await options.getByLabel('Speed').inputValue()).toBe('fast');
    await expectAccessible(options, 'priorities');
    await broker.screenshot(options, 'options-priorities');
  });
});
