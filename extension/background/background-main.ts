/**
 * The service worker: the only holder of keys. Listeners are registered synchronously at the top
 * level (MV3 wakes the worker for them); the services they use open lazily.
 */
import { browser } from '../platform/browser-api';
import { PAGE_PORT_NAME } from '../messaging/page-channel';
import { servePagePort } from './page-port';

browser.runtime.onConnect.addListener((port) => {
  if (port.name !== PAGE_PORT_NAME) return;
  servePagePort(port, {
    async assertGranted() {},
    handlers: {
      ping: { trust: 'any', run: async () => 'pong' },
    } as never,
  });
});
