/**
 * `LanguageModel` — the W3C Prompt API (webmachinelearning/prompt-api), offered only where the
 * browser has none (docs/architecture.md §3) and backed by the router through the page's own
 * `window.llm` broker: same channel, same grant, same budget. A session keeps its conversation
 * here, in the page, and sends all of it with each prompt (the router is stateless).
 *
 * Availability: `available` when this site has a grant and at least one model it may use;
 * `downloadable` when it has no grant yet (create() asks the person, as a built-in model would
 * download first); `unavailable` when nothing could answer, or for options beyond text in, text out.
 */

import type {
  LanguageModelAvailability,
  LanguageModelConstructor,
  LanguageModelParams,
  LanguageModelSession,
} from '../../src/protocol/language-model';
import type { LlmBrokerApi } from '../../src/protocol/llm-broker-api';
import type { LlmRequest, Message } from '../../src/protocol/llm-request';
import type { TokenUsage } from '../../src/protocol/llm-result';
import {
  type CanonicalPrompt,
  canonicalizePrompt,
  dictionary,
  notSupported,
  optionalSignal,
  parseCoreOptions,
  parseCreateOptions,
  parsePromptOptions,
  type TextMessage,
} from './language-model-input';

type BrokerCalls = Pick<
  LlmBrokerApi,
  'getPermission' | 'requestPermission' | 'models' | 'route' | 'generate' | 'stream'
>;

interface SessionState {
  system: string | undefined;
  history: TextMessage[];
  contextUsage: number;
  contextWindow: number;
  temperature: number | undefined;
}

/** The nominal default the session reports when `create()` was given no temperature. */
const DEFAULT_TEMPERATURE = 1;

