/**
 * The broker: everything that happens to a page's request between the permission gate and the
 * answer (docs/architecture.md §2, steps 2–5) — validate, route, reserve the worst case against
 * the budgets, run the fallback chain, settle, record — plus what the router learns from it. Plain
 * TypeScript over the storage repositories, the router and the providers; the background service
 * worker wraps it in ports and windows.
 */
import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { CatalogModel } from '../catalog/catalog-types';
import { LlmError, type LlmErrorName } from '../protocol/llm-errors';
import type { PermissionState } from '../protocol/llm-permission';
import type { LlmRequest, PrivacyLevel } from '../protocol/llm-request';
import { parseLlmRequest } from '../protocol/llm-request-schema';
import type {
  Attempt,
  LlmResult,
  LlmStreamPart,
  ModelInfo,
  RouteDecision,
} from '../protocol/llm-result';
import type { ProviderAccount, ProviderDefinition } from '../providers/provider-types';
import { mergeCatalogs, route } from '../router';
import type { RoutePlan, RoutingState } from '../router/router-types';
import type { BrokerStorage } from '../storage/storage-broker';
import { VaultLockedError } from '../storage/storage-errors';
import { providerPriorityOf } from '../storage/storage-settings';
import type { BrokerSettings, ProviderAccountSummary, SiteGrant } from '../storage/storage-types';
import { worstCaseCost } from './cost';
import { LocalModelDirectory } from './local-models';
import { ProviderHealth } from './provider-health';
import { RateLimiter } from './rate-limiter';
import { isCacheable, responseCacheKey } from './response-cache-key';
import { RouterLearning } from './router-learning';
import { type AttemptLimits, DEFAULT_ATTEMPT_LIMITS } from './run-attempt';
import { type ChainOutcome, candidatesInOrder, modelRef, runChain } from './run-chain';

export interface BrokerOptions {
  storage: BrokerStorage;
  catalog: readonly CatalogModel[];
  findProvider(id: string): ProviderDefinition | undefined;
  /** The fetch providers use; the platform's by default. */
  fetch?: FetchFunction;
  /** Wall clock (epoch ms) for records and cooldowns; defaults to Date.now. */
  now?: () => number;
  /** Monotonic clock (ms) for latencies; defaults to performance.now. */
  monotonic?: () => number;
  limits?: AttemptLimits;
  health?: ProviderHealth;
  /** How long learned statistics may wait before they are written (coalesces writes). */
  statsSaveDelayMs?: number;
  /**
   * Awaited before a stored API key is handed to a provider: the passphrase lock's automatic
   * lock counts it as use, or — idle too long — locks first (and calls `accountsChanged()`).
   */
  beforeKeyUse?: () => Promise<void>;
}

export interface RunContext {
  signal: AbortSignal;
  /** Receives stream parts as they happen (absent for `generate`). */
  emit?(part: LlmStreamPart): void;
}

/** The output allowance assumed when a request sets none, for the worst-case reservation. */
const DEFAULT_OUTPUT_ALLOWANCE = 4_096;
/** The most models one request tries before it gives up. */
const MAX_ATTEMPTS = 8;

const PRIVACY_STRICTNESS: Record<PrivacyLevel, number> = {
  any: 0,
  'no-training': 1,
  'local-only': 2,
};

function stricterPrivacy(a: PrivacyLevel, b: PrivacyLevel | undefined): PrivacyLevel {
  return b !== undefined && PRIVACY_STRICTNESS[b] > PRIVACY_STRICTNESS[a] ? b : a;
}

function formatUsd(value: number): string {
  return value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
}

interface AccountRead {
  summary: ProviderAccountSummary;
  account: ProviderAccount;
  /** A key is stored but locked behind the passphrase: the account cannot be used yet. */
  locked: boolean;
}

/** Why a provider whose key is locked behind the passphrase cannot be routed to. */
const LOCKED_KEY_REASON = 'its API key is locked until you unlock LLM Broker';

