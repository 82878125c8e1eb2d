/**
 * What a provider failure means, for the runtime (retry elsewhere? wait how long?) and for the
 * person (what to fix). Pure functions over what the AI SDK throws: `APICallError` for HTTP
 * refusals and, in Node, for connections that fail; a bare `TypeError('Failed to fetch')` in a
 * service worker; parse and validation errors for broken answers; plain objects or strings for
 * error events inside a stream. Class names are minified in bundles, so errors are recognized
 * with `isInstance` and by `name`, never by `constructor.name`.
 */
import {
  APICallError,
  EmptyResponseBodyError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  TypeValidationError,
} from '@ai-sdk/provider';
import type {
  HttpFailure,
  ProviderDefinition,
  ProviderErrorDescription,
  ProviderErrorKind,
} from './provider-types';

/** Thrown when a provider that needs a key is used without one. */
export class MissingKeyError extends Error {
  override readonly name = 'MissingKeyError';
}

/** Upstream messages are quoted up to this length; longer ones are cut. */
const MAX_QUOTED_LENGTH = 300;
/** How deep `cause` / `lastError` chains are followed. */
const MAX_CAUSE_DEPTH = 4;

/** Details that mean a connection was made, then lost (as opposed to never made). */
const BROKEN_CONNECTION = new Set(['connection reset', 'connection aborted', 'connection closed']);

/** Node's socket error codes (and undici's) that mean the connection failed or broke. */
const NETWORK_ERROR_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for headers',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the answer',
};

/**
 * Messages of the `TypeError` a fetch throws when the network fails: Chrome ('Failed to fetch',
 * 'network error' mid-body), Node/undici ('fetch failed', 'terminated' mid-body), Safari
 * ('Load failed') and Firefox.
 */
const NETWORK_ERROR_MESSAGES =
  /^(failed to fetch|fetch failed|network ?error|terminated|load failed|networkerror when attempting to fetch resource\.?)$/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A property of anything thrown (errors, DOMExceptions, plain objects), if it is an object. */
function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function nameOf(error: unknown): string | undefined {
  const name = fieldOf(error, 'name');
  return typeof name === 'string' ? name : undefined;
}

function messageOf(error: unknown): string {
  if (typeof error === 'string') return error;
  const message = fieldOf(error, 'message');
  return typeof message === 'string' && message !== '' ? message : String(error);
}

function quoted(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return trimmed.length > MAX_QUOTED_LENGTH
    ? `${trimmed.slice(0, MAX_QUOTED_LENGTH - 1)}…`
    : trimmed;
}

/** An address without its protocol, the way people read it: `platform.openai.com/api-keys`. */
function readableUrl(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

/** `http://127.0.0.1:11434` from a full URL; the URL itself when it does not parse. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The `APICallError` in an error or its causes (the AI SDK's `RetryError` keeps it in `lastError`). */
export function findApiCallError(error: unknown): APICallError | undefined {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== undefined; depth += 1) {
    if (APICallError.isInstance(current)) return current;
    current = fieldOf(current, 'lastError') ?? fieldOf(current, 'cause');
  }
  return undefined;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}

/**
 * A `Retry-After` value in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when it is neither.
 */
export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait a response's headers ask for: `retry-after-ms` (OpenAI), then `retry-after`. */
export function retryAfterFromHeaders(
  headers: Record<string, string>,
  now: number = Date.now(),
): number | undefined {
  const milliseconds = headerValue(headers, 'retry-after-ms');
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds.trim())) {
    return Number(milliseconds.trim());
  }
  const retryAfter = headerValue(headers, 'retry-after');
  return retryAfter === undefined ? undefined : parseRetryAfter(retryAfter, now);
}

/** A protobuf JSON Duration (`"17s"`, `"0.5s"`) in milliseconds. */
function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Number(match[1]) * 1000 : undefined;
}

/**
 * Gemini sends no `Retry-After` header: a 429's body carries a `google.rpc.RetryInfo` detail
 * with `retryDelay: "17s"` (https://ai.google.dev/gemini-api/docs/rate-limits).
 */
export function retryDelayFromBody(body: string | undefined): number | undefined {
  if (!body) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  // Some Google endpoints wrap the error object in an array.
  const root = Array.isArray(parsed) ? parsed[0] : parsed;
  const details = isRecord(root) && isRecord(root.error) ? root.error.details : undefined;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const delay = isRecord(detail) ? parseDuration(detail.retryDelay) : undefined;
    if (delay !== undefined) return delay;
  }
  return undefined;
}

