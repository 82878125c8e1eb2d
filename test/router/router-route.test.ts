import { describe, expect, it } from 'vitest';
import { CRITERIA } from '../../src/catalog/catalog-types';
import { LlmError } from '../../src/protocol/llm-errors';
import type { LlmRequest } from '../../src/protocol/llm-request';
import { explain } from '../../src/router/router-explain';
import { planRoute, route, TIE_BREAK_RULE } from '../../src/router/router-route';
import type { RoutePlan } from '../../src/router/router-types';
import {
  bundled,
  catalog,
  everythingAvailable,
  modelFromFacts,
  seedState,
} from './router-fixtures';

const codingRequest: LlmRequest = {
  prompt:
    'Write a TypeScript function that parses RFC 3339 timestamps, rejects invalid ones, and add unit tests for the edge cases.',
};

function chainNames(plan: RoutePlan): string[] {
  return plan.chain.map((candidate) => `${candidate.model.provider}/${candidate.model.id}`);
}

function expectDescending(scores: readonly number[]): void {
  for (let index = 1; index < scores.length; index++) {
    expect(scores[index]).toBeLessThanOrEqual(scores[index - 1]!);
  }
}

describe('the seed example', () => {
  const state = seedState({ gateway: 'openrouter' });
  const plan = route(codingRequest, catalog, state);

  it('infers a coding task and picks Claude', () => {
    expect(plan.explanation.analysis.task).toBe('coding');
    expect(plan.chain[0]?.model.provider).toBe('anthropic');
  });

  it('multiplies each base score by the provider priority', () => {
    const multiplier = { anthropic: 1, ollama: 0.8, openai: 0.6, deepseek: 0.4, openrouter: 1 };
    for (const candidate of plan.explanation.candidates) {
      const expected = multiplier[candidate.model.provider as keyof typeof multiplier];
      expect(candidate.priorityMultiplier).toBe(expected);
      expect(candidate.finalScore).toBeCloseTo(candidate.baseScore * expected, 12);
    }
  });

  it('orders the chain strictly by final score and closes it with the gateway', () => {
    const direct = plan.chain.filter((candidate) => !candidate.viaGateway);
    const gateway = plan.chain.filter((candidate) => candidate.viaGateway);
    expectDescending(direct.map((candidate) => candidate.finalScore));
    expectDescending(gateway.map((candidate) => candidate.finalScore));
    expect(gateway.length).toBeGreaterThan(0);
    expect(plan.chain.at(-1)?.viaGateway).toBe(true);
    const firstGateway = plan.chain.findIndex((candidate) => candidate.viaGateway);
    expect(plan.chain.slice(firstGateway).every((candidate) => candidate.viaGateway)).toBe(true);
    expect(plan.chain.map((candidate) => candidate.rank)).toEqual(
      plan.chain.map((_, index) => index + 1),
    );
  });

  it('ranks the local model above OpenAI and DeepSeek when their base scores are close', () => {
    const local = plan.explanation.candidates.find((c) => c.model.id === 'llama-3.3-70b');
    const bestOpenAi = plan.explanation.candidates.find((c) => c.model.provider === 'openai');
    expect(local).toBeDefined();
    expect(bestOpenAi).toBeDefined();
    expect(local!.rank).toBeLessThan(bestOpenAi!.rank);
  });

  it('without a gateway the chain holds only directly available models', () => {
    const direct = route(codingRequest, catalog, seedState());
    expect(direct.chain.every((candidate) => !candidate.viaGateway)).toBe(true);
    expect(direct.chain[0]?.model.provider).toBe('anthropic');
    expectDescending(direct.chain.map((candidate) => candidate.finalScore));
  });
});

describe('priorities', () => {
  it('a lower priority can move a provider from first to later in the chain', () => {
    const state = seedState();
    const before = route(codingRequest, catalog, state);
    const flipped = route(
      codingRequest,
      catalog,
      seedState({
        providers: { ...state.providers, anthropic: { available: true, priority: 10 } },
      }),
    );
    expect(before.chain[0]?.model.provider).toBe('anthropic');
    expect(flipped.chain[0]?.model.provider).not.toBe('anthropic');
  });

  it('priority 0 rules a provider out with its reason', () => {
    const state = seedState({
      providers: { ...seedState().providers, openai: { available: true, priority: 0 } },
    });
    const plan = planRoute(codingRequest, catalog, state);
    const openai = plan.explanation.ruledOut.filter((entry) => entry.model.provider === 'openai');
    expect(openai.length).toBeGreaterThan(0);
    expect(openai.every((entry) => entry.constraint === 'priority')).toBe(true);
  });
});