function invalidState(): DOMException {
  return new DOMException('The session has been destroyed.', 'InvalidStateError');
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function asMessages(prompt: CanonicalPrompt): Message[] {
  const system: Message[] =
    prompt.system === undefined ? [] : [{ role: 'system', content: prompt.system }];
  return [...system, ...prompt.messages];
}

/** Builds the `LanguageModel` class on top of a broker, calling it through bound methods. */
export function createLanguageModel(broker: BrokerCalls): LanguageModelConstructor {
  // Bound now, so a page patching the broker's prototype later cannot redirect the shim.
  const getPermission = broker.getPermission.bind(broker);
  const requestPermission = broker.requestPermission.bind(broker);
  const models = broker.models.bind(broker);
  const route = broker.route.bind(broker);
  const generate = broker.generate.bind(broker);
  const stream = broker.stream.bind(broker);
  /** Only `create()` and `clone()` may construct: `new LanguageModel()` is illegal, as natively. */
  const constructing = Symbol('LanguageModel');

  /** Tokens `prompt` takes, as the router counts them: a route decision, no model called. */
  async function measure(prompt: CanonicalPrompt): Promise<number> {
    const decision = await route({ messages: asMessages(prompt) });
    return decision.inputTokens;
  }

  class LanguageModel extends EventTarget implements LanguageModelSession {
    readonly #state: SessionState;
    /** Aborted by destroy() (or create()'s signal): fails what is in flight and what comes next. */
    readonly #destruction = new AbortController();
    /** Prompts and appends run one at a time, in order, as the spec queues them. */
    #queue: Promise<unknown> = Promise.resolve();
    readonly #handlers = new Map<string, unknown>();

    constructor(key: symbol, state: SessionState) {
      super();
      if (key !== constructing) throw new TypeError('Illegal constructor');
      this.#state = state;
    }

    static async availability(options?: unknown): Promise<LanguageModelAvailability> {
      if (!parseCoreOptions(dictionary(options, 'options')).supported) return 'unavailable';
      if (!(await getPermission()).granted) return 'downloadable';
      return (await models()).length > 0 ? 'available' : 'unavailable';
    }

    static async params(): Promise<LanguageModelParams> {
      return { defaultTemperature: DEFAULT_TEMPERATURE, maxTemperature: 2 };
    }

    static async create(options?: unknown): Promise<LanguageModel> {
      const parsed = parseCreateOptions(options);
      const { signal } = parsed;
      signal?.throwIfAborted();
      if (!parsed.supported) {
        throw notSupported('Only text input and output are supported (no images, audio or tools).');
      }
      const monitor = new EventTarget();
      parsed.monitor?.(monitor);
      // Asking is this API's "download": the person decides in the extension's window. Aborting
      // rejects at once; the window stays open for the person to answer anyway.
      if (!(await untilAborted(getPermission(), signal)).granted) {
        const asked = await untilAborted(requestPermission(), signal);
        if (!asked.granted) {
          throw new DOMException(
            'The user did not allow this site to use LLM Broker.',
            'NotAllowedError',
          );
        }
      }
      const usable = await untilAborted(models(), signal);
      if (usable.length === 0) throw notSupported('No model this site may use can answer.');
      const contextWindow = Math.max(...usable.map((model) => model.contextTokens));
      const initial = parsed.initialPrompt;
      const contextUsage = initial ? await untilAborted(measure(initial), signal) : 0;
      if (contextUsage > contextWindow) {
        throw new DOMException(
          `initialPrompts take about ${contextUsage} tokens; the largest context window is ${contextWindow}.`,
          'QuotaExceededError',
        );
      }
      for (const loaded of [0, 1]) {
        monitor.dispatchEvent(new ProgressEvent('downloadprogress', { loaded, total: 1 }));
      }
      const session = new LanguageModel(constructing, {
        system: initial?.system,
        history: initial?.messages ?? [],
        contextUsage,
        contextWindow,
        temperature: parsed.temperature,
      });
      signal?.addEventListener('abort', () => session.#destroy(signal.reason), { once: true });
      return session;
    }

    get contextUsage(): number {
      return this.#state.contextUsage;
    }

    get contextWindow(): number {
      return this.#state.contextWindow;
    }

    get inputUsage(): number {
      return this.#state.contextUsage;
    }

    get inputQuota(): number {
      return this.#state.contextWindow;
    }

    get temperature(): number {
      return this.#state.temperature ?? DEFAULT_TEMPERATURE;
    }

    get oncontextoverflow() {
      return this.#handler('contextoverflow');
    }

    set oncontextoverflow(handler) {
      this.#setHandler('contextoverflow', handler);
    }

    get onquotaoverflow() {
      return this.#handler('quotaoverflow');
    }

    set onquotaoverflow(handler) {
      this.#setHandler('quotaoverflow', handler);
    }

    async prompt(input: unknown, options?: unknown): Promise<string> {
      this.#assertAlive();
      const { signal: given, schema } = parsePromptOptions(options);
      const turn = canonicalizePrompt(input, this.#hasContext());
      const signal = this.#signal(given);
      return this.#enqueue(signal, async () => {
        const request = this.#request(turn, schema);
        const result = await untilAborted(generate({ ...request, signal }), signal);
        this.#commit(turn, result.text, result.usage);
        return result.text;
      });
    }

    promptStreaming(input: unknown, options?: unknown): ReadableStream<string> {
      this.#assertAlive();
      let turn: CanonicalPrompt;
      let parsed: ReturnType<typeof parsePromptOptions>;
      try {
        parsed = parsePromptOptions(options);
        turn = canonicalizePrompt(input, this.#hasContext());
      } catch (error) {
        return new ReadableStream({ start: (controller) => controller.error(error) });
      }
      const cancelled = new AbortController();
      const signal = this.#signal(parsed.signal, cancelled.signal);
      return new ReadableStream<string>({
        start: (controller) => {
          this.#enqueue(signal, async () => {
            const answer = stream({ ...this.#request(turn, parsed.schema), signal });
            for await (const part of answer) {
              // Each chunk is new text (the current explainer; early Chrome sent the text so far).
              if (part.type === 'text-delta' && !signal.aborted) controller.enqueue(part.delta);
            }
            const result = await answer.result;
            this.#commit(turn, result.text, result.usage);
            controller.close();
          }).catch((error: unknown) => controller.error(signal.aborted ? signal.reason : error));
        },
        // The reader gave up: stop the upstream request, so nothing unread is generated or paid.
        cancel: (reason) => cancelled.abort(reason),
      });
    }

    async append(input: unknown, options?: unknown): Promise<void> {
      this.#assertAlive();
      const signal = this.#signal(optionalSignal(dictionary(options, 'options')));
      const turn = canonicalizePrompt(input, this.#hasContext());
      await this.#enqueue(signal, async () => {
        this.#assertSystemStillFirst(turn);
        const used = await untilAborted(measure(turn), signal);
        this.#state.system ??= turn.system;
        this.#state.history.push(...turn.messages);
        this.#state.contextUsage += used;
      });
    }

    async measureContextUsage(input: unknown, options?: unknown): Promise<number> {
      this.#assertAlive();
      const { signal } = parsePromptOptions(options);
      return untilAborted(measure(canonicalizePrompt(input, false)), this.#signal(signal));
    }

    measureInputUsage(input: unknown, options?: unknown): Promise<number> {
      return this.measureContextUsage(input, options);
    }

    async clone(options?: unknown): Promise<LanguageModel> {
      this.#assertAlive();
      this.#signal(optionalSignal(dictionary(options, 'options'))).throwIfAborted();
      const state = this.#state;
      return new LanguageModel(constructing, { ...state, history: [...state.history] });
    }

    destroy(): void {
      this.#destroy(new DOMException('The session was destroyed.', 'AbortError'));
    }

    #destroy(reason: unknown): void {
      if (!this.#destruction.signal.aborted) this.#destruction.abort(reason);
    }

    #assertAlive(): void {
      if (this.#destruction.signal.aborted) throw invalidState();
    }

    #hasContext(): boolean {
      return this.#state.system !== undefined || this.#state.history.length > 0;
    }

    /** A queued prompt checked its system message against the conversation as it was then. */
    #assertSystemStillFirst(turn: CanonicalPrompt): void {
      if (turn.system !== undefined && this.#hasContext()) {
        throw new TypeError('A system message may only open the conversation.');
      }
    }

    /** One signal for an operation: the session's destruction, plus the page's own signals. */
    #signal(...signals: Array<AbortSignal | undefined>): AbortSignal {
      const given = signals.filter((signal): signal is AbortSignal => signal !== undefined);
      return given.length
        ? AbortSignal.any([this.#destruction.signal, ...given])
        : this.#destruction.signal;
    }

    #enqueue<T>(signal: AbortSignal, task: () => Promise<T>): Promise<T> {
      const run = this.#queue.then(() => {
        signal.throwIfAborted(); // aborted while waiting its turn: never sent
        return task();
      });
      this.#queue = run.catch(() => {});
      return untilAborted(run, signal);
    }

    /** The whole conversation plus the new turn, as one router request. */
    #request(turn: CanonicalPrompt, schema: Record<string, unknown> | undefined): LlmRequest {
      this.#assertSystemStillFirst(turn);
      const { history, temperature } = this.#state;
      const system = this.#state.system ?? turn.system;
      return {
        ...(system !== undefined && { system }),
        messages: [...history, ...turn.messages],
        ...(temperature !== undefined && { temperature }),
        ...(schema && { responseFormat: { type: 'json', schema } }),
      };
    }

    /** An answered turn joins the conversation; an aborted or failed one leaves no trace. */
    #commit(turn: CanonicalPrompt, answer: string, usage: TokenUsage): void {
      this.#state.system ??= turn.system;
      this.#state.history.push(...turn.messages, { role: 'assistant', content: answer });
      // The provider counted the whole conversation it was sent, and the answer.
      const used = usage.inputTokens + usage.outputTokens;
      if (used > 0) this.#state.contextUsage = used;
    }

    #handler(type: string): ((event: Event) => unknown) | null {
      return (this.#handlers.get(type) as (event: Event) => unknown) ?? null;
    }

    /** An `on<type>` event handler attribute: one listener that calls whatever is set now. */
    #setHandler(type: string, handler: unknown): void {
      if (!this.#handlers.has(type)) {
        this.addEventListener(type, (event) => this.#handler(type)?.call(this, event));
      }
      this.#handlers.set(type, typeof handler === 'function' ? handler : null);
    }
  }

  // Minifying renames classes; the global keeps the name and string tag a built-in would have.
  Object.defineProperty(LanguageModel, 'name', { value: 'LanguageModel' });
  Object.defineProperty(LanguageModel.prototype, Symbol.toStringTag, {
    value: 'LanguageModel',
    configurable: true,
  });
  return LanguageModel as unknown as LanguageModelConstructor;
}

/**
 * Defines `window.LanguageModel` if the browser has none, as a built-in class global would be
 * (not enumerable, writable, configurable). Like the native API it exists in secure contexts only.
 */
export function installLanguageModel(broker: BrokerCalls): void {
  if (!window.isSecureContext || 'LanguageModel' in window) return;
  Object.defineProperty(window, 'LanguageModel', {
    value: createLanguageModel(broker),
    enumerable: false,
    writable: true,
    configurable: true,
  });
}
