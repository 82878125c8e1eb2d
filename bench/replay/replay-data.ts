/**
 * Loading routing-quality data sets for the replay benchmark. Two column layouts are understood:
 *
 * - **perf/cost** (RouterBench as cut by RouterDC): `perf::<model>` holds the 0..1 score of each
 *   model's answer and `cost::<model>` the USD that call cost; `eval_name` names the task and the
 *   prompt is a Python-list string. Rows with any empty score are skipped.
 * - **correct** (RouteLLM's MMLU answers): `correct::<model>` holds True/False; `subject` names
 *   the task; rows with `contaminated` True are dropped. There are no costs in the file, so each
 *   call is priced from an estimated token count and RouteLLM's per-million-token prices.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { estimateTokenCount } from 'tokenx';
import { parseCsv } from './replay-csv';

export type ReplayLayout = 'perf-cost' | 'correct';

/** One prompt and how every model of the data set did on it. */
export interface ReplayRow {
  /** A stable id of the row (`sample_id` when present, else the row's position). */
  id: string;
  /** The prompt text as the user would send it. */
  prompt: string;
  /** The task label the data set gives (`eval_name` or `subject`); used only for reports and the
   * per-task baseline, never by the router. */
  taskLabel: string;
  /** Score of each model's answer in [0, 1], in the order of `ReplayDataset.models`. */
  scores: number[];
  /** USD each model's call cost, in the same order. */
  costs: number[];
}

export interface ReplayDataset {
  layout: ReplayLayout;
  /** Model names as the file spells them (after `perf::` / `correct::`). */
  models: string[];
  rows: ReplayRow[];
  /** Rows left out: missing scores (perf/cost) or contaminated (correct). */
  skippedRows: number;
}

/** RouteLLM's prices (arXiv:2406.18665 §5), USD per million tokens, by model name fragment. */
export const ROUTELLM_PRICES_PER_MTOK: ReadonlyArray<{ match: RegExp; usdPerMTok: number }> = [
  { match: /gpt-4/i, usdPerMTok: 24.7 },
  { match: /mixtral/i, usdPerMTok: 0.24 },
];

/** MMLU answers are one letter; RouteLLM prices the prompt plus that short answer. */
const ANSWER_TOKENS_FOR_PRICED_CALLS = 1;

/** Reads a `.csv` or `.csv.gz` file and parses it into a data set. */
export function loadReplayDataset(path: string): ReplayDataset {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return parseReplayDataset(text);
}

/** Parses the CSV text of either layout. Throws when neither layout's columns are present. */
export function parseReplayDataset(csvText: string): ReplayDataset {
  const [header, ...records] = parseCsv(csvText);
  if (!header) throw new Error('empty CSV file');
  const perfModels = modelsWithPrefix(header, 'perf::');
  if (perfModels.length > 0) return parsePerfCostRows(header, records, perfModels);
  const correctModels = modelsWithPrefix(header, 'correct::');
  if (correctModels.length > 0) return parseCorrectRows(header, records, correctModels);
  throw new Error('no `perf::<model>` or `correct::<model>` columns in the CSV header');
}

function modelsWithPrefix(header: readonly string[], prefix: string): string[] {
  return header.filter((name) => name.startsWith(prefix)).map((name) => name.slice(prefix.length));
}

function columnIndex(header: readonly string[], name: string, required: boolean): number {
  const index = header.indexOf(name);
  if (required && index < 0) throw new Error(`missing column \`${name}\``);
  return index;
}

function parsePerfCostRows(
  header: readonly string[],
  records: readonly string[][],
  models: string[],
): ReplayDataset {
  const promptColumn = columnIndex(header, 'prompt', true);
  const idColumn = columnIndex(header, 'sample_id', false);
  const taskColumn = columnIndex(header, 'eval_name', false);
  const perfColumns = models.map((model) => columnIndex(header, `perf::${model}`, true));
  const costColumns = models.map((model) => columnIndex(header, `cost::${model}`, true));
  const rows: ReplayRow[] = [];
  let skippedRows = 0;
  records.forEach((record, position) => {
    const scoreCells = perfColumns.map((column) => record[column] ?? '');
    const costCells = costColumns.map((column) => record[column] ?? '');
    if (scoreCells.some((cell) => cell.trim() === '') || costCells.some((c) => c.trim() === '')) {
      skippedRows++;
      return;
    }
    rows.push({
      id: (idColumn >= 0 ? record[idColumn] : undefined) || String(position),
      prompt: promptText(record[promptColumn] ?? ''),
      taskLabel: (taskColumn >= 0 ? record[taskColumn] : undefined) || 'all',
      scores: scoreCells.map(Number),
      costs: costCells.map(Number),
    });
  });
  return { layout: 'perf-cost', models, rows, skippedRows };
}

