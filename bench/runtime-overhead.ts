/**
 * What the runtime adds to a call, in Node, against the same loopback OpenAI-format server:
 * - time to first token and streaming throughput of a raw fetch with a minimal SSE reader,
 *   of the AI SDK provider model alone, and of the whole broker (validate, route, reserve,
 *   stream, settle, log — on the real Dexie over fake-indexeddb);
 * - the same through the broker when the first model fails (HTTP 500) before the answer.
 * Prints figures side by side; asserts nothing.
 */
import 'fake-indexeddb/auto';
import { createOpenAI } from '@ai-sdk/openai';
import { findProvider } from '../src/providers/provider-registry';
import { loadBundledCatalog } from '../src/router';
import { Broker } from '../src/runtime/broker';
import { toCallOptions } from '../src/runtime/request-prompt';
import { runAttempt } from '../src/runtime/run-attempt';
import { createBrokerStorage } from '../src/storage/storage-broker';
import { startProviderServer } from '../test/fixtures/provider-server';
import { printTable, summarize } from './bench-stats';

const FIRST_TOKEN_RUNS = 300;
const STREAM_RUNS = 20;
const LONG_ANSWER = Array.from({ length: 1_000 }, (_, index) => `word${index % 50} `).join('');
const ORIGIN = 'https://bench.example';
const KEY = 'sk-bench-000000000000';

interface Sample {
  firstTokenMs: number;
  chunksPerSecond: number;
}

const server = await startProviderServer({ kind: 'openai', apiKey: KEY });
const baseUrl = `${server.url}/v1`;

async function rawFetch(text: string): Promise<Sample> {
  const start = performance.now();
  const response = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({
      model: 'gpt-4.1-nano',
      stream: true,
      messages: [{ role: 'user', content: text }],
    }),
  });
  const decoder = new TextDecoder();
  let buffer = '';
  let first = 0;
  let last = 0;
  let chunks = 0;
  for await (const bytes of response.body!) {
    buffer += decoder.decode(bytes, { stream: true });
    const events = buffer.split('\n\n');
    buffer = events.pop() ?? '';
    for (const event of events) {
      const data = event.slice('data: '.length);
      if (data === '[DONE]') continue;
      if (!JSON.parse(data).choices?.[0]?.delta?.content) continue;
      last = performance.now();
      if (chunks++ === 0) first = last;
    }
  }
  return { firstTokenMs: first - start, chunksPerSecond: (chunks - 1) / ((last - first) / 1000) };
}

const sdkModel = createOpenAI({ apiKey: KEY, baseURL: baseUrl }).chat('gpt-4.1-nano');

async function aiSdk(text: string): Promise<Sample> {
  const start = performance.now();
  let first = 0;
  let last = 0;
  let chunks = 0;
  await runAttempt(sdkModel, toCallOptions({ prompt: text }, new AbortController().signal), () => {
    last = performance.now();
    if (chunks++ === 0) first = last;
  });
  return { firstTokenMs: first - start, chunksPerSecond: (chunks - 1) / ((last - first) / 1000) };
}

const storage = createBrokerStorage('bench-runtime-overhead');
await storage.accounts.save({ provider: 'openai', apiKey: KEY, baseUrl });
await storage.settings.update({ monthlyBudgetUsd: 1_000_000 });
await storage.grants.grant(ORIGIN, {
  monthlyBudgetUsd: 1_000_000,
  rateLimitPerMinute: 1_000_000,
  privacy: 'any',
});
const broker = new Broker({ storage, catalog: loadBundledCatalog(), findProvider });

async function throughBroker(text: string): Promise<Sample> {
  const start = performance.now();
  let first = 0;
  let last = 0;
  let chunks = 0;
  await broker.run(
    ORIGIN,
    { prompt: text },
    {
      signal: new AbortController().signal,
      emit(part) {
        if (part.type !== 'text-delta') return;
        last = performance.now();
        if (chunks++ === 0) first = last;
      },
    },
  );
  return { firstTokenMs: first - start, chunksPerSecond: (chunks - 1) / ((last - first) / 1000) };
}

async function afterOneFailure(text: string): Promise<Sample> {
  server.script({ kind: 'http-error', status: 500 });
  broker.health.recordSuccess('openai'); // each run starts healthy: measure one failover, not a breaker
  return throughBroker(text);
}

async function measure(
  run: (text: string) => Promise<Sample>,
  answer: 'short' | 'long',
  runs: number,
) {
  server.defaultReply =
    answer === 'long' ? { kind: 'answer', text: LONG_ANSWER } : { kind: 'answer' };
  for (let index = 0; index < 20; index++) await run(`warm-up ${index}`);
  const samples: Sample[] = [];
  for (let index = 0; index < runs; index++) samples.push(await run(`Question ${index}?`));
  return samples;
}

const ways = [
  ['raw fetch + SSE reader', rawFetch],
  ['AI SDK provider model', aiSdk],
  ['broker (validate, route, reserve, settle, log)', throughBroker],
  ['broker, first model fails with HTTP 500', afterOneFailure],
] as const;

const firstToken = new Map<string, ReturnType<typeof summarize>>();
const throughput = new Map<string, ReturnType<typeof summarize>>();
for (const [label, run] of ways) {
  firstToken.set(
    label,
    summarize((await measure(run, 'short', FIRST_TOKEN_RUNS)).map((sample) => sample.firstTokenMs)),
  );
  throughput.set(
    label,
    summarize((await measure(run, 'long', STREAM_RUNS)).map((sample) => sample.chunksPerSecond)),
  );
}

const base = firstToken.get(ways[0][0])!;
const baseRate = throughput.get(ways[0][0])!;
console.log(`\nRuntime overhead in Node against a loopback OpenAI-format server`);
console.log(
  `(first token: ${FIRST_TOKEN_RUNS} short answers each; throughput: ${STREAM_RUNS} answers of 1,000 chunks each)`,
);
printTable(
  [
    '',
    'first token median ms',
    'p99 ms',
    'added median ms',
    'added p99 ms',
    'chunks/s',
    'throughput ratio',
  ],
  ways.map(([label]) => {
    const ttft = firstToken.get(label)!;
    const rate = throughput.get(label)!;
    return [
      label,
      ttft.median.toFixed(2),
      ttft.p99.toFixed(2),
      (ttft.median - base.median).toFixed(2),
      (ttft.p99 - base.p99).toFixed(2),
      rate.median.toFixed(0),
      (rate.median / baseRate.median).toFixed(2),
    ];
  }),
);
console.log(
  JSON.stringify({
    bench: 'runtime-overhead',
    firstTokenMs: Object.fromEntries(
      [...firstToken].map(([label, value]) => [label, { median: value.median, p99: value.p99 }]),
    ),
    chunksPerSecond: Object.fromEntries(
      [...throughput].map(([label, value]) => [label, value.median]),
    ),
  }),
);
await broker.flushStats();
// Every answer's record is written before the database closes (they wait for a quiet moment).
await broker.flushRecords();
storage.close();
await server.close();
