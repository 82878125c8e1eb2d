import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deepseekProvider } from '../../src/providers/deepseek-provider';
import { describeProviderError } from '../../src/providers/provider-errors';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import {
  KEY,
  refusedAddress,
  rejectionOf,
  respondWith,
  sseOf,
  streamAnswer,
  TEXT,
  TEXT_TOKENS,
  WRONG_KEY,
} from './provider-test-kit';

/**
 * DeepSeek speaks OpenAI chat completions, but reports its context cache as
 * `prompt_cache_hit_tokens` (https://api-docs.deepseek.com/guides/kv_cache), which the OpenAI
 * loopback server does not send; this stream has DeepSeek's documented shape.
 */
const DEEPSEEK_CACHED_STREAM = sseOf([
  {
    id: 'a1b2c3',
    object: 'chat.completion.chunk',
    created: 1_735_689_600,
    model: 'deepseek-chat',
    system_fingerprint: 'fp_3a5770e1b4',
    choices: [
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
    ],
  },
  {
    id: 'a1b2c3',
    object: 'chat.completion.chunk',
    created: 1_735_689_600,
    model: 'deepseek-chat',
    system_fingerprint: 'fp_3a5770e1b4',
    choices: [{ index: 0, delta: { content: 'Paris.' }, logprobs: null, finish_reason: null }],
  },
  {
    id: 'a1b2c3',
    object: 'chat.completion.chunk',
    created: 1_735_689_600,
    model: 'deepseek-chat',
    system_fingerprint: 'fp_3a5770e1b4',
    choices: [{ index: 0, delta: { content: '' }, logprobs: null, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: 1219,
      completion_tokens: 2,
      total_tokens: 1221,
      prompt_tokens_details: { cached_tokens: 1152 },
      prompt_cache_hit_tokens: 1152,
      prompt_cache_miss_tokens: 67,
    },
  },
]);

let server: ProviderServer;
const account = () => ({ provider: 'deepseek', apiKey: KEY, baseUrl: `${server.url}/v1` });

beforeAll(async () => {
  server = await startProviderServer({ kind: 'openai', apiKey: KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('deepseek provider', () => {
  it('streams chat completions with usage and the finish reason', async () => {
    server.script({ kind: 'answer', text: TEXT });
    const answer = await streamAnswer(deepseekProvider.createModel(account(), 'deepseek-chat'));
    expect(answer.errors).toEqual([]);
    expect(answer.text).toBe(TEXT);
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage?.outputTokens.total).toBe(TEXT_TOKENS);
    expect(answer.usage?.inputTokens.total).toBeGreaterThan(0);
    expect(server.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      body: { model: 'deepseek-chat', stream: true, stream_options: { include_usage: true } },
    });
  });

  it('reads cache hits the DeepSeek way (prompt_cache_hit_tokens)', async () => {
    const { fetch, requests } = respondWith(DEEPSEEK_CACHED_STREAM, {
      contentType: 'text/event-stream',
    });
    const model = await deepseekProvider.createModel(
      { provider: 'deepseek', apiKey: KEY },
      'deepseek-chat',
      fetch,
    );
    const answer = await streamAnswer(model);
    expect(answer.text).toBe('Paris.');
    expect(answer.usage?.inputTokens).toMatchObject({ total: 1219, cacheRead: 1152, noCache: 67 });
    expect(requests[0]?.url).toBe('https://api.deepseek.com/chat/completions');
  });

  it('checks a good key by listing models', async () => {
    expect(await deepseekProvider.checkKey(account())).toEqual({
      ok: true,
      detail: '2 models available to this key.',
    });
  });

  it('says where to get a new key when DeepSeek rejects it (401)', async () => {
    expect(await deepseekProvider.checkKey({ ...account(), apiKey: WRONG_KEY })).toEqual({
      ok: false,
      status: 401,
      message:
        'DeepSeek rejected this key (401). Check that you copied the whole key from platform.deepseek.com/api_keys, or create a new one.',
    });
  });

  it('reads a 404 of the key check as a wrong API address', async () => {
    const result = await deepseekProvider.checkKey({ ...account(), baseUrl: `${server.url}/beta` });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(!result.ok && result.message).toContain('the usual one is https://api.deepseek.com.');
  });

  it('says nothing answered when the connection is refused', async () => {
    const address = await refusedAddress();
    const result = await deepseekProvider.checkKey({ ...account(), baseUrl: address });
    expect(!result.ok && result.message).toContain(
      `Could not reach DeepSeek at ${address} (connection refused).`,
    );
  });

  it('a 503 is retryable, a malformed stream too', async () => {
    server.script(
      { kind: 'http-error', status: 503 },
      { kind: 'malformed-json', text: TEXT, afterTokens: 0 },
    );
    const model = await deepseekProvider.createModel(account(), 'deepseek-chat');
    const overloaded = await rejectionOf(streamAnswer(model));
    expect(describeProviderError(deepseekProvider, overloaded)).toMatchObject({
      kind: 'server',
      status: 503,
      retryable: true,
    });
    const malformed = await streamAnswer(model);
    expect(describeProviderError(deepseekProvider, malformed.errors[0])).toMatchObject({
      kind: 'malformed',
      retryable: true,
    });
  });
});
