/**
 * Websites under load, in one Chromium run with the built extension:
 * 1. 50 concurrent streams from 5 tabs (10 each) through `window.llm`, against the same 50
 *    streams fetched directly by the same pages from the loopback provider server: wall time
 *    from the first call to the last answer, alternating the two a few rounds;
 * 2. the hostile-page fuzz (test/e2e/pages/fuzz.js): thousands of malformed calls through
 *    `window.llm` and straight into the relay, and a flood — how each ended.
 * Prints figures; asserts nothing. Run: `npm run bench -- site-load` (builds first).
 */
import type { Page } from 'playwright-core';
import { launchBroker } from '../test/e2e/e2e-harness';
import { allowSite, saveProviderAccount } from '../test/e2e/e2e-setup';
import { startProviderServer } from '../test/fixtures/provider-server';
import { printTable, summarize } from './bench-stats';
import { READ_DELTAS } from './bridge-kit';

const TABS = 5;
const STREAMS_PER_TAB = 10;
const ROUNDS = 5;
const FUZZ_CALLS = 2_000;
const API_KEY = 'sk-bench-site-load-00000000000';
const ANSWER = Array.from({ length: 200 }, (_, index) => `word${index % 40}`).join(' ');

/** Runs `count` streams at once in `page`, through the extension or fetched directly. */
function streamsIn(page: Page, count: number, direct: { url: string; key: string } | undefined) {
  return page.evaluate(
    async ({ count, direct }) => {
      const viaExtension = async () => {
        let chunks = 0;
        for await (const part of window.llm.stream({ prompt: 'A medium answer, please.' }))
          if (part.type === 'text-delta') chunks++;
        return chunks;
      };
      const viaFetch = async () => {
        const response = await fetch(`${direct!.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${direct!.key}` },
          body: JSON.stringify({
            model: 'gpt-4.1-nano',
            stream: true,
            messages: [{ role: 'user', content: 'A medium answer, please.' }],
          }),
        });
        let chunks = 0;
        const reader = window as unknown as {
          readDeltas(body: ReadableStream<Uint8Array>, onDelta: () => void): Promise<void>;
        };
        await reader.readDeltas(response.body!, () => chunks++);
        return chunks;
      };
      const run = direct ? viaFetch : viaExtension;
      const chunks = await Promise.all(Array.from({ length: count }, run));
      return chunks.reduce((sum, value) => sum + value, 0);
    },
    { count, direct },
  );
}

const openai = await startProviderServer({ kind: 'openai', apiKey: API_KEY, text: ANSWER });
const broker = await launchBroker();
try {
  await saveProviderAccount(broker, {
    provider: 'openai',
    name: 'OpenAI',
    apiKey: API_KEY,
    baseUrl: `${openai.url}/v1`,
  });
  const tabs: Page[] = [];
  for (let index = 0; index < TABS; index++) tabs.push(await broker.openTestPage());
  // tsx names the functions it compiles with an `__name` helper the pages do not have.
  for (const tab of tabs) {
    await tab.evaluate('window.__name = (f) => f');
    await tab.addScriptTag({ content: READ_DELTAS });
  }
  // One grant covers every tab of the origin; its rate limit must admit the bursts.
  await allowSite(broker, tabs[0]!, async (consent) => {
    await consent.getByLabel('Requests per minute, at most').fill('10000');
    await consent.getByLabel('Monthly budget for this site (USD)').fill('100');
  });

  const wall = { extension: [] as number[], direct: [] as number[] };
  let chunks = { extension: 0, direct: 0 };
  let requestsSeen = openai.requests.length;
  let requestsPerRound = 0;
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const way of ['extension', 'direct'] as const) {
      const start = performance.now();
      const counts = await Promise.all(
        tabs.map((tab) =>
          streamsIn(
            tab,
            STREAMS_PER_TAB,
            way === 'direct' ? { url: openai.url, key: API_KEY } : undefined,
          ),
        ),
      );
      const elapsed = performance.now() - start;
      if (way === 'extension') requestsPerRound = openai.requests.length - requestsSeen;
      requestsSeen = openai.requests.length;
      if (round === 0) continue; // warm-up
      wall[way].push(elapsed);
      chunks = { ...chunks, [way]: counts.reduce((sum, value) => sum + value, 0) };
    }
  }

  const fuzzPage = await broker.openTestPage('fuzz.html');
  const requestsBefore = openai.requests.length;
  const fuzzStart = performance.now();
  const fuzz = (await fuzzPage.evaluate(
    ([seed, count]) =>
      (window as unknown as { runFuzz(s: number, c: number): Promise<unknown> }).runFuzz(
        seed,
        count,
      ),
    [7, FUZZ_CALLS] as const,
  )) as Record<string, Record<string, number>>;
  const fuzzSeconds = (performance.now() - fuzzStart) / 1000;
  const fuzzRequests = openai.requests.length - requestsBefore;

  const extension = summarize(wall.extension);
  const direct = summarize(wall.direct);
  const fixed = (value: number) => value.toFixed(1);
  console.log(
    `\n${TABS * STREAMS_PER_TAB} concurrent streams from ${TABS} tabs (${ROUNDS} rounds after a warm-up; wall time, first call to last answer)`,
  );
  printTable(
    ['way', 'median ms', 'mean ms', 'slowest ms', 'chunks per round'],
    [
      [
        'through the extension',
        fixed(extension.median),
        fixed(extension.mean),
        fixed(Math.max(...wall.extension)),
        chunks.extension,
      ],
      [
        'fetched by the pages',
        fixed(direct.median),
        fixed(direct.mean),
        fixed(Math.max(...wall.direct)),
        chunks.direct,
      ],
      ['ratio (median)', (extension.median / direct.median).toFixed(2), '', '', ''],
    ],
  );
  console.log(`upstream requests in the last round through the extension: ${requestsPerRound}`);
  console.log(
    `\nHostile page: ${FUZZ_CALLS} malformed calls each way and a flood of ${FUZZ_CALLS} (${fuzzSeconds.toFixed(1)} s)`,
  );
  printTable(
    ['way', 'outcomes'],
    Object.entries(fuzz).map(([way, outcomes]) => [
      way,
      Object.entries(outcomes)
        .map(([name, count]) => `${name} ${count}`)
        .join(', '),
    ]),
  );
  console.log(`requests that reached the provider during the fuzz: ${fuzzRequests}`);
} finally {
  await broker.close();
  await openai.close();
}
