/**
 * The passphrase lock on the Providers page, above the keys it protects: off (what it is for,
 * and a form to turn it on), locked (unlock) or unlocked (lock now, change, remove). See
 * docs/security.md for what it protects against.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AutoLockMinutes } from '../../../src/storage/storage-auto-lock';
import type { LockStatus } from '../../../src/storage/storage-types';
import { onLockChanged } from '../../messaging/lock-events';
import { uiCall } from '../components/ui-client';
import { useToast } from '../components/ui-kit';
import {
  AUTO_LOCK_LABELS,
  AutoLockSelect,
  NewPassphraseForm,
  RemovePassphraseForm,
  UnlockForm,
} from './passphrase-forms';

const BADGES: Record<LockStatus, { label: string; tone: string }> = {
  none: { label: 'Off', tone: '' },
  locked: { label: 'Locked', tone: 'warn' },
  unlocked: { label: 'Unlocked', tone: 'ok' },
};

export function PassphraseLockCard(props: {
  lock: LockStatus;
  autoLockMinutes: AutoLockMinutes | null;
  reload(): Promise<void>;
}) {
  const toast = useToast();
  const [editing, setEditing] = useState<'change' | 'remove'>();
  const [locking, setLocking] = useState(false);
  const title = useRef<HTMLHeadingElement>(null);
  const changedHere = useRef(false);
  const badge = BADGES[props.lock];

  // Locked or unlocked elsewhere (another tab, the automatic lock): show it at once.
  const { reload } = props;
  useEffect(() => onLockChanged(() => void reload()), [reload]);

  // The card's content is replaced when the state changes: keep keyboard focus in the card.
  useEffect(() => {
    if (changedHere.current) title.current?.focus();
    changedHere.current = false;
  }, [props.lock]);

  const done = (message: string) => async () => {
    changedHere.current = true;
    setEditing(undefined);
    toast(message);
    await props.reload();
  };

  async function lockNow() {
    setLocking(true);
    try {
      await uiCall('lock', null);
      await done('Locked. Cloud providers are refused until you unlock.')();
    } catch (error) {
      toast(`Could not lock: ${(error as Error).message}`, { tone: 'danger' });
    } finally {
      setLocking(false);
    }
  }

  return (
    <section class="card stack" aria-labelledby="lock-title">
      <div class="spread">
        <h3 id="lock-title" ref={title} tabIndex={-1}>
          Passphrase lock
        </h3>
        <span class={`badge ${badge.tone}`} id="lock-state">
          {badge.label}
        </span>
      </div>

      {props.lock === 'none' && (
        <>
          <p class="muted small">
            Your keys are encrypted, but under a key kept in this browser profile: anyone with a
            copy of the profile can recover them. With a passphrase, they are encrypted under a key
            only your passphrase re-creates; you enter it once per browser session. It does not
            protect keys from software already running as you while they are unlocked.
          </p>
          <NewPassphraseForm
            change={false}
            onDone={done('Passphrase set. Your keys are unlocked.')}
          />
        </>
      )}

      {props.lock === 'locked' && (
        <>
          <div class="notice warn">
            Your keys are locked. Requests that need a cloud provider are refused until you unlock —
            sites are told to ask you. Local models that need no key keep working.
          </div>
          <UnlockForm onDone={done('Unlocked.')} />
        </>
      )}

      {props.lock === 'unlocked' && (
        <>
          <p class="muted small">
            {props.autoLockMinutes === null
              ? 'Your keys are usable until you lock them or quit the browser. Lock them when you step away from this computer.'
              : `Your keys are usable until you lock them, quit the browser or leave them unused for ${AUTO_LOCK_LABELS[props.autoLockMinutes]}.`}
          </p>
          <div class="row">
            <button type="button" class="primary" disabled={locking} onClick={() => void lockNow()}>
              {locking ? 'Locking…' : 'Lock now'}
            </button>
            <button
              type="button"
              aria-expanded={editing === 'change'}
              onClick={() => setEditing(editing === 'change' ? undefined : 'change')}
            >
              Change passphrase
            </button>
            <button
              type="button"
              class="danger ghost"
              aria-expanded={editing === 'remove'}
              onClick={() => setEditing(editing === 'remove' ? undefined : 'remove')}
            >
              Remove passphrase
            </button>
          </div>
          {editing === 'change' && (
            <NewPassphraseForm
              change
              onDone={done('Passphrase changed.')}
              onCancel={() => setEditing(undefined)}
            />
          )}
          {editing === 'remove' && (
            <RemovePassphraseForm
              onDone={done('Passphrase removed. Your keys are protected by this profile only.')}
              onCancel={() => setEditing(undefined)}
            />
          )}
        </>
      )}

      {props.lock !== 'none' && (
        <AutoLockSelect value={props.autoLockMinutes} onSaved={props.reload} />
      )}
    </section>
  );
}