/**
 * How long the provider asked to be left alone after a failure, in milliseconds: from the
 * `retry-after-ms` / `retry-after` header (seconds or HTTP date) of an `APICallError`, or from
 * Gemini's `retryDelay` in the body. Undefined when the provider did not say.
 */
export function retryAfterMs(error: unknown, now: number = Date.now()): number | undefined {
  const callError = findApiCallError(error);
  if (!callError) return undefined;
  return (
    retryAfterFromHeaders(callError.responseHeaders ?? {}, now) ??
    retryDelayFromBody(callError.responseBody)
  );
}

/**
 * The provider's own explanation in an error body: `error.message` (OpenAI, Anthropic, Gemini,
 * DeepSeek, OpenRouter), `message` (Mistral), `error` or `detail` as a string (local servers).
 */
export function upstreamMessage(body: string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // An HTML error page says nothing a person can use.
    return text.startsWith('<') ? undefined : quoted(text);
  }
  const root = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!isRecord(root)) return undefined;
  const candidates = [
    isRecord(root.error) ? root.error.message : root.error,
    root.message,
    root.detail,
  ];
  const found = candidates.find((value) => typeof value === 'string' && value.trim() !== '');
  return typeof found === 'string' ? quoted(found) : undefined;
}

/** Why a connection failed, in a few words, from Node's error codes or the error's message. */
function networkDetail(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== undefined; depth += 1) {
    const code = fieldOf(current, 'code');
    if (typeof code === 'string' && NETWORK_ERROR_CODES[code]) return NETWORK_ERROR_CODES[code];
    current = fieldOf(current, 'cause');
  }
  return undefined;
}

/** True for the ways a fetch fails when the network does (see `NETWORK_ERROR_MESSAGES`). */
export function isNetworkError(error: unknown): boolean {
  if (networkDetail(error) !== undefined) return true;
  const name = nameOf(error);
  if (name === 'TimeoutError') return true;
  return name === 'TypeError' && NETWORK_ERROR_MESSAGES.test(messageOf(error).trim());
}

function isMalformedAnswer(error: unknown): boolean {
  return (
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    EmptyResponseBodyError.isInstance(error)
  );
}

/** Nothing answered, or the connection broke. */
export function describeNetworkFailure(
  provider: ProviderDefinition,
  url: string | undefined,
  error: unknown,
): ProviderErrorDescription {
  const where = url === undefined ? '' : ` at ${originOf(url)}`;
  if (nameOf(error) === 'TimeoutError') {
    return {
      kind: 'network',
      message: `${provider.name} did not answer in time${where}.`,
      retryable: true,
    };
  }
  const detail = networkDetail(error);
  if (detail !== undefined && BROKEN_CONNECTION.has(detail)) {
    return {
      kind: 'network',
      message: `The connection to ${provider.name}${where} broke (${detail}).`,
      retryable: true,
    };
  }
  const hint =
    provider.unreachableHint ??
    (provider.privacy.location === 'local'
      ? `Is ${provider.name} running at that address?`
      : 'Check the internet connection and the API address.');
  return {
    kind: 'network',
    message: `Could not reach ${provider.name}${where}${detail ? ` (${detail})` : ''}. ${hint}`,
    retryable: true,
  };
}

function description(
  kind: ProviderErrorKind,
  message: string,
  status: number,
  retryable: boolean,
): ProviderErrorDescription {
  return { kind, message, status, retryable };
}

/** Where to fix a key: the provider's key page, or the server for keyless local providers. */
function keyAdvice(provider: ProviderDefinition): string {
  return provider.keyUrl
    ? `Check that you copied the whole key from ${readableUrl(provider.keyUrl)}, or create a new one.`
    : 'Enter the API key the server was started with.';
}

/**
 * An HTTP refusal in words a person can act on. `during` tells a key check (which calls a
 * listing endpoint, so a 404 means a wrong address) from a generation request (where a 404
 * means an unknown model).
 */
