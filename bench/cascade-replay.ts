/**
 * `npm run bench -- cascade`: the local first pass replayed on RouterBench's recorded answers,
 * beside the router alone and the best single model (bench/replay/replay-cascade.ts).
 *
 *   npm run cascade                                 5-fold cross-validation on the bundled answers
 *   npm run cascade -- DIR                          the same on another folder of answer files
 *   npm run cascade -- DIR --train TRAIN_DIR        learn and choose on TRAIN_DIR, report all of DIR
 */
import { resolve } from 'node:path';
import {
  type CascadeReplay,
  formatCascadeReplay,
  loadAnsweredRows,
  replayCascade,
  replayCascadeHeldOut,
} from './replay/replay-cascade';

const USAGE = 'usage: npm run cascade -- [DIR] [--train TRAIN_DIR]';
const BUNDLED = resolve(import.meta.dirname, '../data/routing/routerbench-train-responses');

function run(argv: readonly string[]): CascadeReplay {
  const trainAt = argv.indexOf('--train');
  const train = trainAt >= 0 ? argv[trainAt + 1] : undefined;
  const rest = argv.filter(
    (_, index) => trainAt < 0 || (index !== trainAt && index !== trainAt + 1),
  );
  if ((trainAt >= 0 && !train) || rest.length > 1 || rest.some((arg) => arg.startsWith('--'))) {
    throw new Error(USAGE);
  }
  const directory = rest[0] ?? BUNDLED;
  const reported = loadAnsweredRows(directory);
  if (reported.rows.length === 0)
    throw new Error(`${directory}: no *.csv.gz answer files with rows`);
  return train
    ? replayCascadeHeldOut(loadAnsweredRows(train), reported, { train, test: directory })
    : replayCascade(reported);
}

try {
  const report = run(process.argv.slice(2));
  for (const line of formatCascadeReplay(report)) console.log(line);
  console.log(
    JSON.stringify({
      split: report.split,
      rows: report.rows,
      bestSingle: report.bestSingle,
      router: report.router,
      routerQuality: report.routerQuality,
      cascade: report.cascade,
      chosen: report.chosen,
      learned: report.learned,
      hindsight: report.hindsight,
    }),
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
