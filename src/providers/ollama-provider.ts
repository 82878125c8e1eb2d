import type { FetchFunction } from '@ai-sdk/provider-utils';
import { withLeanStream } from './openai-chat-stream';
import {
  checkKeyWithGet,
  fetchOpenAiModelIds,
  KEY_CHECK_TIMEOUT_MS,
  listedModelIds,
  openAiCompatibleBaseUrl,
} from './provider-http';
import type { ProviderAccount, ProviderDefinition } from './provider-types';

/**
 * Ollama answers requests from origins it does not trust with a bare 403 (no body, no CORS
 * headers); a service worker's origin is `chrome-extension://<id>`, which it does not trust by
 * default. https://github.com/ollama/ollama/blob/main/docs/faq.md#how-can-i-allow-additional-web-origins-to-access-ollama
 */
export const OLLAMA_ORIGINS_MESSAGE =
  'Ollama refused this extension (403): it only answers web origins it trusts. ' +
  'Set OLLAMA_ORIGINS=chrome-extension://* in the environment of the Ollama server, then restart it. ' +
  'From a terminal: quit Ollama, then run OLLAMA_ORIGINS="chrome-extension://*" ollama serve. ' +
  'macOS app: launchctl setenv OLLAMA_ORIGINS "chrome-extension://*", then quit and reopen Ollama. ' +
  'Linux service: sudo systemctl edit ollama, add Environment="OLLAMA_ORIGINS=chrome-extension://*" under [Service], then sudo systemctl restart ollama. ' +
  'Windows: add OLLAMA_ORIGINS with the value chrome-extension://* to your user environment variables, then restart Ollama.';

function authorization(account: ProviderAccount): Record<string, string> {
  // Ollama has no keys, but people put it behind a proxy that wants one.
  const key = account.apiKey?.trim();
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function refusesExtensionOrigin(
  account: ProviderAccount,
  fetch?: FetchFunction,
): Promise<boolean> {
  try {
    const response = await (fetch ?? globalThis.fetch)(
      `${openAiCompatibleBaseUrl(ollamaProvider, account)}/chat/completions`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authorization(account) },
        body: '{}',
        signal: AbortSignal.timeout(KEY_CHECK_TIMEOUT_MS),
      },
    );
    return response.status === 403 && (await response.text()).trim() === '';
  } catch {
    return false; // Unreachable: the listing below says so in words.
  }
}

export const ollamaProvider: ProviderDefinition = {
  id: 'ollama',
  name: 'Ollama',
  defaultBaseUrl: 'http://127.0.0.1:11434/v1',
  requiresKey: false,
  privacy: { location: 'local', trainsOnPrompts: false, source: 'runs on the user’s own machine' },
  unreachableHint: 'Is Ollama running? Open the Ollama app or run `ollama serve`.',
  async createModel(account, providerModelId, fetch) {
    const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
    return withLeanStream((fetch) => {
      const ollama = createOpenAICompatible({
        name: 'ollama',
        baseURL: openAiCompatibleBaseUrl(ollamaProvider, account),
        headers: authorization(account),
        includeUsage: true,
        ...(fetch ? { fetch } : {}),
      });
      return ollama.chatModel(providerModelId);
    }, fetch);
  },
  async checkKey(account, fetch) {
    // Chrome sends no Origin on an extension's GET, so listing models always passes Ollama's
    // origin check while every generation (a POST, which carries the extension's Origin) fails.
    // An empty POST meets the same check without running a model: Ollama's 403 comes before it
    // reads the body, and a trusted origin gets a 400 for the missing fields instead.
    if (await refusesExtensionOrigin(account, fetch)) {
      return { ok: false, message: OLLAMA_ORIGINS_MESSAGE, status: 403 };
    }
    return checkKeyWithGet({
      provider: ollamaProvider,
      account,
      url: `${openAiCompatibleBaseUrl(ollamaProvider, account)}/models`,
      headers: authorization(account),
      fetch,
      describeAnswer(body) {
        const ids = listedModelIds(body);
        if (ids.length === 0) {
          return 'Ollama answers, but has no models yet: pull one, e.g. `ollama pull llama3.2`.';
        }
        return `${ids.length} model${ids.length === 1 ? '' : 's'} ready: ${ids.join(', ')}.`;
      },
    });
  },
  listModels(account, fetch) {
    return fetchOpenAiModelIds(
      `${openAiCompatibleBaseUrl(ollamaProvider, account)}/models`,
      authorization(account),
      fetch,
    );
  },
  explainFailure(failure) {
    if (failure.status !== 403 || failure.body.trim() !== '') return undefined;
    return { kind: 'forbidden', message: OLLAMA_ORIGINS_MESSAGE, status: 403, retryable: false };
  },
};