export function describeHttpFailure(
  provider: ProviderDefinition,
  failure: HttpFailure,
  during: 'key-check' | 'request',
  retryAfter?: number,
): ProviderErrorDescription {
  const special = provider.explainFailure?.(failure);
  if (special) return special;
  const { name } = provider;
  const { status } = failure;
  const upstream = upstreamMessage(failure.body);
  const saying = upstream ? `: ${upstream}` : '';
  const keyPage = provider.keyUrl ? readableUrl(provider.keyUrl) : 'your account';
  if (status === 401) {
    const message = provider.requiresKey
      ? `${name} rejected this key (401). ${keyAdvice(provider)}`
      : `${name} at ${originOf(failure.url)} asks for an API key (401). ${keyAdvice(provider)}`;
    return description('key', message, status, false);
  }
  if (status === 402) {
    const message = `${name} says the account has no credit left (402)${saying}. Add credit at ${keyPage}.`;
    return description('billing', message, status, false);
  }
  if (status === 403) {
    const message = `${name} refused this key (403)${saying}. Check what the key may use at ${keyPage}.`;
    return description('forbidden', message, status, false);
  }
  if (status === 404) {
    const message =
      during === 'key-check'
        ? `No ${name} API answered at ${readableUrl(failure.url)} (404). Check the API address; the usual one is ${provider.defaultBaseUrl}.`
        : `${name} does not know this model or endpoint (404)${saying}. The model may be retired or not enabled for this key.`;
    return description('not-found', message, status, false);
  }
  if (status === 408) {
    return description('network', `${name} timed out (408).`, status, true);
  }
  if (status === 429) {
    // OpenAI answers an exhausted balance with 429 too; waiting does not help.
    if (/insufficient_quota/.test(failure.body)) {
      const message = `${name} says this account is out of quota (429)${saying}. Add credit or raise the limit at ${keyPage}.`;
      return description('billing', message, status, false);
    }
    const wait =
      retryAfter === undefined ? '' : `; it asks to wait ${Math.ceil(retryAfter / 1000)} s`;
    return description(
      'rate-limit',
      `${name} is rate-limiting this key (429)${wait}.`,
      status,
      true,
    );
  }
  if (status >= 500) {
    const what = status === 503 || status === 529 ? 'is overloaded' : 'had a server error';
    return description('server', `${name} ${what} (${status})${saying}.`, status, true);
  }
  if (status === 400 || status === 413 || status === 422) {
    return description(
      'bad-request',
      `${name} refused the request (${status})${saying}.`,
      status,
      false,
    );
  }
  return description('unknown', `${name} answered ${status}${saying}.`, status, status >= 500);
}

/** An error event inside a stream: a plain object (`{ type, message }`) or a string. */
function describeStreamError(
  provider: ProviderDefinition,
  error: unknown,
): ProviderErrorDescription {
  const message = messageOf(error);
  const type = `${String(fieldOf(error, 'type') ?? '')} ${String(fieldOf(error, 'code') ?? '')}`;
  if (/rate_limit|RESOURCE_EXHAUSTED/i.test(`${type} ${message}`)) {
    return {
      kind: 'rate-limit',
      message: `${provider.name} is rate-limiting this key: ${quoted(message)}`,
      retryable: true,
    };
  }
  return {
    kind: 'server',
    message: `${provider.name} reported an error during the answer: ${quoted(message)}`,
    retryable: true,
  };
}

/**
 * Any error a provider call threw or streamed, classified: 429, 5xx, network failures and
 * unreadable answers are retryable (try the next model; this one may work again later); 400,
 * 401, 402, 403 and 404 are configuration problems with a message that says what to fix.
 */
export function describeProviderError(
  provider: ProviderDefinition,
  error: unknown,
): ProviderErrorDescription {
  const name = nameOf(error);
  if (name === 'AbortError' || name === 'ResponseAborted') {
    return { kind: 'aborted', message: 'The request was aborted.', retryable: false };
  }
  if (name === 'MissingKeyError' || LoadAPIKeyError.isInstance(error)) {
    const where = provider.keyUrl ? ` Get one at ${readableUrl(provider.keyUrl)}.` : '';
    return {
      kind: 'key',
      message: `No ${provider.name} API key is set.${where}`,
      retryable: false,
    };
  }
  const callError = findApiCallError(error);
  const status = callError?.statusCode;
  if (callError && status !== undefined && status >= 300) {
    const failure = { status, body: callError.responseBody ?? '', url: callError.url };
    return describeHttpFailure(provider, failure, 'request', retryAfterMs(callError));
  }
  // Without a status nothing answered; with a 2xx, the body broke off (a reset mid-stream
  // surfaces as "Failed to process successful response" caused by the network error).
  if (callError && (status === undefined || isNetworkError(callError.cause))) {
    return describeNetworkFailure(provider, callError.url, callError.cause ?? callError);
  }
  if (isNetworkError(error)) return describeNetworkFailure(provider, undefined, error);
  if (callError || isMalformedAnswer(error)) {
    return {
      kind: 'malformed',
      message: `${provider.name} sent an answer that could not be read (${quoted(messageOf(error))}).`,
      retryable: true,
    };
  }
  if (typeof error === 'string' || (isRecord(error) && !(error instanceof Error))) {
    return describeStreamError(provider, error);
  }
  return {
    kind: 'unknown',
    message: `${provider.name} failed: ${quoted(messageOf(error))}`,
    retryable: true,
  };
}
