/**
 * The broker: everything that happens to a page's request between the permission gate and the
 * answer (docs/architecture.md §2, steps 2–5) — validate, route, reserve the worst case against
 * the budgets, run the fallback chain, settle, record — plus what the router learns from it. Plain
 * TypeScript over the storage repositories, the router and the providers; the background service
 * worker wraps it in ports and windows.
 */
import type { FetchFunction } from '@ai-sdk/provider-utils';
import { withRefreshed } from '../catalog/catalog-refresh';
import type { CatalogModel } from '../catalog/catalog-types';
import { BUILTIN_PROVIDER_ID } from '../local/builtin-model';
import { WEBLLM_PROVIDER_ID } from '../local/webllm-models';
import { LlmError } from '../protocol/llm-errors';
import type { PermissionState } from '../protocol/llm-permission';
import { type LlmRequest, TASK_TYPES } from '../protocol/llm-request';
import { parseLlmRequest } from '../protocol/llm-request-schema';
import type {
  Attempt,
  CascadeReport,
  LlmResult,
  LlmStreamPart,
  ModelInfo,
  RouteDecision,
} from '../protocol/llm-result';
import type { ProviderAccount, ProviderDefinition } from '../providers/provider-types';
import { analyzeRequest, compileCatalog, mergeCatalogs, route } from '../router';
import type { RoutePlan, RoutingState } from '../router/router-types';
import type { BrokerStorage, RequestRecord } from '../storage/storage-broker';
import { VaultLockedError } from '../storage/storage-errors';
import { providerPriorityOf } from '../storage/storage-settings';
import type {
  BrokerSettings,
  LedgerEntry,
  ProviderAccountSummary,
  SiteGrant,
} from '../storage/storage-types';
import { BudgetBook, type BudgetLimits } from './budget-book';
import { reservationFor } from './cost';
import { keptRequest } from './kept-text';
import { LocalModelDirectory } from './local-models';
import {
  cappedBudget,
  NO_POLICY,
  type OrganizationPolicy,
  originRefusal,
  providerRefusal,
  stricterPrivacy,
} from './organization-policy';
import { ProviderHealth } from './provider-health';
import { RateLimiter } from './rate-limiter';
import { isCacheable, responseCacheKey } from './response-cache-key';
import { RouterLearning } from './router-learning';
import { type AttemptLimits, DEFAULT_ATTEMPT_LIMITS } from './run-attempt';
import { type CascadePlan, planCascade, runCascade } from './run-cascade';
import {
  type ChainContext,
  type ChainDependencies,
  type ChainOutcome,
  candidatesInOrder,
  modelRef,
  runChain,
} from './run-chain';
import { SESSION_SAVE_DELAY_MS, type SessionMemory } from './session-memory';

/** The playground's "what if": settings to decide with instead of the person's saved ones. */
export interface WhatIf {
  /** Providers to treat as set up (keys not needed for a decision). */
  assume?: readonly string[];
  /** Provider id → priority 0–100, in place of the saved ones. */
  priorities?: Readonly<Record<string, number>>;
  /** The budget left to decide with, in place of what is left. */
  budgetLeftUsd?: number;
}

/** What the device offers for models that run in the browser (docs/local-models.md). */
export interface BrowserModelsState {
  /** Catalog ids of the models downloaded here and able to run. */
  ready: string[];
  /** Why none can run here (no WebGPU, no offscreen documents), in words a person can act on. */
  unavailableReason?: string;
  /** The browser's own model (Prompt API): its catalog entry when it is ready, else why not. */
  builtIn?: { model: CatalogModel } | { unavailableReason: string };
}

export interface BrokerOptions {
  storage: BrokerStorage;
  /** Models in this browser (web-llm): absent where the platform cannot host them. */
  browserModels?: () => Promise<BrowserModelsState>;
  /** The bundled catalog. */
  catalog: readonly CatalogModel[];
  /**
   * Reads the refreshed model list, if the person refreshed it (Settings → Catalog); it replaces
   * the bundled OpenRouter entries. Read once per worker life, before the first decision.
   */
  loadRefreshedCatalog?: () => Promise<readonly CatalogModel[] | undefined>;
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
  /** How long session memory (cooldowns, rate-limit windows, answers a page may rate) waits
   * before it is written (default `SESSION_SAVE_DELAY_MS`). */
  sessionSaveDelayMs?: number;
  /**
   * Awaited before a stored API key is handed to a provider: the passphrase lock's automatic
   * lock counts it as use, or — idle too long — locks first (and calls `accountsChanged()`).
   */
  beforeKeyUse?: () => Promise<void>;
  /**
   * Memory that outlives restarts of the background (cooldowns, rate-limit windows, answers a
   * page may rate). Without it they last as long as this object.
   */
  session?: SessionMemory;
  /**
   * Reads the organization's policy (managed storage); none when absent. `strict`: the
   * browser's current answer, however long it takes; otherwise the best known at once.
   */
  readPolicy?: (strict: boolean) => Promise<OrganizationPolicy>;
}

export interface RunContext {
  signal: AbortSignal;
  /** Receives stream parts as they happen (absent for `generate`). */
  emit?(part: LlmStreamPart): void;
}

