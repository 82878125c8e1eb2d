/**
 * One attempt at one model: stream its answer, hand each text delta on unchanged (STYLE.md
 * principle 3), and report usage and timing. Failing over is the caller's business.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
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

/** Thrown when a stream ends without the provider's closing event (cut in the middle). */
export class TruncatedStreamError extends Error {
  override readonly name = 'TruncatedStreamError';
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

export async function runAttempt(
  model: LanguageModelV3,
  options: LanguageModelV3CallOptions,
  onDelta: (delta: string) => void,
  now: () => number = () => performance.now(),
): Promise<AttemptOutput> {
  const startedAt = now();
  const { stream } = await model.doStream(options);
  let text = '';
  let timeToFirstTokenMs: number | undefined;
  let finish: { usage: TokenUsage; finishReason: LlmResult['finishReason'] } | undefined;

  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value: part } = await reader.read();
      if (done) break;
      if (part.type === 'text-delta') {
        if (part.delta === '') continue;
        timeToFirstTokenMs ??= now() - startedAt;
        text += part.delta;
        onDelta(part.delta);
      } else if (part.type === 'finish') {
        finish = { usage: toTokenUsage(part.usage), finishReason: part.finishReason.unified };
      } else if (part.type === 'error') {
        throw part.error;
      }
    }
  } finally {
    reader.releaseLock();
  }
  if (!finish)
    throw new TruncatedStreamError('The answer stopped before the provider finished it.');
  return {
    text,
    ...finish,
    ...(timeToFirstTokenMs !== undefined && { timeToFirstTokenMs }),
    durationMs: now() - startedAt,
  };
}
