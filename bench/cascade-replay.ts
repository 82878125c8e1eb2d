/**
 * `npm run bench -- cascade`: the local first pass replayed on RouterBench's recorded answers,
 * beside the router alone and the best single model (bench/replay/replay-cascade.ts).
 */
import { resolve } from 'node:path';
import { formatCascadeReplay, loadAnsweredRows, replayCascade } from './replay/replay-cascade';

const directory = resolve(import.meta.dirname, '../data/routing/routerbench-train-responses');
const report = replayCascade(loadAnsweredRows(directory));
for (const line of formatCascadeReplay(report)) console.log(line);
console.log(
  JSON.stringify({
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