/** What a page is told when only locked keys could have answered: what to do about it. */
const LOCKED_MESSAGE =
  'LLM Broker is locked: unlock it (its toolbar button → Settings) so that cloud models can answer.';

export class Broker {
  readonly health: ProviderHealth;
  private readonly storage: BrokerStorage;
  private readonly now: () => number;
  private readonly monotonic: () => number;
  private readonly rateLimiter = new RateLimiter();
  private readonly localModels: LocalModelDirectory;
  private catalog: readonly CatalogModel[];
  private readonly learning: RouterLearning;
  /**
   * Accounts (with their keys decrypted) and settings as last read. They are read on every
   * request but change only when the person edits them, through the background, which then calls
   * `accountsChanged()` / `settingsChanged()`; keeping them saves several database reads and a
   * decryption per request.
   */
  private accountsRead: Promise<Map<string, AccountRead>> | undefined;
  private settingsRead: Promise<BrokerSettings> | undefined;

  constructor(private readonly options: BrokerOptions) {
    this.storage = options.storage;
    this.catalog = options.catalog;
    this.now = options.now ?? Date.now;
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.health = options.health ?? new ProviderHealth();
    this.localModels = new LocalModelDirectory(options.catalog, options.fetch);
    this.learning = new RouterLearning(options.storage.routerStats, options.statsSaveDelayMs);
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
    const now = this.now();
    if (!this.rateLimiter.tryAcquire(origin, grant.rateLimitPerMinute, now)) {
      const seconds = Math.ceil(this.rateLimiter.retryAfterMs(origin, now) / 1000);
      throw new LlmError({
        name: 'QuotaExceededError',
        message: `Too many requests from ${origin} (at most ${grant.rateLimitPerMinute} a minute); try again in ${seconds} s.`,
      });
    }
    return grant;
  }

  /** Forget what was read from accounts (the user changed one, or locked or unlocked the keys). */
  accountsChanged(provider?: string): void {
    this.accountsRead = undefined;
    this.localModels.clear();
    if (provider) this.health.recordSuccess(provider);
  }

  /** Forget the settings read (the user changed them). */
  settingsChanged(): void {
    this.settingsRead = undefined;
  }

  /**
   * The routing decision for a request from `origin`, without calling any model. `assume` lists
   * providers to treat as set up (the playground's "what if").
   */
  async plan(
    origin: string,
    input: unknown,
    assume: readonly string[] = [],
  ): Promise<{ request: LlmRequest; plan: RoutePlan }> {
    const parsed = parseLlmRequest(input);
    const [grant, state] = await Promise.all([
      this.storage.grants.get(origin),
      this.routingState(origin, assume),
    ]);
    const privacy = stricterPrivacy(grant?.privacy ?? 'any', parsed.constraints?.privacy);
    const request: LlmRequest = { ...parsed, constraints: { ...parsed.constraints, privacy } };
    try {
      return { request, plan: route(request, this.catalog, state) };
    } catch (error) {
      if (!(error instanceof LlmError)) throw error;
      // Nothing fits and some providers' keys are locked: unlocking is what helps.
      const accounts = await this.accounts();
      if (error.ruledOut?.some(({ provider }) => accounts.get(provider)?.locked)) {
        throw new LlmError({
          name: 'InvalidStateError',
          message: LOCKED_MESSAGE,
          ...(error.ruledOut && { ruledOut: error.ruledOut }),
        });
      }
      // Nothing fits because of money: that is the budget's error, not a missing capability.
      const budgetBound = error.ruledOut?.some((model) => /budget/i.test(model.reason));
      if (!budgetBound) throw error;
      throw new LlmError({
        name: 'QuotaExceededError',
        message: `The budget left (${formatUsd(state.budgetLeftUsd)}) is too small for this request, and no free local model can answer it.`,
        ...(error.ruledOut && { ruledOut: error.ruledOut }),
      });
    }
  }

