/**
 * Models that run inside this browser (web-llm on WebGPU, in the offscreen document). web-llm
 * speaks OpenAI's chat completions, so the client is the AI SDK's OpenAI-compatible one with a
 * `fetch` that hands the request to the host instead of the network (docs/local-models.md): the
 * same prompt conversion, streaming, usage and error reading as every hosted model.
 */
import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { ChatCompletionChunk } from '@mlc-ai/web-llm';
import type { ProviderDefinition } from '../providers/provider-types';
import { BUILTIN_PROVIDER_ID } from './builtin-model';
import { type LocalChatRequest, messageText } from './local-model-host';
import { WEBLLM_PROVIDER_ID } from './webllm-models';

export { WEBLLM_PROVIDER_ID };

/** Never fetched: the host answers every request to it. */
const HOST_URL = 'http://webllm.localhost/v1';

/** How the background reaches the host: a chat streamed as web-llm's chunks. */
export interface BrowserModelTransport {
  /**
   * Starts a chat with catalog model `modelId` (the host picks the build installed here). Rejects
   * with `{ status, message }` when the host refuses (not downloaded, busy, no WebGPU).
   */
  chat(
    modelId: string,
    request: LocalChatRequest,
    signal: AbortSignal | undefined,
  ): Promise<ReadableStream<ChatCompletionChunk>>;
}

type OpenAiMessage = { role: string; content?: unknown; [key: string]: unknown };

/** Text of a message whose content may be OpenAI's list of parts (web-llm's LLMs take strings). */

/** The body the OpenAI-compatible client built, in the form web-llm's engine accepts. */
export function toWebLlmRequest(body: Record<string, unknown>): {
  model: string;
  request: LocalChatRequest;
} {
  const messages = ((body.messages ?? []) as OpenAiMessage[]).map((message) => ({
    role: message.role,
    content: messageText(message.content),
  }));
  const format = body.response_format as
    | { type: string; json_schema?: { schema?: unknown } }
    | undefined;
  const request: Record<string, unknown> = { messages };
  for (const key of [
    'max_tokens',
    'temperature',
    'top_p',
    'frequency_penalty',
    'presence_penalty',
    'stop',
    'seed',
  ]) {
    if (body[key] !== undefined && body[key] !== null) request[key] = body[key];
  }
  if (body.max_completion_tokens !== undefined && request.max_tokens === undefined) {
    request.max_tokens = body.max_completion_tokens;
  }
  // web-llm constrains JSON with its own form: a schema given as a string (XGrammar).
  if (format?.type === 'json_schema' && format.json_schema?.schema !== undefined) {
    request.response_format = {
      type: 'json_object',
      schema: JSON.stringify(format.json_schema.schema),
    };
  } else if (format?.type === 'json_object') {
    request.response_format = { type: 'json_object' };
  }
  return { model: String(body.model), request: request as unknown as LocalChatRequest };
}

const encoder = new TextEncoder();

/** A fetch that answers the OpenAI-compatible client from the host, as server-sent events. */
export function transportFetch(transport: BrowserModelTransport): FetchFunction {
  return async (_input, init) => {
    const { model, request } = toWebLlmRequest(JSON.parse(String(init?.body ?? '{}')));
    let chunks: ReadableStream<ChatCompletionChunk>;
    try {
      chunks = await transport.chat(model, request, init?.signal ?? undefined);
    } catch (error) {
      const { status = 500, message = String(error) } = error as {
        status?: number;
        message?: string;
      };
      return new Response(JSON.stringify({ error: { message, type: 'local_model_error' } }), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    }
    const events = chunks.pipeThrough(
      new TransformStream<ChatCompletionChunk, Uint8Array>({
        transform(chunk, controller) {
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
        },
        flush(controller) {
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
        },
      }),
    );
    return new Response(events, { headers: { 'content-type': 'text/event-stream' } });
  };
}

/** A provider of models in this browser, bound to the background's way to the host. */
function inBrowserProvider(
  transport: BrowserModelTransport,
  identity: { id: string; name: string; source: string },
): ProviderDefinition {
  const fetch = transportFetch(transport);
  return {
    id: identity.id,
    name: identity.name,
    defaultBaseUrl: HOST_URL,
    requiresKey: false,
    inBrowser: true,
    // Loading a model into the graphics chip before its first token takes a while.
    firstTokenTimeoutMs: 180_000,
    privacy: { location: 'local', trainsOnPrompts: false, source: identity.source },
    async createModel(_account, providerModelId) {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      return createOpenAICompatible({
        name: identity.id,
        baseURL: HOST_URL,
        fetch,
        includeUsage: true,
      }).chatModel(providerModelId);
    },
    checkKey: async () => ({ ok: true, detail: 'No key: models run in this browser.' }),
  };
}

/** web-llm's models, in the offscreen document. */
export function createWebLlmProvider(transport: BrowserModelTransport): ProviderDefinition {
  return inBrowserProvider(transport, {
    id: WEBLLM_PROVIDER_ID,
    name: 'Models in this browser',
    source: 'runs in this browser on the device’s own graphics chip: prompts never leave it',
  });
}

/** The browser's own model (Chrome's built-in Gemini Nano), in the offscreen document. */
export function createBuiltInProvider(transport: BrowserModelTransport): ProviderDefinition {
  return inBrowserProvider(transport, {
    id: BUILTIN_PROVIDER_ID,
    name: 'The browser’s built-in model',
    source: 'the browser’s own model runs on this device: prompts never leave it',
  });
}
