import { createAnthropic } from '@ai-sdk/anthropic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPromptCaching } from '../../src/runtime/prompt-caching';
import { toCallOptions } from '../../src/runtime/request-prompt';
import { runAttempt } from '../../src/runtime/run-attempt';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';

const LONG_SYSTEM = 'You are a careful assistant. Follow the house style guide below.\n'.repeat(
  120,
);

describe('withPromptCaching', () => {
  const prompt = toCallOptions(
    {
      system: LONG_SYSTEM,
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'follow-up' },
      ],
    },
    new AbortController().signal,
  ).prompt;

  it('marks the long system prompt and the conversation before the newest turn for Anthropic', () => {
    const marked = withPromptCaching(prompt, 'anthropic');
    expect(marked.map((message) => Boolean(message.providerOptions?.anthropic))).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('leaves short prompts and other providers alone', () => {
    expect(withPromptCaching(prompt, 'openai')).toBe(prompt);
    const short = toCallOptions(
      { system: 'Be brief.', prompt: 'hi' },
      new AbortController().signal,
    ).prompt;
    expect(withPromptCaching(short, 'anthropic').some((message) => message.providerOptions)).toBe(
      false,
    );
  });

  describe('against a loopback Anthropic server', () => {
    let server: ProviderServer;
    beforeAll(async () => {
      server = await startProviderServer({ kind: 'anthropic' });
    });
    afterAll(() => server.close());

    it('sends cache_control, and the repeated prefix comes back as cached input tokens', async () => {
      const model = createAnthropic({ apiKey: 'sk-ant-test', baseURL: `${server.url}/v1` })(
        'claude-sonnet-4-5',
      );
      const options = toCallOptions(
        { system: LONG_SYSTEM, prompt: 'Question?' },
        new AbortController().signal,
      );
      const cachedOptions = { ...options, prompt: withPromptCaching(options.prompt, 'anthropic') };
      const first = await runAttempt(model, cachedOptions, () => {});
      const second = await runAttempt(model, cachedOptions, () => {});
      const body = server.requests.at(-1)!.body as { system: Array<{ cache_control?: unknown }> };
      expect(body.system.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });
      expect(first.usage.cachedInputTokens ?? 0).toBe(0);
      expect(second.usage.cachedInputTokens).toBeGreaterThan(1_000);
    });
  });
});
