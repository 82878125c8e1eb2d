/**
 * Two builds of the extension side by side in one run, each in its own Chromium, against one
 * replay server: warm first token, last token to result and throughput (short and 1,001-chunk
 * answers, each call followed by the page fetching the server itself; short ones one after
 * another), and the first ping and first token after the service worker was stopped. Each round
 * runs the builds in a random order, so drifts in the machine's speed fall on both alike; each
 * build's calls come in blocks followed by a pause, so that what one build leaves to do after its
 * answers (records, saves) slows its own next calls and the page's, not the other build's.
 *
 *   npx tsx bench/bridge-before-after.ts <before-dist> <after-dist>
 *
 * (A build of an earlier commit: `git worktree add /tmp/before <commit>`, link node_modules into
 * it, and `npx vite build --outDir /tmp/before-dist` there.) Prints figures; asserts nothing.
 */
import { resolve } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { type BrokerBrowser, launchBroker } from '../test/e2e/e2e-harness';
import { printTable } from './bench-stats';
import {
  API_KEY,
  benchSite,
  coldCall,
  ms,
  type StreamSample,
  stats,
  workerControl,
} from './bridge-kit';
import { startReplayServer } from './replay-server';

const [beforeDir, afterDir] = process.argv.slice(2).map((path) => resolve(path));
if (!beforeDir || !afterDir) {
  console.error('usage: npx tsx bench/bridge-before-after.ts <before-dist> <after-dist>');
  process.exit(2);
}
const ROUNDS = Number(process.env.BENCH_PAIRS ?? 150);
const WARM_UP = 20;
/** Calls of one build in a row (long enough for the record batches that come every second of
 * steady traffic), and the pause after them (past the batch's longest wait, 1 s). */
const BLOCK = 100;
const QUIET_MS = 1_500;
const COLD_STARTS = 12;
const IN_A_ROW_BLOCKS = 15;

interface Side {
  name: string;
  broker: BrokerBrowser;
  site: Page;
}

