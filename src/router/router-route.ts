/**
 * The router: analyze the request → rule out what cannot serve it (each model with its reason) →
 * score the rest on the 16 criteria → multiply by the provider's priority → the fallback chain,
 * best first, with the gateway's models closing it. Pure and deterministic: the same request,
 * catalog and state give the same plan.
 *
 * It runs before every call over catalogs of hundreds of models, so the hot path allocates
 * almost nothing per model: filters read the compiled catalog's typed arrays, scores go into one
 * flat array, and objects are built only for the chain (and for the explanation when it is read).
 */
import type { CatalogModel } from '../catalog/catalog-types';
import { LlmError } from '../protocol/llm-errors';
import type { LlmRequest } from '../protocol/llm-request';
import { type CompiledCatalog, compileCatalog } from './router-compiled-catalog';
import {
  candidateOf,
  type LiveRows,
  planOf,
  type RouteDecision,
  type RowSettings,
  type RuledOutList,
  rowPriority,
} from './router-plan';
import { topRows } from './router-rank';
import {
  copyRows,
  createColumns,
  createRouteContext,
  fillRow as importedFillRow,
  learnedRankingOf,
  type RouteContext,
  type ScoreColumns,
  scoreColumns,
} from './router-score';
import type { LiveEvidence, RoutePlan, RoutingState, RuleOutConstraint } from './router-types';

export { TIE_BREAK_RULE } from './router-rank';

const CAPABILITY_NAMES = ['vision', 'tools', 'json', 'reasoning'] as const;

// Called once per model: a module-local copy, since some loaders (tsx, CommonJS bundles) read an
// imported binding through a getter on every call (router-score.ts says more).
const fillRow = importedFillRow;

function formatUsd(value: number): string {
  if (value >= 0.01) return `$${value.toFixed(2)}`;
  // Two significant digits, without trailing zeros ($0.0016, $0.001, $0).
  return `$${Number(value.toPrecision(2))}`;
}

function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

function formatTokens(tokens: number): string {
  return Math.round(tokens).toLocaleString('en-US');
}

function clampPriority(priority: number | undefined): number {
  const value = priority ?? 100;
  return value < 0 ? 0 : Math.min(value, 100);
}

function unavailableReason(provider: string, entry: RoutingState['providers'][string]): string {
  return entry.unavailableReason ?? `${provider} is turned off`;
}

/** The state entry that governs a local model: its own provider's, else the `local` entry. */
function localEntry(model: CatalogModel, state: RoutingState) {
  return state.providers[model.provider] ?? state.providers.local;
}

/** Per provider of the catalog: why its cloud models are unavailable, the priorities of its
 * models, and whether it is the gateway. */
interface ProviderStatus extends RowSettings {
  problems: Array<string | undefined>;
}

function providerStatus(compiled: CompiledCatalog, state: RoutingState): ProviderStatus {
  const problems: Array<string | undefined> = [];
  const priorities = new Float64Array(compiled.providers.length);
  const localPriorities = new Float64Array(compiled.providers.length);
  const viaGateway = new Uint8Array(compiled.providers.length);
  compiled.providers.forEach((provider, position) => {
    const entry = state.providers[provider];
    priorities[position] = clampPriority(entry?.priority);
    localPriorities[position] = clampPriority((entry ?? state.providers.local)?.priority);
    viaGateway[position] = provider === state.gateway ? 1 : 0;
    if (state.gateway !== undefined && provider === state.gateway) problems.push(undefined);
    else if (entry === undefined) problems.push(`no API key for ${provider}`);
    else problems.push(entry.available ? undefined : unavailableReason(provider, entry));
  });
  return { problems, priorities, localPriorities, viaGateway };
}

