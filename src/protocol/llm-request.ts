/**
 * The public contract a page speaks through `window.llm` (docs/architecture.md §3). Requests
 * describe what the page needs — never a model name. Every type here crosses a context boundary,
 * so all of them are plain structured-cloneable data.
 */

/** What the request is for; the router infers it from the text when absent. */
export const TASK_TYPES = [
  'coding',
  'creative',
  'summarization',
  'qa',
  'educational',
  'general',
  'extraction',
  'classification',
  'translation',
  'reasoning',
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const QUALITY_HINTS = ['low', 'medium', 'high', 'best'] as const;
export type QualityHint = (typeof QUALITY_HINTS)[number];

export const SPEED_HINTS = ['fastest', 'fast', 'normal', 'any'] as const;
export type SpeedHint = (typeof SPEED_HINTS)[number];

/** Workload presets as in common router setups (cost / quality / latency weightings). */
export const PRESETS = ['economy', 'balanced', 'quality', 'fast'] as const;
export type Preset = (typeof PRESETS)[number];

export const PRIVACY_LEVELS = ['local-only', 'no-training', 'any'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

export const CAPABILITIES = ['vision', 'tools', 'json', 'reasoning'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ImagePart {
  type: 'image';
  /** A `data:` URL or an https URL of the image. */
  image: string;
  mediaType?: string;
}

export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string | Array<TextPart | ImagePart>;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the tool's arguments. */
  parameters: Record<string, unknown>;
}

export interface RequestHints {
  /** How much answer quality matters. */
  quality?: QualityHint;
  /** How much speed matters. */
  speed?: SpeedHint;
  /** A named weighting of cost, quality and latency. */
  preset?: Preset;
  /**
   * A first pass: the cheapest capable model (a local one where there is one) answers, and the
   * answer is returned only if it passes the acceptance check; otherwise the request escalates
   * to the chain. `false` turns off the person's cascade setting for this request.
   */
  cascade?: boolean;
}

export interface RequestConstraints {
  /** The most this one request may cost, in US dollars. */
  maxCostUsd?: number;
  /** The longest the page is willing to wait for the whole answer, in milliseconds. */
  maxLatencyMs?: number;
  /** The context window the answer needs at least, in tokens. */
  minContextTokens?: number;
  /** Where the prompt may go: only to local models, only to providers that do not train on it, or anywhere. */
  privacy?: PrivacyLevel;
  /** What the model must be able to do. */
  capabilities?: Capability[];
}

/** A request from a page. Give either `prompt` or `messages`. */
export interface LlmRequest {
  /** A single user turn. */
  prompt?: string;
  /** A system instruction placed before the conversation. */
  system?: string;
  /** A whole conversation. */
  messages?: Message[];
  /** What the request is for; inferred from the text when absent. */
  task?: TaskType;
  hints?: RequestHints;
  constraints?: RequestConstraints;
  /** The longest answer wanted, in tokens. */
  maxOutputTokens?: number;
  /** Sampling temperature, 0 to 2. */
  temperature?: number;
  /** Strings that end the answer. */
  stop?: string[];
  /** Ask for JSON, optionally matching a JSON Schema. */
  responseFormat?: { type: 'json'; schema?: Record<string, unknown> };
  tools?: ToolDefinition[];
  /**
   * Whether the broker may restart the answer on another model after text has already been
   * streamed (the page then receives a `fallback` part and should reset what it shows).
   */
  allowRestart?: boolean;
}
