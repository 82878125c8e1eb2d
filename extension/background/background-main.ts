/**
 * The service worker: the only holder of keys. Listeners are registered synchronously at the top
 * level (MV3 wakes the worker for them); the services they use open lazily. Every handler is
 * gated by trust before it works: pages need a grant (page-port.ts), extension pages are checked
 * by sender URL here.
 */
import { LlmError, type LlmErrorData, toLlmErrorData } from '../../src/protocol/llm-errors';
import { VaultLockedError, WrongPassphraseError } from '../../src/storage/storage-errors';
import { OFFSCREEN_CHAT_PORT } from '../messaging/offscreen-channel';
import { PAGE_PORT_NAME } from '../messaging/page-channel';
import {
  PLAYGROUND_PORT_NAME,
  UI_CHANNEL,
  type UiRequest,
  type UiResponse,
} from '../messaging/ui-channel';
import {
  alarms,
  browser,
  isExtensionPage,
  onManagedSettingsChanged,
  type Runtime,
} from '../platform/browser-api';
import { AUTO_LOCK_ALARM } from './auto-lock';
import { backgroundServices, pageEvents } from './background-services';
import {
  acceptChatPort,
  closeIdleOffscreen,
  OFFSCREEN_IDLE_ALARM,
  resumeDownloads,
  watchDownloads,
} from './browser-models';
import { policyChanged, startPolicyRead } from './organization-policy-source';
import { createPageHandlers } from './page-handlers';
import { type PageMethodHandlers, servePagePort } from './page-port';
import { servePlaygroundPort } from './playground-port';
import { createUiHandlers } from './ui-handlers';
import { welcomeOnce } from './welcome';

browser.runtime.onConnect.addListener((port) => {
  if (port.name.startsWith(`${OFFSCREEN_CHAT_PORT}/`)) {
    acceptChatPort(port);
    return;
  }
  if (port.name === PLAYGROUND_PORT_NAME) {
    servePlaygroundPort(port);
    return;
  }
  if (port.name !== PAGE_PORT_NAME) return;
  // The services (database, catalog, broker) are made at a port's first call that needs them:
  // a page's connection and a ping need none of it, so a worker woken for them answers fast.
  servePagePort(port, {
    handlers: () => (pageHandlers ??= createPageHandlers(backgroundServices())),
    assertGranted: async (origin) => {
      await backgroundServices().broker.assertAllowed(origin);
    },
    onOpen: (origin, post) => pageEvents.add(origin, post),
  });
});

let pageHandlers: PageMethodHandlers | undefined;

// A new install opens the welcome page (what LLM Broker does, the ways to a first answer);
// updates and browser restarts do not.
browser.runtime.onInstalled.addListener(({ reason }) => {
  if (reason !== 'install') return;
  welcomeOnce().catch((error) =>
    console.error('LLM Broker: opening the welcome page failed', error),
  );
});

// The browser is slow to answer the first read of the managed policy: start it now. And when an
// administrator changes the policy, it applies to the very next call.
void startPolicyRead();
onManagedSettingsChanged(() => {
  policyChanged();
  backgroundServices().broker.policyChanged();
});

// Models in this browser: a finished download makes a model ready for the next decision; a
// download a browser restart cut short resumes; an idle model host is closed to free the GPU.
watchDownloads(() => backgroundServices().broker.accountsChanged('webllm'));
// (Chromium reports an unpacked extension as installed anew at each launch, without onStartup.)
browser.runtime.onStartup.addListener(() => void resumeDownloads());
browser.runtime.onInstalled.addListener(() => void resumeDownloads());
alarms().onAlarm.addListener((alarm) => {
  if (alarm.name !== OFFSCREEN_IDLE_ALARM) return;
  closeIdleOffscreen().catch((error) =>
    console.error('LLM Broker: closing the idle model host failed', error),
  );
});

// The automatic lock's alarm: it wakes a stopped worker, which then locks or re-arms.
alarms().onAlarm.addListener((alarm) => {
  if (alarm.name !== AUTO_LOCK_ALARM) return;
  backgroundServices()
    .autoLock.sync()
    .catch((error) => console.error('LLM Broker: the automatic lock failed', error));
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
      // Answers go out before their records are written: the settings read after them.
      await backgroundServices().broker.flushRecords();
      return { ok: true, value: (await handler(request.params)) as never };
    } catch (error) {
      const data = uiErrorData(error);
      if (data === undefined) console.error('LLM Broker: settings call failed', error);
      return { ok: false, error: data ?? toLlmErrorData(error) };
    }
  })();
});

/**
 * Errors raised on purpose, whose messages are meant for people: the broker's own, storage
 * validation (RangeError, TypeError) and the passphrase lock's. Undefined for anything else.
 */
function uiErrorData(error: unknown): LlmErrorData | undefined {
  if (error instanceof LlmError) return error.toData();
  if (error instanceof RangeError || error instanceof TypeError) {
    return { name: 'TypeError', message: error.message };
  }
  if (error instanceof WrongPassphraseError) {
    return { name: 'NotAllowedError', message: error.message };
  }
  if (error instanceof VaultLockedError) {
    return { name: 'InvalidStateError', message: error.message };
  }
  return undefined;
}
