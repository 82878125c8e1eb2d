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
  LanguageModelSession,
} from '../../src/protocol/language-model';
import type { LlmBrokerApi } from '../../src/protocol/llm-broker-api';
import type { LlmRequest, Message } from '../../src/protocol/llm-request';
import {
  type CanonicalPrompt,
  canonicalizePrompt,
  dictionary,
  notSupported,
  optionalSignal,
  parseCoreOptions,
  parseCreateOptions,
  parsePromptOptions,
  SAMPLING_TEMPERATURES,
  type SamplingMode,
  type TextMessage,
} from './language-model-input';

type BrokerCalls = Pick<
  LlmBrokerApi,
  'getPermission' | 'requestPermission' | 'models' | 'countTokens' | 'generate' | 'stream'
>;

/** A turn of the conversation and the tokens it takes (the router's count, as measure gives). */
interface Entry {
  message: TextMessage;
  tokens: number;
}

interface SessionState {
  system: { text: string; tokens: number } | undefined;
  history: Entry[];
  contextWindow: number;
  samplingMode: SamplingMode;
}

/** Past this many characters a prompt is counted in the page (the bridge takes 16 million). */
const LOCAL_COUNT_CHARS = 8_000_000;

/**
 * The largest context a session offers: a turn that fills it must still pass the bridge's limit
 * of 2,000,000 characters a message (`REQUEST_LIMITS.textChars`), and the router counts at most
 * about 8 characters a token (a 7-letter word and its space). Larger model windows are cut to it.
 */
export const MOST_CONTEXT_TOKENS = 250_000;

function invalidState(): DOMException {
  return new DOMException('The session has been destroyed.', 'InvalidStateError');
}

/**
 * The error for a call from a frame taken out of its document (its document has no window any
 * more; Firefox still reports `closed` as false there), or undefined while the frame is in one.
 * Nothing would answer such a call, so `window.llm` and `LanguageModel` refuse it before anything
 * is awaited: Firefox never runs a detached frame's async continuations.
 */
export function detachedFrameError(): DOMException | undefined {
  const scope = globalThis as { closed?: boolean; document?: Document };
  return scope.closed === true || scope.document?.defaultView === null
    ? new DOMException('This frame is no longer in a document.', 'InvalidStateError')
    : undefined;
}

function assertAttached(): void {
  const detached = detachedFrameError();
  if (detached) throw detached;
}

/**
 * The QuotaExceededError the spec asks for, with `requested` and `quota` (Chromium has the
 * QuotaExceededError interface; elsewhere a DOMException of that name carries them).
 */
