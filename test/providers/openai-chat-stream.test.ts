/**
 * The lean stream path against the AI SDK's own, on the same bytes: each wire stream below is
 * served (by a fetch at the network edge, cut into awkward pieces) to a provider's model once
 * per path, and both must give the same text, reasoning, finish, usage and errors.
 */
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { FetchFunction } from '@ai-sdk/provider-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { deepseekProvider } from '../../src/providers/deepseek-provider';
import { mistralProvider } from '../../src/providers/mistral-provider';
import { useLeanStreaming } from '../../src/providers/openai-chat-stream';
import { openaiProvider } from '../../src/providers/openai-provider';
import { describeProviderError } from '../../src/providers/provider-errors';
import type { ProviderDefinition } from '../../src/providers/provider-types';
import { toTokenUsage } from '../../src/runtime/run-attempt';

afterEach(() => useLeanStreaming(true));

const sse = (...events: unknown[]) =>
  events
    .map((event) => `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`)
    .join('');
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  model: 'm',
  created: 1_700_000_000,
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** A fetch that answers `body` in pieces of `size` bytes (splitting events and characters). */
function serving(body: string, size: number): FetchFunction {
  return async () => {
    const bytes = new TextEncoder().encode(body);
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(at, at + size));
        at += size;
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
  };
}

async function read(provider: ProviderDefinition, body: string, size: number, lean: boolean) {
  useLeanStreaming(lean);
  const model = await provider.createModel(
    { provider: provider.id, apiKey: 'sk-test', baseUrl: 'https://api.test/v1' },
    'm',
    serving(body, size),
  );
  const { stream } = await model.doStream({
    prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  });
  const parts: LanguageModelV3StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  const finish = parts.find((part) => part.type === 'finish');
  return {
    text: parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join(''),
    reasoning: parts.map((part) => (part.type === 'reasoning-delta' ? part.delta : '')).join(''),
    finish: finish?.finishReason,
    usage: finish && toTokenUsage(finish.usage),
    errors: parts.flatMap((part) =>
      part.type === 'error' ? [describeProviderError(provider, part.error).kind] : [],
    ),
  };
}

const STREAMS: Array<[string, ProviderDefinition, string]> = [
  [
    'text, then a usage-only final chunk with cached tokens',
    openaiProvider,
    sse(
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Grüße, ' }),
      chunk({ content: 'naïve café 🌍.' }),
      chunk({}, 'stop'),
      {
        id: 'chatcmpl-1',
        choices: [],
        usage: {
          prompt_tokens: 12,
          completion_tokens: 5,
          prompt_tokens_details: { cached_tokens: 8 },
        },
      },
      '[DONE]',
    ),
  ],
  [
    'a length stop',
    openaiProvider,
    sse(chunk({ content: 'Cut' }), chunk({}, 'length'), {
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 1 },
    }),
  ],
  [
    'DeepSeek reasoning and cache hits',
    deepseekProvider,
    sse(
      chunk({ reasoning_content: 'Think. ' }),
      chunk({ reasoning_content: 'More.' }),
      chunk({ content: 'Answer.' }),
      chunk({}, 'stop'),
      {
        choices: [],
        usage: {
          prompt_tokens: 20,
          completion_tokens: 9,
          prompt_cache_hit_tokens: 16,
          completion_tokens_details: { reasoning_tokens: 6 },
        },
      },
      '[DONE]',
    ),
  ],
  [
    'Mistral content as text parts',
    mistralProvider,
    sse(
      chunk({ content: [{ type: 'text', text: 'Bonjour' }] }),
      // Mistral sends the usage on the last chunk, with the finish reason.
      {
        ...chunk({ content: ' tout le monde.' }, 'stop'),
        usage: { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 },
      },
    ),
  ],
  ['a stream cut before its end', openaiProvider, sse(chunk({ content: 'Half an ans' }))],
  [
    'an error event mid-answer',
    openaiProvider,
    sse(chunk({ content: 'Partial' }), {
      error: { message: 'The server had an error', type: 'server_error' },
    }),
  ],
  ['broken JSON', openaiProvider, sse(chunk({ content: 'x' }), '{"choices": [')],
];

describe('the lean stream path reads what the AI SDK reads', () => {
  for (const [name, provider, body] of STREAMS) {
    it(name, async () => {
      for (const size of [1, 7, 64, 100_000]) {
        const lean = await read(provider, body, size, true);
        const aiSdk = await read(provider, body, size, false);
        expect(lean, `${size}-byte pieces`).toEqual(aiSdk);
      }
    });
  }

  it('leaves calls with tools to the AI SDK', async () => {
    const body = sse(chunk({ content: 'ok' }, 'stop'), {
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 1 },
    });
    const model = await openaiProvider.createModel(
      { provider: 'openai', apiKey: 'sk-test', baseUrl: 'https://api.test/v1' },
      'm',
      serving(body, 10),
    );
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      tools: [{ type: 'function', name: 'f', inputSchema: { type: 'object' } }],
    });
    const parts: string[] = [];
    for await (const part of stream) parts.push(part.type);
    expect(parts).toContain('text-delta');
    expect(parts.at(-1)).toBe('finish');
  });
});
