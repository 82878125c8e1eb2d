import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localServerProvider } from '../../src/providers/local-server-provider';
import { describeProviderError } from '../../src/providers/provider-errors';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { refusedAddress, rejectionOf, streamAnswer, TEXT, TEXT_TOKENS } from './provider-test-kit';

/** LM Studio or llama-server as started by default: no key. */
let server: ProviderServer;
/** llama-server --api-key local-secret */
let guarded: ProviderServer;
const account = (target = server) => ({ provider: 'local-server', baseUrl: `${target.url}/v1` });

beforeAll(async () => {
  server = await startProviderServer({
    kind: 'openai-compatible',
    models: ['qwen2.5-7b-instruct', 'phi-4'],
  });
  guarded = await startProviderServer({ kind: 'openai-compatible', apiKey: 'local-secret' });
});
afterAll(() => Promise.all([server.close(), guarded.close()]));
beforeEach(() => {
  server.reset();
  guarded.reset();
});

describe('local-server provider', () => {
  it('streams chat completions with usage and the finish reason', async () => {
    server.script({ kind: 'answer', text: TEXT });
    const answer = await streamAnswer(localServerProvider.createModel(account(), 'phi-4'));
    expect(answer.errors).toEqual([]);
    expect(answer.text).toBe(TEXT);
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage?.outputTokens.total).toBe(TEXT_TOKENS);
    expect(server.requests[0]?.body).toMatchObject({
      model: 'phi-4',
      stream_options: { include_usage: true },
    });
  });

  it('lists the models the server has loaded', async () => {
    expect(await localServerProvider.listModels!(account())).toEqual([
      'qwen2.5-7b-instruct',
      'phi-4',
    ]);
    expect(await localServerProvider.checkKey(account())).toEqual({
      ok: true,
      detail: '2 models ready: qwen2.5-7b-instruct, phi-4.',
    });
  });

  it('a model the server does not have is a 404 to fix, not a retry', async () => {
    const error = await rejectionOf(
      streamAnswer(localServerProvider.createModel(account(), 'llama-9')),
    );
    expect(describeProviderError(localServerProvider, error)).toMatchObject({
      kind: 'not-found',
      status: 404,
      retryable: false,
    });
  });

  it('sends the key a guarded server wants, and asks for it on 401', async () => {
    const keyless = await localServerProvider.checkKey(account(guarded));
    expect(keyless).toEqual({
      ok: false,
      status: 401,
      message: `Local server (LM Studio, llama.cpp) at ${guarded.url} asks for an API key (401). Enter the API key the server was started with.`,
    });
    const withKey = { ...account(guarded), apiKey: 'local-secret' };
    expect(await localServerProvider.checkKey(withKey)).toMatchObject({ ok: true });
    guarded.script({ kind: 'answer', text: TEXT });
    expect(
      (await streamAnswer(localServerProvider.createModel(withKey, 'llama3.2:latest'))).text,
    ).toBe(TEXT);
    expect(guarded.requests.at(-1)?.headers.authorization).toBe('Bearer local-secret');
  });

  it('reads a 404 of the key check as a wrong address', async () => {
    const result = await localServerProvider.checkKey({
      provider: 'local-server',
      baseUrl: `${server.url}/api/v1`,
    });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(!result.ok && result.message).toContain('Check the API address');
  });

  it('when nothing listens, says how to start a server', async () => {
    const address = await refusedAddress();
    const result = await localServerProvider.checkKey({
      provider: 'local-server',
      baseUrl: address,
    });
    expect(!result.ok && result.message).toBe(
      `Could not reach Local server (LM Studio, llama.cpp) at ${address} (connection refused). Is the server running at that address? LM Studio: Developer › Start server (port 1234); llama.cpp: llama-server --port 8080.`,
    );
  });
});
