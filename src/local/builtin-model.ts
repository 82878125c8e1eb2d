/**
 * The browser's own model (Chrome's built-in Gemini Nano, through the W3C Prompt API's
 * `LanguageModel`), as another model in this browser (docs/local-models.md). It runs in the
 * offscreen document beside web-llm and answers the same OpenAI-style chats: a conversation
 * becomes the session's initial prompts plus its last user turn, and the streamed text comes back
 * as OpenAI chunks, so the provider is the same OpenAI-compatible client as web-llm's.
 */
import type { ChatCompletionChunk } from '@mlc-ai/web-llm';
import type { CatalogModel } from '../catalog/catalog-types';
import { scoreModelFromFacts } from '../router';
import {
  type DownloadState,
  type LocalChatRequest,
  LocalHostError,
  messageText,
} from './local-model-host';
import { BUILTIN_MODEL_ID, BUILTIN_PROVIDER_ID } from './webllm-models';

export { BUILTIN_MODEL_ID, BUILTIN_PROVIDER_ID };

export type BuiltInAvailability = 'unavailable' | 'downloadable' | 'downloading' | 'available';

/** The part of the Prompt API's `LanguageModel` the host uses. */
export interface PromptApi {
  availability(options?: Record<string, unknown>): Promise<BuiltInAvailability>;
  create(options?: {
    initialPrompts?: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
    signal?: AbortSignal;
    monitor?(monitor: EventTarget): void;
  }): Promise<PromptSession>;
}

export interface PromptSession {
  promptStreaming(
    input: string,
    options?: { signal?: AbortSignal; responseConstraint?: unknown },
  ): ReadableStream<string>;
  /** The context size (`contextWindow` in newer Chrome, `inputQuota` before). */
  contextWindow?: number;
  inputQuota?: number;
  /** Tokens the session holds so far (`contextUsage`, before `inputUsage`). */
  contextUsage?: number;
  inputUsage?: number;
  destroy(): void;
}

export interface BuiltInStatus {
  availability: BuiltInAvailability;
  /** The context the model takes, in tokens, once a session was made. */
  contextTokens?: number;
  /** Why it is unavailable, in words a person can act on. */
  reason?: string;
}

/** How long the browser may take to say whether its model is available. */
const AVAILABILITY_TIMEOUT_MS = 3_000;

/** What a session of the browser's model holds when it never said (Chrome's Gemini Nano). */
const DEFAULT_CONTEXT_TOKENS = 6_144;

/** A catalog entry for the browser's own model, scored from its facts like any new model. */
export function builtInCatalogModel(contextTokens = DEFAULT_CONTEXT_TOKENS): CatalogModel {
  const facts = {
    id: BUILTIN_MODEL_ID,
    provider: BUILTIN_PROVIDER_ID,
    location: 'local' as const,
    pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    limits: { contextTokens, maxOutputTokens: Math.min(1_024, contextTokens) },
    capabilities: { vision: false, tools: false, json: true, reasoning: false },
    trainsOnPrompts: false,
  };
  const scored = scoreModelFromFacts(facts, 'google/gemini-nano');
  return {
    ...facts,
    providerModelId: BUILTIN_MODEL_ID,
    name: 'The browser’s built-in model (Gemini Nano)',
    family: 'google/gemini-nano',
    scores: scored.scores,
    sources: {
      ...scored.sources,
      listing: 'offered by the browser (Prompt API `LanguageModel`)',
      limits: `the session's context window as the browser reports it (${contextTokens} tokens)`,
    },
  };
}

function sessionContext(session: PromptSession): number | undefined {
  return session.contextWindow ?? session.inputQuota;
}

function sessionUsage(session: PromptSession): number {
  return session.contextUsage ?? session.inputUsage ?? 0;
}

function chunk(content: string | undefined, finish: ChatCompletionChunk.Choice['finish_reason']) {
  return {
    id: 'chatcmpl-built-in',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: BUILTIN_MODEL_ID,
    choices: [
      {
        index: 0,
        delta: content === undefined ? {} : { content },
        finish_reason: finish,
        logprobs: null,
      },
    ],
  } as unknown as ChatCompletionChunk;
}

export class BuiltInModelHost {
  private contextTokens: number | undefined;
  private download: DownloadState | undefined;

  constructor(
    /** The browser's `LanguageModel`, absent where it offers none. */
    private readonly api: PromptApi | undefined,
    private readonly onDownload: (state: DownloadState) => void,
  ) {}

