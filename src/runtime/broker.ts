/**
 * The broker: everything that happens to a page's request between the permission gate and the
 * answer (DESIGN.md §2, steps 2–5). Plain TypeScript over the storage repositories, the router
 * and the providers; the background service worker wraps it in ports and windows.
 */
import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { CatalogModel } from '../catalog/catalog-types';
import { LlmError } from '../protocol/llm-errors';
import type { PermissionState } from '../protocol/llm-permission';
import type { LlmRequest, PrivacyLevel } from '../protocol/llm-request';
import { parseLlmRequest } from '../protocol/llm-request-schema';
import type { Attempt, LlmResult, LlmStreamPart, ModelRef } from '../protocol/llm-result';
import type { ProviderDefinition } from '../providers/provider-types';
import { route } from '../router';
import type { CandidateScore, RoutePlan, RoutingState } from '../router/router-types';
import type { BrokerStorage } from '../storage/storage-broker';
import { providerPriorityOf } from '../storage/storage-settings';
import type { SiteGrant } from '../storage/storage-types';
import { costOfUsage, worstCaseCost } from './cost';
import { RateLimiter } from './rate-limiter';
import { toCallOptions } from './request-prompt';
import { type AttemptOutput, runAttempt } from './run-attempt';

export interface BrokerOptions {
  storage: BrokerStorage;
  catalog: readonly CatalogModel[];
  findProvider(id: string): ProviderDefinition | undefined;
  /** The fetch providers use; the platform's by default. */
  fetch?: FetchFunction;
  /** Wall clock (epoch ms) for records; defaults to Date.now. */
  now?: () => number;
  /** Monotonic clock (ms) for latencies; defaults to performance.now. */
  monotonic?: () => number;
}

export interface RunContext {
  origin: string;
  signal: AbortSignal;
  /** Receives stream parts as they happen (absent for `generate`). */
  emit?(part: LlmStreamPart): void;
}

/** The output allowance assumed when a request sets none, for the worst-case reservation. */
const DEFAULT_OUTPUT_ALLOWANCE = 4_096;

const PRIVACY_STRICTNESS: Record<PrivacyLevel, number> = {
  any: 0,
  'no-training': 1,
  'local-only': 2,
};

function stricterPrivacy(a: PrivacyLevel, b: PrivacyLevel | undefined): PrivacyLevel {
  return b !== undefined && PRIVACY_STRICTNESS[b] > PRIVACY_STRICTNESS[a] ? b : a;
}

function modelRef(model: CatalogModel): ModelRef {
  return { provider: model.provider, id: model.id, location: model.location };
}

