/**
 * Criterion weights for a request: the task profile says which quality criteria matter and the
 * default cost / quality / latency split; a preset replaces the split, the quality and speed hints
 * stretch it, and a few support criteria (reliability, privacy, context and output length) always
 * get a small share. The weights sum to 1.
 */
import { type Criterion, QUALITY_CRITERIA, type QualityCriterion } from '../catalog/catalog-types';
import type { Preset, RequestHints, TaskType } from '../protocol/llm-request';
import type { RequestAnalysis } from './router-types';

/** How much cost, quality and latency matter; the three shares sum to 1. */
export interface WeightSplit {
  cost: number;
  quality: number;
  latency: number;
}

export interface TaskProfile {
  /** The split used when the request names no preset. */
  split: WeightSplit;
  /** How the quality share is spread over the quality criteria (sums to 1). */
  quality: Partial<Record<QualityCriterion, number>>;
}

/**
 * Presets as in common router setups: economy weighs like customer support (cost .55, quality
 * .25, latency .20), quality like code generation (.10/.70/.20), fast like real-time chat
 * (.15/.20/.65), balanced in between.
 */
export const PRESET_SPLITS: Readonly<Record<Preset, WeightSplit>> = {
  economy: { cost: 0.55, quality: 0.25, latency: 0.2 },
  balanced: { cost: 0.3, quality: 0.45, latency: 0.25 },
  quality: { cost: 0.1, quality: 0.7, latency: 0.2 },
  fast: { cost: 0.15, quality: 0.2, latency: 0.65 },
};

export const TASK_PROFILES: Readonly<Record<TaskType, TaskProfile>> = {
  coding: {
    split: PRESET_SPLITS.quality,
    quality: {
      coding: 0.45,
      reasoning: 0.15,
      instructionFollowing: 0.15,
      overallQuality: 0.15,
      accuracy: 0.1,
    },
  },
  reasoning: {
    split: { cost: 0.1, quality: 0.7, latency: 0.2 },
    quality: { reasoning: 0.45, math: 0.25, accuracy: 0.15, overallQuality: 0.15 },
  },
  creative: {
    split: { cost: 0.2, quality: 0.6, latency: 0.2 },
    quality: {
      creativeWriting: 0.5,
      overallQuality: 0.25,
      instructionFollowing: 0.15,
      multilingual: 0.1,
    },
  },
  educational: {
    split: { cost: 0.25, quality: 0.5, latency: 0.25 },
    quality: { overallQuality: 0.3, accuracy: 0.3, instructionFollowing: 0.2, reasoning: 0.2 },
  },
  qa: {
    split: PRESET_SPLITS.balanced,
    quality: { accuracy: 0.45, overallQuality: 0.2, reasoning: 0.2, instructionFollowing: 0.15 },
  },
  general: {
    split: PRESET_SPLITS.balanced,
    quality: { overallQuality: 0.5, instructionFollowing: 0.25, accuracy: 0.25 },
  },
  summarization: {
    split: { cost: 0.4, quality: 0.35, latency: 0.25 },
    quality: { instructionFollowing: 0.3, accuracy: 0.3, overallQuality: 0.3, multilingual: 0.1 },
  },
  translation: {
    split: { cost: 0.35, quality: 0.45, latency: 0.2 },
    quality: { multilingual: 0.6, overallQuality: 0.2, instructionFollowing: 0.2 },
  },
  extraction: {
    split: { cost: 0.45, quality: 0.3, latency: 0.25 },
    quality: { instructionFollowing: 0.5, accuracy: 0.3, overallQuality: 0.2 },
  },
  classification: {
    split: PRESET_SPLITS.economy,
    quality: { instructionFollowing: 0.4, accuracy: 0.4, overallQuality: 0.2 },
  },
};

/** How the quality hint stretches the quality share and shrinks the cost share (`best`: pay for
 * the best answer), and how the speed hint stretches the latency share. */
