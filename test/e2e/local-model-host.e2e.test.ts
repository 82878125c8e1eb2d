/**
 * The offscreen document that will host local models: the background opens it on demand and it
 * reports what the browser offers. With `--enable-unsafe-webgpu` Chromium gives a SwiftShader
 * (CPU) adapter; without it there is none, and the options page says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type BrokerBrowser, launchBroker } from './e2e-harness';

describe('the local model host', () => {
  let broker: BrokerBrowser | undefined;
  afterEach(async () => {
    await broker?.close();
    broker = undefined;
  });

  it('finds the software WebGPU adapter and says models would run slowly', async () => {
    broker = await launchBroker({ extraArgs: ['--enable-unsafe-webgpu'] });
    const options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
    await expect
      .poll(() => options.getByText('WebGPU available', { exact: true }).count(), {
        timeout: 15_000,
      })
      .toBe(1);
    expect(await options.locator('#browser-models-adapter').textContent()).toMatch(
      /software \(CPU\)/,
    );
    const contexts = await broker.serviceWorker.evaluate(
      async () =>
        (
          await chrome.runtime.getContexts({
            contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
          })
        ).length,
    );
    expect(contexts).toBe(1);
    await broker.screenshot(options, 'options-providers-webgpu');
  });

  it('says plainly when the browser has no WebGPU adapter', async () => {
    broker = await launchBroker();
    const options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
    await expect
      .poll(() => options.getByText('No WebGPU', { exact: true }).count(), { timeout: 15_000 })
      .toBe(1);
    expect(await options.getByText(/cannot run inside it/).count()).toBe(1);
  });
});
