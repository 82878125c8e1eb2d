/**
 * The playground's Run: the person's own request, answered through the broker like a site's
 * (their budgets, privacy and priorities; one record in the log) and streamed back over a port.
 * Only the extension's own pages may open it; closing the port aborts the request.
 */
import { toLlmErrorData } from '../../src/protocol/llm-errors';
import type { PlaygroundMessage } from '../messaging/ui-channel';
import { extensionOrigin, isExtensionPage, type Runtime } from '../platform/browser-api';
import { backgroundServices } from './background-services';
import { whileAlive } from './keep-alive';

export function servePlaygroundPort(port: Runtime.Port): void {
  if (!port.sender || !isExtensionPage(port.sender)) {
    port.disconnect();
    return;
  }
  const abort = new AbortController();
  let open = true;
  const post = (message: PlaygroundMessage) => {
    if (open) port.postMessage(message);
  };
  port.onDisconnect.addListener(() => {
    open = false;
    abort.abort();
  });
  port.onMessage.addListener((message: unknown) => {
    const request = (message as { request?: unknown } | null)?.request;
    void whileAlive(async () => {
      try {
        const result = await backgroundServices().broker.runForPerson(extensionOrigin(), request, {
          signal: abort.signal,
          emit: (part) => post({ type: 'part', part }),
        });
        post({ type: 'done', result });
      } catch (error) {
        post({ type: 'error', error: toLlmErrorData(error) });
      }
    });
  });
}
