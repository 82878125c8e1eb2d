/**
 * The router's learned live statistics (latency, time to first token, outcomes per model), one
 * row, so a restarted service worker routes with what it learned. The router owns the shape;
 * storage keeps it as JSON text and hands back parsed JSON for the router to validate.
 */
import type { BrokerDatabase } from './storage-database';

export interface RouterStatsSnapshot {
  /** Parsed JSON, exactly as saved. */
  stats: unknown;
  savedAt: number;
}

export interface RouterStatsRepository {
  load(): Promise<RouterStatsSnapshot | undefined>;
  /** Replaces the stored stats; throws TypeError if `stats` is not JSON-serializable. */
  save(stats: unknown): Promise<void>;
  clear(): Promise<void>;
}

const ROUTER_STATS_ROW_ID = 'router';

export function createRouterStatsRepository(
  database: BrokerDatabase,
  now: () => number,
): RouterStatsRepository {
  const { routerStats } = database;
  return {
    load: async () => {
      const row = await routerStats.get(ROUTER_STATS_ROW_ID);
      return row && { stats: JSON.parse(row.json), savedAt: row.savedAt };
    },
    save: async (stats) => {
      const json = JSON.stringify(stats);
      if (json === undefined) throw new TypeError('Router stats must be JSON-serializable.');
      await routerStats.put({ id: ROUTER_STATS_ROW_ID, json, savedAt: now() });
    },
    clear: () => routerStats.delete(ROUTER_STATS_ROW_ID),
  };
}
