/**
 * The Prompt API shim against what the Web Platform Tests' text tests check (wpt
 * `ai/language-model/`), written for this project from their assertions: input conversion,
 * sampling modes and the window-only surface, user activation, download progress and aborts,
 * clone and streaming aborts, context usage and QuotaExceededError, contextoverflow, JSON
 * schemas, languages. Chromium's own LanguageModel is switched off so the shim is the one tested.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LanguageModelSession } from '../../src/protocol/language-model';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite, saveProviderAccount, titleWithoutScript } from './e2e-setup';

const API_KEY = 'sk-e2e-conformance-000000000000';
const ANSWER = 'Paris is the capital of France.';

type Scratch = { session: LanguageModelSession };

describe('the Prompt API, as the Web Platform Tests check it', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let site: Page;

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: API_KEY, text: ANSWER });
    broker = await launchBroker({ extraArgs: ['--disable-blink-features=AIPromptAPI'] });
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: API_KEY,
      baseUrl: `${openai.url}/v1`,
    });
    site = await broker.openTestPage();
    await allowSite(broker, site);
    await site.evaluate(async () => {
      (window as unknown as Scratch).session = await window.LanguageModel.create();
    });
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
  });

  it('needs a user gesture to create a session on a site without a grant', async () => {
    const pagesBefore = broker.context.pages().length;
    const other = await broker.context.newPage();
    await other.goto(`${broker.pagesUrl.replace('127.0.0.1', 'localhost')}/create-on-load.html`);
    await expect
      .poll(() => titleWithoutScript(broker, other), { timeout: 10_000 })
      .toBe('NotAllowedError');
    expect(broker.context.pages().length).toBe(pagesBefore + 1);
    await other.close();
  });

  it('exposes the window surface: no params(), no temperature or topK, a samplingMode', async () => {
    expect(
      await site.evaluate(() => {
        const { session } = window as unknown as Scratch;
        const record = session as unknown as Record<string, unknown>;
        return {
          params: 'params' in window.LanguageModel,
          temperature: record.temperature,
          topK: record.topK,
          samplingMode: session.samplingMode,
          instance: session instanceof (window.LanguageModel as unknown as typeof EventTarget),
          methods: [
            'prompt',
            'promptStreaming',
            'append',
            'measureContextUsage',
            'clone',
            'destroy',
          ]
            .map((name) => typeof record[name])
            .every((type) => type === 'function'),
          numbers: [session.contextUsage, session.contextWindow].map((value) => typeof value),
        };
      }),
    ).toEqual({
      params: false,
      temperature: undefined,
      topK: undefined,
      samplingMode: 'balanced',
      instance: true,
      methods: true,
      numbers: ['number', 'number'],
    });
  });

  it('accepts every sampling mode, keeps it on clone(), and ignores temperature and topK', async () => {
    const modes = await site.evaluate(async () => {
      const all = [
        'most-predictable',
        'predictable',
        'slightly-predictable',
        'balanced',
        'slightly-creative',
        'creative',
        'most-creative',
      ] as const;
      const kept: string[] = [];
      for (const samplingMode of all) {
        const session = await window.LanguageModel.create({ samplingMode });
        kept.push((await session.clone()).samplingMode);
        session.destroy();
      }
      const legacy = await window.LanguageModel.create({
        samplingMode: 'balanced',
        temperature: 0.8,
        topK: 10,
      });
      return { kept, legacy: legacy.samplingMode };
    });
    expect(modes.kept).toEqual([
      'most-predictable',
      'predictable',
      'slightly-predictable',
      'balanced',
      'slightly-creative',
      'creative',
      'most-creative',
    ]);
    expect(modes.legacy).toBe('balanced');
  });

  it('converts what is not a sequence of messages into a string, and answers it', async () => {
    const answers = await site.evaluate(async () => {
      const { session } = window as unknown as Scratch;
      const session2 = await session.clone();
      return Promise.all([
        session2.prompt({} as unknown as string),
        session2.prompt([] as unknown as string),
        session2.prompt(null as unknown as string),
        session2.prompt(undefined as unknown as string),
        session2.prompt(''),
        session2.prompt(['' as unknown as never] as never).catch((error: Error) => error.name),
      ]);
    });
    expect(answers.slice(0, 5)).toEqual([ANSWER, ANSWER, ANSWER, ANSWER, ANSWER]);
    // A sequence whose item is not a message is a TypeError.
    expect(answers[5]).toBe('TypeError');
    const sent = openai.requests.at(-3)!.body as { messages: Array<{ content: unknown }> };
    expect(JSON.stringify(sent.messages)).toContain('[object Object]');
  });

  it('answers "unavailable" for a language nobody can name, and rejects invalid tags', async () => {
    expect(
      await site.evaluate(async () => ({
        unk: await window.LanguageModel.availability({
          expectedInputs: [{ type: 'text', languages: ['unk'] }],
        }),
        unkOut: await window.LanguageModel.availability({
          expectedOutputs: [{ type: 'text', languages: ['unk'] }],
        }),
        en: await window.LanguageModel.availability({
          expectedInputs: [{ type: 'text', languages: ['EN'] }],
        }),
        createUnk: await window
          .settle(
            window.LanguageModel.create({
              expectedInputs: [{ type: 'text', languages: ['unk'] }],
            }),
          )
          .then((outcome) => (outcome as { name?: string }).name),
        invalid: await window
          .settle(
            window.LanguageModel.availability({
              expectedInputs: [{ type: 'text', languages: ['en-abc-invalid'] }],
            }),
          )
          .then((outcome) => (outcome as { name?: string }).name),
        soup: await window
          .settle(
            window.LanguageModel.availability({
              expectedInputs: [{ type: 'soup' as 'text' }],
            }),
          )
          .then((outcome) => (outcome as { name?: string }).name),
        plausible: await window.LanguageModel.availability({
          topK: -2,
          temperature: -0.5,
        } as never),
      })),
    ).toEqual({
      unk: 'unavailable',
      unkOut: 'unavailable',
      en: 'available',
      createUnk: 'NotSupportedError',
      invalid: 'RangeError',
      soup: 'TypeError',
      plausible: 'available',
    });
  });

  it('reports download progress 0 then 1, length computable, and notices an abort between', async () => {
    const outcome = await site.evaluate(async () => {
      const events: Array<{ loaded: number; total: number; computable: boolean }> = [];
      await window.LanguageModel.create({
        monitor(monitor: EventTarget) {
          monitor.addEventListener('downloadprogress', (event) => {
            const progress = event as ProgressEvent;
            events.push({
              loaded: progress.loaded,
              total: progress.total,
              computable: progress.lengthComputable,
            });
          });
        },
      });
      const abortedAt: Array<string> = [];
      for (const at of [0, 1]) {
        const controller = new AbortController();
        const reason = new Error(`aborted at ${at}`);
        const created = window.LanguageModel.create({
          signal: controller.signal,
          monitor(monitor: EventTarget) {
            monitor.addEventListener('downloadprogress', (event) => {
              if ((event as ProgressEvent).loaded === at) controller.abort(reason);
            });
          },
        });
        abortedAt.push(
          await created.then(
            () => 'created',
            (error) => (error === reason ? 'rejected with the reason' : String(error)),
          ),
        );
      }
      return { events, abortedAt };
    });
    expect(outcome.events).toEqual([
      { loaded: 0, total: 1, computable: true },
      { loaded: 1, total: 1, computable: true },
    ]);
    expect(outcome.abortedAt).toEqual(['rejected with the reason', 'rejected with the reason']);
  });

  it('rejects clone() and throws from promptStreaming() for an aborted signal', async () => {
    const outcome = await site.evaluate(async () => {
      const { session } = window as unknown as Scratch;
      const controller = new AbortController();
      const cloning = session.clone({ signal: controller.signal });
      controller.abort();
      const clone = await cloning.then(
        () => 'cloned',
        (error: Error) => error.name,
      );
      const custom = new DOMException('custom', 'VersionError');
      const aborted = new AbortController();
      aborted.abort(custom);
      let thrown: unknown;
      try {
        session.promptStreaming('x', { signal: aborted.signal });
      } catch (error) {
        thrown = error;
      }
      const streaming = new AbortController();
      const stream = session.promptStreaming('x', { signal: streaming.signal });
      streaming.abort();
      const piped = await stream.pipeTo(new WritableStream()).then(
        () => 'finished',
        (error: Error) => error.name,
      );
      return { clone, thrownIsReason: thrown === custom, piped };
    });
    expect(outcome).toEqual({ clone: 'AbortError', thrownIsReason: true, piped: 'AbortError' });
  });

  it('counts context usage as measureContextUsage does, and refuses a prompt larger than the window', async () => {
    const outcome = await site.evaluate(async () => {
      const session = await window.LanguageModel.create();
      const start = session.contextUsage;
      const promptUsage = await session.measureContextUsage('Please write a sentence in English.');
      const answer = await session.prompt('Please write a sentence in English.');
      const answerUsage = await session.measureContextUsage([
        { role: 'assistant', content: answer },
      ]);
      const huge = 'Please write a sentence in English. '.repeat(session.contextWindow);
      const requested = await session.measureContextUsage(huge);
      const error = (await session.prompt(huge).catch((caught) => caught)) as DOMException & {
        requested?: number;
        quota?: number;
      };
      return {
        start,
        grewBy: session.contextUsage - start,
        expected: promptUsage + answerUsage,
        error: { name: error.name, requested: error.requested, quota: error.quota },
        requested,
        quota: session.contextWindow,
      };
    });
    expect(outcome.start).toBe(0);
    expect(outcome.grewBy).toBe(outcome.expected);
    expect(outcome.error).toEqual({
      name: 'QuotaExceededError',
      requested: outcome.requested,
      quota: outcome.quota,
    });
  });

  it('sends a turn that nearly fills the window, and evicts older turns when it must', async () => {
    const outcome = await site.evaluate(async () => {
      const session = await window.LanguageModel.create();
      let overflows = 0;
      session.addEventListener('contextoverflow', () => overflows++);
      const long = 'Please write a sentence in English.'.repeat(10);
      await session.append(long);
      // As large as the window allows next to what is there: no eviction, and the bridge takes it.
      const fill = long.repeat(Math.floor((session.contextWindow * 0.9) / session.contextUsage));
      const answer = await session.prompt(fill);
      const afterFill = overflows;
      // Another such turn cannot fit beside it: the older turns make way.
      await session.prompt(fill);
      return {
        window: session.contextWindow,
        answered: typeof answer,
        afterFill,
        overflows,
        within: session.contextUsage <= session.contextWindow,
      };
    });
    expect(outcome.window).toBeGreaterThan(0);
    expect(outcome.answered).toBe('string');
    expect(outcome.afterFill).toBe(0);
    expect(outcome.overflows).toBe(1);
    expect(outcome.within).toBe(true);
  });

  it('rejects at once, with InvalidStateError, a call from a frame taken out of its document', async () => {
    const name = await site.evaluate(async () => {
      const frame = document.createElement('iframe');
      document.body.append(frame);
      const frameWindow = frame.contentWindow as Window & typeof globalThis;
      const FrameLanguageModel = frameWindow.LanguageModel;
      const FrameDOMException = frameWindow.DOMException;
      frame.remove();
      const error = await Promise.race([
        FrameLanguageModel.availability().then(
          () => 'answered',
          (caught: unknown) => caught,
        ),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5000)),
      ]);
      return error instanceof FrameDOMException ? error.name : String(error);
    });
    expect(name).toBe('InvalidStateError');
  });

  it('counts initialPrompts in context usage', async () => {
    const outcome = await site.evaluate(async () => {
      const initialPrompts = [
        {
          role: 'system' as const,
          content: [{ type: 'text' as const, value: 'The word of the day is regurgitation.' }],
        },
      ];
      const session = await window.LanguageModel.create({ initialPrompts });
      return {
        usage: session.contextUsage,
        measured: await session.measureContextUsage(initialPrompts),
      };
    });
    expect(outcome.usage).toBeGreaterThan(0);
    expect(outcome.usage).toBe(outcome.measured);
  });

  it('refuses an invalid or self-referencing JSON schema with NotSupportedError, sending nothing', async () => {
    const before = openai.requests.length;
    const names = await site.evaluate(async () => {
      const { session } = window as unknown as Scratch;
      const circular: Record<string, unknown> = { type: 'object' };
      circular.properties = { self: circular };
      const outcomes = await Promise.all(
        [
          session.prompt('x', { responseConstraint: { type: 'soup' } }),
          session.prompt('x', { responseConstraint: circular }),
        ].map((call) =>
          call.then(
            () => 'answered',
            (error: Error) => error.name,
          ),
        ),
      );
      return outcomes;
    });
    expect(names).toEqual(['NotSupportedError', 'NotSupportedError']);
    expect(openai.requests.length).toBe(before);
  });
});