/** A provider failure in words a person can act on. */
function describeFailure(error: unknown): { message: string; status?: number } {
  const status = (error as { statusCode?: unknown }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  return typeof status === 'number'
    ? { message: `HTTP ${status}: ${message}`, status }
    : { message };
}

export class Broker {
  private readonly storage: BrokerStorage;
  private readonly catalog: readonly CatalogModel[];
  private readonly now: () => number;
  private readonly monotonic: () => number;
  private readonly rateLimiter = new RateLimiter();

  constructor(private readonly options: BrokerOptions) {
    this.storage = options.storage;
    this.catalog = options.catalog;
    this.now = options.now ?? Date.now;
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** What a page may learn about its own access. */
  async permissionOf(origin: string): Promise<PermissionState> {
    const grant = await this.storage.grants.get(origin);
    if (!grant?.allowed) return { origin, granted: false };
    const { origins } = await this.storage.ledger.monthTotals();
    const spent = origins.find((totals) => totals.scope === origin)?.spentUsd ?? 0;
    return {
      origin,
      granted: true,
      monthlyBudgetUsd: grant.monthlyBudgetUsd,
      spentThisMonthUsd: spent,
      privacy: grant.privacy,
    };
  }

  /** The gate before any routed call: a live grant and room in the site's rate limit. */
  async assertAllowed(origin: string): Promise<SiteGrant> {
    const grant = await this.storage.grants.get(origin);
    if (!grant?.allowed) {
      throw new LlmError({
        name: 'NotAllowedError',
        message: `${origin} may not use LLM Broker yet: call window.llm.requestPermission() first.`,
      });
    }
    if (!this.rateLimiter.tryAcquire(origin, grant.rateLimitPerMinute, this.now())) {
      const seconds = Math.ceil(this.rateLimiter.retryAfterMs(origin, this.now()) / 1000);
      throw new LlmError({
        name: 'QuotaExceededError',
        message: `Too many requests from ${origin} (limit ${grant.rateLimitPerMinute} per minute); try again in ${seconds} s.`,
      });
    }
    return grant;
  }

  /** The routing decision for a request from `origin`, without calling any model. */
  async plan(origin: string, input: unknown): Promise<{ request: LlmRequest; plan: RoutePlan }> {
    const parsed = parseLlmRequest(input);
    const grant = await this.storage.grants.get(origin);
    const privacy = stricterPrivacy(grant?.privacy ?? 'any', parsed.constraints?.privacy);
    const request: LlmRequest = { ...parsed, constraints: { ...parsed.constraints, privacy } };
    return { request, plan: route(request, this.catalog, await this.routingState(origin)) };
  }

  /** Answers a request: route, reserve, run down the chain, settle, record. */
  async run(origin: string, input: unknown, context: RunContext): Promise<LlmResult> {
    const startedAt = this.monotonic();
    const { request, plan } = await this.plan(origin, input);
    const requestId = crypto.randomUUID();
    const chain = plan.chain;
    const outputAllowance = request.maxOutputTokens ?? DEFAULT_OUTPUT_ALLOWANCE;
    const inputTokens = plan.explanation.analysis.inputTokens;
    // Any model of the chain may end up answering; each fits the budget alone (the router
    // filtered on it), so holding the dearest one's worst case keeps every outcome in budget.
    const reservation = Math.max(
      ...chain.map((candidate) =>
        worstCaseCost(inputTokens, outputAllowance, candidate.model.pricing),
      ),
    );
    const reserved = await this.storage.ledger.reserve({
      requestId,
      origin,
      amountUsd: reservation,
    });
    if (!reserved.ok) {
      throw new LlmError({
        name: 'QuotaExceededError',
        message: `This request could cost up to $${reservation.toFixed(4)}, more than the ${reserved.exceeded === 'site' ? "site's" : 'monthly'} budget has left.`,
      });
    }

    const attempts: Attempt[] = [];
    try {
      let restartedFrom: ModelRef | undefined;
      for (const candidate of chain) {
        if (context.signal.aborted) break;
        if (restartedFrom) {
          const to = modelRef(candidate.model);
          context.emit?.({
            type: 'fallback',
            from: restartedFrom,
            to,
            reason: attempts.at(-1)?.error ?? '',
          });
          restartedFrom = undefined;
        }
        const outcome = await this.attempt(requestId, candidate, request, context, attempts);
        if (outcome.kind === 'answered') {
          const result: LlmResult = {
            requestId,
            text: outcome.text,
            model: modelRef(candidate.model),
            usage: outcome.usage,
            costUsd: outcome.costUsd,
            latencyMs: this.monotonic() - startedAt,
            attempts,
            finishReason: outcome.finishReason,
          };
          await this.record(requestId, origin, request, result);
          return result;
        }
        if (outcome.kind === 'failed-mid-stream') {
          // Text already reached the page: going on means starting the answer over elsewhere.
          if (!request.allowRestart) break;
          restartedFrom = modelRef(candidate.model);
        }
      }
    } catch (error) {
      await this.fail(requestId, origin, request, attempts, startedAt, 'failed');
      throw error;
    }
    const aborted = context.signal.aborted;
    await this.fail(
      requestId,
      origin,
      request,
      attempts,
      startedAt,
      aborted ? 'aborted' : 'failed',
    );
    if (aborted) throw new LlmError({ name: 'AbortError', message: 'The request was aborted.' });
    throw new LlmError({
      name: 'NetworkError',
      message: `Every model in the chain failed (${attempts.length} attempt${attempts.length === 1 ? '' : 's'}).`,
      attempts,
    });
  }

  /** One model's try: its answer, or how it failed so the chain can move on. */
  private async attempt(
    requestId: string,
    candidate: CandidateScore,
    request: LlmRequest,
    context: RunContext,
    attempts: Attempt[],
  ): Promise<
    | ({ kind: 'answered'; costUsd: number } & AttemptOutput)
    | { kind: 'failed-before-text' | 'failed-mid-stream' }
  > {
    const { model } = candidate;
    const ref = modelRef(model);
    const startedAt = this.monotonic();
    const provider = this.options.findProvider(model.provider);
    const account = await this.storage.accounts.get(model.provider);
    if (!provider || !account) {
      attempts.push({
        model: ref,
        outcome: 'skipped',
        error: 'Provider not configured.',
        durationMs: 0,
        costUsd: 0,
      });
      return { kind: 'failed-before-text' };
    }
    const apiKey = (await this.storage.accounts.getApiKey(model.provider)) ?? undefined;
    // `start` names the model once it is really answering, so a page never shows the name of
    // a model that failed before its first token.
    let started = false;
    const begin = () => {
      if (started) return;
      started = true;
      context.emit?.({ type: 'start', requestId, model: ref });
    };
    try {
      const client = provider.createModel(
        {
          provider: model.provider,
          ...(apiKey && { apiKey }),
          ...(account.baseUrl && { baseUrl: account.baseUrl }),
        },
        model.providerModelId,
        this.options.fetch,
      );
      const output = await runAttempt(
        client,
        toCallOptions(request, context.signal),
        (delta) => {
          begin();
          context.emit?.({ type: 'text-delta', delta });
        },
        this.monotonic,
      );
      begin();
      const costUsd = costOfUsage(output.usage, model.pricing);
      attempts.push({
        model: ref,
        outcome: 'ok',
        ...(output.timeToFirstTokenMs !== undefined && {
          timeToFirstTokenMs: output.timeToFirstTokenMs,
        }),
        durationMs: output.durationMs,
        usage: output.usage,
        costUsd,
      });
      return { kind: 'answered', ...output, costUsd };
    } catch (error) {
      const failure = describeFailure(error);
      attempts.push({
        model: ref,
        outcome: context.signal.aborted ? 'aborted' : 'error',
        error: failure.message,
        ...(failure.status !== undefined && { status: failure.status }),
        durationMs: this.monotonic() - startedAt,
        costUsd: 0,
      });
      if (!started) return { kind: 'failed-before-text' };
      context.emit?.({ type: 'error', error: { name: 'NetworkError', message: failure.message } });
      return { kind: 'failed-mid-stream' };
    }
  }

  /** What the router needs to know about the user's side, read fresh for every decision. */
  async routingState(origin: string): Promise<RoutingState> {
    const [settings, accounts, budget] = await Promise.all([
      this.storage.settings.get(),
      this.storage.accounts.list(),
      this.storage.ledger.budgetLeft(origin),
    ]);
    const providers: RoutingState['providers'] = {};
    for (const account of accounts) {
      const definition = this.options.findProvider(account.provider);
      if (!definition) continue;
      providers[account.provider] = {
        available: account.hasKey || !definition.requiresKey,
        priority: providerPriorityOf(settings, account.provider),
      };
    }
    const gateway =
      settings.gateway && providers[settings.gateway]?.available ? settings.gateway : undefined;
    return {
      providers,
      localModels: [],
      ...(gateway && { gateway }),
      cooldowns: {},
      budgetLeftUsd: budget.leftUsd,
      now: this.now(),
    };
  }

  private async record(
    requestId: string,
    origin: string,
    request: LlmRequest,
    result: LlmResult,
  ): Promise<void> {
    await this.recordAttempts(requestId, result.attempts);
    await this.storage.ledger.settle(requestId, {
      costUsd: result.costUsd,
      usage: result.usage,
      model: result.model,
    });
    await this.storage.requestLog.append({
      requestId,
      origin,
      createdAt: this.now(),
      outcome: 'answered',
      model: result.model,
      ...(request.task && { task: request.task }),
      attemptCount: result.attempts.length,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUsd: result.costUsd,
      latencyMs: result.latencyMs,
    });
  }

  private async fail(
    requestId: string,
    origin: string,
    request: LlmRequest,
    attempts: Attempt[],
    startedAt: number,
    outcome: 'failed' | 'aborted',
  ): Promise<void> {
    await this.recordAttempts(requestId, attempts);
    await this.storage.ledger.release(
      requestId,
      outcome === 'aborted' ? 'aborted' : 'every model failed',
    );
    await this.storage.requestLog.append({
      requestId,
      origin,
      createdAt: this.now(),
      outcome,
      ...(request.task && { task: request.task }),
      errorName: outcome === 'aborted' ? 'AbortError' : 'NetworkError',
      attemptCount: attempts.length,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      latencyMs: this.monotonic() - startedAt,
    });
  }

  private async recordAttempts(requestId: string, attempts: Attempt[]): Promise<void> {
    for (const attempt of attempts) {
      await this.storage.ledger.recordAttempt(requestId, { ...attempt, startedAt: this.now() });
    }
  }
}
