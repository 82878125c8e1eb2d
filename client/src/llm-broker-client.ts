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
import type {
  LlmBrokerApi,
  LlmProviderDetail,
  LlmStream,
  PageRequest,
} from '../../src/protocol/llm-broker-api';
import type { LlmErrorName } from '../../src/protocol/llm-errors';
import type { PermissionState } from '../../src/protocol/llm-permission';
import type { LlmRequest, Message } from '../../src/protocol/llm-request';
import type {
  LlmResult,
  LlmStreamPart,
  ModelInfo,
  RouteDecision,
} from '../../src/protocol/llm-result';

export type * from '../../src/protocol/llm-broker-api';
export type * from '../../src/protocol/llm-errors';
export type * from '../../src/protocol/llm-permission';
export type * from '../../src/protocol/llm-request';
export type * from '../../src/protocol/llm-result';

/** LLM Broker's reverse-DNS name in discovery announcements. */
export const LLM_BROKER_RDNS = 'dev.llm-broker';

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
export function listBrokers(options: { timeoutMs?: number } = {}): Promise<LlmProviderDetail[]> {
  const found: LlmProviderDetail[] = [];
  return new Promise((resolve) => {
    const onAnnounce = (event: Event) => {
      const detail = (event as CustomEvent<LlmProviderDetail>).detail;
      if (isAnnouncement(detail) && !found.some((known) => known.info.uuid === detail.info.uuid))
        found.push(detail);
    };
    window.addEventListener('llm:announceProvider', onAnnounce);
    window.dispatchEvent(new Event('llm:requestProvider'));
    setTimeout(() => {
      window.removeEventListener('llm:announceProvider', onAnnounce);
      resolve(found);
    }, options.timeoutMs ?? 1_000);
  });
}

/**
 * The broker the person installed, or null when none answers within `timeoutMs`. With `rdns`,
 * that broker only; otherwise the first to announce itself (LLM Broker also sets `window.llm`).
 * Resolves as soon as a matching broker announces itself.
 */
export function getLlm(options: DiscoveryOptions = {}): Promise<LlmBrokerApi | null> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (broker: LlmBrokerApi | null) => {
      clearTimeout(timer);
      window.removeEventListener('llm:announceProvider', onAnnounce);
      resolve(broker);
    };
    const onAnnounce = (event: Event) => {
      const detail = (event as CustomEvent<LlmProviderDetail>).detail;
      if (!isAnnouncement(detail)) return;
      if (options.rdns === undefined || detail.info.rdns === options.rdns) done(detail.provider);
    };
    window.addEventListener('llm:announceProvider', onAnnounce);
    timer = setTimeout(() => done(null), options.timeoutMs ?? 1_000);
    window.dispatchEvent(new Event('llm:requestProvider'));
  });
}

function isAnnouncement(detail: unknown): detail is LlmProviderDetail {
  const candidate = detail as Partial<LlmProviderDetail> | null;
  return (
    typeof candidate?.info?.rdns === 'string' &&
    typeof candidate.info.uuid === 'string' &&
    typeof candidate.provider?.generate === 'function'
  );
}

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
export const DEFAULT_FALLBACK_ON: readonly LlmErrorName[] = [
  'NotAllowedError',
  'NotSupportedError',
  'InvalidStateError',
];

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
export async function createLlmClient(options: LlmClientOptions = {}): Promise<LlmClient> {
  const broker = await getLlm(options);
  return llmClient(broker, options);
}

