/**
 * The walking skeleton end to end: a site on 127.0.0.1 is refused, asks for permission, the user
 * allows it in the consent window, and its requests are answered through the extension by a
 * loopback server speaking OpenAI's wire format, with the key the user saved in the options page.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmStreamPart } from '../../src/protocol/llm-result';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite } from './e2e-setup';

const API_KEY = 'sk-e2e-test-key-0123456789abcdef';
const ANSWER = 'Routing works: this answer came through the extension, one token at a time.';

type PageError = { name: string; message: string };

describe('a site using window.llm through the extension', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let site: Page;
  /** The first answer's id, rated after the worker restarts. */
  let firstAnswerId: string;

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: API_KEY, text: ANSWER });
    broker = await launchBroker();
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
  });

  it('refuses a site that has no grant, before anything is sent anywhere', async () => {
    site = await broker.openTestPage();
    const error = await site.evaluate(() =>
      window.settle(window.llm.generate({ prompt: 'Hello?' })),
    );
    expect(error).toMatchObject({ name: 'NotAllowedError' });
    expect((error as PageError).message).toContain(broker.pagesUrl);
    expect(await site.evaluate(() => window.llm.getPermission())).toEqual({
      origin: broker.pagesUrl,
      granted: false,
    });
    expect(openai.requests).toHaveLength(0);
  });

  it('saves an OpenAI key from the options page, shown masked afterwards', async () => {
    const options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
    const card = options.getByRole('form', { name: 'OpenAI' });
    await options.locator('#provider-openai-key').fill(API_KEY);
    await card.getByText('Advanced: API address').click();
    await options.locator('#provider-openai-url').fill(`${openai.url}/v1`);
    await card.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => card.textContent()).toContain('Working');
    const placeholder = await options.locator('#provider-openai-key').getAttribute('placeholder');
    expect(placeholder).toMatch(/…cdef$/);
    expect(placeholder).not.toContain('0123456789');
    await broker.screenshot(options, 'options-providers');
    await options.close();
  });

  it('asks the user in a consent window that names the origin, and grants on Allow', async () => {
    const permission = await allowSite(broker, site, async (consent) => {
      await expect
        .poll(() => consent.locator('#consent-origin').textContent())
        .toBe(broker.pagesUrl);
      await broker.screenshot(consent, 'consent-window');
    });
    expect(permission).toMatchObject({
      origin: broker.pagesUrl,
      granted: true,
      spentThisMonthUsd: 0,
    });
  });

  it('answers generate() with the model, token usage and cost', async () => {
    const result = await site.evaluate(() =>
      window.llm.generate({ prompt: 'Say something short.' }),
    );
    expect(result).toMatchObject({
      text: ANSWER,
      model: { provider: 'openai', location: 'cloud' },
      finishReason: 'stop',
    });
    const answer = result;
    firstAnswerId = answer.requestId;
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
    expect(answer.usage.outputTokens).toBeGreaterThan(0);
    expect(answer.costUsd).toBeGreaterThan(0);
    expect(answer.attempts).toHaveLength(1);
    // The key went to the provider, from the background, and nowhere else.
    const sent = openai.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent.headers.origin).toMatch(/^chrome-extension:\/\//);
  });

  it('streams text-delta parts as they arrive, ending with the result', async () => {
    const list = await site.evaluate(async () => {
      const parts: LlmStreamPart[] = [];
      for await (const part of window.llm.stream({ prompt: 'Stream please.' })) parts.push(part);
      return parts;
    });
    expect(list[0]).toMatchObject({ type: 'start', model: { provider: 'openai' } });
    const deltas = list.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map((part) => part.delta).join('')).toBe(ANSWER);
    const finish = list.at(-1);
    expect(finish).toMatchObject({ type: 'finish', result: { text: ANSWER } });
  });

  it('turns a malformed request into a TypeError without calling the provider', async () => {
    const before = openai.requests.length;
    const error = await site.evaluate(() =>
      window.settle(window.llm.generate({ prompt: 'x', temperature: 9 })),
    );
    expect(error).toMatchObject({ name: 'TypeError' });
    expect((error as PageError).message).toContain('temperature');
    expect(openai.requests.length).toBe(before);
  });

  it('shows the answered requests and the spend in the options page', async () => {
    const options = await broker.openExtensionPage('extension/ui/options/options.html#usage');
    // Two answers and the malformed request, refused with its reason: every request has a line.
    const lines = options.locator('table.log > tbody');
    await expect.poll(() => lines.count()).toBe(3);
    expect(await lines.filter({ hasText: 'refused' }).count()).toBe(1);
    await broker.screenshot(options, 'options-usage');
    await options.goto(options.url().replace('#usage', '#sites'));
    await expect.poll(() => options.locator('tbody tr').count()).toBe(1);
    await broker.screenshot(options, 'options-sites');
    await options.close();
  });

  it('fails an in-flight stream cleanly when the service worker stops, then reconnects', async () => {
    // Session memory (what a restarted worker still knows) is written within a second of an
    // answer; Chrome stops a worker only after 30 s without events, so it always has been.
    await new Promise((done) => setTimeout(done, 1_100));
    openai.script({ kind: 'answer', tokenDelayMs: 200 });
    const streaming = site.evaluate(async () => {
      const parts: string[] = [];
      (window as unknown as { seen: string[] }).seen = parts;
      try {
        for await (const part of window.llm.stream({ prompt: 'A slow answer, please.' }))
          parts.push(part.type);
        return { parts, error: undefined };
      } catch (error) {
        return { parts, error: { name: (error as Error).name, message: (error as Error).message } };
      }
    });
    // Stop the worker once the page has seen text: that text must be paid for.
    await site.waitForFunction(() =>
      (window as unknown as { seen?: string[] }).seen?.includes('text-delta'),
    );
    // Chrome stops idle workers on its own; tests have to ask (docs/architecture.md §7).
    const cdp = await broker.context.newCDPSession(site);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    const outcome = await streaming;
    expect(outcome.error).toMatchObject({
      name: 'NetworkError',
      message: expect.stringMatching(/restarted/),
    });
    // The next call wakes the worker again through a fresh port.
    expect(await site.evaluate(() => window.llm.ping())).toBe('pong');
    const result = await site.evaluate(() => window.llm.generate({ prompt: 'After the restart.' }));
    expect(result.text).toBe(ANSWER);
    // What the stopped worker knew is still known: an earlier answer can be rated…
    expect(
      await site.evaluate((id) => window.settle(window.llm.feedback(id, 1)), firstAnswerId),
    ).toBeUndefined();
    // …and the interrupted stream has its record, at what it had delivered.
    const log = await broker.openExtensionPage('extension/ui/options/options.html#usage');
    await expect
      .poll(() => log.locator('table.log > tbody').filter({ hasText: 'interrupted' }).count())
      .toBe(1);
    await log.close();
    // The stopped worker's reservation was given back by the new one.
    const options = await broker.openExtensionPage('extension/ui/options/options.html#budgets');
    await expect.poll(() => options.getByText(/This month:/).count()).toBe(1);
    expect(await options.getByText(/held by running requests/).count()).toBe(0);
    await options.close();
  });
});
