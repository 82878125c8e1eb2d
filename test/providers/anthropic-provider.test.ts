import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anthropicProvider } from '../../src/providers/anthropic-provider';
import { describeProviderError, retryAfterMs } from '../../src/providers/provider-errors';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import {
  EXTENSION_ORIGIN,
  fetchFromOrigin,
  KEY,
  refusedAddress,
  rejectionOf,
  streamAnswer,
  TEXT,
  TEXT_TOKENS,
  WRONG_KEY,
} from './provider-test-kit';

let server: ProviderServer;
const account = () => ({ provider: 'anthropic', apiKey: KEY, baseUrl: `${server.url}/v1` });

beforeAll(async () => {
  server = await startProviderServer({ kind: 'anthropic', apiKey: KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('anthropic provider', () => {
  it('streams messages with usage, cached tokens and the finish reason', async () => {
    server.script({ kind: 'answer', text: TEXT, cachedInputTokens: 4 });
    const answer = await streamAnswer(anthropicProvider.createModel(account(), 'claude-haiku-4-5'));
    expect(answer.errors).toEqual([]);
    expect(answer.text).toBe(TEXT);
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage?.outputTokens.total).toBe(TEXT_TOKENS);
    expect(answer.usage?.inputTokens.cacheRead).toBe(4);
    expect(server.requests[0]?.path).toBe('/v1/messages');
  });

  it('sends the direct-browser-access header, so requests from an extension origin pass', async () => {
    server.script({ kind: 'answer', text: TEXT });
    const model = await anthropicProvider.createModel(
      account(),
      'claude-haiku-4-5',
      fetchFromOrigin(),
    );
    const answer = await streamAnswer(model);
    expect(answer.text).toBe(TEXT);
    const { headers } = server.requests[0]!;
    expect(headers.origin).toBe(EXTENSION_ORIGIN);
    expect(headers['anthropic-dangerous-direct-browser-access']).toBe('true');
    expect(headers['x-api-key']).toBe(KEY);
  });

  it('checks a good key by listing models, from an extension origin too', async () => {
    expect(await anthropicProvider.checkKey(account(), fetchFromOrigin())).toEqual({
      ok: true,
      detail: '2 models available to this key.',
    });
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', status: 200 });
  });

  it('says where to get a new key when Anthropic rejects it (401)', async () => {
    const result = await anthropicProvider.checkKey({ ...account(), apiKey: WRONG_KEY });
    expect(result).toEqual({
      ok: false,
      status: 401,
      message:
        'Anthropic rejected this key (401). Check that you copied the whole key from console.anthropic.com/settings/keys, or create a new one.',
    });
  });

  it('reads a 404 of the key check as a wrong API address', async () => {
    const result = await anthropicProvider.checkKey({ ...account(), baseUrl: server.url });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(!result.ok && result.message).toContain(
      'Check the API address; the usual one is https://api.anthropic.com/v1.',
    );
  });

  it('says nothing answered when the connection is refused', async () => {
    const address = await refusedAddress();
    const result = await anthropicProvider.checkKey({ ...account(), baseUrl: `${address}/v1` });
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.message).toBe(
      `Could not reach Anthropic at ${address} (connection refused). Check the internet connection and the API address.`,
    );
  });

  it('a 429 carries its Retry-After; a 529 and an error event are retryable server trouble', async () => {
    server.script(
      { kind: 'rate-limit', retryAfterSeconds: 3 },
      { kind: 'http-error', status: 529 },
      { kind: 'error-event', text: TEXT, afterTokens: 2 },
    );
    const model = await anthropicProvider.createModel(account(), 'claude-haiku-4-5');
    const limited = await rejectionOf(streamAnswer(model));
    expect(retryAfterMs(limited)).toBe(3000);
    expect(describeProviderError(anthropicProvider, limited)).toMatchObject({
      kind: 'rate-limit',
      retryable: true,
    });
    const overloaded = await rejectionOf(streamAnswer(model));
    expect(describeProviderError(anthropicProvider, overloaded)).toEqual({
      kind: 'server',
      message: 'Anthropic is overloaded (529): Overloaded.',
      status: 529,
      retryable: true,
    });
    const midStream = await streamAnswer(model);
    expect(midStream.text).toBe('Paris is');
    expect(describeProviderError(anthropicProvider, midStream.errors[0])).toEqual({
      kind: 'server',
      message: 'Anthropic reported an error during the answer: Overloaded',
      retryable: true,
    });
  });
});
