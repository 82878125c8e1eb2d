import { apiBaseUrl, checkKeyWithGet, modelCountDetail, requireApiKey } from './provider-http';
import type { ProviderDefinition } from './provider-types';

const KEY_URL = 'https://aistudio.google.com/apikey';

export const googleProvider: ProviderDefinition = {
  id: 'google',
  name: 'Google Gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
  requiresKey: true,
  keyUrl: KEY_URL,
  privacy: {
    location: 'cloud',
    // Free-tier prompts may be used to improve Google's products; a key's tier is not visible.
    trainsOnPrompts: true,
    source:
      'https://ai.google.dev/gemini-api/terms: prompts on unpaid services may be used to improve products',
  },
  async createModel(account, providerModelId, fetch) {
    const { createGoogleGenerativeAI } = await import('@ai-sdk/google');
    const google = createGoogleGenerativeAI({
      apiKey: requireApiKey(googleProvider, account),
      baseURL: apiBaseUrl(googleProvider, account),
      ...(fetch ? { fetch } : {}),
    });
    return google.languageModel(providerModelId);
  },
  checkKey(account, fetch) {
    return checkKeyWithGet({
      provider: googleProvider,
      account,
      url: `${apiBaseUrl(googleProvider, account)}/models?pageSize=1000`,
      headers: { 'x-goog-api-key': account.apiKey?.trim() ?? '' },
      fetch,
      describeAnswer: modelCountDetail,
    });
  },
  explainFailure(failure) {
    // The Gemini API answers an unknown key with 400 INVALID_ARGUMENT, not 401.
    if (failure.status === 400 && failure.body.includes('API_KEY_INVALID')) {
      return {
        kind: 'key',
        message: `Google rejected this key (400 API_KEY_INVALID). Check that you copied the whole key from ${KEY_URL.replace('https://', '')}, or create a new one.`,
        status: failure.status,
        retryable: false,
      };
    }
    return undefined;
  },
};
