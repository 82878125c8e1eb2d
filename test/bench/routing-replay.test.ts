import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReplayCatalog } from '../../bench/replay/replay-catalog';
import { parseCsv } from '../../bench/replay/replay-csv';
import {
  parsePythonStringList,
  parseReplayDataset,
  promptText,
} from '../../bench/replay/replay-data';
import {
  chanceOfDip,
  dipBelowMixing,
  figuresOf,
  foldRows,
  labelFoldRows,
  labelQualityBound,
  learnPerTaskBaseline,
  mixingCostAt,
  mixingFrontier,
  mixingQualityAt,
  oracleChoices,
  perTaskChoices,
  referenceOf,
  splitRows,
} from '../../bench/replay/replay-metrics';
import {
  COST_AVERSION_SWEEP,
  foldsJson,
  formatFolds,
  parseArguments,
  runReplay,
  summaryJson,
} from '../../bench/routing-replay';

// A small workload with two kinds of prompts: a cheap model is as good as the dear one on the
// multiple-choice questions and useless on coding; the dear one is good at both.
const PERF_MODELS = ['gpt-4-1106-preview', 'mistralai/mistral-7b-chat', 'zero-one-ai/Yi-34B-Chat'];
const TOPICS = ['rocks', 'plants', 'magnets', 'weather', 'planets', 'animals', 'light', 'sound'];
const TASKS = ['list', 'string', 'number', 'tuple', 'dictionary', 'matrix', 'set', 'date'];

function quizPrompt(index: number): string {
  return `Which fact about ${TOPICS[index % TOPICS.length]} (item ${index}) is true?\nA) one\nB) two\nC) three\nD) four\nAnswer:`;
}

function codingPrompt(index: number): string {
  return `Write a function to reverse the ${TASKS[index % TASKS.length]} number ${index}.`;
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function perfCostCsv(rows: number): string {
  const header = [
    'sample_id',
    'eval_name',
    'prompt',
    ...PERF_MODELS.map((model) => `perf::${model}`),
    ...PERF_MODELS.map((model) => `cost::${model}`),
  ];
  const lines = [header.join(',')];
  for (let index = 0; index < rows; index++) {
    const quiz = index % 2 === 0;
    const prompt = quiz ? quizPrompt(index) : codingPrompt(index);
    // RouterBench stores the prompt as a Python list literal.
    const pythonList = `['${prompt.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll("'", "\\'")}']`;
    const scores = quiz ? [1, 1, 1] : [1, 0, 0];
    const costs = [0.005, 0.0001, 0.0004];
    const cells = [`s${index}`, quiz ? 'quiz' : 'code', pythonList, ...scores, ...costs];
    lines.push(cells.map((cell) => csvCell(String(cell))).join(','));
  }
  // One row with an empty score: skipped.
  lines.push(['s-missing', 'quiz', "['x']", '', '1', '1', '0.1', '0.1', '0.1'].join(','));
  return `${lines.join('\n')}\n`;
}

function correctCsv(rows: number): string {
  const lines = [
    'subject,prompt,correct::mixtral-8x7b-instruct-v0.1,correct::gpt-4-1106-preview,contaminated',
  ];
  for (let index = 0; index < rows; index++) {
    const easy = index % 2 === 0;
    const prompt = easy ? quizPrompt(index) : `Prove the theorem number ${index} about groups.`;
    const cells = [easy ? 'easy' : 'hard', prompt, easy ? 'True' : 'False', 'True', 'False'];
    lines.push(cells.map(csvCell).join(','));
  }
  lines.push(['easy', 'leaked question', 'True', 'True', 'True'].join(','));
  return `${lines.join('\n')}\n`;
}

let directory = '';
let perfFile = '';
let otherPerfFile = '';
let correctFile = '';

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'routing-replay-'));
  perfFile = join(directory, 'perf.csv.gz');
  otherPerfFile = join(directory, 'perf-other.csv.gz');
  correctFile = join(directory, 'correct.csv.gz');
  writeFileSync(perfFile, gzipSync(perfCostCsv(120)));
  writeFileSync(otherPerfFile, gzipSync(perfCostCsv(80)));
  writeFileSync(correctFile, gzipSync(correctCsv(100)));
});

