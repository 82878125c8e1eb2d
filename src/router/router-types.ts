/**
 * The router's inputs and outputs. The router is pure: `route(request, catalog, state)` returns a
 * plan or throws a NotSupportedError, with no I/O (docs/architecture.md §4 and §8).
 */
import type { CatalogModel, Criterion } from '../catalog/catalog-types';
import type {
  Capability,
  LlmRequest,
  Preset,
  QualityHint,
  RequestHints,
  SpeedHint,
  TaskType,
} from '../protocol/llm-request';
import type { PromptQualityModel } from './prompt-quality-model';

/** The user's side of a routing decision: what is available, priorities, budget, live health. */
export interface RoutingState {
  /** Per provider id: whether it can be used (key set / server configured) and its priority 0–100.
   * The pseudo-provider `local` sets availability and priority of every local model whose own
   * provider (`webllm`, `ollama`) has no entry. */
  providers: Record<
    string,
    {
      available: boolean;
      priority: number;
      /** Why an unavailable provider is unavailable (default: it is turned off). */
      unavailableReason?: string;
    }
  >;
  /** Local (WebLLM / local-server) model ids that are downloaded and ready (`id`,
   * `provider/id` or the provider's own model id). */
  localModels: string[];
  /** The gateway that closes every chain (e.g. `openrouter`), when configured. */
  gateway?: string;
  /** Provider ids or `provider/model` ids in cooldown → epoch ms when it ends. */
  cooldowns: Record<string, number>;
  /** Why each of them is in cooldown, in words a person can act on (the last failure). */
  cooldownCauses?: Record<string, string>;
  /** The smaller of the user's and the site's budget left this month, in USD. */
  budgetLeftUsd: number;
  /** The time of the decision (epoch ms), so cooldowns are deterministic in tests. */
  now: number;
  /** What the user's own traffic has measured (speed, reliability, feedback, per-prompt
   * quality); a `RouterStats` from router-live-stats.ts. Absent: priors only. */
  stats?: LiveEvidence;
  /** Overrides of the router's tuning constants (benchmarks and experiments). */
  tuning?: Partial<RouterTuning>;
  /** The person's defaults for requests that leave hints out (Settings → Priorities). */
  defaults?: RoutingDefaults;
}

/** What the router assumes when a request leaves a hint out; a site's own hint always wins. */
export interface RoutingDefaults {
  /** The preset for each task (given or inferred). */
  presets?: Partial<Record<TaskType, Preset>>;
  quality?: QualityHint;
  speed?: SpeedHint;
}

/** What live statistics tell the router about one model. */
export interface LiveEstimate {
  /** Observed time to first token (geometric mean), ms, and the effective number of
   * observations behind it. */
  timeToFirstTokenMs?: number;
  timeToFirstTokenObservations: number;
  /** Observed output speed (geometric mean), tokens per second, and its observations. */
  outputTokensPerSecond?: number;
  outputTokensPerSecondObservations: number;
  /** Recent successes and failures (older ones decay). */
  successes: number;
  failures: number;
  /** User feedback on this model (for the request's task when there is any, else overall). */
  feedbackCount: number;
  /** Mean feedback score in [0, 1]. */
  feedbackMean?: number;
}

/** The live evidence the router reads; `RouterStats` implements it. */
export interface LiveEvidence {
  /** What was observed of `modelKey` (`provider/id`), with feedback for `task` when known. */
  estimate(modelKey: string, task: TaskType): LiveEstimate | undefined;
  /** A per-prompt quality model trained on feedback, when one is kept. */
  readonly promptQuality?: PromptQualityModel | undefined;
  /** The typical size of the requests learned from (input plus expected output tokens), when
   * known: learned ranking weighs a request's cost against a request of this size. */
  readonly typicalRequestTokens?: number | undefined;
  /** Changes whenever anything recorded changes. When present, the router remembers per catalog
   * which models the evidence knows at all, and asks only about those until it changes. */
  readonly revision?: number | undefined;
}

