/** What each `window.llm` call does in the background, and the trust it needs first. */
import type { BackgroundServices } from './background-services';
import type { PageMethodHandlers } from './page-port';

export function createPageHandlers(services: BackgroundServices): PageMethodHandlers {
  const { broker, consent, storage, pageEvents } = services;
  return {
    ping: { trust: 'any', run: async () => 'pong' },
    getPermission: { trust: 'any', run: (_params, { origin }) => broker.permissionOf(origin) },
    requestPermission: {
      trust: 'any',
      async run(_params, { origin }) {
        const current = await broker.permissionOf(origin);
        if (current.granted) return current;
        const decision = await consent.ask(origin);
        if (decision.allow) await storage.grants.grant(origin, decision.limits);
        const state = await broker.permissionOf(origin);
        if (decision.allow) pageEvents.permissionChanged(state);
        return state;
      },
    },
    revokePermission: {
      trust: 'any',
      async run(_params, { origin }) {
        await storage.grants.revoke(origin);
        const state = await broker.permissionOf(origin);
        pageEvents.permissionChanged(state);
        return state;
      },
    },
    generate: {
      trust: 'granted',
      run: (request, { origin, signal }) => broker.run(origin, request, { origin, signal }),
    },
    stream: {
      trust: 'granted',
      async run(request, { origin, signal, emit }) {
        const result = await broker.run(origin, request, { origin, signal, emit });
        emit({ type: 'finish', result });
        return result;
      },
    },
  };
}
