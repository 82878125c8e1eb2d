/**
 * The organization's policy always wins: sites it keeps out are refused before anything else,
 * providers it bars are ruled out with that reason, its privacy level is the least any request
 * gets, and its budget caps hold — and every refusal says it was the policy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findProvider } from '../../src/providers/provider-registry';
import { loadBundledCatalog } from '../../src/router';
import { Broker } from '../../src/runtime/broker';
import {
  type OrganizationPolicy,
  originMatches,
  parseOrganizationPolicy,
} from '../../src/runtime/organization-policy';
import { type BrokerWorld, createWorld, ORIGIN, rejectionOf } from './broker-world';

describe('parseOrganizationPolicy', () => {
  it('keeps well-formed rules and lists the malformed ones it ignored', () => {
    const { policy, ignored } = parseOrganizationPolicy({
      allowedProviders: ['openai', 7, 'ollama'],
      privacy: 'sometimes',
      maxMonthlyBudgetUsd: 25,
      maxSiteMonthlyBudgetUsd: -1,
      blockedOrigins: 'https://bad.example',
      somethingElse: true,
    });
    expect(policy).toEqual({ allowedProviders: ['openai', 'ollama'], maxMonthlyBudgetUsd: 25 });
    expect(ignored.sort()).toEqual(['blockedOrigins', 'maxSiteMonthlyBudgetUsd', 'privacy']);
    expect(parseOrganizationPolicy(undefined)).toEqual({ policy: {}, ignored: [] });
  });
});

describe('originMatches', () => {
  it.each([
    ['https://example.com', 'https://example.com', true],
    ['https://example.com', 'http://example.com', false],
    ['https://*.example.com', 'https://a.example.com', true],
    ['https://*.example.com', 'https://a.b.example.com', true],
    ['https://*.example.com', 'https://example.com', true],
    ['https://*.example.com', 'https://badexample.com', false],
    ['http://*.localhost:8080', 'http://app.localhost:8080', true],
    ['http://localhost:*', 'http://localhost:41234', true],
    ['http://localhost:*', 'http://localhost', true],
    ['http://localhost', 'http://localhost:41234', false],
    ['http://localhost:8080', 'http://localhost:8081', false],
    ['not a pattern', 'https://example.com', false],
    ['*', 'https://anything.example', true],
  ])('%s matches %s: %s', (pattern, origin, matches) => {
    expect(originMatches(pattern, origin)).toBe(matches);
  });
});

describe('a broker under a policy', () => {
  let world: BrokerWorld;
  afterEach(() => world?.close());

  function brokerWith(policy: OrganizationPolicy): Broker {
    return new Broker({
      storage: world.storage,
      catalog: loadBundledCatalog(),
      findProvider,
      readPolicy: async () => policy,
    });
  }

  it('refuses a site the policy blocks, even with a grant, and says it was the policy', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const broker = brokerWith({ blockedOrigins: [ORIGIN] });
    const error = await rejectionOf(
      broker.run(ORIGIN, { prompt: 'Hi' }, { signal: new AbortController().signal }),
    );
    expect(error).toMatchObject({ name: 'NotAllowedError' });
    expect(error.message).toMatch(/organization's policy does not allow/);
    expect(await broker.permissionOf(ORIGIN)).toEqual({ origin: ORIGIN, granted: false });
    expect(world.servers.openai!.requests).toHaveLength(0);
  });

  it('lets only the allowed sites in when it lists them', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const error = await rejectionOf(
      brokerWith({ allowedOrigins: ['https://*.corp.example'] }).assertAllowed(ORIGIN),
    );
    expect(error.message).toMatch(/allows only some sites/);
    await expect(
      brokerWith({ allowedOrigins: ['https://site.example'] }).assertAllowed(ORIGIN),
    ).resolves.toMatchObject({ origin: ORIGIN });
  });

  it('rules out a barred provider with that reason, and falls back to the others', async () => {
    world = await createWorld({ providers: { openai: 100, anthropic: 10 } });
    const broker = brokerWith({ blockedProviders: ['openai'] });
    const result = await broker.run(
      ORIGIN,
      { prompt: 'Hi' },
      { signal: new AbortController().signal },
    );
    expect(result.model.provider).toBe('anthropic');
    const { plan } = await broker.plan(ORIGIN, { prompt: 'Hi' });
    const openaiOut = plan.explanation.ruledOut.filter(({ model }) => model.provider === 'openai');
    expect(openaiOut.length).toBeGreaterThan(0);
    expect(openaiOut[0]!.reason).toMatch(/blocked by your organization's policy/);
    // The playground's "what if" cannot bring it back either.
    const { plan: whatIf } = await broker.plan(ORIGIN, { prompt: 'Hi' }, { assume: ['openai'] });
    expect(whatIf.chain.some(({ model }) => model.provider === 'openai')).toBe(false);
  });

  it('makes its privacy level the least any request gets', async () => {
    world = await createWorld({
      providers: { openai: 100, ollama: 100 },
      models: { ollama: ['llama3.1:8b'] },
    });
    const broker = brokerWith({ privacy: 'local-only' });
    const { request, plan } = await broker.plan(ORIGIN, {
      prompt: 'Hi',
      constraints: { privacy: 'any' },
    });
    expect(request.constraints?.privacy).toBe('local-only');
    expect(plan.chain.every(({ model }) => model.location === 'local')).toBe(true);
  });

  it('caps the budgets below what the person set', async () => {
    world = await createWorld({ providers: { openai: 100 }, siteBudgetUsd: 50 });
    const broker = brokerWith({ maxSiteMonthlyBudgetUsd: 0.000001 });
    expect(await broker.permissionOf(ORIGIN)).toMatchObject({ monthlyBudgetUsd: 0.000001 });
    const error = await rejectionOf(
      broker.run(
        ORIGIN,
        { prompt: 'Hi', maxOutputTokens: 500 },
        { signal: new AbortController().signal },
      ),
    );
    expect(error).toMatchObject({ name: 'QuotaExceededError' });
  });
});
