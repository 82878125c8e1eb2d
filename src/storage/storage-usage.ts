/**
 * Daily usage rollups: what the options page's charts read. Every request-log line adds to a
 * handful of rows of its day (every site together, its site, each provider and model it tried)
 * in the transaction that appends it, so a year of charts is a few thousand rows however many
 * requests the log holds.
 */
import type { Attempt } from '../protocol/llm-result';
import type { BrokerDatabase } from './storage-database';
import { dayOf, fromNanoUsd, toNanoUsd } from './storage-money';
import type { RequestLogInput, UsageDayRow, UsageDimension } from './storage-types';

/** The key of a model's rows: `provider/model`. */
export function modelKey(model: { provider: string; id: string }): string {
  return `${model.provider}/${model.id}`;
}

type Counts = Omit<UsageDayRow, 'day' | 'dimension' | 'key'>;

function emptyCounts(): Counts {
  return {
    requests: 0,
    answered: 0,
    cached: 0,
    refused: 0,
    failed: 0,
    costNanoUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    cascaded: 0,
    escalated: 0,
    cascadeSavedNanoUsd: 0,
  };
}

/**
 * What one log line adds, per row id (`dimension key`). The request's own counts go to `all` and
 * its site; money and tokens go to each model an attempt was made on (a fallback's cost is its
 * model's); the answering model counts the request.
 */
export function usageOfLine(
  line: RequestLogInput,
  attempts: readonly Attempt[],
): Map<string, { dimension: UsageDimension; key: string; counts: Counts }> {
  const changes = new Map<string, { dimension: UsageDimension; key: string; counts: Counts }>();
  const at = (dimension: UsageDimension, key: string) => {
    const id = `${dimension} ${key}`;
    let change = changes.get(id);
    if (!change) {
      change = { dimension, key, counts: emptyCounts() };
      changes.set(id, change);
    }
    return change.counts;
  };
  const answered = line.outcome === 'answered';
  const failed =
    line.outcome === 'failed' || line.outcome === 'aborted' || line.outcome === 'interrupted';
  for (const counts of [at('all', ''), at('site', line.origin)]) {
    counts.requests += 1;
    if (answered) counts.answered += 1;
    if (line.cached) counts.cached += 1;
    if (line.outcome === 'refused') counts.refused += 1;
    if (failed) counts.failed += 1;
    counts.costNanoUsd += toNanoUsd(line.costUsd);
    if (!line.cached) {
      counts.inputTokens += line.inputTokens;
      counts.outputTokens += line.outputTokens;
    }
    if (line.cascade) {
      counts.cascaded! += 1;
      if (line.cascade.escalated) counts.escalated! += 1;
      counts.cascadeSavedNanoUsd! += toNanoUsd(line.cascade.savedUsd ?? 0);
    }
  }
  for (const attempt of attempts) {
    for (const counts of [
      at('provider', attempt.model.provider),
      at('model', modelKey(attempt.model)),
    ]) {
      counts.costNanoUsd += toNanoUsd(attempt.costUsd);
      counts.inputTokens += attempt.usage?.inputTokens ?? 0;
      counts.outputTokens += attempt.usage?.outputTokens ?? 0;
    }
  }
  // A request whose attempts are unknown (the worker stopped mid-answer) still has its cost.
  if (attempts.length === 0 && line.costUsd > 0 && !line.model) {
    for (const counts of [at('provider', ''), at('model', '')]) {
      counts.costNanoUsd += toNanoUsd(line.costUsd);
    }
  }
  if (line.model && answered) {
    for (const counts of [at('provider', line.model.provider), at('model', modelKey(line.model))]) {
      counts.requests += 1;
      counts.answered += 1;
      if (line.cached) counts.cached += 1;
    }
  }
  return changes;
}

/** Adds a line to its day's rows (inside the caller's transaction on `usageDays`). */
export async function addToUsage(
  database: BrokerDatabase,
  line: RequestLogInput,
  attempts: readonly Attempt[],
): Promise<void> {
  const day = dayOf(line.createdAt);
  const changes = [...usageOfLine(line, attempts).values()];
  const keys = changes.map(
    ({ dimension, key }) => [day, dimension, key] as [string, string, string],
  );
  const stored = await database.usageDays.bulkGet(keys);
  await database.usageDays.bulkPut(
    changes.map(({ dimension, key, counts }, index) => {
      const row = stored[index] ?? { day, dimension, key, ...emptyCounts() };
      return {
        ...row,
        requests: row.requests + counts.requests,
        answered: row.answered + counts.answered,
        cached: row.cached + counts.cached,
        refused: row.refused + counts.refused,
        failed: row.failed + counts.failed,
        costNanoUsd: row.costNanoUsd + counts.costNanoUsd,
        inputTokens: row.inputTokens + counts.inputTokens,
        outputTokens: row.outputTokens + counts.outputTokens,
        cascaded: (row.cascaded ?? 0) + (counts.cascaded ?? 0),
        escalated: (row.escalated ?? 0) + (counts.escalated ?? 0),
        cascadeSavedNanoUsd: (row.cascadeSavedNanoUsd ?? 0) + (counts.cascadeSavedNanoUsd ?? 0),
      };
    }),
  );
}

/** A day's usage of one key, in US dollars. */
export interface UsageDay extends Counts {
  day: string;
  key: string;
  costUsd: number;
}

export interface UsageRepository {
  /** Rows of one dimension from `fromDay` to `toDay` (inclusive, `YYYY-MM-DD`), oldest first. */
  days(dimension: UsageDimension, fromDay: string, toDay: string): Promise<UsageDay[]>;
}

export function createUsageRepository(database: BrokerDatabase): UsageRepository {
  return {
    days: async (dimension, fromDay, toDay) => {
      const rows = await database.usageDays
        .where('[dimension+day]')
        .between([dimension, fromDay], [dimension, toDay], true, true)
        .toArray();
      return rows.map(({ dimension: _dimension, costNanoUsd, ...row }) => ({
        ...row,
        costNanoUsd,
        costUsd: fromNanoUsd(costNanoUsd),
      }));
    },
  };
}
