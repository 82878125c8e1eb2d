/**
 * The worker's keep-alive: held while a page's call runs, and for `LINGER_MS` after a model
 * answered one, so the page's next request finds the worker started. A page's port (the real
 * `servePagePort`) drives it; the browser's API is the only fake (the call that keeps a worker up).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  PageMethodHandler,
  PageMethodHandlers,
} from '../../../extension/background/page-port';
import { LlmError } from '../../../src/protocol/llm-errors';

const platformInfo = vi.fn(async () => ({ os: 'linux' }));
vi.mock('../../../extension/platform/browser-api', () => ({
  browser: { runtime: { id: 'broker', getPlatformInfo: platformInfo } },
}));

const { LINGER_MS } = await import('../../../extension/background/keep-alive');
const { servePagePort } = await import('../../../extension/background/page-port');

type Listener = (message: unknown) => void;

/** A page's port into the worker, and what the worker posted back. */
function openPort(handlers: Partial<PageMethodHandlers>) {
  const listeners: Listener[] = [];
  const posted: Array<{ kind: string; id: number }> = [];
  const port = {
    sender: { id: 'broker', tab: { id: 1 }, origin: 'https://chat.example' },
    onMessage: { addListener: (listener: Listener) => listeners.push(listener) },
    onDisconnect: { addListener: () => {} },
    postMessage: (message: { kind: string; id: number }) => posted.push(message),
  };
  servePagePort(port as never, {
    handlers: () => handlers as PageMethodHandlers,
    assertGranted: async () => {},
  });
  let nextId = 1;
  return {
    posted,
    call(method: string, params: unknown = null) {
      for (const listener of listeners) listener({ kind: 'call', id: nextId++, method, params });
    },
  };
}

/** A handler that answers after `ms` (or fails, when `fail`). */
function answering(ms: number, fail = false): PageMethodHandler<never> {
  return {
    trust: 'granted',
    run: () =>
      new Promise((resolve, reject) =>
        setTimeout(
          () =>
            fail
              ? reject(new LlmError({ name: 'NetworkError', message: 'upstream failed' }))
              : resolve({} as never),
          ms,
        ),
      ),
  };
}

/** How many times the worker was held up during the next `ms`. */
async function holdsDuring(ms: number): Promise<number> {
  platformInfo.mockClear();
  await vi.advanceTimersByTimeAsync(ms);
  return platformInfo.mock.calls.length;
}

describe('the worker keep-alive', () => {
  // One fake clock for the whole file: the linger's deadline is on it.
  beforeAll(() => vi.useFakeTimers());
  afterAll(() => vi.useRealTimers());
  // Let any linger run out, so each test starts with the worker free to stop.
  afterEach(() => vi.advanceTimersByTimeAsync(LINGER_MS + 60_000));

  it('holds the worker while an answer takes long, and a while after it', async () => {
    const page = openPort({ generate: answering(70_000) });
    page.call('generate', { prompt: 'Hello' });
    // Every 20 s while the upstream is silent.
    expect(await holdsDuring(70_000)).toBe(3);
    expect(page.posted).toMatchObject([{ kind: 'result', id: 1 }]);
    // Then for LINGER_MS after the answer (three minutes: nine more ticks), and no longer.
    expect(await holdsDuring(LINGER_MS)).toBe(LINGER_MS / 20_000);
    expect(await holdsDuring(120_000)).toBe(0);
  });

  it('starts the linger again at every answer', async () => {
    const page = openPort({ stream: answering(1_000) });
    page.call('stream', { prompt: 'One' });
    await vi.advanceTimersByTimeAsync(LINGER_MS - 30_000);
    page.call('stream', { prompt: 'Two' });
    // Held for LINGER_MS after the second answer, not only what was left of the first.
    expect(await holdsDuring(LINGER_MS)).toBeGreaterThanOrEqual(LINGER_MS / 20_000 - 1);
    expect(await holdsDuring(60_000)).toBe(0);
  });

  it('does not linger after calls no model answered: a failure, a permission check, a ping', async () => {
    const page = openPort({
      generate: answering(1_000, true),
      getPermission: answering(10) as never,
    });
    page.call('generate', { prompt: 'Fails' });
    page.call('getPermission');
    page.call('ping');
    expect(await holdsDuring(LINGER_MS)).toBe(0);
    expect(page.posted.map((message) => message.kind).sort()).toEqual([
      'error',
      'result',
      'result',
    ]);
  });
});
