import { describe, expect, it } from 'vitest';
import { PromptQualityModel } from '../../src/router/prompt-quality-model';
import { requestText } from '../../src/router/router-analyze';
import { RouterStats } from '../../src/router/router-live-stats';
import { route } from '../../src/router/router-route';
import type { CandidateScore, RoutingState } from '../../src/router/router-types';
import { bundled, catalog, modelFromFacts, seedState } from './router-fixtures';

const haiku = { provider: 'anthropic', id: 'claude-haiku-4-5' };
const request = { prompt: 'Summarize the attached meeting notes in five bullet points.' };

function candidate(state: RoutingState, key: string): CandidateScore {
  const found = route(request, catalog, state).explanation.candidates.find(
    (entry) => `${entry.model.provider}/${entry.model.id}` === key,
  );
  if (!found) throw new Error(`${key} is not a candidate`);
  return found;
}

function slowCalls(stats: RouterStats, count: number): void {
  for (let call = 0; call < count; call++) {
    stats.recordOutcome({
      model: haiku,
      ok: true,
      timeToFirstTokenMs: 6_000,
      latencyMs: 26_000,
      outputTokens: 400,
    });
  }
}

describe('speed estimates', () => {
  it('one slow call nudges the estimate; many move it most of the way', () => {
    const prior = candidate(seedState(), 'anthropic/claude-haiku-4-5');
    const once = new RouterStats();
    slowCalls(once, 1);
    const afterOne = candidate(seedState({ stats: once }), 'anthropic/claude-haiku-4-5');
    const often = new RouterStats();
    slowCalls(often, 60);
    const afterMany = candidate(seedState({ stats: often }), 'anthropic/claude-haiku-4-5');

    expect(afterOne.expectedLatencyMs).toBeGreaterThan(prior.expectedLatencyMs);
    expect(afterMany.expectedLatencyMs).toBeGreaterThan(afterOne.expectedLatencyMs);
    // 400 tokens over 20 s of streaming is 20 tok/s. With the window full (50 observations) the
    // estimates are the log-space blend of prior (worth 5 observations) and observation.
    const performance = prior.model.performance!;
    const blend = (priorValue: number, observed: number) =>
      Math.exp((5 * Math.log(priorValue) + 50 * Math.log(observed)) / 55);
    const plan = route(request, catalog, seedState({ stats: often }));
    const { inputTokens, expectedOutputTokens } = plan.explanation.analysis;
    expect(afterMany.expectedLatencyMs).toBeCloseTo(
      blend(performance.timeToFirstTokenMs, 6_000) +
        (inputTokens / performance.prefillTokensPerSecond) * 1000 +
        (expectedOutputTokens / blend(performance.outputTokensPerSecond, 20)) * 1000,
      6,
    );
    expect(afterOne.expectedLatencyMs - prior.expectedLatencyMs).toBeLessThan(
      (afterMany.expectedLatencyMs - prior.expectedLatencyMs) / 3,
    );
    expect(afterMany.liveAdjusted).toBe(true);
    expect(afterMany.contributions.latency).toBeLessThan(prior.contributions.latency);
    expect(afterMany.contributions.tokensPerSecond).toBeLessThan(
      prior.contributions.tokensPerSecond,
    );
  });

  it('derives tokens per second from latency, first token and output tokens', () => {
    const stats = new RouterStats();
    stats.recordOutcome({
      model: haiku,
      ok: true,
      timeToFirstTokenMs: 500,
      latencyMs: 10_500,
      outputTokens: 500,
    });
    const estimate = stats.estimate('anthropic/claude-haiku-4-5', 'summarization');
    expect(estimate?.outputTokensPerSecond).toBeCloseTo(50, 6);
    expect(estimate?.timeToFirstTokenMs).toBeCloseTo(500, 6);
  });
});

describe('reliability', () => {
  it('failures lower it gradually, successes restore it', () => {
    const prior = candidate(seedState(), 'anthropic/claude-haiku-4-5').contributions.reliability;
    const stats = new RouterStats();
    stats.recordOutcome({ model: haiku, ok: false });
    const afterOne = candidate(seedState({ stats }), 'anthropic/claude-haiku-4-5').contributions
      .reliability;
    for (let call = 0; call < 9; call++) stats.recordOutcome({ model: haiku, ok: false });
    const afterTen = candidate(seedState({ stats }), 'anthropic/claude-haiku-4-5').contributions
      .reliability;
    for (let call = 0; call < 100; call++) stats.recordOutcome({ model: haiku, ok: true });
    const recovered = candidate(seedState({ stats }), 'anthropic/claude-haiku-4-5').contributions
      .reliability;
    expect(afterOne).toBeLessThan(prior);
    expect(afterOne).toBeGreaterThan(prior * 0.85);
    expect(afterTen).toBeLessThan(afterOne * 0.7);
    expect(recovered).toBeGreaterThan(afterTen);
  });
});

