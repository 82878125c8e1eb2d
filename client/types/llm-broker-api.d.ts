/**
 * The object a page reaches as `window.llm` (or through `llm:announceProvider` discovery):
 * the types a site developer codes against (docs/architecture.md §3).
 */
import type { PermissionState } from './llm-permission';
import type { LlmRequest } from './llm-request';
import type { LlmResult, LlmStreamPart, ModelInfo, RouteDecision } from './llm-result';
/** A request as a page may pass it: the contract plus an optional AbortSignal. */
export type PageRequest = LlmRequest & {
    signal?: AbortSignal;
};
/** What `stream()` returns: the parts as they arrive, and the final result. */
export interface LlmStream extends AsyncIterable<LlmStreamPart> {
    /** Resolves with the result once the answer is complete; rejects as the stream does. */
    readonly result: Promise<LlmResult>;
}
/**
 * `window.llm` is an EventTarget: `permissionchange` (the user granted or revoked this site) and
 * `budget` (the site was charged; `detail` has its spend and budget this month), both with a
 * `PermissionState` as the CustomEvent's `detail`.
 */
export interface LlmBrokerApi extends EventTarget {
    /** Whether this site may use the broker, and its budget. */
    getPermission(): Promise<PermissionState>;
    /** Asks the user, in an extension window naming this site, to let it use the broker. */
    requestPermission(): Promise<PermissionState>;
    /** Gives up this site's access. */
    revokePermission(): Promise<PermissionState>;
    /** Answers a request with the best model the user allows; resolves with the whole answer. */
    generate(request: PageRequest): Promise<LlmResult>;
    /** Streams the answer: `for await (const part of llm.stream(req))`, then `await stream.result`. */
    stream(request: PageRequest): LlmStream;
    /** The decision the broker would make for a request, and why, without calling any model. */
    route(request: LlmRequest): Promise<RouteDecision>;
    /** The models this site may use. */
    models(): Promise<ModelInfo[]>;
    /**
     * About how many input tokens a request takes, as the router estimates them (no model is called,
     * and it works for a request too long for any model).
     */
    countTokens(request: LlmRequest): Promise<number>;
    /** Rates an answer from 0 (useless) to 1 (right): the broker learns which model suits which prompt. */
    feedback(requestId: string, score: number): Promise<void>;
    /** A no-op round trip through the whole bridge (benchmarks and health checks). */
    ping(): Promise<'pong'>;
}
/** What `llm:announceProvider` carries (EIP-6963 style). */
export interface LlmProviderDetail {
    info: {
        uuid: string;
        name: string;
        icon: string;
        rdns: string;
    };
    provider: LlmBrokerApi;
}
