/**
 * Routing scores exactly only the rows that can still reach the chain (an upper bound of each
 * row's score against the best scored so far, router-score.ts). These tests check that this
 * loses nothing: over many requests, states and catalog sizes, the chain is exactly the top of
 * the full ranking the explanation computes by scoring every candidate.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogFromOpenRouter } from '../../src/catalog/catalog-openrouter';
import type { CatalogModel } from '../../src/catalog/catalog-types';
import type { LlmRequest, QualityHint, SpeedHint } from '../../src/protocol/llm-request';
import { RouterStats } from '../../src/router/router-live-stats';
import { planRoute } from '../../src/router/router-route';
import type { CandidateScore, RoutingState } from '../../src/router/router-types';
import { catalog as bundledCatalog } from './router-fixtures';

const snapshot = JSON.parse(
  readFileSync(
    resolve(import.meta.dirname, '../../data/model-facts/openrouter_models_snapshot.json'),
    'utf8',
  ),
);
const known = new Set(bundledCatalog.map((model) => `${model.provider}/${model.id}`));
const bigCatalog: CatalogModel[] = [
  ...bundledCatalog,
  ...catalogFromOpenRouter(snapshot).filter((model) => !known.has(`${model.provider}/${model.id}`)),
];

/** A small deterministic generator (mulberry32). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

const PROMPTS = [
  'Write a TypeScript function that merges two sorted arrays and explain its complexity.',
  'Summarize the following meeting notes in three bullet points: budgets, hiring, the roadmap.',
  'What is the capital of France?',
  'Write a poem about rain in the city.',
  'Prove that the square root of 2 is irrational, step by step.',
  'Translate into German: the invoice is due next Tuesday.',
  `Classify the sentiment of this review as positive or negative: ${'great value, '.repeat(40)}`,
];
/** Prompts no statistics are learned on (their words are unfamiliar to the per-prompt model). */
const UNSEEN_PROMPTS = [
  'Describe the history of the printing press in two paragraphs.',
  'Which volcano erupted in 1815 and what followed?',
];
const PRESETS = [undefined, 'economy', 'balanced', 'quality', 'fast'] as const;
const QUALITY: ReadonlyArray<QualityHint | undefined> = [undefined, 'low', 'high', 'best'];
const SPEED: ReadonlyArray<SpeedHint | undefined> = [undefined, 'fast', 'normal'];

function randomRequest(random: () => number): LlmRequest {
  const preset = pick(random, PRESETS);
  const quality = pick(random, QUALITY);
  const speed = pick(random, SPEED);
  const maxCostUsd = random() < 0.2 ? 0.0001 + random() * 0.01 : undefined;
  const maxLatencyMs = random() < 0.15 ? 2_000 + random() * 20_000 : undefined;
  const privacy = random() < 0.1 ? ('no-training' as const) : undefined;
  return {
    prompt: pick(random, [...PROMPTS, ...UNSEEN_PROMPTS]),
    hints: {
      ...(preset ? { preset } : {}),
      ...(quality ? { quality } : {}),
      ...(speed ? { speed } : {}),
    },
    constraints: {
      ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
      ...(maxLatencyMs !== undefined ? { maxLatencyMs } : {}),
      ...(privacy ? { privacy } : {}),
    },
  };
}

function randomState(
  random: () => number,
  models: readonly CatalogModel[],
  stats?: RouterStats,
): RoutingState {
  const providers = [...new Set(models.map((model) => model.provider))];
  return {
    providers: Object.fromEntries(
      providers.map((provider) => [
        provider,
        { available: random() < 0.9, priority: Math.round(random() * 100) },
      ]),
    ),
    localModels: models.filter((model) => model.location === 'local').map((model) => model.id),
    ...(random() < 0.7 ? { gateway: 'openrouter' } : {}),
    cooldowns: {},
    budgetLeftUsd: random() < 0.2 ? 0.001 : 100,
    now: Date.UTC(2026, 10, 23),
    tuning: {
      chainLength: pick(random, [0, 1, 3, 8]),
      gatewayChainLength: pick(random, [0, 1, 2]),
      ...(random() < 0.3 ? { costAversion: random() * 4 } : {}),
    },
    ...(stats ? { stats } : {}),
  };
}

function keyOf(candidate: CandidateScore): string {
  return `${candidate.model.provider}/${candidate.model.id}`;
}

/** The best `limit` candidates of one group by the documented order, from fully scored ones. */
function bestOf(
  candidates: readonly CandidateScore[],
  viaGateway: boolean,
  limit: number,
): string[] {
  return candidates
    .filter((candidate) => candidate.viaGateway === viaGateway)
    .sort(
      (a, b) =>
        Math.round(b.finalScore * 1e9) - Math.round(a.finalScore * 1e9) ||
        a.expectedCostUsd - b.expectedCostUsd ||
        (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0),
    )
    .slice(0, limit)
    .map(keyOf);
}

