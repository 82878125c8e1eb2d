/**
 * What the extension costs a page, measured in one Chromium run with the built extension
 * (`vite build --mode bench`: the production build plus performance marks in its content
 * scripts), against a replay server that sends precomputed OpenAI-format bytes:
 * 1. warm first token through `window.llm.stream` versus the page fetching the same server
 *    itself, alternated, for a short and a 1,001-chunk answer (p50/p90/p99 of each and of the
 *    difference of each alternated pair); the time from the last token to the result; the
 *    throughput ratio on the long answer; and short answers one after another (a chat's pace:
 *    each call as soon as the last ended), where writes after one answer meet the next request;
 *    and what a run of short answers costs the machine: CPU per call of every Chromium process
 *    (from /proc, so Linux only) and of the service worker, through the extension and then the
 *    page's own fetches right after (which feel what the extension left to do);
 * 2. a trivial `window.llm.ping()` round trip, warm;
 * 3. the content scripts' cost to every page load, from their own marks (start to end of each),
 *    in the same browser;
 * 4. the cold start: the first ping, and the first token, after the service worker was stopped
 *    (once the last answer's records are written, as an idle worker is); beside the floor's: the
 *    same content scripts with a service worker that only answers pings and fetches;
 * 5. the floor's warm first token and throughput, as in 1: that worker fetches the replay server
 *    itself and passes the text on, so it adds what any extension in the page's way adds here;
 *    and its CPU per call, as in 1.
 * Prints figures; asserts nothing. Run: `npm run bench -- bridge` (builds first).
 */

import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBroker } from '../test/e2e/e2e-harness';
import { printTable } from './bench-stats';
import {
  API_KEY,
  benchSite,
  coldCall,
  cpuPerCall,
  inARow,
  ms,
  READ_DELTAS,
  RUNNERS,
  type StreamSample,
  stats,
  workerControl,
} from './bridge-kit';
import { startReplayServer } from './replay-server';

const BENCH_DIST = resolve(import.meta.dirname, '../dist-bench');
const PAIRS = Number(process.env.BENCH_PAIRS ?? 200);
const WARM_UP = 20;
const IN_A_ROW_BLOCKS = 15;
const ROUND_TRIPS = 1_000;
const PAGE_LOADS = 200;
const COLD_STARTS = 15;
/** Short answers in a row each way for the CPU figures. */
const CPU_CALLS = 300;

/** `pairs` alternated runs (extension, then direct), after a warm-up of both. */
async function alternate(
  page: Page,
  url: string,
  long: boolean,
  pairs: number,
): Promise<{ via: StreamSample[]; direct: StreamSample[] }> {
  const via: StreamSample[] = [];
  const direct: StreamSample[] = [];
  for (let index = 0; index < pairs + WARM_UP; index++) {
    const pair = await page.evaluate(
      async ([url, key, long]) => {
        const bench = window as unknown as {
          benchVia(long: boolean): Promise<StreamSample>;
          benchDirect(url: string, key: string, long: boolean): Promise<StreamSample>;
        };
        // Which goes first alternates too, so neither always follows the other.
        return Math.random() < 0.5
          ? { via: await bench.benchVia(long), direct: await bench.benchDirect(url, key, long) }
          : {
              direct: await bench.benchDirect(url, key, long),
              via: await bench.benchVia(long),
            };
      },
      [url, API_KEY, long] as const,
    );
    if (index < WARM_UP) continue;
    via.push(pair.via);
    direct.push(pair.direct);
  }
  return { via, direct };
}

