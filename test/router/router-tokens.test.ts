import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { estimateTokenCount } from 'tokenx';
import { describe, expect, it } from 'vitest';
import {
  asciiTokenCount,
  estimateTokens,
  WHOLE_TEXT_ESTIMATE_LIMIT,
} from '../../src/router/router-tokens';

const root = resolve(import.meta.dirname, '../..');
const samples = {
  prose: readFileSync(resolve(root, 'test/fixtures/text/prose-sample.md'), 'utf8'),
  code: readFileSync(resolve(root, 'src/router/router-route.ts'), 'utf8'),
  json: readFileSync(resolve(root, 'src/catalog/catalog-data.json'), 'utf8'),
  german:
    'Ein Benutzer fragt nach einer Zusammenfassung der letzten Rechnungen und ihrer Beträge. '.repeat(
      50,
    ),
};

function repeatTo(text: string, length: number, offset = 0): string {
  return text.repeat(Math.ceil((length + offset) / text.length)).slice(offset, offset + length);
}

/** Deterministic pseudo-random ASCII texts that stress tokenx's segment rules: runs of
 * whitespace with and without line breaks, punctuation runs, digits, short and long words. */
function randomAscii(seed: number, length: number): string {
  const pieces = [
    ' ',
    '  ',
    '\n',
    '\n\n',
    ' \n',
    '\n ',
    '\t',
    '\r\n',
    '.',
    '...',
    ',',
    '!?',
    '->',
    '{}',
    '"',
    "'",
    '_',
    '`',
    '123',
    '4567890',
    'a',
    'ab',
    'the',
    'tokens',
    'Routing',
    'abcdefghi',
    'ZZZ',
    'camelCaseWord',
    'x1',
    '42nd',
    '\\',
    '~',
    '@#$%^&*',
  ];
  let state = seed;
  let text = '';
  while (text.length < length) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    text += pieces[state % pieces.length];
  }
  return text.slice(0, length);
}

describe('asciiTokenCount', () => {
  it('counts exactly as tokenx on ASCII text', () => {
    const texts = [
      '',
      'Hello',
      'Write a TypeScript function that merges two sorted arrays.',
      '\n',
      'end.\nnext',
      'end\nnext',
      // The samples with every non-ASCII character left out.
      ...Object.values(samples).map((text) =>
        [...text.slice(0, 3_000)].filter((character) => character.charCodeAt(0) < 128).join(''),
      ),
      ...Array.from({ length: 300 }, (_, seed) => randomAscii(seed + 1, 20 + (seed % 7) * 90)),
    ];
    for (const text of texts) {
      expect(asciiTokenCount(text)).toBe(estimateTokenCount(text));
    }
  });

  it('declines text with other characters, and counts a slice as that slice', () => {
    expect(asciiTokenCount('Beträge')).toBeUndefined();
    const text = randomAscii(7, 400);
    expect(asciiTokenCount(text, 50, 250)).toBe(estimateTokenCount(text.slice(50, 250)));
  });
});

describe('estimateTokens', () => {
  it('is tokenx itself for short texts', () => {
    const text = repeatTo(samples.prose, WHOLE_TEXT_ESTIMATE_LIMIT);
    expect(estimateTokens(text)).toBe(estimateTokenCount(text));
    expect(estimateTokens('')).toBe(0);
  });

  it.each(Object.entries(samples))(
    'stays within 8%% of whole-text tokenx on long %s',
    (_, text) => {
      for (const length of [5_000, 30_000, 100_000]) {
        const long = repeatTo(text, length, 311);
        const whole = estimateTokenCount(long);
        expect(Math.abs(estimateTokens(long) / whole - 1)).toBeLessThan(0.08);
      }
    },
  );

  it('handles text without spaces', () => {
    const base64 = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo'.repeat(3_000);
    expect(estimateTokens(base64)).toBeGreaterThan(0);
  });
});