/** Why a model cannot be used at all (no key, not downloaded, turned off), or undefined. */
function availabilityProblem(
  index: number,
  compiled: CompiledCatalog,
  status: ProviderStatus,
  localModels: ReadonlySet<string>,
  state: RoutingState,
): string | undefined {
  if (compiled.isLocal[index] === 0) return status.problems[compiled.providerIndex[index]!];
  const model = compiled.models[index]!;
  const entry = localEntry(model, state);
  if (entry && !entry.available) return unavailableReason(model.provider, entry);
  const ready =
    localModels.has(model.id) ||
    localModels.has(compiled.keys[index]!) ||
    localModels.has(model.providerModelId);
  return ready ? undefined : `not downloaded / installed locally (${model.provider})`;
}

function cooldownUntil(index: number, compiled: CompiledCatalog, state: RoutingState): number {
  const byProvider = state.cooldowns[compiled.models[index]!.provider] ?? 0;
  const byModel = state.cooldowns[compiled.keys[index]!] ?? 0;
  return Math.max(byProvider, byModel);
}

/** Why a model is resting and for how long: the cause first, so a person knows what to do. */
function cooldownReason(
  index: number,
  compiled: CompiledCatalog,
  state: RoutingState,
  until: number,
): string {
  const model = compiled.models[index]!;
  const cause =
    state.cooldownCauses?.[compiled.keys[index]!] ?? state.cooldownCauses?.[model.provider];
  const seconds = Math.ceil((until - state.now) / 1000);
  const wait = seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
  return cause
    ? `resting after a failure: ${cause} (tried again in ${wait})`
    : `resting after repeated failures (tried again in ${wait})`;
}

function missingCapabilities(mask: number): string {
  return CAPABILITY_NAMES.filter((_, bit) => mask & (1 << bit)).join(', ');
}

/** Reused between calls (routing is synchronous): the route's score table, grown as needed. */
let scratch = createColumns(64);
/** The chain's rows, scored again with their contributions. */
let chainScratch = createColumns(16);

function scratchFor(models: number): ScoreColumns {
  if (scratch.capacity < models) scratch = createColumns(models);
  return scratch;
}

/**
 * Filters every model of the catalog and fills a row of `columns` for each candidate. Returns
 * the decision: the candidates with the inputs to explain them, and every ruled-out model with
 * its constraint and reason.
 */
