import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { estimateTokenCount } from 'tokenx';
import { describe, expect, it } from 'vitest';
import { estimateTokens, WHOLE_TEXT_ESTIMATE_LIMIT } from '../../src/router/router-tokens';

const root = resolve(import.meta.dirname, '../..');
const samples = {
  prose: readFileSync(resolve(root, '../shared/DESIGN.md'), 'utf8'),
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
