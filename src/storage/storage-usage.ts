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

/** Two rows' counts together (rows written before cascades count none of theirs). */
function addCounts(a: Counts, b: Counts): Counts {
  return {
    requests: a.requests + b.requests,
    answered: a.answered + b.answered,
    cached: a.cached + b.cached,
    refused: a.refused + b.refused,
    failed: a.failed + b.failed,
    costNanoUsd: a.costNanoUsd + b.costNanoUsd,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cascaded: (a.cascaded ?? 0) + (b.cascaded ?? 0),
    escalated: (a.escalated ?? 0) + (b.escalated ?? 0),
    cascadeSavedNanoUsd: (a.cascadeSavedNanoUsd ?? 0) + (b.cascadeSavedNanoUsd ?? 0),
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

/**
 * Adds lines to their days' rows (inside the caller's transaction on `usageDays`): one read and
 * one write of the rows they touch, however many lines.
 */
export async function addToUsage(
  database: BrokerDatabase,
  lines: ReadonlyArray<{ line: RequestLogInput; attempts: readonly Attempt[] }>,
): Promise<void> {
  const summed = new Map<string, { id: [string, string, string]; counts: Counts }>();
  for (const { line, attempts } of lines) {
    const day = dayOf(line.createdAt);
    for (const { dimension, key, counts } of usageOfLine(line, attempts).values()) {
      const id = `${day} ${dimension} ${key}`;
      const change = summed.get(id);
      if (change) change.counts = addCounts(change.counts, counts);
      else summed.set(id, { id: [day, dimension, key], counts });
    }
  }
  const changes = [...summed.values()];
  const stored = await database.usageDays.bulkGet(changes.map(({ id }) => id));
  await database.usageDays.bulkPut(
    changes.map(({ id: [day, dimension, key], counts }, index) => ({
      day,
      dimension: dimension as UsageDimension,
      key,
      ...addCounts(stored[index] ?? emptyCounts(), counts),
    })),
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
