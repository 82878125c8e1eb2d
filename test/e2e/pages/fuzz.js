// A hostile page's worth of calls, for the fuzz test and the site-load benchmark. Every request
// it makes is malformed on purpose (so none may reach a provider or cost anything), through
// `window.llm` and straight into the relay over a port of the page's own handshake. Each call
// must end in a typed answer within the timeout; `runFuzz` counts how they ended.
(() => {
  /** mulberry32: the same seed gives the same calls. */
  function generator(seed) {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let value = Math.imul(state ^ (state >>> 15), 1 | state);
      value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
      return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Methods that ignore their params: a result is their right answer. */
  const READ_ONLY = new Set(['getPermission', 'models']);

  const TYPED = new Set([
    'TypeError',
    'NotAllowedError',
    'NotSupportedError',
    'QuotaExceededError',
    'InvalidStateError',
    'AbortError',
    'NetworkError',
  ]);

  function deep(levels, leaf) {
    let value = leaf;
    for (let level = 0; level < levels; level++) value = { nested: value };
    return value;
  }

  /**
   * A value no request may carry. `deepest`: how deep the nested case goes. Through window.llm
   * it reaches 10,000 levels (refused in the page); straight into the port it stays under 2,000:
   * Chromium lets a page post ~3,000 levels but cannot deliver them to the relay's world (a
   * `messageerror` there, with no id to answer), so no code of ours ever sees such a call.
   */
  function poison(random, deepest = 10_000) {
    const pick = Math.floor(random() * 16);
    switch (pick) {
      case 0:
        return 10n ** BigInt(Math.floor(random() * 30));
      case 1:
        return () => 'a function';
      case 2:
        return Symbol('nope');
      case 3:
        return deep(60 + Math.floor(random() * (deepest - 60)), 'bottom');
      case 4: {
        const cycle = { a: 1 };
        cycle.self = cycle;
        return cycle;
      }
      case 5:
        return new Date();
      case 6:
        return new Map([[1, 2]]);
      case 7:
        return Number.NaN;
      case 8:
        return -Infinity;
      case 9:
        return document.body;
      case 10:
        return new Proxy(
          {},
          {
            ownKeys: () => {
              throw new Error('trap');
            },
          },
        );
      case 11:
        return Object.defineProperty({}, 'boom', {
          enumerable: true,
          get() {
            throw new Error('getter');
          },
        });
      case 12:
        return 'x'.repeat(16_000_001);
      case 13:
        return new Uint8Array(8);
      case 14:
        return Array.from({ length: 200_001 }, () => 0);
      default:
        // Inherited properties are not sent; the own one is not a finite number.
        return Object.assign(Object.create({ inherited: true }), { own: Number.NaN });
    }
  }

  /** A request with one field that cannot be right (type, range, enum, shape or poison). */
  function malformedRequest(random, deepest) {
    const base = { prompt: 'Say hello.', task: 'qa' };
    const field = [
      'prompt',
      'task',
      'temperature',
      'maxOutputTokens',
      'messages',
      'hints',
      'constraints',
      'stop',
      'tools',
      'responseFormat',
      'unknownField',
    ][Math.floor(random() * 11)];
    const bad = [
      poison(random, deepest),
      42,
      -1,
      '',
      [],
      {},
      'not-a-task',
      { quality: 'sublime' },
      [{ role: 'wizard', content: 'hi' }],
      Array.from({ length: 1001 }, () => ({ role: 'user', content: 'hi' })),
      Array.from({ length: 65 }, (_, index) => ({ name: `t${index}`, parameters: {} })),
      { type: 'xml' },
      'y'.repeat(2_000_001),
    ][Math.floor(random() * 13)];
    const request = { ...base, [field]: bad };
    // Values that happen to be valid for their field are made wrong another way.
    if (field === 'prompt' && typeof bad === 'string' && bad.length > 0 && bad.length <= 2e6)
      request.messages = bad;
    if (field === 'maxOutputTokens' && bad === 42) request.maxOutputTokens = 0.5;
    if (field === 'hints' && typeof bad === 'object' && !Array.isArray(bad) && !('quality' in bad))
      request.hints = { speed: 'warp' };
    if (field === 'constraints' && typeof bad === 'object' && !Array.isArray(bad))
      request.constraints = { maxCostUsd: -5 };
    if (field === 'stop' && Array.isArray(bad) && bad.length === 0) request.stop = [''];
    if (field === 'tools' && Array.isArray(bad) && bad.length === 0) request.tools = [{}];
    if (random() < 0.1) return poison(random, deepest);
    return request;
  }

  function outcomeOf(error) {
    if (!error) return 'answered';
    const name = error.name;
    return TYPED.has(name) && (error instanceof TypeError || error instanceof DOMException)
      ? name
      : `untyped ${name}: ${error.message}`;
  }

  function withTimeout(promise, ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ hung: true }), ms);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve({ value });
        },
        (error) => {
          clearTimeout(timer);
          resolve({ error });
        },
      );
    });
  }

  /** How many calls each wave sends at once (a page's in-flight limit is 128). */
  const WAVE = 100;

  /** Malformed calls through window.llm: every one must reject with a typed error. */
  async function throughWindowLlm(random, count, counts) {
    for (let sent = 0; sent < count; sent += WAVE) {
      await windowLlmWave(random, Math.min(WAVE, count - sent), counts);
    }
  }

  async function windowLlmWave(random, count, counts) {
    const llm = window.llm;
    const calls = [];
    for (let index = 0; index < count; index++) {
      const request = malformedRequest(random);
      const method = ['generate', 'stream', 'route', 'generate', 'feedback'][
        Math.floor(random() * 5)
      ];
      calls.push(
        (async () => {
          if (method === 'stream') {
            const stream = llm.stream(request);
            const parts = (async () => {
              for await (const _part of stream) {
                // Nothing may stream for a malformed request.
              }
            })();
            await parts.catch(() => {});
            return stream.result;
          }
          if (method === 'feedback') return llm.feedback(poison(random), poison(random));
          return llm[method](request);
        })(),
      );
    }
    for (const settled of await Promise.all(calls.map((call) => withTimeout(call, 15_000)))) {
      const outcome = settled.hung ? 'hung' : outcomeOf(settled.error);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
  }

  /**
   * Calls straight into the relay, over a port this page hands it itself — as a script that
   * skips window.llm would. Every message with a usable id must be answered with a typed error.
   */
  async function throughRawPort(random, count, counts) {
    for (let sent = 0; sent < count; sent += WAVE) {
      await rawPortWave(random, sent, Math.min(WAVE, count - sent), counts);
    }
  }

  async function rawPortWave(random, first, count, counts) {
    const channel = new MessageChannel();
    const answers = new Map();
    const acked = new Promise((resolve) => {
      channel.port1.onmessage = (event) => {
        const message = event.data;
        if (message?.kind === 'ack') resolve();
        else if (message?.kind === 'error' || message?.kind === 'result')
          answers.get(message.id)?.(message);
      };
    });
    window.postMessage({ type: 'llm-broker:connect' }, '*', [channel.port2]);
    await acked;
    const methods = [
      'constructor',
      'toString',
      'hasOwnProperty',
      '__proto__',
      'valueOf',
      'generate',
      'stream',
      '',
      'x'.repeat(500),
      'getPermission',
      'models',
    ];
    const pending = [];
    for (let index = 0; index < count; index++) {
      const id = 1_000_000 + first + index;
      const kind = random() < 0.9 ? 'call' : ['abort', 'nonsense', 7][Math.floor(random() * 3)];
      const method = methods[Math.floor(random() * methods.length)];
      const params = random() < 0.5 ? malformedRequest(random, 1_900) : poison(random, 1_900);
      const message = { kind, id, method, params };
      // Only a call (and other kinds with an id) expects an answer; an abort does not.
      if (kind === 'abort') {
        channel.port1.postMessage({ kind, id });
        continue;
      }
      pending.push(
        withTimeout(
          new Promise((resolve) => {
            answers.set(id, (answer) => resolve({ answer, method }));
            try {
              channel.port1.postMessage(message);
            } catch (error) {
              // The page's own structured clone refused it: the page never sent it.
              const answer = {
                kind: 'error',
                error: { name: 'TypeError', message: String(error) },
              };
              resolve({ answer, method });
            }
          }),
          15_000,
        ),
      );
    }
    // Noise without an id: nothing to answer, nothing must break.
    for (const noise of [null, 42, 'call', { kind: 'call' }, { id: 'x' }, []]) {
      channel.port1.postMessage(noise);
    }
    for (const settled of await Promise.all(pending)) {
      let outcome = 'hung';
      if (!settled.hung) {
        const { answer, method } = settled.value;
        if (answer.kind === 'error' && TYPED.has(answer.error?.name)) outcome = answer.error.name;
        // Calls that take no request (getPermission, models) are simply answered.
        else if (answer.kind === 'result' && READ_ONLY.has(method)) outcome = 'answered read-only';
        else outcome = `untyped ${JSON.stringify(answer).slice(0, 80)}`;
      }
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    channel.port1.close();
  }

  /**
   * A flood: `count` calls at once that only the background could refuse. The frame's in-flight
   * limit answers most of them at once; the rest are refused for what they are.
   */
  async function flood(count, counts) {
    const calls = Array.from({ length: count }, () =>
      window.llm.generate({ prompt: 'x', task: 'not-a-task' }),
    );
    for (const settled of await Promise.all(calls.map((call) => withTimeout(call, 15_000)))) {
      const outcome = settled.hung ? 'hung' : outcomeOf(settled.error);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
  }

  /** Runs `count` malformed calls each way and a flood; resolves with how they ended, by name. */
  window.runFuzz = async (seed, count) => {
    const random = generator(seed);
    const viaLlm = {};
    const viaPort = {};
    const flooded = {};
    await throughWindowLlm(random, count, viaLlm);
    await throughRawPort(random, count, viaPort);
    await flood(count, flooded);
    return { viaLlm, viaPort, flooded };
  };
})();
