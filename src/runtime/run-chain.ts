/**
 * Runs a plan's fallback chain (docs/architecture.md §2 step 4): the first model that answers
 * wins. A failure before the first token moves on at once; after it, the page is told (an `error`
 * part) and the answer restarts elsewhere only if the request allows it (a `fallback` part first).
 * Every attempt is recorded, and every outcome teaches the router and the health tracker.
 */
import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { CatalogModel } from '../catalog/catalog-types';
import type { LlmRequest } from '../protocol/llm-request';
import type { Attempt, LlmStreamPart, ModelRef } from '../protocol/llm-result';
import { describeProviderError, retryAfterMs } from '../providers/provider-errors';
import type {
  ProviderAccount,
  ProviderDefinition,
  ProviderErrorKind,
} from '../providers/provider-types';
import type { RouterStats } from '../router';
import { estimateTokens } from '../router';
import type { CandidateScore, RoutePlan } from '../router/router-types';
import { affordableOutput, costOfUsage, deliveredTokenBound, outputAllowance } from './cost';
import { withPromptCaching } from './prompt-caching';
import type { ProviderHealth } from './provider-health';
import { toCallOptions } from './request-prompt';
import { AttemptFailure, type AttemptLimits, type AttemptOutput, runAttempt } from './run-attempt';

export interface ChainDependencies {
  findProvider(id: string): ProviderDefinition | undefined;
  /**
   * The account with its decrypted key; undefined when the provider is not set up, `locked`
   * while its key is locked behind the passphrase.
   */
  account(provider: string): Promise<ProviderAccount | 'locked' | undefined>;
  fetch?: FetchFunction;
  health: ProviderHealth;
  stats: RouterStats;
  limits: AttemptLimits;
  /** The most models one request tries (skipped ones do not count). */
  maxAttempts: number;
  /** Wall clock, epoch ms (cooldowns). */
  now(): number;
  /** Monotonic clock, ms (durations). */
  monotonic(): number;
  /** A provider refused the key itself (401/403): it is not to be used until the person acts. */
  onKeyRejected?(provider: string, message: string, status: number | undefined): void;
}

export interface ChainContext {
  requestId: string;
  signal: AbortSignal;
  /** Stream parts for the page (absent for `generate`: then nothing is shown before the end). */
  emit?(part: LlmStreamPart): void;
  /** The request's estimated input tokens (what an attempt cut short is charged for). */
  inputTokens: number;
  /**
   * What the request holds against the budgets. Each attempt's `max_tokens` is cut to what is
   * left of it after earlier attempts' costs, so no chain of attempts can cost more.
   */
  reservedUsd: number;
  /**
   * Called as text arrives with an upper estimate of what the request has cost so far (earlier
   * attempts included): the runtime notes it so a worker that stops mid-answer is still paid.
   */
  onProgress?(deliveredUsd: number): void;
  /**
   * Called as a model is asked, before any text, with what the request has cost once that model
   * has its prompt (earlier attempts included): a stopped worker's request is charged at least
   * this (providers bill a prompt they received).
   */
  onCall?(sentUsd: number): void;
}

export interface ChainAnswer extends AttemptOutput {
  model: CatalogModel;
  costUsd: number;
}

export interface ChainOutcome {
  answer?: ChainAnswer;
  attempts: Attempt[];
  /** Whether a model was passed over because its key is locked behind the passphrase. */
  keysLocked: boolean;
}

/** Failures that say the whole provider is unusable right now, not just this model. */
const PROVIDER_WIDE: ReadonlySet<string> = new Set([
  'rate-limit',
  'key',
  'forbidden',
  'billing',
  'locked',
]);

/** Fewer output tokens than this is no answer: a model that can afford no more is skipped. */
const MIN_OUTPUT_TOKENS = 16;

/** Failures of one provider after which a request stops trying its other models. */
const FAILURES_PER_PROVIDER = 2;

/** How long a provider whose key or account failed is left alone (the person has to act). */
const CONFIGURATION_COOLDOWN_MS = 60_000;

export function modelRef(model: CatalogModel): ModelRef {
  return { provider: model.provider, id: model.id, location: model.location };
}

/**
 * The chain, then every other qualifying model by rank: when a whole provider drops out (a rate
 * limit, a bad key), the chain's remaining models of that provider are skipped and the ranking
 * goes on past the chain rather than giving up. The ranking past the chain is the explanation,
 * built only if the chain runs out.
 */
export function* candidatesInOrder(plan: RoutePlan): Generator<CandidateScore> {
  yield* plan.chain;
  const inChain = new Set(plan.chain.map(({ model }) => `${model.provider}/${model.id}`));
  for (const candidate of plan.explanation.candidates) {
    const { model } = candidate;
    if (!inChain.has(`${model.provider}/${model.id}`)) yield candidate;
  }
}