/** The most models one request tries before it gives up. */
const MAX_ATTEMPTS = 8;

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

/** Where the broker keeps its restart-proof state in session memory. */
const HEALTH_KEY = 'provider-health';
const RATE_KEY = 'rate-limits';
/** How often, at most, a running answer's delivered cost is written to its ledger entry. */
const CHECKPOINT_INTERVAL_MS = 1_000;
/** How long after a request left its reservation's row waits for the first text, at most. */
const ROW_DELAY_MS = 50;
/** Records are written once no request has run for this long (see `scheduleWrite`)… */
const RECORD_QUIET_MS = 20;
/** …or at the latest this long after the first of them was queued. */
const RECORD_MAX_WAIT_MS = 1_000;

export class Broker {
  readonly health: ProviderHealth;
  private readonly storage: BrokerStorage;
  private readonly now: () => number;
  private readonly monotonic: () => number;
  private readonly rateLimiter = new RateLimiter();
  private readonly localModels: LocalModelDirectory;
  /** What the router decides over: the base catalog with the ready local models added. */
  private catalog: readonly CatalogModel[];
  /** The bundled catalog with the refreshed list in place of its OpenRouter entries. */
  private baseCatalog: readonly CatalogModel[];
  /** The local-model additions `catalog` was built with (by key), to rebuild it only on change. */
  private additionsKey = '';
  private readonly learning: RouterLearning;
  /**
   * Accounts (with their keys decrypted) and settings as last read. They are read on every
   * request but change only when the person edits them, through the background, which then calls
   * `accountsChanged()` / `settingsChanged()`; keeping them saves several database reads and a
   * decryption per request.
   */
  private accountsRead: Promise<Map<string, AccountRead>> | undefined;
  private settingsRead: Promise<BrokerSettings> | undefined;
  private policyRead: Promise<OrganizationPolicy> | undefined;
  /** Grants as last read, per origin (the background invalidates them: `grantsChanged`). */
  private readonly grantReads = new Map<string, Promise<SiteGrant | undefined>>();
  /** This worker's start: stale reservations settled, the budget book loaded, state restored. */
  private started: Promise<BudgetBook> | undefined;
  private readonly createdAt: number;
  private stateSave: ReturnType<typeof setTimeout> | undefined;
  /** Records waiting to be written together, and their batch (see `queueRecord`). */
  private queued: RequestRecord[] = [];
  private batch: { writeNow(): void; written: Promise<void>; queuedAt: number } | undefined;
  private writeTimer: ReturnType<typeof setTimeout> | undefined;
  /** `flushRecords` calls under way: while there are any, batches are written at once. */
  private flushes = 0;
  /** Requests being answered (records wait for a quiet moment: `scheduleWrite`). */
  private running = 0;
  /** Writes after answers (records on their way to the queue, cached answers): `flushRecords`. */
  private readonly writing = new Set<Promise<void>>();
  private prepared = false;

  constructor(private readonly options: BrokerOptions) {
    this.storage = options.storage;
    this.catalog = options.catalog;
    this.baseCatalog = options.catalog;
    this.now = options.now ?? Date.now;
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.health = options.health ?? new ProviderHealth();
    this.localModels = new LocalModelDirectory(options.catalog, options.fetch);
    this.learning = new RouterLearning(
      options.storage.routerStats,
      options.statsSaveDelayMs,
      options.session,
      options.sessionSaveDelayMs,
    );
    this.createdAt = this.now();
  }

  /**
   * What every request needs once per worker life, read in one go: a reservation older than this
   * broker belongs to a request a stopped worker never finished, so it is settled first at what
   * its answer delivered; then this month's totals fill the budget book, and the cooldowns and
   * rate-limit windows of the previous worker come back from session memory.
   */
  private start(): Promise<BudgetBook> {
    this.started ??= (async () => {
      // The totals are read alongside: a stale reservation is rare, and only then do they change.
      const totals = () =>
        Promise.all([this.storage.ledger.monthTotals(), this.storage.ledger.dayTotals()]);
      const [interrupted, read, health, rates, refreshed] = await Promise.all([
        this.storage.ledger.settleStale(this.createdAt),
        totals(),
        this.options.session?.get(HEALTH_KEY),
        this.options.session?.get(RATE_KEY),
        this.options.loadRefreshedCatalog?.().catch((error) => {
          console.error('LLM Broker: reading the refreshed catalog failed', error);
          return undefined;
        }),
      ]);
      if (refreshed) this.useCatalog(withRefreshed(this.options.catalog, refreshed));
      this.health.restore(health);
      this.rateLimiter.restore(rates);
      if (interrupted.length > 0) await this.logInterrupted(interrupted);
      const [month, today] = interrupted.length > 0 ? await totals() : read;
      return new BudgetBook(month, today, this.now());
    })();
    this.started.catch(() => {
      this.started = undefined;
    });
    return this.started;
  }