describe('presets and hints', () => {
  const request = (hints: LlmRequest['hints']): LlmRequest => ({
    prompt: 'Answer the customer: where can I download my invoice from last month?',
    hints,
  });
  const state = everythingAvailable();

  it('uses the documented cost/quality/latency splits', () => {
    expect(route(request({ preset: 'economy' }), catalog, state).explanation.split).toEqual({
      cost: 0.55,
      quality: 0.25,
      latency: 0.2,
    });
    expect(route(request({ preset: 'quality' }), catalog, state).explanation.split).toEqual({
      cost: 0.1,
      quality: 0.7,
      latency: 0.2,
    });
    expect(route(request({ preset: 'fast' }), catalog, state).explanation.split).toEqual({
      cost: 0.15,
      quality: 0.2,
      latency: 0.65,
    });
  });

  it('economy chooses a cheaper model than quality, quality a better one than economy', () => {
    const economy = route(request({ preset: 'economy' }), catalog, state).chain[0]!;
    const quality = route(request({ preset: 'quality' }), catalog, state).chain[0]!;
    expect(economy.expectedCostUsd).toBeLessThan(quality.expectedCostUsd);
    expect(quality.qualityEstimate).toBeGreaterThan(economy.qualityEstimate);
  });

  it('fast chooses a model that answers sooner than quality does', () => {
    const fast = route({ ...codingRequest, hints: { preset: 'fast' } }, catalog, state).chain[0]!;
    const quality = route({ ...codingRequest, hints: { preset: 'quality' } }, catalog, state)
      .chain[0]!;
    expect(fast.expectedLatencyMs).toBeLessThan(quality.expectedLatencyMs);
  });

  it('quality "best" removes the need ceiling and prefers a stronger model than "low"', () => {
    const best = route(request({ quality: 'best' }), catalog, state);
    const low = route(request({ quality: 'low' }), catalog, state);
    expect(best.explanation.analysis.qualityNeed).toBe(1);
    expect(best.chain[0]!.qualityEstimate).toBeGreaterThan(low.chain[0]!.qualityEstimate);
  });

  it('an easy request goes to a cheaper model than a hard one of the same task', () => {
    const easy = route({ prompt: 'What is the capital of France?', task: 'qa' }, catalog, state);
    const hard = route(
      {
        prompt:
          'Prove that every finite integral domain is a field, then derive step by step why the multiplicative group of a finite field is cyclic, and compare two proofs.',
        task: 'qa',
      },
      catalog,
      state,
    );
    expect(easy.explanation.analysis.difficulty).toBeLessThan(hard.explanation.analysis.difficulty);
    expect(easy.chain[0]!.expectedCostUsd).toBeLessThan(hard.chain[0]!.expectedCostUsd);
  });
});

