import { withLeanStream } from './openai-chat-stream';
import { apiBaseUrl, checkKeyWithGet, modelCountDetail, requireApiKey } from './provider-http';
import type { ProviderDefinition } from './provider-types';

export const openaiProvider: ProviderDefinition = {
  id: 'openai',
  name: 'OpenAI',
  defaultBaseUrl: 'https://api.openai.com/v1',
  requiresKey: true,
  keyUrl: 'https://platform.openai.com/api-keys',
  privacy: {
    location: 'cloud',
    trainsOnPrompts: false,
    source:
      'https://platform.openai.com/docs/guides/your-data: API data is not used for training unless the organization opts in',
  },
  async createModel(account, providerModelId, fetch) {
    const { createOpenAI } = await import('@ai-sdk/openai');
    return withLeanStream((fetch) => {
      const openai = createOpenAI({
        apiKey: requireApiKey(openaiProvider, account),
        baseURL: apiBaseUrl(openaiProvider, account),
        ...(fetch ? { fetch } : {}),
      });
      // Chat completions: the format every OpenAI-compatible server also speaks.
      return openai.chat(providerModelId);
    }, fetch);
  },
  checkKey(account, fetch) {
    return checkKeyWithGet({
      provider: openaiProvider,
      account,
      url: `${apiBaseUrl(openaiProvider, account)}/models`,
      headers: { authorization: `Bearer ${account.apiKey?.trim()}` },
      fetch,
      describeAnswer: modelCountDetail,
    });
  },
};