  /**
   * A woken worker's first call reads the database, the keys, the learned statistics, the
   * policy and what models this browser has: start them all at once (each is kept once read),
   * and compile the catalog for the router while they are in flight, instead of one after
   * another on the way to the first token.
   */
  private prepare(): void {
    if (this.prepared) return;
    this.prepared = true;
    const ignore = () => {};
    this.start().catch(ignore);
    this.accounts().catch(ignore);
    this.settings().catch(ignore);
    this.learning.current().catch(ignore);
    this.options.browserModels?.().catch(ignore);
    void this.policy();
    compileCatalog(this.catalog);
  }

  /** Writes cooldowns and rate-limit windows to session memory soon (a busy page's answers share
   * one write). */
  private saveStateSoon(): void {
    const session = this.options.session;
    if (!session) return;
    this.stateSave ??= setTimeout(() => {
      this.stateSave = undefined;
      const now = this.now();
      void session
        .set({
          [HEALTH_KEY]: this.health.snapshot(),
          [RATE_KEY]: this.rateLimiter.snapshot(now),
        })
        .catch((error) => console.error('LLM Broker: saving session state failed', error));
    }, this.options.sessionSaveDelayMs ?? SESSION_SAVE_DELAY_MS);
  }

  /** The lines the requests the previous worker never finished get in the request log. */
  private async logInterrupted(entries: readonly LedgerEntry[]): Promise<void> {
    await this.storage.requestLog.appendAll(
      entries.map((entry) => ({
        line: {
          requestId: entry.requestId,
          origin: entry.origin,
          createdAt: entry.createdAt,
          outcome: 'interrupted',
          errorName: 'NetworkError',
          reason: 'LLM Broker restarted while answering.',
          attemptCount: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: entry.costUsd,
          ...(entry.estimated && { estimated: true }),
          latencyMs: (entry.closedAt ?? entry.createdAt) - entry.createdAt,
        },
        attempts: [],
      })),
    );
  }

  private grant(origin: string): Promise<SiteGrant | undefined> {
    let read = this.grantReads.get(origin);
    if (!read) {
      read = this.storage.grants.get(origin);
      this.grantReads.set(origin, read);
      read.catch(() => this.grantReads.delete(origin));
    }
    return read;
  }

  /** The organization's policy as last read (managed storage changes rarely; see policyChanged). */
  policy(): Promise<OrganizationPolicy> {
    this.policyRead ??= (this.options.readPolicy?.(false) ?? Promise.resolve(NO_POLICY)).catch(
      (error) => {
        console.error('LLM Broker: reading the organization policy failed', error);
        this.policyRead = undefined;
        return NO_POLICY;
      },
    );
    return this.policyRead;
  }

  /** Forget the policy read (the administrator changed it). */
  policyChanged(): void {
    this.policyRead = undefined;
  }

  /** Why the organization's policy keeps `origin` out, if it does (the browser's current word). */
  async policyRefusal(origin: string): Promise<string | undefined> {
    const policy = (await this.options.readPolicy?.(true)) ?? NO_POLICY;
    return originRefusal(policy, origin);
  }

  /** Forget the grants read (a site was granted, revoked or edited), or one origin's. */
  grantsChanged(origin?: string): void {
    if (origin === undefined) this.grantReads.clear();
    else this.grantReads.delete(origin);
  }

  /** What a page may learn about its own access. */
  async permissionOf(origin: string): Promise<PermissionState> {
    const grant = await this.grant(origin);
    if (!grant?.allowed) return { origin, granted: false };
    const policy = await this.policy();
    if (originRefusal(policy, origin)) return { origin, granted: false };
    // From memory: the book is the totals as this worker keeps them (the ledger may still be
    // writing the answer that just went out).
    const spent = (await this.start()).spentBy(origin, this.now());
    return {
      origin,
      granted: true,
      monthlyBudgetUsd: cappedBudget(grant.monthlyBudgetUsd, policy.maxSiteMonthlyBudgetUsd),
      spentThisMonthUsd: spent,
      privacy: stricterPrivacy(grant.privacy, policy.privacy),
    };
  }

  /**
   * The gate before any call that needs a grant: the origin must have a live one. Answered from
   * memory after the first read. A site without a grant leaves no record: it never got in, and
   * any page could otherwise flood the person's request log.
   */
  async assertAllowed(origin: string): Promise<SiteGrant> {
    const reading = this.grant(origin);
    this.prepare();
    const grant = await reading;
    // No grant: refused at once, whatever the policy (which may still be loading).
    const policy = grant?.allowed ? await this.policy() : NO_POLICY;
    const refusal = originRefusal(policy, origin);
    if (refusal) {
      throw new LlmError({ name: 'NotAllowedError', message: capitalize(refusal) });
    }
    if (!grant?.allowed) {
      throw new LlmError({
        name: 'NotAllowedError',
        message: `${origin} may not use LLM Broker yet: call window.llm.requestPermission() first.`,
      });
    }
    return grant;
  }

