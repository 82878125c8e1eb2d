/**
 * The passphrase lock's forms: set or change, unlock, remove. Each runs one UI call, shows
 * progress while PBKDF2 works (600,000 rounds take a moment) and the background's error inline.
 * And the automatic lock's setting, saved as soon as it is chosen.
 */
import type { Ref } from 'preact';
import { useRef, useState } from 'preact/hooks';
import {
  MAX_PASSPHRASE_LENGTH,
  MIN_PASSPHRASE_LENGTH,
} from '../../../src/storage/storage-accounts';
import { AUTO_LOCK_MINUTES, type AutoLockMinutes } from '../../../src/storage/storage-auto-lock';
import { uiCall } from '../components/ui-client';
import { ConfirmDialog, useToast } from '../components/ui-kit';

const DERIVING = 'Deriving the key from your passphrase — this takes a moment…';

/** One call at a time, with its progress and its error. Resolves true when it succeeded. */
function useLockCall() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const run = async (call: () => Promise<unknown>) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await call();
      return true;
    } catch (error) {
      setProblem((error as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, problem, run };
}

function Progress(props: { busy: boolean; problem: string | undefined }) {
  return (
    <>
      {props.busy && (
        <p class="muted small" role="status">
          {DERIVING}
        </p>
      )}
      {props.problem && (
        <div class="notice danger" role="alert">
          {props.problem}
        </div>
      )}
    </>
  );
}

/** What the length of a new passphrase is worth; length is what slows a guesser down most. */
function strengthHint(length: number): string {
  if (length === 0) {
    return `At least ${MIN_PASSPHRASE_LENGTH} characters. A few unrelated words are easy to remember and hard to guess.`;
  }
  if (length < MIN_PASSPHRASE_LENGTH) {
    return `At least ${MIN_PASSPHRASE_LENGTH} characters (${MIN_PASSPHRASE_LENGTH - length} more).`;
  }
  if (length > MAX_PASSPHRASE_LENGTH) {
    return `At most ${MAX_PASSPHRASE_LENGTH.toLocaleString('en-US')} characters.`;
  }
  if (length < 12) return 'Long enough, but easy to guess offline: longer is much stronger.';
  if (length < 20) return 'Good. Longer is stronger still.';
  return 'Strong.';
}

function PassphraseInput(props: {
  id: string;
  label: string;
  value: string;
  autocomplete: 'new-password' | 'current-password';
  onInput(value: string): void;
  hint?: string;
  error?: string;
  inputRef?: Ref<HTMLInputElement>;
}) {
  const described = props.error ?? props.hint;
  return (
    <label class="field">
      {props.label}
      <input
        id={props.id}
        ref={props.inputRef}
        type="password"
        autocomplete={props.autocomplete}
        spellcheck={false}
        maxLength={MAX_PASSPHRASE_LENGTH}
        value={props.value}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described ? `${props.id}-hint` : undefined}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      {props.error ? (
        <span id={`${props.id}-hint`} class="field-error">
          {props.error}
        </span>
      ) : (
        props.hint && (
          <span id={`${props.id}-hint`} class="hint">
            {props.hint}
          </span>
        )
      )}
    </label>
  );
}

