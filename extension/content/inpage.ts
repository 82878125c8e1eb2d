/**
 * `window.llm` — runs in the page's own JavaScript world at document_start (MAIN world, built as
 * a self-contained script). It holds no secrets and trusts nothing: it shapes calls, hands them
 * to the relay over a private MessageChannel port, and turns answers back into promises,
 * async iterables, DOMExceptions and events. Kept small: it loads on every page.
 */

import type { LlmBrokerApi, LlmStream, PageRequest } from '../../src/protocol/llm-broker-api';
import type { LlmErrorData } from '../../src/protocol/llm-errors';
import type { PermissionState } from '../../src/protocol/llm-permission';
import type { LlmRequest } from '../../src/protocol/llm-request';
import type {
  LlmResult,
  LlmStreamPart,
  ModelInfo,
  RouteDecision,
} from '../../src/protocol/llm-result';
import { plainDataCopy } from '../../src/protocol/plain-data';
import {
  type BackgroundToPage,
  HANDSHAKE,
  type PageMethod,
  type PageMethods,
  type PageToBackground,
  type RelayAck,
} from '../messaging/page-channel';
import { detachedFrameError, installLanguageModel } from './language-model';

if (__BENCH_MARKS__) performance.mark('llm-broker:inpage:start');

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onParts?(parts: LlmStreamPart[]): void;
}

function toError(data: LlmErrorData): Error {
  const error =
    data.name === 'TypeError'
      ? new TypeError(data.message)
      : new DOMException(data.message, data.name);
  if (data.ruledOut)
    Object.defineProperty(error, 'ruledOut', { value: data.ruledOut, enumerable: true });
  if (data.attempts)
    Object.defineProperty(error, 'attempts', { value: data.attempts, enumerable: true });
  return error;
}

function abortError(): DOMException {
  return new DOMException('The request was aborted.', 'AbortError');
}

/** The relay connection: a MessageChannel port handed over once, with calls queued until then. */
class RelayConnection {
  private port: MessagePort | undefined;
  private acknowledged = false;
  private readonly outbox: PageToBackground[] = [];

  constructor(private readonly onMessage: (message: BackgroundToPage) => void) {
    // If the relay started listening after we spoke, it says so and we hand it a port again.
    window.addEventListener('message', (event) => {
      if (
        event.source === window &&
        event.data?.type === HANDSHAKE.relayReady &&
        !this.acknowledged
      ) {
        this.connect();
      }
    });
    this.connect();
  }

  send(message: PageToBackground): void {
    if (this.acknowledged && this.port) this.port.postMessage(message);
    else this.outbox.push(message);
  }

  private connect(): void {
    this.port?.close();
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.acknowledged = false;
    this.port.onmessage = (event: MessageEvent<BackgroundToPage | RelayAck>) => {
      const message = event.data;
      if (message.kind === 'ack') {
        this.acknowledged = true;
        for (const queued of this.outbox.splice(0)) this.port?.postMessage(queued);
      } else {
        this.onMessage(message);
      }
    };
    // Dispatched, not posted: the relay (which runs first) receives the port synchronously, at
    // document_start, before any page script could listen for it and take it.
    window.dispatchEvent(
      new MessageEvent('message', {
        data: { type: HANDSHAKE.connect },
        source: window,
        ports: [channel.port2],
      }),
    );
  }
}

/** A request's `signal`: an AbortSignal or nothing; anything else is the page's mistake. */
function signalOf(request: PageRequest | undefined): AbortSignal | undefined {
  let signal: unknown;
  try {
    signal = request?.signal;
  } catch (error) {
    throw new TypeError(
      `Invalid request: \`signal\` could not be read (${(error as Error)?.message}).`,
    );
  }
  if (signal === undefined || signal === null) return undefined;
  if (!(signal instanceof AbortSignal))
    throw new TypeError('Invalid request: `signal` must be an AbortSignal.');
  return signal;
}

/** Copies a page's request into plain data, leaving the AbortSignal on this side. */
function toWireRequest(request: PageRequest): LlmRequest {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new TypeError('Invalid request: expected an object such as { prompt: "…" }.');
  }
  let _signal: unknown;
  signalOf(request);
  let rest: Omit<PageRequest, 'signal'>;
  try {
    ({ signal: _signal, ...rest } = request);
  } catch (error) {
    // A proxy or getter of the page's threw while the request was read.
    throw new TypeError(`Invalid request: it could not be read (${(error as Error)?.message}).`);
  }
  // Plain data within the limits, copied: one bad value fails this call alone, here, with a
  // TypeError naming it — before anything is posted.
  return plainDataCopy(rest, 'request') as LlmRequest;
}

class LlmBroker extends EventTarget implements LlmBrokerApi {
  readonly #pending = new Map<number, PendingCall>();
  readonly #relay = new RelayConnection((message) => this.#receive(message));
  #nextId = 1;

  /** Whether this site may use the broker, and its budget. */
  getPermission(): Promise<PermissionState> {
    return this.#call('getPermission', null);
  }