const QUALITY_HINT_FACTORS = {
  low: { quality: 0.6, cost: 1.3 },
  medium: { quality: 1, cost: 1 },
  high: { quality: 1.4, cost: 0.8 },
  best: { quality: 2.5, cost: 0.25 },
} as const;
const SPEED_HINT_FACTOR = { fastest: 2.2, fast: 1.5, normal: 1, any: 0.6 } as const;

/** Support criteria and their shares: reliability and privacy always count a little; context and
 * output length count when the request is long. */
const RELIABILITY_SHARE = 0.06;
const PRIVACY_SHARE = 0.02;
const CONTEXT_SHARE_MAX = 0.02;
const CONTEXT_SHARE_FULL_AT_TOKENS = 32_000;
const OUTPUT_SHARE_MAX = 0.02;
const OUTPUT_SHARE_FULL_AT_TOKENS = 8_000;
/** Above this many expected output tokens, streaming speed matters more than the first token. */
const LONG_ANSWER_TOKENS = 1_000;

/** The cost / quality / latency split: the preset's (or the task's), stretched by the hints and
 * by `costAversion` (`RouterTuning.costAversion`: 1 leaves the split as it is). */
export function weightSplit(
  task: TaskType,
  hints: RequestHints | undefined,
  costAversion = 1,
): WeightSplit {
  const preset = hints?.preset;
  const base = preset ? PRESET_SPLITS[preset] : TASK_PROFILES[task].split;
  const qualityHint = hints?.quality;
  const speedHint = hints?.speed;
  const qualityFactors = QUALITY_HINT_FACTORS[qualityHint ?? 'medium'];
  const cost = base.cost * qualityFactors.cost * Math.max(0, costAversion);
  const quality = base.quality * qualityFactors.quality;
  const latency = base.latency * (speedHint ? SPEED_HINT_FACTOR[speedHint] : 1);
  const total = cost + quality + latency;
  return { cost: cost / total, quality: quality / total, latency: latency / total };
}

function zeroWeights(): Record<Criterion, number> {
  return {
    latency: 0,
    throughput: 0,
    tokensPerSecond: 0,
    accuracy: 0,
    overallQuality: 0,
    instructionFollowing: 0,
    coding: 0,
    reasoning: 0,
    math: 0,
    creativeWriting: 0,
    costEfficiency: 0,
    contextLength: 0,
    outputLength: 0,
    reliability: 0,
    privacy: 0,
    multilingual: 0,
  };
}

/** Criterion weights (summing to 1) for an analyzed request (with the hints in effect). */
export function criterionWeights(
  analysis: RequestAnalysis,
  costAversion = 1,
): { weights: Record<Criterion, number>; split: WeightSplit } {
  const split = weightSplit(analysis.task, analysis.hints, costAversion);
  const contextShare =
    CONTEXT_SHARE_MAX * Math.min(1, analysis.inputTokens / CONTEXT_SHARE_FULL_AT_TOKENS);
  const outputShare =
    OUTPUT_SHARE_MAX * Math.min(1, analysis.expectedOutputTokens / OUTPUT_SHARE_FULL_AT_TOKENS);
  const support = RELIABILITY_SHARE + PRIVACY_SHARE + contextShare + outputShare;
  const main = 1 - support;

  const weights = zeroWeights();
  weights.costEfficiency = main * split.cost;
  const qualityShares = TASK_PROFILES[analysis.task].quality;
  for (const criterion of QUALITY_CRITERIA) {
    const share = qualityShares[criterion];
    if (share !== undefined) weights[criterion] = main * split.quality * share;
  }
  const longAnswer = analysis.expectedOutputTokens > LONG_ANSWER_TOKENS;
  weights.latency = main * split.latency * (longAnswer ? 0.3 : 0.5);
  weights.tokensPerSecond = main * split.latency * (longAnswer ? 0.55 : 0.35);
  weights.throughput = main * split.latency * 0.15;
  weights.reliability = RELIABILITY_SHARE;
  weights.privacy = PRIVACY_SHARE;
  weights.contextLength = contextShare;
  weights.outputLength = outputShare;
  return { weights, split };
}
