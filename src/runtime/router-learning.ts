/**
 * What the router learns from the user's own traffic (issue: "learning from traffic"): the live
 * statistics, loaded once from storage, fed by every attempt and by pages' feedback, and written
 * back a few seconds after they change so a restarted service worker routes with them.
 */
import { LlmError } from '../protocol/llm-errors';
import type { LlmRequest } from '../protocol/llm-request';
import type { ModelRef } from '../protocol/llm-result';
import { RouterStats, requestText } from '../router';
import type { RouterStatsRepository } from '../storage/storage-router-stats';

/** Answers remembered for `feedback(requestId, score)`. */
const FEEDBACK_MEMORY = 500;

interface AnsweredRequest {
  origin: string;
  model: ModelRef;
  request: LlmRequest;
}

export class RouterLearning {
  private stats: Promise<RouterStats> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly answered = new Map<string, AnsweredRequest>();

  constructor(
    private readonly repository: RouterStatsRepository,
    private readonly saveDelayMs = 5_000,
  ) {}

  /** The live statistics (loaded on first use; a damaged snapshot starts over from the priors). */
  current(): Promise<RouterStats> {
    this.stats ??= this.repository.load().then((saved) => {
      let stats: RouterStats;
      try {
        stats = saved ? RouterStats.fromJSON(saved.stats) : new RouterStats();
      } catch {
        stats = new RouterStats();
      }
      if (!stats.promptQuality) stats.usePromptQuality();
      return stats;
    });
    return this.stats;
  }

  /** Keeps an answer so the page that got it can rate it. */
  remember(requestId: string, answer: AnsweredRequest): void {
    this.answered.set(requestId, answer);
    if (this.answered.size > FEEDBACK_MEMORY)
      this.answered.delete(this.answered.keys().next().value!);
  }

  /** A page's verdict on an answer it received: teaches the router which model suits which prompt. */
  async feedback(origin: string, requestId: string, score: number): Promise<void> {
    const answer = this.answered.get(requestId);
    if (!answer || answer.origin !== origin) {
      throw new LlmError({
        name: 'InvalidStateError',
        message: 'No recent answer from this site has that requestId.',
      });
    }
    if (!Number.isFinite(score) || score < 0 || score > 1) {
      throw new LlmError({
        name: 'TypeError',
        message: 'Invalid feedback: `score` must be a number from 0 to 1.',
      });
    }
    (await this.current()).recordFeedback({
      model: answer.model,
      score,
      ...(answer.request.task && { task: answer.request.task }),
      text: requestText(answer.request),
    });
    this.answered.delete(requestId);
    this.changed();
  }

  /** Something was recorded: write it soon (changes in a burst share one write). */
  changed(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      void this.flush().catch((error) =>
        console.error('LLM Broker: saving router stats failed', error),
      );
    }, this.saveDelayMs);
  }

  /** Writes the statistics now. */
  async flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.stats) await this.repository.save((await this.stats).toJSON());
  }
}
