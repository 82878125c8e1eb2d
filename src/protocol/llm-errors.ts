/**
 * Errors a page can receive. Names follow DOMException (docs/architecture.md §3) so pages can
 * branch on
 * `error.name`. They travel between contexts as `LlmErrorData` and become real `DOMException`s
 * (or a `TypeError`) again in the page.
 */
import type { Attempt } from './llm-result';

export const LLM_ERROR_NAMES = [
  'NotAllowedError',
  'QuotaExceededError',
  'NotSupportedError',
  'AbortError',
  'NetworkError',
  'TypeError',
  'InvalidStateError',
] as const;
export type LlmErrorName = (typeof LLM_ERROR_NAMES)[number];

/** Why one model was ruled out of a route. */
export interface RuledOutModel {
  provider: string;
  model: string;
  reason: string;
}

export interface LlmErrorData {
  name: LlmErrorName;
  message: string;
  /** NotSupportedError: which constraint ruled out each model. */
  ruledOut?: RuledOutModel[];
  /** NetworkError: every attempt that failed. */
  attempts?: Attempt[];
}

/** An error the broker raises deliberately; anything else is a bug and is reported as such. */
export class LlmError extends Error {
  override readonly name: LlmErrorName;
  readonly ruledOut: RuledOutModel[] | undefined;
  readonly attempts: Attempt[] | undefined;

  constructor(data: LlmErrorData) {
    super(data.message);
    this.name = data.name;
    this.ruledOut = data.ruledOut;
    this.attempts = data.attempts;
  }

  toData(): LlmErrorData {
    const data: LlmErrorData = { name: this.name, message: this.message };
    if (this.ruledOut) data.ruledOut = this.ruledOut;
    if (this.attempts) data.attempts = this.attempts;
    return data;
  }
}

/** Turns anything thrown into the data a page may see, without leaking internals. */
export function toLlmErrorData(error: unknown): LlmErrorData {
  if (error instanceof LlmError) return error.toData();
  if (error instanceof Error && error.name === 'AbortError') {
    return { name: 'AbortError', message: 'The request was aborted.' };
  }
  return { name: 'NetworkError', message: 'The broker failed to answer this request.' };
}
