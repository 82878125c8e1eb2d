/**
 * Provider accounts: endpoint and API key per provider, the key encrypted at rest (AES-GCM).
 *
 * Without a passphrase, keys are sealed under a non-extractable device key kept in IndexedDB.
 * With one, they are sealed under a key derived from it (PBKDF2) that lives only in this
 * object's memory between `unlock()` and `lock()` — and, given an `UnlockKeeper`, in the
 * browser's session memory, so a restarted service worker stays unlocked. The passphrase and the
 * derived key are never written to disk. docs/security.md says what each protects against.
 */

import {
  bytesEqual,
  DEFAULT_PASSPHRASE_ITERATIONS,
  derivePassphraseBits,
  generateDeviceKey,
  importPassphraseKey,
  randomSalt,
  seal,
  unseal,
} from './storage-crypto';
import type { BrokerDatabase } from './storage-database';
import { VaultLockedError, WrongPassphraseError } from './storage-errors';
import type {
  AccountCheck,
  AccountRow,
  DeviceKeyRow,
  LockStatus,
  PassphraseRow,
  ProviderAccountInput,
  ProviderAccountSummary,
  SealedBy,
  SealedSecret,
  UnlockKeeper,
} from './storage-types';

export interface AccountsRepository {
  /** Every account as the options page may see it: masked keys only. */
  list(): Promise<ProviderAccountSummary[]>;
  get(provider: string): Promise<ProviderAccountSummary | undefined>;
  /**
   * Creates or changes an account. A new key is encrypted before it is stored; throws
   * VaultLockedError when a passphrase is set and not entered.
   */
  save(input: ProviderAccountInput): Promise<ProviderAccountSummary>;
  remove(provider: string): Promise<void>;
  /** Keeps the result of a key test (a new key or address clears the last one). */
  recordCheck(provider: string, check: AccountCheck): Promise<void>;
  /**
   * The plain API key, or undefined when none is stored. For the background's provider calls
   * only: it must never be sent to a page, a content script or an extension page. Throws
   * VaultLockedError while locked.
   */
  getApiKey(provider: string): Promise<string | undefined>;
  /** Restores a kept unlock (`UnlockKeeper`) first, so a restarted worker reports it. */
  lockStatus(): Promise<LockStatus>;
  /**
   * Sets the passphrase (8 to 1,024 characters), or changes it — then `currentPassphrase` is
   * required. Re-encrypts every stored key in one transaction and leaves the keys unlocked.
   */
  setPassphrase(passphrase: string, currentPassphrase?: string): Promise<void>;
  /** Goes back to the device key alone; re-encrypts every stored key. */
  removePassphrase(currentPassphrase: string): Promise<void>;
  /**
   * Makes the keys usable until `lock()`, or until this storage object is gone and no
   * `UnlockKeeper` kept the unlock.
   */
  unlock(passphrase: string): Promise<void>;
  /** Forgets the derived key, here and in the keeper; keys are unusable until `unlock()`. */
  lock(): Promise<void>;
}

export interface AccountsOptions {
  now: () => number;
  /** PBKDF2 iterations for a new passphrase; tests lower it to stay fast. */
  passphraseIterations?: number;
  /** Where an unlock is kept across restarts of the holder (the background service worker). */
  unlockKeeper?: UnlockKeeper;
}

export const MIN_PASSPHRASE_LENGTH = 8;
/** Far above any real passphrase; keeps PBKDF2's input (and a message carrying it) small. */
export const MAX_PASSPHRASE_LENGTH = 1024;

const DEVICE_KEY_ID = 'device';
const PASSPHRASE_ROW_ID = 'passphrase';
const PASSPHRASE_CHECK_TEXT = 'llm-broker passphrase check';
const PASSPHRASE_CHECK_CONTEXT = 'llm-broker/passphrase-check';
/** How often a re-encryption starts over when another write changed an account meanwhile. */
const MAX_RESEAL_TRIES = 5;

