/**
 * What the extension costs a page, measured in one Chromium run with the built extension:
 * 1. a trivial `window.llm` round trip (page → relay → service worker → back);
 * 2. the same SSE answer streamed through the extension versus fetched by the page directly
 *    from the loopback provider server: time to first token and chunks per second;
 * 3. loading a blank page with the extension's content scripts (they run on every page, at
 *    document_start) versus the same page in the same Chromium without the extension.
 * Prints figures; asserts nothing. Run: `npm run bench` (builds first).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumArgs, launchBroker } from '../test/e2e/e2e-harness';
import { allowSite, saveProviderAccount } from '../test/e2e/e2e-setup';
import { startProviderServer } from '../test/fixtures/provider-server';
import { printTable, summarize } from './bench-stats';

const ROUND_TRIPS = 1_000;
const STREAM_RUNS = 15;
const PAGE_LOADS = 150;
const ANSWER_TOKENS = 2_000;
const API_KEY = 'sk-bench-0000000000000000';

/** One load of `url`: ms from navigation start to the page's first script (which runs after
 * every document_start content script) and to the end of DOMContentLoaded. */
async function loadTimes(
  page: Page,
  url: string,
): Promise<{ firstScript: number; loaded: number }> {
  await page.goto(url);
  return page.evaluate(() => {
    const [entry] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    const start = entry?.startTime ?? 0;
    return {
      firstScript: (window as unknown as { firstScriptAt: number }).firstScriptAt - start,
      loaded: (entry?.domContentLoadedEventEnd ?? Number.NaN) - start,
    };
  });
}

interface StreamSample {
  firstTokenMs: number;
  chunks: number;
  /** Chunks per second from the first chunk to the last. */
  chunksPerSecond: number;
}

const answer = Array.from({ length: ANSWER_TOKENS / 2 }, (_, index) => `word${index % 100} `).join(
  '',
);