/** An `LlmClient` over a broker you already have (or null). */
export function llmClient(
  broker: LlmBrokerApi | null,
  options: Pick<LlmClientOptions, 'fallback' | 'fallbackOn'> = {},
): LlmClient {
  const fallbackOn = options.fallbackOn ?? DEFAULT_FALLBACK_ON;
  const fallback = options.fallback;
  const canFallBack = (error: unknown) =>
    fallback !== undefined &&
    error instanceof Error &&
    (fallbackOn as readonly string[]).includes(error.name);
  const notGranted = (): PermissionState => ({ origin: location.origin, granted: false });

  return {
    broker,
    async generate(request) {
      if (!broker) return generateWith(requireFallback(fallback), request);
      try {
        return await broker.generate(request);
      } catch (error) {
        if (!canFallBack(error)) throw error;
        return generateWith(fallback!, request);
      }
    },
    stream(request) {
      if (!broker) return streamWith(requireFallback(fallback), request);
      // The broker refuses before it streams anything (no grant, no model): then the fallback
      // streams instead, in the same parts. A failure later is the broker's to report.
      return relay(async function* (signal) {
        const stream = broker.stream(withSignal(request, signal));
        const parts = stream[Symbol.asyncIterator]();
        let first: IteratorResult<LlmStreamPart>;
        try {
          first = await parts.next();
        } catch (error) {
          if (!canFallBack(error)) throw error;
          return yield* fallbackParts(fallback!, request, signal);
        }
        let next = first;
        while (!next.done) {
          yield next.value;
          next = await parts.next();
        }
        return stream.result;
      });
    },
    getPermission: () => (broker ? broker.getPermission() : Promise.resolve(notGranted())),
    requestPermission: () => (broker ? broker.requestPermission() : Promise.resolve(notGranted())),
    models: () => (broker ? broker.models() : Promise.resolve([])),
    route: (request) =>
      broker
        ? broker.route(request)
        : Promise.reject(new DOMException('No LLM broker is installed.', 'NotSupportedError')),
  };
}

function requireFallback(fallback: FallbackEndpoint | undefined): FallbackEndpoint {
  if (fallback) return fallback;
  throw new DOMException(
    'No LLM broker is installed, and no fallback endpoint is configured.',
    'NotSupportedError',
  );
}

/** A request with `signal` joined to its own, if it has one. */
function withSignal(request: PageRequest, signal: AbortSignal): PageRequest {
  return {
    ...request,
    signal: request.signal ? AbortSignal.any([request.signal, signal]) : signal,
  };
}

/**
 * An LlmStream over a generator of parts that returns the result. It runs at once, as
 * `window.llm.stream()` does, so `await stream.result` works without iterating; leaving the
 * loop early (break, throw) aborts it.
 */
function relay(
  produce: (signal: AbortSignal) => AsyncGenerator<LlmStreamPart, LlmResult | Promise<LlmResult>>,
): LlmStream {
  const controller = new AbortController();
  const queue: LlmStreamPart[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  const result = (async () => {
    try {
      const parts = produce(controller.signal);
      while (true) {
        const next = await parts.next();
        if (next.done) return await next.value;
        queue.push(next.value);
        wake?.();
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      finished = true;
      wake?.();
    }
  })();
  // A page that only iterates must not see an unhandled rejection.
  result.catch(() => {});
  return {
    result,
    async *[Symbol.asyncIterator]() {
      try {
        while (true) {
          if (queue.length > 0) yield* queue.splice(0);
          else if (failure !== undefined) throw failure;
          else if (finished) return;
          else
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
        }
      } finally {
        if (!finished) controller.abort();
      }
    },
  };
}

// --- The fallback: an OpenAI-compatible chat completions endpoint, called from the page. ----

function messagesOf(request: LlmRequest): Array<{ role: string; content: string }> {
  const text = (content: Message['content']) =>
    typeof content === 'string'
      ? content
      : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  const messages: Array<{ role: string; content: string }> = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  if (request.prompt !== undefined) messages.push({ role: 'user', content: request.prompt });
  for (const message of request.messages ?? [])
    messages.push({ role: message.role, content: text(message.content) });
  return messages;
}

function bodyOf(endpoint: FallbackEndpoint, request: LlmRequest, stream: boolean) {
  return JSON.stringify({
    model: endpoint.model,
    messages: messagesOf(request),
    stream,
    ...(stream && { stream_options: { include_usage: true } }),
    ...(request.maxOutputTokens !== undefined && { max_tokens: request.maxOutputTokens }),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.stop && { stop: request.stop }),
    ...(request.responseFormat && {
      response_format: request.responseFormat.schema
        ? {
            type: 'json_schema',
            json_schema: { name: 'response', schema: request.responseFormat.schema },
          }
        : { type: 'json_object' },
    }),
  });
}

async function post(
  endpoint: FallbackEndpoint,
  request: PageRequest,
  stream: boolean,
): Promise<Response> {
  const call = endpoint.fetch ?? fetch;
  let response: Response;
  try {
    response = await call(`${endpoint.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(endpoint.apiKey && { authorization: `Bearer ${endpoint.apiKey}` }),
        ...endpoint.headers,
      },
      body: bodyOf(endpoint, request, stream),
      ...(request.signal && { signal: request.signal }),
    });
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error;
    throw new DOMException(`The fallback endpoint could not be reached: ${error}`, 'NetworkError');
  }
  if (!response.ok) {
    throw new DOMException(
      `The fallback endpoint answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
      'NetworkError',
    );
  }
  return response;
}

const FINISH_REASONS: Record<string, LlmResult['finishReason']> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
};

interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

function resultOf(
  endpoint: FallbackEndpoint,
  requestId: string,
  text: string,
  usage: ChatUsage | undefined,
  finish: string | undefined,
  startedAt: number,
): LlmResult {
  return {
    requestId,
    text,
    // The site's own model: no broker, no cost to the person.
    model: { provider: 'site', id: endpoint.model, location: 'cloud' },
    usage: { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 },
    costUsd: 0,
    latencyMs: performance.now() - startedAt,
    attempts: [],
    finishReason: FINISH_REASONS[finish ?? ''] ?? (finish ? 'other' : 'stop'),
  };
}

async function generateWith(endpoint: FallbackEndpoint, request: PageRequest): Promise<LlmResult> {
  const startedAt = performance.now();
  const response = await post(endpoint, request, false);
  const body = (await response.json()) as {
    choices?: Array<{ message?: { content?: string | null }; finish_reason?: string }>;
    usage?: ChatUsage;
  };
  const choice = body.choices?.[0];
  return resultOf(
    endpoint,
    crypto.randomUUID(),
    choice?.message?.content ?? '',
    body.usage,
    choice?.finish_reason,
    startedAt,
  );
}

function streamWith(endpoint: FallbackEndpoint, request: PageRequest): LlmStream {
  return relay((signal) => fallbackParts(endpoint, request, signal));
}

/** The fallback's answer as stream parts (start, text-delta…, finish); returns the result. */
async function* fallbackParts(
  endpoint: FallbackEndpoint,
  request: PageRequest,
  signal: AbortSignal,
): AsyncGenerator<LlmStreamPart, LlmResult> {
  const startedAt = performance.now();
  const requestId = crypto.randomUUID();
  const response = await post(endpoint, withSignal(request, signal), true);
  yield {
    type: 'start',
    requestId,
    model: { provider: 'site', id: endpoint.model, location: 'cloud' },
  };
  let text = '';
  let usage: ChatUsage | undefined;
  let finish: string | undefined;
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      // Server-sent events end with a blank line; one may arrive over several reads.
      let end = buffer.search(/\r?\n\r?\n/);
      while (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        end = buffer.search(/\r?\n\r?\n/);
        const data = event
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (data === '' || data === '[DONE]') continue;
        const chunk = JSON.parse(data) as {
          choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
          usage?: ChatUsage | null;
        };
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices?.[0];
        if (choice?.finish_reason) finish = choice.finish_reason;
        const delta = choice?.delta?.content;
        if (delta) {
          text += delta;
          yield { type: 'text-delta', delta };
        }
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const result = resultOf(endpoint, requestId, text, usage, finish, startedAt);
  yield { type: 'finish', result };
  return result;
}
