import { withLeanStream } from './openai-chat-stream';
import {
  checkKeyWithGet,
  fetchOpenAiModelIds,
  listedModelIds,
  openAiCompatibleBaseUrl,
} from './provider-http';
import type { ProviderAccount, ProviderDefinition } from './provider-types';

function authorization(account: ProviderAccount): Record<string, string> {
  // No key by default; `llama-server --api-key` and LM Studio's server setting can require one.
  const key = account.apiKey?.trim();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/**
 * Any server that speaks OpenAI chat completions on the user's machine: LM Studio (default
 * port 1234), llama.cpp's `llama-server` (8080), vLLM, LocalAI… Its models are whatever the
 * server has loaded, found at run time with `listModels`, so the catalog has no entries for it.
 */
export const localServerProvider: ProviderDefinition = {
  id: 'local-server',
  name: 'Local server (LM Studio, llama.cpp)',
  defaultBaseUrl: 'http://127.0.0.1:1234/v1',
  requiresKey: false,
  privacy: { location: 'local', trainsOnPrompts: false, source: 'runs on the user’s own machine' },
  unreachableHint:
    'Is the server running at that address? LM Studio: Developer › Start server (port 1234); llama.cpp: llama-server --port 8080.',
  async createModel(account, providerModelId, fetch) {
    const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
    return withLeanStream((fetch) => {
      const server = createOpenAICompatible({
        name: 'local-server',
        baseURL: openAiCompatibleBaseUrl(localServerProvider, account),
        headers: authorization(account),
        includeUsage: true,
        ...(fetch ? { fetch } : {}),
      });
      return server.chatModel(providerModelId);
    }, fetch);
  },
  checkKey(account, fetch) {
    return checkKeyWithGet({
      provider: localServerProvider,
      account,
      url: `${openAiCompatibleBaseUrl(localServerProvider, account)}/models`,
      headers: authorization(account),
      fetch,
      describeAnswer(body) {
        const ids = listedModelIds(body);
        if (ids.length === 0) return 'The server answers, but has no model loaded yet.';
        return `${ids.length} model${ids.length === 1 ? '' : 's'} ready: ${ids.join(', ')}.`;
      },
    });
  },
  listModels(account, fetch) {
    return fetchOpenAiModelIds(
      `${openAiCompatibleBaseUrl(localServerProvider, account)}/models`,
      authorization(account),
      fetch,
    );
  },
};
