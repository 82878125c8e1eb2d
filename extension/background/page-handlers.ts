/** What each `window.llm` call does in the background, and the trust it needs first. */
import { LlmError } from '../../src/protocol/llm-errors';
import type { LlmResult } from '../../src/protocol/llm-result';
import type { BackgroundServices } from './background-services';
import type { PageMethodHandlers } from './page-port';

export function createPageHandlers(services: BackgroundServices): PageMethodHandlers {
  const { broker, consent, storage, pageEvents } = services;
  /** After a charged answer, the site's pages hear their new spend (the `budget` event). */
  const charged = (origin: string, result: LlmResult) => {
    if (result.costUsd > 0)
      void broker.permissionOf(origin).then((state) => pageEvents.budgetChanged(state));
    return result;
  };
  return {
    getPermission: { trust: 'any', run: (_params, { origin }) => broker.permissionOf(origin) },
    requestPermission: {
      trust: 'any',
      async run(_params, { origin, userActivation }) {
        const current = await broker.permissionOf(origin);
        if (current.granted) return current;
        // A page cannot pop the window by itself (on load, in a loop): the person must have
        // just clicked or typed on it.
        if (!userActivation) {
          throw new LlmError({
            name: 'NotAllowedError',
            message:
              'requestPermission() needs a user gesture: call it from a click or key press on the page.',
          });
        }
        // The organization's policy as the browser has it now (it may still be loading).
        const barred = await broker.policyRefusal(origin);
        if (barred) {
          throw new LlmError({
            name: 'NotAllowedError',
            message: barred.charAt(0).toUpperCase() + barred.slice(1),
          });
        }
        const decision = await consent.ask(origin);
        if (decision.allow) await storage.grants.grant(origin, decision.limits);
        // A refusal the person made is listed under Sites (one within the quiet minute is not).
        else if (!decision.quiet) await storage.grants.refuse(origin);
        broker.grantsChanged(origin);
        const state = await broker.permissionOf(origin);
        if (decision.allow) pageEvents.permissionChanged(state);
        return state;
      },
    },
    revokePermission: {
      trust: 'any',
      async run(_params, { origin }) {
        await storage.grants.revoke(origin);
        broker.grantsChanged(origin);
        const state = await broker.permissionOf(origin);
        pageEvents.permissionChanged(state);
        return state;
      },
    },
    generate: {
      trust: 'granted',
      run: async (request, { origin, signal }) =>
        charged(origin, await broker.run(origin, request, { signal })),
    },
    stream: {
      trust: 'granted',
      async run(request, { origin, signal, emit }) {
        const result = await broker.run(origin, request, { signal, emit });
        emit({ type: 'finish', result });
        return charged(origin, result);
      },
    },
    route: { trust: 'granted', run: (request, { origin }) => broker.decide(origin, request) },
    countTokens: { trust: 'granted', run: async (request) => broker.countTokens(request) },
    models: { trust: 'granted', run: (_params, { origin }) => broker.models(origin) },
    feedback: {
      trust: 'granted',
      async run(params, { origin }) {
        if (typeof params !== 'object' || params === null) {
          throw new LlmError({
            name: 'TypeError',
            message: 'Invalid feedback: expected { requestId, score }.',
          });
        }
        await broker.feedback(origin, String(params.requestId), Number(params.score));
        return null;
      },
    },
  };
}
