/**
 * The relay: an ISOLATED-world content script that carries messages between a page's
 * `window.llm` (over the MessageChannel port the page hands it) and the background (over a
 * `runtime.Port`). It trusts nothing from the page:
 * - every page port gets a connection of its own, so a script that performs its own handshake
 *   opens a second, independent connection and can neither take over nor hang `window.llm`'s;
 * - a message it cannot pass on (not plain data, too big, too deep) fails that call alone, with
 *   a TypeError; only a dead extension fails everything, and then the port is let go;
 * - a page may have at most MAX_IN_FLIGHT calls unanswered at once; more are refused here, so
 *   a flood costs the page, not the background;
 * - it stamps each call with whether the page has transient user activation — read here, in
 *   the isolated world, where page scripts cannot fake it — and nothing the page sends can set it.
 * The background learns the page's origin from the port's sender, never from a message.
 *
 * Kept free of webextension-polyfill: one `runtime.connect` is all it needs, and it runs on
 * every page (docs/architecture.md §7).
 */

import { PlainDataError, plainDataCopy } from '../../src/protocol/plain-data';
import {
  type BackgroundToPage,
  HANDSHAKE,
  PAGE_PORT_NAME,
  type PageToBackground,
  type RelayAck,
} from '../messaging/page-channel';

if (__BENCH_MARKS__) performance.mark('llm-broker:relay:start');

/** Firefox's `browser` or Chrome's `chrome`: both have the same `runtime.connect` here. */
const runtime: typeof chrome.runtime =
  (globalThis as { browser?: typeof chrome }).browser?.runtime ?? chrome.runtime;

/** Unanswered calls a frame may have at once (every connection together). */
const MAX_IN_FLIGHT = 128;
let inFlightInFrame = 0;

function extensionAlive(): boolean {
  // The extension was reloaded or removed under this page: its context is gone for good.
  try {
    return runtime.id !== undefined;
  } catch {
    return false;
  }
}

/** Whether the page was just used by the person (a click, a key): the browser's word for it. */
function userActive(): boolean {
  return (
    (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation
      ?.isActive === true
  );
}

class Connection {
  private background: chrome.runtime.Port | undefined;
  /** Calls sent to the background and not yet answered, to fail them if it goes away. */
  private readonly inFlight = new Set<number>();

  constructor(private readonly page: MessagePort) {
    page.onmessage = (event) => this.fromPage(event.data);
    this.toPage({ kind: 'ack' });
  }

  private toPage(message: BackgroundToPage | RelayAck): void {
    this.page.postMessage(message);
  }

  private answered(id: number): void {
    if (this.inFlight.delete(id)) inFlightInFrame--;
  }

  private fail(id: number, name: string, message: string): void {
    this.answered(id);
    this.toPage({ kind: 'error', id, error: { name: name as never, message } });
  }

  private failInFlight(message: string): void {
    for (const id of [...this.inFlight]) this.fail(id, 'NetworkError', message);
  }

  private connectBackground(): chrome.runtime.Port {
    const port = runtime.connect({ name: PAGE_PORT_NAME });
    port.onMessage.addListener((message: BackgroundToPage) => {
      if (message.kind === 'result' || message.kind === 'error') this.answered(message.id);
      this.toPage(message);
    });
    // The service worker stopped (or the extension was updated): fail what was in flight cleanly
    // and reconnect lazily on the next call (docs/architecture.md §7).
    port.onDisconnect.addListener(() => {
      if (this.background === port) this.background = undefined;
      this.failInFlight('LLM Broker restarted while answering; please try again.');
    });
    return port;
  }

  /** What to send for a page message, or an error for that call alone. */
  private outgoing(message: unknown): PageToBackground | { id: number; error: string } | undefined {
    if (typeof message !== 'object' || message === null) return undefined;
    const { kind, id, method, params } = message as Record<string, unknown>;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) return undefined;
    if (kind === 'abort') return { kind: 'abort', id };
    if (kind !== 'call' || typeof method !== 'string' || method.length > 64) {
      return { id, error: 'Invalid call: expected { kind: "call", id, method, params }.' };
    }
    try {
      const copy = plainDataCopy(params, 'call');
      return { kind: 'call', id, method, params: copy, userActivation: userActive() } as never;
    } catch (error) {
      if (error instanceof PlainDataError) return { id, error: error.message };
      throw error;
    }
  }

  private fromPage(message: unknown): void {
    const outgoing = this.outgoing(message);
    if (!outgoing) return;
    if ('error' in outgoing) {
      this.fail(outgoing.id, 'TypeError', outgoing.error);
      return;
    }
    if (outgoing.kind === 'call') {
      if (this.inFlight.has(outgoing.id)) {
        this.toPage({
          kind: 'error',
          id: outgoing.id,
          error: {
            name: 'TypeError',
            message: `Invalid call: call ${outgoing.id} is still running.`,
          },
        });
        return;
      }
      if (inFlightInFrame >= MAX_IN_FLIGHT) {
        this.toPage({
          kind: 'error',
          id: outgoing.id,
          error: {
            name: 'QuotaExceededError',
            message: `Too many calls at once (at most ${MAX_IN_FLIGHT} unanswered); wait for some to finish.`,
          },
        });
        return;
      }
      this.inFlight.add(outgoing.id);
      inFlightInFrame++;
    }
    if (!extensionAlive()) {
      this.background = undefined;
      this.failInFlight('LLM Broker is not available on this page any more; reload the page.');
      return;
    }
    try {
      this.background ??= this.connectBackground();
      this.background.postMessage(outgoing);
    } catch (error) {
      if (!extensionAlive()) {
        this.background = undefined;
        this.failInFlight('LLM Broker is not available on this page any more; reload the page.');
      } else if (outgoing.kind === 'call') {
        // This one message could not be sent; everything else on the page goes on.
        this.fail(outgoing.id, 'TypeError', `Invalid call: it could not be sent (${error}).`);
      }
    }
  }
}

function adopt(event: MessageEvent): void {
  if (event.source !== window || event.data?.type !== HANDSHAKE.connect) return;
  const [port] = event.ports;
  if (port) new Connection(port);
}

// The page's `window.llm` hands over its port synchronously at document_start, before any page
// script exists (inpage.ts); a port posted later (or by another script) gets a connection too.
window.addEventListener('message', adopt);
window.postMessage({ type: HANDSHAKE.relayReady }, '*');
if (__BENCH_MARKS__) performance.mark('llm-broker:relay:end');
