import { afterEach, describe, expect, it } from 'vitest';
import { maskApiKey } from '../../src/storage/storage-accounts';
import { createBrokerStorage } from '../../src/storage/storage-broker';
import { DEFAULT_PASSPHRASE_ITERATIONS, unseal } from '../../src/storage/storage-crypto';
import { VaultLockedError, WrongPassphraseError } from '../../src/storage/storage-errors';
import type { AccountRow } from '../../src/storage/storage-types';
import {
  openTestStorage,
  TEST_PASSPHRASE_ITERATIONS,
  type TestStorage,
} from './storage-test-helpers';

const OPENAI_KEY = `sk-proj-${'Q7vX2mN9pL4kR8sT1wY6zB3cD5fG0hJ'.repeat(2)}abcd`;
const ANTHROPIC_KEY = 'sk-ant-api03-Zr5Yq1Wm8Nc3Vb7Xl2Kj6Hg4Fd9Sa0Pe-last';
const PASSPHRASE = 'correct horse battery staple';

let opened: Array<{ close(): void }> = [];
function open(): TestStorage {
  const test = openTestStorage('accounts');
  opened.push(test.storage);
  return test;
}
/** A second storage object on the same database: what a restarted service worker gets. */
function reopen(test: TestStorage) {
  const storage = createBrokerStorage(test.databaseName, {
    now: test.clock.now,
    passphraseIterations: TEST_PASSPHRASE_ITERATIONS,
  });
  opened.push(storage);
  return storage;
}
afterEach(() => {
  for (const storage of opened) storage.close();
  opened = [];
});

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Whether `haystack` holds the bytes of `needle` anywhere. */
function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle));
}

/** Every run of 8 characters of the key: none may appear in what the UI sees. */
function keyFragments(apiKey: string): string[] {
  return Array.from({ length: apiKey.length - 7 }, (_, index) => apiKey.slice(index, index + 8));
}

async function rawRow(test: TestStorage, provider: string): Promise<AccountRow> {
  const row = await test.storage.database.accounts.get(provider);
  if (!row) throw new Error(`no row for ${provider}`);
  return row;
}

describe('provider accounts: encryption at rest', () => {
  it('round-trips an API key and stores only ciphertext', async () => {
    const test = open();
    await test.storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    expect(await test.storage.accounts.getApiKey('openai')).toBe(OPENAI_KEY);

    const row = await rawRow(test, 'openai');
    expect(row.sealedBy).toBe('device');
    expect(row.sealedKey?.iv).toHaveLength(12);
    expect(containsBytes(row.sealedKey!.ciphertext, utf8(OPENAI_KEY))).toBe(false);
    // Nothing in the stored row spells the key or a long piece of it.
    const stored = JSON.stringify(row, (_, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
    );
    for (const fragment of keyFragments(OPENAI_KEY)) expect(stored).not.toContain(fragment);
  });

  it('draws a fresh IV for every save, so the same key never gives the same ciphertext', async () => {
    const test = open();
    await test.storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    const first = (await rawRow(test, 'openai')).sealedKey!;
    await test.storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    const second = (await rawRow(test, 'openai')).sealedKey!;
    expect(Buffer.from(second.iv).equals(Buffer.from(first.iv))).toBe(false);
    expect(Buffer.from(second.ciphertext).equals(Buffer.from(first.ciphertext))).toBe(false);
    expect(await test.storage.accounts.getApiKey('openai')).toBe(OPENAI_KEY);
  });

  it('keeps the device key in IndexedDB, non-extractable, and usable after a restart', async () => {
    const test = open();
    await test.storage.accounts.save({ provider: 'anthropic', apiKey: ANTHROPIC_KEY });
    const deviceRow = await test.storage.database.keyring.get('device');
    expect(deviceRow?.id).toBe('device');
    if (deviceRow?.id !== 'device') return;
    expect(deviceRow.key).toBeInstanceOf(CryptoKey);
    expect(deviceRow.key.extractable).toBe(false);
    expect(deviceRow.key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    await expect(crypto.subtle.exportKey('raw', deviceRow.key)).rejects.toThrow();

    test.storage.close();
    expect(await reopen(test).accounts.getApiKey('anthropic')).toBe(ANTHROPIC_KEY);
  });

  it('creates one device key even when the first saves race', async () => {
    const test = open();
    await Promise.all([
      test.storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY }),
      reopen(test).accounts.save({ provider: 'anthropic', apiKey: ANTHROPIC_KEY }),
    ]);
    expect(await test.storage.database.keyring.count()).toBe(1);
    const fresh = reopen(test);
    expect(await fresh.accounts.getApiKey('openai')).toBe(OPENAI_KEY);
    expect(await fresh.accounts.getApiKey('anthropic')).toBe(ANTHROPIC_KEY);
  });

  it('binds each ciphertext to its provider: a key copied onto another row does not decrypt', async () => {
    const test = open();
    await test.storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await test.storage.accounts.save({ provider: 'mistral', apiKey: 'mistral-key-0123456789' });
    const stolen = (await rawRow(test, 'openai')).sealedKey;
    await test.storage.database.accounts.update('mistral', { sealedKey: stolen });
    await expect(test.storage.accounts.getApiKey('mistral')).rejects.toThrow();
  });
});