  /** Asks the user, in an extension window naming this site, to let it use the broker. */
  requestPermission(): Promise<PermissionState> {
    return this.#call('requestPermission', null);
  }

  /** Gives up this site's access. */
  revokePermission(): Promise<PermissionState> {
    return this.#call('revokePermission', null);
  }

  /** Answers a request with the best model the user allows; resolves with the whole answer. */
  generate(request: PageRequest): Promise<LlmResult> {
    try {
      return this.#call('generate', toWireRequest(request), signalOf(request));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Streams the answer: `for await (const part of llm.stream(req))`, then `await stream.result`. */
  stream(request: PageRequest): LlmStream {
    const queue: LlmStreamPart[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: Error | undefined;
    const controller = new AbortController();
    let result: Promise<LlmResult>;
    try {
      const own = signalOf(request);
      const signal = own ? AbortSignal.any([own, controller.signal]) : controller.signal;
      result = this.#call('stream', toWireRequest(request), signal, (parts) => {
        queue.push(...parts);
        wake?.();
      });
    } catch (error) {
      result = Promise.reject(error);
    }
    const settle = () => {
      finished = true;
      wake?.();
    };
    result.then(settle, (error: Error) => {
      failure = error;
      settle();
    });

    return {
      result,
      async *[Symbol.asyncIterator]() {
        try {
          while (true) {
            if (queue.length > 0) {
              yield* queue.splice(0);
            } else if (failure) {
              throw failure;
            } else if (finished) {
              return;
            } else {
              await new Promise<void>((resolve) => {
                wake = resolve;
              });
              wake = undefined;
            }
          }
        } finally {
          // Leaving the loop early (break, throw) cancels the upstream request: nothing is
          // generated, or paid for, that nobody reads.
          if (!finished) controller.abort();
        }
      },
    };
  }

  route(request: LlmRequest): Promise<RouteDecision> {
    try {
      return this.#call('route', toWireRequest(request));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  models(): Promise<ModelInfo[]> {
    return this.#call('models', null);
  }

  countTokens(request: LlmRequest): Promise<number> {
    try {
      return this.#call('countTokens', toWireRequest(request));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async feedback(requestId: string, score: number): Promise<void> {
    await this.#call('feedback', plainDataCopy({ requestId, score }, 'feedback') as never);
  }

  /** A no-op round trip through the whole bridge (used by benchmarks and health checks). */
  ping(): Promise<'pong'> {
    return this.#call('ping', null);
  }

  #call<M extends PageMethod>(
    method: M,
    params: PageMethods[M]['params'],
    signal?: AbortSignal,
    onParts?: (parts: LlmStreamPart[]) => void,
  ): Promise<PageMethods[M]['result']> {
    if (signal?.aborted) return Promise.reject(abortError());
    // A frame taken out of its document has no relay left to answer: say so rather than hang.
    const detached = detachedFrameError();
    if (detached) return Promise.reject(detached);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.#pending.delete(id)) return;
        this.#relay.send({ kind: 'abort', id });
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.#pending.set(id, {
        resolve: (value) => {
          done();
          resolve(value as PageMethods[M]['result']);
        },
        reject: (error) => {
          done();
          reject(error);
        },
        onParts,
      });
      this.#relay.send({ kind: 'call', id, method, params } as PageToBackground);
    });
  }

  #receive(message: BackgroundToPage): void {
    if (message.kind === 'event') {
      this.dispatchEvent(new CustomEvent(message.event, { detail: message.detail }));
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    if (message.kind === 'parts') {
      pending.onParts?.(message.parts);
      return;
    }
    this.#pending.delete(message.id);
    if (message.kind === 'result') pending.resolve(message.value);
    else pending.reject(toError(message.error));
  }
}

/** EIP-6963-style discovery, so several brokers can coexist on one page. */
const PROVIDER_INFO = Object.freeze({
  uuid: crypto.randomUUID(),
  name: 'LLM Broker',
  rdns: 'dev.llm-broker',
  icon: `data:image/svg+xml,${encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4f46e5"/><g stroke="#fff" stroke-width="2.4" fill="#fff"><path d="M9 16 24 8M9 16h15M9 16l15 8"/><circle cx="9" cy="16" r="3.4"/><circle cx="24" cy="8" r="2.6"/><circle cx="24" cy="16" r="2.6"/><circle cx="24" cy="24" r="2.6"/></g></svg>',
  )}`,
});

function install(): void {
  const broker = new LlmBroker();
  const announce = () =>
    window.dispatchEvent(
      new CustomEvent('llm:announceProvider', {
        detail: Object.freeze({ info: PROVIDER_INFO, provider: broker }),
      }),
    );
  window.addEventListener('llm:requestProvider', announce);
  announce();
  // The convenience alias, protected from being replaced or deleted; another broker that got
  // here first keeps it (both stay reachable through discovery).
  if (!('llm' in window)) {
    Object.defineProperty(window, 'llm', { value: broker, enumerable: true });
  }
  // The W3C Prompt API over the same broker, only where the browser has none of its own.
  installLanguageModel(broker);
}

install();
if (__BENCH_MARKS__) performance.mark('llm-broker:inpage:end');
