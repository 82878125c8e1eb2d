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

interface ToastOptions {
  tone?: 'danger';
  undo?: () => void;
  /** Called once the toast goes without its Undo being pressed (the action becomes final). */
  onFinal?: () => void;
}

interface Toast extends ToastOptions {
  id: number;
  text: string;
}

type ShowToast = (text: string, options?: ToastOptions) => void;

const ToastContext = createContext<ShowToast>(() => {});

export function useToast(): ShowToast {
  return useContext(ToastContext);
}

const TOAST_MS = 6000;

export function ToastProvider(props: { children: ComponentChildren }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  /** Toasts still showing, with whether their Undo was used (read by the expiry). */
  const live = useRef(new Map<number, Toast>());
  const dismiss = useCallback((id: number, undone = false) => {
    const toast = live.current.get(id);
    if (!toast) return;
    live.current.delete(id);
    setToasts((list) => list.filter((shown) => shown.id !== id));
    if (!undone) toast.onFinal?.();
  }, []);
  const show = useCallback<ShowToast>(
    (text, options = {}) => {
      const id = nextId.current++;
      const toast = { id, text, ...options };
      live.current.set(id, toast);
      setToasts((list) => [...list, toast]);
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
                  dismiss(toast.id, true);
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
 * The value stays the text typed, so a half-typed number is not reformatted under the cursor.
 * The hint describes the input (aria-describedby) rather than being part of its name. */
export function NumberField(props: {
  label: ComponentChildren;
  value: string;
  onInput(value: string): void;
  min: string;
  step: string;
  invalid?: boolean;
  hint?: ComponentChildren;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={`${id}-input`}>{props.label}</label>
      <input
        id={`${id}-input`}
        type="number"
        min={props.min}
        step={props.step}
        value={props.value}
        aria-invalid={props.invalid ? 'true' : undefined}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      {props.hint && (
        <span class="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      )}
    </div>
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
