import { describe, expect, it } from 'vitest';
import {
  baselineCost,
  bestModelOf,
  breakdown,
  csvField,
  csvHeader,
  csvLine,
  lastDays,
  stackedSpend,
  total,
} from '../../../extension/ui/options/usage-data';
import { loadBundledCatalog } from '../../../src/router';
import type { RequestLogEntry } from '../../../src/storage/storage-types';
import type { UsageDay } from '../../../src/storage/storage-usage';

function day(dayKey: string, key: string, costUsd: number, requests = 1): UsageDay {
  return {
    day: dayKey,
    key,
    requests,
    answered: requests,
    cached: 0,
    refused: 0,
    failed: 0,
    costNanoUsd: Math.round(costUsd * 1e9),
    costUsd,
    inputTokens: 1_000 * requests,
    outputTokens: 100 * requests,
  };
}

describe('usage arithmetic', () => {
  it('names the days of a range, ending today (UTC)', () => {
    expect(lastDays(3, Date.parse('2026-03-01T10:00:00Z'))).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
    ]);
  });

  it('breaks usage down by key, dearest first, and totals it', () => {
    const rows = [day('2026-12-01', 'a', 1), day('2026-12-02', 'b', 3), day('2026-12-02', 'a', 1)];
    expect(breakdown(rows).map((row) => [row.key, row.costUsd, row.requests])).toEqual([
      ['b', 3, 1],
      ['a', 2, 2],
    ]);
    expect(total(rows)).toMatchObject({ costUsd: 5, requests: 3, inputTokens: 3_000 });
    expect(total([])).toMatchObject({ costUsd: 0, requests: 0 });
  });

  it('stacks the dearest keys per day and gathers the rest as Other', () => {
    const days = ['2026-12-01', '2026-12-02'];
    const rows = [
      day('2026-12-01', 'a', 5),
      day('2026-12-01', 'b', 4),
      day('2026-12-02', 'c', 3),
      day('2026-12-02', 'd', 2),
      day('2026-12-02', 'free', 0),
    ];
    const series = stackedSpend(rows, days, 3);
    expect(series.keys).toEqual(['a', 'b', 'Other']);
    expect(series.values).toEqual([
      [5, 0],
      [4, 0],
      [0, 5],
    ]);
    // With room for every paid key, no Other (and free keys draw nothing).
    expect(stackedSpend(rows, days, 4).keys).toEqual(['a', 'b', 'c', 'd']);
  });

  it('prices the paid tokens at the best model the person can use', () => {
    const catalog = loadBundledCatalog();
    const best = bestModelOf(catalog, new Set(['openai']))!;
    expect(best.provider).toBe('openai');
    for (const model of catalog.filter((entry) => entry.provider === 'openai')) {
      expect(model.scores.overallQuality).toBeLessThanOrEqual(best.scores.overallQuality);
    }
    expect(bestModelOf(catalog, new Set())).toBeUndefined();
    const totals = total([day('2026-12-01', '', 0.01, 1_000)]);
    expect(baselineCost(totals, best)).toBeCloseTo(
      (1_000_000 * best.pricing.inputPerMTok + 100_000 * best.pricing.outputPerMTok) / 1e6,
      12,
    );
  });

  it('writes CSV a spreadsheet reads as text: quoted fields, formulas defused', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, "b"\nc')).toBe('"a, ""b""\nc"');
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField(-2)).toBe('-2');
    expect(csvField(undefined)).toBe('');
    const entry: RequestLogEntry = {
      seq: 1,
      requestId: 'r1',
      origin: 'https://site.example',
      createdAt: Date.parse('2026-12-04T10:00:00Z'),
      outcome: 'answered',
      model: { provider: 'openai', id: 'gpt-test', location: 'cloud' },
      attemptCount: 1,
      inputTokens: 10,
      outputTokens: 5,
      costUsd: 0.001,
      latencyMs: 812.4,
      answerText: 'Yes "really".',
    };
    const header = csvHeader().trim().split(',');
    const line = csvLine(entry, () => 'Is it?');
    expect(line.endsWith('\r\n')).toBe(true);
    const fields = line.trim().split(',');
    expect(fields).toHaveLength(header.length);
    expect(fields.slice(0, 7)).toEqual([
      '2026-12-04T10:00:00.000Z',
      'https://site.example',
      'answered',
      '',
      'openai',
      'gpt-test',
      '1',
    ]);
    expect(line).toContain(',812,');
    expect(line).toContain('Is it?,"Yes ""really""."');
  });
});
