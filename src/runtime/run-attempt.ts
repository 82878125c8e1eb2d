/**
 * One attempt at one model: stream its answer, hand each text delta on unchanged
 * (docs/architecture.md §8), and report usage and timing. It fails — so the chain can move on —
 * when no first token comes in time, the stream goes quiet, ends before the provider finished it, or
 * carries no answer at all.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { LlmResult, TokenUsage } from '../protocol/llm-result';

export interface AttemptOutput {
  text: string;
  usage: TokenUsage;
  finishReason: LlmResult['finishReason'];
  /** Milliseconds from the call to the first text delta; undefined when no text came. */
  timeToFirstTokenMs?: number;
  durationMs: number;
}

export interface AttemptLimits {
  /** The longest wait for the first text delta, ms. */
  firstTokenTimeoutMs: number;
  /** The longest silence between two parts once text flows, ms. */
  idleTimeoutMs: number;
}

export const DEFAULT_ATTEMPT_LIMITS: AttemptLimits = {
  firstTokenTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
};

export type AttemptFailureKind = 'first-token-timeout' | 'idle-timeout' | 'truncated' | 'empty';

/** A failure the runtime detected itself (as opposed to one the provider reported). */
export class AttemptFailure extends Error {
  override readonly name = 'AttemptFailure';
  constructor(
    readonly kind: AttemptFailureKind,
    message: string,
  ) {
    super(message);
  }
}

export function toTokenUsage(usage: LanguageModelV3Usage): TokenUsage {
  const result: TokenUsage = {
    inputTokens: usage.inputTokens.total ?? 0,
    outputTokens: usage.outputTokens.total ?? 0,
  };
  if (usage.inputTokens.cacheRead) result.cachedInputTokens = usage.inputTokens.cacheRead;
  if (usage.outputTokens.reasoning) result.reasoningTokens = usage.outputTokens.reasoning;
  return result;
}

/**
 * The AI SDK closes a stream that ended without the provider's terminator with a synthetic
 * finish: reason `other` and no raw reason. A real finish always carries the provider's own.
 */
function isSyntheticFinish(reason: LanguageModelV3FinishReason): boolean {
  return reason.unified === 'other' && reason.raw === undefined;
}

export async function runAttempt(
  model: LanguageModelV3,
  options: LanguageModelV3CallOptions,
  onDelta: (delta: string) => void,
  now: () => number = () => performance.now(),
  limits: AttemptLimits = DEFAULT_ATTEMPT_LIMITS,
): Promise<AttemptOutput> {
  const startedAt = now();
  // Our own controller, so a timeout cancels the upstream request exactly as a page's abort does.
  const controller = new AbortController();
  const outer = options.abortSignal;
  const forwardAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) forwardAbort();
  outer?.addEventListener('abort', forwardAbort, { once: true });
  let timeout: AttemptFailure | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const firstTokenTimeout = new AttemptFailure(
    'first-token-timeout',
    `No answer within ${Math.round(limits.firstTokenTimeoutMs / 1000)} s.`,
  );
  const idleTimeout = new AttemptFailure(
    'idle-timeout',
    `The answer stalled for ${Math.round(limits.idleTimeoutMs / 1000)} s.`,
  );
  // One timer, not one per part: each part only notes when it came, and the timer, when it
  // fires, looks at that and waits on for what is left of the silence allowed.
  const clock = () => performance.now();
  let lastPartAt = clock();
  const fail = (failure: AttemptFailure) => {
    timeout = failure;
    controller.abort(failure);
  };
  const watchIdle = () => {
    const left = limits.idleTimeoutMs - (clock() - lastPartAt);
    if (left <= 0) fail(idleTimeout);
    else timer = setTimeout(watchIdle, left);
  };
  timer = setTimeout(() => fail(firstTokenTimeout), limits.firstTokenTimeoutMs);

  let text = '';
  let timeToFirstTokenMs: number | undefined;
  let finish: { usage: TokenUsage; finishReason: LlmResult['finishReason'] } | undefined;
  try {
    const { stream } = await model.doStream({ ...options, abortSignal: controller.signal });
    const reader = stream.getReader();
    try {
      while (true) {
        const { done, value: part } = await reader.read();
        if (done) break;
        if (timeToFirstTokenMs !== undefined) lastPartAt = clock();
        if (part.type === 'text-delta') {
          if (part.delta === '') continue;
          if (timeToFirstTokenMs === undefined) {
            timeToFirstTokenMs = now() - startedAt;
            lastPartAt = clock();
            clearTimeout(timer);
            timer = setTimeout(watchIdle, limits.idleTimeoutMs);
          }
          text += part.delta;
          onDelta(part.delta);
        } else if (part.type === 'finish') {
          if (!isSyntheticFinish(part.finishReason)) {
            finish = { usage: toTokenUsage(part.usage), finishReason: part.finishReason.unified };
          }
        } else if (part.type === 'error') {
          throw part.error;
        }
      }
    } finally {
      reader.releaseLock();
    }
  } catch (error) {
    throw timeout ?? error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forwardAbort);
  }
  if (!finish)
    throw new AttemptFailure('truncated', 'The answer stopped before the provider finished it.');
  if (text === '' && finish.usage.outputTokens === 0) {
    throw new AttemptFailure('empty', 'The model returned an empty answer.');
  }
  return {
    text,
    ...finish,
    ...(timeToFirstTokenMs !== undefined && { timeToFirstTokenMs }),
    durationMs: now() - startedAt,
  };
}
