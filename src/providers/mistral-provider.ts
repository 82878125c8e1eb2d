import { withLeanStream } from './openai-chat-stream';
import { apiBaseUrl, checkKeyWithGet, modelCountDetail, requireApiKey } from './provider-http';
import type { ProviderDefinition } from './provider-types';

export const mistralProvider: ProviderDefinition = {
  id: 'mistral',
  name: 'Mistral',
  defaultBaseUrl: 'https://api.mistral.ai/v1',
  requiresKey: true,
  keyUrl: 'https://console.mistral.ai/api-keys',
  privacy: {
    location: 'cloud',
    // Inputs on the free Experiment plan may be used for training; a key's plan is not visible.
    trainsOnPrompts: true,
    source: 'https://mistral.ai/terms: inputs on the free Experiment plan may be used for training',
  },
  async createModel(account, providerModelId, fetch) {
    const { createMistral } = await import('@ai-sdk/mistral');
    return withLeanStream((fetch) => {
      const mistral = createMistral({
        apiKey: requireApiKey(mistralProvider, account),
        baseURL: apiBaseUrl(mistralProvider, account),
        ...(fetch ? { fetch } : {}),
      });
      return mistral.chat(providerModelId);
    }, fetch);
  },
  checkKey(account, fetch) {
    return checkKeyWithGet({
      provider: mistralProvider,
      account,
      url: `${apiBaseUrl(mistralProvider, account)}/models`,
      headers: { authorization: `Bearer ${account.apiKey?.trim()}` },
      fetch,
      describeAnswer: modelCountDetail,
    });
  },
};
