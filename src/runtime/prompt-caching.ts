/**
 * Provider prompt caching. Anthropic caches only what the request marks with `cache_control`, so
 * the stable parts — a long system prompt, a long conversation before the newest turn — are
 * marked; OpenAI and Gemini cache long prefixes by themselves and report the cached tokens, which
 * `costOfUsage` bills at the cached rate.
 * https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
import type { LanguageModelV3Message, LanguageModelV3Prompt } from '@ai-sdk/provider';

/** Anthropic caches prefixes of at least 1,024 tokens (2,048 on Haiku); ~4 characters each. */
const MIN_CACHEABLE_CHARS = 4_096;

const EPHEMERAL = { anthropic: { cacheControl: { type: 'ephemeral' } } } as const;

/** Providers whose wire format needs explicit cache breakpoints. */
const MARKED_PROVIDERS = new Set(['anthropic']);

function messageChars(message: LanguageModelV3Message): number {
  if (typeof message.content === 'string') return message.content.length;
  let total = 0;
  for (const part of message.content) if (part.type === 'text') total += part.text.length;
  return total;
}

function mark(message: LanguageModelV3Message): LanguageModelV3Message {
  return { ...message, providerOptions: { ...message.providerOptions, ...EPHEMERAL } };
}

/** The prompt with cache breakpoints where the provider needs them (at most two of its four). */
export function withPromptCaching(
  prompt: LanguageModelV3Prompt,
  provider: string,
): LanguageModelV3Prompt {
  if (!MARKED_PROVIDERS.has(provider)) return prompt;
  const marked = [...prompt];
  const lastSystem = marked.findLastIndex((message) => message.role === 'system');
  let prefixChars = 0;
  for (let index = 0; index <= lastSystem; index++) prefixChars += messageChars(marked[index]!);
  if (lastSystem >= 0 && prefixChars >= MIN_CACHEABLE_CHARS)
    marked[lastSystem] = mark(marked[lastSystem]!);
  // Everything before the newest turn is the part a follow-up request repeats.
  const beforeLast = marked.length - 2;
  if (beforeLast > lastSystem) {
    for (let index = lastSystem + 1; index <= beforeLast; index++)
      prefixChars += messageChars(marked[index]!);
    if (prefixChars >= MIN_CACHEABLE_CHARS) marked[beforeLast] = mark(marked[beforeLast]!);
  }
  return marked;
}