describe('CSV and prompt parsing', () => {
  it('parses quoted fields with commas, doubled quotes and newlines', () => {
    expect(parseCsv('a,b\n"x, y","say ""hi""\nthere"\r\n3,\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
      ['3', ''],
    ]);
  });

  it('reads Python list strings with escapes, and leaves other text alone', () => {
    expect(parsePythonStringList(`['it\\'s\\n"fine"', "two\\x41"]`)).toEqual([
      `it's\n"fine"`,
      'twoA',
    ]);
    expect(promptText("['a', 'b']")).toBe('a\n\nb');
    expect(promptText('[not a list]')).toBe('[not a list]');
    expect(promptText('plain text')).toBe('plain text');
  });

  it('reads the perf/cost layout and skips rows with an empty score', () => {
    const dataset = parseReplayDataset(perfCostCsv(4));
    expect(dataset.layout).toBe('perf-cost');
    expect(dataset.models).toEqual(PERF_MODELS);
    expect(dataset.rows).toHaveLength(4);
    expect(dataset.skippedRows).toBe(1);
    expect(dataset.rows[0]?.prompt).toBe(quizPrompt(0));
    expect(dataset.rows[1]).toMatchObject({ taskLabel: 'code', scores: [1, 0, 0] });
  });

  it('reads the correct layout, drops contaminated rows and prices calls at RouteLLM’s rates', () => {
    const dataset = parseReplayDataset(correctCsv(4));
    expect(dataset.layout).toBe('correct');
    expect(dataset.rows).toHaveLength(4);
    expect(dataset.skippedRows).toBe(1);
    expect(dataset.rows[1]?.scores).toEqual([0, 1]);
    const [mixtral = 0, gpt4 = 0] = dataset.rows[0]?.costs ?? [];
    expect(gpt4 / mixtral).toBeCloseTo(24.7 / 0.24, 6);
  });

  it('rejects a file with neither layout', () => {
    expect(() => parseReplayDataset('prompt,answer\nx,y\n')).toThrow(/perf::/);
  });
});

