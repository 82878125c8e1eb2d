/**
 * Failing over for real: every fault kind, for every cloud provider, against loopback servers
 * speaking that provider's wire format. A failure before the first token moves to the next
 * model; after it, the page is told, and the answer restarts only when the request allows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptedReply } from '../fixtures/provider-server-types';
import { type BrokerWorld, createWorld, ORIGIN, rejectionOf, runCollecting } from './broker-world';

const FAULTS: Array<{
  label: string;
  reply: ScriptedReply;
  outcome: 'error' | 'timeout';
  status?: number;
}> = [
  {
    label: '429 with Retry-After',
    reply: { kind: 'rate-limit', retryAfterSeconds: 30 },
    outcome: 'error',
    status: 429,
  },
  { label: '500', reply: { kind: 'http-error', status: 500 }, outcome: 'error', status: 500 },
  { label: '503', reply: { kind: 'http-error', status: 503 }, outcome: 'error', status: 503 },
  { label: 'a connection reset', reply: { kind: 'reset-before-headers' }, outcome: 'error' },
  { label: 'no response at all', reply: { kind: 'stall-before-headers' }, outcome: 'timeout' },
  {
    label: 'a stream silent before its first token',
    reply: { kind: 'stall-mid-stream', afterTokens: 0 },
    outcome: 'timeout',
  },
  { label: 'malformed JSON', reply: { kind: 'malformed-json', afterTokens: 0 }, outcome: 'error' },
  {
    label: 'a stream cut before its first token',
    reply: { kind: 'cut-mid-stream', afterTokens: 0 },
    outcome: 'error',
  },
  { label: 'an error event', reply: { kind: 'error-event', afterTokens: 0 }, outcome: 'error' },
  { label: 'an empty answer', reply: { kind: 'answer', text: '' }, outcome: 'error' },
];

const PROVIDERS = [
  'openai',
  'anthropic',
  'google',
  'deepseek',
  'mistral',
  'openrouter',
  'ollama',
  'local-server',
];

/** What the local servers list as ready: a model the catalog knows, and one it does not. */
const LOCAL_MODELS: Record<string, string[]> = {
  ollama: ['llama3.1:8b'],
  'local-server': ['qwen2.5-7b-instruct'],
};

describe.each(PROVIDERS)('when %s fails before its first token', (provider) => {
  const fallback = provider === 'openai' ? 'anthropic' : 'openai';
  let world: BrokerWorld;
  beforeAll(async () => {
    world = await createWorld({
      providers: { [provider]: 100, [fallback]: 10 },
      models: LOCAL_MODELS,
    });
  });
  afterAll(() => world.close());

  it.each(FAULTS)(
    'moves on after $label and records the failed attempt',
    async ({ reply, outcome, status }) => {
      const broker = world.newSession(); // fresh health: earlier faults must not open the breaker
      world.servers[provider]!.script(reply);
      const { result, parts } = await runCollecting(broker, {
        prompt: 'What is the capital of France?',
      });
      const [failed, ...rest] = result.attempts;
      expect(failed).toMatchObject({ model: { provider }, outcome, costUsd: 0 });
      if (status) expect(failed!.status).toBe(status);
      expect(failed!.error).toEqual(expect.any(String));
      expect(rest.at(-1)).toMatchObject({ outcome: 'ok', model: result.model });
      expect(result.text.length).toBeGreaterThan(0);
      // The page never heard of the model that failed before its first token.
      expect(parts.filter((part) => part.type === 'start')).toEqual([
        { type: 'start', requestId: result.requestId, model: result.model },
      ]);
      expect(parts.some((part) => part.type === 'error' || part.type === 'fallback')).toBe(false);
      const ledger = await world.storage.ledger.get(result.requestId);
      expect(ledger).toMatchObject({ status: 'settled', costUsd: result.costUsd });
      expect(await world.storage.ledger.attempts(result.requestId)).toHaveLength(
        result.attempts.length,
      );
    },
  );
});

describe('failures after the first token', () => {
  let world: BrokerWorld;
  beforeAll(async () => {
    world = await createWorld({
      providers: { openai: 100, anthropic: 10 },
      answer: 'One two three four five six.',
    });
  });
  afterAll(() => world.close());

  it('emits an error part and fails with the attempts when the request does not allow a restart', async () => {
    world.servers.openai!.script({ kind: 'reset-mid-stream', afterTokens: 2 });
    const parts: string[] = [];
    const error = await rejectionOf(
      world
        .newSession()
        .run(
          ORIGIN,
          { prompt: 'Count.' },
          { signal: new AbortController().signal, emit: (part) => parts.push(part.type) },
        ),
    );
    expect(error).toMatchObject({ name: 'NetworkError' });
    expect((error as { attempts?: unknown[] }).attempts).toHaveLength(1);
    expect(parts).toEqual(['start', 'text-delta', 'text-delta', 'error']);
    expect(world.servers.anthropic!.requests).toHaveLength(0);
  });

  it('restarts on the next model behind a fallback part when the request allows it', async () => {
    world.servers.openai!.script({ kind: 'reset-mid-stream', afterTokens: 2 });
    const { result, parts } = await runCollecting(world.newSession(), {
      prompt: 'Count.',
      allowRestart: true,
    });
    const types = parts.map((part) => part.type);
    const fallbackAt = types.indexOf('fallback');
    expect(types.slice(0, fallbackAt)).toEqual(['start', 'text-delta', 'text-delta', 'error']);
    expect(parts[fallbackAt]).toMatchObject({
      from: { provider: 'openai' },
      to: result.attempts[1]!.model,
    });
    const after = parts.slice(fallbackAt + 1);
    expect(after[0]).toMatchObject({ type: 'start', model: result.model });
    expect(after.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('')).toBe(
      result.text,
    );
    expect(result.attempts.map((attempt) => attempt.outcome)).toEqual(['error', 'ok']);
  });

  it('fails a stream that goes quiet mid-answer instead of hanging', async () => {
    world.servers.openai!.script({ kind: 'stall-mid-stream', afterTokens: 2 });
    const { result } = await runCollecting(world.newSession(), {
      prompt: 'Count.',
      allowRestart: true,
    });
    expect(result.attempts[0]).toMatchObject({ outcome: 'timeout', model: { provider: 'openai' } });
  });
});