/** Runs down `chain` (read lazily: what lies past an answer is never computed). */
export async function runChain(
  chain: Iterable<CandidateScore>,
  request: LlmRequest,
  dependencies: ChainDependencies,
  context: ChainContext,
): Promise<ChainOutcome> {
  const attempts: Attempt[] = [];
  /** Providers this request stops trying, with why. */
  const providersOut = new Map<string, string>();
  const failures = new Map<string, number>();
  let restartFrom: ModelRef | undefined;
  let keysLocked = false;
  /** What attempts that delivered text and failed have cost. */
  let spentUsd = 0;

  let tried = 0;
  for (const { model } of chain) {
    if (context.signal.aborted || tried >= dependencies.maxAttempts) break;
    const ref = modelRef(model);
    // A provider can go into cooldown during this very request (its breaker opened).
    const coolingDown = dependencies.health.coolingDownUntil(model.provider, dependencies.now());
    const excluded =
      providersOut.get(model.provider) ??
      (coolingDown !== undefined
        ? `${model.provider} is cooling down after repeated failures.`
        : undefined);
    if (excluded) {
      attempts.push({ model: ref, outcome: 'skipped', error: excluded, durationMs: 0, costUsd: 0 });
      continue;
    }
    if (restartFrom) {
      context.emit?.({
        type: 'fallback',
        from: restartFrom,
        to: ref,
        reason: attempts.at(-1)?.error ?? '',
      });
      restartFrom = undefined;
    }
    const result = await attemptModel(model, request, dependencies, context, spentUsd);
    attempts.push(result.attempt);
    spentUsd += result.attempt.costUsd;
    if (result.attempt.outcome !== 'skipped') tried++;
    if (result.answer) return { answer: result.answer, attempts, keysLocked };
    if (result.kind === 'locked') keysLocked = true;
    // A provider that is not set up was skipped, not tried: it does not count as a failure.
    const failed =
      (failures.get(model.provider) ?? 0) + (result.attempt.outcome === 'skipped' ? 0 : 1);
    failures.set(model.provider, failed);
    if (result.kind && PROVIDER_WIDE.has(result.kind)) {
      providersOut.set(model.provider, result.attempt.error ?? '');
    } else if (failed >= FAILURES_PER_PROVIDER) {
      providersOut.set(model.provider, `${model.provider} failed ${failed} times in this request.`);
    }
    // Text already reached the page (a stream): going on means starting the answer over
    // elsewhere, which the page has to allow. `generate` showed nothing yet, so it moves on.
    if (result.streamed && context.emit) {
      if (!request.allowRestart) break;
      restartFrom = ref;
    }
  }
  return { attempts, keysLocked };
}

interface ModelAttempt {
  attempt: Attempt;
  answer?: ChainAnswer;
  kind?: ProviderErrorKind | 'timeout' | 'locked';
  /** Whether text reached the page before the failure. */
  streamed: boolean;
}

