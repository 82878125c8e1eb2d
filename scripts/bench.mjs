// `npm run bench`: builds the extension, then runs every benchmark in bench/ one after another
// (never in parallel: they measure time on a two-core machine). Each prints its own figures.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const data = resolve(root, 'data/routing');

const BENCHMARKS = [
  ['Router speed', ['bench/router-speed.ts']],
  [
    'Routing quality: RouterBench',
    ['bench/routing-replay.ts', `${data}/routerbench-train.csv.gz`, '--learn'],
  ],
  [
    'Routing quality: MMLU, GPT-4 vs Mixtral',
    ['bench/routing-replay.ts', `${data}/mmlu-gpt4-vs-mixtral-dev.csv.gz`, '--learn'],
  ],
  ['Local first pass on real answers: RouterBench', ['bench/cascade-replay.ts']],
  ['Runtime overhead', ['bench/runtime-overhead.ts']],
  ['Bridge overhead (Chromium)', ['bench/bridge-overhead.ts']],
  ["A conversation's pace: requests 45 s apart (Chromium)", ['bench/conversation-pace.ts']],
  ['Sites under load and a hostile page (Chromium)', ['bench/site-load.ts']],
  ['The Usage page with 100,000 log lines (Chromium)', ['bench/usage-page.ts']],
];

const only = process.argv.slice(2);
// dist/ for most; dist-bench/ (the same build with marks in the content scripts) for the bridge.
for (const mode of ['production', 'bench']) {
  const build = spawnSync('npx', ['vite', 'build', '--mode', mode, '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

let failed = 0;
for (const [title, args] of BENCHMARKS) {
  if (only.length > 0 && !only.some((name) => args[0].includes(name))) continue;
  console.log(`\n=== ${title} ===`);
  const run = spawnSync('npx', ['tsx', ...args], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`${title}: exited with ${run.status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
