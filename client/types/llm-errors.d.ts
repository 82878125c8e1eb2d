/**
 * Errors a page can receive. Names follow DOMException (docs/architecture.md §3) so pages can
 * branch on
 * `error.name`. They travel between contexts as `LlmErrorData` and become real `DOMException`s
 * (or a `TypeError`) again in the page.
 */
import type { Attempt } from './llm-result';
export declare const LLM_ERROR_NAMES: readonly ['NotAllowedError', 'QuotaExceededError', 'NotSupportedError', 'AbortError', 'NetworkError', 'TypeError', 'InvalidStateError'];
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
export declare class LlmError extends Error {
    readonly name: LlmErrorName;
    readonly ruledOut: RuledOutModel[] | undefined;
    readonly attempts: Attempt[] | undefined;
    constructor(data: LlmErrorData);
    toData(): LlmErrorData;
}
/** Turns anything thrown into the data a page may see, without leaking internals. */
export declare function toLlmErrorData(error: unknown): LlmErrorData;
