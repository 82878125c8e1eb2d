/**
 * The site developers' kit in a real page, with the extension and without it: discovery finds
 * LLM Broker (and a second broker beside it, neither hanging nor hijacking the other), the
 * fallback answers in the same shapes when there is no broker or no grant, and `window.llm`
 * stays ours.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Kit from '../../client/src/llm-broker-client';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import {
  type BrokerBrowser,
  CHROMIUM_PATH,
  chromiumArgs,
  launchBroker,
  servePages,
} from './e2e-harness';
import { allowSite, saveProviderAccount } from './e2e-setup';

const SITE_ANSWER = 'The site answered this from its own endpoint.';
const BROKER_ANSWER = 'LLM Broker answered this with the person’s own key.';

type KitWindow = Window & {
  kit: typeof Kit;
  fallback: Kit.FallbackEndpoint;
  kitReady: boolean;
};

async function openKitPage(open: () => Promise<Page>, endpoint: string): Promise<Page> {
  const page = await open();
  await page.waitForFunction(() => (window as unknown as KitWindow).kitReady === true);
  expect(await page.evaluate(() => location.search)).toContain(encodeURIComponent(endpoint));
  return page;
}

describe('the client kit with LLM Broker installed', () => {
  let broker: BrokerBrowser;
  let site: ProviderServer;
  let provider: ProviderServer;
  let page: Page;

  beforeAll(async () => {
    site = await startProviderServer({ kind: 'openai-compatible', text: SITE_ANSWER });
    provider = await startProviderServer({
      kind: 'openai',
      apiKey: 'sk-kit-000000000000',
      text: BROKER_ANSWER,
    });
    broker = await launchBroker();
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: 'sk-kit-000000000000',
      baseUrl: `${provider.url}/v1`,
    });
    // Saving tested the key (one request); the tests count what sites cause.
    provider.reset();
    const endpoint = `${site.url}/v1`;
    page = await openKitPage(async () => {
      const opened = await broker.context.newPage();
      await opened.goto(`${broker.pagesUrl}/kit.html?endpoint=${encodeURIComponent(endpoint)}`);
      return opened;
    }, endpoint);
  });
  afterAll(async () => {
    await broker?.close();
    await site?.close();
    await provider?.close();
  });

  it('finds LLM Broker by discovery, and it is window.llm', async () => {
    expect(
      await page.evaluate(async () => {
        const { kit } = window as unknown as KitWindow;
        const found = await kit.getLlm({ rdns: kit.LLM_BROKER_RDNS, timeoutMs: 2_000 });
        return found === window.llm;
      }),
    ).toBe(true);
  });

  it('answers from the site’s endpoint while the site has no grant, from the broker once it has', async () => {
    const before = await page.evaluate(async () => {
      const { kit, fallback } = window as unknown as KitWindow;
      const client = await kit.createLlmClient({ fallback, timeoutMs: 2_000 });
      const result = await client.generate({ prompt: 'Hello' });
      return {
        text: result.text,
        provider: result.model.provider,
        hasBroker: client.broker !== null,
      };
    });
    expect(before).toEqual({ text: SITE_ANSWER, provider: 'site', hasBroker: true });
    expect(provider.requests).toHaveLength(0);

    await allowSite(broker, page);
    const after = await page.evaluate(async () => {
      const { kit, fallback } = window as unknown as KitWindow;
      const client = await kit.createLlmClient({ fallback, timeoutMs: 2_000 });
      let text = '';
      const stream = client.stream({ prompt: 'Hello again' });
      for await (const part of stream) if (part.type === 'text-delta') text += part.delta;
      return { text, provider: (await stream.result).model.provider };
    });
    expect(after).toEqual({ text: BROKER_ANSWER, provider: 'openai' });
  });

  it('coexists with a second broker: both announce, either can be picked, neither hijacks', async () => {
    const outcome = await page.evaluate(async () => {
      const { kit } = window as unknown as KitWindow;
      // Another broker on the page, announcing itself — and a script doing its own handshake
      // with LLM Broker's relay, as a careless or hostile one might.
      const fake = Object.assign(new EventTarget(), {
        generate: async () => ({ text: 'from the other broker' }),
      });
      const info = {
        uuid: crypto.randomUUID(),
        name: 'Other',
        icon: 'data:,',
        rdns: 'com.example.other',
      };
      addEventListener('llm:requestProvider', () =>
        dispatchEvent(
          new CustomEvent('llm:announceProvider', {
            detail: Object.freeze({ info, provider: fake }),
          }),
        ),
      );
      const channel = new MessageChannel();
      postMessage({ type: 'llm-broker:connect' }, '*', [channel.port2]);
      channel.port1.postMessage({
        kind: 'call',
        id: 1,
        method: 'generate',
        params: { prompt: 'x', task: 'nope' },
      });

      const all = await kit.listBrokers({ timeoutMs: 300 });
      const other = await kit.getLlm({ rdns: 'com.example.other', timeoutMs: 1_000 });
      const ours = await kit.getLlm({ rdns: kit.LLM_BROKER_RDNS, timeoutMs: 1_000 });
      const answer = await ours!.generate({ prompt: 'Still mine?' });
      return {
        names: all.map(({ info: announced }) => announced.rdns).sort(),
        otherIsFake: other === (fake as unknown),
        oursIsWindowLlm: ours === window.llm,
        answer: answer.text,
        ping: await window.llm.ping(),
      };
    });
    expect(outcome).toEqual({
      names: ['com.example.other', 'dev.llm-broker'],
      otherIsFake: true,
      oursIsWindowLlm: true,
      answer: BROKER_ANSWER,
      ping: 'pong',
    });
  });
});

describe('the client kit without any broker', () => {
  let context: BrowserContext;
  let profile: string;
  let site: ProviderServer;
  let pages: Awaited<ReturnType<typeof servePages>>;

  beforeAll(async () => {
    site = await startProviderServer({ kind: 'openai-compatible', text: SITE_ANSWER });
    pages = await servePages();
    profile = await mkdtemp(join(tmpdir(), 'llm-broker-plain-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: chromiumArgs(),
    });
  });
  afterAll(async () => {
    await context?.close();
    await new Promise((done) => pages?.close(done));
    await site?.close();
    await rm(profile, { recursive: true, force: true });
  });

  it('finds no broker, and the site’s own endpoint answers in the same shapes', async () => {
    const address = pages.address() as { port: number };
    const endpoint = `${site.url}/v1`;
    const page = await openKitPage(async () => {
      const opened = await context.newPage();
      await opened.goto(
        `http://127.0.0.1:${address.port}/kit.html?endpoint=${encodeURIComponent(endpoint)}`,
      );
      return opened;
    }, endpoint);
    const outcome = await page.evaluate(async () => {
      const { kit, fallback } = window as unknown as KitWindow;
      const client = await kit.createLlmClient({ fallback, timeoutMs: 300 });
      const generated = await client.generate({ prompt: 'Hello' });
      const parts: string[] = [];
      const stream = client.stream({ prompt: 'Stream' });
      for await (const part of stream) parts.push(part.type);
      return {
        hasBroker: client.broker !== null,
        llmOnWindow: 'llm' in window,
        generated: { text: generated.text, provider: generated.model.provider },
        parts: [...new Set(parts)],
        streamed: (await stream.result).text,
        permission: await client.getPermission(),
      };
    });
    expect(outcome).toEqual({
      hasBroker: false,
      llmOnWindow: false,
      generated: { text: SITE_ANSWER, provider: 'site' },
      parts: ['start', 'text-delta', 'finish'],
      streamed: SITE_ANSWER,
      permission: { origin: `http://127.0.0.1:${address.port}`, granted: false },
    });
  });
});
