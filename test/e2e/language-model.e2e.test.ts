/**
 * The W3C Prompt API shim end to end: Chromium started without its own `LanguageModel` (the
 * AIPromptAPI Blink feature off), a site creating a session — which asks the person — and
 * prompting it through the extension, answered by a loopback server speaking OpenAI's format.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LanguageModelSession } from '../../src/protocol/language-model';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, globalsAdded, launchBroker } from './e2e-harness';
import { answerConsent, saveProviderAccount, withGesture } from './e2e-setup';

const API_KEY = 'sk-e2e-language-model-0123456789abcdef';
const ANSWER = 'A session answer, streamed through the router one token at a time.';
/** This Chromium ships a `LanguageModel` of its own; the shim only appears without it. */
const NO_NATIVE_PROMPT_API = ['--disable-blink-features=AIPromptAPI'];

/** What the tests keep on the page between evaluations. */
type Scratch = {
  session: LanguageModelSession;
  pending: Promise<unknown>;
  controller: AbortController;
};

/** The chat messages of a recorded OpenAI request, content flattened to text. */
function sentMessages(body: unknown): Array<{ role: string; text: string }> {
  const { messages } = body as { messages: Array<{ role: string; content: unknown }> };
  return messages.map(({ role, content }) => ({
    role,
    text:
      typeof content === 'string'
        ? content
        : (content as Array<{ text?: string }>).map((part) => part.text ?? '').join(''),
  }));
}

