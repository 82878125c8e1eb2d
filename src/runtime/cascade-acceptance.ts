/**
 * The acceptance check of a local first pass (docs/router.md §10): whether a cheap model's answer
 * is returned, or the request escalates to the chain. Each check looks only at the answer (and a
 * second cheap answer, where one is asked for), so the same function judges live answers and the
 * recorded ones the replay benchmark runs on.
 */
import type { TaskType } from '../protocol/llm-request';

export type RejectionReason =
  | 'empty'
  | 'truncated'
  | 'refusal'
  | 'invalid-json'
  | 'schema-violated'
  | 'disagreement'
  | 'low-confidence';

export type Verdict = { accept: true } | { accept: false; reason: RejectionReason; detail: string };

/** One pass's answer, as the check sees it. */
export interface PassAnswer {
  text: string;
  finishReason?: string;
  /** Log-probabilities of the answer's tokens, where the provider returns them. */
  logprobs?: readonly number[];
}

export interface AcceptanceOptions {
  task: TaskType;
  /** The request asked for JSON (with this schema, when it gave one). */
  json?: { schema?: Record<string, unknown> };
  /** A second cheap model's answer to compare with (short-answer tasks). */
  second?: PassAnswer;
  /** Below this mean token log-probability the answer counts as unsure. */
  minMeanLogprob?: number;
}

/** Tasks whose answer is short enough that two models' answers can be compared. */
export const SHORT_ANSWER_TASKS: ReadonlySet<TaskType> = new Set([
  'classification',
  'extraction',
  'qa',
  'reasoning',
]);

/** exp(-0.6) ≈ 0.55: a mean token probability under about one half is an unsure answer. */
export const DEFAULT_MIN_MEAN_LOGPROB = -0.6;

/** Openings models use to decline; checked only at the start, where a refusal says so. */
const REFUSAL =
  /^(?:\s*(?:I'?m sorry|I am sorry|sorry|unfortunately|as an ai|as a language model|i apologi[sz]e)[^.\n]{0,60}?[,.]?\s*)?(?:but\s+)?(?:I\s+(?:can(?:no|')t|cannot|am (?:not able|unable)|won'?t|must decline|do not have (?:access|the ability))|I'?m (?:not able|unable))\b/i;

export function isRefusal(text: string): boolean {
  return REFUSAL.test(text.trim().slice(0, 300));
}

/**
 * The final answer of a short-answer reply, normalized for comparison: a multiple-choice letter
 * or option number ("Answer: B", "(2)"), else the last number, else the whole reply when it is a
 * few words. Undefined when the reply is long prose with none of these.
 */
export function finalAnswer(text: string): string | undefined {
  const trimmed = text.trim();
  const labelled =
    /(?:final answer|answer|option|choice)\s*(?:is|:)?\s*[:(]?\s*\(?([A-Ea-e1-5])\)?(?![\w])/i.exec(
      trimmed,
    );
  if (labelled) return labelled[1]!.toUpperCase();
  const bare = /^\(?([A-Ea-e])(?:[).:]|\s*$)/.exec(trimmed);
  if (bare) return bare[1]!.toUpperCase();
  const boxed = /\\boxed\{([^}]*)\}/.exec(trimmed);
  if (boxed) return normalizeNumber(boxed[1]!);
  const numbers = trimmed.match(/-?\d[\d,]*(?:\.\d+)?/g);
  if (numbers && trimmed.length <= 400) return normalizeNumber(numbers.at(-1)!);
  const words = trimmed.split(/\s+/);
  if (words.length <= 6) return trimmed.toLowerCase().replace(/[.!"'`]+$/g, '');
  return undefined;
}

function normalizeNumber(text: string): string {
  const value = Number(text.replace(/,/g, ''));
  return Number.isFinite(value) ? String(value) : text.trim().toLowerCase();
}

/** The JSON inside a reply (models wrap it in code fences). */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  try {
    return { ok: true, value: JSON.parse((fenced?.[1] ?? text).trim()) };
  } catch {
    return { ok: false };
  }
}

/** The structural rules of a JSON Schema a first pass can break: type, required, enum, items. */
export function schemaViolation(
  value: unknown,
  schema: Record<string, unknown>,
  path = '$',
): string | undefined {
  const type = schema.type;
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  if (types.length > 0 && !types.some((name) => matchesType(value, String(name)))) {
    return `${path} is not ${types.join(' or ')}`;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => Object.is(option, value))) {
    return `${path} is not one of the allowed values`;
  }
  if (isObject(value)) {
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const key of required) {
      if (!Object.hasOwn(value, String(key))) return `${path}.${String(key)} is missing`;
    }
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const [key, child] of Object.entries(properties)) {
      if (Object.hasOwn(value, key) && isObject(child)) {
        const problem = schemaViolation(value[key], child, `${path}.${key}`);
        if (problem) return problem;
      }
    }
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    for (const [index, item] of value.entries()) {
      const problem = schemaViolation(item, schema.items, `${path}[${index}]`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      return true;
  }
}

/** Judges a first-pass answer; the first failed check is the reason. */
export function checkAnswer(answer: PassAnswer, options: AcceptanceOptions): Verdict {
  const text = answer.text.trim();
  if (text.length === 0) return { accept: false, reason: 'empty', detail: 'the answer was empty' };
  if (answer.finishReason === 'length') {
    return {
      accept: false,
      reason: 'truncated',
      detail: 'the answer was cut off at its length limit',
    };
  }
  if (isRefusal(text)) {
    return { accept: false, reason: 'refusal', detail: 'the model declined to answer' };
  }
  if (options.json) {
    const parsed = parseJson(text);
    if (!parsed.ok)
      return { accept: false, reason: 'invalid-json', detail: 'the answer is not JSON' };
    const problem = options.json.schema && schemaViolation(parsed.value, options.json.schema);
    if (problem) {
      return {
        accept: false,
        reason: 'schema-violated',
        detail: `the answer breaks the schema: ${problem}`,
      };
    }
  }
  if (options.second && SHORT_ANSWER_TASKS.has(options.task)) {
    const mine = finalAnswer(text);
    const theirs = finalAnswer(options.second.text);
    if (mine !== undefined && theirs !== undefined && mine !== theirs) {
      return {
        accept: false,
        reason: 'disagreement',
        detail: `two cheap models disagree (${mine} vs ${theirs})`,
      };
    }
  }
  if (answer.logprobs && answer.logprobs.length > 0) {
    const mean = answer.logprobs.reduce((sum, value) => sum + value, 0) / answer.logprobs.length;
    const floor = options.minMeanLogprob ?? DEFAULT_MIN_MEAN_LOGPROB;
    if (mean < floor) {
      return {
        accept: false,
        reason: 'low-confidence',
        detail: `the model was unsure (mean token log-probability ${mean.toFixed(2)})`,
      };
    }
  }
  return { accept: true };
}
