/**
 * A provider is one short file (docs/architecture.md §8): how to build a model client from the
 * user's account, the facts the router needs, and a key check. The wire format is the AI SDK
 * provider package's job, not ours.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { ModelLocation } from '../protocol/llm-result';

/** What the user configured for one provider (the key is decrypted only in the background). */
export interface ProviderAccount {
  provider: string;
  apiKey?: string;
  /** Overrides the provider's API base URL (local servers, gateways, proxies). */
  baseUrl?: string;
}

/** What a provider does with prompts, as its published terms say. */
export interface ProviderPrivacy {
  /** Where its models run: the user's machine, the provider's cloud, or a gateway to others. */
  location: ModelLocation;
  /** Whether prompts sent with a user's key may be used for training by default. */
  trainsOnPrompts: boolean;
  /** The terms (or fact) `trainsOnPrompts` comes from. */
  source: string;
}

/** The answer of a key check, ready to show next to the key field. */
export type KeyCheckResult =
  | {
      ok: true;
      /** What the check learned, e.g. how many models the key can use. */
      detail?: string;
    }
  | {
      ok: false;
      /** What went wrong and what the person can do about it. */
      message: string;
      /** HTTP status of the refusal, when the provider answered. */
      status?: number;
    };

/** What kind of failure a provider call met; the runtime picks its reaction by kind. */
export type ProviderErrorKind =
  /** 429: slow down; `retryAfterMs` says for how long when the provider says. */
  | 'rate-limit'
  /** 5xx, overload, or an error event inside the stream. */
  | 'server'
  /** Nothing answered, the connection broke, or it timed out. */
  | 'network'
  /** The response could not be read (broken JSON, unexpected shape, cut short). */
  | 'malformed'
  /** The key is missing, wrong or revoked (401, Gemini's API_KEY_INVALID). */
  | 'key'
  /** The key is fine but may not do this (403), or a local server refuses the extension. */
  | 'forbidden'
  /** The account is out of credit or quota (402, OpenAI's `insufficient_quota`). */
  | 'billing'
  /** The model or API address does not exist (404). */
  | 'not-found'
  /** The provider refused this request as malformed or too large (400, 413, 422). */
  | 'bad-request'
  /** The caller aborted. */
  | 'aborted'
  | 'unknown';

/** A provider failure, in words a person can act on. */
export interface ProviderErrorDescription {
  kind: ProviderErrorKind;
  message: string;
  /** HTTP status, when the provider answered with one. */
  status?: number;
  /**
   * True for transient failures (rate limits, 5xx, network, malformed responses): the next model
   * may answer, and this one may again later. False for configuration problems that persist
   * until the person acts (key, address, model id, billing, origin) or for an abort.
   */
  retryable: boolean;
}

/** The facts of an HTTP refusal, as a key check or an `APICallError` carries them. */
export interface HttpFailure {
  status: number;
  /** The response body as text ('' when there was none). */
  body: string;
  /** The URL that was called. */
  url: string;
}

export interface ProviderDefinition {
  id: string;
  /** Name shown to people. */
  name: string;
  /** The documented API base URL. */
  defaultBaseUrl: string;
  /** Local servers work without a key. */
  requiresKey: boolean;
  /** Where to get a key, shown next to the key field. */
  keyUrl?: string;
  /** What the provider does with prompts. */
  privacy: ProviderPrivacy;
  /**
   * A gateway reaches models of many makers behind one key (OpenRouter): it can close any
   * fallback chain when the user configures it as the gateway.
   */
  isGateway?: boolean;
  /** Runs inside the browser (no account to set up: always there when the device can run it). */
  inBrowser?: boolean;
  /** A longer wait for the first token than hosted models get (a local model loads first). */
  firstTokenTimeoutMs?: number;
  /** What to check when nothing answers at the address (local servers: how to start one). */
  unreachableHint?: string;
  /**
   * Builds a client for one model. `fetch` is injectable so tests and the runtime can wrap it.
   * Asynchronous because the provider's SDK is loaded on first use: the background's start
   * (every cold call, a `ping` too) does not evaluate the SDKs' schemas (docs/architecture.md §2).
   */
  createModel(
    account: ProviderAccount,
    providerModelId: string,
    fetch?: FetchFunction,
  ): Promise<LanguageModelV3>;
  /**
   * Tests the account with the cheapest call the API has (usually listing models). Never throws:
   * every failure comes back as a message a person can act on.
   */
  checkKey(account: ProviderAccount, fetch?: FetchFunction): Promise<KeyCheckResult>;
  /**
   * Local servers only: the ids of the models the server has ready, so they can be offered to
   * the router. Throws an error `describeProviderError` explains when the server cannot be asked.
   */
  listModels?(account: ProviderAccount, fetch?: FetchFunction): Promise<string[]>;
  /**
   * Reads a provider-specific refusal (Ollama's bare 403 to extension origins, Gemini's 400 for
   * an unknown key) before the generic reading by status. Undefined: the generic reading applies.
   */
  explainFailure?(failure: HttpFailure): ProviderErrorDescription | undefined;
}
