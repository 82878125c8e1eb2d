/**
 * One page's connection to the background. The origin comes from the port's sender — the
 * browser's word, never the page's — and every call is gated by its trust level before any work
 * (docs/architecture.md §8). Stream parts are batched per task so a fast stream costs one message
 * per burst, not one per token.
 */

import { LlmError, toLlmErrorData } from '../../src/protocol/llm-errors';
import type { LlmStreamPart } from '../../src/protocol/llm-result';
import type { BackgroundToPage, PageMethod, PageMethods } from '../messaging/page-channel';
import type { Runtime } from '../platform/browser-api';
import { browser } from '../platform/browser-api';
import { lingerAfterAnswer, whileAlive } from './keep-alive';

export interface PageCallContext {
  origin: string;
  signal: AbortSignal;
  /** Whether the page had transient user activation when it called (the relay's reading). */
  userActivation: boolean;
  /** Sends stream parts to the page (batched). */
  emit(part: LlmStreamPart): void;
}

export interface PageMethodHandler<M extends PageMethod> {
  /** `granted`: only origins the user allowed; `any`: any http(s) page (permission calls). */
  trust: 'granted' | 'any';
  run(
    params: PageMethods[M]['params'],
    context: PageCallContext,
  ): Promise<PageMethods[M]['result']>;
}

/** Every method but `ping`, which the port answers itself. */
export type PageMethodHandlers = { [M in Exclude<PageMethod, 'ping'>]: PageMethodHandler<M> };

export interface PagePortOptions {
  /** The methods, asked for at the first call that needs one (a ping needs none). */
  handlers: () => PageMethodHandlers;
  /** Throws a NotAllowedError (or QuotaExceededError…) when the origin may not call. */
  assertGranted(origin: string): Promise<void>;
  /** Called with every open page port so events (permission changes) can reach pages. */
  onOpen?(origin: string, post: (message: BackgroundToPage) => void): () => void;
}

/**
 * The calling frame's origin as the browser reports it — any frame of a tab, each with its own
 * origin and grant; an about:blank frame has its creator's. Undefined for anything but an
 * http(s) origin: opaque ones (sandboxed frames, data: URLs) and file: pages are refused.
 */
export function senderOrigin(sender: Runtime.MessageSender | undefined): string | undefined {
  if (!sender || sender.id !== browser.runtime.id || !sender.tab) return undefined;
  const raw =
    (sender as { origin?: string }).origin ?? (sender.url ? new URL(sender.url).origin : undefined);
  if (!raw || raw === 'null') return undefined;
  try {
    const { protocol } = new URL(raw);
    return protocol === 'https:' || protocol === 'http:' ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** What a frame without an http(s) origin is told, call after call. */
const NO_ORIGIN_MESSAGE =
  'LLM Broker answers web pages with an http(s) origin only (not sandboxed frames, data: or file: pages).';

/** The id of anything shaped like a page message, to answer it; undefined for noise. */
function messageId(message: unknown): number | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { id } = message as { id?: unknown };
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
}

export function servePagePort(port: Runtime.Port, options: PagePortOptions): void {
  const origin = senderOrigin(port.sender);
  if (!origin) {
    // Answer, rather than drop the port: the page's calls end with a reason, not a hang.
    port.onMessage.addListener((message: unknown) => {
      const id = messageId(message);
      if (id !== undefined && (message as { kind?: unknown }).kind === 'call')
        port.postMessage({
          kind: 'error',
          id,
          error: { name: 'NotAllowedError', message: NO_ORIGIN_MESSAGE },
        });
    });
    return;
  }
  let connected = true;
  const calls = new Map<number, AbortController>();
  const post = (message: BackgroundToPage) => {
    if (connected) port.postMessage(message);
  };
  const stopEvents = options.onOpen?.(origin, post);

  port.onDisconnect.addListener(() => {
    connected = false;
    stopEvents?.();
    // The page went away (tab closed, navigation): stop everything it started, upstream too.
    for (const controller of calls.values()) controller.abort();
    calls.clear();
  });

  const refuse = (id: number, message: string) =>
    post({ kind: 'error', id, error: { name: 'TypeError', message } });

  port.onMessage.addListener((message: unknown) => {
    const id = messageId(message);
    if (id === undefined) return;
    const { kind, method, params, userActivation } = message as Record<string, unknown>;
    if (kind === 'abort') {
      calls.get(id)?.abort();
      return;
    }
    if (kind !== 'call' || typeof method !== 'string') {
      refuse(id, 'Invalid call: expected { kind: "call", id, method, params }.');
      return;
    }
    if (calls.has(id)) {
      refuse(id, `Invalid call: call ${id} is still running.`);
      return;
    }
    // The bridge's own liveness check answers at once, whatever else is still to start.
    if (method === 'ping') {
      post({ kind: 'result', id, value: 'pong' });
      return;
    }
    const handlers = options.handlers();
    // Own properties only: `constructor` or `toString` must not find Object.prototype's.
    const handler = Object.hasOwn(handlers, method)
      ? (handlers[method as keyof PageMethodHandlers] as PageMethodHandler<PageMethod>)
      : undefined;
    if (!handler) {
      refuse(id, `Unknown method: ${method.slice(0, 64)}.`);
      return;
    }
    const controller = new AbortController();
    calls.set(id, controller);
    void whileAlive(async () => {
      const answered = await runCall(
        id,
        handler,
        params,
        controller.signal,
        userActivation === true,
      );
      // A page that was answered may well ask again soon: find the worker started then.
      if (answered && ANSWERS.has(method)) lingerAfterAnswer();
    }).finally(() => calls.delete(id));
  });

  async function runCall(
    id: number,
    handler: PageMethodHandler<PageMethod>,
    params: unknown,
    signal: AbortSignal,
    userActivation: boolean,
  ): Promise<boolean> {
    let batch: LlmStreamPart[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (batch.length === 0) return;
      post({ kind: 'parts', id, parts: batch });
      batch = [];
    };
    let sentFirst = false;
    const emit = (part: LlmStreamPart) => {
      batch.push(part);
      // The first parts go at once (time to first token); the rest of a burst that a fast
      // stream parses in one go travels together when the worker next yields.
      if (!sentFirst && part.type === 'text-delta') {
        sentFirst = true;
        clearTimeout(flushTimer);
        flush();
        return;
      }
      flushTimer ??= setTimeout(flush, 0);
    };
    try {
      if (handler.trust === 'granted') await options.assertGranted(origin!);
      const value = await handler.run(params as never, {
        origin: origin!,
        signal,
        emit,
        userActivation,
      });
      clearTimeout(flushTimer);
      flush();
      post({ kind: 'result', id, value });
      return true;
    } catch (error) {
      clearTimeout(flushTimer);
      flush();
      if (!(error instanceof LlmError)) console.error('LLM Broker: call failed', error);
      post({ kind: 'error', id, error: toLlmErrorData(signal.aborted ? abortReason() : error) });
      return false;
    }
  }
}

/** The calls a model answers: after one, the worker stays up a while (keep-alive.ts). */
const ANSWERS: ReadonlySet<string> = new Set<PageMethod>(['generate', 'stream']);

function abortReason(): LlmError {
  return new LlmError({ name: 'AbortError', message: 'The request was aborted.' });
}
