import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { googleProvider } from '../../src/providers/google-provider';
import { describeProviderError, retryAfterMs } from '../../src/providers/provider-errors';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import {
  KEY,
  refusedAddress,
  rejectionOf,
  streamAnswer,
  TEXT,
  TEXT_TOKENS,
  WRONG_KEY,
} from './provider-test-kit';

let server: ProviderServer;
const account = () => ({ provider: 'google', apiKey: KEY, baseUrl: `${server.url}/v1beta` });

beforeAll(async () => {
  server = await startProviderServer({ kind: 'google', apiKey: KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('google provider', () => {
  it('streams generateContent with usage, cached tokens and the finish reason', async () => {
    server.script({ kind: 'answer', text: TEXT, cachedInputTokens: 4 });
    const answer = await streamAnswer(googleProvider.createModel(account(), 'gemini-2.5-flash'));
    expect(answer.errors).toEqual([]);
    expect(answer.text).toBe(TEXT);
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage?.outputTokens.total).toBe(TEXT_TOKENS);
    expect(answer.usage?.inputTokens.cacheRead).toBe(4);
    const [request] = server.requests;
    expect(request?.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(request?.headers['x-goog-api-key']).toBe(KEY);
  });

  it('checks a good key by listing models', async () => {
    expect(await googleProvider.checkKey(account())).toEqual({
      ok: true,
      detail: '2 models available to this key.',
    });
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1beta/models' });
  });

  it('reads Gemini’s 400 API_KEY_INVALID as a rejected key', async () => {
    const result = await googleProvider.checkKey({ ...account(), apiKey: WRONG_KEY });
    expect(result).toEqual({
      ok: false,
      status: 400,
      message:
        'Google rejected this key (400 API_KEY_INVALID). Check that you copied the whole key from aistudio.google.com/apikey, or create a new one.',
    });
  });

  it('a 401 is a rejected key too', async () => {
    server.script({ kind: 'http-error', status: 401 });
    const error = await rejectionOf(
      streamAnswer(googleProvider.createModel(account(), 'gemini-2.5-flash')),
    );
    expect(describeProviderError(googleProvider, error)).toMatchObject({
      kind: 'key',
      status: 401,
      retryable: false,
      message: expect.stringContaining('Google Gemini rejected this key (401)'),
    });
  });

  it('reads a 404 of the key check as a wrong API address', async () => {
    const result = await googleProvider.checkKey({ ...account(), baseUrl: `${server.url}/v9` });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(!result.ok && result.message).toContain(
      'https://generativelanguage.googleapis.com/v1beta',
    );
  });

  it('says nothing answered when the connection is refused', async () => {
    const address = await refusedAddress();
    const result = await googleProvider.checkKey({ ...account(), baseUrl: `${address}/v1beta` });
    expect(!result.ok && result.message).toBe(
      `Could not reach Google Gemini at ${address} (connection refused). Check the internet connection and the API address.`,
    );
  });

  it('takes the wait of a 429 from the body’s retryDelay (Gemini sends no Retry-After)', async () => {
    server.script({ kind: 'rate-limit', retryAfterSeconds: 17 });
    const error = await rejectionOf(
      streamAnswer(googleProvider.createModel(account(), 'gemini-2.5-flash')),
    );
    expect(retryAfterMs(error)).toBe(17_000);
    expect(describeProviderError(googleProvider, error)).toEqual({
      kind: 'rate-limit',
      message: 'Google Gemini is rate-limiting this key (429); it asks to wait 17 s.',
      status: 429,
      retryable: true,
    });
  });

  it('an error chunk in the stream is retryable server trouble', async () => {
    server.script({ kind: 'error-event', text: TEXT, afterTokens: 1 });
    const answer = await streamAnswer(googleProvider.createModel(account(), 'gemini-2.5-flash'));
    expect(answer.text).toBe('Paris');
    expect(describeProviderError(googleProvider, answer.errors[0])).toMatchObject({
      kind: 'server',
      status: 500,
      retryable: true,
    });
  });
});