function shuffled<T>(items: T[]): T[] {
  return items
    .map((item) => ({ item, key: Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}

const replay = await startReplayServer();
const sides: Side[] = [];
try {
  for (const [name, dir] of [
    ['before', beforeDir],
    ['after', afterDir],
  ] as const) {
    const broker = await launchBroker({ extensionDir: dir });
    sides.push({ name, broker, site: await benchSite(broker, replay.url) });
  }
  // Each build in blocks of calls, then a pause for the work it left behind (records, saves):
  // interleaved call by call, what one build defers lands on the other's calls, and neither
  // shows what its own background work costs the calls that follow it.
  const quietly = async <T>(work: () => Promise<T>): Promise<T> => {
    const result = await work();
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    return result;
  };
  const pairs = (site: Page, long: boolean, count: number) =>
    site.evaluate(
      async ([url, key, long, count]) => {
        const bench = window as unknown as {
          benchVia(long: boolean): Promise<StreamSample>;
          benchDirect(url: string, key: string, long: boolean): Promise<StreamSample>;
        };
        const samples = [];
        for (let index = 0; index < count; index++) {
          samples.push({
            via: await bench.benchVia(long),
            direct: await bench.benchDirect(url, key, long),
          });
        }
        return samples;
      },
      [replay.url, API_KEY, long, count] as const,
    );

  for (const long of [false, true]) {
    const samples: Record<string, Array<{ via: StreamSample; direct: StreamSample }>> = {
      before: [],
      after: [],
    };
    for (const side of sides) await quietly(() => pairs(side.site, long, WARM_UP));
    for (let round = 0; round < ROUNDS / BLOCK; round++) {
      for (const side of shuffled([...sides])) {
        samples[side.name]!.push(...(await quietly(() => pairs(side.site, long, BLOCK))));
      }
    }
    console.log(
      `\n${long ? 'Long' : 'Short'} answer: ${samples.after![0]?.via.chunks} chunks, ${ROUNDS} pairs (through the extension, then directly) per build, in blocks of ${BLOCK} (warm)`,
    );
    printTable(
      [
        '',
        'direct p50',
        'first token p50',
        'p90',
        'p99',
        'added p50',
        'p90',
        'p99',
        'last token → result p99',
        'throughput × direct',
      ],
      sides.map(({ name }) => {
        const list = samples[name]!;
        const direct = stats(list.map((pair) => pair.direct.firstTokenMs));
        const first = stats(list.map((pair) => pair.via.firstTokenMs));
        const added = stats(list.map((pair) => pair.via.firstTokenMs - pair.direct.firstTokenMs));
        const after = stats(list.map((pair) => pair.via.afterLastMs));
        const rate = (key: 'via' | 'direct') =>
          stats(list.map((pair) => pair[key].chunksPerSecond)).p50;
        return [
          name,
          ms(direct.p50),
          ms(first.p50),
          ms(first.p90),
          ms(first.p99),
          ms(added.p50),
          ms(added.p90),
          ms(added.p99),
          ms(after.p99),
          (rate('via') / rate('direct')).toFixed(2),
        ];
      }),
    );
  }

  // Short answers one after another (writes after an answer meet the next request), each
  // build's block followed by the page's own.
  const row: Record<string, { via: number[]; direct: number[] }> = {
    before: { via: [], direct: [] },
    after: { via: [], direct: [] },
  };
  for (let block = 0; block < IN_A_ROW_BLOCKS + 2; block++) {
    for (const side of shuffled([...sides])) {
      for (const viaExtension of [true, false]) {
        const firsts = await quietly(() =>
          side.site.evaluate(
            ([viaExtension, url, key]) =>
              (
                window as unknown as {
                  benchInARow(via: boolean, count: number, url: string, key: string): number[];
                }
              ).benchInARow(viaExtension, 10, url, key),
            [viaExtension, replay.url, API_KEY] as const,
          ),
        );
        // Two blocks warm up.
        if (block >= 2) row[side.name]![viaExtension ? 'via' : 'direct'].push(...firsts);
      }
    }
  }
  console.log(
    `\nShort answers one after another: ${IN_A_ROW_BLOCKS} blocks of 10 calls each way per build`,
  );
  printTable(
    ['', 'direct p50', 'first token p50', 'p90', 'p99', 'added at p50'],
    sides.map(({ name }) => {
      const { via, direct } = row[name]!;
      const first = stats(via);
      const own = stats(direct);
      return [
        name,
        ms(own.p50),
        ms(first.p50),
        ms(first.p90),
        ms(first.p99),
        ms(first.p50 - own.p50),
      ];
    }),
  );

  // Cold starts, alternating the two builds.
  const cold: Record<string, { ping: number[]; firstToken: number[] }> = {
    before: { ping: [], firstToken: [] },
    after: { ping: [], firstToken: [] },
  };
  const sessions = new Map<Side, CDPSession>();
  for (const side of sides) sessions.set(side, await workerControl(side.broker, side.site));
  for (let run = 0; run < COLD_STARTS; run++) {
    for (const side of shuffled([...sides])) {
      for (const kind of ['ping', 'firstToken'] as const) {
        cold[side.name]![kind].push(await coldCall(sessions.get(side)!, side.site, kind));
      }
    }
  }
  console.log(
    `\nCold start: the first call after the service worker was stopped (${COLD_STARTS} runs)`,
  );
  printTable(
    ['', 'ping p50', 'p90', 'first token p50', 'p90'],
    sides.map(({ name }) => {
      const ping = stats(cold[name]!.ping);
      const first = stats(cold[name]!.firstToken);
      return [name, ms(ping.p50), ms(ping.p90), ms(first.p50), ms(first.p90)];
    }),
  );
} finally {
  for (const side of sides) await side.broker.close();
  await replay.close();
}