function printStreams(
  title: string,
  { via, direct }: { via: StreamSample[]; direct: StreamSample[] },
): Record<string, unknown> {
  const viaFirst = stats(via.map((sample) => sample.firstTokenMs));
  const directFirst = stats(direct.map((sample) => sample.firstTokenMs));
  const added = stats(
    via.map((sample, index) => sample.firstTokenMs - direct[index]!.firstTokenMs),
  );
  const afterLast = stats(via.map((sample) => sample.afterLastMs));
  const directAfterLast = stats(direct.map((sample) => sample.afterLastMs));
  const viaRate = stats(via.map((sample) => sample.chunksPerSecond)).p50;
  const directRate = stats(direct.map((sample) => sample.chunksPerSecond)).p50;
  console.log(`\n${title}: ${via[0]?.chunks} chunks, ${via.length} alternated pairs (warm)`);
  printTable(
    ['', 'p50 ms', 'p90 ms', 'p99 ms'],
    [
      [
        'first token, page fetches directly',
        ms(directFirst.p50),
        ms(directFirst.p90),
        ms(directFirst.p99),
      ],
      ['first token, through the extension', ms(viaFirst.p50), ms(viaFirst.p90), ms(viaFirst.p99)],
      ['added by the extension (per pair)', ms(added.p50), ms(added.p90), ms(added.p99)],
      ['last token → result, extension', ms(afterLast.p50), ms(afterLast.p90), ms(afterLast.p99)],
      [
        'last token → end of body, direct',
        ms(directAfterLast.p50),
        ms(directAfterLast.p90),
        ms(directAfterLast.p99),
      ],
    ],
  );
  console.log(
    `throughput over the whole answer (p50): ${directRate.toFixed(0)} chunks/s direct, ${viaRate.toFixed(0)} through the extension, ratio ${(viaRate / directRate).toFixed(2)}`,
  );
  return {
    firstTokenMs: { direct: directFirst, extension: viaFirst, added },
    afterLastMs: afterLast,
    chunksPerSecond: { direct: directRate, extension: viaRate, ratio: viaRate / directRate },
  };
}

/** What a run of short answers costs the machine (`cpuPerCall`), printed. */
async function printCpu(title: string, page: Page, url: string) {
  const cpu = await cpuPerCall(page, url, CPU_CALLS);
  console.log(
    `\n${title}: ${CPU_CALLS} short answers in a row through the extension, then ${CPU_CALLS} the page fetches itself (every Chromium process's CPU, from /proc)`,
  );
  printTable(
    ['', 'wall ms per call', 'CPU ms per call', 'of which the service worker'],
    (
      [
        ['through the extension', cpu.extension],
        ['the page fetching itself, right after', cpu.direct],
      ] as const
    ).map(([name, { wallMs, cpuMs, workerMs }]) => [name, ms(wallMs), ms(cpuMs), ms(workerMs)]),
  );
  return cpu;
}

/**
 * An extension with LLM Broker's content scripts and a service worker that does nothing but
 * answer pings and relay a stream: on `stream` it fetches the replay server itself, reads the
 * events as the page's own runner does and posts each read's text on (the first piece at once).
 * No routing, budget, record or provider SDK: what starting a worker, and passing a stream
 * through one, cost here at the least.
 */
function floorExtension(replayUrl: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'llm-broker-floor-'));
  cpSync(join(BENCH_DIST, 'extension/content'), join(directory, 'extension/content'), {
    recursive: true,
  });
  writeFileSync(
    join(directory, 'floor-worker.js'),
    `chrome.runtime.onConnect.addListener((port) => port.onMessage.addListener(async (message) => {
      const { kind, id, method, params } = message;
      if (kind !== 'call') return;
      if (method !== 'stream') return port.postMessage({ kind: 'result', id, value: 'pong' });
      const response = await fetch(${JSON.stringify(`${replayUrl}/v1/chat/completions`)}, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ${API_KEY}' },
        body: JSON.stringify({ model: 'gpt-4.1-nano', stream: true,
          messages: [{ role: 'user', content: params.prompt }] }),
      });
      let text = '', parts = [];
      const flush = () => {
        if (parts.length > 0) port.postMessage({ kind: 'parts', id, parts });
        parts = [];
      };
      await readDeltas(response.body, (delta) => {
        parts.push({ type: 'text-delta', delta });
        if (text === '') flush();
        text += delta;
      }, flush);
      port.postMessage({ kind: 'result', id, value: { text } });
    }));
    ${READ_DELTAS}`,
  );
  writeFileSync(
    join(directory, 'manifest.json'),
    JSON.stringify({
      manifest_version: 3,
      name: 'Floor',
      version: '1.0',
      background: { service_worker: 'floor-worker.js' },
      host_permissions: ['http://127.0.0.1/*'],
      content_scripts: [
        { matches: ['http://*/*'], js: ['extension/content/relay.js'], run_at: 'document_start' },
        {
          matches: ['http://*/*'],
          js: ['extension/content/inpage.js'],
          run_at: 'document_start',
          world: 'MAIN',
        },
      ],
    }),
  );
  return directory;
}

