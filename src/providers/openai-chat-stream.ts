/**
 * The lean stream path for the OpenAI chat-completions wire format (OpenAI, DeepSeek, Mistral,
 * OpenRouter and local servers). The AI SDK still builds and sends the request and judges the
 * HTTP status — same body, same headers, same errors for a refusal — but the event stream of a
 * successful answer is read here, in one stage: `eventsource-parser` (the parser the AI SDK
 * uses) and `JSON.parse`, checking only the fields this reads, instead of the AI SDK's chain of
 * stream stages with a schema validation per chunk (docs/architecture.md §8). It hands on the
 * same parts: text, reasoning, finish reason, usage, error events.
 *
 * Calls with tools, or asking for raw chunks, take the AI SDK's path unchanged.
 */
import {
  APICallError,
  JSONParseError,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3FinishReason,
  type LanguageModelV3StreamPart,
  type LanguageModelV3Usage,
  TypeValidationError,
} from '@ai-sdk/provider';
import type { FetchFunction } from '@ai-sdk/provider-utils';
import { createParser } from 'eventsource-parser';

let leanStreaming = true;

/** Tests run the provider suites on both paths: `false` sends every stream the AI SDK's way. */
export function useLeanStreaming(on: boolean): void {
  leanStreaming = on;
}

/**
 * A model whose streams are read by `readChatStream`. `create` builds the AI SDK's model over a
 * fetch (it is called once here, and once per stream with a fetch that takes the answer).
 */
export function withLeanStream(
  create: (fetch: FetchFunction | undefined) => LanguageModelV3,
  fetch: FetchFunction | undefined,
): LanguageModelV3 {
  const model = create(fetch);
  return {
    specificationVersion: 'v3',
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (options) => model.doGenerate(options),
    async doStream(options: LanguageModelV3CallOptions) {
      if (!leanStreaming || (options.tools?.length ?? 0) > 0 || options.includeRawChunks) {
        return model.doStream(options);
      }
      // (A browser's fetch must be called on the global object.)
      const send: FetchFunction = fetch ?? ((input, init) => globalThis.fetch(input, init));
      // A refusal goes back to the AI SDK, which reads it into its usual error; a successful
      // answer is taken from it as soon as its headers are in (see AnswerTaken).
      const keepAnswer: FetchFunction = async (input, init) => {
        const response = await send(input, init);
        if (!response.ok || !response.body) return response;
        throw new AnswerTaken(response, response.url || String(input));
      };
      try {
        return await create(keepAnswer).doStream(options);
      } catch (error) {
        if (!(error instanceof AnswerTaken)) throw error;
        const { response, url } = error;
        return {
          stream: readChatStream(response.body!, [], url),
          response: { headers: Object.fromEntries(response.headers) },
        };
      }
    },
  };
}

/**
 * Carries a successful answer out of the AI SDK's call, past its response handling (the stream
 * stages this module replaces). Its warnings about the call's options are not read (nothing
 * here uses them): the stream starts with none.
 */
class AnswerTaken extends Error {
  constructor(
    readonly response: Response,
    readonly url: string,
  ) {
    super('The answer is read by the lean stream path.');
  }
}

/** The usage fields of a chunk, as the providers of this format name them. */
interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
  /** DeepSeek. */
  prompt_cache_hit_tokens?: number;
  /** Mistral. */
  num_cached_tokens?: number;
  completion_tokens_details?: { reasoning_tokens?: number };
}