describe('replay metrics', () => {
  const dataset = parseReplayDataset(perfCostCsv(40));

  it('measures the best single model, the oracle and the gap closed', () => {
    const reference = referenceOf(dataset.rows, 0);
    expect(reference.bestQuality).toBe(1);
    expect(figuresOf(dataset.rows, oracleChoices(dataset.rows), reference)).toMatchObject({
      quality: 1,
      bestModelShare: 0.5,
    });
    const cheapOnly = figuresOf(
      dataset.rows,
      dataset.rows.map(() => 1),
      reference,
    );
    expect(cheapOnly.quality).toBe(0.5);
    expect(cheapOnly.costRatio).toBeCloseTo(0.0001 / 0.005, 9);
  });

  it('learns the per-task baseline: the cheap model for the task it does as well', () => {
    const baseline = learnPerTaskBaseline(dataset.rows, dataset.models.length, 0.97);
    expect(baseline.modelByTask.get('quiz')).toBe(1);
    expect(baseline.modelByTask.get('code')).toBe(0);
    expect(perTaskChoices(dataset.rows.slice(0, 2), baseline)).toEqual([1, 0]);
  });

  it('splits rows deterministically by prompt, about 60 / 40', () => {
    const many = parseReplayDataset(perfCostCsv(400)).rows;
    const first = splitRows(many);
    const again = splitRows([...many].reverse());
    expect(new Set(first.train.map((row) => row.id))).toEqual(
      new Set(again.train.map((row) => row.id)),
    );
    expect(first.train.length / many.length).toBeGreaterThan(0.5);
    expect(first.train.length / many.length).toBeLessThan(0.7);
  });

  it('cuts folds by prompt hash that report every row exactly once', () => {
    const many = parseReplayDataset(perfCostCsv(200)).rows;
    const folds = [0, 1, 2, 3, 4].map((index) => foldRows(many, index, 5));
    const reported = folds.flatMap((fold) => fold.test.map((row) => row.id));
    expect(new Set(reported).size).toBe(many.length);
    expect(reported).toHaveLength(many.length);
    for (const fold of folds) expect(fold.train.length + fold.test.length).toBe(many.length);
  });

  it('holds whole task labels out, each reported in exactly one fold', () => {
    const many = parseReplayDataset(perfCostCsv(200)).rows;
    const folds = [0, 1].map((index) => labelFoldRows(many, index, 2));
    for (const fold of folds) {
      const trained = new Set(fold.train.map((row) => row.taskLabel));
      expect(fold.test.length).toBeGreaterThan(0);
      expect(fold.test.some((row) => trained.has(row.taskLabel))).toBe(false);
    }
    expect(folds[0]!.test.length + folds[1]!.test.length).toBe(many.length);
  });

  it('learns the first rows of each held-out label last with --adapt, and reports the rest', () => {
    const many = parseReplayDataset(perfCostCsv(200)).rows;
    const plain = labelFoldRows(many, 0, 2);
    const adapted = labelFoldRows(many, 0, 2, 5);
    const heldLabels = new Set(plain.test.map((row) => row.taskLabel));
    const learnedLast = adapted.train.slice(plain.train.length);
    expect(adapted.train.slice(0, plain.train.length)).toEqual(plain.train);
    expect(learnedLast).toHaveLength(5 * heldLabels.size);
    expect(learnedLast.every((row) => heldLabels.has(row.taskLabel))).toBe(true);
    const reported = new Set(adapted.test.map((row) => row.id));
    expect(learnedLast.some((row) => reported.has(row.id))).toBe(false);
    expect(adapted.test.length + learnedLast.length).toBe(plain.test.length);
  });

  it('draws the random-mixing frontier of the single models, and reads it both ways', () => {
    // Three models: cheap and weak, dear and strong, and one that mixing the two beats.
    const rows = [0, 1, 2, 3].map((index) => ({
      ...parseReplayDataset(perfCostCsv(4)).rows[0]!,
      id: String(index),
      scores: [index < 2 ? 1 : 0, 1, index < 1 ? 1 : 0],
      costs: [0.1, 1, 0.6],
    }));
    const frontier = mixingFrontier(rows, 3);
    expect(frontier.map((point) => point.column)).toEqual([0, 1]);
    // Model 0: quality 0.5 for 0.4; model 1: quality 1 for 4. Halfway: 0.75 for 2.2.
    expect(mixingCostAt(frontier, 0.75)).toBeCloseTo(2.2, 9);
    expect(mixingQualityAt(frontier, 2.2)).toBeCloseTo(0.75, 9);
    expect(mixingCostAt(frontier, 0.3)).toBeCloseTo(0.4, 9);
    expect(mixingCostAt(frontier, 1.01)).toBeUndefined();
  });

  it('tells a ranking worse than chance from a dip chance shows (two models: mixing itself)', () => {
    const base = parseReplayDataset(perfCostCsv(4)).rows[0]!;
    // 200 rows: the cheap model (column 1) is right on half, the dear one (column 0) on the
    // other half and on a quarter of the cheap one's.
    const rows = Array.from({ length: 200 }, (_, index) => ({
      ...base,
      id: String(index),
      scores: [index % 2 === 0 || index % 8 === 1 ? 1 : 0, index % 2 === 1 ? 1 : 0, 0],
      costs: [1, 0.1, 0.5],
    }));
    const mixing = mixingFrontier(rows, 2);
    const best = referenceOf(rows, 0);
    expect(best.bestQuality).toBe(0.625);
    // A curve over 0…200 dear calls, the dear model sent first where it is right and the cheap
    // one wrong (a good ranking), or first where the cheap one is right (worse than chance).
    const curve = (order: number[]) =>
      Array.from({ length: 11 }, (_, step) => {
        const dear = new Set(order.slice(0, step * 20));
        return rows.map((_, index) => (dear.has(index) ? 0 : 1));
      });
    const byHelp = rows.map((_, index) => index).sort((a, b) => (a % 2) - (b % 2));
    const good = curve(byHelp);
    const bad = curve([...byHelp].reverse());
    expect(dipBelowMixing(rows, good, mixing, best)).toBeLessThanOrEqual(1e-9);
    expect(dipBelowMixing(rows, bad, mixing, best)).toBeGreaterThan(0.2);
    expect(chanceOfDip(rows, bad, mixing, best)).toBe(0);
    // Never below mixing: chance dips at least as far every time.
    expect(chanceOfDip(rows, good, mixing, best)).toBe(1);
    // The same answer for the same seed.
    expect(chanceOfDip(rows, bad, mixing, best, 50, 7)).toBe(
      chanceOfDip(rows, bad, mixing, best, 50, 7),
    );
  });

  it('reads a policy cautiously over labels: the bootstrap of whole labels, not the pooled rows', () => {
    const base = parseReplayDataset(perfCostCsv(4)).rows[0]!;
    // Ten labels of ten rows; the policy's model (column 1) matches the best (column 0) on eight
    // labels and gets every row wrong on two: pooled it keeps 80% of the best quality.
    const rows = Array.from({ length: 100 }, (_, index) => ({
      ...base,
      id: String(index),
      taskLabel: `label-${Math.floor(index / 10)}`,
      scores: [1, index < 20 ? 0 : 1, 0],
    }));
    const choices = rows.map(() => 1);
    const bound = labelQualityBound(rows, choices, 0);
    expect(bound).toBeLessThan(0.8);
    expect(bound).toBeGreaterThan(0.4);
    // Deterministic, and the pooled ratio when there is one label only.
    expect(labelQualityBound(rows, choices, 0)).toBe(bound);
    const one = rows.map((row) => ({ ...row, taskLabel: 'only' }));
    expect(labelQualityBound(one, choices, 0)).toBeCloseTo(0.8, 12);
    // A policy as good as the best everywhere is bound at 1.
    expect(
      labelQualityBound(
        rows,
        rows.map(() => 0),
        0,
      ),
    ).toBe(1);
  });

  it('builds catalog entries from public facts, with their sources', () => {
    const catalog = buildReplayCatalog(dataset);
    expect(catalog.models.map((model) => model.provider)).toEqual([
      'openai',
      'together',
      'together',
    ]);
    const gpt4 = catalog.models[0]!;
    expect(gpt4.pricing).toEqual({ inputPerMTok: 10, outputPerMTok: 30 });
    expect(gpt4.sources.pricing).toMatch(/OpenAI/);
    expect(gpt4.scores.accuracy).toBeGreaterThan(catalog.models[1]!.scores.accuracy);
    expect(catalog.columnOf.get('together/yi-34b-chat')).toBe(2);
  });

  it('prices a model without public facts from the file’s own costs', () => {
    const csv = perfCostCsv(4).replaceAll('zero-one-ai/Yi-34B-Chat', 'acme/mystery-13b');
    const catalog = buildReplayCatalog(parseReplayDataset(csv));
    const mystery = catalog.models[2]!;
    expect(mystery.provider).toBe('replay');
    expect(mystery.pricing.inputPerMTok).toBeGreaterThan(0);
    expect(mystery.sources.pricing).toMatch(/data file/);
  });
});

