/**
 * What the router learns from the user's own traffic: the live statistics, loaded once from
 * storage, fed by every attempt and by pages' feedback, and written back a few seconds after they
 * change so a restarted service worker routes with them. The answers a page may still rate are
 * kept in session memory too, so `feedback()` works after the background restarts.
 */
import { LlmError } from '../protocol/llm-errors';
import type { LlmRequest, TaskType } from '../protocol/llm-request';
import type { ModelRef } from '../protocol/llm-result';
import { RouterStats, requestText } from '../router';
import type { RouterStatsRepository } from '../storage/storage-router-stats';
import { SESSION_SAVE_DELAY_MS, type SessionMemory } from './session-memory';

/** Answers remembered for `feedback(requestId, score)`. */
const FEEDBACK_MEMORY = 500;
/**
 * The most of a request's text kept for its feedback: the per-prompt model reads a few thousand
 * characters from each end, so the start and the end are what matter.
 */
const KEPT_TEXT_CHARS = 8_000;
const FEEDBACK_KEY = 'feedback:';
const FEEDBACK_ORDER_KEY = 'feedback-order';

interface AnsweredRequest {
  origin: string;
  model: ModelRef;
  task?: TaskType;
  text: string;
}

function keptText(request: LlmRequest): string {
  const text = requestText(request);
  if (text.length <= 2 * KEPT_TEXT_CHARS) return text;
  return `${text.slice(0, KEPT_TEXT_CHARS)}\n\n${text.slice(-KEPT_TEXT_CHARS)}`;
}

export class RouterLearning {
  private stats: Promise<RouterStats> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly answered = new Map<string, AnsweredRequest>();
  /** Request ids in the order they were remembered (this life's and, once read, earlier ones). */
  private order: Promise<string[]> | undefined;
  /** Answers remembered since session memory was last written (a burst shares one write). */
  private unsaved = new Map<string, AnsweredRequest>();
  private sessionSave: Promise<void> | undefined;

  constructor(
    private readonly repository: RouterStatsRepository,
    private readonly saveDelayMs = 5_000,
    private readonly session?: SessionMemory,
    private readonly sessionSaveDelayMs = SESSION_SAVE_DELAY_MS,
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

  /**
   * Keeps an answer so the page that got it can rate it (not awaited by the request). `task` is
   * the one the request was routed for (the page's, or the one the router inferred): its rating
   * is learned for that task.
   */
  remember(
    requestId: string,
    answer: { origin: string; model: ModelRef; request: LlmRequest; task: TaskType },
  ): Promise<void> {
    const kept: AnsweredRequest = {
      origin: answer.origin,
      model: answer.model,
      task: answer.task,
      text: keptText(answer.request),
    };
    this.answered.set(requestId, kept);
    if (this.answered.size > FEEDBACK_MEMORY)
      this.answered.delete(this.answered.keys().next().value!);
    if (!this.session) return Promise.resolve();
    this.unsaved.set(requestId, kept);
    this.sessionSave ??= new Promise((done) => setTimeout(done, this.sessionSaveDelayMs))
      .then(() => this.saveToSession())
      .catch((error) => console.error('LLM Broker: keeping answers for feedback failed', error));
    return this.sessionSave;
  }

  /**
   * Writes the answers remembered since the last write to session memory: one write for them and
   * the order, one removal for what they push out (the writes of a burst of answers would
   * otherwise crowd the next request's way to its first token).
   */
  private async saveToSession(): Promise<void> {
    const session = this.session!;
    const batch = this.unsaved;
    this.unsaved = new Map();
    this.sessionSave = undefined;
    if (batch.size === 0) return;
    this.order ??= session
      .get(FEEDBACK_ORDER_KEY)
      .then((ids) => (Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : []));
    const order = await this.order;
    const values: Record<string, unknown> = {};
    for (const [requestId, answer] of batch) {
      // Rated meanwhile (one verdict per answer): not kept again.
      if (!this.answered.has(requestId)) continue;
      order.push(requestId);
      values[`${FEEDBACK_KEY}${requestId}`] = answer;
    }
    const evicted = order.splice(0, Math.max(0, order.length - FEEDBACK_MEMORY));
    values[FEEDBACK_ORDER_KEY] = order;
    await session.set(values);
    if (evicted.length > 0) await session.remove(evicted.map((id) => `${FEEDBACK_KEY}${id}`));
  }

  private async recall(requestId: string): Promise<AnsweredRequest | undefined> {
    const known = this.answered.get(requestId);
    if (known || !this.session) return known;
    const stored = (await this.session.get(`${FEEDBACK_KEY}${requestId}`)) as
      | AnsweredRequest
      | undefined;
    return typeof stored?.origin === 'string' && typeof stored.text === 'string'
      ? stored
      : undefined;
  }

  /** A page's verdict on an answer it received: teaches the router which model suits which prompt. */
  async feedback(origin: string, requestId: string, score: number): Promise<void> {
    const answer = await this.recall(requestId);
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
      ...(answer.task && { task: answer.task }),
      text: answer.text,
    });
    // One verdict per answer.
    this.answered.delete(requestId);
    this.unsaved.delete(requestId);
    await this.session?.remove([`${FEEDBACK_KEY}${requestId}`]);
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
