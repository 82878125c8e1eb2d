/** What each call from the extension's own pages does. Only extension pages reach this. */
import { bundledCatalogSources } from '../../src/catalog/catalog-bundled';
import { LlmError } from '../../src/protocol/llm-errors';
import type { LlmRequest, Preset } from '../../src/protocol/llm-request';
import { findProvider, PROVIDERS } from '../../src/providers/provider-registry';
import { costOfUsage } from '../../src/runtime/cost';
import { describePasses } from '../../src/runtime/run-cascade';
import { isCatalogUrl } from '../../src/storage/storage-settings';
import type { ReplayLine, UiMethod, UiMethods } from '../messaging/ui-channel';
import type { BackgroundServices } from './background-services';
import {
  browserModelsView,
  cancelBrowserModel,
  downloadBrowserModel,
  downloadBuiltInModel,
  hostStatus,
  installedBrowserModelCount,
  removeBrowserModel,
} from './browser-models';
import { createLockHandlers, syncAutoLock } from './lock-handlers';

/** The playground routes as a site with no grant would be seen: privacy `any`, the global budget. */
const PLAYGROUND_ORIGIN = 'https://playground.llm-broker.invalid';

/** A request with the playground's preset in place of its own. */
function withPreset(request: LlmRequest, preset: Preset | undefined): LlmRequest {
  return preset ? { ...request, hints: { ...request.hints, preset } } : request;
}

type UiHandlers = {
  [M in UiMethod]: (params: UiMethods[M]['params']) => Promise<UiMethods[M]['result']>;
};