describe('feedback', () => {
  it('moves the quality estimate towards the scores, per task when it can', () => {
    const prior = candidate(seedState(), 'anthropic/claude-haiku-4-5').qualityEstimate;
    const stats = new RouterStats();
    for (let answer = 0; answer < 30; answer++) {
      stats.recordFeedback({ model: haiku, score: 0.1, task: 'summarization' });
    }
    const after = candidate(seedState({ stats }), 'anthropic/claude-haiku-4-5');
    expect(after.qualityEstimate).toBeLessThan(prior - 0.3);
    expect(after.qualityEstimate).toBeGreaterThan(0.1);
    // Older feedback decays by 0.99 per new score: 30 scores count as (1 − 0.99^30) / 0.01.
    expect(
      stats.estimate('anthropic/claude-haiku-4-5', 'summarization')?.feedbackCount,
    ).toBeCloseTo((1 - 0.99 ** 30) / 0.01, 9);
  });

  it('learns the typical request size once per rated request, however many answers are rated', () => {
    const stats = new RouterStats();
    expect(stats.typicalRequestTokens).toBeUndefined();
    const short = 'Is 7 prime?';
    const long = `Summarize this report. ${'The quarter closed with higher sales. '.repeat(100)}`;
    stats.recordFeedback({ model: haiku, score: 1, text: short });
    stats.recordFeedback({
      model: { provider: 'openai', id: 'gpt-5-mini' },
      score: 1,
      text: short,
    });
    const afterShort = stats.typicalRequestTokens!;
    stats.recordFeedback({ model: haiku, score: 1, text: long });
    const afterLong = stats.typicalRequestTokens!;
    expect(afterLong).toBeGreaterThan(afterShort);
    // Two requests, the short one counted once: the mean of the two sizes (with decay 0.999).
    const sizeOf = (text: string) => {
      const analysis = route({ prompt: text }, catalog, seedState()).explanation.analysis;
      return analysis.inputTokens + analysis.expectedOutputTokens;
    };
    expect(afterLong).toBeCloseTo((0.999 * sizeOf(short) + sizeOf(long)) / 1.999, 9);
  });

  it('changes its revision with every outcome or feedback, and only then', () => {
    const stats = new RouterStats();
    const start = stats.revision;
    stats.estimate('anthropic/claude-haiku-4-5', 'qa');
    expect(stats.revision).toBe(start);
    stats.recordOutcome({ model: haiku, ok: true });
    stats.recordFeedback({ model: haiku, score: 0.5 });
    expect(stats.revision).toBe(start + 2);
  });

  it('counts a task’s feedback for that task only, and untasked feedback for every task', () => {
    const stats = new RouterStats();
    const mini = { provider: 'openai', id: 'gpt-5-mini' };
    stats.recordFeedback({ model: haiku, score: 0.2, task: 'summarization' });
    stats.recordFeedback({ model: mini, score: 0.8 });
    expect(stats.estimate('anthropic/claude-haiku-4-5', 'summarization')?.feedbackMean).toBe(0.2);
    expect(stats.estimate('anthropic/claude-haiku-4-5', 'coding')).toMatchObject({
      feedbackCount: 0,
    });
    expect(stats.estimate('anthropic/claude-haiku-4-5', 'coding')?.feedbackMean).toBeUndefined();
    // Recorded without a task (an older snapshot's): it stands for every task.
    expect(stats.estimate('openai/gpt-5-mini', 'coding')?.feedbackMean).toBe(0.8);
    // The same after a round trip through a snapshot.
    const restored = RouterStats.fromJSON(JSON.parse(JSON.stringify(stats.toJSON())));
    expect(restored.estimate('anthropic/claude-haiku-4-5', 'coding')?.feedbackCount).toBe(0);
    expect(restored.estimate('anthropic/claude-haiku-4-5', 'summarization')?.feedbackMean).toBe(
      0.2,
    );
    expect(restored.estimate('openai/gpt-5-mini', 'qa')?.feedbackMean).toBe(0.8);
  });

  it('clamps scores into [0, 1] and ignores non-numbers', () => {
    const stats = new RouterStats();
    stats.recordFeedback({ model: haiku, score: 7 });
    stats.recordFeedback({ model: haiku, score: Number.NaN });
    expect(stats.estimate('anthropic/claude-haiku-4-5', 'qa')?.feedbackMean).toBe(1);
    expect(stats.estimate('anthropic/claude-haiku-4-5', 'qa')?.feedbackCount).toBe(1);
  });
});

