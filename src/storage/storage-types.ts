/**
 * The data the broker keeps in its database: the public shapes the repositories hand out and the
 * rows behind them. Everything here is structured-cloneable (IndexedDB stores it as it is).
 */
import type { LlmErrorName } from '../protocol/llm-errors';
import type {
  LlmRequest,
  Preset,
  PrivacyLevel,
  QualityHint,
  SpeedHint,
  TaskType,
} from '../protocol/llm-request';
import type { Attempt, LlmResult, ModelRef, TokenUsage } from '../protocol/llm-result';
import type { AutoLockMinutes } from './storage-auto-lock';

// ---------------------------------------------------------------------------------------------
// Settings

/** The user's global choices. Missing values read as `DEFAULT_SETTINGS`. */
export interface BrokerSettings {
  /** The most every site together may spend in one calendar month (UTC), in US dollars. */
  monthlyBudgetUsd: number;
  /** The most every site together may spend in one calendar day (UTC), or null for no daily limit. */
  dailyBudgetUsd: number | null;
  /** Provider id → priority 0–100; the router multiplies a model's score by priority / 100. */
  providerPriorities: Record<string, number>;
  /**
   * The providers in the order the person arranged them (highest priority first; among equal
   * priorities, this order is how they are shown). Providers not in it follow, by priority.
   */
  providerOrder: string[];
  /** The preset for requests of each task that name none (Settings → Priorities). */
  taskPresets: Partial<Record<TaskType, Preset>>;
  /** Tasks whose requests get a local first pass that escalates only when it must
   * (docs/router.md §10); a request's own `hints.cascade` wins. */
  cascadeTasks: TaskType[];
  /** Short answers from a cheap model the router chose are checked against a second cheap
   * model's; a disagreement goes to the chain's strongest model (docs/router.md §10). */
  verifyCheapAnswers: boolean;
  /** The quality hint for requests that give none, or null to leave it to the task. */
  defaultQuality: QualityHint | null;
  /** The speed hint for requests that give none, or null to leave it to the task. */
  defaultSpeed: SpeedHint | null;
  /** The privacy level a newly granted site starts with. */
  defaultPrivacy: PrivacyLevel;
  /** The provider id that closes every fallback chain (e.g. `openrouter`), or null for none. */
  gateway: string | null;
  /** The monthly budget a newly granted site starts with, in US dollars. */
  defaultSiteMonthlyBudgetUsd: number;
  /** The rate limit a newly granted site starts with, in requests per minute. */
  defaultSiteRateLimitPerMinute: number;
  /** How long an entry of the local response cache stays valid, in milliseconds. */
  responseCacheTtlMs: number;
  /** The most the local response cache may hold, in bytes of stored JSON. */
  responseCacheMaxBytes: number;
  /** How many entries the request log keeps; older ones are pruned as new ones arrive. */
  requestLogLimit: number;
  /**
   * Whether the request log keeps what a site asked and what the model answered. Off unless the
   * person turns it on; the rest of a line (site, model, tokens, cost) is kept either way.
   */
  keepRequestText: boolean;
  /** How many days kept text stays in the log before it is erased (REQUEST_TEXT_DAYS). */
  requestTextDays: number;
  /** Where Settings → Catalog refreshes the model list from (OpenRouter's public list). */
  catalogUrl: string;
  /**
   * With a passphrase set: lock the keys after this many minutes without use (15, 60 or 240), or
   * null for never (storage-auto-lock.ts).
   */
  autoLockMinutes: AutoLockMinutes | null;
}

export interface SettingsRow {
  id: 'global';
  /** Only what the user changed; defaults fill the rest on read, so new settings need no migration. */
  values: Partial<BrokerSettings>;
}

// ---------------------------------------------------------------------------------------------
// Provider accounts and the keys that protect them