describe('runReplay', () => {
  it('replays every preset through the router with priors only', () => {
    const report = runReplay({ file: perfFile, mode: 'priors' });
    expect(report.testRows).toHaveLength(120);
    expect(report.trainRows).toHaveLength(0);
    expect(report.perTaskBaseline).toBeUndefined();
    for (const figures of Object.values(report.presets)) {
      expect(figures.quality).toBeGreaterThanOrEqual(0.5);
      expect(figures.quality).toBeLessThanOrEqual(1);
      expect(figures.cost).toBeGreaterThan(0);
    }
    expect(report.bestSingle.costRatio).toBe(1);
    expect(report.oracle.gapClosed).toBe(0);
    expect(report.perTask.quiz).toBeDefined();
    expect(report.sweep).toHaveLength(16);
  });

  it('learns on part of the file and reports on the rest, with the per-task baseline beside it', () => {
    const report = runReplay({ file: perfFile, mode: 'learn' });
    expect(report.trainRows.length + report.testRows.length).toBe(120);
    const trainIds = new Set(report.trainRows.map((row) => row.id));
    expect(report.testRows.some((row) => trainIds.has(row.id))).toBe(false);
    expect(report.perTaskBaseline).toMatchObject({ quality: 1 });
    expect(report.presetsOnTrainRows).toBeDefined();
    // The learned quality model separates the two kinds of prompts: at some cost weight it keeps
    // all of the quality while sending the multiple-choice half to a cheap model.
    const cheapAndRight = report.qualityModelCurve?.find(
      (point) => point.figures.qualityRatio >= 0.99 && point.figures.costRatio < 0.6,
    );
    expect(cheapAndRight).toBeDefined();
    // So does the router itself, on its own cost-aversion curve…
    expect(report.knobSweep).toHaveLength(COST_AVERSION_SWEEP.length);
    const routerCheapAndRight = report.knobSweep.find(
      (point) => point.figures.qualityRatio >= 0.99 && point.figures.costRatio < 0.6,
    );
    expect(routerCheapAndRight).toBeDefined();
    // …and the knob chosen on the training rows alone, which the summary reports.
    expect(report.chosenKnob?.figures.qualityRatio).toBeGreaterThanOrEqual(0.97);
    expect(summaryJson(report).knob).toMatchObject({ preset: 'balanced' });
    // What a per-prompt signal would give (within a label here every model is always right or
    // always wrong, so there is no signal to measure).
    expect(report.headroom?.meanAuc).toBeUndefined();
    expect(report.headroom?.needed[0]?.costRatio).toBeLessThan(0.6);
    expect(summaryJson(report).headroom).toMatchObject({ costRatioAt97ByAuc: expect.any(Object) });
  });

  it('the quality preset keeps its quality when the router learns', () => {
    const priors = runReplay({ file: perfFile, mode: 'priors' });
    const learned = runReplay({ file: perfFile, mode: 'learn' });
    expect(learned.presets.quality.qualityRatio).toBeGreaterThanOrEqual(
      priors.presets.quality.qualityRatio,
    );
  });

  it('cross-validates over folds and prints their means', () => {
    const reports = [0, 1, 2].map((index) =>
      runReplay({ file: perfFile, mode: 'learn', fold: { index, count: 3 } }),
    );
    expect(reports.reduce((rows, report) => rows + report.testRows.length, 0)).toBe(120);
    const lines = formatFolds(reports);
    expect(lines.at(-1)).toMatch(/^mean/);
    expect(foldsJson(reports)).toMatchObject({ mode: 'folds', folds: 3 });
  });

  it('trains on another file and reports on all of this one', () => {
    const report = runReplay({ file: perfFile, mode: 'train', trainFile: otherPerfFile });
    expect(report.trainRows).toHaveLength(80);
    expect(report.testRows).toHaveLength(120);
    expect(report.perTaskBaseline).toBeDefined();
  });

  it('handles the correct layout and reports the strong model’s call share', () => {
    const report = runReplay({ file: correctFile, mode: 'learn' });
    expect(report.dataset.layout).toBe('correct');
    expect(report.dataset.models[report.reference.bestColumn]).toBe('gpt-4-1106-preview');
    const summary = summaryJson(report);
    expect(summary.bestSingle).toMatchObject({ model: 'gpt-4-1106-preview', bestModelShare: 1 });
    const hardShare =
      report.testRows.filter((row) => row.taskLabel === 'hard').length / report.testRows.length;
    expect(summary.oracle).toMatchObject({ quality: 1 });
    expect((summary.oracle as { bestModelShare: number }).bestModelShare).toBeCloseTo(hardShare, 5);
  });
});