interface SealingKey {
  sealedBy: SealedBy;
  key: CryptoKey;
  /** The passphrase salt the key was derived with; identifies which passphrase it belongs to. */
  salt?: Uint8Array<ArrayBuffer>;
}

/** The key stored secrets are sealed under now, with the passphrase row it was derived for. */
interface CurrentKey {
  row: PassphraseRow | undefined;
  key: SealingKey;
}

/** Another connection changed what a re-encryption was based on; it starts over. */
class StaleSnapshotError extends Error {
  override readonly name = 'StaleSnapshotError';
}

export function createAccountsRepository(
  database: BrokerDatabase,
  options: AccountsOptions,
): AccountsRepository {
  const { accounts, keyring } = database;
  const iterations = options.passphraseIterations ?? DEFAULT_PASSPHRASE_ITERATIONS;
  const keeper = options.unlockKeeper;
  let unlocked: SealingKey | undefined;
  /** Counts changes of `unlocked`, so a restore that read the keeper before a lock cannot undo it. */
  let unlockChanges = 0;
  let restoring: Promise<void> | undefined;
  let deviceKeyPromise: Promise<CryptoKey> | undefined;
  let writes: Promise<unknown> = Promise.resolve();

  const setUnlocked = (key: SealingKey | undefined) => {
    unlocked = key;
    unlockChanges += 1;
  };

  /**
   * Runs account writes and unlocks of this object one at a time. A re-encryption must not start
   * over for every save that lands meanwhile (a steady stream of saves would starve it); the
   * snapshot check in `resealAll` still guards against writes from other connections.
   */
  const oneAtATime = <T>(write: () => Promise<T>): Promise<T> => {
    const run = writes.then(write, write);
    writes = run.catch(() => undefined);
    return run;
  };

  const deviceKey = () => {
    deviceKeyPromise ??= loadOrCreateDeviceKey(database, options.now).catch((error: unknown) => {
      deviceKeyPromise = undefined;
      throw error;
    });
    return deviceKeyPromise;
  };

  const passphraseRow = async () => {
    const row = await keyring.get(PASSPHRASE_ROW_ID);
    return row?.id === 'passphrase' ? row : undefined;
  };

  /** The unlocked key, if it belongs to the passphrase currently stored. */
  const unlockedFor = (row: PassphraseRow | undefined) =>
    row && unlocked?.salt && bytesEqual(unlocked.salt, row.salt) ? unlocked : undefined;

  /** The passphrase key of `row` made from raw bits, if they open its check value. */
  const keyFromBits = async (
    row: PassphraseRow,
    bits: Uint8Array<ArrayBuffer>,
  ): Promise<SealingKey | undefined> => {
    try {
      const key = await importPassphraseKey(bits);
      await unseal(key, row.check, PASSPHRASE_CHECK_CONTEXT);
      return { sealedBy: 'passphrase', key, salt: row.salt };
    } catch {
      return undefined;
    }
  };

  /**
   * Once per storage object (a service-worker life): takes up the unlock the keeper kept, if it
   * still opens the stored passphrase's check value; a stale or damaged one is dropped.
   */
  const restoreKeptUnlock = () => {
    restoring ??= (async () => {
      if (!keeper) return;
      const changesBefore = unlockChanges;
      const bits = await keeper.get();
      if (!bits) return;
      const row = await passphraseRow();
      const key = row && (await keyFromBits(row, bits));
      if (unlockChanges !== changesBefore) return;
      if (key) setUnlocked(key);
      else await keeper.clear();
    })()
      // A keeper that cannot be read leaves the keys locked: the person unlocks once more.
      .catch(() => undefined);
    return restoring;
  };

  /** The key new secrets are sealed under right now. */
  const sealingKey = async (): Promise<SealingKey> => {
    await restoreKeptUnlock();
    const row = await passphraseRow();
    if (!row) return { sealedBy: 'device', key: await deviceKey() };
    const key = unlockedFor(row);
    if (!key) throw new VaultLockedError();
    return key;
  };

  const openingKey = async (sealedBy: SealedBy): Promise<CryptoKey> => {
    if (sealedBy === 'device') return deviceKey();
    await restoreKeptUnlock();
    const key = unlockedFor(await passphraseRow());
    if (!key) throw new VaultLockedError();
    return key.key;
  };

  /** Whether `key` is still the one new secrets must be sealed under (checked inside a write). */
  const stillSealingWith = async (key: SealingKey) => {
    const row = await passphraseRow();
    if (key.sealedBy === 'device') return row === undefined;
    return row !== undefined && key.salt !== undefined && bytesEqual(row.salt, key.salt);
  };

  /**
   * Derives the key of `passphrase` for the stored passphrase row, with its raw bits for the
   * keeper, or throws if the passphrase is wrong.
   */
  const verifyPassphrase = async (row: PassphraseRow, passphrase: string) => {
    const bits = await derivePassphraseBits(passphrase, row.salt, row.iterations);
    const key = await keyFromBits(row, bits);
    if (!key) throw new WrongPassphraseError();
    return { key, bits };
  };

  /** Encrypts an API key under the current key, with the fields an account row keeps of it. */
  const sealApiKey = async (provider: string, apiKey: string) => {
    const sealing = await sealingKey();
    const sealedKey = await seal(sealing.key, apiKey, apiKeyContext(provider));
    return {
      sealing,
      fields: { sealedKey, sealedBy: sealing.sealedBy, maskedKey: maskApiKey(apiKey) },
    };
  };

  const saveOnce = async (input: ProviderAccountInput): Promise<ProviderAccountSummary> => {
    const provider = validProvider(input.provider);
    const apiKey = typeof input.apiKey === 'string' ? validApiKey(input.apiKey) : input.apiKey;
    const baseUrl = typeof input.baseUrl === 'string' ? validBaseUrl(input.baseUrl) : input.baseUrl;
    const sealed = typeof apiKey === 'string' ? await sealApiKey(provider, apiKey) : undefined;

    return database.transaction('rw', [accounts, keyring], async () => {
      if (sealed && !(await stillSealingWith(sealed.sealing))) throw new StaleSnapshotError();
      const time = options.now();
      const existing = await accounts.get(provider);
      const row: AccountRow = {
        ...existing,
        provider,
        createdAt: existing?.createdAt ?? time,
        updatedAt: time,
      };
      if (baseUrl === null) delete row.baseUrl;
      if (typeof baseUrl === 'string') row.baseUrl = baseUrl;
      if (input.enabled === false) row.enabled = false;
      if (input.enabled === true) delete row.enabled;
      // A new key or address has not been tested: the old verdict no longer holds.
      if (apiKey !== undefined || (baseUrl !== undefined && baseUrl !== existing?.baseUrl))
        delete row.check;
      if (apiKey === null) {
        delete row.sealedKey;
        delete row.sealedBy;
        delete row.maskedKey;
      }
      if (sealed) Object.assign(row, sealed.fields);
      await accounts.put(row);
      return toSummary(row);
    });
  };

  /**
   * Decrypts every stored key with `current` (or the device key) and encrypts it under `target`,
   * then writes them and the keyring change in one transaction — or starts over if a key was
   * saved or removed in between, so no key is ever left behind under the old protection. Only
   * the key fields are written: a concurrent change of an endpoint URL is kept.
   */
  const resealAll = async (
    current: CurrentKey,
    target: SealingKey,
    changeKeyring: () => Promise<unknown>,
    afterWrite: () => void,
  ) => {
    const snapshot = await accounts.toArray();
    const resealed: Array<{ key: string; changes: Pick<AccountRow, 'sealedKey' | 'sealedBy'> }> =
      [];
    for (const row of snapshot) {
      if (!row.sealedKey || !row.sealedBy) continue;
      const opening = row.sealedBy === 'device' ? await deviceKey() : current.key.key;
      const context = apiKeyContext(row.provider);
      const plain = await unseal(opening, row.sealedKey, context);
      const sealedKey = await seal(target.key, plain, context);
      resealed.push({ key: row.provider, changes: { sealedKey, sealedBy: target.sealedBy } });
    }
    await database.transaction('rw', [accounts, keyring], async () => {
      const unchanged =
        sameKeys(snapshot, await accounts.toArray()) &&
        samePassphrase(current.row, await passphraseRow());
      if (!unchanged) throw new StaleSnapshotError();
      await accounts.bulkUpdate(resealed);
      await changeKeyring();
      // Switch keys before the commit settles, so a save retried right after sees the new one.
      // Harmless if the commit fails: a key only counts for the passphrase row it matches.
      afterWrite();
    });
  };

  /** The key that opens what is sealed now, checking `currentPassphrase` when one is set. */
  const currentKeyWith = async (currentPassphrase: string | undefined): Promise<CurrentKey> => {
    const row = await passphraseRow();
    if (!row) return { row, key: { sealedBy: 'device', key: await deviceKey() } };
    if (currentPassphrase === undefined) {
      throw new WrongPassphraseError('Enter the current passphrase.');
    }
    return { row, key: (await verifyPassphrase(row, currentPassphrase)).key };
  };

  /** Re-encrypts every key under a new passphrase and leaves them unlocked. */
  const protectWith = async (passphrase: string, currentPassphrase: string | undefined) => {
    validPassphrase(passphrase);
    const current = await currentKeyWith(currentPassphrase);
    const salt = randomSalt();
    const bits = await derivePassphraseBits(passphrase, salt, iterations);
    const key = await importPassphraseKey(bits);
    const row: PassphraseRow = {
      id: 'passphrase',
      salt,
      iterations,
      check: await seal(key, PASSPHRASE_CHECK_TEXT, PASSPHRASE_CHECK_CONTEXT),
      createdAt: options.now(),
    };
    const target: SealingKey = { sealedBy: 'passphrase', key, salt };
    await resealAll(
      current,
      target,
      () => keyring.put(row),
      () => setUnlocked(target),
    );
    await keeper?.set(bits);
  };

  /** Re-encrypts every key under the device key and forgets the passphrase. */
  const unprotect = async (currentPassphrase: string) => {
    const current = await currentKeyWith(currentPassphrase);
    if (!current.row) return;
    const target: SealingKey = { sealedBy: 'device', key: await deviceKey() };
    const forget = () => setUnlocked(undefined);
    await resealAll(current, target, () => keyring.delete(PASSPHRASE_ROW_ID), forget);
    await keeper?.clear();
  };

  return {
    list: async () => (await accounts.orderBy('provider').toArray()).map(toSummary),
    get: async (provider) => {
      const row = await accounts.get(provider);
      return row && toSummary(row);
    },
    save: (input) => oneAtATime(() => retryOnStale(() => saveOnce(input))),
    remove: (provider) => oneAtATime(() => accounts.delete(provider)),
    recordCheck: (provider, check) =>
      oneAtATime(async () => {
        await accounts.update(provider, { check });
      }),
    getApiKey: async (provider) => {
      const row = await accounts.get(provider);
      if (!row?.sealedKey || !row.sealedBy) return undefined;
      return unseal(await openingKey(row.sealedBy), row.sealedKey, apiKeyContext(provider));
    },
    lockStatus: async () => {
      await restoreKeptUnlock();
      const row = await passphraseRow();
      if (!row) return 'none';
      return unlockedFor(row) ? 'unlocked' : 'locked';
    },
    setPassphrase: (passphrase, currentPassphrase) =>
      oneAtATime(() => retryOnStale(() => protectWith(passphrase, currentPassphrase))),
    removePassphrase: (currentPassphrase) =>
      oneAtATime(() => retryOnStale(() => unprotect(currentPassphrase))),
    unlock: (passphrase) =>
      oneAtATime(async () => {
        const row = await passphraseRow();
        if (!row) return;
        const { key, bits } = await verifyPassphrase(row, passphrase);
        setUnlocked(key);
        await keeper?.set(bits);
      }),
    lock: async () => {
      setUnlocked(undefined);
      await keeper?.clear();
    },
  };
}