  /** Room in the site's rate limit: counts this request, or refuses it. */
  private takeRateSlot(grant: SiteGrant): void {
    const now = this.now();
    const allowed = this.rateLimiter.tryAcquire(grant.origin, grant.rateLimitPerMinute, now);
    this.saveStateSoon();
    if (allowed) return;
    const seconds = Math.ceil(this.rateLimiter.retryAfterMs(grant.origin, now) / 1000);
    throw new LlmError({
      name: 'QuotaExceededError',
      message: `Too many requests from ${grant.origin} (at most ${grant.rateLimitPerMinute} a minute); try again in ${seconds} s.`,
    });
  }

  /** Forget what was read from accounts (the user changed one, or locked or unlocked the keys). */
  accountsChanged(provider?: string): void {
    this.accountsRead = undefined;
    this.localModels.clear();
    if (provider) {
      this.health.recordSuccess(provider);
      this.saveStateSoon();
    }
  }

  /**
   * A provider refused its key while answering: the account is marked, and not routed to until
   * the person replaces the key or a test passes (a cooldown would only retry it blindly).
   */
  private keyRejected(provider: string, message: string, status: number | undefined): void {
    // A server that needs no key refuses for other reasons (its own settings), said as such.
    if (!this.options.findProvider(provider)?.requiresKey) return;
    void this.storage.accounts
      .recordCheck(provider, {
        ok: false,
        rejected: true,
        message,
        ...(status !== undefined && { status }),
        at: this.now(),
      })
      .then(() => this.accountsChanged())
      .catch((error) => console.error('LLM Broker: marking a rejected key failed', error));
  }

  /** Routes over a new catalog from now on (the person refreshed the model list). */
  catalogChanged(refreshed: readonly CatalogModel[] | undefined): void {
    this.useCatalog(withRefreshed(this.options.catalog, refreshed));
  }

  /** The catalog decisions are made over now (the settings' catalog page lists it). */
  async currentCatalog(): Promise<readonly CatalogModel[]> {
    await this.start();
    return this.catalog;
  }

  private useCatalog(base: readonly CatalogModel[]): void {
    this.baseCatalog = base;
    this.additionsKey = '';
    this.catalog = base;
  }

  /**
   * Adds the models local servers report ready. The router keeps per-catalog work by the array's
   * identity, so the catalog is rebuilt only when the set of additions changes.
   */
  private addLocalModels(additions: readonly CatalogModel[]): void {
    const key = additions.map((model) => `${model.provider}/${model.id}`).join('\n');
    if (key === this.additionsKey) return;
    this.additionsKey = key;
    this.catalog =
      additions.length > 0 ? mergeCatalogs(this.baseCatalog, additions) : this.baseCatalog;
  }

  /** Forget the settings read (the user changed them). */
  settingsChanged(): void {
    this.settingsRead = undefined;
  }

