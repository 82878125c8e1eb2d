import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  checkKeyWithGet,
  fetchOpenAiModelIds,
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

export const ollamaProvider: ProviderDefinition = {
  id: 'ollama',
  name: 'Ollama',
  defaultBaseUrl: 'http://127.0.0.1:11434/v1',
  requiresKey: false,
  privacy: { location: 'local', trainsOnPrompts: false, source: 'runs on the user’s own machine' },
  unreachableHint: 'Is Ollama running? Open the Ollama app or run `ollama serve`.',
  createModel(account, providerModelId, fetch) {
    const ollama = createOpenAICompatible({
      name: 'ollama',
      baseURL: openAiCompatibleBaseUrl(ollamaProvider, account),
      headers: authorization(account),
      includeUsage: true,
      ...(fetch ? { fetch } : {}),
    });
    return ollama.chatModel(providerModelId);
  },
  checkKey(account, fetch) {
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