/** Sets the first passphrase, or (with `change`) replaces the current one. */
export function NewPassphraseForm(props: {
  change: boolean;
  onDone(): void;
  onCancel?: () => void;
}) {
  const [current, setCurrent] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const { busy, problem, run } = useLockCall();
  const lengthOk =
    passphrase.length >= MIN_PASSPHRASE_LENGTH && passphrase.length <= MAX_PASSPHRASE_LENGTH;
  const mismatch = confirm !== '' && confirm !== passphrase;
  const ready = lengthOk && confirm === passphrase && (!props.change || current !== '');

  async function submit(event: Event) {
    event.preventDefault();
    if (!ready || busy) return;
    const params = props.change ? { passphrase, currentPassphrase: current } : { passphrase };
    if (await run(() => uiCall('setPassphrase', params))) props.onDone();
  }

  return (
    <form
      class="stack"
      onSubmit={submit}
      aria-label={props.change ? 'Change passphrase' : 'Set a passphrase'}
    >
      <div class="card-grid">
        {props.change && (
          <PassphraseInput
            id="lock-current"
            label="Current passphrase"
            autocomplete="current-password"
            value={current}
            onInput={setCurrent}
          />
        )}
        <PassphraseInput
          id="lock-new"
          label={props.change ? 'New passphrase' : 'Passphrase'}
          autocomplete="new-password"
          value={passphrase}
          onInput={setPassphrase}
          hint={strengthHint(passphrase.length)}
        />
        <PassphraseInput
          id="lock-confirm"
          label="Repeat it"
          autocomplete="new-password"
          value={confirm}
          onInput={setConfirm}
          {...(mismatch && { error: 'The two passphrases differ.' })}
        />
      </div>
      <Progress busy={busy} problem={problem} />
      <div class="row">
        <button type="submit" class="primary" disabled={!ready || busy}>
          {busy ? 'Encrypting your keys…' : props.change ? 'Change passphrase' : 'Set passphrase'}
        </button>
        {props.onCancel && (
          <button type="button" disabled={busy} onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

export function UnlockForm(props: { onDone(): void }) {
  const [passphrase, setPassphrase] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const { busy, problem, run } = useLockCall();

  async function submit(event: Event) {
    event.preventDefault();
    if (passphrase === '' || busy) return;
    if (await run(() => uiCall('unlock', { passphrase }))) {
      props.onDone();
    } else {
      input.current?.select();
    }
  }

  return (
    <form class="stack" onSubmit={submit} aria-label="Unlock">
      <div class="row" style={{ alignItems: 'flex-end', maxWidth: '520px' }}>
        <div class="grow">
          <PassphraseInput
            id="lock-unlock"
            label="Passphrase"
            autocomplete="current-password"
            value={passphrase}
            onInput={setPassphrase}
            inputRef={input}
          />
        </div>
        <button type="submit" class="primary" disabled={passphrase === '' || busy}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </div>
      <Progress busy={busy} problem={problem} />
    </form>
  );
}

export function RemovePassphraseForm(props: { onDone(): void; onCancel(): void }) {
  const [current, setCurrent] = useState('');
  const [confirming, setConfirming] = useState(false);
  const { busy, problem, run } = useLockCall();

  async function remove() {
    setConfirming(false);
    if (await run(() => uiCall('removePassphrase', { currentPassphrase: current }))) {
      props.onDone();
    }
  }

  return (
    <form
      class="stack"
      aria-label="Remove passphrase"
      onSubmit={(event) => {
        event.preventDefault();
        if (current !== '' && !busy) setConfirming(true);
      }}
    >
      <div class="card-grid">
        <PassphraseInput
          id="lock-remove-current"
          label="Current passphrase"
          autocomplete="current-password"
          value={current}
          onInput={setCurrent}
        />
      </div>
      <Progress busy={busy} problem={problem} />
      <div class="row">
        <button type="submit" class="danger" disabled={current === '' || busy}>
          {busy ? 'Removing…' : 'Remove passphrase'}
        </button>
        <button type="button" disabled={busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Remove the passphrase?"
        confirmLabel="Remove passphrase"
        onConfirm={() => void remove()}
        onCancel={() => setConfirming(false)}
      >
        Your keys go back to being encrypted under a key kept in this browser profile only: anyone
        who gets a copy of the profile can recover them.
      </ConfirmDialog>
    </form>
  );
}

/** How a period reads, after "Lock automatically after" and in a sentence. */
export const AUTO_LOCK_LABELS: Record<AutoLockMinutes, string> = {
  15: '15 minutes',
  60: '1 hour',
  240: '4 hours',
};

/** "Lock automatically after": saved when chosen (by mouse or arrow keys), effective at once. */
export function AutoLockSelect(props: { value: AutoLockMinutes | null; onSaved(): Promise<void> }) {
  const toast = useToast();
  const [saving, setSaving] = useState(false);

  async function choose(raw: string) {
    const minutes = raw === 'never' ? null : (Number(raw) as AutoLockMinutes);
    setSaving(true);
    try {
      await uiCall('saveSettings', { autoLockMinutes: minutes });
      toast(
        minutes === null
          ? 'Automatic lock off: the keys stay unlocked until you lock them or quit the browser.'
          : `The keys lock after ${AUTO_LOCK_LABELS[minutes]} without use.`,
      );
      await props.onSaved();
    } catch (error) {
      toast(`Could not save: ${(error as Error).message}`, { tone: 'danger' });
    } finally {
      setSaving(false);
    }
  }

  // Not disabled while saving: that would take keyboard focus away from the list.
  return (
    <label class="field" style={{ maxWidth: '420px' }}>
      Lock automatically after
      <select
        id="lock-auto"
        value={props.value === null ? 'never' : String(props.value)}
        aria-busy={saving ? 'true' : undefined}
        aria-describedby="lock-auto-hint"
        onChange={(event) => void choose(event.currentTarget.value)}
      >
        <option value="never">Never</option>
        {AUTO_LOCK_MINUTES.map((minutes) => (
          <option key={minutes} value={String(minutes)}>
            {AUTO_LOCK_LABELS[minutes]} without use
          </option>
        ))}
      </select>
      <span id="lock-auto-hint" class="hint">
        Use is a site's request that needs a key, testing a key, or unlocking. Then the keys lock as
        “Lock now” does.
      </span>
    </label>
  );
}
