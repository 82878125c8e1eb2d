/**
 * The relay: an ISOLATED-world content script that carries messages between the page's
 * `window.llm` (over the MessageChannel port the page hands it) and the background (over a
 * `runtime.Port`). It adds nothing and trusts nothing: the background learns the page's origin
 * from the port's sender, never from a message.
 */
import type { Runtime } from 'webextension-polyfill';
import {
  type BackgroundToPage,
  HANDSHAKE,
  PAGE_PORT_NAME,
  type PageToBackground,
  type RelayAck,
} from '../messaging/page-channel';
import { browser } from '../platform/browser-api';

let pagePort: MessagePort | undefined;
let backgroundPort: Runtime.Port | undefined;
/** Calls sent to the background and not yet answered, to fail them if the background goes away. */
const inFlight = new Set<number>();

function isPageMessage(message: unknown): message is PageToBackground {
  if (typeof message !== 'object' || message === null) return false;
  const { kind, id } = message as { kind?: unknown; id?: unknown };
  return (kind === 'call' || kind === 'abort') && Number.isSafeInteger(id);
}

function toPage(message: BackgroundToPage | RelayAck): void {
  pagePort?.postMessage(message);
}

function failInFlight(reason: string): void {
  for (const id of inFlight) {
    toPage({ kind: 'error', id, error: { name: 'NetworkError', message: reason } });
  }
  inFlight.clear();
}

function connectBackground(): Runtime.Port {
  const port = browser.runtime.connect({ name: PAGE_PORT_NAME });
  port.onMessage.addListener((received: unknown) => {
    const message = received as BackgroundToPage;
    if (message.kind === 'result' || message.kind === 'error') inFlight.delete(message.id);
    toPage(message);
  });
  // The service worker stopped (or the extension was updated): fail what was in flight cleanly
  // and reconnect lazily on the next call (docs/architecture.md §7).
  port.onDisconnect.addListener(() => {
    backgroundPort = undefined;
    failInFlight('LLM Broker restarted while answering; please try again.');
  });
  return port;
}

function fromPage(message: unknown): void {
  if (!isPageMessage(message)) return;
  if (message.kind === 'call') inFlight.add(message.id);
  try {
    backgroundPort ??= connectBackground();
    backgroundPort.postMessage(message);
  } catch {
    // The extension was reloaded or removed under this page: its context is gone for good.
    backgroundPort = undefined;
    failInFlight('LLM Broker is not available on this page any more; reload the page.');
  }
}

function adoptPagePort(port: MessagePort): void {
  pagePort?.close();
  pagePort = port;
  port.onmessage = (event) => fromPage(event.data);
  toPage({ kind: 'ack' });
}

window.addEventListener('message', (event) => {
  if (event.source !== window || event.data?.type !== HANDSHAKE.connect) return;
  const [port] = event.ports;
  if (port) adoptPagePort(port);
});
window.postMessage({ type: HANDSHAKE.relayReady }, '*');
