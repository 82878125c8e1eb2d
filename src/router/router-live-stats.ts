/**
 * Live adjustment: what the user's own traffic measures about each model — time to first token,
 * output speed, successes and failures, feedback scores — kept as decayed evidence that later
 * routing decisions blend with the catalog's priors (router-score.ts). The priors are worth a
 * fixed number of pseudo-observations (`RouterTuning`), so one slow answer nudges an estimate and
 * a steady stream of them moves it; old evidence fades so a model that recovers is noticed.
 *
 * Optionally it keeps a per-prompt quality model (prompt-quality-model.ts) trained on feedback
 * with the request's text, so the router can learn which prompts each model answers well.
 *
 * Plain data in and out: `toJSON()` / `RouterStats.fromJSON()` let the runtime persist it.
 */
import type { TaskType } from '../protocol/llm-request';
import { type PromptFeatures, PromptQualityModel, promptFeatures } from './prompt-quality-model';
import { analyzeRequest } from './router-analyze';
import type { LiveEstimate, LiveEvidence } from './router-types';

/** Which model an observation is about. */
export interface ObservedModel {
  provider: string;
  id: string;
}

/** One finished (or failed) call. */
export interface ObservedOutcome {
  model: ObservedModel;
  /** Whether the call produced an answer. */
  ok: boolean;
  /** Whole call duration, ms. */
  latencyMs?: number;
  timeToFirstTokenMs?: number;
  outputTokens?: number;
  /** Measured output speed; derived from the other fields when absent. */
  tokensPerSecond?: number;
}

/** A user's (or an evaluator's) verdict on one answer. */
export interface ObservedFeedback {
  model: ObservedModel;
  /** In [0, 1]: 1 = fully good. */
  score: number;
  /** The request's task, so feedback can be told apart per task. */
  task?: TaskType;
  /** The request's text (`requestText(request)`), for the per-prompt quality model. */
  text?: string;
  /** The same text's features when the caller already computed them. */
  features?: PromptFeatures;
}

export interface RouterStatsOptions {
  /** Speed averages become moving averages over about this many recent observations. */
  speedWindow: number;
  /** Each new outcome multiplies older success/failure counts by this (≈ 1 / (1 − decay) kept). */
  outcomeDecay: number;
  /** The same for feedback. */
  feedbackDecay: number;
  /** The same for the sizes of rated requests: slower, since the typical size is a yardstick of
   * the whole workload, not of its latest kind of request. */
  requestSizeDecay: number;
}

export const DEFAULT_ROUTER_STATS_OPTIONS: RouterStatsOptions = {
  speedWindow: 50,
  outcomeDecay: 0.97,
  feedbackDecay: 0.99,
  requestSizeDecay: 0.999,
};

interface SpeedStats {
  /** Effective count (capped at the window). */
  count: number;
  meanLog: number;
}

interface ModelObservations {
  timeToFirstToken?: SpeedStats;
  tokensPerSecond?: SpeedStats;
  successes: number;
  failures: number;
}

interface FeedbackStats {
  sum: number;
  count: number;
}

/** The JSON form of `RouterStats`. */
export interface RouterStatsSnapshot {
  version: 1;
  options: RouterStatsOptions;
  models: Record<string, ModelObservations>;
  feedback: Record<string, FeedbackStats>;
  promptQuality?: unknown;
  /** Decayed sums of the sizes (tokens) of the requests learned from (absent in older
   * snapshots). */
  requestTokens?: FeedbackStats;
}

function keyOf(model: ObservedModel): string {
  return `${model.provider}/${model.id}`;
}

function taskKey(modelKey: string, task: TaskType): string {
  return `${modelKey}#${task}`;
}