async function attemptModel(
  model: CatalogModel,
  request: LlmRequest,
  dependencies: ChainDependencies,
  context: ChainContext,
  spentUsd: number,
): Promise<ModelAttempt> {
  const ref = modelRef(model);
  const provider = dependencies.findProvider(model.provider);
  const account =
    provider &&
    ((await dependencies.account(model.provider)) ??
      (provider.inBrowser ? { provider: provider.id } : undefined));
  if (!provider || !account) {
    const error = `${provider?.name ?? model.provider} is not set up.`;
    return {
      attempt: { model: ref, outcome: 'skipped', error, durationMs: 0, costUsd: 0 },
      streamed: false,
    };
  }
  if (account === 'locked') {
    const error = `${provider.name}: its API key is locked until you unlock LLM Broker.`;
    return {
      attempt: { model: ref, outcome: 'skipped', error, durationMs: 0, costUsd: 0 },
      kind: 'locked',
      streamed: false,
    };
  }
  const maxOutputTokens = affordableOutput(
    outputAllowance(request, model),
    context.inputTokens,
    context.reservedUsd - spentUsd,
    model.pricing,
  );
  if (maxOutputTokens < MIN_OUTPUT_TOKENS) {
    const error = `${model.id} could cost more than this request has left of what it reserved.`;
    return {
      attempt: { model: ref, outcome: 'skipped', error, durationMs: 0, costUsd: 0 },
      streamed: false,
    };
  }
  const startedAt = dependencies.monotonic();
  // `start` names the model once it is really answering, so a page never shows the name of a
  // model that failed before its first token.
  let streamed = false;
  const begin = () => {
    if (streamed) return;
    streamed = true;
    context.emit?.({ type: 'start', requestId: context.requestId, model: ref });
  };
  const delivered: string[] = [];
  let deliveredChars = 0;
  const inputCostUsd = (context.inputTokens * model.pricing.inputPerMTok) / 1e6;
  try {
    context.onCall?.(spentUsd + inputCostUsd);
    const client = await provider.createModel(account, model.providerModelId, dependencies.fetch);
    const options = toCallOptions(request, context.signal);
    const output = await runAttempt(
      client,
      {
        ...options,
        maxOutputTokens,
        prompt: withPromptCaching(options.prompt, model.provider),
      },
      (delta) => {
        begin();
        delivered.push(delta);
        deliveredChars += delta.length;
        context.emit?.({ type: 'text-delta', delta });
        context.onProgress?.(
          spentUsd +
            inputCostUsd +
            (deliveredTokenBound(deliveredChars) * model.pricing.outputPerMTok) / 1e6,
        );
      },
      dependencies.monotonic,
      provider.firstTokenTimeoutMs === undefined
        ? dependencies.limits
        : {
            ...dependencies.limits,
            firstTokenTimeoutMs: Math.max(
              dependencies.limits.firstTokenTimeoutMs,
              provider.firstTokenTimeoutMs,
            ),
          },
    );
    begin();
    const costUsd = costOfUsage(output.usage, model.pricing);
    dependencies.health.recordSuccess(model.provider);
    dependencies.stats.recordOutcome({
      model: ref,
      ok: true,
      latencyMs: output.durationMs,
      ...(output.timeToFirstTokenMs !== undefined && {
        timeToFirstTokenMs: output.timeToFirstTokenMs,
      }),
      outputTokens: output.usage.outputTokens,
    });
    return {
      attempt: {
        model: ref,
        outcome: 'ok',
        ...(output.timeToFirstTokenMs !== undefined && {
          timeToFirstTokenMs: output.timeToFirstTokenMs,
        }),
        durationMs: output.durationMs,
        usage: output.usage,
        costUsd,
      },
      answer: { ...output, model, costUsd },
      streamed,
    };
  } catch (error) {
    const durationMs = dependencies.monotonic() - startedAt;
    // Text that arrived was generated, and the provider bills it: charge what it delivered.
    const charged = chargeForDelivered(delivered, context.inputTokens, model);
    if (context.signal.aborted) {
      return {
        attempt: { model: ref, outcome: 'aborted', durationMs, ...charged },
        streamed,
      };
    }
    const timedOut = error instanceof AttemptFailure && error.kind.endsWith('timeout');
    const failure =
      error instanceof AttemptFailure
        ? {
            kind: timedOut ? ('timeout' as const) : ('malformed' as const),
            message: error.message,
            retryable: true,
          }
        : describeProviderError(provider, error);
    const now = dependencies.now();
    if (failure.retryable)
      dependencies.health.recordFailure(
        model.provider,
        now,
        retryAfterMs(error, now),
        failure.message,
      );
    else if (PROVIDER_WIDE.has(failure.kind)) {
      dependencies.health.recordFailure(
        model.provider,
        now,
        CONFIGURATION_COOLDOWN_MS,
        failure.message,
      );
    }
    if (failure.kind === 'key' || failure.kind === 'forbidden') {
      const status = 'status' in failure ? failure.status : undefined;
      dependencies.onKeyRejected?.(model.provider, failure.message, status);
    }
    dependencies.stats.recordOutcome({ model: ref, ok: false, latencyMs: durationMs });
    if (streamed)
      context.emit?.({ type: 'error', error: { name: 'NetworkError', message: failure.message } });
    return {
      attempt: {
        model: ref,
        outcome: timedOut ? 'timeout' : 'error',
        error: failure.message,
        ...('status' in failure && failure.status !== undefined && { status: failure.status }),
        durationMs,
        ...charged,
      },
      kind: failure.kind,
      streamed,
    };
  }
}

/**
 * What an attempt cut short costs: nothing if no text arrived; else its input and the delivered
 * text's tokens, estimated (a stream that breaks off carries no usage report).
 */
function chargeForDelivered(
  delivered: readonly string[],
  inputTokens: number,
  model: CatalogModel,
): Pick<Attempt, 'costUsd' | 'usage' | 'usageEstimated'> {
  if (delivered.length === 0) return { costUsd: 0 };
  const usage = { inputTokens, outputTokens: estimateTokens(delivered.join('')) };
  return { costUsd: costOfUsage(usage, model.pricing), usage, usageEstimated: true };
}
