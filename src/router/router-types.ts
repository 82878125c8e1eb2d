/**
 * The router's inputs and outputs. The router is pure: `route(request, catalog, state)` returns a
 * plan or throws a NotSupportedError, with no I/O (DESIGN.md §4, STYLE.md principle 6).
 */
import type { CatalogModel, Criterion } from '../catalog/catalog-types';
import type { LlmRequest, TaskType } from '../protocol/llm-request';

/** The user's side of a routing decision: what is available, priorities, budget, live health. */
export interface RoutingState {
  /** Per provider id: whether it can be used (key set / server configured) and its priority 0–100. */
  providers: Record<string, { available: boolean; priority: number }>;
  /** Local (WebLLM / local-server) model ids that are downloaded and ready. */
  localModels: string[];
  /** The gateway that closes every chain (e.g. `openrouter`), when configured. */
  gateway?: string;
  /** Provider ids or `provider/model` ids in cooldown → epoch ms when it ends. */
  cooldowns: Record<string, number>;
  /** The smaller of the user's and the site's budget left this month, in USD. */
  budgetLeftUsd: number;
  /** The time of the decision (epoch ms), so cooldowns are deterministic in tests. */
  now: number;
}

/** What the router understood of a request before scoring. */
export interface RequestAnalysis {
  task: TaskType;
  /** True when the task was inferred rather than given. */
  taskInferred: boolean;
  /** Predicted difficulty in [0, 1]. */
  difficulty: number;
  inputTokens: number;
  expectedOutputTokens: number;
}

export interface CandidateScore {
  model: CatalogModel;
  /** Each criterion's weighted contribution to the base score. */
  contributions: Record<Criterion, number>;
  baseScore: number;
  /** The provider priority as a multiplier, 0–1. */
  priorityMultiplier: number;
  finalScore: number;
  /** 1-based position in the chain. */
  rank: number;
  expectedCostUsd: number;
  expectedLatencyMs: number;
}

export interface RuledOutCandidate {
  model: CatalogModel;
  reason: string;
}

export interface RouteExplanation {
  analysis: RequestAnalysis;
  weights: Record<Criterion, number>;
  candidates: CandidateScore[];
  ruledOut: RuledOutCandidate[];
}

export interface RoutePlan {
  /** The fallback chain, best first; `chain[0]` is the chosen model. The gateway closes it. */
  chain: CandidateScore[];
  explanation: RouteExplanation;
}

export type RouteFunction = (
  request: LlmRequest,
  catalog: readonly CatalogModel[],
  state: RoutingState,
) => RoutePlan;
