import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../src/protocol/llm-result';
import type { RequestLogInput } from '../../src/storage/storage-types';
import { usageOfLine } from '../../src/storage/storage-usage';
import { openTestStorage } from './storage-test-helpers';

const SITE = 'https://site.example';
const CLAUDE = { provider: 'anthropic', id: 'claude-test', location: 'cloud' as const };
const GPT = { provider: 'openai', id: 'gpt-test', location: 'cloud' as const };

function line(extra: Partial<RequestLogInput> = {}): RequestLogInput {
  return {
    requestId: crypto.randomUUID(),
    origin: SITE,
    createdAt: Date.parse('2026-12-04T10:00:00Z'),
    outcome: 'answered',
    model: GPT,
    attemptCount: 2,
    inputTokens: 300,
    outputTokens: 60,
    costUsd: 0.004,
    latencyMs: 800,
    ...extra,
  };
}

const fallback: Attempt[] = [
  {
    model: CLAUDE,
    outcome: 'error',
    error: 'stream broke',
    durationMs: 300,
    usage: { inputTokens: 100, outputTokens: 10 },
    usageEstimated: true,
    costUsd: 0.001,
  },
  {
    model: GPT,
    outcome: 'ok',
    durationMs: 500,
    usage: { inputTokens: 200, outputTokens: 50 },
    costUsd: 0.003,
  },
];

describe('usage rollups', () => {
  it('charge each model what its attempts cost, and count the request for the one that answered', () => {
    const changes = usageOfLine(line(), fallback);
    expect(changes.get('all ')?.counts).toMatchObject({
      requests: 1,
      answered: 1,
      costNanoUsd: 4_000_000,
      inputTokens: 300,
      outputTokens: 60,
    });
    expect(changes.get(`site ${SITE}`)?.counts.costNanoUsd).toBe(4_000_000);
    expect(changes.get('provider anthropic')?.counts).toMatchObject({
      requests: 0,
      costNanoUsd: 1_000_000,
      inputTokens: 100,
    });
    expect(changes.get('model openai/gpt-test')?.counts).toMatchObject({
      requests: 1,
      answered: 1,
      costNanoUsd: 3_000_000,
    });
  });

  it('count refusals and cache hits without paid tokens, and keep an orphaned cost', () => {
    const refused = usageOfLine(
      line({ outcome: 'refused', model: undefined, costUsd: 0, inputTokens: 0, outputTokens: 0 }),
      [],
    );
    expect(refused.get('all ')?.counts).toMatchObject({ requests: 1, refused: 1, answered: 0 });
    expect([...refused.keys()]).toEqual(['all ', `site ${SITE}`]);

    const cached = usageOfLine(line({ cached: true, costUsd: 0 }), []);
    expect(cached.get('all ')?.counts).toMatchObject({ cached: 1, inputTokens: 0 });
    expect(cached.get('model openai/gpt-test')?.counts).toMatchObject({ requests: 1, cached: 1 });

    const interrupted = usageOfLine(
      line({ outcome: 'interrupted', model: undefined, costUsd: 0.002 }),
      [],
    );
    expect(interrupted.get('all ')?.counts).toMatchObject({ failed: 1, costNanoUsd: 2_000_000 });
    expect(interrupted.get('provider ')?.counts.costNanoUsd).toBe(2_000_000);
  });

  it('add up per day as lines are appended, and read back by dimension and range', async () => {
    const { storage } = openTestStorage('usage');
    await storage.requestLog.append(line(), fallback);
    await storage.requestLog.append(
      line({ createdAt: Date.parse('2026-12-05T09:00:00Z') }),
      fallback,
    );
    await storage.requestLog.append(line(), fallback);
    const providers = await storage.usage.days('provider', '2026-12-04', '2026-12-05');
    expect(
      providers.map(({ day, key, costUsd, requests }) => [day, key, costUsd, requests]),
    ).toEqual([
      ['2026-12-04', 'anthropic', 0.002, 0],
      ['2026-12-04', 'openai', 0.006, 2],
      ['2026-12-05', 'anthropic', 0.001, 0],
      ['2026-12-05', 'openai', 0.003, 1],
    ]);
    expect(await storage.usage.days('all', '2026-12-05', '2026-12-05')).toEqual([
      expect.objectContaining({ requests: 1, costUsd: 0.004 }),
    ]);
    storage.close();
  });
});