describe('LanguageModel (the W3C Prompt API) where the browser has none', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let site: Page;

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: API_KEY, text: ANSWER });
    broker = await launchBroker({ extraArgs: NO_NATIVE_PROMPT_API });
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: API_KEY,
      baseUrl: `${openai.url}/v1`,
    });
    // Saving tested the key (one request); the tests count what sites cause.
    openai.reset();
    site = await broker.openTestPage();
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
  });

  it('is defined like a built-in class global, and is the only global added but window.llm', async () => {
    expect(
      await site.evaluate(() => {
        const descriptor = Object.getOwnPropertyDescriptor(window, 'LanguageModel')!;
        let constructed = '';
        try {
          new (window.LanguageModel as unknown as new () => unknown)();
        } catch (error) {
          constructed = (error as Error).name;
        }
        return {
          enumerable: descriptor.enumerable,
          writable: descriptor.writable,
          configurable: descriptor.configurable,
          listed: Object.keys(window).includes('LanguageModel'),
          name: (window.LanguageModel as unknown as { name: string }).name,
          tag: Object.prototype.toString.call(window.LanguageModel.prototype),
          eventTarget: window.LanguageModel.prototype instanceof EventTarget,
          constructed,
        };
      }),
    ).toEqual({
      enumerable: false,
      writable: true,
      configurable: true,
      listed: false,
      name: 'LanguageModel',
      tag: '[object LanguageModel]',
      eventTarget: true,
      constructed: 'TypeError',
    });
    const { added, baseline } = await globalsAdded(broker, NO_NATIVE_PROMPT_API);
    expect(baseline.has('LanguageModel')).toBe(false);
    expect(added).toEqual(['LanguageModel', 'llm']);
  });

  it('says "downloadable" before the site has a grant, "unavailable" for what it cannot do', async () => {
    expect(await site.evaluate(() => window.LanguageModel.availability())).toBe('downloadable');
    expect(
      await site.evaluate(() =>
        window.LanguageModel.availability({ expectedInputs: [{ type: 'image' }] }),
      ),
    ).toBe('unavailable');
    expect(
      await site.evaluate(() =>
        window.settle(
          window.LanguageModel.availability({ expectedInputs: 'text' as unknown as [] }),
        ),
      ),
    ).toMatchObject({ name: 'TypeError', message: expect.stringContaining('expectedInputs') });
    expect(
      await site.evaluate(() =>
        window.settle(
          window.LanguageModel.availability({
            expectedInputs: [{ type: 'text', languages: ['not a tag!'] }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'RangeError' });
  });

  it('rejects create() with NotAllowedError when the person denies, charging and sending nothing', async () => {
    // Another origin (localhost, not 127.0.0.1), so the refusal does not hold back the grant below.
    const other = await broker.context.newPage();
    await other.goto(`${broker.pagesUrl.replace('127.0.0.1', 'localhost')}/index.html`);
    const outcome = await answerConsent(broker, 'Deny', () =>
      withGesture(other, () => window.settle(window.LanguageModel.create())),
    );
    expect(outcome).toMatchObject({ name: 'NotAllowedError' });
    expect(await other.evaluate(() => window.LanguageModel.availability())).toBe('downloadable');
    expect(openai.requests).toHaveLength(0);
    await other.close();
  });

  it('asks for consent in create(), then is "available" and answers with history kept', async () => {
    await answerConsent(
      broker,
      'Allow',
      () =>
        withGesture(site, async () => {
          (window as unknown as Scratch).session = await window.LanguageModel.create({
            initialPrompts: [{ role: 'system', content: 'You answer briefly.' }],
            samplingMode: 'slightly-creative',
            expectedInputs: [{ type: 'text', languages: ['en'] }],
          });
        }),
      async (consent) => {
        await expect
          .poll(() => consent.locator('#consent-origin').textContent())
          .toBe(broker.pagesUrl);
        await broker.screenshot(consent, 'language-model-consent');
      },
    );
    expect(await site.evaluate(() => window.LanguageModel.availability())).toBe('available');
    const first = await site.evaluate(() =>
      (window as unknown as Scratch).session.prompt('First question?'),
    );
    expect(first).toBe(ANSWER);
    const second = await site.evaluate(() =>
      (window as unknown as Scratch).session.prompt([
        { role: 'user', content: 'Second question?' },
      ]),
    );
    expect(second).toBe(ANSWER);
    const sent = openai.requests.at(-1)!.body as { temperature?: number };
    expect(sentMessages(sent)).toEqual([
      { role: 'system', text: 'You answer briefly.' },
      { role: 'user', text: 'First question?' },
      { role: 'assistant', text: ANSWER },
      { role: 'user', text: 'Second question?' },
    ]);
    // The sampling mode travels as a temperature.
    expect(sent.temperature).toBe(0.9);
    const usage = await site.evaluate(() => {
      const { session } = window as unknown as Scratch;
      return {
        contextUsage: session.contextUsage,
        contextWindow: session.contextWindow,
        legacy: session.inputUsage === session.contextUsage,
      };
    });
    expect(usage.contextUsage).toBeGreaterThan(0);
    expect(usage.contextWindow).toBeGreaterThan(usage.contextUsage);
    expect(usage.legacy).toBe(true);
  });

  it('streams the answer as text chunks that add up to it', async () => {
    const chunks = await site.evaluate(async () => {
      const received: string[] = [];
      const stream = (window as unknown as Scratch).session.promptStreaming('Stream it, please.');
      for await (const chunk of stream as unknown as AsyncIterable<string>) received.push(chunk);
      return received;
    });
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.join('')).toBe(ANSWER);
    const next = await site.evaluate(() =>
      (window as unknown as Scratch).session.prompt('And then?'),
    );
    expect(next).toBe(ANSWER);
    expect(sentMessages(openai.requests.at(-1)!.body).slice(-3)).toEqual([
      { role: 'user', text: 'Stream it, please.' },
      { role: 'assistant', text: ANSWER },
      { role: 'user', text: 'And then?' },
    ]);
  });

  it('asks for JSON matching a responseConstraint', async () => {
    openai.script({ kind: 'answer', text: '{"rating": 4}' });
    const schema = { type: 'object', properties: { rating: { type: 'number' } } };
    const answer = await site.evaluate(
      (responseConstraint) =>
        (window as unknown as Scratch).session.prompt('Rate it.', { responseConstraint }),
      schema,
    );
    expect(JSON.parse(answer)).toEqual({ rating: 4 });
    const sent = openai.requests.at(-1)!.body as { response_format?: { type: string } };
    expect(sent.response_format?.type).toMatch(/json/);
  });

  it('aborts a prompt with its signal, stopping the upstream request and keeping no trace', async () => {
    openai.script({ kind: 'answer', tokenDelayMs: 200 });
    const before = openai.requests.length;
    await site.evaluate(() => {
      const scratch = window as unknown as Scratch;
      scratch.controller = new AbortController();
      scratch.pending = window.settle(
        scratch.session.prompt('A slow one.', { signal: scratch.controller.signal }),
      );
    });
    await openai.waitForRequests(before + 1);
    const closed = openai.waitForClientClose();
    await site.evaluate(() => (window as unknown as Scratch).controller.abort());
    expect(await site.evaluate(() => (window as unknown as Scratch).pending)).toMatchObject({
      name: 'AbortError',
    });
    await closed;
    // Cancelling a stream's reader stops its request too.
    openai.script({ kind: 'answer', tokenDelayMs: 200 });
    await site.evaluate(async () => {
      const reader = (window as unknown as Scratch).session
        .promptStreaming('Another slow one.')
        .getReader();
      await reader.read();
      await reader.cancel();
    });
    await openai.waitForClientClose();
    await site.evaluate(() => (window as unknown as Scratch).session.prompt('Still there?'));
    const texts = sentMessages(openai.requests.at(-1)!.body).map(({ text }) => text);
    expect(texts).not.toContain('A slow one.');
    expect(texts).not.toContain('Another slow one.');
  });

  it('refuses bad input with the error the spec names, sending nothing', async () => {
    const before = openai.requests.length;
    const errors = await site.evaluate(async () => {
      const { session } = window as unknown as Scratch;
      const outcomes = await Promise.all([
        window.settle(session.prompt([{ role: 'robot' as 'user', content: 'x' }])),
        window.settle(
          session.prompt([{ role: 'user', content: [{ type: 'image', value: new Blob() }] }]),
        ),
        window.settle(session.prompt([{ role: 'system', content: 'Too late for this.' }])),
        window.settle(
          session.prompt('x', { responseConstraint: /x/ as unknown as Record<string, unknown> }),
        ),
        window.settle(
          window.LanguageModel.create({
            samplingMode: 'wild' as unknown as 'balanced',
          }),
        ),
      ]);
      return outcomes as Array<{ name: string; message: string }>;
    });
    expect(errors.map(({ name }) => name)).toEqual([
      'TypeError',
      'NotSupportedError',
      'TypeError',
      'NotSupportedError',
      'TypeError',
    ]);
    expect(errors[0]!.message).toContain('input');
    expect(errors[4]!.message).toContain('samplingMode');
    expect(openai.requests.length).toBe(before);
  });

  it('measures input, appends without answering, and clones the conversation', async () => {
    const result = await site.evaluate(async () => {
      const { session } = window as unknown as Scratch;
      const measured = await session.measureContextUsage('How many tokens is this sentence?');
      const usageBefore = session.contextUsage;
      await session.append('Remember the number 42.');
      const copy = await session.clone();
      await copy.prompt('Which number?');
      return { measured, grew: session.contextUsage > usageBefore };
    });
    expect(result.measured).toBeGreaterThan(0);
    expect(result.grew).toBe(true);
    expect(sentMessages(openai.requests.at(-1)!.body).slice(-2)).toEqual([
      { role: 'user', text: 'Remember the number 42.' },
      { role: 'user', text: 'Which number?' },
    ]);
  });

  it('destroy() aborts what is in flight; later calls reject with InvalidStateError', async () => {
    openai.script({ kind: 'answer', tokenDelayMs: 200 });
    const before = openai.requests.length;
    await site.evaluate(() => {
      const scratch = window as unknown as Scratch;
      scratch.pending = window.settle(scratch.session.prompt('Slow again.'));
    });
    await openai.waitForRequests(before + 1);
    const outcome = await site.evaluate(async () => {
      const { session, pending } = window as unknown as Scratch;
      session.destroy();
      let streaming = '';
      try {
        session.promptStreaming('After the end.');
      } catch (error) {
        streaming = (error as Error).name;
      }
      return {
        inFlight: await pending,
        later: await window.settle(session.prompt('After the end.')),
        streaming,
      };
    });
    expect(outcome).toMatchObject({
      inFlight: { name: 'AbortError' },
      later: { name: 'InvalidStateError' },
      streaming: 'InvalidStateError',
    });
    await openai.waitForClientClose();
  });
});
