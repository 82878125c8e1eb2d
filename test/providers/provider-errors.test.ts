/**
 * Reading provider failures: Retry-After in its forms, and the classification the runtime fails
 * over by. Errors come from real calls to the loopback servers where a server can produce them,
 * and are built as the platform builds them where only a browser can (a service worker's bare
 * `TypeError('Failed to fetch')`).
 */
import { APICallError, JSONParseError, LoadAPIKeyError } from '@ai-sdk/provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openaiProvider } from '../../src/providers/openai-provider';
import {
  describeHttpFailure,
  describeProviderError,
  parseRetryAfter,
  retryAfterMs,
  retryDelayFromBody,
  upstreamMessage,
} from '../../src/providers/provider-errors';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { KEY, rejectionOf, streamAnswer, TEXT } from './provider-test-kit';

const NOW = Date.parse('2026-11-23T12:00:00Z');

function callError(init: {
  statusCode?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
  cause?: unknown;
}): APICallError {
  return new APICallError({
    message: 'failed',
    url: 'https://api.openai.com/v1/chat/completions',
    requestBodyValues: {},
    ...init,
  });
}

let server: ProviderServer;
const model = () =>
  openaiProvider.createModel(
    { provider: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1` },
    'gpt-4o-mini',
  );

beforeAll(async () => {
  server = await startProviderServer({ kind: 'openai', apiKey: KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('retry-after', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(' 1.5 ', NOW)).toBe(1500);
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 11:59:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });

  it('prefers retry-after-ms, reads any header case, and looks through wrapping errors', () => {
    expect(
      retryAfterMs(callError({ responseHeaders: { 'retry-after-ms': '250', 'retry-after': '9' } })),
    ).toBe(250);
    expect(retryAfterMs(callError({ responseHeaders: { 'Retry-After': '4' } }))).toBe(4000);
    const wrapped = {
      name: 'AI_RetryError',
      lastError: callError({ responseHeaders: { 'retry-after': '2' } }),
    };
    expect(retryAfterMs(wrapped)).toBe(2000);
    expect(retryAfterMs(callError({ responseHeaders: {} }))).toBeUndefined();
    expect(retryAfterMs(new Error('no response'))).toBeUndefined();
  });

  it('reads an HTTP date from a real 429', async () => {
    const date = new Date(Date.now() + 60_000).toUTCString();
    const limited = await rejectionOf(
      streamAnswer(
        openaiProvider.createModel(
          { provider: 'openai', apiKey: KEY },
          'gpt-4o-mini',
          async () =>
            new Response('{"error":{"message":"slow down"}}', {
              status: 429,
              headers: { 'retry-after': date },
            }),
        ),
      ),
    );
    const wait = retryAfterMs(limited) ?? 0;
    expect(wait).toBeGreaterThan(55_000);
    expect(wait).toBeLessThanOrEqual(60_000);
  });

  it('reads Gemini’s RetryInfo, fractional or wrapped in an array', () => {
    const body = (delay: string) =>
      JSON.stringify({
        error: {
          code: 429,
          status: 'RESOURCE_EXHAUSTED',
          details: [
            { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay },
          ],
        },
      });
    expect(retryDelayFromBody(body('41s'))).toBe(41_000);
    expect(retryDelayFromBody(body('0.5s'))).toBe(500);
    expect(retryDelayFromBody(`[${body('3s')}]`)).toBe(3000);
    expect(retryDelayFromBody('not json')).toBeUndefined();
    expect(
      retryAfterMs(callError({ statusCode: 429, responseHeaders: {}, responseBody: body('12s') })),
    ).toBe(12_000);
  });
});

describe('describeProviderError', () => {
  it('a service worker’s bare TypeError("Failed to fetch") is a retryable network failure', () => {
    expect(describeProviderError(openaiProvider, new TypeError('Failed to fetch'))).toEqual({
      kind: 'network',
      message: 'Could not reach OpenAI. Check the internet connection and the API address.',
      retryable: true,
    });
    expect(describeProviderError(openaiProvider, new TypeError('network error')).kind).toBe(
      'network',
    );
    // A TypeError from a bug is not a network failure.
    expect(
      describeProviderError(
        openaiProvider,
        new TypeError("Cannot read properties of undefined (reading 'x')"),
      ).kind,
    ).toBe('unknown');
  });

  it('a reset after the first token fails the stream as a retryable network failure', async () => {
    server.script({ kind: 'reset-mid-stream', text: TEXT, afterTokens: 2 });
    const failure = await streamAnswer(model()).then(
      (answer) => ({ text: answer.text, error: answer.errors[0] }),
      (error: unknown) => ({ text: '', error }),
    );
    expect(failure.error).toBeDefined();
    expect(describeProviderError(openaiProvider, failure.error)).toEqual({
      kind: 'network',
      message: `The connection to OpenAI at ${server.url} broke (connection reset).`,
      retryable: true,
    });
  });

  it('aborts are not retried; timeouts are', () => {
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(describeProviderError(openaiProvider, abort)).toEqual({
      kind: 'aborted',
      message: 'The request was aborted.',
      retryable: false,
    });
    const timeout = new DOMException('The operation timed out.', 'TimeoutError');
    expect(describeProviderError(openaiProvider, timeout)).toMatchObject({
      kind: 'network',
      retryable: true,
    });
  });

  it('unreadable answers are retryable', async () => {
    server.script({ kind: 'malformed-json', text: TEXT, afterTokens: 1 });
    const answer = await streamAnswer(model());
    expect(answer.errors).toHaveLength(1);
    expect(describeProviderError(openaiProvider, answer.errors[0])).toMatchObject({
      kind: 'malformed',
      retryable: true,
      message: expect.stringMatching(/^OpenAI sent an answer that could not be read \(/),
    });
    const broken = new JSONParseError({
      text: '{"choices":[',
      cause: new SyntaxError('Unexpected end'),
    });
    expect(describeProviderError(openaiProvider, broken)).toMatchObject({
      kind: 'malformed',
      retryable: true,
    });
  });

  it('an error event that is a bare string (DeepSeek, OpenAI-compatible servers) is server trouble', () => {
    expect(describeProviderError(openaiProvider, 'The server had an error')).toEqual({
      kind: 'server',
      message: 'OpenAI reported an error during the answer: The server had an error',
      retryable: true,
    });
    expect(
      describeProviderError(openaiProvider, { type: 'rate_limit_error', message: 'Slow down' }),
    ).toMatchObject({
      kind: 'rate-limit',
      retryable: true,
    });
  });

  it('an exhausted balance is billing, not a rate limit, even though it is a 429', () => {
    const body = JSON.stringify({
      error: {
        message: 'You exceeded your current quota, please check your plan and billing details.',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      },
    });
    expect(
      describeProviderError(openaiProvider, callError({ statusCode: 429, responseBody: body })),
    ).toEqual({
      kind: 'billing',
      message:
        'OpenAI says this account is out of quota (429): You exceeded your current quota, please check your plan and billing details.. Add credit or raise the limit at platform.openai.com/api-keys.',
      status: 429,
      retryable: false,
    });
  });

  it('400 and 403 are configuration problems that quote the provider', async () => {
    server.script(
      { kind: 'http-error', status: 400, message: "Invalid value for 'temperature'." },
      { kind: 'http-error', status: 403 },
    );
    const invalid = await rejectionOf(streamAnswer(model()));
    expect(describeProviderError(openaiProvider, invalid)).toEqual({
      kind: 'bad-request',
      message: "OpenAI refused the request (400): Invalid value for 'temperature'..",
      status: 400,
      retryable: false,
    });
    const forbidden = await rejectionOf(streamAnswer(model()));
    expect(describeProviderError(openaiProvider, forbidden)).toEqual({
      kind: 'forbidden',
      message:
        'OpenAI refused this key (403): Country, region, or territory not supported. Check what the key may use at platform.openai.com/api-keys.',
      status: 403,
      retryable: false,
    });
  });

  it('every 5xx is retryable', async () => {
    for (const status of [500, 502, 503, 504] as const)
      server.script({ kind: 'http-error', status });
    for (const status of [500, 502, 503, 504]) {
      const error = await rejectionOf(streamAnswer(model()));
      expect(describeProviderError(openaiProvider, error)).toMatchObject({
        kind: 'server',
        status,
        retryable: true,
      });
    }
  });

  it('a missing key is a key problem', () => {
    const error = new LoadAPIKeyError({ message: 'OpenAI API key is missing.' });
    expect(describeProviderError(openaiProvider, error)).toEqual({
      kind: 'key',
      message: 'No OpenAI API key is set. Get one at platform.openai.com/api-keys.',
      retryable: false,
    });
  });
});

describe('upstream messages', () => {
  it('reads each provider’s error body, not HTML pages', () => {
    expect(
      upstreamMessage('{"object":"error","message":"Unauthorized","type":"invalid_request_error"}'),
    ).toBe('Unauthorized');
    expect(upstreamMessage('{"error":"model \\"llama9\\" not found, try pulling it first"}')).toBe(
      'model "llama9" not found, try pulling it first',
    );
    expect(upstreamMessage('<html><body>502 Bad Gateway</body></html>')).toBeUndefined();
    expect(upstreamMessage('')).toBeUndefined();
    expect(upstreamMessage('x'.repeat(1000))?.length).toBe(300);
  });

  it('a 404 means a wrong address in a key check, an unknown model in a request', () => {
    const failure = { status: 404, body: '', url: 'https://api.openai.com/v1/models' };
    expect(describeHttpFailure(openaiProvider, failure, 'key-check').message).toBe(
      'No OpenAI API answered at api.openai.com/v1/models (404). Check the API address; the usual one is https://api.openai.com/v1.',
    );
    expect(describeHttpFailure(openaiProvider, failure, 'request').message).toBe(
      'OpenAI does not know this model or endpoint (404). The model may be retired or not enabled for this key.',
    );
  });
});
