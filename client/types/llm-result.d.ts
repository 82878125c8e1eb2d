/**
 * What a page gets back: results, stream parts and the route explanation (docs/architecture.md §3).
 */
import type { LlmErrorData } from './llm-errors';
export type ModelLocation = 'cloud' | 'local' | 'gateway';
/** Which model answered. */
export interface ModelRef {
    /** Provider id, e.g. `anthropic`, `openai`, `webllm`, `openrouter`. */
    provider: string;
    /** The model's id in the catalog, e.g. `claude-sonnet-4-5`. */
    id: string;
    location: ModelLocation;
}
export interface TokenUsage {
    inputTokens: number;
    outputTokens: number;
    /** Input tokens served from the provider's prompt cache (billed at the cached rate). */
    cachedInputTokens?: number;
    /** Output tokens spent on hidden reasoning. */
    reasoningTokens?: number;
}
export type AttemptOutcome = 'ok' | 'error' | 'timeout' | 'aborted' | 'skipped';
/** One try at one model; a request that fell back has several. */
export interface Attempt {
    model: ModelRef;
    outcome: AttemptOutcome;
    /** Why it failed, in words a person can act on. */
    error?: string;
    /** HTTP status of the failure, when there was one. */
    status?: number;
    timeToFirstTokenMs?: number;
    durationMs: number;
    usage?: TokenUsage;
    /**
     * The usage is an estimate from the text delivered before the attempt broke off (the
     * provider sent no usage report), and so is its cost.
     */
    usageEstimated?: boolean;
    /** What this attempt cost: an attempt that delivered text is charged for it, even if it failed. */
    costUsd: number;
}
export interface LlmResult {
    requestId: string;
    text: string;
    model: ModelRef;
    usage: TokenUsage;
    costUsd: number;
    latencyMs: number;
    attempts: Attempt[];
    finishReason: 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';
    /** True when the answer came from the local response cache (and so cost nothing). */
    cached?: boolean;
    /** How a first pass went, when the request had one (`hints.cascade`). */
    cascade?: CascadeReport;
}
/** A first pass and what became of it. */
export interface CascadeReport {
    /** True when the first pass was not accepted and the chain answered. */
    escalated: boolean;
    /** Why it was not accepted (with `escalated`). */
    reason?: string;
    /** Each pass: the cheap model(s) first, then the chain's answer when it escalated. */
    passes: Array<{
        model: ModelRef;
        costUsd: number;
        accepted: boolean;
    }>;
    /** What the chain's first model would have cost for the same tokens, less what was paid
     * (with an accepted first pass), USD. */
    savedUsd?: number;
    /** True when the first pass was the router's own cheap pick, checked by a second opinion (the
     * person's "check cheap short answers" setting) rather than a cheaper model tried first. */
    verified?: boolean;
}
/** The parts of a streamed answer, in order: start, text-delta…, (fallback…), finish | error. */
export type LlmStreamPart = {
    type: 'start';
    requestId: string;
    model: ModelRef;
} | {
    type: 'text-delta';
    delta: string;
} | {
    /** The answer restarts on another model: discard the text received so far. */
    type: 'fallback';
    from: ModelRef;
    to: ModelRef;
    reason: string;
} | {
    type: 'error';
    error: LlmErrorData;
} | {
    type: 'finish';
    result: LlmResult;
};
/** What `window.llm.route(req)` returns: the decision the broker would make, without calling a model. */
export interface RouteDecision {
    /** The model that would answer. */
    chosen: ModelRef;
    /** The whole fallback chain, best first (`chain[0]` is `chosen`). */
    chain: ModelRef[];
    task: string;
    /** True when the task was inferred from the text rather than given. */
    taskInferred: boolean;
    /** Predicted difficulty in [0, 1]. */
    difficulty: number;
    inputTokens: number;
    expectedOutputTokens: number;
    /** Expected cost of the chosen model, USD. */
    expectedCostUsd: number;
    /** Every model that qualified, with its final score. */
    candidates: Array<{
        model: ModelRef;
        finalScore: number;
        rank: number;
    }>;
    /** Every model that did not, with why. */
    ruledOut: Array<{
        provider: string;
        model: string;
        reason: string;
    }>;
}
/** A model a site may use, as `window.llm.models()` lists it. */
export interface ModelInfo extends ModelRef {
    name: string;
    contextTokens: number;
    capabilities: {
        vision: boolean;
        tools: boolean;
        json: boolean;
        reasoning: boolean;
    };
}
