/**
 * The service worker: the only holder of keys. Listeners are registered synchronously at the top
 * level (MV3 wakes the worker for them); the services they use open lazily. Every handler is
 * gated by trust before it works: pages need a grant (page-port.ts), extension pages are checked
 * by sender URL here.
 */
import { LlmError, toLlmErrorData } from '../../src/protocol/llm-errors';
import { PAGE_PORT_NAME } from '../messaging/page-channel';
import { UI_CHANNEL, type UiRequest, type UiResponse } from '../messaging/ui-channel';
import { browser, isExtensionPage, type Runtime } from '../platform/browser-api';
import { backgroundServices } from './background-services';
import { createPageHandlers } from './page-handlers';
import { servePagePort } from './page-port';
import { createUiHandlers } from './ui-handlers';

browser.runtime.onConnect.addListener((port) => {
  if (port.name !== PAGE_PORT_NAME) return;
  const services = backgroundServices();
  servePagePort(port, {
    handlers: createPageHandlers(services),
    assertGranted: async (origin) => {
      await services.broker.assertAllowed(origin);
    },
    onOpen: (origin, post) => services.pageEvents.add(origin, post),
  });
});

let uiHandlers: Record<string, (params: unknown) => Promise<unknown>> | undefined;

function uiHandler(method: string | undefined) {
  uiHandlers ??= createUiHandlers(backgroundServices()) as unknown as typeof uiHandlers;
  return method && Object.hasOwn(uiHandlers!, method) ? uiHandlers![method] : undefined;
}

browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
  const request = message as Partial<UiRequest> | undefined;
  if (request?.channel !== UI_CHANNEL) return undefined;
  if (!isExtensionPage(sender)) return undefined;
  const handler = uiHandler(request.method);
  if (!handler) {
    return Promise.resolve({ ok: false, error: { name: 'TypeError', message: 'Unknown method.' } });
  }
  return (async (): Promise<UiResponse<never>> => {
    try {
      return { ok: true, value: (await handler(request.params)) as never };
    } catch (error) {
      if (!(error instanceof LlmError)) console.error('LLM Broker: settings call failed', error);
      // Storage validation errors (RangeError, TypeError) carry messages meant for people.
      const readable = error instanceof RangeError || error instanceof TypeError;
      return {
        ok: false,
        error: readable
          ? { name: 'TypeError', message: (error as Error).message }
          : toLlmErrorData(error),
      };
    }
  })();
});
