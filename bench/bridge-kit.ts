/** What the bridge benchmarks share: the page-side runners, a site set up, small statistics. */
import { readdirSync, readFileSync } from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import type { BrokerBrowser } from '../test/e2e/e2e-harness';
import { allowSite, saveProviderAccount } from '../test/e2e/e2e-setup';
import { quantile } from './bench-stats';
import { LONG_MARKER } from './replay-server';

export const API_KEY = 'sk-bench-0000000000000000';

export interface StreamSample {
  firstTokenMs: number;
  /** From the last text piece to the result (the stream's end). */
  afterLastMs: number;
  chunks: number;
  /** Chunks per second over the whole answer (request → last text piece). */
  chunksPerSecond: number;
}

/**
 * A minimal SSE reader, as script source for a page or a worker: what a page would write
 * without the extension. `readDeltas(body, onDelta, onRead)` calls `onDelta` with each text
 * delta as soon as it is parsed, and `onRead` after each read of the body.
 */
export const READ_DELTAS = `
async function readDeltas(body, onDelta, onRead = () => {}) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (true) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value;
    const events = buffer.split('\\n\\n');
    buffer = events.pop() ?? '';
    for (const event of events) {
      const data = event.replace(/^data: /, '');
      if (data === '[DONE]') continue;
      const delta = JSON.parse(data).choices?.[0]?.delta?.content;
      if (delta) onDelta(delta);
    }
    onRead();
  }
}
`;

/** Page-side runners, defined once in the page (the timed parts never leave it). */
export const RUNNERS = `
window.__name = (f) => f;
${READ_DELTAS}
window.benchVia = async (long) => {
  const start = performance.now();
  let first = 0, last = 0, end = 0, chunks = 0;
  const stream = window.llm.stream({
    prompt: long ? 'Please write a ${LONG_MARKER}.' : 'Say hello.',
    maxOutputTokens: 2000,
  });
  for await (const part of stream) {
    if (part.type !== 'text-delta') continue;
    last = performance.now();
    if (chunks++ === 0) first = last;
  }
  await stream.result;
  end = performance.now();
  return { firstTokenMs: first - start, afterLastMs: end - last, chunks,
    chunksPerSecond: chunks / ((last - start) / 1000) };
};
window.benchDirect = async (url, key, long) => {
  const start = performance.now();
  const response = await fetch(url + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ' + key },
    body: JSON.stringify({ model: 'gpt-4.1-nano', stream: true,
      messages: [{ role: 'user', content: long ? 'Please write a ${LONG_MARKER}.' : 'Say hello.' }] }),
  });
  let first = 0, last = 0, chunks = 0;
  await readDeltas(response.body, () => {
    last = performance.now();
    if (chunks++ === 0) first = last;
  });
  const end = performance.now();
  return { firstTokenMs: first - start, afterLastMs: end - last, chunks,
    chunksPerSecond: chunks / ((last - start) / 1000) };
};
// Short answers one after another, each call as soon as the last ended (a chat's pace): the
// first token of each, through the extension or directly.
window.benchInARow = async (viaExtension, count, url, key) => {
  const firsts = [];
  for (let index = 0; index < count; index++) {
    const sample = viaExtension
      ? await window.benchVia(false)
      : await window.benchDirect(url, key, false);
    firsts.push(sample.firstTokenMs);
  }
  return firsts;
};
`;

export function stats(samples: readonly number[]): { p50: number; p90: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99) };
}

export const ms = (value: number) => value.toFixed(2);

/**
 * `blocks` blocks of `perBlock` short answers in a row, through the extension and directly,
 * in alternated order: the first token of every call.
 */
export async function inARow(
  runs: ReadonlyArray<{ page: Page; viaExtension: boolean; name: string }>,
  url: string,
  blocks: number,
  perBlock: number,
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = Object.fromEntries(runs.map((run) => [run.name, []]));
  for (let block = 0; block < blocks + 2; block++) {
    const order = [...runs].sort(() => Math.random() - 0.5);
    for (const run of order) {
      const firsts = await run.page.evaluate(
        ([viaExtension, count, url, key]) =>
          (
            window as unknown as {
              benchInARow(via: boolean, count: number, url: string, key: string): number[];
            }
          ).benchInARow(viaExtension, count, url, key),
        [run.viaExtension, perBlock, url, API_KEY] as const,
      );
      // Two blocks warm up.
      if (block >= 2) samples[run.name]!.push(...firsts);
    }
  }
  return samples;
}

/** Time enough for the worker to write the last answer's records (batched: within a second). */
const RECORDS_WRITTEN_MS = 1_500;

