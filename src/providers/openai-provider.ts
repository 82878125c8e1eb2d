import { createOpenAI } from '@ai-sdk/openai';
import type { ProviderDefinition } from './provider-types';

export const openaiProvider: ProviderDefinition = {
  id: 'openai',
  name: 'OpenAI',
  defaultBaseUrl: 'https://api.openai.com/v1',
  requiresKey: true,
  keyUrl: 'https://platform.openai.com/api-keys',
  createModel(account, providerModelId, fetch) {
    const openai = createOpenAI({
      apiKey: account.apiKey,
      baseURL: account.baseUrl ?? this.defaultBaseUrl,
      ...(fetch ? { fetch } : {}),
    });
    // Chat completions: the format every OpenAI-compatible server also speaks.
    return openai.chat(providerModelId);
  },
};