export function createUiHandlers(services: BackgroundServices): UiHandlers {
  const { storage, broker, consent, pageEvents, autoLock } = services;

  const catalogListing = async () => {
    const [models, refreshed] = await Promise.all([broker.currentCatalog(), storage.catalog.get()]);
    return {
      models: [...models],
      refreshed: refreshed
        ? { fetchedAt: refreshed.fetchedAt, sourceUrl: refreshed.sourceUrl }
        : null,
      bundledFrom: bundledCatalogSources(),
    };
  };

  const siteChanged = async (origin: string) => {
    broker.grantsChanged(origin);
    pageEvents.permissionChanged(await broker.permissionOf(origin));
  };

  return {
    async getOverview() {
      const [settings, accounts, grants, totals, today, lock, policy, browserModelsInstalled] =
        await Promise.all([
          storage.settings.get(),
          storage.accounts.list(),
          storage.grants.list(),
          storage.ledger.monthTotals(),
          storage.ledger.dayTotals(),
          storage.accounts.lockStatus(),
          broker.policy(),
          installedBrowserModelCount(),
        ]);
      const spentBy = new Map(totals.origins.map((month) => [month.scope, month.spentUsd]));
      return {
        settings,
        providers: PROVIDERS.map((provider) => ({
          id: provider.id,
          name: provider.name,
          defaultBaseUrl: provider.defaultBaseUrl,
          requiresKey: provider.requiresKey,
          ...(provider.keyUrl && { keyUrl: provider.keyUrl }),
          account: accounts.find((account) => account.provider === provider.id) ?? null,
        })),
        sites: await Promise.all(
          grants.map(async (grant) => {
            const lastUsedAt = await storage.requestLog.lastUseOf(grant.origin);
            return {
              ...grant,
              spentThisMonthUsd: spentBy.get(grant.origin) ?? 0,
              ...(lastUsedAt !== undefined && { lastUsedAt }),
            };
          }),
        ),
        month: totals.global,
        today,
        lock,
        policy,
        browserModelsInstalled,
      };
    },
    async saveSettings(changes) {
      const settings = await storage.settings.update(changes);
      broker.settingsChanged();
      // A shorter time for kept text erases what is older at once.
      if (changes.requestTextDays !== undefined) await storage.keepWithinRetention();
      // A new automatic-lock period counts at once, from the last use.
      await syncAutoLock(autoLock);
      return settings;
    },
    async clearRequestLog() {
      return { mark: await storage.requestLog.clear() };
    },
    async restoreRequestLog({ mark }) {
      if (!Number.isSafeInteger(mark) || mark < 0) {
        throw new LlmError({ name: 'TypeError', message: 'Not a mark of the request log.' });
      }
      await storage.requestLog.restore(mark);
      return null;
    },
    async purgeRequestLog() {
      await storage.requestLog.purgeCleared();
      return null;
    },
    getCatalog: () => catalogListing(),
    async saveCatalog({ sourceUrl, models }) {
      if (!isCatalogUrl(sourceUrl)) {
        throw new LlmError({
          name: 'TypeError',
          message: 'Not an address a model list may come from.',
        });
      }
      try {
        await storage.catalog.save({ fetchedAt: Date.now(), sourceUrl, models });
      } catch (error) {
        throw new LlmError({ name: 'TypeError', message: (error as Error).message });
      }
      broker.catalogChanged((await storage.catalog.get())?.models);
      return catalogListing();
    },
    async resetCatalog() {
      await storage.catalog.clear();
      broker.catalogChanged(undefined);
      return catalogListing();
    },
    async saveAccount(input) {
      if (!PROVIDERS.some((provider) => provider.id === input.provider)) {
        throw new LlmError({ name: 'TypeError', message: `Unknown provider ${input.provider}.` });
      }
      const saved = await storage.accounts.save(input);
      broker.accountsChanged(input.provider);
      return saved;
    },
    async removeAccount({ provider }) {
      await storage.accounts.remove(provider);
      broker.accountsChanged(provider);
      return null;
    },
    async checkAccount({ provider: id }) {
      const provider = findProvider(id);
      const summary = await storage.accounts.get(id);
      if (!provider || !summary) return { ok: false, message: 'Save the account first.' };
      // Testing a key is a use of it, like a request's.
      if (summary.hasKey) await autoLock.beforeKeyUse();
      const apiKey = summary.hasKey ? await storage.accounts.getApiKey(id) : undefined;
      const result = await provider.checkKey({
        provider: id,
        ...(apiKey && { apiKey }),
        ...(summary.baseUrl && { baseUrl: summary.baseUrl }),
      });
      // Kept with the account and shown until the next test; a refused key is not routed to.
      const status = result.ok ? undefined : result.status;
      await storage.accounts.recordCheck(id, {
        ok: result.ok,
        ...(result.ok ? result.detail && { message: result.detail } : { message: result.message }),
        ...(status !== undefined && { status }),
        // A refused key (a keyless server's 403 is its own settings, said in the message).
        ...(!result.ok &&
          provider.requiresKey &&
          (status === 401 || status === 403) && { rejected: true }),
        at: Date.now(),
      });
      broker.accountsChanged(result.ok ? id : undefined);
      return result;
    },
    async updateSite({ origin, limits }) {
      const grant = await storage.grants.update(origin, limits);
      await siteChanged(origin);
      return grant;
    },
    async revokeSite({ origin }) {
      await storage.grants.revoke(origin);
      await siteChanged(origin);
      return null;
    },
    async forgetSite({ origin }) {
      await storage.grants.forget(origin);
      await siteChanged(origin);
      return null;
    },
    async restoreSite({ origin }) {
      const grant = await storage.grants.grant(origin);
      await siteChanged(origin);
      return grant;
    },
    listRequestLog: ({ limit, beforeSeq }) =>
      storage.requestLog.recent({
        limit: Math.min(limit, 200),
        ...(beforeSeq !== undefined && { beforeSeq }),
      }),
    async getConsentPrompt({ promptId }) {
      const origin = consent.originOf(promptId);
      if (!origin)
        throw new LlmError({
          name: 'InvalidStateError',
          message: 'This permission request is over.',
        });
      const [settings, accounts, existing] = await Promise.all([
        storage.settings.get(),
        storage.accounts.list(),
        storage.grants.get(origin),
      ]);
      return {
        promptId,
        origin,
        defaults: {
          monthlyBudgetUsd: existing?.monthlyBudgetUsd ?? settings.defaultSiteMonthlyBudgetUsd,
          rateLimitPerMinute:
            existing?.rateLimitPerMinute ?? settings.defaultSiteRateLimitPerMinute,
          privacy: existing?.privacy ?? settings.defaultPrivacy,
        },
        hasProviders: accounts.length > 0,
      };
    },
    async decideConsent({ promptId, allow, limits }) {
      const decided = allow
        ? consent.decide(promptId, { allow, limits })
        : consent.decide(promptId, { allow });
      if (!decided)
        throw new LlmError({
          name: 'InvalidStateError',
          message: 'This permission request is over.',
        });
      return null;
    },
    getSiteStatus: ({ origin }) => broker.permissionOf(origin),
    getLocalModelHost: () => hostStatus(),
    getBrowserModels: () => browserModelsView(),
    downloadBrowserModel: ({ catalogId }) => downloadBrowserModel(catalogId),
    downloadBuiltInModel: () => downloadBuiltInModel(),
    async cancelBrowserModel({ catalogId }) {
      await cancelBrowserModel(catalogId);
      broker.accountsChanged('webllm');
      return null;
    },
    async removeBrowserModel({ catalogId }) {
      await removeBrowserModel(catalogId);
      broker.accountsChanged('webllm');
      return null;
    },
    async explainRoute({ request, everyProvider, whatIf = {} }) {
      const assume = everyProvider
        ? PROVIDERS.filter((provider) => provider.requiresKey).map(({ id }) => id)
        : [];
      const routed = await broker.plan(PLAYGROUND_ORIGIN, withPreset(request, whatIf.preset), {
        assume,
        ...(whatIf.priorities && { priorities: whatIf.priorities }),
        ...(whatIf.budgetLeftUsd !== undefined && { budgetLeftUsd: whatIf.budgetLeftUsd }),
      });
      const cascade = await broker.cascadeFor(routed.request, routed.plan);
      return {
        ...routed.plan,
        ...(cascade && { passes: describePasses(cascade, routed.plan, routed.request) }),
      };
    },
    async replayRequests({ whatIf, limit }) {
      const lines = await storage.requestLog.recent({ limit: Math.min(Math.max(1, limit), 1_000) });
      const replayed: ReplayLine[] = [];
      let withoutText = 0;
      for (const line of lines) {
        if (!line.request) {
          withoutText++;
          continue;
        }
        const actual = { ...(line.model && { model: line.model }), costUsd: line.costUsd };
        try {
          const { plan } = await broker.plan(line.origin, withPreset(line.request, whatIf.preset), {
            ...(whatIf.priorities && { priorities: whatIf.priorities }),
            ...(whatIf.budgetLeftUsd !== undefined && { budgetLeftUsd: whatIf.budgetLeftUsd }),
          });
          const chosen = plan.chain[0]!.model;
          replayed.push({
            requestId: line.requestId,
            createdAt: line.createdAt,
            origin: line.origin,
            actual,
            replayed: {
              model: { provider: chosen.provider, id: chosen.id, location: chosen.location },
              costUsd: costOfUsage(
                { inputTokens: line.inputTokens, outputTokens: line.outputTokens },
                chosen.pricing,
              ),
            },
          });
        } catch (error) {
          replayed.push({
            requestId: line.requestId,
            createdAt: line.createdAt,
            origin: line.origin,
            actual,
            problem: (error as Error).message,
          });
        }
      }
      return { lines: replayed, withoutText };
    },
    ...createLockHandlers(services),
  };
}
