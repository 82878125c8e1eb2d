/**
 * The Usage page with a long request log, in Chromium with the built extension and its real
 * IndexedDB: the same measurements at 1,000 log lines (the baseline) and at 100,000, in one run.
 *   open      — loading the page until the newest 50 lines and the chart are drawn
 *   filter    — choosing a rare outcome (2% of lines) until only those lines show
 *   provider  — choosing a rare provider (1% of lines)
 *   older     — "Show older" until 100 lines show
 *   export    — CSV of every line, until the page says it is done
 * Lines and a year of daily rollups are written straight into the database first (as the
 * background would have). Prints figures; asserts nothing. Run: `npm run bench -- usage-page`.
 */
import type { Page } from 'playwright-core';
import { launchBroker } from '../test/e2e/e2e-harness';
import { printTable, summarize } from './bench-stats';

const ROUNDS = 5;
const SIZES = [1_000, 100_000];
const USAGE = 'extension/ui/options/options.html#usage';

/** Adds `count` log lines (and rollups for a year of days) with the page's own IndexedDB. */
function seed(page: Page, from: number, count: number): Promise<void> {
  return page.evaluate(
    async ({ from, count }) => {
      const open = indexedDB.open('llm-broker');
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const transaction = database.transaction(['requestLog', 'usageDays'], 'readwrite');
      const log = transaction.objectStore('requestLog');
      const now = Date.now();
      const providers = ['openai', 'anthropic', 'google', 'deepseek'];
      const sites = ['https://docs.example', 'https://mail.example', 'https://news.example'];
      for (let index = from; index < from + count; index++) {
        const rare = index % 100;
        const provider = rare === 7 ? 'mistral' : providers[index % providers.length]!;
        const outcome = rare < 2 ? 'failed' : rare < 6 ? 'refused' : 'answered';
        const answered = outcome === 'answered';
        log.add({
          requestId: `bench-${index}`,
          origin: sites[index % sites.length],
          // Oldest first, one a minute or so, ending now.
          createdAt: now - (from + count - index) * 50_000,
          outcome,
          ...(answered && {
            model: { provider, id: `${provider}-model`, location: 'cloud' },
            provider,
          }),
          task: 'qa',
          ...(!answered && { errorName: 'NetworkError', reason: 'No model could answer.' }),
          attemptCount: answered ? 1 : 0,
          inputTokens: 800,
          outputTokens: 200,
          costUsd: answered ? 0.0004 : 0,
          latencyMs: 900,
        });
      }
      const usage = transaction.objectStore('usageDays');
      for (let day = 0; day < 365; day++) {
        const key = new Date(now - day * 86_400_000).toISOString().slice(0, 10);
        // (No helper functions in here: the page gets this code as text, without tsx's helpers.)
        const rollups: Array<[string, string, number]> = [['all', '', 1]];
        for (const provider of providers) {
          rollups.push(
            ['provider', provider, 0.25],
            ['model', `${provider}/${provider}-model`, 0.25],
          );
        }
        for (const site of sites) rollups.push(['site', site, 1 / 3]);
        for (const [dimension, name, share] of rollups) {
          usage.put({
            day: key,
            dimension,
            key: name,
            requests: Math.round(280 * share),
            answered: Math.round(260 * share),
            cached: 0,
            refused: Math.round(12 * share),
            failed: Math.round(6 * share),
            costNanoUsd: Math.round(104_000_000 * share),
            inputTokens: Math.round(224_000 * share),
            outputTokens: Math.round(56_000 * share),
          });
        }
      }
      await new Promise<void>((resolve, reject) => {
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(transaction.error);
      });
      database.close();
    },
    { from, count },
  );
}

async function timed(action: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

const rows = (page: Page) => page.locator('table.log > tbody');

async function measure(page: Page, lines: number): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {
    open: [],
    filter: [],
    provider: [],
    older: [],
    export: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    samples.open!.push(
      await timed(async () => {
        await page.reload();
        await page.locator('.spend-chart canvas').waitFor();
        await page.waitForFunction(
          () => document.querySelectorAll('table.log > tbody').length === 50,
        );
      }),
    );
    samples.filter!.push(
      await timed(async () => {
        await page.getByRole('combobox', { name: /^Outcome/ }).selectOption('failed');
        await page.waitForFunction(() => {
          const lines = [...document.querySelectorAll('table.log > tbody')];
          return lines.length > 0 && lines.every((line) => line.textContent?.includes('failed'));
        });
      }),
    );
    await page.getByRole('combobox', { name: /^Outcome/ }).selectOption('');
    samples.provider!.push(
      await timed(async () => {
        await page.getByRole('combobox', { name: /^Provider/ }).selectOption('mistral');
        await page.waitForFunction(() => {
          const lines = [...document.querySelectorAll('table.log > tbody')];
          return lines.length > 0 && lines.every((line) => line.textContent?.includes('mistral'));
        });
      }),
    );
    await page.getByRole('combobox', { name: /^Provider/ }).selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('table.log > tbody').length === 50);
    samples.older!.push(
      await timed(async () => {
        await page.getByRole('button', { name: 'Show older' }).click();
        await page.waitForFunction(
          () => document.querySelectorAll('table.log > tbody').length === 100,
        );
      }),
    );
    const download = page.waitForEvent('download');
    samples.export!.push(
      await timed(async () => {
        await page.getByRole('button', { name: 'Export CSV' }).click();
        await page.getByText(`Exported ${lines.toLocaleString('en-US')} requests.`).waitFor();
      }),
    );
    await download;
  }
  if ((await rows(page).count()) === 0) throw new Error('the log did not render');
  return samples;
}

const broker = await launchBroker({ viewport: { width: 1280, height: 900 } });
try {
  const page = await broker.openExtensionPage(USAGE);
  await page.getByRole('heading', { name: 'Usage' }).waitFor();
  const results = new Map<number, Record<string, number[]>>();
  let written = 0;
  for (const size of SIZES) {
    await seed(page, written, size - written);
    written = size;
    results.set(size, await measure(page, size));
  }
  console.log(`Usage page, median of ${ROUNDS} rounds (ms); the baseline is the 1,000-line log`);
  const [small, large] = SIZES.map((size) => results.get(size)!);
  printTable(
    ['step', '1,000 lines', '100,000 lines', 'ratio'],
    Object.keys(small!).map((step) => {
      const a = summarize(small![step]!).median;
      const b = summarize(large![step]!).median;
      return [step, a.toFixed(0), b.toFixed(0), `×${(b / a).toFixed(2)}`];
    }),
  );
  const memory = await page.evaluate(
    () =>
      (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize,
  );
  if (memory) console.log(`page JS heap after the run: ${(memory / 1024 / 1024).toFixed(1)} MiB`);
} finally {
  await broker.close();
}
