/** The background's long-lived parts, created once per service-worker life. */
import { findProvider } from '../../src/providers/provider-registry';
import { loadBundledCatalog } from '../../src/router';
import { Broker } from '../../src/runtime/broker';
import { type BrokerStorage, createBrokerStorage } from '../../src/storage/storage-broker';
import { ConsentPrompts } from './consent-prompts';
import { PageEvents } from './page-events';
import { sessionUnlockKeeper } from './unlock-keeper';

export interface BackgroundServices {
  storage: BrokerStorage;
  broker: Broker;
  consent: ConsentPrompts;
  pageEvents: PageEvents;
}

let services: BackgroundServices | undefined;

export function backgroundServices(): BackgroundServices {
  if (services) return services;
  const storage = createBrokerStorage(undefined, { unlockKeeper: sessionUnlockKeeper });
  // A reservation older than this worker belongs to a request the previous worker never
  // finished (it was stopped mid-answer): give the money back.
  void storage.ledger
    .releaseStale(Date.now())
    .catch((error) => console.error('LLM Broker: releasing stale reservations failed', error));
  services = {
    storage,
    broker: new Broker({ storage, catalog: loadBundledCatalog(), findProvider }),
    consent: new ConsentPrompts(),
    pageEvents: new PageEvents(),
  };
  return services;
}
