/**
 * Understanding a request before scoring: which task it is (given or inferred from cues in the
 * text), how many tokens go in and are likely to come out, how hard it looks, and what the model
 * must be able to do. Everything here is linear in the prompt and cheap: cue matching reads only
 * the head and tail of a long prompt (where instructions sit), and the token estimate is sampled.
 */
import type {
  Capability,
  LlmRequest,
  Message,
  QualityHint,
  RequestHints,
  TaskType,
} from '../protocol/llm-request';
import { estimateTokens } from './router-tokens';
import type { RequestAnalysis, RouterTuning, RoutingDefaults } from './router-types';

/** Cue matching reads this many characters from the start of a prompt… */
const HEAD_CHARS = 2_000;
/** …and this many from its end. */
const TAIL_CHARS = 1_000;
/** Roughly what an image costs in input tokens (a 1 MP image on current vision APIs). */
const TOKENS_PER_IMAGE = 1_100;
/** Role markers and separators per message. */
const TOKENS_PER_MESSAGE = 4;

export const DEFAULT_TUNING: RouterTuning = {
  needBase: 0.3,
  needSlope: 0.65,
  headroomSlope: 0.25,
  shortfallPenalty: 0.5,
  speedPriorWeight: 5,
  reliabilityPriorWeight: 10,
  feedbackPriorWeight: 10,
  promptQualityPriorWeight: 20,
  familiarGroupObservations: 20,
  costAversion: 1,
  learnedQualityGain: 5,
  learnedEvidenceShare: 0.5,
  learnedCostScale: 4,
  chainLength: 8,
  gatewayChainLength: 2,
};

/** The text a request sends: system, then the prompt or every message's text parts. The same
 * text is what feedback is learned on (see RouterStats.recordFeedback). */
export function requestText(request: LlmRequest): string {
  const parts: string[] = [];
  if (request.system) parts.push(request.system);
  if (request.prompt) parts.push(request.prompt);
  for (const message of request.messages ?? []) {
    const text = messageText(message);
    if (text) parts.push(text);
  }
  return parts.join('\n\n');
}

function messageText(message: Message): string {
  if (typeof message.content === 'string') return message.content;
  let text = '';
  for (const part of message.content) {
    if (part.type === 'text') text = text ? `${text}\n${part.text}` : part.text;
  }
  return text;
}

function imageCount(request: LlmRequest): number {
  let images = 0;
  for (const message of request.messages ?? []) {
    if (typeof message.content === 'string') continue;
    for (const part of message.content) if (part.type === 'image') images++;
  }
  return images;
}

/** The head and tail of a long text (lower-cased), where the instructions usually are. */
export function cueWindow(text: string): string {
  const window =
    text.length <= HEAD_CHARS + TAIL_CHARS
      ? text
      : `${text.slice(0, HEAD_CHARS)}\n${text.slice(text.length - TAIL_CHARS)}`;
  return window.toLowerCase();
}

function countOccurrences(text: string, needle: string): number {
  let count = 0;
  let index = text.indexOf(needle);
  while (index !== -1) {
    count++;
    index = text.indexOf(needle, index + needle.length);
  }
  return count;
}

function countMatches(text: string, pattern: RegExp): number {
  pattern.lastIndex = 0;
  let count = 0;
  while (pattern.exec(text) !== null) count++;
  return count;
}

