/**
 * The channel between the extension's own pages (options, popup, consent) and the background.
 * Only extension pages may use it; the background checks the sender before doing anything.
 */
import type { CatalogModel } from '../../src/catalog/catalog-types';
import type { DownloadState } from '../../src/local/local-model-host';
import type { LlmErrorData } from '../../src/protocol/llm-errors';
import type { PermissionState } from '../../src/protocol/llm-permission';
import type { LlmRequest, Preset, PrivacyLevel } from '../../src/protocol/llm-request';
import type { LlmResult, LlmStreamPart, ModelRef } from '../../src/protocol/llm-result';
import type { KeyCheckResult } from '../../src/providers/provider-types';
import type { RoutePlan } from '../../src/router/router-types';
import type { OrganizationPolicy } from '../../src/runtime/organization-policy';
import type {
  BrokerSettings,
  LockStatus,
  MonthTotals,
  ProviderAccountInput,
  ProviderAccountSummary,
  RequestLogEntry,
  SiteGrant,
  SiteGrantLimits,
} from '../../src/storage/storage-types';
import type { BrowserModelsView } from '../background/browser-models';
import type { LocalModelHostStatus } from './offscreen-channel';

/**
 * A playground decision: the router's plan and, in words, what runs before its chain (a first
 * pass, a second opinion) when anything does.
 */
export type PlannedRoute = RoutePlan & { passes?: string };

/** A provider as the options page lists it: its facts and the user's account, if any. */
export interface ProviderListing {
  id: string;
  name: string;
  defaultBaseUrl: string;
  requiresKey: boolean;
  keyUrl?: string;
  account: ProviderAccountSummary | null;
}

export interface SiteListing extends SiteGrant {
  spentThisMonthUsd: number;
  /** When the site last made a request (as far as the request log remembers). */
  lastUsedAt?: number;
}

export interface Overview {
  settings: BrokerSettings;
  providers: ProviderListing[];
  sites: SiteListing[];
  /** Spend of every site together this month. */
  month: MonthTotals;
  /** Spend of every site together today (UTC). */
  today: MonthTotals;
  lock: LockStatus;
  /** What the organization's policy fixes (empty when there is none). */
  policy: OrganizationPolicy;
  /** How many models are downloaded in this browser (they rank like a provider). */
  browserModelsInstalled: number;
}

/** What the playground changes for a decision, in place of the saved settings. */
export interface PlaygroundWhatIf {
  /** Provider id → priority 0–100. */
  priorities?: Record<string, number>;
  /** The preset for every request (over the site's own). */
  preset?: Preset;
  /** The budget left to decide with (USD). */
  budgetLeftUsd?: number;
}

export interface ReplayLine {
  requestId: string;
  createdAt: number;
  origin: string;
  /** What answered then, and what it cost. */
  actual: { model?: ModelRef; costUsd: number };
  /** What would answer now, priced at the same tokens; absent when nothing could. */
  replayed?: { model: ModelRef; costUsd: number };
  /** Why nothing could answer now. */
  problem?: string;
}

export interface ReplayResult {
  lines: ReplayLine[];
  /** Lines in the log without kept text (they cannot be replayed). */
  withoutText: number;
}

/** The port the playground runs a request over: its answer streams back. */
export const PLAYGROUND_PORT_NAME = 'llm-broker/playground';

export type PlaygroundMessage =
  | { type: 'part'; part: LlmStreamPart }
  | { type: 'done'; result: LlmResult }
  | { type: 'error'; error: LlmErrorData };

/** The catalog as the settings show it. */
export interface CatalogListing {
  models: CatalogModel[];
  /** The refreshed list in use, or null for the bundled catalog. */
  refreshed: { fetchedAt: number; sourceUrl: string } | null;
  /** The public data the bundled catalog was built from. */
  bundledFrom: Record<string, string>;
}

/** What the consent window shows and the defaults it offers. */
export interface ConsentPrompt {
  promptId: string;
  origin: string;
  defaults: SiteGrantLimits;
  /** Whether any provider is configured yet (if not, the window says so). */
  hasProviders: boolean;
}

export interface ConsentDecision {
  promptId: string;
  allow: boolean;
  limits?: SiteGrantLimits;
}

