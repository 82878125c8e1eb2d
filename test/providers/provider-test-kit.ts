/**
 * What the provider tests share: one streamed call through `createModel(...).doStream`, read to
 * the end; an address where nothing listens; a fetch that behaves like a service worker's
 * (it sends the extension's `Origin`); and a fetch that answers with a provider's documented
 * stream for dialects the loopback servers do not speak. Fakes stay at the network edge.
 */
import { createServer } from 'node:net';
import type {
  LanguageModelV3,
  LanguageModelV3FinishReason,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { FetchFunction } from '@ai-sdk/provider-utils';

export const KEY = 'test-key-1234';
export const WRONG_KEY = 'sk-wrong-key-5678';
/** 7 tokens on the loopback servers: "Paris", " is", " the", " capital", " of", " France", ".". */
export const TEXT = 'Paris is the capital of France.';
export const TEXT_TOKENS = 7;
/** The origin Chrome sends from an extension's service worker. */
export const EXTENSION_ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';

export interface StreamedAnswer {
  text: string;
  /** Undefined when the stream ended without a `finish` part. */
  finishReason: LanguageModelV3FinishReason['unified'] | undefined;
  usage: LanguageModelV3Usage | undefined;
  /** `error` parts, in order. */
  errors: unknown[];
  parts: LanguageModelV3StreamPart[];
}

/** Streams one short question through a provider model (or the promise of one, as
 * `createModel` gives) and reads every part. */
export async function streamAnswer(
  model: LanguageModelV3 | Promise<LanguageModelV3>,
  abortSignal?: AbortSignal,
): Promise<StreamedAnswer> {
  const { stream } = await (await model).doStream({
    prompt: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] },
    ],
    ...(abortSignal && { abortSignal }),
  });
  const parts: LanguageModelV3StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  const finish = parts.find((part) => part.type === 'finish');
  return {
    text: parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join(''),
    finishReason: finish?.finishReason.unified,
    usage: finish?.usage,
    errors: parts.flatMap((part) => (part.type === 'error' ? [part.error] : [])),
    parts,
  };
}

/** What a promise rejected with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** `http://127.0.0.1:<port>` of a port that was free a moment ago: connecting is refused. */
export async function refusedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/** Node's fetch, sending the `Origin` Chrome adds to every request from an extension. */
export function fetchFromOrigin(origin: string = EXTENSION_ORIGIN): FetchFunction {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('origin', origin);
    return fetch(input, { ...init, headers });
  };
}

/** One request a `respondWith` fetch answered. */
export interface SeenRequest {
  url: string;
  headers: Headers;
  body: unknown;
}

/**
 * A fetch that answers every request with `status` and `body` (a provider's documented stream
 * or error body) and keeps what was asked, for dialects the loopback servers do not speak.
 */
export function respondWith(
  body: string,
  init: { status?: number; contentType?: string } = {},
): { fetch: FetchFunction; requests: SeenRequest[] } {
  const requests: SeenRequest[] = [];
  const fetchFunction: FetchFunction = async (input, requestInit) => {
    const text = typeof requestInit?.body === 'string' ? requestInit.body : undefined;
    requests.push({
      url: String(input),
      headers: new Headers(requestInit?.headers),
      body: text === undefined ? undefined : JSON.parse(text),
    });
    return new Response(body, {
      status: init.status ?? 200,
      headers: { 'content-type': init.contentType ?? 'application/json' },
    });
  };
  return { fetch: fetchFunction, requests };
}

/** SSE `data:` lines for each JSON chunk, then `[DONE]` (the OpenAI-style dialects). */
export function sseOf(chunks: unknown[]): string {
  return [...chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`), 'data: [DONE]\n\n'].join(
    '',
  );
}
