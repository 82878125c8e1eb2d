import { describe, expect, it } from 'vitest';
import type { LlmRequest } from '../../src/protocol/llm-request';
import { RouterStats } from '../../src/router/router-live-stats';
import { planRoute } from '../../src/router/router-route';
import type { RoutingState, RuledOutCandidate } from '../../src/router/router-types';
import { catalog, everythingAvailable, seedState } from './router-fixtures';

const prompt: LlmRequest = {
  prompt: 'Summarize the attached meeting notes in five bullet points.',
};

function ruledOut(request: LlmRequest, state: RoutingState, key: string): RuledOutCandidate {
  const entry = planRoute(request, catalog, state).explanation.ruledOut.find(
    (candidate) => `${candidate.model.provider}/${candidate.model.id}` === key,
  );
  if (!entry) throw new Error(`${key} was not ruled out`);
  return entry;
}

function isCandidate(request: LlmRequest, state: RoutingState, key: string): boolean {
  return planRoute(request, catalog, state).explanation.candidates.some(
    (candidate) => `${candidate.model.provider}/${candidate.model.id}` === key,
  );
}

describe('availability', () => {
  it('a provider without a key', () => {
    const entry = ruledOut(prompt, seedState(), 'google/gemini-2.5-flash');
    expect(entry.constraint).toBe('availability');
    expect(entry.reason).toBe('no API key for google');
  });

  it('a provider turned off', () => {
    const state = seedState({
      providers: { ...seedState().providers, openai: { available: false, priority: 60 } },
    });
    expect(ruledOut(prompt, state, 'openai/gpt-4o').reason).toBe('openai is turned off');
  });

  it('a provider unavailable for a reason the state gives (a locked key)', () => {
    const reason = 'OpenAI: its API key is locked until you unlock LLM Broker';
    const state = seedState({
      providers: {
        ...seedState().providers,
        openai: { available: false, priority: 60, unavailableReason: reason },
      },
    });
    const entry = ruledOut(prompt, state, 'openai/gpt-4o');
    expect(entry).toMatchObject({ constraint: 'availability', reason });
  });

  it('a local model that is not downloaded', () => {
    const entry = ruledOut(prompt, seedState(), 'webllm/Qwen2.5-7B-Instruct-q4f32_1-MLC');
    expect(entry.constraint).toBe('availability');
    expect(entry.reason).toMatch(/not downloaded/);
  });

  it('a downloaded local model counts by id, provider/id or the provider’s own id', () => {
    for (const name of ['llama-3.3-70b', 'ollama/llama-3.3-70b', 'llama3.3:70b']) {
      expect(isCandidate(prompt, seedState({ localModels: [name] }), 'ollama/llama-3.3-70b')).toBe(
        true,
      );
    }
  });

  it('the gateway’s models are available when a gateway is configured', () => {
    const key = 'openrouter/meta-llama/llama-3.3-70b-instruct';
    expect(ruledOut(prompt, seedState(), key).reason).toBe('no API key for openrouter');
    expect(isCandidate(prompt, seedState({ gateway: 'openrouter' }), key)).toBe(true);
  });
});

describe('cooldown', () => {
  const now = Date.UTC(2026, 10, 23, 12);

  it('a provider in cooldown', () => {
    const state = seedState({ now, cooldowns: { anthropic: now + 30_000 } });
    const entry = ruledOut(prompt, state, 'anthropic/claude-haiku-4-5');
    expect(entry.constraint).toBe('cooldown');
    expect(entry.reason).toBe('resting after repeated failures (tried again in 30 s)');
  });

  it('says why a provider is resting when the cause is known', () => {
    const state = seedState({
      now,
      cooldowns: { anthropic: now + 5 * 60_000 },
      cooldownCauses: { anthropic: 'Anthropic is overloaded (HTTP 529)' },
    });
    const entry = ruledOut(prompt, state, 'anthropic/claude-haiku-4-5');
    expect(entry.reason).toBe(
      'resting after a failure: Anthropic is overloaded (HTTP 529) (tried again in 5 min)',
    );
  });

  it('one model in cooldown, and a cooldown that has ended', () => {
    const state = seedState({
      now,
      cooldowns: { 'anthropic/claude-haiku-4-5': now + 1, 'anthropic/claude-sonnet-4-5': now - 1 },
    });
    expect(ruledOut(prompt, state, 'anthropic/claude-haiku-4-5').constraint).toBe('cooldown');
    expect(isCandidate(prompt, state, 'anthropic/claude-sonnet-4-5')).toBe(true);
  });
});

describe('privacy', () => {
  it('local-only rules out cloud and gateway models', () => {
    const request = { ...prompt, constraints: { privacy: 'local-only' as const } };
    const state = seedState({ gateway: 'openrouter' });
    expect(ruledOut(request, state, 'anthropic/claude-haiku-4-5').reason).toBe(
      'privacy local-only: runs in the cloud',
    );
    expect(ruledOut(request, state, 'openrouter/qwen/qwen3-32b').reason).toBe(
      'privacy local-only: runs through a gateway',
    );
    expect(isCandidate(request, state, 'ollama/llama-3.3-70b')).toBe(true);
  });

  it('no-training rules out providers that may train on prompts', () => {
    const request = { ...prompt, constraints: { privacy: 'no-training' as const } };
    const entry = ruledOut(request, seedState(), 'deepseek/deepseek-chat');
    expect(entry.constraint).toBe('privacy');
    expect(entry.reason).toBe('privacy no-training: deepseek may train on prompts');
    expect(isCandidate(request, seedState(), 'anthropic/claude-haiku-4-5')).toBe(true);
  });
});