  /** The decision as a page may see it (`window.llm.route`). */
  async decide(origin: string, input: unknown): Promise<RouteDecision> {
    const { plan } = await this.plan(origin, input);
    const { analysis, candidates, ruledOut, expectedCostUsd } = plan.explanation;
    return {
      chosen: modelRef(plan.chain[0]!.model),
      chain: plan.chain.map(({ model }) => modelRef(model)),
      task: analysis.task,
      taskInferred: analysis.taskInferred,
      difficulty: analysis.difficulty,
      inputTokens: analysis.inputTokens,
      expectedOutputTokens: analysis.expectedOutputTokens,
      expectedCostUsd: expectedCostUsd ?? 0,
      candidates: candidates.map(({ model, finalScore, rank }) => ({
        model: modelRef(model),
        finalScore,
        rank,
      })),
      ruledOut: ruledOut.map(({ model, reason }) => ({
        provider: model.provider,
        model: model.id,
        reason,
      })),
    };
  }

  /** The models a site may use now: what qualifies for a minimal request under its privacy level. */
  async models(origin: string): Promise<ModelInfo[]> {
    try {
      const { plan } = await this.plan(origin, { prompt: 'ok' });
      return plan.explanation.candidates.map(({ model }) => ({
        ...modelRef(model),
        name: model.name,
        contextTokens: model.limits.contextTokens,
        capabilities: { ...model.capabilities },
      }));
    } catch (error) {
      if (error instanceof LlmError && error.name !== 'TypeError') return [];
      throw error;
    }
  }

  /** Answers a request: cache, route, reserve, run down the chain, settle, record. */
  async run(origin: string, input: unknown, context: RunContext): Promise<LlmResult> {
    const startedAt = this.monotonic();
    const requestId = crypto.randomUUID();
    let { request, plan } = await this.plan(origin, input);

    const cacheKey = isCacheable(request) ? await responseCacheKey(request) : undefined;
    if (cacheKey) {
      const hit = await this.storage.responseCache.get(origin, cacheKey);
      if (hit) return this.answerFromCache(requestId, origin, request, hit, startedAt, context);
    }

    // Concurrent requests may have used the budget since routing: route once more with what is
    // left (a free local model may still fit) before refusing.
    let reservation = this.reservationFor(request, plan);
    let reserved = await this.storage.ledger.reserve({ requestId, origin, amountUsd: reservation });
    if (!reserved.ok) {
      ({ request, plan } = await this.plan(origin, input));
      reservation = this.reservationFor(request, plan);
      reserved = await this.storage.ledger.reserve({ requestId, origin, amountUsd: reservation });
    }
    if (!reserved.ok) {
      const whose = reserved.exceeded === 'site' ? "this site's" : 'your';
      throw new LlmError({
        name: 'QuotaExceededError',
        message: `This request could cost up to ${formatUsd(reservation)}, more than ${whose} monthly budget has left.`,
      });
    }

    const stats = await this.learning.current();
    const outcome = await runChain(
      candidatesInOrder(plan),
      request,
      {
        findProvider: this.options.findProvider,
        account: (provider) => this.account(provider),
        ...(this.options.fetch && { fetch: this.options.fetch }),
        health: this.health,
        stats,
        limits: this.options.limits ?? DEFAULT_ATTEMPT_LIMITS,
        maxAttempts: MAX_ATTEMPTS,
        now: this.now,
        monotonic: this.monotonic,
      },
      { requestId, signal: context.signal, ...(context.emit && { emit: context.emit }) },
    );
    this.learning.changed();

    const answer = outcome.answer;
    if (!answer) {
      const error = this.unanswered(outcome, context.signal.aborted);
      await this.close(requestId, origin, request, outcome.attempts, startedAt, error.name);
      throw error;
    }
    const result: LlmResult = {
      requestId,
      text: answer.text,
      model: modelRef(answer.model),
      usage: answer.usage,
      costUsd: answer.costUsd,
      latencyMs: this.monotonic() - startedAt,
      attempts: outcome.attempts,
      finishReason: answer.finishReason,
    };
    // The ledger entry is written before the result is handed back (docs/architecture.md §5).
    await this.settle(origin, request, result);
    if (cacheKey) await this.storage.responseCache.put(origin, cacheKey, result);
    return result;
  }