/** Cues for each task: each match adds its weight; the task with the most points wins. */
const TASK_CUES: ReadonlyArray<readonly [TaskType, RegExp, number]> = [
  [
    'coding',
    /\b(?:code|function|bug|debug|compile[rs]?|refactor|implement|regex|python|javascript|typescript|java|rust|golang|c\+\+|sql|stack ?trace|exception|unit tests?|script|api endpoint|algorithm)\b/g,
    1,
  ],
  [
    'coding',
    /(?:^|\n)\s*(?:def |class |import |from \S+ import|const |let |function |public |#include|select .+ from)/g,
    2,
  ],
  ['summarization', /\b(?:summari[sz]e|summary|tl;?dr|key points|condense|recap|gist)\b/g, 3],
  [
    'translation',
    /\b(?:translate|translation|into (?:english|french|spanish|german|italian|portuguese|chinese|japanese|korean|russian|arabic|hindi|dutch)|in (?:french|spanish|german|italian|portuguese|chinese|japanese|korean|russian|arabic|hindi|dutch))\b/g,
    3,
  ],
  [
    'classification',
    /\b(?:classify|classification|categori[sz]e|sentiment|which category|label (?:it|this|each)|is (?:this|it) spam|positive or negative)\b/g,
    3,
  ],
  [
    'extraction',
    /\b(?:extract|pull out|list (?:all|every)|find all|named entities|parse (?:the|this)|fill (?:in )?the fields|as json|into json)\b/g,
    2,
  ],
  [
    'reasoning',
    /\b(?:prove|proof|step[- ]by[- ]step|riddle|puzzle|logic(?:al)?|deduce|calculate|solve|equation|integral|derivative|probability|theorem|how many)\b/g,
    2,
  ],
  [
    'creative',
    /\b(?:write|compose|create|draft|invent|tell)\b[^.?!\n]{0,40}\b(?:story|poem|haiku|lyrics|song|fiction|slogan|joke|limerick|screenplay|fairy tale)\b/g,
    3,
  ],
  [
    'creative',
    /\b(?:story|poem|haiku|lyrics|song|fiction|creative|slogan|joke|limerick|novel|screenplay|character|fairy tale)\b/g,
    1,
  ],
  [
    'educational',
    /\b(?:explain|teach|for a beginner|like i'?m (?:five|5)|eli5|lesson|tutorial|help me understand|learn|quiz me)\b/g,
    2,
  ],
  ['qa', /(?:^|\n)\s*(?:who|what|when|where|which|why|how|is|are|does|do|can)\b[^\n]*\?/g, 2],
  ['qa', /(?:^|\n)\s*\(?[a-d][).:]\s/g, 1],
];

/** On equal points, the earlier task wins. */
const TASK_TIE_ORDER: readonly TaskType[] = [
  'coding',
  'translation',
  'summarization',
  'extraction',
  'classification',
  'reasoning',
  'creative',
  'educational',
  'qa',
  'general',
];

/** Infers the task from cues in the text window; `general` when nothing stands out. */
export function inferTask(window: string, codeFences: number): { task: TaskType; cue?: string } {
  const points = new Map<TaskType, number>();
  if (codeFences > 0) points.set('coding', 3);
  for (const [task, pattern, weight] of TASK_CUES) {
    const hits = countMatches(window, pattern);
    if (hits > 0) points.set(task, (points.get(task) ?? 0) + Math.min(hits, 5) * weight);
  }
  let best: TaskType = 'general';
  let bestPoints = 0;
  for (const task of TASK_TIE_ORDER) {
    const taskPoints = points.get(task) ?? 0;
    if (taskPoints > bestPoints) {
      best = task;
      bestPoints = taskPoints;
    }
  }
  return bestPoints > 0 ? { task: best, cue: `${bestPoints} cue points` } : { task: best };
}

/** Baseline difficulty of each task before the prompt's own cues. */
const TASK_DIFFICULTY: Readonly<Record<TaskType, number>> = {
  classification: 0.2,
  extraction: 0.25,
  translation: 0.3,
  summarization: 0.3,
  general: 0.3,
  qa: 0.35,
  creative: 0.35,
  educational: 0.4,
  coding: 0.5,
  reasoning: 0.6,
};

const MULTI_STEP_CUES =
  /\b(?:step[- ]by[- ]step|first\b.{0,80}\bthen|compare|trade-?offs?|design|architecture|optimi[sz]e|prove|derive|analy[sz]e|evaluate|justify|edge cases|multi-?step|plan)\b/g;
const DOMAIN_CUES =
  /\b(?:theorem|integral|eigen\w*|complexity|concurren\w*|distributed|legal|contract law|medical|diagnos\w*|regulat\w*|cryptograph\w*|proof|lemma|stochastic|asymptotic)\b|\\(?:frac|sum|int)|[∫∑√≤≥]/g;
const EASY_CUES =
  /\b(?:quick(?:ly)?|simple|briefly|one word|single word|yes or no|hello|hi|thanks|thank you|capital of|spell|synonym|only the letter|single choice)\b/g;
const LIST_ITEM = /\n\s*(?:[-*•]|\d+[.)])\s/g;

interface DifficultyEstimate {
  difficulty: number;
  signals: string[];
}

function clampRange(value: number, low: number, high: number): number {
  return value < low ? low : Math.min(value, high);
}

/**
 * Predicts difficulty in [0, 1] from the prompt: the task's baseline, length, multi-step and
 * domain cues, the number of requirements and questions, minus cues of an easy ask.
 */
export function predictDifficulty(
  window: string,
  task: TaskType,
  inputTokens: number,
  codeFences: number,
  needsReasoning: boolean,
): DifficultyEstimate {
  const signals: string[] = [];
  let difficulty = TASK_DIFFICULTY[task];
  const length = clampRange(0.08 * Math.log10(Math.max(inputTokens, 1) / 200), -0.05, 0.15);
  difficulty += length;
  const multiStep = Math.min(countMatches(window, MULTI_STEP_CUES), 4);
  if (multiStep > 0) signals.push(`${multiStep} multi-step cue(s)`);
  difficulty += 0.06 * multiStep;
  const domain = Math.min(countMatches(window, DOMAIN_CUES), 3);
  if (domain > 0) signals.push(`${domain} hard-domain cue(s)`);
  difficulty += 0.05 * domain;
  const requirements = Math.min(countMatches(window, LIST_ITEM), 5);
  difficulty += 0.02 * requirements;
  const questions = Math.min(Math.max(countOccurrences(window, '?') - 1, 0), 3);
  difficulty += 0.03 * questions;
  const easy = Math.min(countMatches(window, EASY_CUES), 3);
  if (easy > 0) signals.push(`${easy} easy-ask cue(s)`);
  difficulty -= 0.07 * easy;
  if (codeFences > 0) difficulty += 0.05;
  if (needsReasoning) difficulty += 0.1;
  return { difficulty: clampRange(difficulty, 0.02, 0.98), signals };
}

/** Typical answer length of each task, as a function of the input. */
function taskOutputTokens(task: TaskType, inputTokens: number): number {
  switch (task) {
    case 'classification':
      return 10;
    case 'extraction':
      return Math.min(600, 40 + 0.25 * inputTokens);
    case 'summarization':
      return Math.min(800, 60 + 0.12 * inputTokens);
    case 'translation':
      return Math.min(8_000, 20 + 1.1 * inputTokens);
    case 'coding':
    case 'creative':
      return 700;
    case 'educational':
    case 'reasoning':
      return 600;
    case 'qa':
      return 250;
    case 'general':
      return 400;
  }
}

const WORD_COUNT_CUE = /\b(\d{2,5})\s*words\b/;
const TINY_ANSWER_CUE =
  /\b(?:one word|single word|yes or no|only the letter|single choice|just the number|answer with the letter)\b/;
/** A multiple-choice question that ends asking for its answer (`A) … B) … Answer:`): the answer
 * is an option's letter, so the call costs its prompt, not an essay. */
const OPTION_LINES = /(?:^|\n)\s*\(?[a-h][).:]\s[^\n]*\n\s*\(?[a-h][).:]\s/;
const ANSWER_PROMPT_AT_END = /\banswer\s*:\s*$/;
const SHORT_ANSWER_CUE = /\b(?:briefly|brief|short|concise|one sentence|in a sentence|tl;?dr)\b/;
const LONG_ANSWER_CUE =
  /\b(?:in detail|detailed|comprehensive|thorough|essay|long-form|full report)\b/;
const TOKENS_PER_WORD = 1.35;

/** Expected answer tokens: cues in the prompt, else the task's typical length; never more than
 * the request's `maxOutputTokens`. */
export function expectOutputTokens(
  window: string,
  task: TaskType,
  inputTokens: number,
  maxOutputTokens: number | undefined,
): { tokens: number; signal?: string } {
  let tokens = taskOutputTokens(task, inputTokens);
  let signal: string | undefined;
  const words = WORD_COUNT_CUE.exec(window);
  if (words?.[1]) {
    tokens = Number(words[1]) * TOKENS_PER_WORD;
    signal = `asks for ${words[1]} words`;
  } else if (TINY_ANSWER_CUE.test(window)) {
    tokens = 5;
    signal = 'asks for a one-word answer';
  } else if (ANSWER_PROMPT_AT_END.test(window) && OPTION_LINES.test(window)) {
    tokens = 5;
    signal = 'asks for the letter of an option';
  } else if (SHORT_ANSWER_CUE.test(window)) {
    tokens *= 0.5;
    signal = 'asks for a short answer';
  } else if (LONG_ANSWER_CUE.test(window)) {
    tokens *= 2;
    signal = 'asks for a long answer';
  }
  if (maxOutputTokens !== undefined && maxOutputTokens > 0) {
    tokens = Math.min(tokens, maxOutputTokens);
  }
  return { tokens: Math.max(1, Math.round(tokens)), ...(signal ? { signal } : {}) };
}

/** Capabilities the request needs: its constraints plus what its shape implies. */
export function requiredCapabilities(request: LlmRequest, images: number): Capability[] {
  const required = new Set<Capability>(request.constraints?.capabilities ?? []);
  if (images > 0) required.add('vision');
  if (request.tools && request.tools.length > 0) required.add('tools');
  if (request.responseFormat?.type === 'json') required.add('json');
  return [...required].sort();
}

const QUALITY_HINT_NEED_SHIFT = { low: -0.15, medium: 0, high: 0.1, best: 1 } as const;

/** How much quality the request needs: grows with difficulty; the quality hint shifts it and
 * `best` removes the ceiling (only the best quality will do). */
export function qualityNeed(
  difficulty: number,
  hint: QualityHint | undefined,
  tuning: RouterTuning,
): number {
  if (hint === 'best') return 1;
  const shift = hint ? QUALITY_HINT_NEED_SHIFT[hint] : 0;
  return clampRange(tuning.needBase + tuning.needSlope * difficulty + shift, 0.05, 1);
}

function toolTokens(request: LlmRequest): number {
  if (!request.tools || request.tools.length === 0) return 0;
  return estimateTokens(JSON.stringify(request.tools));
}

/**
 * Analyzes a request: task (given or inferred), tokens in and expected out, difficulty, required
 * capabilities and the quality it needs. Linear in the prompt length with a small constant.
 */
export function analyzeRequest(
  request: LlmRequest,
  tuning: RouterTuning = DEFAULT_TUNING,
  text: string = requestText(request),
  defaults?: RoutingDefaults,
): RequestAnalysis {
  const window = cueWindow(text);
  const codeFences = Math.floor(countOccurrences(text, '```') / 2);
  const images = imageCount(request);
  const messages = request.messages?.length ?? 1;
  const inputTokens =
    estimateTokens(text) +
    TOKENS_PER_MESSAGE * (messages + (request.system ? 1 : 0)) +
    TOKENS_PER_IMAGE * images +
    toolTokens(request);

  const signals: string[] = [];
  let task: TaskType;
  const taskInferred = request.task === undefined;
  if (request.task !== undefined) {
    task = request.task;
  } else {
    const inferred = inferTask(window, codeFences);
    task = inferred.task;
    signals.push(`task inferred: ${task}${inferred.cue ? ` (${inferred.cue})` : ' (no cues)'}`);
  }
  const capabilities = requiredCapabilities(request, images);
  const estimate = predictDifficulty(
    window,
    task,
    inputTokens,
    codeFences,
    capabilities.includes('reasoning'),
  );
  signals.push(...estimate.signals);
  const output = expectOutputTokens(window, task, inputTokens, request.maxOutputTokens);
  if (output.signal) signals.push(output.signal);
  const hints = hintsInEffect(request.hints, task, defaults, signals);
  return {
    task,
    taskInferred,
    difficulty: Math.round(estimate.difficulty * 1000) / 1000,
    inputTokens,
    expectedOutputTokens: output.tokens,
    requiredCapabilities: capabilities,
    qualityNeed: qualityNeed(estimate.difficulty, hints.quality, tuning),
    ...(hints.preset ? { preset: hints.preset } : {}),
    hints,
    signals,
  };
}

/**
 * The request's hints, with the person's defaults for what it leaves out: the preset chosen for
 * its task, and the default quality and speed. A site's own hint always wins.
 */
export function hintsInEffect(
  given: RequestHints | undefined,
  task: TaskType,
  defaults: RoutingDefaults | undefined,
  signals?: string[],
): RequestHints {
  const hints: RequestHints = { ...given };
  const preset = defaults?.presets?.[task];
  if (hints.preset === undefined && preset) {
    hints.preset = preset;
    signals?.push(`preset ${preset}: your default for ${task}`);
  }
  if (hints.quality === undefined && defaults?.quality) {
    hints.quality = defaults.quality;
    signals?.push(`quality ${defaults.quality}: your default`);
  }
  if (hints.speed === undefined && defaults?.speed) {
    hints.speed = defaults.speed;
    signals?.push(`speed ${defaults.speed}: your default`);
  }
  return hints;
}
