/**
 * Models on the user's own servers (Ollama, LM Studio, llama.cpp): which are ready, asked from
 * each server and remembered briefly, and catalog entries for the ones the bundled catalog does
 * not know — scored from their family like any new model, so pulling a model needs no update.
 */
import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { CatalogModel } from '../catalog/catalog-types';
import type { ProviderAccount, ProviderDefinition } from '../providers/provider-types';
import { familyOf, scoreModelFromFacts } from '../router';

/** How long a server's model list is trusted before it is asked again. */
const LIST_TTL_MS = 30_000;

/** What a local model is assumed to offer when its server does not say (OpenAI-style lists do not). */
const LOCAL_DEFAULT_LIMITS = { contextTokens: 8_192, maxOutputTokens: 4_096 };

/** A catalog entry for a model only its server knows. */
export function localServerModel(provider: ProviderDefinition, modelId: string): CatalogModel {
  const family = familyOf(modelId);
  const facts = {
    id: modelId,
    provider: provider.id,
    location: 'local' as const,
    pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    limits: LOCAL_DEFAULT_LIMITS,
    capabilities: { vision: false, tools: false, json: true, reasoning: false },
    trainsOnPrompts: false,
  };
  const scored = scoreModelFromFacts(facts, family);
  return {
    ...facts,
    providerModelId: modelId,
    name: `${modelId} (${provider.name})`,
    family: family ?? 'unknown',
    scores: scored.scores,
    sources: { ...scored.sources, listing: `listed by the ${provider.name} server` },
  };
}

export interface LocalModels {
  /** Ids the router's `localModels` takes (`provider/providerModelId`). */
  ready: string[];
  /** Entries for listed models the bundled catalog lacks. */
  additions: CatalogModel[];
}

interface CachedListing {
  at: number;
  ids: string[];
}

export class LocalModelDirectory {
  private readonly listings = new Map<string, CachedListing>();

  constructor(
    private readonly catalog: readonly CatalogModel[],
    private readonly fetch?: FetchFunction,
  ) {}

  /** Forgets every listing (an account changed). */
  clear(): void {
    this.listings.clear();
  }

  /** The ready models of every configured local server; a server that does not answer has none. */
  async resolve(
    servers: Array<{ provider: ProviderDefinition; account: ProviderAccount }>,
    now: number,
  ): Promise<LocalModels> {
    const ready: string[] = [];
    const additions: CatalogModel[] = [];
    for (const { provider, account } of servers) {
      for (const modelId of await this.list(provider, account, now)) {
        const known = this.catalog.find(
          (model) =>
            model.provider === provider.id &&
            (model.providerModelId === modelId || model.id === modelId),
        );
        if (!known) additions.push(localServerModel(provider, modelId));
        ready.push(`${provider.id}/${known?.id ?? modelId}`);
      }
    }
    return { ready, additions };
  }

  private async list(
    provider: ProviderDefinition,
    account: ProviderAccount,
    now: number,
  ): Promise<string[]> {
    const cached = this.listings.get(provider.id);
    if (cached && now - cached.at < LIST_TTL_MS) return cached.ids;
    let ids: string[] = [];
    try {
      ids = (await provider.listModels?.(account, this.fetch)) ?? [];
    } catch {
      // A stopped server simply has no models ready; the options page's key check says why.
    }
    this.listings.set(provider.id, { at: now, ids });
    return ids;
  }
}