describe('provider health across requests', () => {
  let world: BrokerWorld;
  beforeAll(async () => {
    world = await createWorld({ providers: { anthropic: 100, openai: 10 } });
  });
  afterAll(() => world.close());

  it('honours Retry-After: the provider is left alone until then, and the user sees it', async () => {
    const broker = world.newSession();
    world.servers.anthropic!.script({ kind: 'rate-limit', retryAfterSeconds: 30 });
    const first = await runCollecting(broker, { prompt: 'Hello' });
    expect(first.result.attempts[0]).toMatchObject({
      status: 429,
      model: { provider: 'anthropic' },
    });
    // Every other Anthropic model of the chain is skipped: they share the rate limit.
    expect(first.result.model.provider).toBe('openai');
    const seen = world.servers.anthropic!.requests.length;
    const second = await runCollecting(broker, { prompt: 'Hello again' });
    expect(second.result.model.provider).toBe('openai');
    expect(second.result.attempts).toHaveLength(1);
    expect(world.servers.anthropic!.requests.length).toBe(seen);
    const cooldowns = broker.health.cooldowns(Date.now());
    expect(cooldowns.anthropic! - Date.now()).toBeGreaterThan(25_000);
  });

  it('opens the circuit breaker after repeated failures, so later plans route around it', async () => {
    const broker = world.newSession();
    // Two requests each meet two failures (a request gives a provider at most two tries).
    world.servers.anthropic!.script(...Array(4).fill({ kind: 'http-error', status: 503 }));
    for (const prompt of ['one', 'two']) {
      const { result } = await runCollecting(broker, { prompt });
      expect(result.model.provider).toBe('openai');
    }
    const state = await broker.routingState(ORIGIN);
    expect(Object.keys(state.cooldowns)).toContain('anthropic');
    const { plan } = await broker.plan(ORIGIN, { prompt: 'two' });
    expect(plan.chain.every((candidate) => candidate.model.provider !== 'anthropic')).toBe(true);
    expect(
      plan.explanation.ruledOut.some(
        (ruled) => ruled.model.provider === 'anthropic' && /resting after/i.test(ruled.reason),
      ),
    ).toBe(true);
  });
});

describe('aborts', () => {
  let world: BrokerWorld;
  beforeAll(async () => {
    world = await createWorld({ providers: { openai: 100 } });
  });
  afterAll(() => world.close());

  it('cancels the upstream request at once, charges the text delivered and logs it', async () => {
    world.servers.openai!.script({ kind: 'answer', tokenDelayMs: 100 });
    const controller = new AbortController();
    const run = world.broker.run(
      ORIGIN,
      { prompt: 'A long answer, please.' },
      {
        signal: controller.signal,
        emit: (part) => {
          if (part.type === 'text-delta') controller.abort();
        },
      },
    );
    const error = await rejectionOf(run);
    expect(error).toMatchObject({ name: 'AbortError' });
    const closed = await world.servers.openai!.waitForClientClose({ timeoutMs: 2_000 });
    expect(closed.outcome).toBe('client-closed');
    // The first token reached the page and the provider bills it: the request pays for it, at
    // an estimate (a stream cut off carries no usage report), and says so.
    const [entry] = await world.storage.ledger.list({ limit: 1 });
    expect(entry).toMatchObject({ status: 'settled', estimated: true });
    expect(entry!.costUsd).toBeGreaterThan(0);
    const [attempt] = await world.storage.ledger.attempts(entry!.requestId);
    expect(attempt).toMatchObject({ outcome: 'aborted', usageEstimated: true });
    expect(attempt!.usage!.outputTokens).toBeGreaterThan(0);
    expect(attempt!.costUsd).toBeCloseTo(entry!.costUsd, 12);
    const [logged] = await world.storage.requestLog.recent({ limit: 1 });
    expect(logged).toMatchObject({
      outcome: 'aborted',
      errorName: 'AbortError',
      costUsd: entry!.costUsd,
      estimated: true,
    });
  });
});