describe('provider accounts: what the UI sees', () => {
  it('lists masked keys only, never the key or a piece of it', async () => {
    const test = open();
    await test.storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await test.storage.accounts.save({ provider: 'anthropic', apiKey: ANTHROPIC_KEY });
    await test.storage.accounts.save({ provider: 'ollama', baseUrl: 'http://127.0.0.1:11434/' });

    const listing = await test.storage.accounts.list();
    expect(listing.map((account) => account.provider)).toEqual(['anthropic', 'ollama', 'openai']);
    expect(listing.find((account) => account.provider === 'openai')?.maskedKey).toBe('sk-…abcd');
    expect(listing.find((account) => account.provider === 'ollama')).toMatchObject({
      hasKey: false,
      maskedKey: null,
      baseUrl: 'http://127.0.0.1:11434',
    });
    const shown = JSON.stringify([listing, await test.storage.accounts.get('anthropic')]);
    for (const apiKey of [OPENAI_KEY, ANTHROPIC_KEY]) {
      for (const fragment of keyFragments(apiKey)) expect(shown).not.toContain(fragment);
    }
    expect(shown).not.toContain('sealed');
    expect(shown).not.toContain('ciphertext');
  });

  it('masks never more than a quarter of a key', () => {
    expect(maskApiKey(OPENAI_KEY)).toBe('sk-…abcd');
    expect(maskApiKey('abcdefghijklmnop')).toBe('ab…op');
    expect(maskApiKey('short')).toBe('…');
    for (const apiKey of ['12345678', 'abcdefghijklmnopqrstuvwx', OPENAI_KEY]) {
      const visible = maskApiKey(apiKey).replace('…', '').length;
      expect(visible).toBeLessThanOrEqual(apiKey.length / 4);
    }
  });

  it('keeps what a save leaves out, removes what it sets to null, and deletes accounts', async () => {
    const test = open();
    await test.storage.accounts.save({
      provider: 'openrouter',
      apiKey: `  ${OPENAI_KEY}\n`,
      baseUrl: 'https://openrouter.ai/api/v1',
    });
    expect(await test.storage.accounts.getApiKey('openrouter')).toBe(OPENAI_KEY); // trimmed
    await test.storage.accounts.save({
      provider: 'openrouter',
      baseUrl: 'https://gateway.example/v1',
    });
    expect(await test.storage.accounts.getApiKey('openrouter')).toBe(OPENAI_KEY);
    const cleared = await test.storage.accounts.save({
      provider: 'openrouter',
      apiKey: null,
      baseUrl: null,
    });
    expect(cleared).toMatchObject({ hasKey: false, maskedKey: null });
    expect(cleared.baseUrl).toBeUndefined();
    expect(await test.storage.accounts.getApiKey('openrouter')).toBeUndefined();
    await test.storage.accounts.remove('openrouter');
    expect(await test.storage.accounts.list()).toEqual([]);
  });

  it('refuses malformed provider ids, empty keys and non-http base URLs', async () => {
    const { storage } = open();
    await expect(storage.accounts.save({ provider: '', apiKey: OPENAI_KEY })).rejects.toThrow(
      TypeError,
    );
    await expect(storage.accounts.save({ provider: 'a b', apiKey: OPENAI_KEY })).rejects.toThrow(
      TypeError,
    );
    await expect(storage.accounts.save({ provider: 'openai', apiKey: '   ' })).rejects.toThrow(
      TypeError,
    );
    await expect(
      storage.accounts.save({ provider: 'ollama', baseUrl: 'file:///etc' }),
    ).rejects.toThrow(TypeError);
    expect(await storage.accounts.list()).toEqual([]);
  });
});

