/**
 * The W3C Prompt API (`LanguageModel`, webmachinelearning/prompt-api) as LLM Broker offers it on
 * pages whose browser has none (docs/architecture.md §3): the text subset, backed by the router.
 * These are the types a site codes against; what is left out, and why, is said where it applies.
 */

/** What `LanguageModel.availability()` resolves with. */
export type LanguageModelAvailability =
  | 'unavailable'
  | 'downloadable'
  | 'downloading'
  | 'available';

export type LanguageModelMessageRole = 'system' | 'user' | 'assistant';

/** Every content type the Prompt API names; only `text` is offered (others: `NotSupportedError`). */
export const LANGUAGE_MODEL_MESSAGE_TYPES = [
  'text',
  'image',
  'audio',
  'tool-call',
  'tool-response',
] as const;
export type LanguageModelMessageType = (typeof LANGUAGE_MODEL_MESSAGE_TYPES)[number];

export interface LanguageModelMessageContent {
  type: LanguageModelMessageType;
  /** A string for `text`; image and audio values are refused with `NotSupportedError`. */
  value: unknown;
}

export interface LanguageModelMessage {
  role: LanguageModelMessageRole;
  content: string | LanguageModelMessageContent[];
  /** Prefilling the answer is not offered: `prefix: true` is refused with `NotSupportedError`. */
  prefix?: boolean;
}

/** A string is shorthand for one user message. */
export type LanguageModelPrompt = string | LanguageModelMessage[];

export interface LanguageModelExpected {
  type: LanguageModelMessageType;
  /** BCP 47 tags; checked and otherwise informational (the router does not filter by language). */
  languages?: string[];
}

/** How predictable or creative the answers are; LLM Broker sends each as a temperature. */
export type LanguageModelSamplingMode =
  | 'most-predictable'
  | 'predictable'
  | 'slightly-predictable'
  | 'balanced'
  | 'slightly-creative'
  | 'creative'
  | 'most-creative';

export interface LanguageModelCreateCoreOptions {
  /** Default `balanced` (the model's own temperature); the others go from 0 to 1.5. */
  samplingMode?: LanguageModelSamplingMode;
  /**
   * `temperature` and `topK` belong to extension contexts in the current spec: a page's are
   * accepted and ignored, as a browser's built-in would.
   */
  temperature?: number;
  topK?: number;
  /**
   * Only `text` is available, in a language the browser can name (`unk` is not one); any other
   * type or language makes the options unavailable.
   */
  expectedInputs?: LanguageModelExpected[];
  /** Only `text` is available; any other type makes the options unavailable. */
  expectedOutputs?: LanguageModelExpected[];
  /** Tool use is not offered: a non-empty list makes the options unavailable. */
  tools?: unknown[];
}

export interface LanguageModelCreateOptions extends LanguageModelCreateCoreOptions {
  /** Aborts creation, and destroys the session later. */
  signal?: AbortSignal;
  /** Called with an EventTarget that fires `downloadprogress` (length computable) with loaded 0, then 1. */
  monitor?: (monitor: EventTarget) => void;
  /** The conversation the session starts from; a leading system message becomes its system prompt. */
  initialPrompts?: LanguageModelMessage[];
}

export interface LanguageModelPromptOptions {
  /** A JSON Schema the answer must match (a `RegExp` is refused with `NotSupportedError`). */
  responseConstraint?: Record<string, unknown>;
  /** Accepted: the schema is always sent to the model out of band, never in the prompt. */
  omitResponseConstraintInput?: boolean;
  signal?: AbortSignal;
}

export interface LanguageModelAppendOptions {
  signal?: AbortSignal;
}

export interface LanguageModelCloneOptions {
  signal?: AbortSignal;
}

/** A session: its conversation so far, prompted through the router. */
export interface LanguageModelSession extends EventTarget {
  /** Answers the conversation so far plus `input`; both turns join the conversation. */
  prompt(input: LanguageModelPrompt, options?: LanguageModelPromptOptions): Promise<string>;
  /** The answer as a stream of text pieces (each chunk is new text, not the text so far). */
  promptStreaming(
    input: LanguageModelPrompt,
    options?: LanguageModelPromptOptions,
  ): ReadableStream<string>;
  /** Adds `input` to the conversation without asking for an answer. */
  append(input: LanguageModelPrompt, options?: LanguageModelAppendOptions): Promise<void>;
  /** About how many tokens `input` takes (the router's estimate; nothing is sent to a model). */
  measureContextUsage(
    input: LanguageModelPrompt,
    options?: LanguageModelPromptOptions,
  ): Promise<number>;
  /** Tokens the conversation takes so far, as `measureContextUsage` counts each turn. */
  readonly contextUsage: number;
  /** The largest context window among the models this site may use. */
  readonly contextWindow: number;
  /**
   * Fires when a turn makes the conversation outgrow the window and the oldest turns are dropped
   * (the system prompt stays); a turn larger than the whole window is a `QuotaExceededError` with
   * `requested` and `quota`.
   */
  oncontextoverflow: ((event: Event) => unknown) | null;
  /** Legacy names (deprecated in the spec, still common in code written for Chrome). */
  measureInputUsage(
    input: LanguageModelPrompt,
    options?: LanguageModelPromptOptions,
  ): Promise<number>;
  readonly inputUsage: number;
  readonly inputQuota: number;
  onquotaoverflow: ((event: Event) => unknown) | null;
  /** The sampling mode given to `create()`, or `balanced`. */
  readonly samplingMode: LanguageModelSamplingMode;
  /** A new session with the same conversation and options. */
  clone(options?: LanguageModelCloneOptions): Promise<LanguageModelSession>;
  /** Aborts what is in flight (`AbortError`); later calls reject with `InvalidStateError`. */
  destroy(): void;
}

/** The `LanguageModel` global: a class with no public constructor. */
export interface LanguageModelConstructor {
  readonly prototype: LanguageModelSession;
  availability(options?: LanguageModelCreateCoreOptions): Promise<LanguageModelAvailability>;
  create(options?: LanguageModelCreateOptions): Promise<LanguageModelSession>;
}
