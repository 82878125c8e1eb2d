import { afterEach, describe, expect, it } from 'vitest';
import { normalizeOrigin } from '../../src/storage/storage-grants';
import {
  DEFAULT_PROVIDER_PRIORITY,
  DEFAULT_SETTINGS,
  providerPriorityOf,
} from '../../src/storage/storage-settings';
import { openTestStorage, type TestStorage } from './storage-test-helpers';

const SITE = 'https://site.example';

let opened: TestStorage[] = [];
function open(): TestStorage {
  const test = openTestStorage('settings-grants');
  opened.push(test);
  return test;
}
afterEach(() => {
  for (const test of opened) test.storage.close();
  opened = [];
});

describe('settings', () => {
  it('reads defaults until something is changed, then keeps the change', async () => {
    const { storage } = open();
    expect(await storage.settings.get()).toEqual(DEFAULT_SETTINGS);
    const updated = await storage.settings.update({ monthlyBudgetUsd: 25, gateway: 'openrouter' });
    expect(updated).toMatchObject({ monthlyBudgetUsd: 25, gateway: 'openrouter' });
    expect(await storage.settings.get()).toEqual({
      ...DEFAULT_SETTINGS,
      monthlyBudgetUsd: 25,
      gateway: 'openrouter',
    });
    // Leaving a field undefined in a patch leaves it alone.
    await storage.settings.update({ gateway: undefined, defaultPrivacy: 'local-only' });
    expect((await storage.settings.get()).gateway).toBe('openrouter');
  });

  it('keeps the automatic lock off by default, and takes only its allowed periods', async () => {
    const { storage } = open();
    expect((await storage.settings.get()).autoLockMinutes).toBeNull();
    expect(await storage.settings.update({ autoLockMinutes: 15 })).toMatchObject({
      autoLockMinutes: 15,
    });
    for (const bad of [30, 0, '60', -15, Number.NaN]) {
      await expect(storage.settings.update({ autoLockMinutes: bad as never })).rejects.toThrow(
        /^autoLockMinutes must be null \(never\) or one of 15, 60, 240$/,
      );
    }
    expect((await storage.settings.get()).autoLockMinutes).toBe(15);
    await storage.settings.update({ autoLockMinutes: 240 });
    expect((await storage.settings.get()).autoLockMinutes).toBe(240);
    await storage.settings.update({ autoLockMinutes: null });
    expect((await storage.settings.get()).autoLockMinutes).toBeNull();
  });

  it('refuses invalid values and changes nothing', async () => {
    const { storage } = open();
    await expect(storage.settings.update({ monthlyBudgetUsd: -1 })).rejects.toThrow(
      /monthlyBudgetUsd/,
    );
    await expect(
      storage.settings.update({ monthlyBudgetUsd: 5, providerPriorities: { openai: 101 } }),
    ).rejects.toThrow(/providerPriorities/);
    await expect(storage.settings.update({ requestLogLimit: 0 })).rejects.toThrow(RangeError);
    await expect(storage.settings.update({ gateway: '' })).rejects.toThrow(RangeError);
    await expect(
      storage.settings.update({ verifyCheapAnswers: 'yes' as unknown as boolean }),
    ).rejects.toThrow(/verifyCheapAnswers must be true or false/);
    expect(await storage.settings.get()).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.verifyCheapAnswers).toBe(false);
  });

  it('sets provider priorities one at a time, even concurrently', async () => {
    const { storage } = open();
    await Promise.all([
      storage.settings.setProviderPriority('openai', 80),
      storage.settings.setProviderPriority('anthropic', 100),
      storage.settings.setProviderPriority('deepseek', 0),
    ]);
    const settings = await storage.settings.get();
    expect(settings.providerPriorities).toEqual({ openai: 80, anthropic: 100, deepseek: 0 });
    expect(providerPriorityOf(settings, 'deepseek')).toBe(0);
    expect(providerPriorityOf(settings, 'mistral')).toBe(DEFAULT_PROVIDER_PRIORITY);
  });

  it('allows an unlimited budget', async () => {
    const { storage } = open();
    await storage.settings.update({ monthlyBudgetUsd: Number.POSITIVE_INFINITY });
    expect((await storage.settings.get()).monthlyBudgetUsd).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('site grants', () => {
  it('gives no access to an origin until it is granted', async () => {
    const { storage } = open();
    expect(await storage.grants.get(SITE)).toBeUndefined();
    expect(await storage.grants.isAllowed(SITE)).toBe(false);
  });

  it('grants with the settings’ defaults, or with the limits given', async () => {
    const { storage, clock } = open();
    await storage.settings.update({ defaultSiteMonthlyBudgetUsd: 2, defaultPrivacy: 'local-only' });
    expect(await storage.grants.grant(SITE)).toEqual({
      origin: SITE,
      allowed: true,
      grantedAt: clock.time,
      updatedAt: clock.time,
      monthlyBudgetUsd: 2,
      rateLimitPerMinute: DEFAULT_SETTINGS.defaultSiteRateLimitPerMinute,
      privacy: 'local-only',
    });
    const custom = await storage.grants.grant('http://127.0.0.1:8080', {
      monthlyBudgetUsd: 0.25,
      privacy: 'any',
    });
    expect(custom).toMatchObject({
      monthlyBudgetUsd: 0.25,
      privacy: 'any',
      rateLimitPerMinute: 20,
    });
    expect(await storage.grants.isAllowed('http://127.0.0.1:8080')).toBe(true);
  });

  it('revokes access but keeps the limits, which a re-grant restores', async () => {
    const { storage, clock } = open();
    await storage.grants.grant(SITE, { monthlyBudgetUsd: 3, rateLimitPerMinute: 5 });
    clock.time += 1000;
    const revoked = await storage.grants.revoke(SITE);
    expect(revoked).toMatchObject({ allowed: false, monthlyBudgetUsd: 3, updatedAt: clock.time });
    expect(await storage.grants.isAllowed(SITE)).toBe(false);
    clock.time += 1000;
    expect(await storage.grants.grant(SITE)).toMatchObject({
      allowed: true,
      grantedAt: clock.time,
      monthlyBudgetUsd: 3,
      rateLimitPerMinute: 5,
    });
    expect(await storage.grants.revoke('https://never.example')).toBeUndefined();
  });

  it('updates limits of an existing grant only, validating them', async () => {
    const { storage } = open();
    await expect(storage.grants.update(SITE, { rateLimitPerMinute: 10 })).rejects.toThrow(
      RangeError,
    );
    await storage.grants.grant(SITE);
    expect(await storage.grants.update(SITE, { rateLimitPerMinute: 10 })).toMatchObject({
      rateLimitPerMinute: 10,
    });
    await expect(storage.grants.update(SITE, { rateLimitPerMinute: 1.5 })).rejects.toThrow(
      RangeError,
    );
    await expect(storage.grants.update(SITE, { monthlyBudgetUsd: -2 })).rejects.toThrow(RangeError);
    expect((await storage.grants.get(SITE))?.rateLimitPerMinute).toBe(10);
  });

  it('lists grants by origin and forgets them entirely', async () => {
    const { storage } = open();
    for (const origin of ['https://b.example', 'https://a.example', 'https://c.example']) {
      await storage.grants.grant(origin);
    }
    await storage.grants.revoke('https://c.example');
    expect((await storage.grants.list()).map((grant) => [grant.origin, grant.allowed])).toEqual([
      ['https://a.example', true],
      ['https://b.example', true],
      ['https://c.example', false],
    ]);
    await storage.grants.forget('https://b.example');
    expect((await storage.grants.list()).map((grant) => grant.origin)).toEqual([
      'https://a.example',
      'https://c.example',
    ]);
  });

  it('accepts only origins as the browser writes them', async () => {
    const { storage } = open();
    expect(normalizeOrigin('http://127.0.0.1:5173')).toBe('http://127.0.0.1:5173');
    for (const bad of [
      'https://site.example/',
      'https://site.example/path',
      'null',
      '*',
      'site.example',
      'HTTPS://SITE.EXAMPLE',
    ]) {
      expect(() => normalizeOrigin(bad)).toThrow(TypeError);
    }
    await expect(storage.grants.grant('https://site.example/page')).rejects.toThrow(TypeError);
    expect(await storage.grants.list()).toEqual([]);
  });
});