/**
 * The device key, created on first use. Two first uses at once may both generate a key; the
 * transaction stores only the first and both use the stored one.
 */
async function loadOrCreateDeviceKey(
  database: BrokerDatabase,
  now: () => number,
): Promise<CryptoKey> {
  const stored = await database.keyring.get(DEVICE_KEY_ID);
  if (stored?.id === 'device') return stored.key;
  // WebCrypto calls cannot run inside an IndexedDB transaction (it would commit meanwhile).
  const candidate = await generateDeviceKey();
  return database.transaction('rw', database.keyring, async () => {
    const existing = await database.keyring.get(DEVICE_KEY_ID);
    if (existing?.id === 'device') return existing.key;
    const row: DeviceKeyRow = { id: 'device', key: candidate, createdAt: now() };
    await database.keyring.put(row);
    return candidate;
  });
}

async function retryOnStale<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof StaleSnapshotError) || attempt >= MAX_RESEAL_TRIES) throw error;
    }
  }
}

/**
 * An API key with all but a few characters hidden: `sk-…abcd` for a long key. Never shows more
 * than a quarter of it, so short keys show less (`…` alone below 8 characters).
 */
export function maskApiKey(apiKey: string): string {
  const shown = Math.min(4, Math.floor(apiKey.length / 8));
  const prefix = apiKey.slice(0, Math.min(3, shown));
  const suffix = shown > 0 ? apiKey.slice(-shown) : '';
  return `${prefix}…${suffix}`;
}