const openai = await startProviderServer({ kind: 'openai', apiKey: API_KEY, text: answer });
const broker = await launchBroker();
try {
  await saveProviderAccount(broker, {
    provider: 'openai',
    name: 'OpenAI',
    apiKey: API_KEY,
    baseUrl: `${openai.url}/v1`,
  });
  const site = await broker.openTestPage();
  await allowSite(broker, site);

  // 1. Round trips.
  const roundTrips = await site.evaluate(async (count) => {
    for (let index = 0; index < 50; index++) await window.llm.ping();
    const samples: number[] = [];
    for (let index = 0; index < count; index++) {
      const start = performance.now();
      await window.llm.ping();
      samples.push(performance.now() - start);
    }
    return samples;
  }, ROUND_TRIPS);

  // 2. Streams: through the extension, and the page fetching the server itself.
  const throughExtension: StreamSample[] = [];
  const direct: StreamSample[] = [];
  for (let run = 0; run < STREAM_RUNS; run++) {
    throughExtension.push(
      await site.evaluate(async () => {
        const start = performance.now();
        let first = 0;
        let last = 0;
        let chunks = 0;
        for await (const part of window.llm.stream({
          prompt: 'Stream a long answer.',
          maxOutputTokens: 4000,
        })) {
          if (part.type !== 'text-delta') continue;
          last = performance.now();
          if (chunks++ === 0) first = last;
        }
        return {
          firstTokenMs: first - start,
          chunks,
          chunksPerSecond: (chunks - 1) / ((last - first) / 1000),
        };
      }),
    );
    direct.push(
      await site.evaluate(
        async ({ url, key }) => {
          const start = performance.now();
          const response = await fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({
              model: 'gpt-4.1-nano',
              stream: true,
              messages: [{ role: 'user', content: 'Stream a long answer.' }],
            }),
          });
          // A minimal SSE reader: what a page would write without the extension.
          const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          let first = 0;
          let last = 0;
          let chunks = 0;
          while (true) {
            const { done, value } = await reader.read();
            if (done) break;
            buffer += value;
            const events = buffer.split('\n\n');
            buffer = events.pop() ?? '';
            for (const event of events) {
              const data = event.replace(/^data: /, '');
              if (data === '[DONE]') continue;
              const delta = JSON.parse(data).choices?.[0]?.delta?.content;
              if (!delta) continue;
              last = performance.now();
              if (chunks++ === 0) first = last;
            }
          }
          return {
            firstTokenMs: first - start,
            chunks,
            chunksPerSecond: (chunks - 1) / ((last - first) / 1000),
          };
        },
        { url: openai.url, key: API_KEY },
      ),
    );
  }

  // 3. Page loads, with the extension and in the same kind of browser without it (a persistent
  // context on a fresh profile), alternating between the two so drifts in the machine's speed
  // fall on both alike.
  const blankUrl = `${broker.pagesUrl}/blank.html`;
  const profile = mkdtempSync(join(tmpdir(), 'llm-broker-bench-plain-'));
  const plain = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: chromiumArgs(),
  });
  const withExtension: Array<{ firstScript: number; loaded: number }> = [];
  const withoutExtension: Array<{ firstScript: number; loaded: number }> = [];
  try {
    const [extensionPage, plainPage] = [await broker.context.newPage(), await plain.newPage()];
    for (let load = 0; load < PAGE_LOADS + 10; load++) {
      const timesWith = await loadTimes(extensionPage, blankUrl);
      const timesWithout = await loadTimes(plainPage, blankUrl);
      if (load < 10) continue; // warm-up
      withExtension.push(timesWith);
      withoutExtension.push(timesWithout);
    }
  } finally {
    await plain.close();
    rmSync(profile, { recursive: true, force: true });
  }

  const trip = summarize(roundTrips);
  const viaTtft = summarize(throughExtension.map((sample) => sample.firstTokenMs));
  const directTtft = summarize(direct.map((sample) => sample.firstTokenMs));
  const viaRate = summarize(throughExtension.map((sample) => sample.chunksPerSecond));
  const directRate = summarize(direct.map((sample) => sample.chunksPerSecond));

  console.log(`\nBridge round trip (window.llm.ping, ${ROUND_TRIPS} calls after 50 warm-up)`);
  printTable(
    ['', 'median ms', 'p99 ms'],
    [['page → relay → service worker → page', trip.median.toFixed(3), trip.p99.toFixed(3)]],
  );
  console.log(
    `\nStreaming one ${throughExtension[0]?.chunks}-chunk SSE answer (${STREAM_RUNS} runs each; medians)`,
  );
  printTable(
    ['', 'first token ms', 'chunks/s'],
    [
      [
        'page fetches the server directly',
        directTtft.median.toFixed(2),
        directRate.median.toFixed(0),
      ],
      ['through the extension', viaTtft.median.toFixed(2), viaRate.median.toFixed(0)],
      [
        'ratio (extension / direct)',
        (viaTtft.median / directTtft.median).toFixed(2),
        (viaRate.median / directRate.median).toFixed(2),
      ],
    ],
  );
  const firstWith = summarize(withExtension.map((times) => times.firstScript));
  const firstWithout = summarize(withoutExtension.map((times) => times.firstScript));
  const loadWith = summarize(withExtension.map((times) => times.loaded));
  const loadWithout = summarize(withoutExtension.map((times) => times.loaded));
  console.log(
    `\nLoading a blank page (${PAGE_LOADS} loads each, alternating, after 10 warm-up loads; medians)`,
  );
  printTable(
    ['', "page's first script ms", 'DOMContentLoaded ms'],
    [
      ['without the extension', firstWithout.median.toFixed(2), loadWithout.median.toFixed(2)],
      ['with the extension', firstWith.median.toFixed(2), loadWith.median.toFixed(2)],
      [
        'added by its content scripts',
        (firstWith.median - firstWithout.median).toFixed(2),
        (loadWith.median - loadWithout.median).toFixed(2),
      ],
    ],
  );
  console.log(
    JSON.stringify({
      bench: 'bridge-overhead',
      pageLoadMs: {
        firstScript: { without: firstWithout.median, with: firstWith.median },
        domContentLoaded: { without: loadWithout.median, with: loadWith.median },
      },
      roundTripMs: { median: trip.median, p99: trip.p99 },
      firstTokenMs: {
        direct: directTtft.median,
        extension: viaTtft.median,
        ratio: viaTtft.median / directTtft.median,
      },
      chunksPerSecond: {
        direct: directRate.median,
        extension: viaRate.median,
        ratio: viaRate.median / directRate.median,
      },
    }),
  );
} finally {
  await broker.close();
  await openai.close();
}
