import { describe, expect, it } from 'vitest';
import { BENCHMARK_TABLE, benchmarkRowFor, familyOf } from '../../src/catalog/catalog-benchmarks';
import {
  costEfficiencyFromPrice,
  GENERATION_BONUS_PER_MONTH,
  latencyScore,
  type ModelFacts,
  scoreModelFromFacts,
  timeToFirstTokenFromScore,
  tokensPerSecondFromScore,
  tokensPerSecondScore,
} from '../../src/catalog/catalog-scoring';

function facts(id: string, overrides: Partial<ModelFacts> = {}): ModelFacts {
  return {
    id,
    provider: 'openai',
    location: 'cloud',
    pricing: { inputPerMTok: 1, outputPerMTok: 4 },
    limits: { contextTokens: 128_000, maxOutputTokens: 16_384 },
    capabilities: { vision: false, tools: true, json: true, reasoning: false },
    trainsOnPrompts: false,
    ...overrides,
  };
}

/** The RouterBench models as the replay benchmark names them. */
const ROUTERBENCH_FAMILIES: Record<string, string> = {
  'gpt-4-1106-preview': 'openai/gpt-4-turbo',
  'gpt-3.5-turbo-1106': 'openai/gpt-3.5-turbo',
  'claude-v1': 'anthropic/claude-1',
  'claude-v2': 'anthropic/claude-2',
  'claude-instant-v1': 'anthropic/claude-instant',
  'mistralai/mixtral-8x7b-chat': 'mistral/mixtral-8x7b',
  'mistralai/mistral-7b-chat': 'mistral/mistral-7b',
  'zero-one-ai/Yi-34B-Chat': '01-ai/yi-34b',
  'meta/llama-2-70b-chat': 'meta/llama-2-70b',
  'meta/code-llama-instruct-34b-chat': 'meta/code-llama-34b',
  'WizardLM/WizardLM-13B-V1.2': 'wizardlm/wizardlm-13b',
  'mixtral-8x7b-instruct-v0.1': 'mistral/mixtral-8x7b',
};

describe('familyOf', () => {
  it.each(Object.entries(ROUTERBENCH_FAMILIES))('%s → %s', (id, family) => {
    expect(familyOf(id)).toBe(family);
  });

  it.each([
    ['claude-sonnet-4-6', 'anthropic/claude-sonnet'],
    ['anthropic/claude-haiku-4.5', 'anthropic/claude-haiku'],
    ['gpt-5.4-mini', 'openai/gpt-5-mini'],
    ['o4-mini', 'openai/o-mini'],
    ['gemini-3.1-flash-lite', 'google/gemini-flash-lite'],
    ['deepseek-reasoner', 'deepseek/deepseek-r1'],
    ['meta-llama/llama-3.3-70b-instruct', 'meta/llama-3.3-70b'],
    ['Llama-3.2-3B-Instruct-q4f32_1-MLC', 'meta/llama-3.2-3b'],
    ['qwen/qwen3-coder-flash', 'qwen/qwen3-coder'],
  ])('%s → %s', (id, family) => {
    expect(familyOf(id)).toBe(family);
  });

  it('does not let distillations inherit their namesake', () => {
    expect(familyOf('deepseek/deepseek-r1-distill-llama-70b')).toBeUndefined();
    expect(familyOf('acme/unknown-model')).toBeUndefined();
  });
});

describe('the benchmark table', () => {
  it('has one source per row and the RouterBench models', () => {
    for (const row of BENCHMARK_TABLE) expect(row.source.length).toBeGreaterThan(20);
    for (const family of Object.values(ROUTERBENCH_FAMILIES)) {
      expect(benchmarkRowFor(family)).toBeDefined();
    }
  });

  it('picks the newest row released before the model', () => {
    expect(benchmarkRowFor('anthropic/claude-sonnet', undefined, '2025-01-01')?.anchor).toMatch(
      /3\.5/,
    );
    expect(benchmarkRowFor('anthropic/claude-sonnet', undefined, '2026-02-17')?.anchor).toBe(
      'Claude Sonnet 4.5',
    );
    expect(
      benchmarkRowFor('anthropic/claude-sonnet', 'claude-3-5-sonnet-20241022', '2030-01')?.anchor,
    ).toMatch(/3\.5/);
  });
});

