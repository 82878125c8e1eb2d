/**
 * Two builds of the extension side by side in one run, each in its own Chromium, against one
 * replay server: warm first token, last token to result and throughput (short and 1,001-chunk
 * answers; short ones one after another), and the first ping and first token after the service
 * worker was stopped. Each round runs the builds in a random order, so drifts in the machine's
 * speed fall on both alike.
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
  inARow,
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

const via = (site: Page, long: boolean) =>
  site.evaluate(
    (long) =>
      (window as unknown as { benchVia(long: boolean): Promise<StreamSample> }).benchVia(long),
    long,
  );

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
  const direct = (long: boolean) =>
    sides[1]!.site.evaluate(
      ([url, key, long]) =>
        (
          window as unknown as {
            benchDirect(url: string, key: string, long: boolean): Promise<StreamSample>;
          }
        ).benchDirect(url, key, long),
      [replay.url, API_KEY, long] as const,
    );

  for (const long of [false, true]) {
    const samples: Record<string, StreamSample[]> = { before: [], after: [], direct: [] };
    for (let round = 0; round < ROUNDS + WARM_UP; round++) {
      for (const run of shuffled(['before', 'after', 'direct'])) {
        const side = sides.find((each) => each.name === run);
        const sample = side ? await via(side.site, long) : await direct(long);
        if (round >= WARM_UP) samples[run]!.push(sample);
      }
    }
    const rows = ['direct', 'before', 'after'].map((run) => {
      const list = samples[run]!;
      const first = stats(list.map((sample) => sample.firstTokenMs));
      const after = stats(list.map((sample) => sample.afterLastMs));
      const rate = stats(list.map((sample) => sample.chunksPerSecond)).p50;
      return { run, first, after, rate };
    });
    const directRate = rows[0]!.rate;
    console.log(
      `\n${long ? 'Long' : 'Short'} answer: ${samples.after?.[0]?.chunks} chunks, ${ROUNDS} rounds (warm)`,
    );
    printTable(
      [
        '',
        'first token p50',
        'p90',
        'p99',
        'last token → result p50',
        'p99',
        'throughput × direct',
      ],
      rows.map(({ run, first, after, rate }) => [
        run === 'direct' ? 'page fetches directly' : `through the extension, ${run}`,
        ms(first.p50),
        ms(first.p90),
        ms(first.p99),
        ms(after.p50),
        ms(after.p99),
        (rate / directRate).toFixed(2),
      ]),
    );
  }

  // Short answers one after another (writes after an answer meet the next request).
  const row = await inARow(
    [
      { page: sides[1]!.site, viaExtension: false, name: 'direct' },
      ...sides.map((side) => ({ page: side.site, viaExtension: true, name: side.name })),
    ],
    replay.url,
    IN_A_ROW_BLOCKS,
    10,
  );
  console.log(
    `\nShort answers one after another: ${IN_A_ROW_BLOCKS} blocks of 10 calls each, alternated`,
  );
  printTable(
    ['', 'first token p50', 'p90', 'p99'],
    ['direct', 'before', 'after'].map((run) => {
      const first = stats(row[run]!);
      return [
        run === 'direct' ? 'page fetches directly' : `through the extension, ${run}`,
        ms(first.p50),
        ms(first.p90),
        ms(first.p99),
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