function decide(
  request: LlmRequest,
  compiled: CompiledCatalog,
  context: RouteContext,
  columns: ScoreColumns,
): RouteDecision {
  const { state, analysis } = context;
  const constraints = request.constraints;
  const maxCost = constraints?.maxCostUsd;
  const maxLatency = constraints?.maxLatencyMs;
  const privacy = constraints?.privacy;
  const stats = state.stats;
  const promptModel = context.features ? stats?.promptQuality : undefined;
  const status = providerStatus(compiled, state);
  const localModels = new Set(state.localModels);
  const hasCooldowns = Object.keys(state.cooldowns).length > 0;
  const known = stats ? modelsKnownTo(stats, compiled) : undefined;
  // Only rows with live evidence keep it (most of a catalog has none).
  const live: LiveRows = { rows: [], estimates: [], predictions: [], ratingsCounted: [] };
  const ruledOut: RuledOutList = { index: [], constraint: [], reason: [] };
  const ruleOut = (index: number, constraint: RuleOutConstraint, reason: string) => {
    ruledOut.index.push(index);
    ruledOut.constraint.push(constraint);
    ruledOut.reason.push(reason);
  };
  let row = 0;

  for (let index = 0; index < compiled.models.length; index++) {
    const unavailable = availabilityProblem(index, compiled, status, localModels, state);
    if (unavailable !== undefined) {
      ruleOut(index, 'availability', unavailable);
      continue;
    }
    const priority = rowPriority(index, compiled, status);
    if (priority <= 0) {
      ruleOut(index, 'priority', 'priority 0: switched off in the provider priorities');
      continue;
    }
    if (hasCooldowns) {
      const until = cooldownUntil(index, compiled, state);
      if (until > state.now) {
        ruleOut(index, 'cooldown', cooldownReason(index, compiled, state, until));
        continue;
      }
    }
    if (privacy === 'local-only' && compiled.isLocal[index] === 0) {
      const where =
        compiled.models[index]!.location === 'gateway' ? 'through a gateway' : 'in the cloud';
      ruleOut(index, 'privacy', `privacy local-only: runs ${where}`);
      continue;
    }
    if (privacy === 'no-training' && compiled.trainsOnPrompts[index] === 1) {
      const provider = compiled.models[index]!.provider;
      ruleOut(index, 'privacy', `privacy no-training: ${provider} may train on prompts`);
      continue;
    }
    const missing = context.requiredMask & ~compiled.capabilities[index]!;
    if (missing !== 0) {
      ruleOut(index, 'capability', `lacks ${missingCapabilities(missing)}`);
      continue;
    }
    const contextTokens = compiled.contextTokens[index]!;
    if (contextTokens < context.neededContext) {
      ruleOut(
        index,
        'context',
        `context window ${formatTokens(contextTokens)} tokens < ${formatTokens(context.neededContext)} needed`,
      );
      continue;
    }
    const isKnown = known !== undefined && known[index] === 1;
    const key = compiled.keys[index]!;
    let estimate = isKnown ? stats?.estimate(key, analysis.task) : undefined;
    // What a model's ratings say counts for a request in proportion to how many of them were on
    // prompts of its shape: none, and the catalog's priors decide (docs/router.md §5).
    const familiarity =
      estimate !== undefined && promptModel?.knows(key) && context.features
        ? Math.min(
            1,
            promptModel.groupObservations(key, context.features.group) /
              context.tuning.familiarGroupObservations,
          )
        : 1;
    if (estimate !== undefined && familiarity < 1) {
      estimate = { ...estimate, feedbackCount: estimate.feedbackCount * familiarity };
    }
    // Per-prompt predictions only where the model has feedback that applies to this task: on a
    // task it was never rated on, the prompt model's features mislead more than they tell.
    const prediction =
      promptModel && context.features && estimate !== undefined && estimate.feedbackCount > 0
        ? promptModel.predict(key, context.features)
        : undefined;
    if (prediction && familiarity < 1) prediction.weight *= familiarity;
    const viaGateway = status.viaGateway[compiled.providerIndex[index]!] === 1;
    fillRow(
      columns,
      row,
      index,
      priority,
      viaGateway,
      estimate,
      prediction,
      compiled,
      context,
      familiarity,
    );
    const expectedCostUsd = columns.cost[row]!;
    if (maxCost !== undefined && expectedCostUsd > maxCost) {
      ruleOut(
        index,
        'maxCost',
        `expected cost ${formatUsd(expectedCostUsd)} > maxCostUsd ${formatUsd(maxCost)}`,
      );
      continue;
    }
    if (expectedCostUsd > state.budgetLeftUsd) {
      ruleOut(
        index,
        'budget',
        `expected cost ${formatUsd(expectedCostUsd)} > budget left ${formatUsd(state.budgetLeftUsd)}`,
      );
      continue;
    }
    const expectedLatencyMs = columns.latencyMs[row]!;
    if (maxLatency !== undefined && expectedLatencyMs > maxLatency) {
      const basis = estimate?.timeToFirstTokenObservations ? 'observed' : 'prior';
      ruleOut(
        index,
        'maxLatency',
        `expected latency ${formatSeconds(expectedLatencyMs)} (${basis}) > maxLatencyMs ${formatSeconds(maxLatency)}`,
      );
      continue;
    }
    if (estimate !== undefined || prediction !== undefined) {
      live.rows.push(row);
      live.estimates.push(estimate);
      live.predictions.push(prediction);
      live.ratingsCounted.push(familiarity);
    }
    row++;
  }
  return { compiled, context, count: row, settings: status, live, ruledOut };
}

/** Per catalog: which models the live evidence knows at all, as of its revision. */
const knownModelsCache = new WeakMap<
  CompiledCatalog,
  { stats: LiveEvidence; revision: number; known: Uint8Array }