  /** A page's verdict on an answer it received: teaches the router, per prompt. */
  feedback(origin: string, requestId: string, score: number): Promise<void> {
    return this.learning.feedback(origin, requestId, score);
  }

  /** Writes learned statistics now (tests; before the worker may stop). */
  flushStats(): Promise<void> {
    return this.learning.flush();
  }

  /** What the router needs to know about the user's side, read fresh for every decision. */
  async routingState(origin: string, assume: readonly string[] = []): Promise<RoutingState> {
    const [settings, accountReads, budget, stats] = await Promise.all([
      this.settings(),
      this.accounts(),
      this.storage.ledger.budgetLeft(origin),
      this.learning.current(),
    ]);
    const accounts = [...accountReads.values()].map(({ summary }) => summary);
    const providers: RoutingState['providers'] = {};
    const localServers: Array<{ provider: ProviderDefinition; account: ProviderAccount }> = [];
    for (const summary of accounts) {
      const definition = this.options.findProvider(summary.provider);
      if (!definition) continue;
      const read = accountReads.get(summary.provider);
      const locked = read?.locked === true;
      const available = (summary.hasKey || !definition.requiresKey) && !locked;
      providers[summary.provider] = {
        available,
        priority: providerPriorityOf(settings, summary.provider),
        ...(locked && { unavailableReason: `${definition.name}: ${LOCKED_KEY_REASON}` }),
      };
      if (available && definition.listModels && read) {
        localServers.push({ provider: definition, account: read.account });
      }
    }
    for (const provider of assume) {
      if (providers[provider]?.available) continue;
      providers[provider] = { available: true, priority: providerPriorityOf(settings, provider) };
    }
    const now = this.now();
    const local = await this.localModels.resolve(localServers, now);
    if (local.additions.length > 0)
      this.catalog = mergeCatalogs(this.options.catalog, local.additions);
    const gateway =
      settings.gateway && providers[settings.gateway]?.available ? settings.gateway : undefined;
    return {
      providers,
      localModels: local.ready,
      ...(gateway && { gateway }),
      cooldowns: this.health.cooldowns(now),
      budgetLeftUsd: budget.leftUsd,
      now,
      stats,
    };
  }

  /** Any model of the chain may end up answering; hold the dearest one's worst case. */
  private reservationFor(request: LlmRequest, plan: RoutePlan): number {
    const inputTokens = plan.analysis.inputTokens;
    const allowance = request.maxOutputTokens ?? DEFAULT_OUTPUT_ALLOWANCE;
    return Math.max(
      0,
      ...plan.chain.map(({ model }) => worstCaseCost(inputTokens, allowance, model.pricing)),
    );
  }

  /**
   * Why no model answered. When a model was passed over for a locked key, unlocking is what
   * would help, so that is what the page hears (with every attempt, as for a NetworkError).
   */
  private unanswered(outcome: ChainOutcome, aborted: boolean): LlmError {
    if (aborted) return new LlmError({ name: 'AbortError', message: 'The request was aborted.' });
    const { attempts } = outcome;
    if (outcome.keysLocked) {
      return new LlmError({ name: 'InvalidStateError', message: LOCKED_MESSAGE, attempts });
    }
    const count = attempts.length;
    return new LlmError({
      name: 'NetworkError',
      message: `No model could answer (${count} attempt${count === 1 ? '' : 's'}): ${attempts.at(-1)?.error ?? 'unknown failure'}`,
      attempts,
    });
  }

  private async account(provider: string): Promise<ProviderAccount | 'locked' | undefined> {
    let read = (await this.accounts()).get(provider);
    if (read?.account.apiKey !== undefined && this.options.beforeKeyUse) {
      await this.options.beforeKeyUse();
      // It may have locked the keys: read them again rather than use what was read before.
      read = (await this.accounts()).get(provider);
    }
    return read?.locked ? 'locked' : read?.account;
  }

