/** Every provider the broker can call: one line each (refined-github's one-feature-one-line). */
import { anthropicProvider } from './anthropic-provider';
import { deepseekProvider } from './deepseek-provider';
import { googleProvider } from './google-provider';
import { localServerProvider } from './local-server-provider';
import { mistralProvider } from './mistral-provider';
import { ollamaProvider } from './ollama-provider';
import { openaiProvider } from './openai-provider';
import { openrouterProvider } from './openrouter-provider';
import type { ProviderDefinition } from './provider-types';

export const PROVIDERS: readonly ProviderDefinition[] = [
  anthropicProvider,
  openaiProvider,
  googleProvider,
  deepseekProvider,
  mistralProvider,
  openrouterProvider,
  ollamaProvider,
  localServerProvider,
];

const byId = new Map(PROVIDERS.map((provider) => [provider.id, provider]));

export function findProvider(id: string): ProviderDefinition | undefined {
  return byId.get(id);
}
