// Every unit test gets a fresh, real IndexedDB implementation (fake-indexeddb) so Dexie runs
// unchanged under Node.
import 'fake-indexeddb/auto';
