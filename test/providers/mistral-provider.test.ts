import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mistralProvider } from '../../src/providers/mistral-provider';
import { describeProviderError, retryAfterMs } from '../../src/providers/provider-errors';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import {
  KEY,
  refusedAddress,
  rejectionOf,
  respondWith,
  sseOf,
  streamAnswer,
  TEXT,
  WRONG_KEY,
} from './provider-test-kit';

/**
 * Mistral streams OpenAI-like chunks but sends usage on the chunk that carries the finish reason,
 * without `stream_options` (https://docs.mistral.ai/api/#tag/chat); the OpenAI loopback server
 * sends usage only when asked, so this stream has Mistral's documented shape.
 */
const chunk = (delta: Record<string, string>, finishReason: string | null, usage?: unknown) => ({
  id: 'cf79f7daaee244b1a0ae5c7b1444424a',
  object: 'chat.completion.chunk',
  created: 1_759_500_534,
  model: 'mistral-small-latest',
  choices: [{ index: 0, delta, finish_reason: finishReason }],
  ...(usage !== undefined && { usage }),
});
const MISTRAL_STREAM = sseOf([
  chunk({ role: 'assistant', content: '' }, null),
  chunk({ content: 'Paris' }, null),
  chunk({ content: '.' }, null),
  chunk({ content: '' }, 'stop', { prompt_tokens: 15, total_tokens: 17, completion_tokens: 2 }),
]);

let server: ProviderServer;
const account = () => ({ provider: 'mistral', apiKey: KEY, baseUrl: `${server.url}/v1` });

beforeAll(async () => {
  server = await startProviderServer({ kind: 'openai', apiKey: KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('mistral provider', () => {
  it('streams chat completions from an OpenAI-format server, text and finish reason', async () => {
    server.script({ kind: 'answer', text: TEXT });
    const answer = await streamAnswer(
      mistralProvider.createModel(account(), 'mistral-small-latest'),
    );
    expect(answer.errors).toEqual([]);
    expect(answer.text).toBe(TEXT);
    expect(answer.finishReason).toBe('stop');
    expect(server.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      body: { model: 'mistral-small-latest', stream: true },
    });
  });

  it('reads usage from the finishing chunk, as Mistral sends it', async () => {
    const { fetch, requests } = respondWith(MISTRAL_STREAM, { contentType: 'text/event-stream' });
    const model = await mistralProvider.createModel(
      { provider: 'mistral', apiKey: KEY },
      'mistral-small-latest',
      fetch,
    );
    const answer = await streamAnswer(model);
    expect(answer.text).toBe('Paris.');
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage?.inputTokens.total).toBe(15);
    expect(answer.usage?.outputTokens.total).toBe(2);
    expect(requests[0]?.url).toBe('https://api.mistral.ai/v1/chat/completions');
  });

  it('checks a good key by listing models', async () => {
    expect(await mistralProvider.checkKey(account())).toEqual({
      ok: true,
      detail: '2 models available to this key.',
    });
  });

  it('says where to get a new key when Mistral rejects it (401)', async () => {
    expect(await mistralProvider.checkKey({ ...account(), apiKey: WRONG_KEY })).toEqual({
      ok: false,
      status: 401,
      message:
        'Mistral rejected this key (401). Check that you copied the whole key from console.mistral.ai/api-keys, or create a new one.',
    });
  });

  it('reads a 404 of the key check as a wrong API address', async () => {
    const result = await mistralProvider.checkKey({ ...account(), baseUrl: server.url });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(!result.ok && result.message).toContain('the usual one is https://api.mistral.ai/v1.');
  });

  it('says nothing answered when the connection is refused', async () => {
    const address = await refusedAddress();
    const result = await mistralProvider.checkKey({ ...account(), baseUrl: `${address}/v1` });
    expect(!result.ok && result.message).toContain(
      `Could not reach Mistral at ${address} (connection refused).`,
    );
  });

  it('a 429 carries its Retry-After; a reset before the headers is a retryable network failure', async () => {
    server.script({ kind: 'rate-limit', retryAfterSeconds: 2 }, { kind: 'reset-before-headers' });
    const model = await mistralProvider.createModel(account(), 'mistral-small-latest');
    const limited = await rejectionOf(streamAnswer(model));
    expect(retryAfterMs(limited)).toBe(2000);
    const reset = await rejectionOf(streamAnswer(model));
    expect(describeProviderError(mistralProvider, reset)).toEqual({
      kind: 'network',
      message: `The connection to Mistral at ${server.url} broke (connection reset).`,
      retryable: true,
    });
  });
});
