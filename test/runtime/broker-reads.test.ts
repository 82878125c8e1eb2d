/**
 * The broker keeps accounts (keys decrypted) and settings between requests; a change the person
 * makes through the background reaches the very next request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type BrokerWorld, createWorld, rejectionOf, runCollecting } from './broker-world';

let world: BrokerWorld;
afterEach(() => world?.close());

describe('what the broker keeps between requests', () => {
  it('uses a new key as soon as the account changes', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    await runCollecting(world.broker, { prompt: 'one' });
    await world.storage.accounts.save({ provider: 'openai', apiKey: 'sk-replaced-key-9999' });
    world.broker.accountsChanged('openai');
    await runCollecting(world.broker, { prompt: 'two' });
    const keys = world.servers.openai!.requests.map((request) => request.headers.authorization);
    expect(keys).toEqual(['Bearer sk-test-0123456789abcdef', 'Bearer sk-replaced-key-9999']);
  });

  it('routes with new settings as soon as they change', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    await runCollecting(world.broker, { prompt: 'one' });
    await world.storage.settings.setProviderPriority('openai', 0);
    world.broker.settingsChanged();
    const error = await rejectionOf(runCollecting(world.broker, { prompt: 'two' }));
    expect(error).toMatchObject({ name: 'NotSupportedError' });
  });
});
