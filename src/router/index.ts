/**
 * The router's public surface: route a request, explain a decision, analyze a request, learn
 * from outcomes, and load the catalog it routes over.
 */

export { familyOf } from '../catalog/catalog-benchmarks';
export {
  bundledCatalogSources,
  catalogModelProblem,
  loadBundledCatalog,
  mergeCatalogs,
  modelKey,
  parseCatalog,
} from '../catalog/catalog-bundled';
export {
  catalogFromOpenRouter,
  catalogModelFromOpenRouter,
  type OpenRouterModelEntry,
} from '../catalog/catalog-openrouter';
export {
  type ModelFacts,
  type ScoredModel,
  scoreModelFromFacts,
} from '../catalog/catalog-scoring';
export {
  analyzeRequest,
  DEFAULT_TUNING,
  inferTask,
  requestText,
} from './router-analyze';
export { compileCatalog } from './router-compiled-catalog';
export {
  describeCandidate,
  describeLearning,
  describeRuledOut,
  explain,
  topContributions,
} from './router-explain';
export {
  DEFAULT_ROUTER_STATS_OPTIONS,
  type ObservedFeedback,
  type ObservedModel,
  type ObservedOutcome,
  RouterStats,
  type RouterStatsOptions,
  type RouterStatsSnapshot,
} from './router-live-stats';
export { planRoute, route, TIE_BREAK_RULE } from './router-route';
export { estimateTokens } from './router-tokens';
export type {
  CandidateScore,
  LearnedRanking,
  LiveEstimate,
  LiveEvidence,
  RequestAnalysis,
  RouteExplanation,
  RouteFunction,
  RoutePlan,
  RouterTuning,
  RoutingState,
  RuledOutCandidate,
  RuleOutConstraint,
} from './router-types';
export { criterionWeights, PRESET_SPLITS, TASK_PROFILES, weightSplit } from './router-weights';
