/**
 * The passphrase unlock kept across service-worker restarts: the derived key's bits go to an
 * `UnlockKeeper` (in the extension, chrome.storage.session), and a fresh storage object — what a
 * restarted worker gets — takes the unlock up again if the bits still open the stored check value.
 * The keeper here is an in-memory fake: the extension's one is a thin wrapper over the browser.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH } from '../../src/storage/storage-accounts';
import { type BrokerStorage, createBrokerStorage } from '../../src/storage/storage-broker';
import { VaultLockedError } from '../../src/storage/storage-errors';
import type { UnlockKeeper } from '../../src/storage/storage-types';
import { freshDatabaseName, TEST_PASSPHRASE_ITERATIONS } from './storage-test-helpers';

const OPENAI_KEY = 'sk-proj-unlock-keeper-0123456789abcdef';
const PASSPHRASE = 'correct horse battery staple';

/** Session memory as the browser keeps it: one value, outliving any one storage object. */
class FakeKeeper implements UnlockKeeper {
  bits: Uint8Array<ArrayBuffer> | undefined;
  /** Set to hold `get()` until the test resolves it. */
  pendingGet: Promise<void> | undefined;
  failGet = false;

  async get() {
    if (this.failGet) throw new Error('session storage is unavailable');
    // What was read stays what was read, even if the value changes before the answer arrives.
    const bits = this.bits && new Uint8Array(this.bits);
    await this.pendingGet;
    return bits;
  }
  async set(bits: Uint8Array<ArrayBuffer>) {
    this.bits = new Uint8Array(bits);
  }
  async clear() {
    this.bits = undefined;
  }
}

let opened: BrokerStorage[] = [];
afterEach(() => {
  for (const storage of opened) storage.close();
  opened = [];
});

/** One database; `worker()` opens it as one service-worker life does, sharing the keeper. */
function browserSession(keeper = new FakeKeeper()) {
  const databaseName = freshDatabaseName('unlock-keeper');
  const worker = (withKeeper: UnlockKeeper | undefined = keeper) => {
    const storage = createBrokerStorage(databaseName, {
      passphraseIterations: TEST_PASSPHRASE_ITERATIONS,
      ...(withKeeper && { unlockKeeper: withKeeper }),
    });
    opened.push(storage);
    return storage;
  };
  return { keeper, worker };
}

