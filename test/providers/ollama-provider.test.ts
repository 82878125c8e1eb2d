import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OLLAMA_ORIGINS_MESSAGE, ollamaProvider } from '../../src/providers/ollama-provider';
import { describeProviderError } from '../../src/providers/provider-errors';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import {
  EXTENSION_ORIGIN,
  fetchFromOrigin,
  refusedAddress,
  rejectionOf,
  streamAnswer,
  TEXT,
  TEXT_TOKENS,
} from './provider-test-kit';

/** Ollama as installed: it trusts only its default origins, not extensions. */
let ollama: ProviderServer;
/** Ollama started with OLLAMA_ORIGINS=chrome-extension://*. */
let allowing: ProviderServer;
const account = (server = ollama) => ({ provider: 'ollama', baseUrl: `${server.url}/v1` });

beforeAll(async () => {
  ollama = await startProviderServer({ kind: 'openai-compatible', ollamaOrigins: [] });
  allowing = await startProviderServer({
    kind: 'openai-compatible',
    ollamaOrigins: ['chrome-extension://*'],
  });
});
afterAll(() => Promise.all([ollama.close(), allowing.close()]));
beforeEach(() => {
  ollama.reset();
  allowing.reset();
});

describe('ollama provider', () => {
  it('streams chat completions with usage and the finish reason, without a key', async () => {
    ollama.script({ kind: 'answer', text: TEXT });
    const answer = await streamAnswer(ollamaProvider.createModel(account(), 'llama3.2:latest'));
    expect(answer.errors).toEqual([]);
    expect(answer.text).toBe(TEXT);
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage?.outputTokens.total).toBe(TEXT_TOKENS);
    expect(answer.usage?.inputTokens.total).toBeGreaterThan(0);
    expect(ollama.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('takes the server address with or without http:// and /v1', async () => {
    const models = await ollamaProvider.listModels!({
      provider: 'ollama',
      baseUrl: `${ollama.url}/`,
    });
    expect(models).toEqual(['llama3.2:latest']);
    const bare = { provider: 'ollama', baseUrl: `127.0.0.1:${ollama.port}` };
    expect(await ollamaProvider.checkKey(bare)).toMatchObject({ ok: true });
    // The key check first probes the origin check with an empty POST, then lists the models.
    expect(ollama.requests.map((request) => request.path)).toEqual([
      '/v1/models',
      '/v1/chat/completions',
      '/v1/models',
    ]);
  });

  it('the key check lists the models that are ready', async () => {
    expect(await ollamaProvider.checkKey(account())).toEqual({
      ok: true,
      detail: '1 model ready: llama3.2:latest.',
    });
  });

  it('detects the 403 for extension origins and says exactly what to set', async () => {
    const fromExtension = fetchFromOrigin();
    const result = await ollamaProvider.checkKey(account(), fromExtension);
    expect(result).toEqual({ ok: false, status: 403, message: OLLAMA_ORIGINS_MESSAGE });
    expect(OLLAMA_ORIGINS_MESSAGE).toContain('OLLAMA_ORIGINS=chrome-extension://*');
    expect(OLLAMA_ORIGINS_MESSAGE).toContain('ollama serve');

    const model = await ollamaProvider.createModel(account(), 'llama3.2:latest', fromExtension);
    const refused = await rejectionOf(streamAnswer(model));
    expect(describeProviderError(ollamaProvider, refused)).toEqual({
      kind: 'forbidden',
      message: OLLAMA_ORIGINS_MESSAGE,
      status: 403,
      retryable: false,
    });
    const listing = await rejectionOf(ollamaProvider.listModels!(account(), fromExtension));
    expect(describeProviderError(ollamaProvider, listing).message).toBe(OLLAMA_ORIGINS_MESSAGE);
    expect(ollama.requests.every((request) => request.status === 403)).toBe(true);
  });

  it('sees the refusal a generation would meet even when a GET without Origin passes', async () => {
    // Chrome sends no Origin on an extension's GET: only the POST meets Ollama's check.
    const getsWithoutOrigin: typeof fetch = (input, init) =>
      (init?.method ?? 'GET') === 'GET' ? fetch(input, init) : fetchFromOrigin()(input, init);
    const result = await ollamaProvider.checkKey(account(), getsWithoutOrigin);
    expect(result).toMatchObject({ ok: false, status: 403 });
    expect(!result.ok && result.message).toBe(OLLAMA_ORIGINS_MESSAGE);
  });

  it('answers the extension once OLLAMA_ORIGINS allows it', async () => {
    const fromExtension = fetchFromOrigin();
    expect(await ollamaProvider.checkKey(account(allowing), fromExtension)).toMatchObject({
      ok: true,
    });
    allowing.script({ kind: 'answer', text: TEXT });
    const model = await ollamaProvider.createModel(
      account(allowing),
      'llama3.2:latest',
      fromExtension,
    );
    expect((await streamAnswer(model)).text).toBe(TEXT);
    expect(allowing.requests.map((request) => request.headers.origin)).toEqual([
      EXTENSION_ORIGIN,
      EXTENSION_ORIGIN,
      EXTENSION_ORIGIN,
    ]);
  });

  it('sends a key when one is set (Ollama behind a proxy), and says so on 401', async () => {
    const guarded = await startProviderServer({ kind: 'openai-compatible', apiKey: 'proxy-key' });
    try {
      const keyless = await ollamaProvider.checkKey(account(guarded));
      expect(keyless).toMatchObject({ ok: false, status: 401 });
      expect(!keyless.ok && keyless.message).toBe(
        `Ollama at ${guarded.url} asks for an API key (401). Enter the API key the server was started with.`,
      );
      expect(
        await ollamaProvider.checkKey({ ...account(guarded), apiKey: 'proxy-key' }),
      ).toMatchObject({ ok: true });
    } finally {
      await guarded.close();
    }
  });

  it('reads a 404 of the key check as a wrong address', async () => {
    const result = await ollamaProvider.checkKey({
      provider: 'ollama',
      baseUrl: `${ollama.url}/api/v1`,
    });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(!result.ok && result.message).toContain('the usual one is http://127.0.0.1:11434/v1');
  });

  it('when nothing listens, asks whether Ollama is running', async () => {
    const address = await refusedAddress();
    const result = await ollamaProvider.checkKey({ provider: 'ollama', baseUrl: address });
    expect(result).toEqual({
      ok: false,
      message: `Could not reach Ollama at ${address} (connection refused). Is Ollama running? Open the Ollama app or run \`ollama serve\`.`,
    });
    const error = await rejectionOf(
      ollamaProvider.listModels!({ provider: 'ollama', baseUrl: address }),
    );
    expect(describeProviderError(ollamaProvider, error)).toMatchObject({
      kind: 'network',
      retryable: true,
    });
  });
});