interface WireDelta {
  content?: string | Array<{ type?: string; text?: string }> | null;
  refusal?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

interface WireChunk {
  id?: string;
  model?: string;
  created?: number;
  choices?: Array<{ delta?: WireDelta | null; finish_reason?: string | null }>;
  usage?: WireUsage | null;
  error?: unknown;
}

/** How much of a read is parsed before the parts it made go on (see `pull`). */
const SLICE_BYTES = 4096;

const FINISH_REASONS: Record<string, LanguageModelV3FinishReason['unified']> = {
  stop: 'stop',
  length: 'length',
  model_length: 'length',
  content_filter: 'content-filter',
  function_call: 'tool-calls',
  tool_calls: 'tool-calls',
};

export function toUsage(usage: WireUsage | undefined): LanguageModelV3Usage {
  if (!usage) {
    return {
      inputTokens: {
        total: undefined,
        noCache: undefined,
        cacheRead: undefined,
        cacheWrite: undefined,
      },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
  }
  const input = usage.prompt_tokens ?? 0;
  const output = usage.completion_tokens ?? 0;
  const cached =
    usage.prompt_tokens_details?.cached_tokens ??
    usage.prompt_cache_hit_tokens ??
    usage.num_cached_tokens ??
    0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: {
      total: input,
      noCache: input - cached,
      cacheRead: cached,
      cacheWrite: undefined,
    },
    outputTokens: { total: output, text: Math.max(0, output - reasoning), reasoning },
    raw: usage as Record<string, never>,
  };
}

/** The text of a delta: a string, or (Mistral) a list of parts whose text ones count. */
function textOf(content: WireDelta['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content)
    if (part?.type === 'text' && typeof part.text === 'string') text += part.text;
  return text;
}

/**
 * Reads an OpenAI-format event stream into the AI SDK's stream parts, in one stage. A connection
 * that breaks is reported as the AI SDK reports it (an `APICallError` for `url` with the cause).
 */
export function readChatStream(
  body: ReadableStream<Uint8Array>,
  warnings: Extract<LanguageModelV3StreamPart, { type: 'stream-start' }>['warnings'],
  url: string,
): ReadableStream<LanguageModelV3StreamPart> {
  const decoder = new TextDecoder();
  let out!: ReadableStreamDefaultController<LanguageModelV3StreamPart>;
  let emitted = 0;
  const emit = (part: LanguageModelV3StreamPart) => {
    emitted++;
    out.enqueue(part);
  };
  let textOpen = false;
  let reasoningOpen = false;
  let described = false;
  let errored = false;
  let rawFinish: string | undefined;
  let usage: WireUsage | undefined;

  const onData = (data: string) => {
    if (data === '[DONE]') return;
    let chunk: WireChunk;
    try {
      chunk = JSON.parse(data);
    } catch (cause) {
      errored = true;
      emit({ type: 'error', error: new JSONParseError({ text: data, cause }) });
      return;
    }
    if (typeof chunk !== 'object' || chunk === null) {
      errored = true;
      emit({
        type: 'error',
        error: new TypeValidationError({ value: chunk, cause: 'not an object' }),
      });
      return;
    }
    if (chunk.error !== undefined && chunk.error !== null) {
      errored = true;
      emit({ type: 'error', error: chunk.error });
      return;
    }
    if (!described && (chunk.id || chunk.model || chunk.created)) {
      described = true;
      emit({
        type: 'response-metadata',
        ...(chunk.id && { id: chunk.id }),
        ...(chunk.model && { modelId: chunk.model }),
        ...(chunk.created && { timestamp: new Date(chunk.created * 1000) }),
      });
    }
    if (chunk.usage) usage = chunk.usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!choice) return;
    if (choice.finish_reason) rawFinish = choice.finish_reason;
    const delta = choice.delta;
    if (!delta) return;
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '') {
      if (!reasoningOpen) {
        reasoningOpen = true;
        emit({ type: 'reasoning-start', id: 'reasoning-0' });
      }
      emit({ type: 'reasoning-delta', id: 'reasoning-0', delta: reasoning });
    }
    const text = textOf(delta.content) + (delta.refusal ?? '');
    if (text !== '') {
      if (reasoningOpen) {
        reasoningOpen = false;
        emit({ type: 'reasoning-end', id: 'reasoning-0' });
      }
      if (!textOpen) {
        textOpen = true;
        emit({ type: 'text-start', id: '0' });
      }
      emit({ type: 'text-delta', id: '0', delta: text });
    }
  };
  const parser = createParser({ onEvent: (event) => onData(event.data) });
  const reader = body.getReader();
  let unparsed: Uint8Array | undefined;

  const finish = (controller: ReadableStreamDefaultController<LanguageModelV3StreamPart>) => {
    parser.feed(decoder.decode());
    if (reasoningOpen) controller.enqueue({ type: 'reasoning-end', id: 'reasoning-0' });
    if (textOpen) controller.enqueue({ type: 'text-end', id: '0' });
    // No finish reason (the stream broke off) is `other` with no raw reason, as the AI SDK
    // reports it; an error event makes it `error`.
    const finishReason: LanguageModelV3FinishReason =
      rawFinish !== undefined && !errored
        ? { unified: FINISH_REASONS[rawFinish] ?? 'other', raw: rawFinish }
        : { unified: errored ? 'error' : 'other', raw: undefined };
    controller.enqueue({ type: 'finish', finishReason, usage: toUsage(usage) });
    controller.close();
  };

  return new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      out = controller;
      controller.enqueue({ type: 'stream-start', warnings });
    },
    async pull(controller) {
      // A pull that hands on nothing is not called again: go on until a part is out.
      const before = emitted;
      while (emitted === before) {
        if (unparsed) {
          // A large read is parsed a slice at a time, so its first event goes out at once.
          const slice = unparsed.subarray(0, SLICE_BYTES);
          unparsed = unparsed.length > SLICE_BYTES ? unparsed.subarray(SLICE_BYTES) : undefined;
          parser.feed(decoder.decode(slice, { stream: true }));
          continue;
        }
        let read: ReadableStreamReadResult<Uint8Array>;
        try {
          read = await reader.read();
        } catch (cause) {
          throw new APICallError({
            message: 'Failed to process successful response',
            url,
            requestBodyValues: undefined,
            statusCode: 200,
            cause,
            isRetryable: true,
          });
        }
        if (read.done) {
          finish(controller);
          return;
        }
        unparsed = read.value;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