/** The constants of the scoring rules, documented in docs/router.md. */
export interface RouterTuning {
  /** Quality needed at difficulty 0, and how much each unit of difficulty adds. */
  needBase: number;
  needSlope: number;
  /** Above the need, quality still counts but only this much per unit. */
  headroomSlope: number;
  /** Below the need, each missing unit of quality costs this much more. */
  shortfallPenalty: number;
  /** Pseudo-observations the priors are worth against live evidence. */
  speedPriorWeight: number;
  reliabilityPriorWeight: number;
  feedbackPriorWeight: number;
  /** Evidence weight at which a per-prompt prediction counts as much as the prior scores. */
  promptQualityPriorWeight: number;
  /**
   * Rated answers a model needs on prompts of a request's shape (its prompt group: answer
   * options, a blank, code) before its feedback and per-prompt prediction count in full for that
   * request; with fewer they count in proportion, with none not at all (the catalog's priors
   * decide). What was learned on one kind of prompt must not decide another.
   */
  familiarGroupObservations: number;
  /**
   * Multiplies the cost share of the cost / quality / latency split before the split is
   * normalized again: 1 keeps the preset's (or task's) own split, 2 weighs cost twice as much, 0
   * ignores cost. The one continuous knob between cheaper and better answers; the replay
   * benchmark sweeps it to trace the router's own cost/quality curve.
   */
  costAversion: number;
  /**
   * Learned ranking (docs/router.md §5): once quality is predicted from the user's own outcomes
   * — a probability of a good answer — the quality criteria count in full (no need, no headroom
   * discount) and weigh this many times their share before the weights are normalized again.
   */
  learnedQualityGain: number;
  /** Learned ranking applies when at least two candidates' quality rests at least this much on
   * learned evidence (feedback means and per-prompt predictions, as blend shares in [0, 1]). */
  learnedEvidenceShare: number;
  /** Learned ranking scores cost as s / (s + expected cost), s being this many times what a
   * typical request costs with the best-predicted candidate: about linear in the dollars at
   * stake for ordinary requests, never negative for extraordinary ones. */
  learnedCostScale: number;
  /** How many direct candidates the fallback chain holds, best first. */
  chainLength: number;
  /** How many of the gateway's candidates close the chain. */
  gatewayChainLength: number;
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
  /** What the model must be able to do: the request's constraints plus what its shape implies
   * (images → vision, tools → tools, a JSON response format → json). */
  requiredCapabilities: Capability[];
  /** How much quality the request needs, in [0, 1]: from difficulty and the quality hint. */
  qualityNeed: number;
  /** The preset in effect, when one was given or is the person's default for the task. */
  preset?: Preset;
  /** The hints in effect: the request's own, with the person's defaults for what it left out. */
  hints: RequestHints;
  /** Short notes on what drove the task, difficulty and output guesses. */
  signals: string[];
}

export interface CandidateScore {
  model: CatalogModel;
  /** Each criterion's weighted contribution to the base score. */
  contributions: Record<Criterion, number>;
  baseScore: number;
  /** The provider priority as a multiplier, 0–1. */
  priorityMultiplier: number;
  finalScore: number;
  /** 1-based position in the chain; candidates beyond the chain (in the explanation) continue
   * the count after it. */
  rank: number;
  expectedCostUsd: number;
  expectedLatencyMs: number;
  /** The model's quality for this task before the need is applied: the task's quality criteria
   * averaged with their weights, after live feedback and per-prompt predictions. */
  qualityEstimate: number;
  /** Whether live statistics changed any of this candidate's scores. */
  liveAdjusted: boolean;
  /** The per-prompt quality prediction blended in, when there was one. */
  promptQuality: { mean: number; weight: number } | undefined;
  /** How much the model's ratings counted for this request, in [0, 1]: below 1 when few of them
   * were on prompts of this request's shape (`RouterTuning.familiarGroupObservations`), 1 when
   * all of what it has counted or it has none. */
  ratingsCounted: number;
  /** Served through the configured gateway (such candidates close the chain). */
  viaGateway: boolean;
}

/** The constraint a ruled-out model failed. */
export type RuleOutConstraint =
  | 'availability'
  | 'priority'
  | 'cooldown'
  | 'privacy'
  | 'capability'
  | 'context'
  | 'maxCost'
  | 'budget'
  | 'maxLatency';

export interface RuledOutCandidate {
  model: CatalogModel;
  reason: string;
  /** Which constraint ruled it out. */
  constraint: RuleOutConstraint;
}

/** How a decision ranked with learned quality (present only when it did). */
export interface LearnedRanking {
  /** Candidates whose quality rests at least `RouterTuning.learnedEvidenceShare` on learned
   * evidence. */
  candidatesWithEvidence: number;
  /** The mean gap between learned and prior quality over those candidates. It is added to the
   * prior part of every candidate's quality, so models without evidence compete on the learned
   * scale rather than on the catalog's. */
  priorShift: number;
  /** The candidate with evidence predicted best (`provider/id`): its price sets the cost scale. */
  referenceModel: string;
  /** s of the cost criterion s / (s + expected cost), USD: `learnedCostScale` × the reference
   * model's expected cost for a request of the typical size learned from (this request's size
   * when none is known). */
  costScaleUsd: number;
}

export interface RouteExplanation {
  analysis: RequestAnalysis;
  /** The criterion weights the scores used (with learned ranking: after its quality gain). */
  weights: Record<Criterion, number>;
  /** The cost / quality / latency split the weights came from (before support criteria). */
  split: { cost: number; quality: number; latency: number };
  candidates: CandidateScore[];
  ruledOut: RuledOutCandidate[];
  /** Expected cost of the chosen model (undefined when nothing qualified). */
  expectedCostUsd?: number;
  /** How ties were broken (the documented stable rule). */
  tieBreak: string;
  /** Present when the candidates were ranked with learned quality (docs/router.md §5). */
  learned?: LearnedRanking;
}

export interface RoutePlan {
  /** The fallback chain, best first; `chain[0]` is the chosen model. The gateway closes it.
   * It holds the best `RouterTuning.chainLength` candidates (then the gateway's best); the
   * explanation ranks every candidate. */
  chain: CandidateScore[];
  /** The request as the router understood it (the explanation's `analysis`, without building
   * the explanation). */
  analysis: RequestAnalysis;
  /** Built when first read (an own enumerable getter, so JSON and structured clone include it). */
  explanation: RouteExplanation;
}

export type RouteFunction = (
  request: LlmRequest,
  catalog: readonly CatalogModel[],
  state: RoutingState,
) => RoutePlan;
