import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openaiProvider } from '../../src/providers/openai-provider';
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
const account = () => ({ provider: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1` });

beforeAll(async () => {
  server = await startProviderServer({ kind: 'openai', apiKey: KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('openai provider', () => {
  it('streams chat completions with usage, cached tokens and the finish reason', async () => {
    server.script({ kind: 'answer', text: TEXT, cachedInputTokens: 4 });
    const answer = await streamAnswer(openaiProvider.createModel(account(), 'gpt-4o-mini'));
    expect(answer.errors).toEqual([]);
    expect(answer.text).toBe(TEXT);
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage?.outputTokens.total).toBe(TEXT_TOKENS);
    expect(answer.usage?.inputTokens.total).toBeGreaterThan(0);
    expect(answer.usage?.inputTokens.cacheRead).toBe(4);
    const [request] = server.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('checks a good key by listing models', async () => {
    expect(await openaiProvider.checkKey(account())).toEqual({
      ok: true,
      detail: '2 models available to this key.',
    });
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('says where to get a new key when OpenAI rejects it (401)', async () => {
    const result = await openaiProvider.checkKey({ ...account(), apiKey: WRONG_KEY });
    expect(result).toEqual({
      ok: false,
      status: 401,
      message:
        'OpenAI rejected this key (401). Check that you copied the whole key from platform.openai.com/api-keys, or create a new one.',
    });
  });

  it('reads a 404 of the key check as a wrong API address', async () => {
    const result = await openaiProvider.checkKey({ ...account(), baseUrl: `${server.url}/v2` });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(!result.ok && result.message).toContain(
      `No OpenAI API answered at 127.0.0.1:${server.port}/v2/models (404)`,
    );
    expect(!result.ok && result.message).toContain('https://api.openai.com/v1');
  });

  it('says nothing answered when the connection is refused', async () => {
    const address = await refusedAddress();
    const result = await openaiProvider.checkKey({ ...account(), baseUrl: `${address}/v1` });
    expect(result).toEqual({
      ok: false,
      message: `Could not reach OpenAI at ${address} (connection refused). Check the internet connection and the API address.`,
    });
  });

  it('asks for a key before calling anything when none is set', async () => {
    const result = await openaiProvider.checkKey({
      provider: 'openai',
      baseUrl: `${server.url}/v1`,
    });
    expect(result).toMatchObject({
      ok: false,
      message: expect.stringContaining('Enter your OpenAI API key'),
    });
    expect(server.requests).toHaveLength(0);
    const error = await rejectionOf(
      openaiProvider.createModel({ provider: 'openai' }, 'gpt-4o-mini'),
    );
    expect(describeProviderError(openaiProvider, error)).toMatchObject({
      kind: 'key',
      retryable: false,
    });
  });

  it('a 429 carries its Retry-After, and a model the key cannot use is a 404 to fix', async () => {
    server.script(
      { kind: 'rate-limit', retryAfterSeconds: 7 },
      { kind: 'http-error', status: 404 },
    );
    const limited = await rejectionOf(
      streamAnswer(openaiProvider.createModel(account(), 'gpt-4o-mini')),
    );
    expect(retryAfterMs(limited)).toBe(7000);
    expect(describeProviderError(openaiProvider, limited)).toEqual({
      kind: 'rate-limit',
      message: 'OpenAI is rate-limiting this key (429); it asks to wait 7 s.',
      status: 429,
      retryable: true,
    });
    const missing = await rejectionOf(streamAnswer(openaiProvider.createModel(account(), 'gpt-9')));
    expect(describeProviderError(openaiProvider, missing)).toMatchObject({
      kind: 'not-found',
      status: 404,
      retryable: false,
      message: expect.stringContaining('The model `gpt-9` does not exist'),
    });
  });
});
