/**
 * The channel between a page's `window.llm` and the background: page ⇄ relay over a
 * MessageChannel port, relay ⇄ background over a `runtime.Port`. The relay forwards these
 * messages unchanged, so one map types both hops (docs/architecture.md §8).
 */
import type { LlmErrorData } from '../../src/protocol/llm-errors';
import type { PermissionState } from '../../src/protocol/llm-permission';
import type { LlmRequest } from '../../src/protocol/llm-request';
import type {
  LlmResult,
  LlmStreamPart,
  ModelInfo,
  RouteDecision,
} from '../../src/protocol/llm-result';

/** The `runtime.Port` name the relay connects with. */
export const PAGE_PORT_NAME = 'llm-broker/page';

/** The `window` message types of the one-time handshake that hands the page's port to the relay. */
export const HANDSHAKE = {
  /** Page → relay, carrying the MessageChannel port. */
  connect: 'llm-broker:connect',
  /** Relay → page: "I am here" (if the page spoke before the relay listened, it connects again). */
  relayReady: 'llm-broker:relay-ready',
} as const;

/** Every call a page can make, with what it sends and what it gets back. */
export interface PageMethods {
  ping: { params: null; result: 'pong' };
  getPermission: { params: null; result: PermissionState };
  requestPermission: { params: null; result: PermissionState };
  revokePermission: { params: null; result: PermissionState };
  generate: { params: LlmRequest; result: LlmResult };
  /** Streams `parts` messages, then answers with the same result as `generate`. */
  stream: { params: LlmRequest; result: LlmResult };
  route: { params: LlmRequest; result: RouteDecision };
  countTokens: { params: LlmRequest; result: number };
  models: { params: null; result: ModelInfo[] };
  feedback: { params: { requestId: string; score: number }; result: null };
}
export type PageMethod = keyof PageMethods;

export type PageCall = {
  [M in PageMethod]: {
    kind: 'call';
    id: number;
    method: M;
    params: PageMethods[M]['params'];
    /**
     * Whether the page had transient user activation when it called: set by the relay, which
     * reads it where page scripts cannot fake it, and overwritten whatever the page sent.
     */
    userActivation?: boolean;
  };
}[PageMethod];

/** Page → background. */
export type PageToBackground = PageCall | { kind: 'abort'; id: number };

export type PageEventName = 'permissionchange' | 'budget';

/** Background → page. */
export type BackgroundToPage =
  | { kind: 'result'; id: number; value: PageMethods[PageMethod]['result'] }
  | { kind: 'error'; id: number; error: LlmErrorData }
  /** Stream parts, batched: one message may carry several parts that arrived together. */
  | { kind: 'parts'; id: number; parts: LlmStreamPart[] }
  | { kind: 'event'; event: PageEventName; detail: PermissionState };

/** Relay → page, once the relay has adopted the page's port. */
export interface RelayAck {
  kind: 'ack';
}