describe('capabilities', () => {
  it('a required capability the model lacks', () => {
    const request = { ...prompt, constraints: { capabilities: ['vision' as const] } };
    const entry = ruledOut(request, seedState(), 'deepseek/deepseek-chat');
    expect(entry.constraint).toBe('capability');
    expect(entry.reason).toBe('lacks vision');
  });

  it('capabilities implied by the request: images, tools and a JSON response', () => {
    const request: LlmRequest = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image', image: 'data:image/png;base64,AAAA' },
          ],
        },
      ],
      tools: [{ name: 'lookup', parameters: { type: 'object' } }],
    };
    const state = seedState({ localModels: ['Llama-3.2-3B-Instruct-q4f32_1-MLC'] });
    expect(ruledOut(request, state, 'webllm/Llama-3.2-3B-Instruct-q4f32_1-MLC').reason).toBe(
      'lacks vision, tools',
    );
    expect(isCandidate(request, state, 'anthropic/claude-haiku-4-5')).toBe(true);
  });
});

describe('context window', () => {
  it('a prompt that does not fit', () => {
    const long = { prompt: 'Summarize: '.concat('The meeting went on. '.repeat(1_500)) };
    const state = seedState({ localModels: ['Llama-3.2-3B-Instruct-q4f32_1-MLC'] });
    const entry = ruledOut(long, state, 'webllm/Llama-3.2-3B-Instruct-q4f32_1-MLC');
    expect(entry.constraint).toBe('context');
    expect(entry.reason).toMatch(/^context window 4,096 tokens < [\d,]+ needed$/);
  });

  it('minContextTokens above the model’s window', () => {
    const request = { ...prompt, constraints: { minContextTokens: 300_000 } };
    expect(ruledOut(request, seedState(), 'anthropic/claude-haiku-4-5').reason).toBe(
      'context window 200,000 tokens < 300,000 needed',
    );
    expect(isCandidate(request, seedState(), 'anthropic/claude-sonnet-4-6')).toBe(true);
  });
});

describe('cost and budget', () => {
  it('maxCostUsd at the expected token counts', () => {
    const request = { ...prompt, constraints: { maxCostUsd: 0.001 } };
    const entry = ruledOut(request, seedState(), 'anthropic/claude-opus-4-8');
    expect(entry.constraint).toBe('maxCost');
    expect(entry.reason).toMatch(/^expected cost \$[\d.]+ > maxCostUsd \$0\.001$/);
    expect(isCandidate(request, seedState(), 'ollama/llama-3.3-70b')).toBe(true);
  });

  it('the budget left', () => {
    const state = seedState({ budgetLeftUsd: 0 });
    const entry = ruledOut(prompt, state, 'anthropic/claude-haiku-4-5');
    expect(entry.constraint).toBe('budget');
    expect(entry.reason).toMatch(/> budget left \$0$/);
    // A free local model still fits a spent budget.
    expect(isCandidate(prompt, state, 'ollama/llama-3.3-70b')).toBe(true);
  });
});

describe('latency', () => {
  it('maxLatencyMs on the prior speed', () => {
    const request = { ...prompt, constraints: { maxLatencyMs: 5_000 } };
    const entry = ruledOut(request, seedState(), 'ollama/llama-3.3-70b');
    expect(entry.constraint).toBe('maxLatency');
    expect(entry.reason).toMatch(/^expected latency [\d.]+ s \(prior\) > maxLatencyMs 5\.0 s$/);
  });

  it('maxLatencyMs on the observed speed', () => {
    const stats = new RouterStats();
    for (let call = 0; call < 40; call++) {
      stats.recordOutcome({
        model: { provider: 'anthropic', id: 'claude-haiku-4-5' },
        ok: true,
        timeToFirstTokenMs: 9_000,
        latencyMs: 20_000,
        outputTokens: 400,
      });
    }
    const request = { ...prompt, constraints: { maxLatencyMs: 5_000 } };
    expect(isCandidate(request, seedState(), 'anthropic/claude-haiku-4-5')).toBe(true);
    const entry = ruledOut(request, seedState({ stats }), 'anthropic/claude-haiku-4-5');
    expect(entry.reason).toMatch(/\(observed\) > maxLatencyMs/);
  });
});

describe('every filter reports one reason per ruled-out model', () => {
  it('on the whole catalog', () => {
    const plan = planRoute(
      { ...prompt, constraints: { maxCostUsd: 0.002, maxLatencyMs: 20_000 } },
      catalog,
      everythingAvailable({ budgetLeftUsd: 0.01 }),
    );
    for (const entry of plan.explanation.ruledOut) expect(entry.reason.length).toBeGreaterThan(5);
    expect(plan.explanation.ruledOut.length + plan.explanation.candidates.length).toBe(
      catalog.length,
    );
  });
});
