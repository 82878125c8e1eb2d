/**
 * The browser's own model: availability states, the download with its progress, and chats as
 * OpenAI chunks — the real host around an object that implements the Prompt API's
 * `LanguageModel` — and through the whole broker.
 */
import type { ChatCompletionChunk } from '@mlc-ai/web-llm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BUILTIN_MODEL_ID,
  BuiltInModelHost,
  builtInCatalogModel,
} from '../../src/local/builtin-model';
import type { DownloadState } from '../../src/local/local-model-host';
import { createBuiltInProvider } from '../../src/local/webllm-provider';
import { FakeLanguageModel } from '../fixtures/fake-language-model';
import { inProcess } from '../fixtures/fake-mlc-engine';
import { type BrokerWorld, createWorld, runCollecting } from '../runtime/broker-world';

function hostWith(api: FakeLanguageModel | undefined) {
  const events: DownloadState[] = [];
  return { host: new BuiltInModelHost(api, (state) => events.push(state)), events };
}

describe('the browser’s built-in model', () => {
  it('reports each availability, with a reason where it cannot run', async () => {
    expect((await hostWith(undefined).host.status()).reason).toMatch(/offers no built-in model/);
    expect((await hostWith(new FakeLanguageModel('unavailable')).host.status()).reason).toMatch(
      /cannot run on this device/,
    );
    for (const state of ['downloadable', 'downloading', 'available'] as const) {
      expect((await hostWith(new FakeLanguageModel(state)).host.status()).availability).toBe(state);
    }
  });

  it('downloads with the browser’s progress, then knows its context', async () => {
    const api = new FakeLanguageModel('downloadable');
    const { host, events } = hostWith(api);
    const final = await host.startDownload();
    expect(final).toMatchObject({ buildId: BUILTIN_MODEL_ID, phase: 'done', progress: 1 });
    expect(
      events.filter((event) => event.phase === 'downloading').map((event) => event.progress),
    ).toEqual([0, 0, 0.5, 1]);
    expect(await host.status()).toEqual({ availability: 'available', contextTokens: 9_216 });
  });

  it('answers a conversation: earlier turns as initial prompts, the last user turn as the prompt', async () => {
    const api = new FakeLanguageModel('available', 'Bonjour tout le monde.');
    const { host } = hostWith(api);
    const chunks: ChatCompletionChunk[] = [];
    await host.chat(
      {
        messages: [
          { role: 'system', content: 'Translate to French.' },
          { role: 'user', content: 'Good night' },
          { role: 'assistant', content: 'Bonne nuit' },
          { role: 'user', content: 'Hello everyone' },
        ],
        response_format: { type: 'json_object', schema: '{"type":"string"}' },
      },
      (chunk) => chunks.push(chunk),
      new AbortController().signal,
    );
    const [session] = api.sessions;
    expect(session?.initialPrompts).toEqual([
      { role: 'system', content: 'Translate to French.' },
      { role: 'user', content: 'Good night' },
      { role: 'assistant', content: 'Bonne nuit' },
    ]);
    expect(session?.prompts).toEqual(['Hello everyone']);
    expect(session?.constraint).toEqual({ type: 'string' });
    expect(session?.destroyed).toBe(true);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Bonjour tout le monde.');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('refuses a chat while the model is not ready', async () => {
    const { host } = hostWith(new FakeLanguageModel('downloadable'));
    const error = await host
      .chat({ messages: [{ role: 'user', content: 'Hi' }] }, () => {}, new AbortController().signal)
      .catch((caught) => caught);
    expect(error.status).toBe(503);
  });
});

let world: BrokerWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the browser’s built-in model through the broker', () => {
  it('answers a private request for nothing once the browser says it is available', async () => {
    const { host } = hostWith(new FakeLanguageModel('available', 'Hello from the browser itself.'));
    world = await createWorld({
      providers: {},
      extraProviders: [
        createBuiltInProvider(
          inProcess((_model, request, onChunk, signal) => host.chat(request, onChunk, signal)),
        ),
      ],
      browserModels: async () => ({ ready: [], builtIn: { model: builtInCatalogModel(9_216) } }),
    });
    const { result } = await runCollecting(world.broker, {
      prompt: 'Say hello',
      constraints: { privacy: 'local-only' },
    });
    expect(result.text).toBe('Hello from the browser itself.');
    expect(result.model).toEqual({
      provider: 'browser-ai',
      id: BUILTIN_MODEL_ID,
      location: 'local',
    });
    expect(result.costUsd).toBe(0);
  });

  it('says why not while it is not downloaded', async () => {
    world = await createWorld({
      providers: { openai: 100 },
      browserModels: async () => ({
        ready: [],
        builtIn: {
          unavailableReason: 'not downloaded yet: download it in Settings → Models in this browser',
        },
      }),
    });
    const state = await world.broker.routingState('https://site.example');
    expect(state.providers['browser-ai']).toMatchObject({
      available: false,
      unavailableReason: expect.stringMatching(/built-in model: not downloaded yet/),
    });
  });
});