describe('persistence', () => {
  it('survives toJSON / fromJSON with the same routing effect', () => {
    const stats = new RouterStats();
    slowCalls(stats, 20);
    stats.recordOutcome({ model: haiku, ok: false });
    stats.recordFeedback({ model: haiku, score: 0.4, task: 'summarization' });
    stats.usePromptQuality();
    stats.recordFeedback({ model: haiku, score: 1, text: 'Summarize this' });
    const restored = RouterStats.fromJSON(JSON.parse(JSON.stringify(stats)));
    expect(restored.toJSON()).toEqual(stats.toJSON());
    expect(restored.typicalRequestTokens).toBe(stats.typicalRequestTokens);
    expect(candidate(seedState({ stats: restored }), 'anthropic/claude-haiku-4-5')).toEqual(
      candidate(seedState({ stats }), 'anthropic/claude-haiku-4-5'),
    );
  });

  it('rejects anything else', () => {
    expect(() => RouterStats.fromJSON({ version: 2 })).toThrow(TypeError);
  });
});

describe('per-prompt quality', () => {
  // Two equally priced models of different lines; each is good at a different kind of prompt.
  const coder = modelFromFacts('coder-x', 'alpha', {
    inputPerMTok: 1,
    outputPerMTok: 2,
    family: 'meta/llama-3.3-70b',
  });
  const writer = modelFromFacts('writer-y', 'beta', {
    inputPerMTok: 1,
    outputPerMTok: 2,
    family: 'meta/llama-3.3-70b',
  });
  const pair = [coder, writer];
  const state = (stats?: RouterStats): RoutingState => ({
    providers: {
      alpha: { available: true, priority: 100 },
      beta: { available: true, priority: 100 },
    },
    localModels: [],
    cooldowns: {},
    budgetLeftUsd: 10,
    now: 0,
    ...(stats ? { stats } : {}),
  });
  const codePrompts = [
    'Write a Python function that reverses a linked list',
    'Implement binary search in Rust',
    'Fix this SQL query that joins orders and users',
  ];
  const storyPrompts = [
    'Write a poem about the sea at night',
    'Tell a short story about a lost dog',
    'Write song lyrics about leaving home',
  ];

  it('learns from feedback with the request text and routes each kind of prompt to its model', () => {
    const stats = new RouterStats();
    stats.usePromptQuality(new PromptQualityModel());
    for (let round = 0; round < 40; round++) {
      for (const text of codePrompts) {
        stats.recordFeedback({ model: coder, score: 1, text });
        stats.recordFeedback({ model: writer, score: 0, text });
      }
      for (const text of storyPrompts) {
        stats.recordFeedback({ model: coder, score: 0, text });
        stats.recordFeedback({ model: writer, score: 1, text });
      }
    }
    const forCode = route(
      { prompt: 'Write a Python function that merges two sorted lists', task: 'general' },
      pair,
      state(stats),
    );
    const forStory = route(
      { prompt: 'Write a poem about autumn leaves', task: 'general' },
      pair,
      state(stats),
    );
    expect(forCode.chain[0]?.model.id).toBe('coder-x');
    expect(forStory.chain[0]?.model.id).toBe('writer-y');
    expect(forCode.chain[0]?.promptQuality?.weight).toBeGreaterThan(0);
    // Without the learned model, the two are tied and the tie rule decides.
    const untrained = route(
      { prompt: 'Write a poem about autumn leaves', task: 'general' },
      pair,
      state(),
    );
    expect(untrained.chain[0]?.promptQuality).toBeUndefined();
  });

  it('predicts per prompt only for a task the models were rated on', () => {
    const stats = new RouterStats();
    stats.usePromptQuality(new PromptQualityModel());
    for (let round = 0; round < 40; round++) {
      for (const text of codePrompts) {
        stats.recordFeedback({ model: coder, score: 1, text, task: 'coding' });
        stats.recordFeedback({ model: writer, score: 0, text, task: 'coding' });
      }
    }
    const coding = route(
      { prompt: 'Write a Python function that merges two sorted lists', task: 'coding' },
      pair,
      state(stats),
    );
    expect(coding.chain[0]?.model.id).toBe('coder-x');
    expect(coding.chain[0]?.promptQuality?.weight).toBeGreaterThan(0);
    // A task neither was rated on: what suited code says nothing here, so priors decide, as if
    // nothing had been learned.
    const story = { prompt: 'Write a poem about autumn leaves', task: 'creative' as const };
    const learned = route(story, pair, state(stats));
    const untrained = route(story, pair, state());
    expect(learned.chain.map((entry) => entry.model.id)).toEqual(
      untrained.chain.map((entry) => entry.model.id),
    );
    expect(learned.chain.every((entry) => entry.promptQuality === undefined)).toBe(true);
  });

  it('requestText is the text feedback is learned on', () => {
    expect(requestText({ system: 'Be brief.', prompt: 'Hello' })).toBe('Be brief.\n\nHello');
    expect(
      requestText({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] }),
    ).toBe('Hi');
  });

  it('a bundled model’s key is provider/id', () => {
    const stats = new RouterStats();
    stats.usePromptQuality();
    stats.recordFeedback({ model: bundled('anthropic', 'claude-haiku-4-5'), score: 1, text: 'x' });
    expect(stats.promptQuality?.observedModels()).toEqual([
      { modelKey: 'anthropic/claude-haiku-4-5', observations: 1 },
    ]);
  });
});
