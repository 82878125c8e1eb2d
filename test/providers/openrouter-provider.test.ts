import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openrouterProvider } from '../../src/providers/openrouter-provider';
import { describeProviderError } from '../../src/providers/provider-errors';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import {
  KEY,
  refusedAddress,
  rejectionOf,
  respondWith,
  streamAnswer,
  TEXT,
  TEXT_TOKENS,
} from './provider-test-kit';

/** `GET /api/v1/key` answers, in OpenRouter's documented shape (openrouter.ai/docs/api-reference/api-keys/get-current-key). */
const KEY_WITH_LIMIT = JSON.stringify({
  data: {
    label: 'sk-or-v1-0e6…e1f',
    limit: 20,
    usage: 4.5,
    limit_remaining: 15.5,
    is_free_tier: false,
  },
});
const FREE_TIER_KEY = JSON.stringify({
  data: {
    label: 'sk-or-v1-7a2…9c0',
    limit: null,
    usage: 0,
    limit_remaining: null,
    is_free_tier: true,
  },
});
const UNKNOWN_KEY = JSON.stringify({ error: { message: 'User not found.', code: 401 } });
const NO_CREDIT = JSON.stringify({
  error: {
    message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits',
    code: 402,
  },
});

let server: ProviderServer;
const account = () => ({ provider: 'openrouter', apiKey: KEY, baseUrl: `${server.url}/v1` });

beforeAll(async () => {
  server = await startProviderServer({ kind: 'openai', apiKey: KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('openrouter provider', () => {
  it('is the gateway that can close a chain', () => {
    expect(openrouterProvider.isGateway).toBe(true);
    expect(openrouterProvider.privacy.location).toBe('gateway');
  });

  it('streams chat completions with usage, cached tokens and its app header', async () => {
    server.script({ kind: 'answer', text: TEXT, cachedInputTokens: 4 });
    const model = await openrouterProvider.createModel(
      account(),
      'meta-llama/llama-3.3-70b-instruct',
    );
    const answer = await streamAnswer(model);
    expect(answer.errors).toEqual([]);
    expect(answer.text).toBe(TEXT);
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage?.outputTokens.total).toBe(TEXT_TOKENS);
    expect(answer.usage?.inputTokens.cacheRead).toBe(4);
    expect(server.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}`, 'x-title': 'LLM Broker' },
      body: { model: 'meta-llama/llama-3.3-70b-instruct', stream_options: { include_usage: true } },
    });
  });

  it('checks a good key with GET /key and says how much credit it has', async () => {
    const { fetch, requests } = respondWith(KEY_WITH_LIMIT);
    expect(
      await openrouterProvider.checkKey({ provider: 'openrouter', apiKey: KEY }, fetch),
    ).toEqual({
      ok: true,
      detail: "$15.50 left of this key's credit limit.",
    });
    expect(requests[0]?.url).toBe('https://openrouter.ai/api/v1/key');
    expect(requests[0]?.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    const free = respondWith(FREE_TIER_KEY);
    expect(
      await openrouterProvider.checkKey({ provider: 'openrouter', apiKey: KEY }, free.fetch),
    ).toEqual({
      ok: true,
      detail: 'Free tier: only free models answer until you add credit.',
    });
  });

  it('says where to get a new key when OpenRouter rejects it (401)', async () => {
    const { fetch } = respondWith(UNKNOWN_KEY, { status: 401 });
    expect(
      await openrouterProvider.checkKey({ provider: 'openrouter', apiKey: KEY }, fetch),
    ).toEqual({
      ok: false,
      status: 401,
      message:
        'OpenRouter rejected this key (401). Check that you copied the whole key from openrouter.ai/settings/keys, or create a new one.',
    });
  });

  it('reads a 404 of the key check as a wrong API address', async () => {
    const result = await openrouterProvider.checkKey(account());
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/key', status: 404 });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(!result.ok && result.message).toContain(
      'the usual one is https://openrouter.ai/api/v1.',
    );
  });

  it('says nothing answered when the connection is refused', async () => {
    const address = await refusedAddress();
    const result = await openrouterProvider.checkKey({
      ...account(),
      baseUrl: `${address}/api/v1`,
    });
    expect(!result.ok && result.message).toContain(
      `Could not reach OpenRouter at ${address} (connection refused).`,
    );
  });

  it('an empty balance (402) says where to add credit', async () => {
    const { fetch } = respondWith(NO_CREDIT, { status: 402 });
    const model = await openrouterProvider.createModel(
      { provider: 'openrouter', apiKey: KEY },
      'openai/gpt-5',
      fetch,
    );
    const error = await rejectionOf(streamAnswer(model));
    expect(describeProviderError(openrouterProvider, error)).toEqual({
      kind: 'billing',
      message:
        'OpenRouter says this account has no credit left (402). Add credit at https://openrouter.ai/settings/credits.',
      status: 402,
      retryable: false,
    });
  });
});
