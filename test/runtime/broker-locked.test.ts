/**
 * Requests while the passphrase lock holds the keys: providers with locked keys are ruled out
 * with that reason (so `route()`, `models()` and the playground say so too), keyless local models
 * still answer, and when nothing else can, the page is told to have the broker unlocked — with
 * nothing sent to a provider and nothing charged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type BrokerWorld, createWorld, ORIGIN, rejectionOf, runCollecting } from './broker-world';

const PASSPHRASE = 'correct horse battery staple';

let world: BrokerWorld;
afterEach(() => world?.close());

/** Sets the passphrase and locks, as a person does in the options page. */
async function lockBehindPassphrase(world: BrokerWorld): Promise<void> {
  await world.storage.accounts.setPassphrase(PASSPHRASE);
  await world.storage.accounts.lock();
  world.broker.accountsChanged();
}

describe('a broker whose keys are locked', () => {
  it('refuses with an InvalidStateError that says to unlock, sending and charging nothing', async () => {
    world = await createWorld({ providers: { openai: 100, anthropic: 50 } });
    await lockBehindPassphrase(world);

    const error = await rejectionOf(runCollecting(world.broker, { prompt: 'Hello?' }));
    expect(error).toMatchObject({ name: 'InvalidStateError' });
    expect(error.message).toMatch(/LLM Broker is locked.*unlock/);
    const ruledOut = (error as { ruledOut?: Array<{ provider: string; reason: string }> }).ruledOut;
    const locked = ruledOut?.filter(({ reason }) => /API key is locked/.test(reason)) ?? [];
    expect(new Set(locked.map(({ provider }) => provider))).toEqual(
      new Set(['openai', 'anthropic']),
    );
    expect(world.servers.openai!.requests).toHaveLength(0);
    expect(world.servers.anthropic!.requests).toHaveLength(0);

    const { global } = await world.storage.ledger.monthTotals();
    expect(global).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    // Refused before any model was called: one record, saying why, charging nothing.
    await world.broker.flushRecords();
    const logged = await world.storage.requestLog.recent({ limit: 5 });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      outcome: 'refused',
      errorName: 'InvalidStateError',
      costUsd: 0,
    });
  });

  it('still answers with a local model that needs no key', async () => {
    world = await createWorld({
      providers: { openai: 100, ollama: 100 },
      models: { ollama: ['llama3.1:8b'] },
    });
    await lockBehindPassphrase(world);
    // The local server has no key, so the lock does not concern it.
    await world.storage.accounts.save({ provider: 'ollama', apiKey: null });
    world.broker.accountsChanged('ollama');

    const { result } = await runCollecting(world.broker, {
      prompt: 'Write a haiku about keys.',
      hints: { quality: 'best' },
    });
    expect(result.model).toMatchObject({ provider: 'ollama', location: 'local' });
    expect(result.costUsd).toBe(0);
    // The locked provider is not in the chain at all: the local model answers first.
    expect(result.attempts).toHaveLength(1);
    expect(world.servers.openai!.requests).toHaveLength(0);
  });

  it('says why locked providers are ruled out when a page asks for the decision', async () => {
    world = await createWorld({
      providers: { openai: 100, ollama: 100 },
      models: { ollama: ['llama3.1:8b'] },
    });
    await lockBehindPassphrase(world);
    await world.storage.accounts.save({ provider: 'ollama', apiKey: null });
    world.broker.accountsChanged('ollama');

    const decision = await world.broker.decide(ORIGIN, { prompt: 'Write a haiku about keys.' });
    expect(decision.chosen).toMatchObject({ provider: 'ollama' });
    expect(decision.chain.every((model) => model.provider !== 'openai')).toBe(true);
    expect(decision.ruledOut.find((entry) => entry.provider === 'openai')?.reason).toMatch(
      /OpenAI: its API key is locked until you unlock LLM Broker/,
    );
  });

  it('answers again once unlocked, also from a fresh broker on the same storage', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    await lockBehindPassphrase(world);
    await rejectionOf(runCollecting(world.broker, { prompt: 'locked' }));

    await world.storage.accounts.unlock(PASSPHRASE);
    world.broker.accountsChanged();
    const { result } = await runCollecting(world.broker, { prompt: 'unlocked' });
    expect(result.model.provider).toBe('openai');
    const restarted = await runCollecting(world.restart(), { prompt: 'restarted' });
    expect(restarted.result.model.provider).toBe('openai');
  });

  it('asks before each use of a key, and refuses when that locks the keys (the automatic lock)', async () => {
    let uses = 0;
    let lockOnUse = false;
    world = await createWorld({
      providers: { openai: 100 },
      beforeKeyUse: async () => {
        uses += 1;
        if (!lockOnUse) return;
        await world.storage.accounts.lock();
        world.broker.accountsChanged();
      },
    });
    await world.storage.accounts.setPassphrase(PASSPHRASE);
    world.broker.accountsChanged();

    const { result } = await runCollecting(world.broker, { prompt: 'in use' });
    expect(result.model.provider).toBe('openai');
    expect(uses).toBe(1);

    // Idle too long: the keys were read before, but the lock comes first and nothing goes out.
    lockOnUse = true;
    const error = await rejectionOf(runCollecting(world.broker, { prompt: 'idle too long' }));
    expect(error).toMatchObject({ name: 'InvalidStateError' });
    expect(error.message).toMatch(/LLM Broker is locked/);
    expect(world.servers.openai!.requests).toHaveLength(1);
    expect(await world.storage.accounts.lockStatus()).toBe('locked');
    const { global } = await world.storage.ledger.monthTotals();
    expect(global.reservedUsd).toBe(0);
  });

  it('does not count a model without a key as a use', async () => {
    let uses = 0;
    world = await createWorld({
      providers: { ollama: 100 },
      models: { ollama: ['llama3.1:8b'] },
      beforeKeyUse: async () => {
        uses += 1;
      },
    });
    await world.storage.accounts.save({ provider: 'ollama', apiKey: null });
    world.broker.accountsChanged('ollama');
    const { result } = await runCollecting(world.broker, { prompt: 'Hello?' });
    expect(result.model.provider).toBe('ollama');
    expect(uses).toBe(0);
  });
});