/**
 * Stops the service worker (through `cdp`, a session with `ServiceWorker` enabled), then times the
 * first call from `page`: a ping, or a short stream to its first token (read to its end). It
 * stops the worker only once the previous answer's records are written, as an idle worker is:
 * one stopped while writing leaves its next start a request to settle, which people rarely meet.
 * `page` needs `__name`.
 */
export async function coldCall(
  cdp: CDPSession,
  page: Page,
  kind: 'ping' | 'firstToken',
): Promise<number> {
  await new Promise((done) => setTimeout(done, RECORDS_WRITTEN_MS));
  await cdp.send('ServiceWorker.stopAllWorkers');
  await new Promise((done) => setTimeout(done, 300));
  return page.evaluate(async (kind) => {
    const start = performance.now();
    if (kind === 'ping') {
      await window.llm.ping();
      return performance.now() - start;
    }
    let first = Number.NaN;
    for await (const part of window.llm.stream({ prompt: 'Say hello.' })) {
      if (part.type === 'text-delta' && Number.isNaN(first)) first = performance.now() - start;
    }
    return first;
  }, kind);
}

/** A CDP session on `page` that can stop the extension's service worker. */
export async function workerControl(broker: BrokerBrowser, page: Page): Promise<CDPSession> {
  const cdp = await broker.context.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  return cdp;
}

/**
 * An OpenAI account on `replayUrl` and a test page allowed to call as often as the benchmark
 * does, with the runners defined in it.
 */
export async function benchSite(broker: BrokerBrowser, replayUrl: string): Promise<Page> {
  await saveProviderAccount(broker, {
    provider: 'openai',
    name: 'OpenAI',
    apiKey: API_KEY,
    baseUrl: `${replayUrl}/v1`,
  });
  const site = await broker.openTestPage();
  await allowSite(broker, site, async (consent) => {
    await consent.getByLabel('Requests per minute, at most').fill('10000');
    await consent.getByLabel('Monthly budget for this site (USD)').fill('1000');
  });
  await site.addScriptTag({ content: RUNNERS });
  return site;
}

/** CPU time (ms) Chromium's processes have used so far: all threads, and extension workers'. */
function chromiumCpuMs(): { total: number; worker: number } {
  // Linux's clock ticks are 10 ms (USER_HZ 100).
  let total = 0;
  let worker = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let command: string;
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!command.includes('chromium')) continue;
    const extension = command.includes('--extension-process');
    let threads: string[] = [];
    try {
      threads = readdirSync(`/proc/${pid}/task`);
    } catch {}
    for (const thread of threads) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ms = (Number(fields[11]) + Number(fields[12])) * 10;
        total += ms;
        const name = readFileSync(`/proc/${pid}/task/${thread}/comm`, 'utf8');
        if (extension && name.startsWith('ServiceWorker')) worker += ms;
      } catch {}
    }
  }
  return { total, worker };
}

export interface CpuPerCall {
  /** Wall time per call, ms. */
  wallMs: number;
  /** CPU per call, every process of the browser together, ms. */
  cpuMs: number;
  /** Of which the extension's service worker thread. */
  workerMs: number;
}

/**
 * `count` short answers in a row through the extension, then `count` the page fetches itself:
 * what each costs the machine (CPU of every Chromium process, from /proc; Linux only), and the
 * wall time per call — the page's own calls right after the extension's feel what it left to do.
 */
export async function cpuPerCall(
  page: Page,
  url: string,
  count: number,
): Promise<{ extension: CpuPerCall; direct: CpuPerCall }> {
  const measure = async (viaExtension: boolean): Promise<CpuPerCall> => {
    const before = chromiumCpuMs();
    const start = performance.now();
    await page.evaluate(
      async ([viaExtension, count, url, key]) => {
        const bench = window as unknown as {
          benchVia(long: boolean): Promise<unknown>;
          benchDirect(url: string, key: string, long: boolean): Promise<unknown>;
        };
        for (let index = 0; index < count; index++) {
          if (viaExtension) await bench.benchVia(false);
          else await bench.benchDirect(url, key, false);
        }
      },
      [viaExtension, count, url, API_KEY] as const,
    );
    const wallMs = performance.now() - start;
    const after = chromiumCpuMs();
    return {
      wallMs: wallMs / count,
      cpuMs: (after.total - before.total) / count,
      workerMs: (after.worker - before.worker) / count,
    };
  };
  const extension = await measure(true);
  const direct = await measure(false);
  return { extension, direct };
}
