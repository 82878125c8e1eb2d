/**
 * The broker's database as the extension's pages read it. The pages read the log, the ledger's
 * attempts and the usage rollups directly (and live: use-live.ts); every write still goes through
 * the background, the database's one writer (docs/architecture.md §1).
 */
import { type BrokerStorage, createBrokerStorage } from '../../../src/storage/storage-broker';

let storage: BrokerStorage | undefined;

export function pageStorage(): BrokerStorage {
  storage ??= createBrokerStorage();
  return storage;
}
