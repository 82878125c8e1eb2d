/**
 * Ordering scored candidates: by final score, best first; equal scores (to 9 decimals) by lower
 * expected cost, then by `provider/id` alphabetically — a total order, so the same inputs always
 * give the same chain.
 */
import type { CompiledCatalog } from './router-compiled-catalog';
import type { ScoreColumns } from './router-score';

/** The documented stable rule for equal final scores. */
export const TIE_BREAK_RULE =
  'equal final scores (to 9 decimals): lower expected cost first, then provider/model id in alphabetical order';

/** Negative when row `a` ranks before row `b`. */
export function compareRows(
  columns: ScoreColumns,
  a: number,
  b: number,
  compiled: CompiledCatalog,
): number {
  const scoreDifference = columns.rankKey[b]! - columns.rankKey[a]!;
  if (scoreDifference !== 0) return scoreDifference;
  const costDifference = columns.cost[a]! - columns.cost[b]!;
  if (costDifference !== 0) return costDifference;
  const aKey = compiled.keys[columns.model[a]!]!;
  const bKey = compiled.keys[columns.model[b]!]!;
  return aKey < bKey ? -1 : aKey > bKey ? 1 : 0;
}

/**
 * The best `limit` of rows 0…count−1 that are (or are not) served via the gateway, in order.
 * One pass keeping a small sorted buffer: most rows are rejected by one comparison with the
 * buffer's last entry.
 */
export function topRows(
  columns: ScoreColumns,
  count: number,
  viaGateway: boolean,
  limit: number,
  compiled: CompiledCatalog,
): number[] {
  const best: number[] = [];
  if (limit <= 0) return best;
  const wanted = viaGateway ? 1 : 0;
  for (let row = 0; row < count; row++) {
    // Rows that scoring left unscored cannot be among the best (`scoreColumns`' limits).
    if (columns.gateway[row] !== wanted || columns.rankKey[row] === Number.NEGATIVE_INFINITY) {
      continue;
    }
    if (best.length === limit && compareRows(columns, row, best[limit - 1]!, compiled) >= 0) {
      continue;
    }
    let position = best.length < limit ? best.length : limit - 1;
    if (best.length < limit) best.push(row);
    while (position > 0 && compareRows(columns, row, best[position - 1]!, compiled) < 0) {
      best[position] = best[position - 1]!;
      position--;
    }
    best[position] = row;
  }
  return best;
}

/** All of rows 0…count−1 that are (or are not) via the gateway, in order. */
export function rankRows(
  columns: ScoreColumns,
  count: number,
  viaGateway: boolean,
  compiled: CompiledCatalog,
): number[] {
  const wanted = viaGateway ? 1 : 0;
  const rows: number[] = [];
  for (let row = 0; row < count; row++) if (columns.gateway[row] === wanted) rows.push(row);
  return rows.sort((a, b) => compareRows(columns, a, b, compiled));
}
