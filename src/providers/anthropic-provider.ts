import { apiBaseUrl, checkKeyWithGet, modelCountDetail, requireApiKey } from './provider-http';
import type { ProviderDefinition } from './provider-types';

/**
 * Anthropic refuses requests that carry a browser `Origin` (a service worker's is
 * `chrome-extension://…`) unless they opt in with this header; the AI SDK does not set it.
 * https://simonwillison.net/2024/Aug/23/anthropic-dangerous-direct-browser-access/
 */
export const ANTHROPIC_BROWSER_HEADERS = {
  'anthropic-dangerous-direct-browser-access': 'true',
} as const;

/** The API version the key check asks for (the AI SDK sends the same). */
const ANTHROPIC_VERSION = '2023-06-01';

export const anthropicProvider: ProviderDefinition = {
  id: 'anthropic',
  name: 'Anthropic',
  defaultBaseUrl: 'https://api.anthropic.com/v1',
  requiresKey: true,
  keyUrl: 'https://console.anthropic.com/settings/keys',
  privacy: {
    location: 'cloud',
    trainsOnPrompts: false,
    source:
      'https://www.anthropic.com/legal/commercial-terms: API inputs and outputs are not used for training',
  },
  async createModel(account, providerModelId, fetch) {
    const { createAnthropic } = await import('@ai-sdk/anthropic');
    const anthropic = createAnthropic({
      apiKey: requireApiKey(anthropicProvider, account),
      baseURL: apiBaseUrl(anthropicProvider, account),
      headers: ANTHROPIC_BROWSER_HEADERS,
      ...(fetch ? { fetch } : {}),
    });
    return anthropic.messages(providerModelId);
  },
  checkKey(account, fetch) {
    return checkKeyWithGet({
      provider: anthropicProvider,
      account,
      url: `${apiBaseUrl(anthropicProvider, account)}/models?limit=1000`,
      headers: {
        'x-api-key': account.apiKey?.trim() ?? '',
        'anthropic-version': ANTHROPIC_VERSION,
        ...ANTHROPIC_BROWSER_HEADERS,
      },
      fetch,
      describeAnswer: modelCountDetail,
    });
  },
};
