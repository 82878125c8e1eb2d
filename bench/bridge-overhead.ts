/**
 * What the extension costs a page, measured in one Chromium run with the built extension:
 * 1. a trivial `window.llm` round trip (page → relay → service worker → back);
 * 2. the same SSE answer streamed through the extension versus fetched by the page directly
 *    from the loopback provider server: time to first token and chunks per second.
 * Prints figures; asserts nothing. Run: `npm run bench` (builds first).
 */

import { launchBroker } from '../test/e2e/e2e-harness';
import { allowSite, saveProviderAccount } from '../test/e2e/e2e-setup';
import { startProviderServer } from '../test/fixtures/provider-server';
import { printTable, summarize } from './bench-stats';

const ROUND_TRIPS = 1_000;
const STREAM_RUNS = 15;
const ANSWER_TOKENS = 2_000;
const API_KEY = 'sk-bench-0000000000000000';

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
  console.log(
    JSON.stringify({
      bench: 'bridge-overhead',
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
