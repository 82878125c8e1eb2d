/** Errors the storage layer raises on purpose; callers branch on `error.name`. */

/** A passphrase is set and has not been entered: API keys cannot be read or written. */
export class VaultLockedError extends Error {
  override readonly name = 'VaultLockedError';

  constructor(message = 'API keys are locked: enter the passphrase to unlock them.') {
    super(message);
  }
}

/** The passphrase given does not match the one the keys are locked with. */
export class WrongPassphraseError extends Error {
  override readonly name = 'WrongPassphraseError';

  constructor(message = 'Wrong passphrase.') {
    super(message);
  }
}

/** A ledger call does not fit the request's state (e.g. settling a request twice). */
export class LedgerStateError extends Error {
  override readonly name = 'LedgerStateError';
}