describe('scoreModelFromFacts', () => {
  const score = (id: string, overrides: Partial<ModelFacts> = {}) =>
    scoreModelFromFacts(facts(id, overrides), familyOf(id)).scores;

  it('orders the RouterBench models as their published results do', () => {
    const gpt4 = score('gpt-4-1106-preview');
    const gpt35 = score('gpt-3.5-turbo-1106');
    const mixtral = score('mistralai/mixtral-8x7b-chat');
    const mistral7b = score('mistralai/mistral-7b-chat');
    const codeLlama = score('meta/code-llama-instruct-34b-chat');
    const llama2 = score('meta/llama-2-70b-chat');
    expect(gpt4.accuracy).toBeGreaterThan(gpt35.accuracy);
    expect(gpt4.coding).toBeGreaterThan(gpt35.coding);
    expect(gpt4.overallQuality).toBeGreaterThan(mixtral.overallQuality);
    expect(mixtral.accuracy).toBeGreaterThan(mistral7b.accuracy);
    expect(codeLlama.coding).toBeGreaterThan(llama2.coding);
    expect(llama2.multilingual).toBeLessThan(gpt35.multilingual);
  });

  it('derives each quality criterion from the published metrics by the documented formula', () => {
    // GPT-4 Turbo: accuracy = (2·mmlu + 1·gpqa + 1·arena) / 4 on the normalised scales.
    const row = benchmarkRowFor('openai/gpt-4-turbo', 'gpt-4-1106-preview')!;
    const mmlu = (row.mmlu! - 40) / 52;
    const gpqa = (row.gpqa! - 25) / 65;
    const arena = (row.arena - 1000) / 500;
    expect(score('gpt-4-1106-preview').accuracy).toBeCloseTo((2 * mmlu + gpqa + arena) / 4, 3);
  });

  it('gives a newer release of a line a small, capped bonus over its anchor', () => {
    const anchor = score('claude-sonnet-4-5', { releaseDate: '2025-09-29' });
    const sixMonths = score('claude-sonnet-4-6', { releaseDate: '2026-03-29' });
    const threeYears = score('claude-sonnet-9', { releaseDate: '2028-09-29' });
    expect(sixMonths.coding - anchor.coding).toBeCloseTo(
      Math.min(1 - anchor.coding, 6 * GENERATION_BONUS_PER_MONTH),
      2,
    );
    expect(threeYears.overallQuality - anchor.overallQuality).toBeLessThanOrEqual(0.061);
  });

  it('scores cost, context and output length from the facts alone', () => {
    const cheap = score('gpt-4o-mini', { pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 } });
    const dear = score('gpt-4o-mini', { pricing: { inputPerMTok: 15, outputPerMTok: 60 } });
    expect(cheap.costEfficiency).toBeGreaterThan(dear.costEfficiency);
    const wide = score('gpt-4o-mini', {
      limits: { contextTokens: 1_000_000, maxOutputTokens: 128_000 },
    });
    const narrow = score('gpt-4o-mini', {
      limits: { contextTokens: 4_096, maxOutputTokens: 2_048 },
    });
    expect(wide.contextLength).toBeGreaterThan(narrow.contextLength);
    expect(wide.outputLength).toBeGreaterThan(narrow.outputLength);
    expect(costEfficiencyFromPrice(0)).toBe(1);
    expect(costEfficiencyFromPrice(1_000)).toBe(0);
  });

  it('scores privacy and reliability from where the model runs', () => {
    const local = score('llama-3.1-8b', { location: 'local', provider: 'ollama' });
    const training = score('llama-3.1-8b', { trainsOnPrompts: true });
    const free = score('llama-3.1-8b', {
      location: 'gateway',
      provider: 'openrouter',
      rateLimitedFree: true,
    });
    expect(local.privacy).toBe(1);
    expect(training.privacy).toBeLessThan(score('llama-3.1-8b').privacy);
    expect(free.reliability).toBeLessThan(score('llama-3.1-8b').reliability);
  });

  it('falls back to a price prior for an unknown line, and says so', () => {
    const cheap = scoreModelFromFacts(
      facts('acme/x', { pricing: { inputPerMTok: 0.05, outputPerMTok: 0.1 } }),
      undefined,
    );
    const dear = scoreModelFromFacts(
      facts('acme/y', { pricing: { inputPerMTok: 10, outputPerMTok: 30 } }),
      undefined,
    );
    expect(dear.scores.overallQuality).toBeGreaterThan(cheap.scores.overallQuality);
    expect(cheap.sources.benchmarks).toMatch(/price prior/);
  });

  it('keeps speed priors the router can read back from the scores', () => {
    expect(tokensPerSecondFromScore(tokensPerSecondScore(80))).toBeCloseTo(80, 6);
    expect(timeToFirstTokenFromScore(latencyScore(1_500))).toBeCloseTo(1_500, 6);
    const reasoning = scoreModelFromFacts(
      facts('gpt-5', { capabilities: { vision: true, tools: true, json: true, reasoning: true } }),
      'openai/gpt-5',
    );
    expect(reasoning.performance.reasoningTokensPerRequest).toBeGreaterThan(0);
  });
});