describe('the command line', () => {
  it('parses the modes and rejects bad arguments', () => {
    expect(parseArguments(['f.csv.gz'])).toEqual({ file: 'f.csv.gz', mode: 'priors' });
    expect(parseArguments(['f.csv.gz', '--learn'])).toEqual({ file: 'f.csv.gz', mode: 'learn' });
    expect(parseArguments(['--train', 'o.csv.gz', 'f.csv.gz'])).toEqual({
      file: 'f.csv.gz',
      mode: 'train',
      trainFile: 'o.csv.gz',
    });
    expect(parseArguments(['f.csv.gz', '--folds', '5'])).toEqual({
      file: 'f.csv.gz',
      mode: 'learn',
      folds: 5,
      foldBy: 'prompt',
    });
    expect(parseArguments(['f.csv.gz', '--folds', '5', '--by-label'])).toMatchObject({
      folds: 5,
      foldBy: 'label',
    });
    expect(() => parseArguments(['f.csv.gz', '--by-label'])).toThrow(/--folds/);
    expect(() => parseArguments(['f.csv.gz', '--folds', '1'])).toThrow(/--folds/);
    expect(() => parseArguments([])).toThrow(/usage/);
    expect(() => parseArguments(['f.csv.gz', '--train'])).toThrow(/needs a file/);
    expect(() => parseArguments(['f.csv.gz', '--fast'])).toThrow(/unknown option/);
  });

  it('prints a table and ends with one JSON object of the figures', () => {
    const output = execFileSync('npx', ['tsx', 'bench/routing-replay.ts', correctFile, '--learn'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const lines = output.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Routing replay of /);
    const summary = JSON.parse(lines.at(-1) ?? '') as Record<string, Record<string, number>>;
    for (const preset of ['economy', 'balanced', 'quality', 'fast']) {
      expect(Object.keys(summary[preset] ?? {})).toEqual(
        expect.arrayContaining(['quality', 'cost', 'costRatio', 'gapClosed']),
      );
    }
    expect(summary.bestSingle).toBeDefined();
    expect(summary.oracle).toBeDefined();
  }, 60_000);
});