describe('provider accounts: passphrase lock', () => {
  it('locks keys behind the passphrase; wrong passphrases do not open them', async () => {
    const test = open();
    const { accounts } = test.storage;
    await accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    expect(await accounts.lockStatus()).toBe('none');

    await accounts.setPassphrase(PASSPHRASE);
    expect(await accounts.lockStatus()).toBe('unlocked');
    expect(await accounts.getApiKey('openai')).toBe(OPENAI_KEY);

    accounts.lock();
    expect(await accounts.lockStatus()).toBe('locked');
    await expect(accounts.getApiKey('openai')).rejects.toThrow(VaultLockedError);
    await expect(accounts.save({ provider: 'anthropic', apiKey: ANTHROPIC_KEY })).rejects.toThrow(
      VaultLockedError,
    );
    // The options page can still list accounts while locked.
    expect((await accounts.list())[0]?.maskedKey).toBe('sk-…abcd');

    await expect(accounts.unlock('not the passphrase')).rejects.toThrow(WrongPassphraseError);
    expect(await accounts.lockStatus()).toBe('locked');
    await accounts.unlock(PASSPHRASE);
    expect(await accounts.getApiKey('openai')).toBe(OPENAI_KEY);
  });

  it('re-encrypts stored keys so the device key alone no longer opens them', async () => {
    const test = open();
    await test.storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await test.storage.accounts.setPassphrase(PASSPHRASE);

    const row = await rawRow(test, 'openai');
    expect(row.sealedBy).toBe('passphrase');
    const deviceRow = await test.storage.database.keyring.get('device');
    if (deviceRow?.id !== 'device') throw new Error('no device key');
    await expect(
      unseal(deviceRow.key, row.sealedKey!, 'llm-broker/api-key/openai'),
    ).rejects.toThrow();
    // Neither the passphrase nor a derived key is stored anywhere.
    const keyring = await test.storage.database.keyring.toArray();
    expect(JSON.stringify(keyring)).not.toContain(PASSPHRASE);
    expect(
      keyring.filter((entry) => entry.id !== 'device').every((entry) => !('key' in entry)),
    ).toBe(true);
  });

  it('starts locked in a restarted worker, and a new key saved while unlocked stays locked too', async () => {
    const test = open();
    await test.storage.accounts.setPassphrase(PASSPHRASE);
    await test.storage.accounts.save({ provider: 'anthropic', apiKey: ANTHROPIC_KEY });
    expect((await rawRow(test, 'anthropic')).sealedBy).toBe('passphrase');

    const restarted = reopen(test);
    expect(await restarted.accounts.lockStatus()).toBe('locked');
    await expect(restarted.accounts.getApiKey('anthropic')).rejects.toThrow(VaultLockedError);
    await restarted.accounts.unlock(PASSPHRASE);
    expect(await restarted.accounts.getApiKey('anthropic')).toBe(ANTHROPIC_KEY);
  });

  it('changes the passphrase only with the current one, and the old one stops working', async () => {
    const test = open();
    const { accounts } = test.storage;
    await accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await accounts.setPassphrase(PASSPHRASE);
    await expect(accounts.setPassphrase('a brand new passphrase')).rejects.toThrow(
      WrongPassphraseError,
    );
    await expect(
      accounts.setPassphrase('a brand new passphrase', 'wrong passphrase'),
    ).rejects.toThrow(WrongPassphraseError);
    await accounts.setPassphrase('a brand new passphrase', PASSPHRASE);
    expect(await accounts.getApiKey('openai')).toBe(OPENAI_KEY);

    const restarted = reopen(test);
    await expect(restarted.accounts.unlock(PASSPHRASE)).rejects.toThrow(WrongPassphraseError);
    await restarted.accounts.unlock('a brand new passphrase');
    expect(await restarted.accounts.getApiKey('openai')).toBe(OPENAI_KEY);
  });

  it('a worker unlocked with an old passphrase counts as locked after a change elsewhere', async () => {
    const test = open();
    await test.storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await test.storage.accounts.setPassphrase(PASSPHRASE);
    const other = reopen(test);
    await other.accounts.unlock(PASSPHRASE);
    await test.storage.accounts.setPassphrase('a brand new passphrase', PASSPHRASE);
    expect(await other.accounts.lockStatus()).toBe('locked');
    await expect(other.accounts.getApiKey('openai')).rejects.toThrow(VaultLockedError);
  });

  it('goes back to the device key when the passphrase is removed', async () => {
    const test = open();
    await test.storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await test.storage.accounts.setPassphrase(PASSPHRASE);
    await expect(test.storage.accounts.removePassphrase('wrong passphrase')).rejects.toThrow(
      WrongPassphraseError,
    );
    await test.storage.accounts.removePassphrase(PASSPHRASE);
    expect(await test.storage.accounts.lockStatus()).toBe('none');
    expect((await rawRow(test, 'openai')).sealedBy).toBe('device');
    expect(await reopen(test).accounts.getApiKey('openai')).toBe(OPENAI_KEY);
  });

  it('leaves no key under the device key when saves race a new passphrase', async () => {
    const test = open();
    const { accounts } = test.storage;
    await accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    const keys = new Map<string, string>([['openai', OPENAI_KEY]]);
    let passphraseSet = false;
    // Saves keep coming, one after another, before, during and after the re-encryption.
    const keepSaving = async () => {
      for (let index = 0; !passphraseSet || index < 3; index += 1) {
        const provider = `provider-${index % 7}`;
        const apiKey = `key-${index}-0123456789abcdef`;
        keys.set(provider, apiKey);
        await accounts.save({ provider, apiKey });
      }
    };
    // Another connection (another extension context) saves too; it is not unlocked, so once
    // the passphrase is in place its saves are refused rather than stored under the device key.
    const other = reopen(test);
    const otherSaves = ['anthropic', 'google', 'mistral'].map(async (provider) => {
      const apiKey = `${provider}-0123456789abcdef`;
      try {
        await other.accounts.save({ provider, apiKey });
        keys.set(provider, apiKey);
      } catch (error) {
        expect(error).toBeInstanceOf(VaultLockedError);
      }
    });
    const setting = accounts.setPassphrase(PASSPHRASE).finally(() => {
      passphraseSet = true;
    });
    await Promise.all([setting, keepSaving(), keepSaving(), ...otherSaves]);

    const rows = await test.storage.database.accounts.toArray();
    expect(rows.map((row) => row.provider).sort()).toEqual([...keys.keys()].sort());
    expect(rows.every((row) => row.sealedBy === 'passphrase')).toBe(true);
    for (const [provider, apiKey] of keys) {
      expect(await accounts.getApiKey(provider)).toBe(apiKey);
    }
  });

  it('refuses passphrases shorter than 8 characters', async () => {
    const { storage } = open();
    await expect(storage.accounts.setPassphrase('short')).rejects.toThrow(RangeError);
    expect(await storage.accounts.lockStatus()).toBe('none');
  });

  it('stores the real PBKDF2 cost by default', async () => {
    const test = openTestStorage('accounts-default-cost');
    const storage = createBrokerStorage(test.databaseName);
    opened.push(test.storage, storage);
    await storage.accounts.setPassphrase(PASSPHRASE);
    const row = await storage.database.keyring.get('passphrase');
    expect(row?.id === 'passphrase' && row.iterations).toBe(DEFAULT_PASSPHRASE_ITERATIONS);
    expect(row?.id === 'passphrase' && row.salt).toHaveLength(16);
  });
});