function parseCorrectRows(
  header: readonly string[],
  records: readonly string[][],
  models: string[],
): ReplayDataset {
  const promptColumn = columnIndex(header, 'prompt', true);
  const taskColumn = columnIndex(header, 'subject', false);
  const contaminatedColumn = columnIndex(header, 'contaminated', false);
  const correctColumns = models.map((model) => columnIndex(header, `correct::${model}`, true));
  const prices = models.map(routeLlmPricePerMTok);
  const rows: ReplayRow[] = [];
  let skippedRows = 0;
  records.forEach((record, position) => {
    const cells = correctColumns.map((column) => record[column] ?? '');
    const contaminated = contaminatedColumn >= 0 && isTrue(record[contaminatedColumn] ?? '');
    if (contaminated || cells.some((cell) => cell.trim() === '')) {
      skippedRows++;
      return;
    }
    const prompt = promptText(record[promptColumn] ?? '');
    const tokens = estimateTokenCount(prompt) + ANSWER_TOKENS_FOR_PRICED_CALLS;
    rows.push({
      id: String(position),
      prompt,
      taskLabel: (taskColumn >= 0 ? record[taskColumn] : undefined) || 'all',
      scores: cells.map((cell) => (isTrue(cell) ? 1 : 0)),
      costs: prices.map((usdPerMTok) => (tokens * usdPerMTok) / 1_000_000),
    });
  });
  return { layout: 'correct', models, rows, skippedRows };
}

function isTrue(cell: string): boolean {
  const value = cell.trim().toLowerCase();
  return value === 'true' || value === '1' || value === '1.0';
}

/** RouteLLM's price of a model; a model it does not name is an error, not a silent zero. */
export function routeLlmPricePerMTok(model: string): number {
  const price = ROUTELLM_PRICES_PER_MTOK.find((entry) => entry.match.test(model));
  if (!price) throw new Error(`no RouteLLM price for model \`${model}\` (file has no costs)`);
  return price.usdPerMTok;
}

/**
 * The prompt as sent: RouterBench stores it as a Python list of strings (`['…']`); the parts are
 * joined by blank lines. Anything that is not such a list is taken as it is.
 */
export function promptText(cell: string): string {
  const trimmed = cell.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) return cell;
  const parts = parsePythonStringList(trimmed);
  return parts ? parts.join('\n\n') : cell;
}

/** Parses `['a', "b"]` with Python string escapes; undefined when the text is not such a list. */
export function parsePythonStringList(text: string): string[] | undefined {
  const parts: string[] = [];
  let position = 1;
  const skipSpaces = () => {
    while (position < text.length && /\s/.test(text[position] ?? '')) position++;
  };
  skipSpaces();
  if (text[position] === ']') return parts;
  while (position < text.length) {
    skipSpaces();
    const quote = text[position];
    if (quote !== "'" && quote !== '"') return undefined;
    const parsed = readPythonString(text, position + 1, quote);
    if (!parsed) return undefined;
    parts.push(parsed.value);
    position = parsed.end;
    skipSpaces();
    if (text[position] === ']') return position === text.length - 1 ? parts : undefined;
    if (text[position] !== ',') return undefined;
    position++;
  }
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

function readPythonString(
  text: string,
  start: number,
  quote: string,
): { value: string; end: number } | undefined {
  let value = '';
  let position = start;
  while (position < text.length) {
    const char = text[position] ?? '';
    if (char === quote) return { value, end: position + 1 };
    if (char !== '\\') {
      value += char;
      position++;
      continue;
    }
    const escaped = text[position + 1] ?? '';
    const hexLength = escaped === 'x' ? 2 : escaped === 'u' ? 4 : escaped === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = text.slice(position + 2, position + 2 + hexLength);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) return undefined;
      value += String.fromCodePoint(Number.parseInt(hex, 16));
      position += 2 + hexLength;
    } else if (escaped in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[escaped];
      position += 2;
    } else {
      // Python keeps an unknown escape as written, backslash included.
      value += `\\${escaped}`;
      position += 2;
    }
  }
  return undefined;
}
