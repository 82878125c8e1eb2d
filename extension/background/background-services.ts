/** The background's long-lived parts, created once per service-worker life. */

import { BUILTIN_PROVIDER_ID } from '../../src/local/builtin-model';
import {
  createBuiltInProvider,
  createWebLlmProvider,
  WEBLLM_PROVIDER_ID,
} from '../../src/local/webllm-provider';
import { findProvider } from '../../src/providers/provider-registry';
import { loadBundledCatalog } from '../../src/router';
import { Broker } from '../../src/runtime/broker';
import type { SessionMemory } from '../../src/runtime/session-memory';
import { type BrokerStorage, createBrokerStorage } from '../../src/storage/storage-broker';
import { sessionStorage } from '../platform/browser-api';
import { AutoLock } from './auto-lock';
import { browserModelsState, browserModelTransport } from './browser-models';
import { ConsentPrompts } from './consent-prompts';
import { readOrganizationPolicy } from './organization-policy-source';
import { PageEvents } from './page-events';

/** The broker's restart-proof memory: `storage.session`, under a prefix of its own. */
const browserSession: SessionMemory = {
  async get(key) {
    const name = `broker:${key}`;
    return (await sessionStorage().get(name))[name];
  },
  set: (values) =>
    sessionStorage().set(
      Object.fromEntries(Object.entries(values).map(([key, value]) => [`broker:${key}`, value])),
    ),
  remove: (keys) => sessionStorage().remove(keys.map((key) => `broker:${key}`)),
};

/** Deletes what is kept no longer (storage-broker.ts); a failure waits for the next start. */
async function keepWithinRetention(storage: BrokerStorage): Promise<void> {
  try {
    await storage.keepWithinRetention();
  } catch (error) {
    console.error('LLM Broker: housekeeping failed', error);
  }
}

export interface BackgroundServices {
  storage: BrokerStorage;
  broker: Broker;
  consent: ConsentPrompts;
  pageEvents: PageEvents;
  autoLock: AutoLock;
}

let services: BackgroundServices | undefined;

/** The pages listening for events: kept apart from the rest, so a page's port needs nothing else. */
export const pageEvents = new PageEvents();

/** Housekeeping waits this long after the worker starts, so it never competes with a first call. */
const RETENTION_DELAY_MS = 5_000;

export function backgroundServices(): BackgroundServices {
  if (services) return services;
  // The automatic lock keeps the unlock for storage and locks through it and the broker, which
  // are made next: its parts are only called once all three exist.
  const autoLock = new AutoLock({
    settings: () => storage.settings.get(),
    lockStatus: () => storage.accounts.lockStatus(),
    lock: async () => {
      await storage.accounts.lock();
      broker.accountsChanged();
    },
  });
  const webllm = createWebLlmProvider(browserModelTransport);
  const builtIn = createBuiltInProvider(browserModelTransport);
  const storage = createBrokerStorage(undefined, { unlockKeeper: autoLock.keeper });
  setTimeout(() => void keepWithinRetention(storage), RETENTION_DELAY_MS);
  const broker = new Broker({
    storage,
    catalog: loadBundledCatalog(),
    loadRefreshedCatalog: async () => (await storage.catalog.get())?.models,
    findProvider: (id) =>
      id === WEBLLM_PROVIDER_ID ? webllm : id === BUILTIN_PROVIDER_ID ? builtIn : findProvider(id),
    browserModels: browserModelsState,
    beforeKeyUse: () => autoLock.beforeKeyUse(),
    session: browserSession,
    readPolicy: (strict) => readOrganizationPolicy(strict, () => broker.policyChanged()),
  });
  services = {
    storage,
    broker,
    consent: new ConsentPrompts(),
    pageEvents,
    autoLock,
  };
  return services;
}