function isPositiveFinite(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

function updateSpeed(stats: SpeedStats | undefined, value: number, window: number): SpeedStats {
  const current = stats ?? { count: 0, meanLog: 0 };
  const count = Math.min(current.count + 1, window);
  const logValue = Math.log(value);
  return { count, meanLog: current.meanLog + (logValue - current.meanLog) / count };
}

function observedTokensPerSecond(outcome: ObservedOutcome): number | undefined {
  if (isPositiveFinite(outcome.tokensPerSecond)) return outcome.tokensPerSecond;
  const { latencyMs, timeToFirstTokenMs, outputTokens } = outcome;
  if (!isPositiveFinite(latencyMs) || !isPositiveFinite(outputTokens)) return undefined;
  const streamingMs = latencyMs - (timeToFirstTokenMs ?? 0);
  return streamingMs > 0 && outputTokens > 1 ? (outputTokens / streamingMs) * 1000 : undefined;
}

export class RouterStats implements LiveEvidence {
  private readonly options: RouterStatsOptions;
  private readonly models = new Map<string, ModelObservations>();
  private readonly feedback = new Map<string, FeedbackStats>();
  /** Models with feedback recorded under some task (their untasked totals then stay unused). */
  private readonly taskedModels = new Set<string>();
  private promptModel: PromptQualityModel | undefined;
  /** Sizes of the requests feedback came with: decayed sum of tokens and count. */
  private requestTokens: FeedbackStats = { sum: 0, count: 0 };
  /** The last text sized, so feedback on several models' answers to one request sizes it once. */
  private lastSized: { text: string; tokens: number } | undefined;
  private changes = 0;

  /** Bumped by every recorded outcome or feedback (see `LiveEvidence.revision`). */
  get revision(): number {
    return this.changes;
  }

  constructor(
    options: Partial<RouterStatsOptions> = {},
    promptQuality: PromptQualityModel | undefined = undefined,
  ) {
    this.options = { ...DEFAULT_ROUTER_STATS_OPTIONS, ...options };
    this.promptModel = promptQuality;
  }

  /** The per-prompt quality model, when one is kept. */
  get promptQuality(): PromptQualityModel | undefined {
    return this.promptModel;
  }

  /** The mean size (input plus expected output tokens) of the requests feedback came with, the
   * older ones decayed by `requestSizeDecay`; undefined before any. */
  get typicalRequestTokens(): number | undefined {
    const { sum, count } = this.requestTokens;
    return count > 0 ? sum / count : undefined;
  }

  /** Starts (or replaces) the per-prompt quality model that feedback with text trains. */
  usePromptQuality(model: PromptQualityModel = new PromptQualityModel()): PromptQualityModel {
    this.promptModel = model;
    this.changes++;
    return model;
  }

  /** Records one call's outcome: speed figures when present, and success or failure. */
  recordOutcome(outcome: ObservedOutcome): void {
    this.changes++;
    const key = keyOf(outcome.model);
    const current = this.models.get(key) ?? { successes: 0, failures: 0 };
    const { outcomeDecay, speedWindow } = this.options;
    const next: ModelObservations = {
      ...current,
      successes: current.successes * outcomeDecay + (outcome.ok ? 1 : 0),
      failures: current.failures * outcomeDecay + (outcome.ok ? 0 : 1),
    };
    if (outcome.ok && isPositiveFinite(outcome.timeToFirstTokenMs)) {
      next.timeToFirstToken = updateSpeed(
        current.timeToFirstToken,
        outcome.timeToFirstTokenMs,
        speedWindow,
      );
    }
    const tokensPerSecond = outcome.ok ? observedTokensPerSecond(outcome) : undefined;
    if (tokensPerSecond !== undefined) {
      next.tokensPerSecond = updateSpeed(current.tokensPerSecond, tokensPerSecond, speedWindow);
    }
    this.models.set(key, next);
  }

  /** Records a feedback score for a model (and its task); with text or features, the per-prompt
   * quality model learns from it too. */
  recordFeedback(feedback: ObservedFeedback): void {
    if (!Number.isFinite(feedback.score)) return;
    this.changes++;
    const score = Math.min(1, Math.max(0, feedback.score));
    const key = keyOf(feedback.model);
    this.addFeedback(key, score);
    if (feedback.task) {
      this.addFeedback(taskKey(key, feedback.task), score);
      this.taskedModels.add(key);
    }
    if (feedback.text !== undefined) this.addRequestSize(feedback.text);
    if (this.promptModel && (feedback.features || feedback.text !== undefined)) {
      const features = feedback.features ?? promptFeatures(feedback.text ?? '');
      this.promptModel.observe(key, features, score);
    }
  }

  /** Counts a rated request's size once, however many models' answers to it are rated. */
  private addRequestSize(text: string): void {
    if (this.lastSized?.text === text) return;
    const analysis = analyzeRequest({ prompt: text });
    const tokens = analysis.inputTokens + analysis.expectedOutputTokens;
    this.lastSized = { text, tokens };
    const decay = this.options.requestSizeDecay;
    this.requestTokens = {
      sum: this.requestTokens.sum * decay + tokens,
      count: this.requestTokens.count * decay + 1,
    };
  }

  private addFeedback(key: string, score: number): void {
    const current = this.feedback.get(key) ?? { sum: 0, count: 0 };
    const decay = this.options.feedbackDecay;
    this.feedback.set(key, {
      sum: current.sum * decay + score,
      count: current.count * decay + 1,
    });
  }

  /**
   * What has been observed of a model, with the feedback that applies to `task`: what it got on
   * that task. A model rated on other tasks only has none for this one — what suited those tasks
   * says little about a new one (measured on whole task labels held out, docs/routing-replay.md),
   * so the router keeps to its priors there. Feedback recorded without any task (older snapshots)
   * counts for every task.
   */
  estimate(modelKey: string, task: TaskType): LiveEstimate | undefined {
    const observations = this.models.get(modelKey);
    // Feedback for a task is always counted for the model too: a model without either has
    // nothing to report, and most of a catalog is such models — answer them with two lookups.
    const overall = this.feedback.get(modelKey);
    if (!observations && !overall) return undefined;
    const feedback =
      overall &&
      (this.feedback.get(taskKey(modelKey, task)) ??
        (this.taskedModels.has(modelKey) ? undefined : overall));
    const timeToFirstToken = observations?.timeToFirstToken;
    const tokensPerSecond = observations?.tokensPerSecond;
    const estimate: LiveEstimate = {
      timeToFirstTokenObservations: timeToFirstToken?.count ?? 0,
      outputTokensPerSecondObservations: tokensPerSecond?.count ?? 0,
      successes: observations?.successes ?? 0,
      failures: observations?.failures ?? 0,
      feedbackCount: feedback?.count ?? 0,
    };
    if (timeToFirstToken) estimate.timeToFirstTokenMs = Math.exp(timeToFirstToken.meanLog);
    if (tokensPerSecond) estimate.outputTokensPerSecond = Math.exp(tokensPerSecond.meanLog);
    if (feedback && feedback.count > 0) estimate.feedbackMean = feedback.sum / feedback.count;
    return estimate;
  }

  toJSON(): RouterStatsSnapshot {
    const snapshot: RouterStatsSnapshot = {
      version: 1,
      options: { ...this.options },
      models: Object.fromEntries(this.models),
      feedback: Object.fromEntries(this.feedback),
    };
    if (this.promptModel) snapshot.promptQuality = this.promptModel.toJSON();
    if (this.requestTokens.count > 0) snapshot.requestTokens = { ...this.requestTokens };
    return snapshot;
  }

  /** Rebuilds statistics saved with `toJSON()`; throws a TypeError on anything else. */
  static fromJSON(json: unknown): RouterStats {
    if (!isSnapshot(json)) throw new TypeError('not a RouterStats snapshot');
    const promptQuality =
      json.promptQuality !== undefined
        ? PromptQualityModel.fromJSON(json.promptQuality)
        : undefined;
    const stats = new RouterStats(json.options, promptQuality);
    for (const [key, observations] of Object.entries(json.models)) {
      stats.models.set(key, { ...observations });
    }
    for (const [key, feedback] of Object.entries(json.feedback)) {
      stats.feedback.set(key, { ...feedback });
      const task = key.lastIndexOf('#');
      if (task > 0) stats.taskedModels.add(key.slice(0, task));
    }
    if (json.requestTokens) stats.requestTokens = { ...json.requestTokens };
    return stats;
  }
}

function isSnapshot(json: unknown): json is RouterStatsSnapshot {
  if (typeof json !== 'object' || json === null) return false;
  const candidate = json as Partial<RouterStatsSnapshot>;
  return (
    candidate.version === 1 &&
    typeof candidate.options === 'object' &&
    typeof candidate.models === 'object' &&
    candidate.models !== null &&
    typeof candidate.feedback === 'object' &&
    candidate.feedback !== null
  );
}