  async status(): Promise<BuiltInStatus> {
    if (!this.api) {
      return {
        availability: 'unavailable',
        reason: 'this browser offers no built-in model to extensions',
      };
    }
    let availability: BuiltInAvailability;
    try {
      // The browser may be slow to say; the device's other answers do not wait for it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      availability = await Promise.race([
        this.api.availability(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in 3 s')), AVAILABILITY_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
    } catch (error) {
      return {
        availability: 'unavailable',
        reason: `the browser would not say (${String(error)})`,
      };
    }
    if (this.download?.phase === 'downloading') availability = 'downloading';
    return {
      availability,
      ...(this.contextTokens !== undefined && { contextTokens: this.contextTokens }),
      ...(availability === 'unavailable' && {
        reason:
          'the browser says its built-in model cannot run on this device (or is turned off in its settings)',
      }),
    };
  }

  activeDownload(): DownloadState | undefined {
    return this.download?.phase === 'downloading' ? this.download : undefined;
  }

  /** Has the browser download its model (creating a session starts it), with its progress. */
  async startDownload(signal?: AbortSignal): Promise<DownloadState> {
    const active = this.activeDownload();
    if (active) return active;
    if (!this.api) {
      return this.publish({
        buildId: BUILTIN_MODEL_ID,
        phase: 'failed',
        progress: 0,
        error: 'This browser offers no built-in model.',
      });
    }
    this.publish({ buildId: BUILTIN_MODEL_ID, phase: 'downloading', progress: 0 });
    try {
      const session = await this.api.create({
        ...(signal && { signal }),
        monitor: (monitor) =>
          monitor.addEventListener('downloadprogress', (event) => {
            const loaded = (event as Event & { loaded?: number }).loaded ?? 0;
            this.publish({
              buildId: BUILTIN_MODEL_ID,
              phase: 'downloading',
              progress: Math.min(1, loaded),
            });
          }),
      });
      this.contextTokens = sessionContext(session) ?? this.contextTokens;
      session.destroy();
      return this.publish({ buildId: BUILTIN_MODEL_ID, phase: 'done', progress: 1 });
    } catch (error) {
      if (signal?.aborted) {
        return this.publish({ ...this.download!, phase: 'cancelled' });
      }
      return this.publish({
        ...this.download!,
        phase: 'failed',
        error: `The browser could not get its model ready: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  /** Answers an OpenAI-style chat with a fresh session, streaming OpenAI chunks. */
  async chat(
    request: LocalChatRequest,
    onChunk: (chunk: ChatCompletionChunk) => void,
    signal: AbortSignal,
  ): Promise<void> {
    if (!this.api || (await this.api.availability()) !== 'available') {
      throw new LocalHostError(503, 'The browser’s built-in model is not ready.');
    }
    const messages = request.messages.map((message) => ({
      role: message.role,
      content: messageText(message.content),
    }));
    const lastUser = messages.map((message) => message.role).lastIndexOf('user');
    if (lastUser < 0) throw new LocalHostError(400, 'The conversation has no user turn.');
    const initialPrompts = messages
      .filter(
        (message, index) =>
          index !== lastUser && ['system', 'user', 'assistant'].includes(message.role),
      )
      .map((message) => ({
        role: message.role as 'system' | 'user' | 'assistant',
        content: message.content,
      }));
    const session = await this.api.create({ initialPrompts, signal });
    this.contextTokens = sessionContext(session) ?? this.contextTokens;
    const before = sessionUsage(session);
    const format = request.response_format as { schema?: string } | undefined;
    let written = '';
    let stopped = false;
    try {
      const stream = session.promptStreaming(messages[lastUser]!.content, {
        signal,
        ...(format?.schema && { responseConstraint: JSON.parse(format.schema) }),
      });
      onChunk({
        ...chunk('', null),
        choices: [
          {
            index: 0,
            delta: { role: 'assistant', content: '' },
            finish_reason: null,
            logprobs: null,
          },
        ],
      } as unknown as ChatCompletionChunk);
      const reader = stream.getReader();
      const limit = request.max_tokens ?? Number.POSITIVE_INFINITY;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        written += value;
        onChunk(chunk(value, null));
        // The Prompt API takes no length limit: stop reading at the one asked for.
        if (Math.ceil(written.length / 4) >= limit) {
          stopped = true;
          await reader.cancel();
          break;
        }
      }
      // The session counts what it holds (the prompts and the answer); the answer is estimated.
      const completionTokens = Math.ceil(written.length / 4);
      const held = sessionUsage(session) - before;
      const promptTokens =
        held > completionTokens
          ? held - completionTokens
          : Math.ceil(messages.reduce((sum, message) => sum + message.content.length, 0) / 4);
      onChunk(chunk(undefined, stopped ? 'length' : 'stop'));
      onChunk({
        ...chunk(undefined, null),
        choices: [],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
        },
      } as unknown as ChatCompletionChunk);
    } finally {
      session.destroy();
    }
  }

  private publish(state: DownloadState): DownloadState {
    this.download = state;
    this.onDownload(state);
    return state;
  }
}
