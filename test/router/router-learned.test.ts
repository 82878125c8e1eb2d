import { describe, expect, it } from 'vitest';
import { costEfficiencyFromPrice, latencyScore } from '../../src/catalog/catalog-scoring';
import type { CatalogModel } from '../../src/catalog/catalog-types';
import type { LlmRequest, Preset } from '../../src/protocol/llm-request';
import { DEFAULT_TUNING } from '../../src/router/router-analyze';
import { describeCandidate, describeLearning } from '../../src/router/router-explain';
import { RouterStats } from '../../src/router/router-live-stats';
import { route } from '../../src/router/router-route';
import { applyNeed } from '../../src/router/router-score';
import type { CandidateScore, RoutingState } from '../../src/router/router-types';
import { weightSplit } from '../../src/router/router-weights';
import { catalog, everythingAvailable, modelFromFacts } from './router-fixtures';

// Two models of one line at very different prices: on priors alone they score alike on quality,
// so what the router learns decides between them.
const dear = modelFromFacts('dear-1', 'alpha', {
  inputPerMTok: 10,
  outputPerMTok: 30,
  family: 'meta/llama-3.3-70b',
});
const cheap = modelFromFacts('cheap-1', 'beta', {
  inputPerMTok: 0.3,
  outputPerMTok: 0.6,
  family: 'meta/llama-3.3-70b',
});
const pair = [dear, cheap];
const question: LlmRequest = { prompt: 'Which planet has the most moons? Answer briefly.' };

function stateWith(stats?: RouterStats, models: readonly CatalogModel[] = pair): RoutingState {
  return {
    providers: Object.fromEntries(
      models.map((model) => [model.provider, { available: true, priority: 100 }]),
    ),
    localModels: [],
    cooldowns: {},
    budgetLeftUsd: 10,
    now: 0,
    ...(stats ? { stats } : {}),
  };
}

/** Statistics in which each model's answers were good with the given rate (per task `qa`, 200
 * rated answers each, on short questions). */
function learned(rates: Record<string, number>, models: readonly CatalogModel[] = pair) {
  const stats = new RouterStats();
  for (let answer = 0; answer < 200; answer++) {
    for (const model of models) {
      const rate = rates[model.id];
      if (rate === undefined) continue;
      // Good on a fixed share of the answers, spread evenly.
      const score = Math.floor((answer + 1) * rate) > Math.floor(answer * rate) ? 1 : 0;
      stats.recordFeedback({
        model,
        score,
        task: 'qa',
        text: `Question ${answer % 7}: which is larger?`,
      });
    }
  }
  return stats;
}

function chosen(request: LlmRequest, state: RoutingState, preset?: Preset): CandidateScore {
  const plan = route(preset ? { ...request, hints: { preset } } : request, pair, state);
  return plan.chain[0]!;
}

