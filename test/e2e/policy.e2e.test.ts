/**
 * An organization's policy, set the way administrators set it: a Chromium managed policy file
 * (/etc/chromium/policies/managed/*.json, "3rdparty" → extensions → this extension's id). The
 * extension is a copy of the build in a folder of its own, so the policy applies to this test's
 * extension id only. Needs to write /etc/chromium (CI runs as root).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackedExtensionId } from '../../scripts/extension-id.mjs';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, DIST_DIR, launchBroker } from './e2e-harness';
import { allowSite, saveProviderAccount, withGesture } from './e2e-setup';

const POLICY_DIR = '/etc/chromium/policies/managed';

function canWritePolicies(): boolean {
  try {
    mkdirSync(POLICY_DIR, { recursive: true });
    accessSync(POLICY_DIR, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!canWritePolicies())('an organization policy from managed storage', () => {
  let broker: BrokerBrowser;
  let extensionDir: string;
  let policyFile: string;
  let openai: ProviderServer;

  beforeAll(async () => {
    extensionDir = await mkdtemp(join(tmpdir(), 'llm-broker-policy-'));
    await cp(DIST_DIR, extensionDir, { recursive: true });
    const id = unpackedExtensionId(extensionDir);
    policyFile = join(POLICY_DIR, `llm-broker-e2e-${id}.json`);
    await writeFile(
      policyFile,
      JSON.stringify({
        '3rdparty': {
          extensions: {
            [id]: {
              blockedOrigins: ['http://localhost:*'],
              blockedProviders: ['anthropic'],
              privacy: 'no-training',
              maxSiteMonthlyBudgetUsd: 0.5,
            },
          },
        },
      }),
    );
    openai = await startProviderServer({ kind: 'openai', apiKey: 'sk-policy-test-000000000' });
    broker = await launchBroker({ extensionDir });
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
    await rm(policyFile, { force: true });
    await rm(extensionDir, { recursive: true, force: true });
  });

  it('says in the settings which rules the organization fixes', async () => {
    const options = await broker.openExtensionPage('extension/ui/options/options.html#budgets');
    const notice = options.locator('#policy-notice');
    await notice.waitFor();
    const text = await notice.textContent();
    expect(text).toContain('Managed by your organization');
    expect(text).toContain('Never these providers: Anthropic');
    expect(text).toContain('These sites may not ask: http://localhost:*');
    expect(text).toContain('One site spends at most $0.50 a month');
    await broker.screenshot(options, 'options-policy');
    await options.close();
  });

  it('refuses a site it blocks without opening any window, and says it was the policy', async () => {
    const blocked = await broker.context.newPage();
    await blocked.goto(`${broker.pagesUrl.replace('127.0.0.1', 'localhost')}/index.html`);
    const pagesBefore = broker.context.pages().length;
    const refusal = await withGesture(blocked, () => window.settle(window.llm.requestPermission()));
    expect(refusal).toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringMatching(/organization's policy does not allow http:\/\/localhost/),
    });
    expect(broker.context.pages().length).toBe(pagesBefore);
    await blocked.close();
  });

  it('caps what a site may spend, and answers within the rules', async () => {
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: 'sk-policy-test-000000000',
      baseUrl: `${openai.url}/v1`,
    });
    const site = await broker.openTestPage();
    const granted = await allowSite(broker, site);
    // The person offered $1 (the default); the organization caps it at $0.50.
    expect(granted).toMatchObject({ granted: true, monthlyBudgetUsd: 0.5, privacy: 'no-training' });
    const decision = await site.evaluate(() => window.llm.route({ prompt: 'Hello' }));
    expect(
      decision.ruledOut.some(
        ({ provider, reason }) => provider === 'anthropic' && /organization's policy/.test(reason),
      ) || decision.candidates.every(({ model }) => model.provider !== 'anthropic'),
    ).toBe(true);
    const result = await site.evaluate(() => window.llm.generate({ prompt: 'Hello' }));
    expect(result.model.provider).toBe('openai');
  });
});
