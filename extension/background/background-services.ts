/** The background's long-lived parts, created once per service-worker life. */
import { findProvider } from '../../src/providers/provider-registry';
import { loadBundledCatalog } from '../../src/router';
import { Broker } from '../../src/runtime/broker';
import { type BrokerStorage, createBrokerStorage } from '../../src/storage/storage-broker';
import { AutoLock } from './auto-lock';
import { ConsentPrompts } from './consent-prompts';
import { PageEvents } from './page-events';

/** How long the ledger keeps a request's row (its month's totals stay): docs/privacy.md. */
const LEDGER_RETENTION_MS = 400 * 24 * 60 * 60 * 1000;

/** Deletes what the privacy promises say is kept no longer: old ledger rows, expired answers. */
async function keepWithinRetention(storage: BrokerStorage): Promise<void> {
  try {
    await storage.ledger.prune(Date.now() - LEDGER_RETENTION_MS);
    await storage.responseCache.pruneExpired();
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
  const storage = createBrokerStorage(undefined, { unlockKeeper: autoLock.keeper });
  // A reservation older than this worker belongs to a request the previous worker never
  // finished (it was stopped mid-answer): give the money back.
  void storage.ledger
    .releaseStale(Date.now())
    .catch((error) => console.error('LLM Broker: releasing stale reservations failed', error));
  void keepWithinRetention(storage);
  const broker = new Broker({
    storage,
    catalog: loadBundledCatalog(),
    findProvider,
    beforeKeyUse: () => autoLock.beforeKeyUse(),
  });
  services = {
    storage,
    broker,
    consent: new ConsentPrompts(),
    pageEvents: new PageEvents(),
    autoLock,
  };
  return services;
}