/** Bound into each ciphertext, so a key copied onto another provider's row does not decrypt. */
function apiKeyContext(provider: string): string {
  return `llm-broker/api-key/${provider}`;
}

function toSummary(row: AccountRow): ProviderAccountSummary {
  const summary: ProviderAccountSummary = {
    provider: row.provider,
    hasKey: row.sealedKey !== undefined,
    maskedKey: row.maskedKey ?? null,
    enabled: row.enabled !== false,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
  if (row.baseUrl !== undefined) summary.baseUrl = row.baseUrl;
  if (row.check !== undefined) summary.check = row.check;
  return summary;
}

/** Whether the same accounts hold the same encrypted keys (an account without one counts too). */
function sameKeys(before: AccountRow[], after: AccountRow[]): boolean {
  if (before.length !== after.length) return false;
  return before.every((row, index) => {
    const other = after[index];
    return other?.provider === row.provider && sameSealed(row.sealedKey, other.sealedKey);
  });
}

/** Every encryption draws a fresh IV, so equal IVs mean the same ciphertext. */
function sameSealed(left: SealedSecret | undefined, right: SealedSecret | undefined): boolean {
  if (!left || !right) return left === right;
  return bytesEqual(left.iv, right.iv);
}

function samePassphrase(
  left: PassphraseRow | undefined,
  right: PassphraseRow | undefined,
): boolean {
  if (!left || !right) return left === right;
  return bytesEqual(left.salt, right.salt);
}

function validProvider(provider: string): string {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(provider)) {
    throw new TypeError(`Not a provider id: ${JSON.stringify(provider)}`);
  }
  return provider;
}

/** Keys pasted from a dashboard often carry a newline or spaces; no key contains them. */
function validApiKey(apiKey: string): string {
  const trimmed = apiKey.trim();
  if (trimmed === '') throw new TypeError('The API key is empty.');
  return trimmed;
}

function validBaseUrl(baseUrl: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(baseUrl.trim());
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TypeError(`Not an http(s) URL: ${JSON.stringify(baseUrl)}`);
  }
  return parsed.href.replace(/\/+$/, '');
}

function validPassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new RangeError(`The passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters.`);
  }
  if (passphrase.length > MAX_PASSPHRASE_LENGTH) {
    throw new RangeError(
      `The passphrase can have at most ${MAX_PASSPHRASE_LENGTH.toLocaleString('en-US')} characters.`,
    );
  }
}