>();

/**
 * 1 for each catalog model the live evidence knows anything about (observed outcomes, feedback or
 * per-prompt outcomes), 0 for the rest — whom it need not be asked about. Remembered per catalog
 * while the evidence's `revision` stays the same (routing far outnumbers feedback); evidence
 * without a revision is asked about every model every time.
 */
function modelsKnownTo(stats: LiveEvidence, compiled: CompiledCatalog): Uint8Array {
  const revision = stats.revision;
  const cached = knownModelsCache.get(compiled);
  if (revision !== undefined && cached?.stats === stats && cached.revision === revision) {
    return cached.known;
  }
  const known = new Uint8Array(compiled.models.length);
  const promptModel = stats.promptQuality;
  for (let index = 0; index < known.length; index++) {
    const key = compiled.keys[index]!;
    const knows =
      stats.estimate(key, 'general') !== undefined || (promptModel?.knows(key) ?? false);
    known[index] = knows ? 1 : 0;
  }
  if (revision !== undefined) knownModelsCache.set(compiled, { stats, revision, known });
  return known;
}

/**
 * The whole decision without throwing: the chain (possibly empty) and the explanation, built
 * when first read. `route` is this plus the NotSupportedError on an empty chain.
 */
export function planRoute(
  request: LlmRequest,
  catalog: readonly CatalogModel[],
  state: RoutingState,
): RoutePlan {
  const compiled = compileCatalog(catalog);
  const context = createRouteContext(request, state);
  const columns = scratchFor(compiled.models.length);
  const decision = decide(request, compiled, context, columns);
  const count = decision.count;
  const learned = learnedRankingOf(columns, count, compiled, context);
  decision.learned = learned;
  const { tuning } = context;
  scoreColumns(columns, count, compiled, context, learned, false, {
    direct: tuning.chainLength,
    gateway: tuning.gatewayChainLength,
  });
  const chainRows = [
    ...topRows(columns, count, false, tuning.chainLength, compiled),
    ...topRows(columns, count, true, tuning.gatewayChainLength, compiled),
  ];
  // The chain's rows again, with their contributions, in a small table of their own.
  if (chainScratch.capacity < chainRows.length) chainScratch = createColumns(chainRows.length);
  const chainColumns = chainScratch;
  copyRows(columns, chainRows, chainColumns);
  scoreColumns(chainColumns, chainRows.length, compiled, context, learned, true);
  const chain = chainRows.map((_, position) =>
    candidateOf(chainColumns, position, compiled, position + 1),
  );
  return planOf(decision, chain, chainRows);
}

/** A count of ruled-out models per constraint, for the error message. */
function summarizeRuledOut(constraints: readonly RuleOutConstraint[]): string {
  const counts = new Map<string, number>();
  for (const constraint of constraints) counts.set(constraint, (counts.get(constraint) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([constraint, count]) => `${count} by ${constraint}`)
    .join(', ');
}

/**
 * Routes a request: the fallback chain — the best `chainLength` candidates by final score, then
 * the gateway's best `gatewayChainLength` — and its explanation (every candidate ranked, every
 * other model with the reason it was ruled out). Throws `LlmError` `NotSupportedError` listing
 * why each model was ruled out when no model can serve the request.
 */
export function route(
  request: LlmRequest,
  catalog: readonly CatalogModel[],
  state: RoutingState,
): RoutePlan {
  const plan = planRoute(request, catalog, state);
  if (plan.chain.length > 0) return plan;
  const ruledOut = plan.explanation.ruledOut;
  throw new LlmError({
    name: 'NotSupportedError',
    message:
      ruledOut.length === 0
        ? 'No model can serve this request: the catalog is empty.'
        : `No model can serve this request (${summarizeRuledOut(ruledOut.map((entry) => entry.constraint))}).`,
    ruledOut: ruledOut.map((entry) => ({
      provider: entry.model.provider,
      model: entry.model.id,
      reason: entry.reason,
    })),
  });
}
