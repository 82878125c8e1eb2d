/**
 * The refreshed model list (Settings → Catalog): stored as JSON text, validated again when read,
 * so a damaged row falls back to the bundled catalog instead of breaking routing.
 */
import { parseCatalog } from '../catalog/catalog-bundled';
import type { CatalogModel } from '../catalog/catalog-types';
import type { BrokerDatabase } from './storage-database';

export interface RefreshedCatalog {
  /** When the list was downloaded (epoch ms). */
  fetchedAt: number;
  /** Where it came from. */
  sourceUrl: string;
  models: CatalogModel[];
}

export interface CatalogRow {
  id: 'refreshed';
  fetchedAt: number;
  sourceUrl: string;
  json: string;
}

export interface CatalogRepository {
  /** The last refreshed list, or undefined when there is none (or it no longer reads). */
  get(): Promise<RefreshedCatalog | undefined>;
  /** Keeps a refreshed list (validated first: throws TypeError naming a malformed entry). */
  save(catalog: RefreshedCatalog): Promise<void>;
  /** Goes back to the bundled catalog. */
  clear(): Promise<void>;
}

export function createCatalogRepository(database: BrokerDatabase): CatalogRepository {
  return {
    get: async () => {
      const row = await database.catalogs.get('refreshed');
      if (!row) return undefined;
      try {
        return {
          fetchedAt: row.fetchedAt,
          sourceUrl: row.sourceUrl,
          models: parseCatalog(JSON.parse(row.json)),
        };
      } catch (error) {
        console.error(
          'LLM Broker: the refreshed catalog no longer reads; using the bundled one',
          error,
        );
        return undefined;
      }
    },
    save: async ({ fetchedAt, sourceUrl, models }) => {
      const valid = parseCatalog(models);
      await database.catalogs.put({
        id: 'refreshed',
        fetchedAt,
        sourceUrl,
        json: JSON.stringify(valid),
      });
    },
    clear: async () => {
      await database.catalogs.delete('refreshed');
    },
  };
}
