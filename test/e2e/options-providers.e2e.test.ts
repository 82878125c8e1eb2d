/**
 * Providers and keys as a person manages them: a key is tested on save and the verdict stays on
 * the card; a refused key is marked and not routed to until it is replaced; a provider can be
 * turned off and on without deleting it; and the router says why in words a person can act on.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite } from './e2e-setup';

const GOOD_KEY = 'sk-the-right-key-0000000000000';

describe('providers and keys', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let anthropic: ProviderServer;
  let options: Page;
  let site: Page;

  const status = (provider: string) =>
    options.locator(`#provider-${provider}-status`).textContent();
  const openaiReason = async () => {
    const decision = await site.evaluate(() => window.llm.route({ prompt: 'Hello' }));
    return decision.ruledOut.find((model) => model.provider === 'openai')?.reason;
  };

  async function saveKey(provider: 'openai' | 'anthropic', name: string, key: string, url: string) {
    const card = options.getByRole('form', { name });
    await options.locator(`#provider-${provider}-key`).fill(key);
    if (!(await options.locator(`#provider-${provider}-url`).isVisible())) {
      await card.getByText('Advanced: API address').click();
    }
    await options.locator(`#provider-${provider}-url`).fill(url);
    await card.getByRole('button', { name: 'Save' }).click();
  }

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: GOOD_KEY });
    anthropic = await startProviderServer({
      kind: 'anthropic',
      apiKey: 'sk-ant-good-000000000000',
    });
    broker = await launchBroker();
    options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
    site = await broker.openTestPage();
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
    await anthropic?.close();
  });

  it('tests a key on save and marks a refused one, which is then not routed to', async () => {
    await saveKey('anthropic', 'Anthropic', 'sk-ant-good-000000000000', `${anthropic.url}/v1`);
    await expect.poll(() => status('anthropic')).toBe('Working');
    await saveKey('openai', 'OpenAI', 'sk-a-wrong-key-00000000000000', `${openai.url}/v1`);
    await expect.poll(() => status('openai')).toBe('Key rejected');
    expect(await options.locator('#provider-openai-check').textContent()).toMatch(
      /not answered by it until you replace the key/,
    );
    await broker.screenshot(options, 'options-providers-rejected');

    await allowSite(broker, site);
    expect(await openaiReason()).toMatch(/API key was rejected \(HTTP 401\).*replace it/);
    const before = openai.requests.length;
    const result = await site.evaluate(() => window.llm.generate({ prompt: 'Hello' }));
    expect(result.model.provider).toBe('anthropic');
    expect(openai.requests.length).toBe(before);
  });

  it('routes to a replaced key at once', async () => {
    await saveKey('openai', 'OpenAI', GOOD_KEY, `${openai.url}/v1`);
    await expect.poll(() => status('openai')).toBe('Working');
    expect(await openaiReason()).toBeUndefined();
  });

  it('turns a provider off and on without deleting it', async () => {
    const toggle = options.getByRole('form', { name: 'OpenAI' }).getByRole('switch');
    await toggle.click();
    await expect.poll(() => status('openai')).toBe('Off');
    expect(await openaiReason()).toMatch(/turned off in Settings → Providers/);
    await options.reload();
    await expect.poll(() => status('openai')).toBe('Off');
    expect(await options.locator('#provider-openai-key').getAttribute('placeholder')).toMatch(
      /…000$/,
    );
    await options.getByRole('form', { name: 'OpenAI' }).getByRole('switch').click();
    await expect.poll(() => status('openai')).toBe('Working');
    expect(await openaiReason()).toBeUndefined();
  });

  it('marks a key the provider refuses while answering, instead of retrying it after a pause', async () => {
    openai.script({ kind: 'http-error', status: 401 });
    await site.evaluate(() => window.llm.generate({ prompt: 'Hello', hints: { quality: 'low' } }));
    await options.reload();
    await expect.poll(() => status('openai')).toBe('Key rejected');
    expect(await openaiReason()).toMatch(/rejected/);
  });
});
