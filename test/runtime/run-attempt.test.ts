import { createOpenAI } from '@ai-sdk/openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toCallOptions } from '../../src/runtime/request-prompt';
import { AttemptFailure, runAttempt } from '../../src/runtime/run-attempt';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';

const FAST_LIMITS = { firstTokenTimeoutMs: 300, idleTimeoutMs: 300 };

describe('runAttempt against a loopback OpenAI server', () => {
  let server: ProviderServer;
  const model = () =>
    createOpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1` }).chat('gpt-4o-mini');
  const options = (signal = new AbortController().signal) =>
    toCallOptions({ prompt: 'Hello' }, signal);

  beforeAll(async () => {
    server = await startProviderServer({
      kind: 'openai',
      text: 'One two three four five.',
      stallMs: 2_000,
    });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  async function failure(run: Promise<unknown>): Promise<unknown> {
    return run.then(
      () => expect.unreachable('the attempt should fail'),
      (error: unknown) => error,
    );
  }

  it('hands on every delta as it arrives and reports usage and timing', async () => {
    server.script({ kind: 'answer', splitEvents: true });
    const deltas: string[] = [];
    const output = await runAttempt(model(), options(), (delta) => deltas.push(delta));
    expect(deltas.join('')).toBe('One two three four five.');
    expect(deltas.length).toBeGreaterThan(3);
    expect(output.text).toBe('One two three four five.');
    expect(output.finishReason).toBe('stop');
    expect(output.usage.inputTokens).toBeGreaterThan(0);
    expect(output.usage.outputTokens).toBeGreaterThan(0);
    expect(output.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(output.durationMs).toBeGreaterThanOrEqual(output.timeToFirstTokenMs!);
  });

  it('gives up when no first token comes in time, and closes the upstream connection', async () => {
    server.script({ kind: 'stall-before-headers' });
    const error = await failure(runAttempt(model(), options(), () => {}, undefined, FAST_LIMITS));
    expect(error).toBeInstanceOf(AttemptFailure);
    expect((error as AttemptFailure).kind).toBe('first-token-timeout');
    await server.waitForClientClose({ timeoutMs: 2_000 });
  });

  it('gives up when a started stream goes quiet', async () => {
    server.script({ kind: 'stall-mid-stream', afterTokens: 2 });
    const deltas: string[] = [];
    const error = await failure(
      runAttempt(model(), options(), (delta) => deltas.push(delta), undefined, FAST_LIMITS),
    );
    expect((error as AttemptFailure).kind).toBe('idle-timeout');
    expect(deltas.length).toBe(2);
  });

  it('fails a stream cut before the provider finished it', async () => {
    server.script({ kind: 'cut-mid-stream', afterTokens: 2 });
    const error = await failure(runAttempt(model(), options(), () => {}));
    expect((error as AttemptFailure).kind).toBe('truncated');
  });

  it('fails an empty answer', async () => {
    server.script({ kind: 'answer', text: '' });
    const error = await failure(runAttempt(model(), options(), () => {}));
    expect((error as AttemptFailure).kind).toBe('empty');
  });

  it('fails on a malformed event rather than dropping a token silently', async () => {
    server.script({ kind: 'malformed-json', afterTokens: 0 });
    const error = await failure(runAttempt(model(), options(), () => {}));
    expect(String(error)).toMatch(/JSON/);
  });

  it('stops the upstream request at once when the caller aborts', async () => {
    server.script({ kind: 'answer', tokenDelayMs: 50 });
    const controller = new AbortController();
    const run = runAttempt(model(), options(controller.signal), () => controller.abort());
    await failure(run);
    const closed = await server.waitForClientClose({ timeoutMs: 2_000 });
    expect(closed.outcome).toBe('client-closed');
  });
});
