/**
 * Models in this browser through the whole broker: the webllm provider (the AI SDK's
 * OpenAI-compatible client over the host, no network) answers a private request for nothing and
 * leaves its record; without a capable device every such model is ruled out with the reason; a
 * model the host cannot serve is an attempt, and the chain moves on. The host is the real
 * `LocalModelHost` around an engine that implements web-llm's engine interface.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LocalModelHost } from '../../src/local/local-model-host';
import { createWebLlmProvider, toWebLlmRequest } from '../../src/local/webllm-provider';
import { FakeMlcEngine, FakeModelFiles, inProcess } from '../fixtures/fake-mlc-engine';
import { type BrokerWorld, createWorld, ORIGIN, runCollecting } from './broker-world';

const MODEL = 'Llama-3.2-3B-Instruct-q4f32_1-MLC';
const PRIVATE = { constraints: { privacy: 'local-only' } } as const;

async function browserWorld(options: {
  downloaded: boolean;
  unavailableReason?: string;
  providers?: Record<string, number>;
}) {
  const files = new FakeModelFiles();
  const engine = new FakeMlcEngine({ files, answer: 'Hello from inside the browser.' });
  const host = new LocalModelHost(
    () => engine.asEngine(),
    files,
    () => {},
  );
  if (options.downloaded) await host.startDownload(MODEL);
  const world = await createWorld({
    providers: options.providers ?? {},
    extraProviders: [createWebLlmProvider(inProcess(host))],
    browserModels: async () => ({
      // What the background remembers as downloaded (the host may disagree: see below).
      ready: [MODEL],
      ...(options.unavailableReason && { unavailableReason: options.unavailableReason }),
    }),
  });
  return { world, engine, host };
}

let world: BrokerWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('models in this browser', () => {
  it('answer a private request for nothing, streamed, with one record', async () => {
    const setup = await browserWorld({ downloaded: true });
    world = setup.world;
    const { result, parts } = await runCollecting(world.broker, {
      prompt: 'Say hello',
      ...PRIVATE,
    });
    expect(result.text).toBe('Hello from inside the browser.');
    expect(result.model).toMatchObject({ provider: 'webllm', id: MODEL, location: 'local' });
    expect(result.costUsd).toBe(0);
    expect(result.usage.outputTokens).toBe(5);
    expect(parts.filter((part) => part.type === 'text-delta').length).toBe(5);
    await world.broker.flushRecords();
    const lines = await world.storage.requestLog.recent();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ outcome: 'answered', costUsd: 0 });
  });

  it('are ruled out with the device’s reason when it cannot run them, and others answer', async () => {
    const setup = await browserWorld({
      downloaded: true,
      unavailableReason: 'this browser offers no WebGPU adapter',
      providers: { openai: 100 },
    });
    world = setup.world;
    const { plan } = await world.broker.plan(ORIGIN, { prompt: 'Say hello' });
    const ruledOut = plan.explanation.ruledOut.filter(({ model }) => model.provider === 'webllm');
    expect(ruledOut.length).toBeGreaterThan(0);
    for (const { reason } of ruledOut) {
      expect(reason).toMatch(/Models in this browser: this browser offers no WebGPU adapter/);
    }
    const { result } = await runCollecting(world.broker, { prompt: 'Say hello' });
    expect(result.model.provider).toBe('openai');
    expect(setup.engine.reloads).toEqual([MODEL]);
  });

  it('that the host cannot serve are an attempt, and the chain moves on', async () => {
    // The background believes the model is downloaded; the host finds its files gone.
    const setup = await browserWorld({ downloaded: false, providers: { ollama: 10 } });
    world = setup.world;
    await world.storage.settings.setProviderPriority('webllm', 100);
    const { result } = await runCollecting(world.broker, { prompt: 'Say hello', ...PRIVATE });
    expect(result.model.provider).toBe('ollama');
    const tried = result.attempts?.find((attempt) => attempt.model.provider === 'webllm');
    expect(tried).toMatchObject({ outcome: 'error' });
    expect(tried?.error).toMatch(/not downloaded in this browser/);
  });
});

describe('the request web-llm receives', () => {
  it('has text content, web-llm’s JSON schema form, and no unknown fields', () => {
    const { model, request } = toWebLlmRequest({
      model: MODEL,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Name ' },
            { type: 'text', text: 'a fruit' },
          ],
        },
      ],
      max_tokens: 50,
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'fruit',
          schema: { type: 'object', properties: { name: { type: 'string' } } },
        },
      },
    });
    expect(model).toBe(MODEL);
    expect(request).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Name a fruit' },
      ],
      max_tokens: 50,
      temperature: 0.2,
      response_format: {
        type: 'json_object',
        schema: '{"type":"object","properties":{"name":{"type":"string"}}}',
      },
    });
  });
});
