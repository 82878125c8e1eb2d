/**
 * What provider files share besides the AI SDK: reading the account (address, key) and the
 * key check's one cheap GET, turned into a `KeyCheckResult` a person can act on.
 */
import { APICallError } from '@ai-sdk/provider';
import type { FetchFunction } from '@ai-sdk/provider-utils';
import {
  describeHttpFailure,
  describeNetworkFailure,
  isNetworkError,
  MissingKeyError,
} from './provider-errors';
import type { KeyCheckResult, ProviderAccount, ProviderDefinition } from './provider-types';

/** A key check gives up after this long: a person is waiting for it. */
export const KEY_CHECK_TIMEOUT_MS = 10_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The account's API address without trailing slashes, or the provider's documented one. */
export function apiBaseUrl(provider: ProviderDefinition, account: ProviderAccount): string {
  const configured = account.baseUrl?.trim();
  return (configured ? configured : provider.defaultBaseUrl).replace(/\/+$/, '');
}

/**
 * Local servers serve their OpenAI-compatible API under `/v1`; people often type only the
 * server's address (`localhost:11434`), so `http://` and `/v1` are added when missing.
 */
export function openAiCompatibleBaseUrl(
  provider: ProviderDefinition,
  account: ProviderAccount,
): string {
  const given = apiBaseUrl(provider, account);
  const base = /^https?:\/\//i.test(given) ? given : `http://${given}`;
  return /\/v\d+$/.test(base) ? base : `${base}/v1`;
}

/** The account's key; throws `MissingKeyError` when the provider needs one and none is set. */
export function requireApiKey(provider: ProviderDefinition, account: ProviderAccount): string {
  const key = account.apiKey?.trim();
  if (!key) throw new MissingKeyError(`No ${provider.name} API key is set.`);
  return key;
}

/** A listing's entries: `data` (OpenAI, Anthropic, Mistral, DeepSeek) or `models` (Gemini). */
export function listedModels(body: unknown): unknown[] {
  if (!isRecord(body)) return [];
  const list = body.data ?? body.models;
  return Array.isArray(list) ? list : [];
}

/** Model ids of an OpenAI-style listing (`{ data: [{ id }] }`). */
export function listedModelIds(body: unknown): string[] {
  return listedModels(body).flatMap((model) =>
    isRecord(model) && typeof model.id === 'string' ? [model.id] : [],
  );
}

/** "12 models available to this key." */
export function modelCountDetail(body: unknown): string {
  const count = listedModels(body).length;
  return `${count} model${count === 1 ? '' : 's'} available to this key.`;
}

export interface KeyCheckRequest {
  provider: ProviderDefinition;
  account: ProviderAccount;
  /** The cheapest authenticated GET the API has. */
  url: string;
  headers: Record<string, string>;
  fetch: FetchFunction | undefined;
  /** Says what a successful answer shows (e.g. how many models the key can use). */
  describeAnswer(body: unknown): string | undefined;
}

/**
 * Makes a key check's GET and reads it: a 2xx is a working key, a 429 too (the key was
 * accepted, the provider just wants a pause), anything else becomes an actionable message.
 */
export async function checkKeyWithGet(request: KeyCheckRequest): Promise<KeyCheckResult> {
  const { provider, account, url } = request;
  if (provider.requiresKey && !account.apiKey?.trim()) {
    const where = provider.keyUrl ? ` Get one at ${provider.keyUrl}.` : '';
    return { ok: false, message: `Enter your ${provider.name} API key first.${where}` };
  }
  const fetchFunction = request.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFunction(url, {
      headers: request.headers,
      signal: AbortSignal.timeout(KEY_CHECK_TIMEOUT_MS),
    });
  } catch (error) {
    if (isNetworkError(error)) {
      return { ok: false, message: describeNetworkFailure(provider, url, error).message };
    }
    // Not the network: most likely an address that is not a URL at all.
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `Could not call ${url}: ${reason}. Check the API address.` };
  }
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    const failure = describeHttpFailure(
      provider,
      { status: response.status, body, url },
      'key-check',
    );
    if (failure.kind === 'rate-limit') {
      return {
        ok: true,
        detail: `The key works, but ${provider.name} is rate-limiting it right now.`,
      };
    }
    return { ok: false, message: failure.message, status: response.status };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return {
      ok: false,
      message: `Something answered at ${url}, but not ${provider.name}'s API. Check the API address; the usual one is ${provider.defaultBaseUrl}.`,
    };
  }
  const detail = request.describeAnswer(body);
  return detail === undefined ? { ok: true } : { ok: true, detail };
}

/**
 * GET `{base}/models` of an OpenAI-compatible server and its model ids. Failures are thrown as
 * the errors the AI SDK would throw (an `APICallError` for an HTTP refusal), so
 * `describeProviderError` explains them like any other call.
 */
export async function fetchOpenAiModelIds(
  url: string,
  headers: Record<string, string>,
  fetch: FetchFunction | undefined,
): Promise<string[]> {
  const response = await (fetch ?? globalThis.fetch)(url, {
    headers,
    signal: AbortSignal.timeout(KEY_CHECK_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new APICallError({
      message: `GET ${url} answered ${response.status}`,
      url,
      requestBodyValues: undefined,
      statusCode: response.status,
      responseHeaders: Object.fromEntries(response.headers),
      responseBody: text,
      isRetryable: response.status === 429 || response.status >= 500,
    });
  }
  return listedModelIds(JSON.parse(text));
}
