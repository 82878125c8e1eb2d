import { withLeanStream } from './openai-chat-stream';
import { apiBaseUrl, checkKeyWithGet, requireApiKey } from './provider-http';
import type { ProviderDefinition } from './provider-types';

/**
 * OpenRouter's app attribution (https://openrouter.ai/docs/api-reference/overview#headers).
 * `HTTP-Referer` is left out: the broker has no site of its own, and sending the calling page's
 * address would tell OpenRouter which sites the person uses.
 */
export const OPENROUTER_APP_HEADERS = { 'X-Title': 'LLM Broker' } as const;

const CREDITS_URL = 'https://openrouter.ai/settings/credits';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What `GET /key` says about the key: its credit left, or that it is a free-tier key. */
function describeKeyInfo(body: unknown): string | undefined {
  const info = isRecord(body) && isRecord(body.data) ? body.data : undefined;
  if (!info) return undefined;
  if (typeof info.limit_remaining === 'number') {
    return `$${info.limit_remaining.toFixed(2)} left of this key's credit limit.`;
  }
  if (info.is_free_tier === true) return 'Free tier: only free models answer until you add credit.';
  return 'No credit limit is set on this key.';
}

export const openrouterProvider: ProviderDefinition = {
  id: 'openrouter',
  name: 'OpenRouter',
  defaultBaseUrl: 'https://openrouter.ai/api/v1',
  requiresKey: true,
  keyUrl: 'https://openrouter.ai/settings/keys',
  isGateway: true,
  privacy: {
    location: 'gateway',
    trainsOnPrompts: true,
    source:
      'https://openrouter.ai/docs/features/privacy-and-logging: requests go to third-party hosts whose data policies vary unless the account restricts them',
  },
  async createModel(account, providerModelId, fetch) {
    const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
    return withLeanStream((fetch) => {
      const openrouter = createOpenAICompatible({
        name: 'openrouter',
        apiKey: requireApiKey(openrouterProvider, account),
        baseURL: apiBaseUrl(openrouterProvider, account),
        headers: OPENROUTER_APP_HEADERS,
        // Without it the stream carries no usage, and the cost could not be settled.
        includeUsage: true,
        ...(fetch ? { fetch } : {}),
      });
      return openrouter.chatModel(providerModelId);
    }, fetch);
  },
  checkKey(account, fetch) {
    // The model list is public; `GET /key` is the cheapest call that needs a valid key.
    return checkKeyWithGet({
      provider: openrouterProvider,
      account,
      url: `${apiBaseUrl(openrouterProvider, account)}/key`,
      headers: { authorization: `Bearer ${account.apiKey?.trim()}`, ...OPENROUTER_APP_HEADERS },
      fetch,
      describeAnswer: describeKeyInfo,
    });
  },
  explainFailure(failure) {
    if (failure.status !== 402) return undefined;
    return {
      kind: 'billing',
      message: `OpenRouter says this account has no credit left (402). Add credit at ${CREDITS_URL}.`,
      status: failure.status,
      retryable: false,
    };
  },
};