describe('learned ranking', () => {
  it('is off on priors alone and with evidence for only one model', () => {
    expect(route(question, pair, stateWith()).explanation.learned).toBeUndefined();
    const one = learned({ 'dear-1': 0.9 });
    expect(route(question, pair, stateWith(one)).explanation.learned).toBeUndefined();
  });

  it('is on once two candidates have enough evidence, with the best-predicted as reference', () => {
    const plan = route(question, pair, stateWith(learned({ 'dear-1': 0.9, 'cheap-1': 0.6 })));
    expect(plan.explanation.learned).toMatchObject({
      candidatesWithEvidence: 2,
      referenceModel: 'alpha/dear-1',
    });
    expect(plan.explanation.learned!.costScaleUsd).toBeGreaterThan(0);
  });

  // With the defaults, a request of the typical size at the best-predicted model's price, and a
  // free alternative: balanced pays for ≥ 0.027 of predicted quality, quality for ≥ 0.006,
  // economy for ≥ 0.088 (docs/router.md §5); this question is about half the typical size.
  it('notices new evidence at once (what it remembers per catalog follows the revision)', () => {
    const stats = learned({ 'dear-1': 0.9 });
    expect(route(question, pair, stateWith(stats)).explanation.learned).toBeUndefined();
    for (let answer = 0; answer < 50; answer++) {
      stats.recordFeedback({ model: cheap, score: 1, task: 'qa', text: 'Which is larger?' });
    }
    expect(route(question, pair, stateWith(stats)).explanation.learned?.referenceModel).toBe(
      'beta/cheap-1',
    );
  });

  it('prefers the cheaper model when its predicted quality is near the best', () => {
    const close = stateWith(learned({ 'dear-1': 0.9, 'cheap-1': 0.895 }));
    expect(chosen(question, close, 'balanced').model.id).toBe('cheap-1');
    // The same cheap model predicted far worse: the dear one is worth its price.
    const far = stateWith(learned({ 'dear-1': 0.9, 'cheap-1': 0.55 }));
    expect(chosen(question, far, 'balanced').model.id).toBe('dear-1');
  });

  it('the quality preset does not pick a model predicted worse by a clear margin', () => {
    const state = stateWith(learned({ 'dear-1': 0.9, 'cheap-1': 0.87 }));
    expect(chosen(question, state, 'quality').model.id).toBe('dear-1');
    // …while economy, on the same evidence, saves.
    expect(chosen(question, state, 'economy').model.id).toBe('cheap-1');
  });

  it('follows what was learned even against the catalog: a cheap model that is better wins', () => {
    const state = stateWith(learned({ 'dear-1': 0.6, 'cheap-1': 0.9 }));
    for (const preset of ['economy', 'balanced', 'quality', 'fast'] as const) {
      expect(chosen(question, state, preset).model.id).toBe('cheap-1');
    }
  });

  it('costAversion trades quality for cost monotonically, and 0 ignores cost', () => {
    const stats = learned({ 'dear-1': 0.9, 'cheap-1': 0.84 });
    const costs = [0, 0.25, 0.5, 1, 2, 4, 8].map(
      (costAversion) =>
        chosen(question, { ...stateWith(stats), tuning: { costAversion } }, 'balanced')
          .expectedCostUsd,
    );
    for (let index = 1; index < costs.length; index++) {
      expect(costs[index]).toBeLessThanOrEqual(costs[index - 1]!);
    }
    expect(costs[0]).toBe(chosen(question, stateWith(stats), 'quality').expectedCostUsd);
    expect(costs[0]).toBeGreaterThan(costs.at(-1)!);
  });

  it('weighs the dollars at stake: a request far larger than usual goes to the cheaper model', () => {
    const stats = learned({ 'dear-1': 0.9, 'cheap-1': 0.8 });
    const typical = stats.typicalRequestTokens!;
    expect(typical).toBeGreaterThan(0);
    const short = chosen(question, stateWith(stats), 'balanced');
    const long = chosen(
      { prompt: `${'The quarterly figures are attached below. '.repeat(800)}\n\nWhich is larger?` },
      stateWith(stats),
      'balanced',
    );
    expect(short.model.id).toBe('dear-1');
    expect(long.model.id).toBe('cheap-1');
  });

  it('keeps to the priors for a kind of prompt no rated answer had (new shape, same task)', () => {
    // Rated on short open questions only (with the per-prompt model the broker keeps): the cheap
    // model did as well as the dear one.
    const stats = new RouterStats();
    stats.usePromptQuality();
    for (let answer = 0; answer < 200; answer++) {
      for (const model of pair) {
        stats.recordFeedback({
          model,
          score: answer % 10 === 0 ? 0 : 1,
          task: 'qa',
          text: `Question ${answer % 7}: which is larger?`,
        });
      }
    }
    const familiar = route({ ...question, task: 'qa' }, pair, stateWith(stats));
    expect(familiar.explanation.learned).toBeDefined();
    // A fill-in-the-blank with two options is another shape: nothing learned speaks for it.
    const blank: LlmRequest = {
      task: 'qa',
      prompt:
        'The trophy does not fit in the suitcase because _ is too big.\nA. the trophy\nB. the suitcase\nAnswer:',
    };
    const unfamiliar = route(blank, pair, stateWith(stats));
    const priors = route(blank, pair, stateWith());
    expect(unfamiliar.explanation.learned).toBeUndefined();
    const estimates = (plan: typeof priors) =>
      plan.explanation.candidates.map((candidate) => [
        candidate.model.id,
        candidate.qualityEstimate,
      ]);
    expect(estimates(unfamiliar)).toEqual(estimates(priors));
    // The explanation says why: every model's ratings were on another shape.
    for (const candidate of unfamiliar.explanation.candidates) {
      expect(candidate.ratingsCounted).toBe(0);
      expect(describeCandidate(candidate, unfamiliar.explanation)).toContain(
        'its ratings were all on prompts of another shape: the catalog decides',
      );
    }
    expect(describeLearning(unfamiliar.explanation)).toMatch(
      /^Ratings counted less here: 2 models \(cheap-1, dear-1\) had few or none of their ratings on prompts shaped like this one/,
    );
    expect(familiar.explanation.candidates.map((candidate) => candidate.ratingsCounted)).toEqual([
      1, 1,
    ]);
    expect(describeLearning(familiar.explanation)).toBe(
      'Ranked by what ratings taught: 2 models rated enough for this kind of prompt, quality weighed against the cost at stake.',
    );
    expect(describeLearning(priors.explanation)).toBeUndefined();
    const one = { candidates: unfamiliar.explanation.candidates.slice(0, 1) };
    expect(describeLearning(one)).toMatch(
      /^Ratings counted less here: 1 model \(cheap-1\) had few or none of its ratings/,
    );
  });

  it('shifts the prior part of every quality by the gap learned evidence showed', () => {
    // A third model of the same line, never rated: it competes on the learned scale.
    const spare = modelFromFacts('spare-1', 'gamma', {
      inputPerMTok: 0.3,
      outputPerMTok: 0.6,
      family: 'meta/llama-3.3-70b',
    });
    const trio = [...pair, spare];
    const stats = learned({ 'dear-1': 0.6, 'cheap-1': 0.6 }, trio);
    const plan = route(question, trio, stateWith(stats, trio));
    const priors = route(question, trio, stateWith(undefined, trio)).explanation.candidates;
    const estimate = (candidates: readonly CandidateScore[], id: string) =>
      candidates.find((candidate) => candidate.model.id === id)!.qualityEstimate;
    const share = (id: string) => {
      const count = stats.estimate(
        `${id === 'dear-1' ? 'alpha' : 'beta'}/${id}`,
        'qa',
      )!.feedbackCount;
      return count / (DEFAULT_TUNING.feedbackPriorWeight + count);
    };
    const gaps = ['dear-1', 'cheap-1'].map(
      (id) => (estimate(plan.explanation.candidates, id) - estimate(priors, id)) / share(id),
    );
    expect(plan.explanation.learned!.priorShift).toBeCloseTo((gaps[0]! + gaps[1]!) / 2, 9);
    // Same line and price: the unrated spare, shifted, scores as the rated cheap model does (it
    // would trail it by the whole gap on the catalog's scale).
    const final = (id: string) =>
      plan.explanation.candidates.find((candidate) => candidate.model.id === id)!.finalScore;
    expect(final('spare-1')).toBeCloseTo(final('cheap-1'), 6);
  });

  it('keeps contributions summing to the base score, at learned weights summing to 1', () => {
    const plan = route(question, pair, stateWith(learned({ 'dear-1': 0.9, 'cheap-1': 0.7 })));
    const { weights, candidates } = plan.explanation;
    expect(Object.values(weights).reduce((sum, weight) => sum + weight, 0)).toBeCloseTo(1, 12);
    for (const candidate of candidates) {
      const sum = Object.values(candidate.contributions).reduce((total, part) => total + part, 0);
      expect(sum).toBeCloseTo(candidate.baseScore, 12);
    }
    // Quality weighs more than on priors (the gain), cost and speed less.
    const priors = route(question, pair, stateWith()).explanation.weights;
    expect(weights.accuracy).toBeGreaterThan(priors.accuracy);
    expect(weights.costEfficiency).toBeLessThan(priors.costEfficiency);
  });
});