  /** The stored key, or `locked` while the passphrase lock holds it (not an error: see run-chain). */
  private async apiKeyOf(provider: string): Promise<string | 'locked' | undefined> {
    try {
      return await this.storage.accounts.getApiKey(provider);
    } catch (error) {
      if (error instanceof VaultLockedError) return 'locked';
      throw error;
    }
  }

  private accounts(): Promise<Map<string, AccountRead>> {
    this.accountsRead ??= (async () => {
      const reads = new Map<string, AccountRead>();
      for (const summary of await this.storage.accounts.list()) {
        const apiKey = summary.hasKey ? await this.apiKeyOf(summary.provider) : undefined;
        const locked = apiKey === 'locked';
        const account: ProviderAccount = {
          provider: summary.provider,
          ...(apiKey && !locked && { apiKey }),
          ...(summary.baseUrl && { baseUrl: summary.baseUrl }),
        };
        reads.set(summary.provider, { summary, account, locked });
      }
      return reads;
    })();
    // A failed read (a database error) is not kept: the next request tries again. A locked key
    // is kept as locked: unlocking calls `accountsChanged()`.
    this.accountsRead.catch(() => {
      this.accountsRead = undefined;
    });
    return this.accountsRead;
  }

  private settings(): Promise<BrokerSettings> {
    this.settingsRead ??= this.storage.settings.get();
    this.settingsRead.catch(() => {
      this.settingsRead = undefined;
    });
    return this.settingsRead;
  }

  private async answerFromCache(
    requestId: string,
    origin: string,
    request: LlmRequest,
    hit: LlmResult,
    startedAt: number,
    context: RunContext,
  ): Promise<LlmResult> {
    const result: LlmResult = {
      ...hit,
      requestId,
      costUsd: 0,
      cached: true,
      attempts: [],
      latencyMs: this.monotonic() - startedAt,
    };
    context.emit?.({ type: 'start', requestId, model: result.model });
    context.emit?.({ type: 'text-delta', delta: result.text });
    await this.logAnswer(origin, request, result);
    return result;
  }

  private async settle(origin: string, request: LlmRequest, result: LlmResult): Promise<void> {
    const { requestId } = result;
    await this.recordAttempts(requestId, result.attempts);
    await this.storage.ledger.settle(requestId, {
      costUsd: result.costUsd,
      usage: result.usage,
      model: result.model,
    });
    await this.logAnswer(origin, request, result);
    this.learning.remember(requestId, { origin, model: result.model, request });
  }

  /** The request log's line for an answer (the options page's Activity list). */
  private async logAnswer(origin: string, request: LlmRequest, result: LlmResult): Promise<void> {
    await this.storage.requestLog.append({
      requestId: result.requestId,
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
      ...(result.cached && { cached: true }),
    });
  }

  private async close(
    requestId: string,
    origin: string,
    request: LlmRequest,
    attempts: Attempt[],
    startedAt: number,
    errorName: LlmErrorName,
  ): Promise<void> {
    const aborted = errorName === 'AbortError';
    await this.recordAttempts(requestId, attempts);
    await this.storage.ledger.release(
      requestId,
      aborted
        ? 'aborted'
        : errorName === 'InvalidStateError'
          ? 'keys locked'
          : 'every model failed',
    );
    await this.storage.requestLog.append({
      requestId,
      origin,
      createdAt: this.now(),
      outcome: aborted ? 'aborted' : 'failed',
      ...(request.task && { task: request.task }),
      errorName,
      attemptCount: attempts.length,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      latencyMs: this.monotonic() - startedAt,
    });
  }

  private async recordAttempts(requestId: string, attempts: Attempt[]): Promise<void> {
    const startedAt = this.now();
    for (const attempt of attempts)
      await this.storage.ledger.recordAttempt(requestId, { ...attempt, startedAt });
  }
}