/** An AES-GCM ciphertext with its initialisation vector (fresh for every encryption). */
export interface SealedSecret {
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

/** Which key an API key is encrypted under. */
export type SealedBy = 'device' | 'passphrase';

/** The last test of an account's key (on save, by the Test button, or a refusal in use). */
export interface AccountCheck {
  ok: boolean;
  /** What the test learned (ok) or what went wrong and what to do about it. */
  message?: string;
  /** HTTP status of a refusal. */
  status?: number;
  /** The provider refused the key itself: the account is not routed to until it changes or passes a test. */
  rejected?: boolean;
  /** When (epoch ms). */
  at: number;
}

export interface AccountRow {
  provider: string;
  /** False when the person turned the provider off (kept, not used); absent means on. */
  enabled?: boolean;
  check?: AccountCheck;
  baseUrl?: string;
  sealedKey?: SealedSecret;
  sealedBy?: SealedBy;
  /** The masked key (`sk-…abcd`), kept in clear so the options page can list accounts while locked. */
  maskedKey?: string;
  createdAt: number;
  updatedAt: number;
}

/** What the options page may see of an account: never the key, never its ciphertext. */
export interface ProviderAccountSummary {
  /** Provider id, e.g. `openai`, `anthropic`, `ollama`. */
  provider: string;
  /** The endpoint for local servers and gateways; absent for the provider's default. */
  baseUrl?: string;
  /** Whether an API key is stored. */
  hasKey: boolean;
  /** The key with all but a few characters hidden, e.g. `sk-…abcd`; null when there is none. */
  maskedKey: string | null;
  /** Whether the provider is on (routed to). */
  enabled: boolean;
  /** The last test of the key, if any. */
  check?: AccountCheck;
  createdAt: number;
  updatedAt: number;
}

/** What to store for a provider. An absent field keeps its stored value; null removes it. */
export interface ProviderAccountInput {
  provider: string;
  apiKey?: string | null;
  baseUrl?: string | null;
  enabled?: boolean;
}

/** The non-extractable AES key that encrypts API keys when no passphrase is set. */
export interface DeviceKeyRow {
  id: 'device';
  key: CryptoKey;
  createdAt: number;
}

/** How to re-derive the passphrase key; the key itself and the passphrase are never stored. */
export interface PassphraseRow {
  id: 'passphrase';
  salt: Uint8Array<ArrayBuffer>;
  iterations: number;
  /** A known text sealed under the derived key, so a wrong passphrase is told apart at unlock. */
  check: SealedSecret;
  createdAt: number;
}

export type KeyringRow = DeviceKeyRow | PassphraseRow;

/** `none`: no passphrase set, keys usable; `locked`: a passphrase is set and not entered yet. */
export type LockStatus = 'none' | 'locked' | 'unlocked';

/**
 * Keeps the raw bits of the unlocked passphrase key somewhere that outlives this storage object
 * but not the browser session, so a restarted service worker is still unlocked. The extension
 * implements it over `chrome.storage.session` (memory only); the core never persists the bits.
 */
export interface UnlockKeeper {
  get(): Promise<Uint8Array<ArrayBuffer> | undefined>;
  set(bits: Uint8Array<ArrayBuffer>): Promise<void>;
  clear(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Site grants

export interface SiteGrant {
  /** The page origin, e.g. `https://example.com`. */
  origin: string;
  /** Whether the site may call models. A revoked grant keeps its limits for a later re-grant. */
  allowed: boolean;
  /** When access was last granted (epoch ms); 0 for a site the person only ever refused. */
  grantedAt: number;
  /** When the person last said no in the consent window (epoch ms). */
  refusedAt?: number;
  /** When the grant last changed (epoch ms). */
  updatedAt: number;
  /** The most this site may spend in one calendar month (UTC), in US dollars. */
  monthlyBudgetUsd: number;
  /** The most requests this site may make in one minute. */
  rateLimitPerMinute: number;
  /** Where this site's prompts may go. */
  privacy: PrivacyLevel;
}

/** The limits a grant can carry; any left out come from the settings' defaults. */
export type SiteGrantLimits = Pick<
  SiteGrant,
  'monthlyBudgetUsd' | 'rateLimitPerMinute' | 'privacy'
>;

// ---------------------------------------------------------------------------------------------
// Ledger

export type LedgerStatus = 'reserved' | 'settled' | 'released';

/** One row per request: the money side of it. */
export interface LedgerEntry {
  requestId: string;
  origin: string;
  /** The calendar month (UTC, `YYYY-MM`) the request counts in: the month it was reserved. */
  month: string;
  status: LedgerStatus;
  /** The worst-case cost held against the budgets while the request runs, in US dollars. */
  reservedUsd: number;
  /** What the request actually cost, in US dollars; 0 until settled, 0 when released. */
  costUsd: number;
  /** The model that answered, once settled. */
  model?: ModelRef;
  usage?: TokenUsage;
  createdAt: number;
  /** When it was settled or released (epoch ms). */
  closedAt?: number;
  /** Why a reservation was released, e.g. `every fallback failed`. */
  releaseReason?: string;
  /**
   * While reserved: what the text delivered so far costs (an estimate), written as the answer
   * streams, so a worker that stops mid-answer is settled at it by the next one.
   */
  deliveredUsd?: number;
  /** The cost is an estimate from the text delivered (the provider reported no usage). */
  estimated?: boolean;
  /**
   * Written by `open` as one row, without touching the month totals (so the write is a single
   * request, done before the answer's first byte): the request and its cost join the totals when
   * it closes, and `monthTotals` counts its reservation as held until then.
   */
  totalsAtClose?: true;
}

/** One row per attempt at one model. */
export interface LedgerAttempt extends Attempt {
  requestId: string;
  /** 0 for the first attempt of a request, then 1, 2… */
  attemptIndex: number;
  startedAt: number;
}

/**
 * Spend of one scope in one period, kept up to date in the transaction of every ledger write.
 * Months (`YYYY-MM`) have a row for every site together and one per origin; days (`YYYY-MM-DD`,
 * for the daily budget) only the row for every site together.
 */
export interface LedgerMonthRow {
  /** The period: `YYYY-MM` or `YYYY-MM-DD` (UTC). */
  month: string;
  /** `*` for every site together, otherwise the origin. */
  scope: string;
  /** Integer nano-dollars: sums of floats drift, sums of integers do not. */
  reservedNanoUsd: number;
  spentNanoUsd: number;
  requestCount: number;
}

/** Spend of one scope in one period (a month, or a day), in US dollars. */
export interface MonthTotals {
  /** `YYYY-MM`, or `YYYY-MM-DD` for a day's totals. */
  month: string;
  /** `*` for every site together, otherwise the origin. */
  scope: string;
  /** Held by requests still running. */
  reservedUsd: number;
  /** Settled cost. */
  spentUsd: number;
  /** Spent plus reserved: what a new reservation is measured against. */
  committedUsd: number;
  requestCount: number;
}

// ---------------------------------------------------------------------------------------------
// Request log

/**
 * `refused`: turned away before any model was called (rate limit, budget, no model fits, locked
 * keys, a malformed request); `interrupted`: the background stopped mid-answer and its restart
 * closed the request.
 */
export type RequestLogOutcome = 'answered' | 'refused' | 'failed' | 'aborted' | 'interrupted';

/** What the options page shows about one request. */
export interface RequestLogInput {
  requestId: string;
  origin: string;
  createdAt: number;
  outcome: RequestLogOutcome;
  /** The model that answered, when one did. */
  model?: ModelRef;
  task?: TaskType;
  /** The error a failed or refused request ended with. */
  errorName?: LlmErrorName;
  /** Why it was refused or failed, in the words the site was told. */
  reason?: string;
  /** The cost is an estimate from the text delivered (the provider reported no usage). */
  estimated?: boolean;
  /** Models asked (the ledger's attempts also list models passed over, as `skipped`). */
  attemptCount: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  /** True when the local response cache answered. */
  cached?: boolean;
  /** A first pass (docs/router.md §10): whether it escalated, why, what an accepted one saved
   * against the chain's first model, and whether it was a verification of the router's pick. */
  cascade?: { escalated: boolean; reason?: string; savedUsd?: number; verified?: boolean };
  /**
   * What the site asked, when the person lets the log keep request text (`keepRequestText`):
   * the request as routed, long text shortened and images left out (kept-text.ts).
   */
  request?: LlmRequest;
  /** What the model answered, when request text is kept (shortened like the request). */
  answerText?: string;
}

export interface RequestLogEntry extends RequestLogInput {
  /** Insertion order; newer entries have larger numbers. */
  seq: number;
  /** The answering model's provider, for the log's provider filter (an index). */
  provider?: string;
  /** When text was kept (epoch ms): the index that erases it once `requestTextDays` pass. */
  textKeptAt?: number;
}

/**
 * One day's usage along one dimension, kept up to date in the transaction that appends each
 * request-log line, so charts read a few hundred rows however long the log is. `all` has one row
 * per day (key ''); `provider` and `model` (`provider/model`) rows count the attempts made on them
 * and the requests they answered; `site` rows (key: the origin) count everything of that site.
 */
export interface UsageDayRow {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  dimension: UsageDimension;
  key: string;
  /** Requests (all, site), or requests answered (provider, model). */
  requests: number;
  answered: number;
  cached: number;
  refused: number;
  /** Failed, aborted or interrupted. */
  failed: number;
  costNanoUsd: number;
  /** Tokens paid for (cache hits excluded): what the savings baseline is priced at. */
  inputTokens: number;
  outputTokens: number;
  /** Requests with a first pass, those that escalated, and what accepted ones saved (rows
   * written before first passes existed have none). */
  cascaded?: number;
  escalated?: number;
  cascadeSavedNanoUsd?: number;
}

export type UsageDimension = 'all' | 'provider' | 'model' | 'site';

// ---------------------------------------------------------------------------------------------
// Router stats, response cache, counters

export interface RouterStatsRow {
  id: 'router';
  /** The router's live statistics as JSON text, so nothing but plain data is ever stored. */
  json: string;
  savedAt: number;
}

export interface ResponseCacheRow {
  origin: string;
  /** The caller's key of a deterministic request (e.g. a hash of its normalized form). */
  key: string;
  value: LlmResult;
  createdAt: number;
  expiresAt: number;
  /** UTF-8 bytes of the value as JSON. */
  sizeBytes: number;
}

/** A named number kept in the same transaction as the writes it counts. */
export interface CounterRow {
  id: string;
  value: number;
}
