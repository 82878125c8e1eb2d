/**
 * The routing step of the replay: every prompt goes through the real `route()` with a preset, and
 * learning goes through the router's live-adjustment API (`RouterStats.recordFeedback`), the same
 * call the runtime makes when a user rates an answer.
 */
import type { Preset, RequestHints } from '../../src/protocol/llm-request';
import { type PromptQualityModel, promptFeatures } from '../../src/router/prompt-quality-model';
import { analyzeRequest, requestText } from '../../src/router/router-analyze';
import { RouterStats } from '../../src/router/router-live-stats';
import { route } from '../../src/router/router-route';
import type { RoutePlan, RouterTuning, RoutingState } from '../../src/router/router-types';
import type { ReplayCatalog } from './replay-catalog';
import type { ReplayRow } from './replay-data';

/** Every provider of the catalog available at full priority, no budget limit: the replay asks
 * which model the router prefers, not whether the user can afford it. */
export function replayState(
  catalog: ReplayCatalog,
  stats?: RouterStats,
  tuning?: Partial<RouterTuning>,
): RoutingState {
  const providers: RoutingState['providers'] = {};
  for (const model of catalog.models)
    providers[model.provider] = { available: true, priority: 100 };
  return {
    providers,
    localModels: [],
    cooldowns: {},
    budgetLeftUsd: Number.POSITIVE_INFINITY,
    now: 0,
    ...(stats ? { stats } : {}),
    ...(tuning ? { tuning } : {}),
  };
}

/** The data-set column of the model `route()` puts first for each row's prompt with `hints`
 * (a preset name alone, or full hints). */
export function routeRows(
  rows: readonly ReplayRow[],
  catalog: ReplayCatalog,
  hints: Preset | RequestHints,
  state: RoutingState,
): number[] {
  return planRows(rows, catalog, hints, state).map((plan) => {
    const chosen = plan.chain[0]?.model;
    const column = chosen ? catalog.columnOf.get(`${chosen.provider}/${chosen.id}`) : undefined;
    if (column === undefined) throw new Error(`route() chose a model outside the replay catalog`);
    return column;
  });
}

/** `route()`'s plan for each row's prompt with `hints`. */
export function planRows(
  rows: readonly ReplayRow[],
  catalog: ReplayCatalog,
  hints: Preset | RequestHints,
  state: RoutingState,
): RoutePlan[] {
  const requestHints = typeof hints === 'string' ? { preset: hints } : hints;
  return rows.map((row) =>
    route({ prompt: row.prompt, hints: requestHints }, catalog.models, state),
  );
}

/**
 * Feeds the training rows' outcomes to a fresh `RouterStats` with a per-prompt quality model:
 * for each prompt, in file order, one feedback score per model (its 0..1 score on that prompt),
 * tagged with the task the router infers from the prompt.
 */
export function learnFromRows(
  rows: readonly ReplayRow[],
  modelNames: readonly string[],
  catalog: ReplayCatalog,
  stats: RouterStats = new RouterStats(),
): RouterStats {
  if (!stats.promptQuality) stats.usePromptQuality();
  const modelByName = new Map(modelNames.map((name, column) => [name, catalog.models[column]]));
  for (const row of rows) {
    const request = { prompt: row.prompt };
    const text = requestText(request);
    const task = analyzeRequest(request).task;
    const features = promptFeatures(text);
    modelNames.forEach((name, column) => {
      const model = modelByName.get(name);
      if (!model) return;
      stats.recordFeedback({
        model: { provider: model.provider, id: model.id },
        score: row.scores[column] ?? 0,
        task,
        text,
        features,
      });
    });
  }
  return stats;
}

/** Per row, each model's predicted quality and its expected cost at catalog prices. */
export interface PredictionTable {
  predictions: number[][];
  expectedCosts: number[][];
}

/**
 * What the per-prompt quality model alone predicts for each row and model, with each model's
 * expected cost from the catalog's prices and the router's token estimates (never the file's
 * costs). Models without a prediction get their catalog accuracy score.
 */
export function predictionTable(
  rows: readonly ReplayRow[],
  catalog: ReplayCatalog,
  model: PromptQualityModel,
): PredictionTable {
  const predictions: number[][] = [];
  const expectedCosts: number[][] = [];
  for (const row of rows) {
    const request = { prompt: row.prompt };
    const analysis = analyzeRequest(request);
    const features = promptFeatures(requestText(request));
    predictions.push(
      catalog.models.map(
        (entry) =>
          model.predict(`${entry.provider}/${entry.id}`, features)?.mean ?? entry.scores.accuracy,
      ),
    );
    expectedCosts.push(
      catalog.models.map(
        (entry) =>
          (analysis.inputTokens * entry.pricing.inputPerMTok +
            analysis.expectedOutputTokens * entry.pricing.outputPerMTok) /
          1_000_000,
      ),
    );
  }
  return { predictions, expectedCosts };
}

/**
 * The expected-utility rule the quality model is meant for: per row, the model with the highest
 * predicted quality − costWeight × (its expected cost / the reference model's expected cost).
 * costWeight 0 picks the model predicted best; larger weights trade quality for savings.
 */
export function chooseByUtility(
  table: PredictionTable,
  costWeight: number,
  referenceColumn: number,
): number[] {
  return table.predictions.map((predicted, index) => {
    const costs = table.expectedCosts[index] ?? [];
    const referenceCost = costs[referenceColumn] || 1;
    let best = 0;
    let bestUtility = Number.NEGATIVE_INFINITY;
    predicted.forEach((quality, column) => {
      const utility = quality - (costWeight * (costs[column] ?? 0)) / referenceCost;
      if (utility > bestUtility) {
        bestUtility = utility;
        best = column;
      }
    });
    return best;
  });
}
