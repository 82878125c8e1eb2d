import { describe, expect, it } from 'vitest';
import { LlmError } from '../../src/protocol/llm-errors';
import { parseLlmRequest, REQUEST_LIMITS } from '../../src/protocol/llm-request-schema';

function rejection(input: unknown): LlmError {
  try {
    parseLlmRequest(input);
  } catch (error) {
    return error as LlmError;
  }
  throw new Error('expected the request to be refused');
}

describe('parseLlmRequest', () => {
  it('accepts a prompt with every optional field', () => {
    const request = {
      prompt: 'Write a haiku',
      system: 'Be brief',
      task: 'creative',
      hints: { quality: 'high', speed: 'fast', preset: 'quality' },
      constraints: {
        maxCostUsd: 0.01,
        maxLatencyMs: 5000,
        minContextTokens: 8000,
        privacy: 'no-training',
        capabilities: ['json'],
      },
      maxOutputTokens: 200,
      temperature: 0.7,
      stop: ['\n\n'],
      responseFormat: { type: 'json', schema: { type: 'object' } },
      tools: [{ name: 'lookup', parameters: { type: 'object' } }],
      allowRestart: true,
    };
    expect(parseLlmRequest(request)).toEqual(request);
  });

  it('accepts messages with text and image parts', () => {
    const request = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', image: 'data:image/png;base64,AAAA' },
          ],
        },
      ],
    };
    expect(parseLlmRequest(request)).toEqual(request);
  });

  it.each([
    ['not an object', 'hello', /expected object/],
    ['neither prompt nor messages', {}, /exactly one of `prompt` or `messages`/],
    [
      'both prompt and messages',
      { prompt: 'a', messages: [{ role: 'user', content: 'b' }] },
      /exactly one/,
    ],
    ['an unknown task', { prompt: 'a', task: 'poetry' }, /`task`/],
    ['an unknown field', { prompt: 'a', model: 'gpt-4o' }, /model/],
    [
      'a negative cost limit',
      { prompt: 'a', constraints: { maxCostUsd: -1 } },
      /`constraints.maxCostUsd`/,
    ],
    ['a fractional token count', { prompt: 'a', maxOutputTokens: 1.5 }, /`maxOutputTokens`/],
    ['a temperature out of range', { prompt: 'a', temperature: 3 }, /`temperature`/],
    [
      'a javascript: image',
      { messages: [{ role: 'user', content: [{ type: 'image', image: 'javascript:x' }] }] },
      /data: URL/,
    ],
    [
      'too many stop sequences',
      { prompt: 'a', stop: Array(REQUEST_LIMITS.stopSequences + 1).fill('x') },
      /`stop`/,
    ],
    ['an oversized prompt', { prompt: 'x'.repeat(REQUEST_LIMITS.textChars + 1) }, /`prompt`/],
    [
      'a bad tool name',
      { prompt: 'a', tools: [{ name: 'no spaces', parameters: {} }] },
      /`tools.0.name`/,
    ],
  ])('refuses %s with a TypeError that says what is wrong', (_label, input, message) => {
    const error = rejection(input);
    expect(error).toBeInstanceOf(LlmError);
    expect(error.name).toBe('TypeError');
    expect(error.message).toMatch(message);
  });
});
