/** Every provider the broker can call: one line each (refined-github's one-feature-one-line). */
import { openaiProvider } from './openai-provider';
import type { ProviderDefinition } from './provider-types';

export const PROVIDERS: readonly ProviderDefinition[] = [openaiProvider];

const byId = new Map(PROVIDERS.map((provider) => [provider.id, provider]));

export function findProvider(id: string): ProviderDefinition | undefined {
  return byId.get(id);
}