describe('ties and determinism', () => {
  // Two providers serving the same model at the same price score the same.
  const twin = (provider: string, id: string) =>
    modelFromFacts(id, provider, {
      inputPerMTok: 0.5,
      outputPerMTok: 1.5,
      family: 'meta/llama-3.3-70b',
    });
  const tied = [twin('zeta', 'llama-a'), twin('alpha', 'llama-b'), twin('mu', 'llama-c')];
  const cheaper = modelFromFacts('llama-d', 'omega', {
    inputPerMTok: 0.5,
    outputPerMTok: 1.5,
    family: 'meta/llama-3.3-70b',
  });
  const state = {
    providers: Object.fromEntries(
      ['zeta', 'alpha', 'mu', 'omega'].map((provider) => [
        provider,
        { available: true, priority: 100 },
      ]),
    ),
    localModels: [],
    cooldowns: {},
    budgetLeftUsd: 10,
    now: 0,
  };

  it('breaks equal final scores by provider/model id, alphabetically', () => {
    const plan = route({ prompt: 'Hello there' }, tied, state);
    expect(new Set(plan.chain.map((candidate) => candidate.finalScore)).size).toBe(1);
    expect(chainNames(plan)).toEqual(['alpha/llama-b', 'mu/llama-c', 'zeta/llama-a']);
    expect(plan.explanation.tieBreak).toBe(TIE_BREAK_RULE);
  });

  it('does not depend on catalog order', () => {
    const forward = route({ prompt: 'Hello there' }, [...tied, cheaper], state);
    const backward = route({ prompt: 'Hello there' }, [cheaper, ...tied].reverse(), state);
    expect(chainNames(forward)).toEqual(chainNames(backward));
  });

  it('gives the same plan for the same inputs', () => {
    const first = route(codingRequest, catalog, everythingAvailable());
    const second = route(codingRequest, catalog, everythingAvailable());
    expect(JSON.stringify(first)).toBe(JSON.stringify(second));
  });
});

describe('an empty candidate set', () => {
  it('throws NotSupportedError listing why each model was ruled out', () => {
    const request: LlmRequest = {
      prompt: 'Describe this picture.',
      constraints: { privacy: 'local-only', capabilities: ['vision'] },
    };
    let thrown: unknown;
    try {
      route(request, catalog, everythingAvailable());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LlmError);
    const error = thrown as LlmError;
    expect(error.name).toBe('NotSupportedError');
    expect(error.ruledOut).toHaveLength(catalog.length);
    const reasons = new Map(
      error.ruledOut!.map((entry) => [`${entry.provider}/${entry.model}`, entry.reason]),
    );
    expect(reasons.get('anthropic/claude-sonnet-4-5')).toMatch(/local-only/);
    expect(reasons.get('webllm/Llama-3.2-3B-Instruct-q4f32_1-MLC')).toMatch(/lacks vision/);
    expect(error.message).toMatch(/privacy/);
  });

  it('explain still returns the explanation instead of throwing', () => {
    const explanation = explain(
      { prompt: 'hi', constraints: { maxCostUsd: 0, privacy: 'no-training' } },
      catalog,
      { ...seedState(), localModels: [] },
    );
    expect(explanation.candidates).toEqual([]);
    expect(explanation.ruledOut).toHaveLength(catalog.length);
    expect(explanation.expectedCostUsd).toBeUndefined();
  });

  it('an empty catalog is an empty candidate set too', () => {
    expect(() => route({ prompt: 'hi' }, [], seedState())).toThrow(LlmError);
  });
});

