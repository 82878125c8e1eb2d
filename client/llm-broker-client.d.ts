/**
 * The kit for sites that use LLM Broker: find the broker the person installed (EIP-6963-style
 * discovery), and — if you wish — fall back to your own OpenAI-compatible endpoint when there is
 * none or it cannot serve this site, with the same result and stream-part shapes. No runtime
 * dependencies: `client/llm-broker-client.js` is one ES module a site can copy as it is.
 *
 *   import { createLlmClient } from './llm-broker-client.js';
 *   const llm = await createLlmClient({ fallback: { baseUrl: '/api/llm/v1', model: 'house-model' } });
 *   const { text } = await llm.generate({ prompt: 'Summarize this page…', task: 'summarization' });
 *
 * docs/api.md describes every call, field, part, event and error.
 */
import type { LlmBrokerApi, LlmProviderDetail, LlmStream, PageRequest } from './types/llm-broker-api';
import type { LlmErrorName } from './types/llm-errors';
import type { PermissionState } from './types/llm-permission';
import type { LlmRequest } from './types/llm-request';
import type { LlmResult, ModelInfo, RouteDecision } from './types/llm-result';
export type * from './types/llm-broker-api';
export type * from './types/llm-errors';
export type * from './types/llm-permission';
export type * from './types/llm-request';
export type * from './types/llm-result';
/** LLM Broker's reverse-DNS name in discovery announcements. */
export declare const LLM_BROKER_RDNS = "dev.llm-broker";
export interface DiscoveryOptions {
    /** How long to wait for announcements, in milliseconds (default 1,000). */
    timeoutMs?: number;
    /** Wait for this broker only (e.g. `dev.llm-broker`); any broker when absent. */
    rdns?: string;
}
/**
 * Every broker that announces itself within `timeoutMs`, in the order they answered. Several
 * brokers can share a page; each answers `llm:requestProvider` with an `llm:announceProvider`
 * event carrying `{ info: { uuid, name, icon, rdns }, provider }`.
 */
export declare function listBrokers(options?: {
    timeoutMs?: number;
}): Promise<LlmProviderDetail[]>;
/**
 * The broker the person installed, or null when none answers within `timeoutMs`. With `rdns`,
 * that broker only; otherwise the first to announce itself (LLM Broker also sets `window.llm`).
 * Resolves as soon as a matching broker announces itself.
 */
export declare function getLlm(options?: DiscoveryOptions): Promise<LlmBrokerApi | null>;
/** The site's own OpenAI-compatible endpoint, used when the broker cannot serve. */
export interface FallbackEndpoint {
    /** The API's base URL, e.g. `https://example.com/api/llm/v1` (`/chat/completions` is added). */
    baseUrl: string;
    /** The model name the endpoint expects. */
    model: string;
    /** Sent as `Authorization: Bearer …` — only for an endpoint of your own; never a user's key. */
    apiKey?: string;
    headers?: Record<string, string>;
    /** The fetch to use (default: the page's). */
    fetch?: typeof fetch;
}
/** The broker errors after which the fallback answers instead (it cannot serve this site). */
export declare const DEFAULT_FALLBACK_ON: readonly LlmErrorName[];
export interface LlmClientOptions extends DiscoveryOptions {
    /** Your own endpoint, for when no broker is installed or it cannot serve. */
    fallback?: FallbackEndpoint;
    /** Which broker errors send a request to the fallback (default `DEFAULT_FALLBACK_ON`). */
    fallbackOn?: readonly LlmErrorName[];
}
/** A broker, a fallback, or both behind one object shaped like `window.llm`'s request calls. */
export interface LlmClient {
    /** The broker found, or null (then every request goes to the fallback). */
    readonly broker: LlmBrokerApi | null;
    /** Answers with the broker, or with the fallback when the broker cannot serve. */
    generate(request: PageRequest): Promise<LlmResult>;
    /** Streams from the broker, or from the fallback when the broker cannot serve. */
    stream(request: PageRequest): LlmStream;
    /** The broker's permission state; with no broker, `{ origin, granted: false }`. */
    getPermission(): Promise<PermissionState>;
    /** Asks the person (call it from a click); with no broker, `{ origin, granted: false }`. */
    requestPermission(): Promise<PermissionState>;
    /** The models this site may use through the broker (none without one). */
    models(): Promise<ModelInfo[]>;
    /** The broker's decision for a request; rejects with NotSupportedError without a broker. */
    route(request: LlmRequest): Promise<RouteDecision>;
}
/** Finds the broker (as `getLlm` does) and wraps it, with the fallback, in an `LlmClient`. */
export declare function createLlmClient(options?: LlmClientOptions): Promise<LlmClient>;
/** An `LlmClient` over a broker you already have (or null). */
export declare function llmClient(broker: LlmBrokerApi | null, options?: Pick<LlmClientOptions, 'fallback' | 'fallbackOn'>): LlmClient;