/** Every call an extension page can make. */
export interface UiMethods {
  getOverview: { params: null; result: Overview };
  saveSettings: { params: Partial<BrokerSettings>; result: BrokerSettings };
  saveAccount: { params: ProviderAccountInput; result: ProviderAccountSummary };
  removeAccount: { params: { provider: string }; result: null };
  /** Tests a provider's saved key with the cheapest call its API has. */
  checkAccount: { params: { provider: string }; result: KeyCheckResult };
  updateSite: { params: { origin: string; limits: Partial<SiteGrantLimits> }; result: SiteGrant };
  revokeSite: { params: { origin: string }; result: null };
  /** Undoes a revoke from the options page, or allows a refused site. */
  restoreSite: { params: { origin: string }; result: SiteGrant };
  /** Removes every trace of a site's grant or refusal: it must ask again. */
  forgetSite: { params: { origin: string }; result: null };
  listRequestLog: { params: { limit: number; beforeSeq?: number }; result: RequestLogEntry[] };
  /** Deletes the request log in a way `restoreRequestLog` undoes; returns the mark to restore. */
  clearRequestLog: { params: null; result: { mark: number } };
  restoreRequestLog: { params: { mark: number }; result: null };
  /** Makes a deletion final (the chance to undo it has passed). */
  purgeRequestLog: { params: null; result: null };
  /** The catalog the router decides over now, and where its OpenRouter entries came from. */
  getCatalog: { params: null; result: CatalogListing };
  /** Keeps a refreshed model list (the page downloaded and read it) and routes with it. */
  saveCatalog: { params: { sourceUrl: string; models: CatalogModel[] }; result: CatalogListing };
  /** Goes back to the catalog bundled with this version. */
  resetCatalog: { params: null; result: CatalogListing };
  getConsentPrompt: { params: { promptId: string }; result: ConsentPrompt };
  decideConsent: { params: ConsentDecision; result: null };
  /** Whether this browser can run local models (WebGPU in the offscreen document). */
  getLocalModelHost: { params: null; result: LocalModelHostStatus };
  /** Models in this browser: fit on this device, downloaded, downloading, space used. */
  getBrowserModels: { params: null; result: BrowserModelsView };
  /** Starts (or resumes) a download; progress arrives as offscreen events. */
  downloadBrowserModel: { params: { catalogId: string }; result: DownloadState };
  cancelBrowserModel: { params: { catalogId: string }; result: null };
  removeBrowserModel: { params: { catalogId: string }; result: null };
  /** Has the browser download its own model (Prompt API); progress arrives as offscreen events. */
  downloadBuiltInModel: { params: null; result: DownloadState };
  /** What the popup shows for the active tab's site. */
  getSiteStatus: { params: { origin: string }; result: PermissionState };
  /**
   * The router's decision for a request, without calling any model (the playground). With
   * `everyProvider`, providers without a key count as set up, to show what they would change.
   */
  explainRoute: {
    params: { request: LlmRequest; everyProvider: boolean; whatIf?: PlaygroundWhatIf };
    result: PlannedRoute;
  };
  /**
   * The recorded requests whose text the log kept, routed again under `whatIf` (the playground's
   * replay): what would have answered each, and what it would have cost at the same tokens.
   */
  replayRequests: { params: { whatIf: PlaygroundWhatIf; limit: number }; result: ReplayResult };
  // The passphrase lock (docs/security.md). Each answers with the lock's state afterwards.
  getLockStatus: { params: null; result: LockStatus };
  /** Sets a passphrase, or changes it: then `currentPassphrase` is required. */
  setPassphrase: {
    params: { passphrase: string; currentPassphrase?: string };
    result: LockStatus;
  };
  removePassphrase: { params: { currentPassphrase: string }; result: LockStatus };
  unlock: { params: { passphrase: string }; result: LockStatus };
  lock: { params: null; result: LockStatus };
}
export type UiMethod = keyof UiMethods;

export const UI_CHANNEL = 'llm-broker/ui';

/**
 * The local-storage item holding the organization policy last read: the background writes it,
 * extension pages watch it to show a policy that arrived while they were open.
 */
export const LAST_POLICY_ITEM = 'organization-policy';

export type UiRequest = {
  [M in UiMethod]: { channel: typeof UI_CHANNEL; method: M; params: UiMethods[M]['params'] };
}[UiMethod];

export type UiResponse<M extends UiMethod> =
  | { ok: true; value: UiMethods[M]['result'] }
  | { ok: false; error: LlmErrorData };

export type { PrivacyLevel };
