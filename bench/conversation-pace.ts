/**
 * A conversation's pace: the first token of requests a page makes 45 s apart — longer than the
 * 30 s after which Chromium stops an idle extension service worker — beside the first request
 * after the browser started (a cold worker) and one made right after an answer (a warm one). The
 * built extension (dist/) in Chromium with no debugger attached: the tests' and the other
 * benchmarks' DevTools connection keeps the worker up on its own, so here the browser is set up
 * through Playwright (a key, the site allowed), closed, and started again plainly on the same
 * profile; the page times its own calls and posts the figures back. The worker stays up three
 * minutes after a model answered a page (extension/background/keep-alive.ts), so the late
 * requests should find it warm. Prints figures; asserts nothing. Run: `npm run bench -- pace`
 * (`BENCH_GAP_MS` for another gap, `BENCH_DIST` for another build of the extension).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM_PATH, chromiumArgs, launchBroker } from '../test/e2e/e2e-harness';
import { allowSite, saveProviderAccount } from '../test/e2e/e2e-setup';
import { API_KEY } from './bridge-kit';
import { startReplayServer } from './replay-server';

const DIST = process.env.BENCH_DIST ?? resolve(import.meta.dirname, '../dist');
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 45_000);
const LATE_CALLS = 3;

/** The page: once `?run` is in its address, it times its calls and posts them to `/figures`. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>A conversation</title><script>
async function firstToken(prompt) {
  const started = performance.now();
  for await (const part of window.llm.stream({ prompt }))
    if (part.type === 'text-delta') return performance.now() - started;
}
const pause = (ms) => new Promise((done) => setTimeout(done, ms));
if (location.search.includes('run')) (async () => {
  while (!window.llm) await pause(10);
  const figures = { cold: await firstToken('Hello?'), warm: await firstToken('And then?'), late: [] };
  for (let call = 0; call < ${LATE_CALLS}; call++) {
    await pause(${GAP_MS});
    figures.late.push(await firstToken('After a while: and now?'));
  }
  await fetch('/figures', { method: 'POST', body: JSON.stringify(figures) });
})().catch((error) => fetch('/figures', { method: 'POST', body: JSON.stringify({ error: String(error) }) }));
</script>`;

interface Figures {
  cold: number;
  warm: number;
  late: number[];
  error?: string;
}

let received: (figures: Figures) => void;
const figures = new Promise<Figures>((resolveFigures) => {
  received = resolveFigures;
});
const site = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/figures') {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      response.end();
      received(JSON.parse(body) as Figures);
    });
    return;
  }
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
});
await new Promise<void>((listening) => site.listen(0, '127.0.0.1', listening));
const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
const replay = await startReplayServer();
const profileDir = mkdtempSync(join(tmpdir(), 'llm-broker-pace-'));
let chromium: ChildProcess | undefined;
try {
  // Set up through the DevTools protocol: a key, and the page's origin allowed.
  const broker = await launchBroker({ profileDir, extensionDir: DIST });
  await saveProviderAccount(broker, {
    provider: 'openai',
    name: 'OpenAI',
    apiKey: API_KEY,
    baseUrl: `${replay.url}/v1`,
  });
  const page = await broker.context.newPage();
  await page.goto(origin);
  await allowSite(broker, page);
  await broker.close();

  // Then the same profile, started plainly: nothing attached keeps the worker up.
  chromium = spawn(
    CHROMIUM_PATH,
    ['--headless=new', `--user-data-dir=${profileDir}`, ...chromiumArgs(DIST), `${origin}/?run`],
    { stdio: 'ignore' },
  );
  const timeout = (LATE_CALLS + 2) * GAP_MS + 60_000;
  const result = await Promise.race([
    figures,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no figures after ${timeout / 1000} s`)), timeout),
    ),
  ]);
  if (result.error) throw new Error(`the page failed: ${result.error}`);
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`First token through window.llm (Chromium, no debugger attached), one run:`);
  console.log(`  first request after the browser started (cold worker)  ${ms(result.cold)}`);
  console.log(`  the next, right after the answer (warm worker)          ${ms(result.warm)}`);
  result.late.forEach((value, index) => {
    console.log(
      `  ${index + 1}. request ${GAP_MS / 1000} s after the last answer${' '.repeat(17)}${ms(value)}`,
    );
  });
  console.log(JSON.stringify({ gapMs: GAP_MS, ...result }));
} finally {
  if (chromium && chromium.exitCode === null) {
    const exited = new Promise((done) => chromium?.once('exit', done));
    chromium.kill('SIGKILL');
    await exited;
  }
  site.closeAllConnections();
  site.close();
  await replay.close();
  // Chromium's helper processes may still be writing for a moment after it exits.
  rmSync(profileDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}