describe('the cost-aversion knob on priors', () => {
  it('1 leaves routing as it was; other values stretch the cost share', () => {
    const request: LlmRequest = { prompt: 'Summarize this meeting in three bullet points.' };
    const state = everythingAvailable();
    const plain = route(request, catalog, state);
    const one = route(request, catalog, { ...state, tuning: { costAversion: 1 } });
    expect(one.chain.map((candidate) => candidate.finalScore)).toEqual(
      plain.chain.map((candidate) => candidate.finalScore),
    );
    const split = weightSplit('summarization', request.hints);
    const doubled = weightSplit('summarization', request.hints, 2);
    expect(doubled.cost / doubled.quality).toBeCloseTo((2 * split.cost) / split.quality, 12);
    const averse = route(request, catalog, { ...state, tuning: { costAversion: 8 } });
    expect(averse.chain[0]!.expectedCostUsd).toBeLessThanOrEqual(plain.chain[0]!.expectedCostUsd);
  });
});

describe('the need', () => {
  it('never reaches zero below it, so candidates far short of a high need still differ', () => {
    const tuning = DEFAULT_TUNING;
    expect(applyNeed(0.1, 1, tuning)).toBeGreaterThan(0);
    expect(applyNeed(0.2, 1, tuning)).toBeGreaterThan(applyNeed(0.1, 1, tuning));
    // Continuous at the need, with slope 1 + shortfallPenalty just below it.
    const need = 0.6;
    const step = 1e-6;
    expect(applyNeed(need - step, need, tuning)).toBeCloseTo(need, 5);
    const slope = (applyNeed(need, need, tuning) - applyNeed(need - step, need, tuning)) / step;
    expect(slope).toBeCloseTo(1 + tuning.shortfallPenalty, 4);
    expect(applyNeed(0.9, need, tuning)).toBeCloseTo(need + tuning.headroomSlope * 0.3, 12);
  });

  it('is what the scores use, with cost and latency on the catalog’s scales', () => {
    const plan = route(
      { prompt: 'Explain recursion to a beginner.' },
      catalog,
      everythingAvailable(),
    );
    const { analysis, weights } = plan.explanation;
    for (const candidate of plan.explanation.candidates.slice(0, 20)) {
      if (candidate.liveAdjusted || candidate.model.performance?.reasoningTokensPerRequest)
        continue;
      const { model } = candidate;
      expect(candidate.contributions.accuracy).toBeCloseTo(
        weights.accuracy * applyNeed(model.scores.accuracy, analysis.qualityNeed, DEFAULT_TUNING),
        12,
      );
      const billed = analysis.inputTokens + analysis.expectedOutputTokens;
      expect(candidate.contributions.costEfficiency).toBeCloseTo(
        weights.costEfficiency *
          costEfficiencyFromPrice((candidate.expectedCostUsd / billed) * 1e6),
        12,
      );
      const prefill = model.performance?.prefillTokensPerSecond ?? 5_000;
      const firstToken =
        (model.performance?.timeToFirstTokenMs ?? 0) + (analysis.inputTokens / prefill) * 1000;
      expect(candidate.contributions.latency).toBeCloseTo(
        weights.latency * latencyScore(firstToken),
        12,
      );
    }
  });
});

describe('describing a learned decision', () => {
  it('says the candidates were ranked by learned quality against cost', () => {
    const plan = route(question, pair, stateWith(learned({ 'dear-1': 0.9, 'cheap-1': 0.7 })));
    const reasons = describeCandidate(plan.chain[0]!, plan.explanation);
    expect(reasons.some((reason) => reason.startsWith('learned ranking: quality'))).toBe(true);
    const priors = route(question, pair, stateWith());
    expect(describeCandidate(priors.chain[0]!, priors.explanation).join(' ')).toMatch(/the need/);
  });
});