/** Milliseconds the content scripts ran during one load of `url`, from their own marks. */
async function contentScriptTimes(
  page: Page,
  url: string,
): Promise<{ relay: number; inpage: number; firstScript: number }> {
  await page.goto(url);
  return page.evaluate(() => {
    const span = (name: string) => {
      const [start] = performance.getEntriesByName(`llm-broker:${name}:start`);
      const [end] = performance.getEntriesByName(`llm-broker:${name}:end`);
      return start && end ? end.startTime - start.startTime : Number.NaN;
    };
    return {
      relay: span('relay'),
      inpage: span('inpage'),
      firstScript: (window as unknown as { firstScriptAt: number }).firstScriptAt,
    };
  });
}

const replay = await startReplayServer();
const broker = await launchBroker({ extensionDir: BENCH_DIST });
try {
  const site = await benchSite(broker, replay.url);

  // 1. Streams.
  const short = printStreams('Short answer', await alternate(site, replay.url, false, PAIRS));
  const long = printStreams('Long answer', await alternate(site, replay.url, true, PAIRS));
  const row = await inARow(
    [
      { page: site, viaExtension: true, name: 'extension' },
      { page: site, viaExtension: false, name: 'direct' },
    ],
    replay.url,
    IN_A_ROW_BLOCKS,
    10,
  );
  const rowDirect = stats(row.direct!);
  const rowVia = stats(row.extension!);
  console.log(
    `\nShort answers one after another: ${IN_A_ROW_BLOCKS} blocks of 10 calls each way, alternated`,
  );
  printTable(
    ['first token', 'p50 ms', 'p90 ms', 'p99 ms'],
    [
      ['page fetches directly', ms(rowDirect.p50), ms(rowDirect.p90), ms(rowDirect.p99)],
      ['through the extension', ms(rowVia.p50), ms(rowVia.p90), ms(rowVia.p99)],
      [
        'added (difference of the two)',
        ms(rowVia.p50 - rowDirect.p50),
        ms(rowVia.p90 - rowDirect.p90),
        ms(rowVia.p99 - rowDirect.p99),
      ],
    ],
  );

  const cpu = await printCpu("The browser's work per answer", site, replay.url);

  // 2. Round trips.
  const trips = await site.evaluate(async (count) => {
    for (let index = 0; index < 50; index++) await window.llm.ping();
    const samples: number[] = [];
    for (let index = 0; index < count; index++) {
      const start = performance.now();
      await window.llm.ping();
      samples.push(performance.now() - start);
    }
    return samples;
  }, ROUND_TRIPS);
  const trip = stats(trips);
  console.log(`\nwindow.llm.ping() round trip, warm (${ROUND_TRIPS} calls after 50)`);
  printTable(
    ['', 'p50 ms', 'p90 ms', 'p99 ms'],
    [['page → relay → service worker → page', ms(trip.p50), ms(trip.p90), ms(trip.p99)]],
  );

  // 3. Page loads: what the content scripts spend, by their own marks.
  const loads: Array<{ relay: number; inpage: number; firstScript: number }> = [];
  const loader = await broker.context.newPage();
  // tsx names the functions it compiles with an `__name` helper pages do not have.
  await loader.addInitScript('window.__name = (f) => f');
  for (let load = 0; load < PAGE_LOADS + 10; load++) {
    const times = await contentScriptTimes(loader, `${broker.pagesUrl}/blank.html`);
    if (load >= 10) loads.push(times);
  }
  await loader.close();
  const relay = stats(loads.map((times) => times.relay));
  const inpage = stats(loads.map((times) => times.inpage));
  const both = stats(loads.map((times) => times.relay + times.inpage));
  const firstScript = stats(loads.map((times) => times.firstScript));
  console.log(
    `\nContent scripts on a page load (${PAGE_LOADS} loads of a blank page, by their marks)`,
  );
  printTable(
    ['', 'p50 ms', 'p90 ms', 'p99 ms'],
    [
      ['relay (isolated world)', ms(relay.p50), ms(relay.p90), ms(relay.p99)],
      ['window.llm (page world)', ms(inpage.p50), ms(inpage.p90), ms(inpage.p99)],
      ['both', ms(both.p50), ms(both.p90), ms(both.p99)],
      [
        "the page's first script, from navigation",
        ms(firstScript.p50),
        ms(firstScript.p90),
        ms(firstScript.p99),
      ],
    ],
  );

  // 4. Cold starts: stop the service worker, then time the first call.
  const control = await workerControl(broker, site);
  const cold = { ping: [] as number[], firstToken: [] as number[] };
  for (let run = 0; run < COLD_STARTS; run++) {
    for (const kind of ['ping', 'firstToken'] as const) {
      cold[kind].push(await coldCall(control, site, kind));
    }
  }
  const coldPing = stats(cold.ping);
  const coldFirst = stats(cold.firstToken);
  const floor = floorExtension(replay.url);
  let floorPing: ReturnType<typeof stats>;
  let floorFirst: ReturnType<typeof stats>;
  let floorShort: Record<string, unknown>;
  let floorLong: Record<string, unknown>;
  let floorCpu: Awaited<ReturnType<typeof cpuPerCall>>;
  const floorBroker = await launchBroker({ extensionDir: floor, keepWelcome: true });
  try {
    const page = await floorBroker.openTestPage();
    await page.addScriptTag({ content: RUNNERS });
    const floorControl = await workerControl(floorBroker, page);
    const floorCold = { ping: [] as number[], firstToken: [] as number[] };
    for (let run = 0; run < COLD_STARTS; run++) {
      for (const kind of ['ping', 'firstToken'] as const) {
        floorCold[kind].push(await coldCall(floorControl, page, kind));
      }
    }
    floorPing = stats(floorCold.ping);
    floorFirst = stats(floorCold.firstToken);
    // 5. The floor's own streams, each against the page's fetch in the floor's browser.
    floorShort = printStreams(
      'Floor (a worker that only relays the stream), short answer',
      await alternate(page, replay.url, false, PAIRS),
    );
    floorLong = printStreams(
      'Floor (a worker that only relays the stream), long answer',
      await alternate(page, replay.url, true, PAIRS),
    );
    floorCpu = await printCpu("Floor: the browser's work per answer", page, replay.url);
  } finally {
    await floorBroker.close();
    rmSync(floor, { recursive: true, force: true });
  }
  console.log(
    `\nCold start: the first call after the service worker was stopped (${COLD_STARTS} runs)`,
  );
  printTable(
    ['', 'p50 ms', 'p90 ms', 'max ms'],
    [
      ['ping', ms(coldPing.p50), ms(coldPing.p90), ms(Math.max(...cold.ping))],
      [
        'ping, a worker that does nothing else (floor)',
        ms(floorPing.p50),
        ms(floorPing.p90),
        ms(floorPing.p99),
      ],
      [
        'first token (short answer)',
        ms(coldFirst.p50),
        ms(coldFirst.p90),
        ms(Math.max(...cold.firstToken)),
      ],
      [
        'first token, a worker that only fetches (floor)',
        ms(floorFirst.p50),
        ms(floorFirst.p90),
        ms(floorFirst.p99),
      ],
    ],
  );

  console.log(
    JSON.stringify({
      bench: 'bridge-overhead',
      short,
      long,
      inARow: { firstTokenMs: { direct: rowDirect, extension: rowVia } },
      roundTripMs: trip,
      pageLoadMs: { relay, inpage, both },
      coldStartMs: {
        ping: coldPing,
        firstToken: coldFirst,
        floorPing,
        floorFirstToken: floorFirst,
      },
      cpuPerCallMs: cpu,
      floor: { short: floorShort, long: floorLong, cpuPerCallMs: floorCpu },
    }),
  );
} finally {
  await broker.close();
  await replay.close();
}
