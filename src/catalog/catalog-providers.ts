/**
 * What the catalog knows about each serving provider: where it runs and whether it may train on
 * prompts sent through its API — the facts behind the `no-training` privacy filter. When a
 * provider's terms depend on a tier the broker cannot see (a free key vs a paid one), the entry
 * assumes the less private case and says so.
 */
import type { ModelLocation } from '../protocol/llm-result';

export interface ProviderFacts {
  /** Where its models run. */
  location: ModelLocation;
  /** Whether prompts sent with a user's key may be used for training by default. */
  trainsOnPrompts: boolean;
  /** The terms the `trainsOnPrompts` fact comes from. */
  trainingSource: string;
}

export const PROVIDER_FACTS: Readonly<Record<string, ProviderFacts>> = {
  anthropic: {
    location: 'cloud',
    trainsOnPrompts: false,
    trainingSource:
      'Anthropic Commercial Terms (anthropic.com/legal/commercial-terms): API inputs and outputs are not used for training',
  },
  openai: {
    location: 'cloud',
    trainsOnPrompts: false,
    trainingSource:
      'OpenAI platform data controls (platform.openai.com/docs/guides/your-data): API data is not used for training unless the organization opts in',
  },
  google: {
    location: 'cloud',
    trainsOnPrompts: true,
    trainingSource:
      'Gemini API Additional Terms (ai.google.dev/gemini-api/terms): prompts on unpaid services may be used to improve products; a key’s tier is not visible, so assumed',
  },
  deepseek: {
    location: 'cloud',
    trainsOnPrompts: true,
    trainingSource:
      'DeepSeek Privacy Policy (platform.deepseek.com): inputs may be used to improve and develop the services',
  },
  mistral: {
    location: 'cloud',
    trainsOnPrompts: true,
    trainingSource:
      'Mistral AI Terms (mistral.ai/terms): inputs on the free Experiment plan may be used for training; a key’s plan is not visible, so assumed',
  },
  openrouter: {
    location: 'gateway',
    trainsOnPrompts: true,
    trainingSource:
      'OpenRouter privacy settings (openrouter.ai/docs/features/privacy-and-logging): requests go to third-party hosts whose data policies vary unless the account restricts them',
  },
  ollama: {
    location: 'local',
    trainsOnPrompts: false,
    trainingSource: 'runs on the user’s own machine',
  },
  webllm: {
    location: 'local',
    trainsOnPrompts: false,
    trainingSource: 'runs in the browser on the user’s own GPU',
  },
};

/** Facts of a provider the table does not know: a cloud API that may train (the cautious case). */
export const UNKNOWN_PROVIDER_FACTS: ProviderFacts = {
  location: 'cloud',
  trainsOnPrompts: true,
  trainingSource: 'unknown provider: assumed it may train on prompts',
};

export function providerFacts(provider: string): ProviderFacts {
  return PROVIDER_FACTS[provider] ?? UNKNOWN_PROVIDER_FACTS;
}
