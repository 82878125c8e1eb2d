/**
 * Refreshing the catalog from OpenRouter's public model list: download it (with progress), read
 * it into catalog entries (catalog-openrouter.ts), put it in place of the bundled OpenRouter
 * entries, and say what changed. The refreshed list is what the router uses from then on, so a
 * model released after this version of the extension is usable without a new release.
 */

import { modelKey } from './catalog-bundled';
import { catalogFromOpenRouter } from './catalog-openrouter';
import type { CatalogModel, ModelPricing } from './catalog-types';

/** OpenRouter's public model list: no key needed. */
export const OPENROUTER_MODELS_URL = 'https://openrouter.ai/api/v1/models';

/** The provider whose entries a refresh replaces. */
export const REFRESHED_PROVIDER = 'openrouter';

/** A refresh that could not be done, said so that a person knows what to do. */
export class CatalogRefreshError extends Error {
  override readonly name = 'CatalogRefreshError';
}

export interface RefreshProgress {
  /** Bytes of the list received so far. */
  receivedBytes: number;
  /** Its size, when the server said. */
  totalBytes?: number;
}

export interface FetchCatalogOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?(progress: RefreshProgress): void;
}

/** The list is a few hundred kilobytes; anything past this is not a model list. */
const MAX_LIST_BYTES = 32 * 1024 * 1024;

/** Downloads a model list and reads it into catalog entries. */
export async function fetchOpenRouterCatalog(
  url: string,
  options: FetchCatalogOptions = {},
): Promise<CatalogModel[]> {
  const get = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await get(url, {
      headers: { accept: 'application/json' },
      ...(options.signal && { signal: options.signal }),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new CatalogRefreshError(
      `Could not reach ${new URL(url).host}: check the connection and try again.`,
    );
  }
  if (!response.ok) {
    throw new CatalogRefreshError(
      `${new URL(url).host} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; try again later.`,
    );
  }
  const text = await readText(response, options);
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    throw new CatalogRefreshError('The model list is not JSON: is the address right?');
  }
  const models = catalogFromOpenRouter(list);
  if (models.length === 0) {
    throw new CatalogRefreshError('The model list holds no model LLM Broker can use.');
  }
  return models;
}

async function readText(response: Response, options: FetchCatalogOptions): Promise<string> {
  const length = Number(response.headers.get('content-length'));
  const totalBytes = Number.isFinite(length) && length > 0 ? length : undefined;
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let receivedBytes = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    receivedBytes += value.byteLength;
    if (receivedBytes > MAX_LIST_BYTES) {
      await reader.cancel();
      throw new CatalogRefreshError('The model list is far larger than any real one: stopped.');
    }
    options.onProgress?.({ receivedBytes, ...(totalBytes !== undefined && { totalBytes }) });
  }
  const bytes = new Uint8Array(receivedBytes);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** The bundled catalog with its OpenRouter entries replaced by a refreshed list. */
export function withRefreshed(
  bundled: readonly CatalogModel[],
  refreshed: readonly CatalogModel[] | undefined,
): readonly CatalogModel[] {
  if (!refreshed) return bundled;
  return [...bundled.filter((model) => model.provider !== REFRESHED_PROVIDER), ...refreshed];
}

export interface CatalogChanges {
  added: CatalogModel[];
  removed: CatalogModel[];
  repriced: Array<{ model: CatalogModel; before: ModelPricing }>;
  unchanged: number;
}

/** What a refresh changes among the entries it replaces. */
export function catalogChanges(
  before: readonly CatalogModel[],
  after: readonly CatalogModel[],
): CatalogChanges {
  const old = new Map(
    before
      .filter((model) => model.provider === REFRESHED_PROVIDER)
      .map((model) => [modelKey(model), model]),
  );
  const changes: CatalogChanges = { added: [], removed: [], repriced: [], unchanged: 0 };
  for (const model of after) {
    if (model.provider !== REFRESHED_PROVIDER) continue;
    const previous = old.get(modelKey(model));
    old.delete(modelKey(model));
    if (!previous) changes.added.push(model);
    else if (
      previous.pricing.inputPerMTok !== model.pricing.inputPerMTok ||
      previous.pricing.outputPerMTok !== model.pricing.outputPerMTok
    ) {
      changes.repriced.push({ model, before: previous.pricing });
    } else changes.unchanged++;
  }
  changes.removed = [...old.values()];
  return changes;
}