  /**
   * The routing decision for a request from `origin`, without calling any model. `assume` lists
   * providers to treat as set up (the playground's "what if").
   */
  plan(
    origin: string,
    input: unknown,
    whatIf: WhatIf = {},
  ): Promise<{ request: LlmRequest; plan: RoutePlan }> {
    try {
      return this.planParsed(origin, parseLlmRequest(input), whatIf);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async planParsed(
    origin: string,
    parsed: LlmRequest,
    whatIf: WhatIf = {},
  ): Promise<{ request: LlmRequest; plan: RoutePlan }> {
    const [grant, state, policy] = await Promise.all([
      this.grant(origin),
      this.routingState(origin, whatIf),
      this.policy(),
    ]);
    // The strictest of the site's level, the request's and the organization's.
    const privacy = stricterPrivacy(
      stricterPrivacy(grant?.privacy, parsed.constraints?.privacy),
      policy.privacy,
    );
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

  /** What runs before `plan`'s chain for `request`: a first pass, a second opinion (settings). */
  async cascadeFor(request: LlmRequest, plan: RoutePlan): Promise<CascadePlan | undefined> {
    return planCascade(request, plan, await this.settings());
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

  /** A request's input tokens as the router estimates them (validated; nothing is routed). */
  countTokens(input: unknown): number {
    return analyzeRequest(parseLlmRequest(input)).inputTokens;
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

  /**
   * Answers a request: rate limit, route, cache, reserve, run down the chain, record. Every request
   * from a granted site ends in exactly one record — its ledger entry, attempts and request-log
   * line, written together before the answer or the error is handed back — refusals included.
   */
  async run(origin: string, input: unknown, context: RunContext): Promise<LlmResult> {
    return this.execute(origin, await this.assertAllowed(origin), input, context);
  }

  /**
   * Answers a request the person makes themselves (the playground's Run), from the extension's
   * own `origin`: no site grant, rate limit or site budget — the person's own budgets, privacy
   * and priorities hold, and it is recorded like any other request.
   */
  runForPerson(origin: string, input: unknown, context: RunContext): Promise<LlmResult> {
    return this.execute(origin, undefined, input, context);
  }

  private async execute(
    origin: string,
    grant: SiteGrant | undefined,
    input: unknown,
    context: RunContext,
  ): Promise<LlmResult> {
    const startedAt = this.monotonic();
    const createdAt = this.now();
    const requestId = crypto.randomUUID();
    const refused = async (error: unknown, task?: LlmRequest['task']): Promise<never> => {
      if (error instanceof LlmError) {
        this.recordRefusal({
          requestId,
          origin,
          createdAt,
          reservedUsd: 0,
          costUsd: 0,
          releaseReason: error.message,
          counted: false,
          attempts: [],
          log: {
            requestId,
            origin,
            createdAt,
            outcome: 'refused',
            ...(task && { task }),
            errorName: error.name,
            reason: error.message,
            attemptCount: 0,
            inputTokens: 0,
            outputTokens: 0,
            costUsd: 0,
            latencyMs: this.monotonic() - startedAt,
          },
        });
      }
      throw error;
    };

    let request: LlmRequest;
    let plan: RoutePlan;
    const book = await this.start();
    try {
      // A malformed request is refused before it uses up the site's rate.
      const parsed = parseLlmRequest(input);
      if (grant) this.takeRateSlot(grant);
      ({ request, plan } = await this.planParsed(origin, parsed));
    } catch (error) {
      return refused(error, taskOf(input));
    }

    const cacheKey = isCacheable(request) ? await responseCacheKey(request) : undefined;
    if (cacheKey) {
      const hit = await this.storage.responseCache.get(origin, cacheKey);
      if (hit)
        return this.answerFromCache(requestId, origin, createdAt, request, hit, startedAt, context);
    }

    // The reservation is taken in memory (no database on the way to the first token); it is
    // written when the first text arrives. Concurrent requests may have used the budget since
    // routing: route once more with what is left (a free local model may still fit).
    const settings = await this.settings();
    const limits = this.limitsOf(grant, settings, await this.policy());
    let cascade = planCascade(request, plan, settings);
    let reservation = this.reservationOf(request, plan, cascade);
    let held = book.reserve(origin, reservation, limits, this.now());
    if (!held.ok) {
      try {
        ({ request, plan } = await this.planParsed(origin, request));
      } catch (error) {
        return refused(error, request.task);
      }
      cascade = planCascade(request, plan, settings);
      reservation = this.reservationOf(request, plan, cascade);
      held = book.reserve(origin, reservation, limits, this.now());
    }
    if (!held.ok) {
      const budget = {
        daily: 'your daily budget',
        global: 'your monthly budget',
        site: "this site's monthly budget",
      }[held.exceeded];
      return refused(
        new LlmError({
          name: 'QuotaExceededError',
          message: `This request could cost up to ${formatUsd(reservation)}, more than ${budget} has left.`,
        }),
        request.task,
      );
    }
    const period = held;

    // What the request has cost so far as the providers bill it — each prompt once a provider
    // has it, and the text delivered since: the least the reservation is settled at if this
    // worker stops.
    let billedUsd = 0;
    const bill = (usd: number) => {
      billedUsd = Math.max(billedUsd, usd);
    };
    // The reservation is written after the call starts, never before it (nothing on the
    // database delays the request): one row, when the first text has gone to the page or
    // `ROW_DELAY_MS` after the request left, whichever comes first — a fast answer's first token
    // does not share the browser with the write, and a slow one's row lands long before it, so
    // a worker that stops while waiting still leaves its record. The cost of the text delivered
    // so far is in the row (written at the first text, it has that text's cost) and follows at
    // most once a second after, so the next worker charges for what was delivered.
    let opened: Promise<unknown> | undefined;
    const open = () =>
      (opened ??= this.storage.ledger
        .open({
          requestId,
          origin,
          reservedUsd: reservation,
          createdAt,
          ...(billedUsd > 0 && { deliveredUsd: billedUsd }),
        })
        .catch((error) => console.error('LLM Broker: writing a reservation failed', error)));
    const send = this.options.fetch ?? ((input, init) => fetch(input, init));
    const sendThenOpen: FetchFunction = (input, init) => {
      const answer = send(input, init);
      setTimeout(open, ROW_DELAY_MS);
      return answer;
    };
    let lastCheckpoint: number | undefined;
    let checkpointed: Promise<unknown> | undefined;
    const written = () => checkpointed ?? open();
    const onProgress = (delivered: number) => {
      bill(delivered);
      const time = this.monotonic();
      // The first text's row carries its cost: no second write at the first token.
      if (!opened) {
        lastCheckpoint = time;
        open();
        return;
      }
      if (lastCheckpoint !== undefined && time - lastCheckpoint < CHECKPOINT_INTERVAL_MS) return;
      lastCheckpoint = time;
      const deliveredSoFar = Math.min(billedUsd, reservation);
      checkpointed = written()
        .then(() => this.storage.ledger.checkpoint(requestId, deliveredSoFar))
        .catch((error) => console.error('LLM Broker: noting delivered text failed', error));
    };

    // Records wait while requests are answered (`scheduleWrite`).
    this.running++;
    this.scheduleWrite();

    let outcome: ChainOutcome & { cascade?: CascadeReport };
    try {
      const stats = await this.learning.current();
      const dependencies: ChainDependencies = {
        findProvider: this.options.findProvider,
        account: (provider) => this.account(provider),
        fetch: sendThenOpen,
        health: this.health,
        stats,
        limits: this.options.limits ?? DEFAULT_ATTEMPT_LIMITS,
        maxAttempts: MAX_ATTEMPTS,
        now: this.now,
        monotonic: this.monotonic,
        onKeyRejected: (provider, message, status) => this.keyRejected(provider, message, status),
      };
      const chainContext: ChainContext = {
        requestId,
        signal: context.signal,
        // Text goes to the page as it comes, not after the reservation's row: the provider bills
        // the prompt once it has it, so a worker stopping before the row lands loses that record
        // whether or not the page saw text, and holding text for the write cost first tokens
        // 1–2 ms on a loopback server (docs/architecture.md §2).
        ...(context.emit && { emit: context.emit }),
        inputTokens: plan.analysis.inputTokens,
        reservedUsd: reservation,
        onProgress,
        onCall: bill,
      };
      outcome = cascade
        ? await runCascade(cascade, plan, request, dependencies, chainContext)
        : await runChain(candidatesInOrder(plan), request, dependencies, chainContext);
    } catch (error) {
      // Not a provider's failure (those are attempts): give the money back, then report it.
      book.settle(origin, period, reservation, 0);
      await written();
      await this.storage.ledger
        .finish({
          requestId,
          origin,
          createdAt,
          reservedUsd: reservation,
          costUsd: 0,
          releaseReason: 'internal failure',
          counted: true,
        })
        .then(() => this.storage.ledger.forgetOpen([requestId]))
        .catch(() => {});
      throw error;
    } finally {
      this.running--;
      this.scheduleWrite();
    }
    this.learning.changed();
    this.saveStateSoon();
    // The reservation's row, the checkpoints and the record are not waited for (the record is
    // queued behind the row: `written`).

    const { answer, attempts } = outcome;
    const costUsd = attempts.reduce((sum, attempt) => sum + attempt.costUsd, 0);
    const estimated = attempts.some((attempt) => attempt.usageEstimated && attempt.costUsd > 0);
    book.settle(origin, period, reservation, costUsd);
    const usage = totalUsage(attempts);
    const base = {
      requestId,
      origin,
      createdAt,
      reservedUsd: reservation,
      costUsd,
      usage,
      ...(estimated && { estimated: true }),
      counted: true,
      attempts,
    };

    if (!answer) {
      const error = this.unanswered(outcome, context.signal.aborted);
      this.recordLater(written(), {
        ...base,
        releaseReason: error.message,
        log: {
          requestId,
          origin,
          createdAt,
          outcome: error.name === 'AbortError' ? 'aborted' : 'failed',
          ...(request.task && { task: request.task }),
          errorName: error.name,
          reason: error.message,
          attemptCount: triedCount(attempts),
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          costUsd,
          ...(estimated && { estimated: true }),
          latencyMs: this.monotonic() - startedAt,
          ...(settings.keepRequestText && { request: keptRequest(request) }),
        },
      });
      throw error;
    }

    const result: LlmResult = {
      requestId,
      text: answer.text,
      model: modelRef(answer.model),
      usage: answer.usage,
      costUsd,
      latencyMs: this.monotonic() - startedAt,
      attempts,
      finishReason: answer.finishReason,
      ...(outcome.cascade && { cascade: outcome.cascade }),
    };
    // The record is written as the result goes back, in one transaction after the reservation's
    // (docs/architecture.md §5): the budget already moved in memory, and the settings pages wait
    // for it before they read (`flushRecords`).
    this.recordLater(written(), {
      ...base,
      model: result.model,
      log: this.answeredLine(origin, createdAt, request, result, settings.keepRequestText),
    });
    void this.learning.remember(requestId, {
      origin,
      model: result.model,
      request,
      task: plan.analysis.task,
    });
    if (cacheKey) this.track(this.storage.responseCache.put(origin, cacheKey, result));
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
  async routingState(origin: string, whatIf: WhatIf = {}): Promise<RoutingState> {
    const assume = whatIf.assume ?? [];
    const [settings, accountReads, book, grant, stats, policy, inBrowser] = await Promise.all([
      this.settings(),
      this.accounts(),
      this.start(),
      this.grant(origin),
      this.learning.current(),
      this.policy(),
      this.options.browserModels?.(),
    ]);
    const accounts = [...accountReads.values()].map(({ summary }) => summary);
    const providers: RoutingState['providers'] = {};
    const localServers: Array<{ provider: ProviderDefinition; account: ProviderAccount }> = [];
    for (const summary of accounts) {
      const definition = this.options.findProvider(summary.provider);
      if (!definition) continue;
      const read = accountReads.get(summary.provider);
      const locked = read?.locked === true;
      const barred = providerRefusal(policy, summary.provider);
      const off = summary.enabled ? undefined : 'turned off in Settings → Providers';
      const rejected = summary.check?.rejected
        ? `its API key was rejected${summary.check.status ? ` (HTTP ${summary.check.status})` : ''}: replace it, or test it again in Settings → Providers`
        : undefined;
      const why = barred ?? off ?? rejected ?? (locked ? LOCKED_KEY_REASON : undefined);
      const available = (summary.hasKey || !definition.requiresKey) && why === undefined;
      providers[summary.provider] = {
        available,
        priority:
          whatIf.priorities?.[summary.provider] ?? providerPriorityOf(settings, summary.provider),
        ...(why && { unavailableReason: `${definition.name}: ${why}` }),
      };
      if (available && definition.listModels && read) {
        localServers.push({ provider: definition, account: read.account });
      }
    }
    for (const provider of assume) {
      // "What if" never reaches past the organization's policy.
      if (providers[provider]?.available || providerRefusal(policy, provider)) continue;
      providers[provider] = {
        available: true,
        priority: whatIf.priorities?.[provider] ?? providerPriorityOf(settings, provider),
      };
    }
    const localModels: string[] = [];
    const builtInModels: CatalogModel[] = [];
    if (inBrowser) {
      const why = providerRefusal(policy, WEBLLM_PROVIDER_ID) ?? inBrowser.unavailableReason;
      providers[WEBLLM_PROVIDER_ID] = {
        available: why === undefined,
        priority:
          whatIf.priorities?.[WEBLLM_PROVIDER_ID] ??
          providerPriorityOf(settings, WEBLLM_PROVIDER_ID),
        ...(why && { unavailableReason: `Models in this browser: ${why}` }),
      };
      localModels.push(...inBrowser.ready.map((id) => `${WEBLLM_PROVIDER_ID}/${id}`));
      if (inBrowser.builtIn) {
        const why =
          providerRefusal(policy, BUILTIN_PROVIDER_ID) ??
          ('unavailableReason' in inBrowser.builtIn
            ? inBrowser.builtIn.unavailableReason
            : undefined);
        providers[BUILTIN_PROVIDER_ID] = {
          available: why === undefined,
          priority:
            whatIf.priorities?.[BUILTIN_PROVIDER_ID] ??
            providerPriorityOf(settings, BUILTIN_PROVIDER_ID),
          ...(why && { unavailableReason: `The browser’s built-in model: ${why}` }),
        };
        if ('model' in inBrowser.builtIn) {
          builtInModels.push(inBrowser.builtIn.model);
          localModels.push(`${BUILTIN_PROVIDER_ID}/${inBrowser.builtIn.model.id}`);
        }
      }
    }
    const now = this.now();
    const local = await this.localModels.resolve(localServers, now);
    localModels.push(...local.ready);
    this.addLocalModels([...local.additions, ...builtInModels]);
    const gateway =
      settings.gateway && providers[settings.gateway]?.available ? settings.gateway : undefined;
    return {
      providers,
      localModels,
      ...(gateway && { gateway }),
      cooldowns: this.health.cooldowns(now),
      cooldownCauses: this.health.causes(now),
      budgetLeftUsd:
        whatIf.budgetLeftUsd ?? book.left(origin, this.limitsOf(grant, settings, policy), now),
      now,
      stats,
      defaults: {
        presets: settings.taskPresets,
        ...(settings.defaultQuality && { quality: settings.defaultQuality }),
        ...(settings.defaultSpeed && { speed: settings.defaultSpeed }),
      },
    };
  }

  /** Any model of the chain may end up answering; hold the dearest one's worst case, plus
   * the first pass's (and its second opinion's) when the request has one. */
  private reservationOf(request: LlmRequest, plan: RoutePlan, cascade?: CascadePlan): number {
    const worst = (models: CatalogModel[]) =>
      reservationFor(plan.analysis.inputTokens, request, models);
    const passes = cascade ? [cascade.first, ...(cascade.second ? [cascade.second] : [])] : [];
    return (
      worst(plan.chain.map(({ model }) => model)) +
      passes.reduce((sum, { model }) => sum + worst([model]), 0)
    );
  }

  /** The budgets a request from a site counts against (its own only when it has a grant). */
  private limitsOf(
    grant: SiteGrant | undefined,
    settings: BrokerSettings,
    policy: OrganizationPolicy,
  ): BudgetLimits {
    return {
      globalUsd: cappedBudget(settings.monthlyBudgetUsd, policy.maxMonthlyBudgetUsd),
      dailyUsd: settings.dailyBudgetUsd ?? Number.POSITIVE_INFINITY,
      siteUsd: grant?.allowed
        ? cappedBudget(grant.monthlyBudgetUsd, policy.maxSiteMonthlyBudgetUsd)
        : Number.POSITIVE_INFINITY,
    };
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
    createdAt: number,
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
    const { keepRequestText } = await this.settings();
    this.recordLater(Promise.resolve(), {
      requestId,
      origin,
      createdAt,
      reservedUsd: 0,
      costUsd: 0,
      model: result.model,
      counted: true,
      attempts: [],
      log: this.answeredLine(origin, createdAt, request, result, keepRequestText),
    });
    return result;
  }

  /** The request log's line for an answer (the options page's Activity list). */
  private answeredLine(
    origin: string,
    createdAt: number,
    request: LlmRequest,
    result: LlmResult,
    keepText: boolean,
  ): RequestRecord['log'] {
    const estimated = result.attempts.some((attempt) => attempt.usageEstimated);
    return {
      requestId: result.requestId,
      origin,
      createdAt,
      outcome: 'answered',
      model: result.model,
      ...(request.task && { task: request.task }),
      attemptCount: triedCount(result.attempts),
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUsd: result.costUsd,
      ...(estimated && { estimated: true }),
      latencyMs: result.latencyMs,
      ...(result.cached && { cached: true }),
      ...(result.cascade && {
        cascade: {
          escalated: result.cascade.escalated,
          ...(result.cascade.reason && { reason: result.cascade.reason }),
          ...(result.cascade.savedUsd !== undefined && { savedUsd: result.cascade.savedUsd }),
          ...(result.cascade.verified && { verified: true }),
        },
      }),
      ...(keepText && { request: keptRequest(request), answerText: result.text }),
    };
  }

  /** A refusal's record: refusals cost nothing, and a page can send thousands at once. */
  private recordRefusal(record: RequestRecord): void {
    void this.queueRecord(record);
  }

  /** Queues a record for the next batch (`scheduleWrite` says when it goes out). */
  private queueRecord(record: RequestRecord): Promise<void> {
    this.queued.push(record);
    if (!this.batch) {
      let writeNow!: () => void;
      const due = new Promise<void>((resolve) => {
        writeNow = resolve;
      });
      this.batch = {
        writeNow,
        written: due.then(() => this.writeQueued()),
        queuedAt: this.monotonic(),
      };
    }
    this.scheduleWrite();
    return this.batch.written;
  }

  /**
   * When the queued records are written, together in one transaction: at once while a settings
   * page waits for them (`flushRecords`); else once no request has run for RECORD_QUIET_MS, or at
   * the latest RECORD_MAX_WAIT_MS after the first was queued. Written right after each answer,
   * a record met the next call of a page calling one after another on its way to its first token;
   * a burst of answers or refusals now costs one write. A worker stopping in that moment leaves
   * the answers' reservations, which the next one settles (docs/architecture.md §2).
   */
  private scheduleWrite(): void {
    const batch = this.batch;
    if (!batch) return;
    clearTimeout(this.writeTimer);
    if (this.flushes > 0) {
      batch.writeNow();
      return;
    }
    const latest = RECORD_MAX_WAIT_MS - (this.monotonic() - batch.queuedAt);
    const wait = this.running === 0 ? Math.min(RECORD_QUIET_MS, latest) : latest;
    this.writeTimer = setTimeout(batch.writeNow, Math.max(0, wait));
  }

  /**
   * Writes the queued records; when the batch fails, each on its own, so that one record that
   * cannot be written costs no other its own. A failure is reported, not thrown at the page: the
   * money side already moved in memory, and the answer must not be lost to a full disk.
   */
  private async writeQueued(): Promise<void> {
    const records = this.queued;
    this.queued = [];
    this.batch = undefined;
    clearTimeout(this.writeTimer);
    const failed = (error: unknown) =>
      console.error('LLM Broker: writing a request record failed', error);
    try {
      await this.storage.recordRequests(records);
    } catch (error) {
      if (records.length === 1) failed(error);
      else for (const record of records) await this.storage.recordRequests([record]).catch(failed);
    }
  }

  /**
   * Resolves once every record queued so far is written: the settings pages call it before they
   * read the log or the totals (and tests before they look).
   */
  async flushRecords(): Promise<void> {
    this.flushes++;
    try {
      this.scheduleWrite();
      await Promise.all(this.writing);
      await this.batch?.written;
    } finally {
      this.flushes--;
    }
  }

  /** Keeps `write` until it is done, for `flushRecords`; a failure is reported, not thrown. */
  private track(write: Promise<unknown>): void {
    const done = write.then(
      () => {},
      (error) => console.error('LLM Broker: a write after an answer failed', error),
    );
    this.writing.add(done);
    void done.finally(() => this.writing.delete(done));
  }

  /** Queues a request's record once the writes before it (reservation, checkpoints) are done. */
  private recordLater(after: Promise<unknown>, record: RequestRecord): void {
    this.track(
      after.then(() =>
        this.queueRecord({
          ...record,
          attempts: record.attempts.map((attempt) => ({ ...attempt, startedAt: record.createdAt })),
        }),
      ),
    );
  }
}

/** The attempts that asked a model (a model passed over in the chain is not one). */
function triedCount(attempts: readonly Attempt[]): number {
  return attempts.filter((attempt) => attempt.outcome !== 'skipped').length;
}

/** Tokens over every attempt (failed attempts that delivered text count too). */
function totalUsage(attempts: readonly Attempt[]): { inputTokens: number; outputTokens: number } {
  let inputTokens = 0;
  let outputTokens = 0;
  for (const attempt of attempts) {
    inputTokens += attempt.usage?.inputTokens ?? 0;
    outputTokens += attempt.usage?.outputTokens ?? 0;
  }
  return { inputTokens, outputTokens };
}

/** The task a request names, if it is a well-formed one (for the record of a refused request). */
function taskOf(input: unknown): LlmRequest['task'] {
  const task = (input as { task?: unknown } | null)?.task;
  return typeof task === 'string' && (TASK_TYPES as readonly string[]).includes(task)
    ? (task as LlmRequest['task'])
    : undefined;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