describe('the explanation', () => {
  const state = seedState({ gateway: 'openrouter' });
  const plan = route(codingRequest, catalog, state);
  const { explanation } = plan;

  it('accounts for every model of the catalog exactly once', () => {
    const names = [
      ...explanation.candidates.map((candidate) => candidate.model),
      ...explanation.ruledOut.map((entry) => entry.model),
    ].map((model) => `${model.provider}/${model.id}`);
    expect(names.sort()).toEqual(catalog.map((model) => `${model.provider}/${model.id}`).sort());
  });

  it('starts with the chain (same objects) and ranks every candidate', () => {
    expect(explanation.candidates.slice(0, plan.chain.length)).toEqual(plan.chain);
    expect(explanation.candidates[0]).toBe(plan.chain[0]);
    expect(explanation.candidates.map((candidate) => candidate.rank)).toEqual(
      explanation.candidates.map((_, index) => index + 1),
    );
  });

  it('per-criterion contributions sum to the base score and follow the weights', () => {
    for (const candidate of explanation.candidates) {
      expect(Object.keys(candidate.contributions)).toEqual([...CRITERIA]);
      const sum = CRITERIA.reduce(
        (total, criterion) => total + candidate.contributions[criterion],
        0,
      );
      expect(sum).toBeCloseTo(candidate.baseScore, 12);
      for (const criterion of CRITERIA) {
        if (explanation.weights[criterion] === 0)
          expect(candidate.contributions[criterion]).toBe(0);
        else
          expect(candidate.contributions[criterion]).toBeLessThanOrEqual(
            explanation.weights[criterion] + 1e-12,
          );
      }
    }
    const weightSum = CRITERIA.reduce(
      (total, criterion) => total + explanation.weights[criterion],
      0,
    );
    expect(weightSum).toBeCloseTo(1, 12);
  });

  it('names the task, difficulty, token estimates and the chosen model’s expected cost', () => {
    const { analysis } = explanation;
    expect(analysis.task).toBe('coding');
    expect(analysis.taskInferred).toBe(true);
    expect(analysis.difficulty).toBeGreaterThan(0);
    expect(analysis.inputTokens).toBeGreaterThan(10);
    expect(analysis.expectedOutputTokens).toBeGreaterThan(0);
    const chosen = plan.chain[0]!;
    expect(explanation.expectedCostUsd).toBe(chosen.expectedCostUsd);
    const { inputPerMTok, outputPerMTok } = chosen.model.pricing;
    const reasoning =
      (chosen.model.performance?.reasoningTokensPerRequest ?? 0) * (0.5 + analysis.difficulty);
    expect(chosen.expectedCostUsd).toBeCloseTo(
      (analysis.inputTokens * inputPerMTok +
        (analysis.expectedOutputTokens + reasoning) * outputPerMTok) /
        1e6,
      12,
    );
  });

  it('is plain data for JSON and structured clone', () => {
    const viaJson = JSON.parse(JSON.stringify(plan)) as RoutePlan;
    expect(viaJson.explanation.candidates).toHaveLength(explanation.candidates.length);
    const cloned = structuredClone(plan);
    expect(cloned.explanation.ruledOut).toHaveLength(explanation.ruledOut.length);
  });

  it('shows the numbers the decision used even after the chain was built', () => {
    const rerouted = route(codingRequest, catalog, state);
    const fresh = rerouted.explanation.candidates.find(
      (candidate) => candidate.model === bundled('openai', 'gpt-4o'),
    );
    const original = explanation.candidates.find(
      (candidate) => candidate.model === bundled('openai', 'gpt-4o'),
    );
    expect(fresh?.finalScore).toBe(original?.finalScore);
  });
});

describe('the chain', () => {
  it('holds the configured number of direct and gateway candidates', () => {
    const state = everythingAvailable({
      gateway: 'openrouter',
      tuning: { chainLength: 3, gatewayChainLength: 1 },
    });
    const plan = route(codingRequest, catalog, state);
    expect(plan.chain).toHaveLength(4);
    expect(plan.chain.filter((candidate) => candidate.viaGateway)).toHaveLength(1);
    expect(plan.explanation.candidates.length).toBeGreaterThan(4);
  });
});

describe("the person's defaults for hints a request leaves out", () => {
  const state = everythingAvailable();

  it('apply the preset chosen for the (inferred) task, and the default quality and speed', () => {
    const plain = route(codingRequest, catalog, state);
    const economical = route(codingRequest, catalog, {
      ...state,
      defaults: { presets: { coding: 'economy' }, speed: 'fastest' },
    });
    const { analysis } = economical.explanation;
    expect(analysis.hints).toEqual({ preset: 'economy', speed: 'fastest' });
    expect(analysis.preset).toBe('economy');
    expect(analysis.signals).toContain('preset economy: your default for coding');
    expect(economical.explanation.split.cost).toBeGreaterThan(plain.explanation.split.cost);
    expect(economical.chain[0]!.expectedCostUsd).toBeLessThan(plain.chain[0]!.expectedCostUsd);
    // Another task's preset does not touch this request.
    const other = route(codingRequest, catalog, {
      ...state,
      defaults: { presets: { creative: 'economy' } },
    });
    expect(chainNames(other)).toEqual(chainNames(plain));
  });

  it("never override a site's own hint", () => {
    const request: LlmRequest = { ...codingRequest, hints: { preset: 'quality', quality: 'best' } };
    const plan = route(request, catalog, {
      ...state,
      defaults: { presets: { coding: 'economy' }, quality: 'low', speed: 'fast' },
    });
    expect(plan.explanation.analysis.hints).toEqual({
      preset: 'quality',
      quality: 'best',
      speed: 'fast',
    });
    expect(plan.explanation.analysis.qualityNeed).toBe(1);
  });
});
