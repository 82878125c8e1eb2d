/**
 * A local Ollama server seen from the real extension: Chrome sends `Origin: chrome-extension://…`,
 * which Ollama refuses until OLLAMA_ORIGINS allows it. The options page's connection test says
 * exactly what to set; once the server trusts the extension, a site is answered by the local
 * model for nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite } from './e2e-setup';

describe('a local Ollama server', () => {
  let broker: BrokerBrowser;
  let refusing: ProviderServer;
  let trusting: ProviderServer;

  beforeAll(async () => {
    broker = await launchBroker();
    // Ollama without OLLAMA_ORIGINS answers only loopback web origins, never an extension.
    refusing = await startProviderServer({
      kind: 'openai-compatible',
      ollamaOrigins: [],
      models: ['llama3.1:8b'],
    });
    trusting = await startProviderServer({
      kind: 'openai-compatible',
      ollamaOrigins: [`chrome-extension://${broker.extensionId}`],
      models: ['llama3.1:8b'],
    });
  });
  afterAll(async () => {
    await broker?.close();
    await Promise.all([refusing?.close(), trusting?.close()]);
  });

  async function saveOllama(address: string) {
    const options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
    const card = options.getByRole('form', { name: 'Ollama' });
    await options.locator('#provider-ollama-url').fill(address);
    // Saving tests the server at once; the result stays on the card.
    await card.getByRole('button', { name: 'Save' }).click();
    await options.locator('#provider-ollama-check').waitFor();
    return { options };
  }

  it('tells the person exactly what to set when Ollama refuses the extension', async () => {
    const { options } = await saveOllama(refusing.url);
    await expect
      .poll(() => options.locator('#provider-ollama-check').textContent())
      .toContain('OLLAMA_ORIGINS=chrome-extension://*');
    expect(await options.locator('#provider-ollama-status').textContent()).toBe('Not reachable');
    expect(refusing.requests.at(-1)?.headers.origin).toBe(
      `chrome-extension://${broker.extensionId}`,
    );
    await broker.screenshot(options, 'options-ollama-refused');
    await options.close();
  });

  it('answers a site with the local model, for nothing, once Ollama trusts the extension', async () => {
    const { options } = await saveOllama(trusting.url);
    await expect
      .poll(() => options.locator('#provider-ollama-status').textContent())
      .toBe('Working');
    await options.close();
    const site = await broker.openTestPage();
    await allowSite(broker, site);
    const result = await site.evaluate(() =>
      window.llm.generate({
        prompt: 'Hello from a private page',
        constraints: { privacy: 'local-only' },
      }),
    );
    expect(result.model).toEqual({ provider: 'ollama', id: 'llama-3.1-8b', location: 'local' });
    expect(result.costUsd).toBe(0);
  });
});