describe('an unlock kept across service-worker restarts', () => {
  it('keeps the derived key after unlock, and a restarted worker is still unlocked', async () => {
    const { keeper, worker } = browserSession();
    const first = worker();
    await first.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await first.accounts.setPassphrase(PASSPHRASE);
    await first.accounts.lock();
    expect(keeper.bits).toBeUndefined();

    await first.accounts.unlock(PASSPHRASE);
    // 256 key bits, not the passphrase.
    expect(keeper.bits).toHaveLength(32);
    expect(Buffer.from(keeper.bits!).includes(Buffer.from(PASSPHRASE))).toBe(false);

    const restarted = worker();
    expect(await restarted.accounts.lockStatus()).toBe('unlocked');
    expect(await restarted.accounts.getApiKey('openai')).toBe(OPENAI_KEY);
  });

  it('keeps the new key when a passphrase is set or changed', async () => {
    const { worker } = browserSession();
    const first = worker();
    await first.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await first.accounts.setPassphrase(PASSPHRASE);
    expect(await worker().accounts.getApiKey('openai')).toBe(OPENAI_KEY);

    await first.accounts.setPassphrase('a brand new passphrase', PASSPHRASE);
    const restarted = worker();
    expect(await restarted.accounts.lockStatus()).toBe('unlocked');
    expect(await restarted.accounts.getApiKey('openai')).toBe(OPENAI_KEY);
  });

  it('lock() forgets the key in memory and in the keeper', async () => {
    const { keeper, worker } = browserSession();
    const first = worker();
    await first.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await first.accounts.setPassphrase(PASSPHRASE);
    await first.accounts.lock();
    expect(keeper.bits).toBeUndefined();
    expect(await first.accounts.lockStatus()).toBe('locked');

    const restarted = worker();
    expect(await restarted.accounts.lockStatus()).toBe('locked');
    await expect(restarted.accounts.getApiKey('openai')).rejects.toThrow(VaultLockedError);
  });

  it('removing the passphrase clears the keeper', async () => {
    const { keeper, worker } = browserSession();
    const first = worker();
    await first.accounts.setPassphrase(PASSPHRASE);
    expect(keeper.bits).toBeDefined();
    await first.accounts.removePassphrase(PASSPHRASE);
    expect(keeper.bits).toBeUndefined();
    expect(await worker().accounts.lockStatus()).toBe('none');
  });

  it('drops a kept key that no longer opens the stored passphrase', async () => {
    const { keeper, worker } = browserSession();
    const first = worker();
    await first.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await first.accounts.setPassphrase(PASSPHRASE);
    const oldBits = keeper.bits!;
    // Another context (with no keeper) changes the passphrase; the kept bits are now stale.
    await worker(undefined).accounts.setPassphrase('a brand new passphrase', PASSPHRASE);
    keeper.bits = oldBits;

    const restarted = worker();
    expect(await restarted.accounts.lockStatus()).toBe('locked');
    expect(keeper.bits).toBeUndefined();
    await restarted.accounts.unlock('a brand new passphrase');
    expect(await restarted.accounts.getApiKey('openai')).toBe(OPENAI_KEY);
  });

  it('drops kept bits that are damaged or of the wrong length', async () => {
    const { keeper, worker } = browserSession();
    await worker().accounts.setPassphrase(PASSPHRASE);
    for (const damaged of [new Uint8Array(32), new Uint8Array(7)]) {
      keeper.bits = damaged;
      expect(await worker().accounts.lockStatus()).toBe('locked');
      expect(keeper.bits).toBeUndefined();
    }
  });

  it('a lock made while a restart is still reading the keeper wins', async () => {
    const { keeper, worker } = browserSession();
    await worker().accounts.setPassphrase(PASSPHRASE);
    let release = () => {};
    keeper.pendingGet = new Promise((resolve) => {
      release = resolve;
    });
    const restarted = worker();
    const status = restarted.accounts.lockStatus();
    await restarted.accounts.lock();
    release();
    expect(await status).toBe('locked');
    expect(await restarted.accounts.lockStatus()).toBe('locked');
  });

  it('stays locked, without failing, when the keeper cannot be read', async () => {
    const { keeper, worker } = browserSession();
    const first = worker();
    await first.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await first.accounts.setPassphrase(PASSPHRASE);
    keeper.failGet = true;
    const restarted = worker();
    expect(await restarted.accounts.lockStatus()).toBe('locked');
    await expect(restarted.accounts.getApiKey('openai')).rejects.toThrow(VaultLockedError);
    await restarted.accounts.unlock(PASSPHRASE);
    expect(await restarted.accounts.getApiKey('openai')).toBe(OPENAI_KEY);
  });

  it('writes nothing to the keeper while no passphrase is set', async () => {
    const { keeper, worker } = browserSession();
    const storage = worker();
    await storage.accounts.save({ provider: 'openai', apiKey: OPENAI_KEY });
    await storage.accounts.unlock(PASSPHRASE);
    await storage.accounts.lock();
    expect(await storage.accounts.lockStatus()).toBe('none');
    expect(keeper.bits).toBeUndefined();
  });

  it(`refuses passphrases outside ${MIN_PASSPHRASE_LENGTH}–${MAX_PASSPHRASE_LENGTH} characters`, async () => {
    const { keeper, worker } = browserSession();
    const storage = worker();
    await expect(
      storage.accounts.setPassphrase('x'.repeat(MIN_PASSPHRASE_LENGTH - 1)),
    ).rejects.toThrow(RangeError);
    await expect(
      storage.accounts.setPassphrase('x'.repeat(MAX_PASSPHRASE_LENGTH + 1)),
    ).rejects.toThrow(/at most 1,024 characters/);
    await storage.accounts.setPassphrase('x'.repeat(MAX_PASSPHRASE_LENGTH));
    expect(keeper.bits).toHaveLength(32);
  });
});
