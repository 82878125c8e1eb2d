/**
 * The passphrase lock's UI calls: what they accept, what they refuse with a message a person can
 * act on, and that the broker forgets the keys it read after every change.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLockHandlers } from '../../../extension/background/lock-handlers';
import { findProvider } from '../../../src/providers/provider-registry';
import { loadBundledCatalog } from '../../../src/router';
import { Broker } from '../../../src/runtime/broker';
import type { BrokerStorage } from '../../../src/storage/storage-broker';
import { WrongPassphraseError } from '../../../src/storage/storage-errors';
import { openTestStorage } from '../../storage/storage-test-helpers';

const PASSPHRASE = 'correct horse battery staple';

let storage: BrokerStorage | undefined;
afterEach(() => storage?.close());

function handlers(autoLock?: { sync(): Promise<void> }) {
  storage = openTestStorage('lock-handlers').storage;
  const broker = new Broker({ storage, catalog: loadBundledCatalog(), findProvider });
  const accountsChanged = vi.spyOn(broker, 'accountsChanged');
  return {
    lock: createLockHandlers({ storage, broker, ...(autoLock && { autoLock }) }),
    accountsChanged,
  };
}

describe('the passphrase lock calls', () => {
  it('set, lock, unlock, change and remove, each answering the new state', async () => {
    const { lock, accountsChanged } = handlers();
    expect(await lock.getLockStatus(null)).toBe('none');
    expect(await lock.setPassphrase({ passphrase: PASSPHRASE })).toBe('unlocked');
    expect(await lock.lock(null)).toBe('locked');
    expect(await lock.unlock({ passphrase: PASSPHRASE })).toBe('unlocked');
    expect(
      await lock.setPassphrase({ passphrase: 'another passphrase', currentPassphrase: PASSPHRASE }),
    ).toBe('unlocked');
    expect(await lock.removePassphrase({ currentPassphrase: 'another passphrase' })).toBe('none');
    expect(accountsChanged).toHaveBeenCalledTimes(5);
  });

  it('refuses passphrases of the wrong type or length with messages a person can act on', async () => {
    const { lock, accountsChanged } = handlers();
    const refusals: Array<[Promise<unknown>, RegExp]> = [
      [lock.setPassphrase({ passphrase: 'short' }), /^At least 8 characters\.$/],
      [lock.setPassphrase({ passphrase: 'x'.repeat(1025) }), /^At most 1,024 characters\.$/],
      [lock.setPassphrase({ passphrase: '' }), /^Enter a passphrase\.$/],
      [lock.setPassphrase(null as never), /^Enter a passphrase\.$/],
      [lock.setPassphrase({ passphrase: 42 } as never), /^Enter a passphrase\.$/],
      [
        lock.setPassphrase({ passphrase: PASSPHRASE, currentPassphrase: '' }),
        /^Enter your current passphrase\.$/,
      ],
      [lock.unlock({ passphrase: ['x'] } as never), /^Enter your passphrase\.$/],
      [lock.removePassphrase({} as never), /^Enter your current passphrase\.$/],
    ];
    for (const [call, message] of refusals) {
      await expect(call).rejects.toMatchObject({
        name: 'TypeError',
        message: expect.stringMatching(message),
      });
    }
    expect(await lock.getLockStatus(null)).toBe('none');
    expect(accountsChanged).not.toHaveBeenCalled();
  });

  it('says "Wrong passphrase." and stays locked when the passphrase is wrong', async () => {
    const { lock } = handlers();
    await lock.setPassphrase({ passphrase: PASSPHRASE });
    await lock.lock(null);
    await expect(lock.unlock({ passphrase: 'not the passphrase' })).rejects.toThrow(
      new WrongPassphraseError('Wrong passphrase.'),
    );
    await expect(lock.removePassphrase({ currentPassphrase: 'not it either' })).rejects.toThrow(
      WrongPassphraseError,
    );
    expect(await lock.getLockStatus(null)).toBe('locked');
  });

  it('has the automatic lock re-check after every change, and a failed alarm fails no change', async () => {
    const sync = vi.fn(async () => {
      throw new Error('alarms are unavailable');
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { lock } = handlers({ sync });
    expect(await lock.setPassphrase({ passphrase: PASSPHRASE })).toBe('unlocked');
    expect(await lock.lock(null)).toBe('locked');
    expect(await lock.unlock({ passphrase: PASSPHRASE })).toBe('unlocked');
    expect(sync).toHaveBeenCalledTimes(3);
    expect(errors).toHaveBeenCalledTimes(3);
    errors.mockRestore();
  });
});
