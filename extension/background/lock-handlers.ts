/**
 * The passphrase lock's calls from the extension's pages. Passphrases are checked here before
 * PBKDF2 runs on them; after any change the broker drops the keys it read, so the next request
 * sees the new state (locked keys are passed over, unlocked ones used).
 */
import { LlmError } from '../../src/protocol/llm-errors';
import { MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH } from '../../src/storage/storage-accounts';
import type { UiMethods } from '../messaging/ui-channel';
import type { AutoLock } from './auto-lock';
import type { BackgroundServices } from './background-services';

type LockMethod = 'getLockStatus' | 'setPassphrase' | 'removePassphrase' | 'unlock' | 'lock';
type LockHandlers = {
  [M in LockMethod]: (params: UiMethods[M]['params']) => Promise<UiMethods[M]['result']>;
};

function invalid(message: string): LlmError {
  return new LlmError({ name: 'TypeError', message });
}

/** A passphrase field of `params`: a string no longer than the limit (a new one: long enough). */
function passphraseField(params: unknown, field: string, kind: 'new' | 'entered'): string {
  const value =
    params && typeof params === 'object' ? (params as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string' || value === '') {
    const what = field === 'currentPassphrase' ? 'your current' : kind === 'new' ? 'a' : 'your';
    throw invalid(`Enter ${what} passphrase.`);
  }
  if (value.length > MAX_PASSPHRASE_LENGTH) {
    throw invalid(`At most ${MAX_PASSPHRASE_LENGTH.toLocaleString('en-US')} characters.`);
  }
  if (kind === 'new' && value.length < MIN_PASSPHRASE_LENGTH) {
    throw invalid(`At least ${MIN_PASSPHRASE_LENGTH} characters.`);
  }
  return value;
}

/**
 * The change itself succeeded; an alarm that could not be set is logged, not reported as its
 * failure. The next use of a key still checks the deadline (auto-lock.ts).
 */
export async function syncAutoLock(autoLock: Pick<AutoLock, 'sync'> | undefined): Promise<void> {
  try {
    await autoLock?.sync();
  } catch (error) {
    console.error('LLM Broker: arming the automatic lock failed', error);
  }
}

function hasField(params: unknown, field: string): boolean {
  return params !== null && typeof params === 'object' && field in params;
}

export function createLockHandlers(
  services: Pick<BackgroundServices, 'storage' | 'broker'> & {
    autoLock?: Pick<AutoLock, 'sync'>;
  },
): LockHandlers {
  const { storage, broker, autoLock } = services;
  const { accounts } = storage;

  /**
   * Runs a change, then has the broker read the keys afresh, arms or clears the automatic lock's
   * alarm, and reports the new state.
   */
  const changed = async (change: Promise<void>) => {
    await change;
    broker.accountsChanged();
    await syncAutoLock(autoLock);
    return accounts.lockStatus();
  };

  return {
    getLockStatus: () => accounts.lockStatus(),
    async setPassphrase(params) {
      const passphrase = passphraseField(params, 'passphrase', 'new');
      const current = hasField(params, 'currentPassphrase')
        ? passphraseField(params, 'currentPassphrase', 'entered')
        : undefined;
      return changed(accounts.setPassphrase(passphrase, current));
    },
    async removePassphrase(params) {
      return changed(
        accounts.removePassphrase(passphraseField(params, 'currentPassphrase', 'entered')),
      );
    },
    async unlock(params) {
      return changed(accounts.unlock(passphraseField(params, 'passphrase', 'entered')));
    },
    lock: () => changed(accounts.lock()),
  };
}
