/** Small building blocks shared by the extension's pages. */
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useId, useRef, useState } from 'preact/hooks';

export function EmptyState(props: {
  title: string;
  children?: ComponentChildren;
  action?: ComponentChildren;
}) {
  return (
    <div class="empty">
      <h3>{props.title}</h3>
      {props.children && <p>{props.children}</p>}
      {props.action && <div style={{ marginTop: '14px' }}>{props.action}</div>}
    </div>
  );
}

/** A bar showing how much of a budget is used; turns amber past 75% and red at 100%. */
export function BudgetMeter(props: { used: number; limit: number; label: string }) {
  const fraction = props.limit > 0 ? Math.min(1, props.used / props.limit) : 1;
  const tone = fraction >= 1 ? 'danger' : fraction >= 0.75 ? 'warn' : '';
  return (
    // biome-ignore lint/a11y/useSemanticElements: <meter> cannot be styled alike in Chrome and Firefox; the ARIA meter role says the same.
    <div
      class={`meter ${tone}`}
      role="meter"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.limit}
      aria-valuenow={props.used}
    >
      <span style={{ width: `${fraction * 100}%` }} />
    </div>
  );
}

// Toasts: short confirmations, with an Undo where an action can be taken back.

interface Toast {
  id: number;
  text: string;
  tone?: 'danger';
  undo?: () => void;
}

type ShowToast = (text: string, options?: { tone?: 'danger'; undo?: () => void }) => void;

const ToastContext = createContext<ShowToast>(() => {});

export function useToast(): ShowToast {
  return useContext(ToastContext);
}

const TOAST_MS = 6000;

export function ToastProvider(props: { children: ComponentChildren }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const dismiss = useCallback(
    (id: number) => setToasts((list) => list.filter((toast) => toast.id !== id)),
    [],
  );
  const show = useCallback<ShowToast>(
    (text, options = {}) => {
      const id = nextId.current++;
      setToasts((list) => [...list, { id, text, ...options }]);
      setTimeout(() => dismiss(id), TOAST_MS);
    },
    [dismiss],
  );
  return (
    <ToastContext.Provider value={show}>
      {props.children}
      <div class="toasts" role="status" aria-live="polite">
        {toasts.map((toast) => (
          <div key={toast.id} class={`toast ${toast.tone ?? ''}`}>
            <span>{toast.text}</span>
            {toast.undo && (
              <button
                type="button"
                onClick={() => {
                  toast.undo?.();
                  dismiss(toast.id);
                }}
              >
                Undo
              </button>
            )}
            <button type="button" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
              ✕
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** A labelled number input, with a hint below it; `invalid` marks a value that does not parse.
 * The value stays the text typed, so a half-typed number is not reformatted under the cursor. */
export function NumberField(props: {
  label: ComponentChildren;
  value: string;
  onInput(value: string): void;
  min: string;
  step: string;
  invalid?: boolean;
  hint?: ComponentChildren;
}) {
  return (
    <label class="field">
      {props.label}
      <input
        type="number"
        min={props.min}
        step={props.step}
        value={props.value}
        aria-invalid={props.invalid ? 'true' : undefined}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      {props.hint && <span class="hint">{props.hint}</span>}
    </label>
  );
}

/** A modal confirmation (native <dialog>: focus trap and Escape come with it). */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  // Several dialogs may share a page: each names itself by its own heading.
  const titleId = useId();
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);
  return (
    <dialog ref={dialog} onCancel={props.onCancel} aria-labelledby={titleId}>
      <div class="stack">
        <h2 id={titleId}>{props.title}</h2>
        <div class="muted">{props.children}</div>
        <div class="row" style={{ justifyContent: 'flex-end' }}>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="button" class="danger solid" onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </dialog>
  );
}

/** Loads data once (and on `reload`), tracking loading and error states. */
export function useLoader<T>(load: () => Promise<T>): {
  data: T | undefined;
  error: Error | undefined;
  reload(): Promise<void>;
} {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(undefined);
    } catch (caught) {
      setError(caught as Error);
    }
  }, [load]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, reload };
}
