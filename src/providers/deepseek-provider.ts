import { withLeanStream } from './openai-chat-stream';
import { apiBaseUrl, checkKeyWithGet, modelCountDetail, requireApiKey } from './provider-http';
import type { ProviderDefinition } from './provider-types';

export const deepseekProvider: ProviderDefinition = {
  id: 'deepseek',
  name: 'DeepSeek',
  defaultBaseUrl: 'https://api.deepseek.com',
  requiresKey: true,
  keyUrl: 'https://platform.deepseek.com/api_keys',
  privacy: {
    location: 'cloud',
    trainsOnPrompts: true,
    source:
      'https://platform.deepseek.com/downloads/DeepSeek%20Privacy%20Policy.html: inputs may be used to improve and develop the services',
  },
  async createModel(account, providerModelId, fetch) {
    const { createDeepSeek } = await import('@ai-sdk/deepseek');
    return withLeanStream((fetch) => {
      const deepseek = createDeepSeek({
        apiKey: requireApiKey(deepseekProvider, account),
        baseURL: apiBaseUrl(deepseekProvider, account),
        ...(fetch ? { fetch } : {}),
      });
      return deepseek.chat(providerModelId);
    }, fetch);
  },
  checkKey(account, fetch) {
    return checkKeyWithGet({
      provider: deepseekProvider,
      account,
      url: `${apiBaseUrl(deepseekProvider, account)}/models`,
      headers: { authorization: `Bearer ${account.apiKey?.trim()}` },
      fetch,
      describeAnswer: modelCountDetail,
    });
  },
};