function quotaExceeded(requested: number, quota: number): DOMException {
  const message = `The input takes about ${requested} tokens; the context window holds ${quota}.`;
  const Native = (
    globalThis as { QuotaExceededError?: new (message: string, options: object) => DOMException }
  ).QuotaExceededError;
  if (typeof Native === 'function') return new Native(message, { requested, quota });
  return Object.defineProperties(new DOMException(message, 'QuotaExceededError'), {
    requested: { value: requested, enumerable: true },
    quota: { value: quota, enumerable: true },
  });
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

/** One turn later: lets an abort the page made right after calling be seen. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

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
  const countTokens = broker.countTokens.bind(broker);
  const generate = broker.generate.bind(broker);
  const stream = broker.stream.bind(broker);
  /** Only `create()` and `clone()` may construct: `new LanguageModel()` is illegal, as natively. */
  const constructing = Symbol('LanguageModel');

  /**
   * Tokens a prompt takes, as the router counts them (no model called). A text too large to send
   * through the extension at all is far beyond any context window: it is counted here, at about
   * four characters a token, so that measuring it still works and prompting it is a
   * QuotaExceededError rather than a TypeError.
   */
  const countAny = (messages: Message[]) => {
    const chars = messages.reduce(
      (total, message) =>
        total + (typeof message.content === 'string' ? message.content.length : 0),
      0,
    );
    return chars > LOCAL_COUNT_CHARS
      ? Promise.resolve(Math.ceil(chars / 4))
      : countTokens({ messages });
  };
  const measure = (prompt: CanonicalPrompt) => countAny(asMessages(prompt));
  const measureText = (role: TextMessage['role'], content: string) => countAny([{ role, content }]);

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
      assertAttached();
      if (!parseCoreOptions(dictionary(options, 'options')).supported) return 'unavailable';
      if (!(await getPermission()).granted) return 'downloadable';
      return (await models()).length > 0 ? 'available' : 'unavailable';
    }

    static async create(options?: unknown): Promise<LanguageModel> {
      assertAttached();
      const parsed = parseCreateOptions(options);
      const { signal } = parsed;
      signal?.throwIfAborted();
      if (!parsed.supported) {
        throw notSupported(
          'Only text input and output in a known language are supported (no images, audio or tools).',
        );
      }
      const monitor = new EventTarget();
      parsed.monitor?.(monitor);
      // Asking is this API's "download": the person decides in the extension's window (which
      // opens only from a click). Aborting rejects at once; the window stays for the person.
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
      const contextWindow = Math.min(
        MOST_CONTEXT_TOKENS,
        Math.max(...usable.map((model) => model.contextTokens)),
      );
      const initial = parsed.initialPrompt;
      const state: SessionState = {
        system: undefined,
        history: [],
        contextWindow,
        samplingMode: parsed.samplingMode,
      };
      if (initial) {
        const entries = await untilAborted(measureEntries(initial), signal);
        const total = entries.system.tokens + sum(entries.history);
        if (total > contextWindow) throw quotaExceeded(total, contextWindow);
        state.system =
          initial.system === undefined
            ? undefined
            : { text: initial.system, tokens: entries.system.tokens };
        state.history = entries.history;
      }
      // The "download" is done: 0, then all of it (an abort in between is seen).
      for (const loaded of [0, 1]) {
        monitor.dispatchEvent(
          new ProgressEvent('downloadprogress', { lengthComputable: true, loaded, total: 1 }),
        );
        await nextTurn();
        signal?.throwIfAborted();
      }
      const session = new LanguageModel(constructing, state);
      signal?.addEventListener('abort', () => session.#destroy(signal.reason), { once: true });
      return session;
    }

    get contextUsage(): number {
      const { system, history } = this.#state;
      return (system?.tokens ?? 0) + sum(history);
    }

    get contextWindow(): number {
      return this.#state.contextWindow;
    }

    get inputUsage(): number {
      return this.contextUsage;
    }

    get inputQuota(): number {
      return this.#state.contextWindow;
    }

    get samplingMode(): SamplingMode {
      return this.#state.samplingMode;
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
        const entries = await this.#admit(turn, signal);
        const request = this.#request(turn, schema);
        const result = await untilAborted(generate({ ...request, signal }), signal);
        await this.#commit(turn, entries, result.text, signal);
        return result.text;
      });
    }

    promptStreaming(input: unknown, options?: unknown): ReadableStream<string> {
      this.#assertAlive();
      const dictionaryOptions = dictionary(options, 'options');
      // An aborted signal throws here and now, as the spec says, rather than erroring the stream.
      optionalSignal(dictionaryOptions)?.throwIfAborted();
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
            const entries = await this.#admit(turn, signal);
            const answer = stream({ ...this.#request(turn, parsed.schema), signal });
            for await (const part of answer) {
              // Each chunk is new text (the current explainer; early Chrome sent the text so far).
              if (part.type === 'text-delta' && !signal.aborted) controller.enqueue(part.delta);
            }
            const result = await answer.result;
            await this.#commit(turn, entries, result.text, signal);
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
        const entries = await this.#admit(turn, signal);
        this.#add(turn, entries);
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
      const signal = this.#signal(optionalSignal(dictionary(options, 'options')));
      signal.throwIfAborted();
      // Cloning takes a turn, as natively: an abort right after the call still cancels it.
      await nextTurn();
      signal.throwIfAborted();
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
      assertAttached();
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

    /**
     * Measures a turn and makes room for it: a turn larger than the whole window is a
     * QuotaExceededError; otherwise the oldest turns make way (a `contextoverflow` event says so).
     */
    async #admit(turn: CanonicalPrompt, signal: AbortSignal): Promise<MeasuredPrompt> {
      const entries = await untilAborted(measureEntries(turn), signal);
      const needed = entries.system.tokens + sum(entries.history);
      const fixed = this.#state.system?.tokens ?? 0;
      if (needed + fixed > this.#state.contextWindow) {
        throw quotaExceeded(needed, this.#state.contextWindow - fixed);
      }
      this.#makeRoom(needed);
      return entries;
    }

    /** Evicts the oldest turns (never the system prompt) until `extra` more tokens fit. */
    #makeRoom(extra: number): void {
      const { history, contextWindow } = this.#state;
      let evicted = false;
      while (history.length > 0 && this.contextUsage + extra > contextWindow) {
        history.shift();
        evicted = true;
      }
      if (evicted) {
        this.dispatchEvent(new Event('contextoverflow'));
        this.dispatchEvent(new Event('quotaoverflow'));
      }
    }

    #add(turn: CanonicalPrompt, entries: MeasuredPrompt): void {
      if (turn.system !== undefined && this.#state.system === undefined) {
        this.#state.system = { text: turn.system, tokens: entries.system.tokens };
      }
      this.#state.history.push(...entries.history);
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
      const { history, samplingMode } = this.#state;
      const system = this.#state.system?.text ?? turn.system;
      const temperature = SAMPLING_TEMPERATURES[samplingMode];
      return {
        ...(system !== undefined && { system }),
        messages: [...history.map((entry) => entry.message), ...turn.messages],
        ...(temperature !== undefined && { temperature }),
        ...(schema && { responseFormat: { type: 'json', schema } }),
      };
    }

    /** An answered turn joins the conversation, with the answer; a failed one leaves no trace. */
    async #commit(
      turn: CanonicalPrompt,
      entries: MeasuredPrompt,
      answer: string,
      signal: AbortSignal,
    ): Promise<void> {
      const tokens = await untilAborted(measureText('assistant', answer), signal);
      this.#add(turn, entries);
      this.#makeRoom(tokens);
      this.#state.history.push({ message: { role: 'assistant', content: answer }, tokens });
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

  interface MeasuredPrompt {
    system: { tokens: number };
    history: Entry[];
  }

  /** A prompt's system part and turns, each with its tokens. */
  async function measureEntries(prompt: CanonicalPrompt): Promise<MeasuredPrompt> {
    const [systemTokens, ...turnTokens] = await Promise.all([
      prompt.system === undefined ? 0 : countAny([{ role: 'system', content: prompt.system }]),
      ...prompt.messages.map((message) => measureText(message.role, message.content)),
    ]);
    return {
      system: { tokens: systemTokens ?? 0 },
      history: prompt.messages.map((message, index) => ({
        message,
        tokens: turnTokens[index] ?? 0,
      })),
    };
  }

  // Minifying renames classes; the global keeps the name and string tag a built-in would have.
  Object.defineProperty(LanguageModel, 'name', { value: 'LanguageModel' });
  Object.defineProperty(LanguageModel.prototype, Symbol.toStringTag, {
    value: 'LanguageModel',
    configurable: true,
  });
  return LanguageModel as unknown as LanguageModelConstructor;
}

function sum(entries: readonly Entry[]): number {
  return entries.reduce((total, entry) => total + entry.tokens, 0);
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