function expectChainIsTopOfFullRanking(
  request: LlmRequest,
  models: readonly CatalogModel[],
  state: RoutingState,
) {
  const plan = planRoute(request, models, state);
  const { candidates } = plan.explanation;
  const tuning = state.tuning!;
  const expected = [
    ...bestOf(candidates, false, tuning.chainLength ?? 8),
    ...bestOf(candidates, true, tuning.gatewayChainLength ?? 2),
  ];
  expect(plan.chain.map(keyOf)).toEqual(expected);
  // The chain's scores are the explanation's: the same objects, scored exactly.
  for (const [position, candidate] of plan.chain.entries()) {
    expect(candidates[position]).toBe(candidate);
    expect(Number.isFinite(candidate.finalScore)).toBe(true);
  }
}

function learnedStats(models: readonly CatalogModel[]): RouterStats {
  const stats = new RouterStats();
  stats.usePromptQuality();
  for (let prompt = 0; prompt < 60; prompt++) {
    for (let index = 0; index < 12; index++) {
      const model = models[(index * 13) % models.length]!;
      stats.recordFeedback({
        model: { provider: model.provider, id: model.id },
        score: (prompt * 7 + index * 3) % 5 < 3 ? 1 : 0,
        text: PROMPTS[prompt % PROMPTS.length]!,
      });
      stats.recordOutcome({
        model: { provider: model.provider, id: model.id },
        ok: prompt % 9 !== 0,
        timeToFirstTokenMs: 150 + ((prompt * 37 + index * 11) % 900),
        tokensPerSecond: 20 + ((prompt + index) % 150),
      });
    }
  }
  return stats;
}

/**
 * Statistics where learned means lift weak models above their catalog scores in both ways: the
 * weakest twelve are rated good on one kind of prompt and bad on the rest (for that kind their
 * per-prompt prediction is the highest of their figures), the next twelve bad on one kind and
 * good on the rest (for that kind their average rating is).
 */
function promptSpecificStats(models: readonly CatalogModel[], perPrompt = true): RouterStats {
  const stats = new RouterStats();
  if (perPrompt) stats.usePromptQuality();
  const weakest = [...models].sort((a, b) => a.scores.overallQuality - b.scores.overallQuality);
  for (let round = 0; round < 40; round++) {
    for (const [position, text] of PROMPTS.entries()) {
      for (const [index, model] of weakest.slice(0, 24).entries()) {
        const ownKind = index % PROMPTS.length === position;
        stats.recordFeedback({
          model: { provider: model.provider, id: model.id },
          score: index < 12 ? (ownKind ? 1 : 0) : ownKind ? 0 : 1,
          text,
        });
      }
    }
  }
  return stats;
}

describe('scoring only the rows that can reach the chain', () => {
  it('gives the chain that scoring every candidate gives (bundled catalog)', () => {
    const random = generator(1);
    for (let trial = 0; trial < 150; trial++) {
      expectChainIsTopOfFullRanking(
        randomRequest(random),
        bundledCatalog,
        randomState(random, bundledCatalog),
      );
    }
  });

  it('gives the chain that scoring every candidate gives (400 models with OpenRouter’s)', () => {
    const random = generator(2);
    for (let trial = 0; trial < 150; trial++) {
      expectChainIsTopOfFullRanking(
        randomRequest(random),
        bigCatalog,
        randomState(random, bigCatalog),
      );
    }
  });

  it('gives the chain that scoring every candidate gives when learned means lift weak models', () => {
    const random = generator(4);
    const stats = promptSpecificStats(bigCatalog);
    for (let trial = 0; trial < 100; trial++) {
      expectChainIsTopOfFullRanking(
        randomRequest(random),
        bigCatalog,
        randomState(random, bigCatalog, stats),
      );
    }
  });

  it('gives the chain that scoring every candidate gives when feedback means alone lift them', () => {
    const random = generator(5);
    const stats = promptSpecificStats(bigCatalog, false);
    for (let trial = 0; trial < 100; trial++) {
      expectChainIsTopOfFullRanking(
        randomRequest(random),
        bigCatalog,
        randomState(random, bigCatalog, stats),
      );
    }
  });

  it('gives the chain that scoring every candidate gives with live statistics', () => {
    const random = generator(3);
    const stats = learnedStats(bigCatalog);
    for (let trial = 0; trial < 100; trial++) {
      expectChainIsTopOfFullRanking(
        randomRequest(random),
        bigCatalog,
        randomState(random, bigCatalog, stats),
      );
    }
  });
});
