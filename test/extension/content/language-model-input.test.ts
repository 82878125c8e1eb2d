/** The Prompt API's prompt and option checks, as the `LanguageModel` shim applies them. */
import { describe, expect, it } from 'vitest';
import {
  canonicalizePrompt,
  parseCoreOptions,
  parseCreateOptions,
  parsePromptOptions,
} from '../../../extension/content/language-model-input';

function errorOf(run: () => unknown): { name: string; message: string } | undefined {
  try {
    run();
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  return undefined;
}

describe('canonicalizePrompt', () => {
  it('reads a string as one user message, and an empty list as one empty user message', () => {
    expect(canonicalizePrompt('Hi', false)).toEqual({
      system: undefined,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(canonicalizePrompt([], true).messages).toEqual([{ role: 'user', content: '' }]);
  });

  it('takes a leading system message apart and joins text parts with nothing between', () => {
    expect(
      canonicalizePrompt(
        [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', value: 'foo' },
              { type: 'text', value: 'bar' },
            ],
          },
          { role: 'assistant', content: [] },
        ],
        false,
      ),
    ).toEqual({
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'foobar' },
        { role: 'assistant', content: '' },
      ],
    });
  });

  it('refuses a system message anywhere but first in a fresh session (TypeError)', () => {
    const system = { role: 'system', content: 'x' };
    expect(errorOf(() => canonicalizePrompt([system], true))?.name).toBe('TypeError');
    expect(
      errorOf(() => canonicalizePrompt([{ role: 'user', content: 'a' }, system], false))?.name,
    ).toBe('TypeError');
  });

  it('names the field of a wrong type', () => {
    expect(errorOf(() => canonicalizePrompt(42, false))?.message).toContain('`input`');
    expect(errorOf(() => canonicalizePrompt([{ role: 'robot', content: '' }], false))).toEqual({
      name: 'TypeError',
      message: expect.stringContaining('`input[0].role`'),
    });
    expect(
      errorOf(() =>
        canonicalizePrompt([{ role: 'user', content: [{ type: 'text', value: 1 }] }], false),
      )?.message,
    ).toContain('`input[0].content[0].value`');
    expect(
      errorOf(() =>
        canonicalizePrompt([{ role: 'user', content: [{ type: 'video', value: '' }] }], false),
      )?.name,
    ).toBe('TypeError');
  });

  it('refuses what the spec defines but the broker cannot do (NotSupportedError)', () => {
    const image = { role: 'user', content: [{ type: 'image', value: new Uint8Array(4) }] };
    expect(errorOf(() => canonicalizePrompt([image], false))?.name).toBe('NotSupportedError');
    const prefill = { role: 'assistant', content: '```toml', prefix: true };
    expect(errorOf(() => canonicalizePrompt([prefill], false))?.name).toBe('NotSupportedError');
    // A misplaced prefix is the spec's SyntaxError before it is anything else.
    expect(errorOf(() => canonicalizePrompt([prefill, image], false))?.name).toBe('SyntaxError');
  });
});

describe('the option dictionaries', () => {
  it('clamps temperature to 2, refuses a negative one and checks topK', () => {
    expect(parseCoreOptions({ temperature: Number.POSITIVE_INFINITY }).temperature).toBe(2);
    expect(errorOf(() => parseCoreOptions({ temperature: -1 }))?.name).toBe('RangeError');
    expect(errorOf(() => parseCoreOptions({ temperature: 'hot' }))?.message).toContain(
      'temperature',
    );
    expect(errorOf(() => parseCoreOptions({ topK: 0 }))?.name).toBe('RangeError');
    expect(parseCoreOptions({ topK: 40 }).supported).toBe(true);
  });

  it('is unsupported beyond text in, text out, and checks language tags', () => {
    expect(parseCoreOptions({ expectedInputs: [{ type: 'text', languages: ['en'] }] })).toEqual({
      temperature: undefined,
      supported: true,
    });
    expect(parseCoreOptions({ expectedInputs: [{ type: 'audio' }] }).supported).toBe(false);
    expect(parseCoreOptions({ expectedOutputs: [{ type: 'image' }] }).supported).toBe(false);
    expect(parseCoreOptions({ tools: [{ name: 'x' }] }).supported).toBe(false);
    expect(
      errorOf(() => parseCoreOptions({ expectedInputs: [{ type: 'text', languages: ['??'] }] }))
        ?.name,
    ).toBe('RangeError');
  });

  it('checks create() and prompt() options by type', () => {
    expect(errorOf(() => parseCreateOptions('fast'))?.name).toBe('TypeError');
    expect(errorOf(() => parseCreateOptions({ signal: {} }))?.message).toContain('signal');
    expect(errorOf(() => parseCreateOptions({ monitor: 1 }))?.message).toContain('monitor');
    expect(parseCreateOptions({ initialPrompts: [] }).initialPrompt).toBeUndefined();
    expect(errorOf(() => parsePromptOptions({ responseConstraint: /x/ }))?.name).toBe(
      'NotSupportedError',
    );
    expect(errorOf(() => parsePromptOptions({ responseConstraint: 'json' }))?.name).toBe(
      'TypeError',
    );
    expect(errorOf(() => parsePromptOptions({ omitResponseConstraintInput: true }))?.name).toBe(
      'TypeError',
    );
    const schema = { type: 'object' };
    expect(parsePromptOptions({ responseConstraint: schema }).schema).toBe(schema);
  });
});
