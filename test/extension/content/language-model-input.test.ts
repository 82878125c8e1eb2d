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

  it('converts what is not a sequence to a string, as WebIDL does for the union', () => {
    const asText = (input: unknown) => canonicalizePrompt(input, false).messages[0]!.content;
    expect(asText(42)).toBe('42');
    expect(asText({})).toBe('[object Object]');
    expect(asText(null)).toBe('null');
    expect(asText(undefined)).toBe('undefined');
    // Any iterable is the sequence, not only an array.
    expect(asText(new Set([{ role: 'user', content: 'from a set' }]))).toBe('from a set');
    expect(asText([{ role: 'user', content: { toString: () => 'a content object' } }])).toBe(
      'a content object',
    );
  });

  it('names the field of a wrong type', () => {
    expect(errorOf(() => canonicalizePrompt([{ role: 'robot', content: '' }], false))).toEqual({
      name: 'TypeError',
      message: expect.stringContaining('`input[0].role`'),
    });
    expect(
      errorOf(() =>
        canonicalizePrompt(
          [{ role: 'user', content: [{ type: 'text', value: new Uint8Array(2) }] }],
          false,
        ),
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
  it('takes a sampling mode (balanced by default) and ignores a page’s temperature and topK', () => {
    expect(parseCoreOptions({}).samplingMode).toBe('balanced');
    expect(parseCoreOptions({ samplingMode: 'most-creative' }).samplingMode).toBe('most-creative');
    expect(errorOf(() => parseCoreOptions({ samplingMode: 'wild' }))?.name).toBe('TypeError');
    // Legacy options for extension contexts only: accepted, not checked, not used.
    expect(parseCoreOptions({ temperature: -1, topK: 0 })).toEqual({
      samplingMode: 'balanced',
      supported: true,
    });
  });

  it('is unsupported beyond text in, text out, and checks language tags', () => {
    expect(parseCoreOptions({ expectedInputs: [{ type: 'text', languages: ['EN'] }] })).toEqual({
      samplingMode: 'balanced',
      supported: true,
    });
    // A well-formed tag for no language anyone can name: unavailable, not an error.
    expect(
      parseCoreOptions({ expectedOutputs: [{ type: 'text', languages: ['unk'] }] }).supported,
    ).toBe(false);
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
    const schema = { type: 'object', properties: { tags: { type: ['array', 'null'] } } };
    expect(parsePromptOptions({ responseConstraint: schema }).schema).toBe(schema);
  });

  it('refuses a schema no model could follow with NotSupportedError', () => {
    expect(errorOf(() => parsePromptOptions({ responseConstraint: { type: 'soup' } }))?.name).toBe(
      'NotSupportedError',
    );
    const deep = { type: 'object', properties: { inner: { type: 'array', items: { type: 'x' } } } };
    expect(errorOf(() => parsePromptOptions({ responseConstraint: deep }))?.message).toContain(
      '.properties.inner.items.type',
    );
    const circular: Record<string, unknown> = { type: 'object' };
    circular.properties = { self: circular };
    expect(errorOf(() => parsePromptOptions({ responseConstraint: circular }))?.name).toBe(
      'NotSupportedError',
    );
  });
});
