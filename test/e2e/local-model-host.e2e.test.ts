/**
 * Models in this browser, met as a person and a site meet them. With `--enable-unsafe-webgpu`
 * Chromium gives a SwiftShader (CPU) adapter: the settings say which models fit it and why the
 * others do not, computed from what the adapter reports. A download runs web-llm's real loading
 * code, which cannot reach huggingface.co here: it fails with a message a person can act on. A
 * model whose files are in web-llm's cache (put there as web-llm stores them: the one fake here,
 * at the storage edge, since no weights can be downloaded) shows as downloaded, is routed to, fails
 * to load without its engine files, and the chain moves on to the local server; Delete removes
 * its files through web-llm. Without the flag there is no adapter: every model is ruled out with
 * that reason in the settings and in the router's explanation, and sites are still answered.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalModelHostStatus } from '../../extension/messaging/offscreen-channel';
import { deviceFit } from '../../src/local/device-fit';
import { WEBLLM_MODELS } from '../../src/local/webllm-models';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { seriousViolations } from './axe';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite } from './e2e-setup';

const SMALLEST = WEBLLM_MODELS[0]!;

async function saveOllama(broker: BrokerBrowser, address: string): Promise<void> {
  const options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
  await options.locator('#provider-ollama-url').fill(address);
  await options.getByRole('form', { name: 'Ollama' }).getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => options.locator('#provider-ollama-status').textContent()).toBe('Working');
  await options.close();
}

function modelRow(options: Page, catalogId: string) {
  return options.locator(`li[data-model="${catalogId}"]`);
}

/** Puts a model's files into web-llm's cache as its downloader would have stored them. */
async function placeModelFiles(page: Page, buildId: string): Promise<void> {
  await page.evaluate(async (id) => {
    const base = `https://huggingface.co/mlc-ai/${id}/resolve/main/`;
    const cache = await caches.open('webllm/model');
    await cache.put(
      `${base}tensor-cache.json`,
      new Response(JSON.stringify({ records: [{ dataPath: 'params_shard_0.bin' }] })),
    );
    await cache.put(`${base}params_shard_0.bin`, new Response(new Uint8Array(4096)));
  }, buildId);
}

async function cachedKeys(page: Page): Promise<string[]> {
  return page.evaluate(async () =>
    (await (await caches.open('webllm/model')).keys()).map((request) => request.url),
  );
}

describe('models in this browser, on a software WebGPU adapter', () => {
  let broker: BrokerBrowser;
  let ollama: ProviderServer;
  let options: Page;

  beforeAll(async () => {
    broker = await launchBroker({ extraArgs: ['--enable-unsafe-webgpu'] });
    ollama = await startProviderServer({
      kind: 'openai-compatible',
      ollamaOrigins: [`chrome-extension://${broker.extensionId}`],
      models: ['llama3.2:1b'],
      text: 'An answer from the local server.',
    });
    options = await broker.openExtensionPage('extension/ui/options/options.html#models');
  });
  afterAll(async () => {
    await broker?.close();
    await ollama?.close();
  });

  it('says which models fit the adapter, and why the others do not', {
    timeout: 90_000,
  }, async () => {
    // A loaded machine can take the host past its 30 s status deadline: the page asks again.
    await options.getByText('WebGPU available', { exact: true }).waitFor({ timeout: 75_000 });
    expect(await options.locator('#browser-models-adapter').textContent()).toMatch(
      /software \(CPU\).*No 16-bit shaders/,
    );
    const status = (await options.evaluate(() =>
      chrome.runtime.sendMessage({
        channel: 'llm-broker/ui',
        method: 'getLocalModelHost',
        params: null,
      }),
    )) as { ok: boolean; value: LocalModelHostStatus };
    const adapter = status.value.adapter!;
    expect(adapter.isFallbackAdapter).toBe(true);
    expect(adapter.shaderF16).toBe(false);
    for (const model of WEBLLM_MODELS) {
      const row = modelRow(options, model.catalogId);
      const fit = deviceFit(model, adapter);
      const text = await row.textContent();
      if (fit.fits) {
        expect(fit.build.precision).toBe('f32');
        expect(text).toContain('Runs slowly here');
        expect(text).toContain('f32 build');
        expect(await row.getByRole('button', { name: 'Download' }).isEnabled()).toBe(true);
      } else {
        expect(text).toContain('Not on this device');
        expect(text).toContain(`Cannot run here: ${fit.reason}.`);
        expect(await row.getByRole('button', { name: 'Download' }).isDisabled()).toBe(true);
      }
    }
    expect(deviceFit(SMALLEST, adapter).fits).toBe(true);
    expect(await seriousViolations(options)).toEqual([]);
    await broker.screenshot(options, 'options-models-webgpu');
    await options.emulateMedia({ colorScheme: 'dark' });
    await broker.screenshot(options, 'options-models-webgpu-dark');
    await options.emulateMedia({ colorScheme: 'light' });
  });

  it('shows the browser’s own model as the browser reports it', async () => {
    const card = options.locator('#built-in-model');
    await card.waitFor();
    const reported = await options.evaluate(async () => {
      const api = (globalThis as { LanguageModel?: { availability(): Promise<string> } })
        .LanguageModel;
      return api ? api.availability() : 'none';
    });
    const badge = {
      none: 'Not on this device',
      unavailable: 'Not on this device',
      downloadable: 'Can be downloaded',
      downloading: 'Downloading',
      available: 'Ready',
    }[reported];
    expect(await card.locator('.badge').textContent()).toBe(badge);
    if (reported === 'none') {
      expect(await card.textContent()).toMatch(/offers no built-in model to extensions/);
    }
    if (reported === 'downloadable') {
      expect(await card.getByRole('button', { name: 'Download the browser’s model' }).count()).toBe(
        1,
      );
    }
  });

  it('runs web-llm’s real download, and says what to do when the files cannot be fetched', async () => {
    const row = modelRow(options, SMALLEST.catalogId);
    await row.getByRole('button', { name: 'Download' }).click();
    const alert = row.getByRole('alert');
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.textContent()).toMatch(/could not be downloaded: check the connection/);
    expect(await row.getByRole('button', { name: 'Try again' }).isEnabled()).toBe(true);
    await broker.screenshot(options, 'options-models-download-failed');
  });

  it('routes to a downloaded model, moves on when it cannot load, and deletes its files', async () => {
    await saveOllama(broker, ollama.url);
    const build = deviceFit(SMALLEST, {
      vendor: '',
      architecture: '',
      isFallbackAdapter: true,
      shaderF16: false,
      maxBufferSizeMiB: 1024,
      maxStorageBufferBindingSizeMiB: 1024,
    });
    const buildId = build.fits ? build.build.id : SMALLEST.builds[1]!.id;
    await placeModelFiles(options, buildId);
    await options.reload();
    const row = modelRow(options, SMALLEST.catalogId);
    await row.getByText('Downloaded', { exact: true }).waitFor({ timeout: 40_000 });
    expect(await options.locator('#browser-models-space').textContent()).toMatch(
      /Downloaded model files take/,
    );

    // The person prefers the model in this browser to the local server (Settings → Priorities).
    await options.evaluate(() =>
      chrome.runtime.sendMessage({
        channel: 'llm-broker/ui',
        method: 'saveSettings',
        params: { providerPriorities: { webllm: 100, ollama: 20 } },
      }),
    );
    // A private request: the model in this browser is ready, first in line, and cannot load here
    // (its engine files are not cached and cannot be fetched); the local server answers.
    const site = await broker.openTestPage();
    await allowSite(broker, site);
    const result = await site.evaluate(() =>
      window.llm.generate({
        prompt: 'Summarize: the meeting moved to Tuesday.',
        constraints: { privacy: 'local-only' },
      }),
    );
    expect(result.text).toBe('An answer from the local server.');
    expect(result.model.provider).toBe('ollama');
    const tried = result.attempts?.find((attempt) => attempt.model.provider === 'webllm');
    expect(tried?.model.id).toBe(SMALLEST.catalogId);
    expect(tried?.outcome).not.toBe('ok');
    expect(tried?.error).toMatch(/could not|not be loaded|downloaded/i);
    await site.close();

    await row.getByRole('button', { name: 'Delete' }).click();
    await options.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Download' }).waitFor();
    // web-llm deletes the weights (its small weights list stays, as its own deletion leaves it).
    const left = (await cachedKeys(options)).filter((key) => key.includes(buildId));
    expect(left.filter((key) => key.endsWith('.bin'))).toEqual([]);
  });
});

describe('models in this browser, without WebGPU', () => {
  let broker: BrokerBrowser;
  let ollama: ProviderServer;
  beforeAll(async () => {
    broker = await launchBroker();
    ollama = await startProviderServer({
      kind: 'openai-compatible',
      ollamaOrigins: [`chrome-extension://${broker.extensionId}`],
      models: ['llama3.2:1b'],
      text: 'An answer from the local server.',
    });
  });
  afterAll(async () => {
    await broker?.close();
    await ollama?.close();
  });

  it('rules every model out with the reason, in the settings and in the router’s explanation', async () => {
    const options = await broker.openExtensionPage('extension/ui/options/options.html#models');
    await options.getByText('No WebGPU', { exact: true }).waitFor({ timeout: 40_000 });
    expect(await options.locator('#browser-models-reason').textContent()).toMatch(
      /no WebGPU adapter.*local server/,
    );
    for (const model of WEBLLM_MODELS) {
      const row = modelRow(options, model.catalogId);
      expect(await row.textContent()).toContain('Not on this device');
      expect(await row.getByRole('button', { name: 'Download' }).isDisabled()).toBe(true);
    }
    await broker.screenshot(options, 'options-models-no-webgpu');

    // Even with a model's files in the cache (downloaded on a device that had a GPU), it is ruled
    // out here with the reason, and a private request goes on to the local server.
    await placeModelFiles(options, SMALLEST.builds[1]!.id);
    await options.reload();
    await modelRow(options, SMALLEST.catalogId).getByText('Downloaded', { exact: true }).waitFor();
    await saveOllama(broker, ollama.url);
    const request = { prompt: 'Hello', constraints: { privacy: 'local-only' as const } };
    const explained = (await options.evaluate(
      (params) =>
        chrome.runtime.sendMessage({ channel: 'llm-broker/ui', method: 'explainRoute', params }),
      { request, everyProvider: false },
    )) as {
      ok: boolean;
      value: { explanation: { ruledOut: Array<{ model: { provider: string }; reason: string }> } };
    };
    const ruledOut = explained.value.explanation.ruledOut.filter(
      ({ model }) => model.provider === 'webllm',
    );
    expect(ruledOut.length).toBe(WEBLLM_MODELS.length);
    for (const { reason } of ruledOut) {
      expect(reason).toMatch(/Models in this browser: this browser offers no WebGPU adapter/);
    }
    const site = await broker.openTestPage();
    await allowSite(broker, site);
    const result = await site.evaluate((body) => window.llm.generate(body), request);
    expect(result.model.provider).toBe('ollama');
    expect(result.attempts?.some((attempt) => attempt.model.provider === 'webllm')).toBe(false);
  });
});

describe('a download cut short by a browser restart', () => {
  it('starts again at the next start, with web-llm’s real loading code', async () => {
    const profileDir = await mkdtemp(join(tmpdir(), 'llm-broker-resume-'));
    try {
      let broker = await launchBroker({ extraArgs: ['--enable-unsafe-webgpu'], profileDir });
      const build = SMALLEST.builds[1]!.id;
      // The state a restart leaves: a download wanted, not finished.
      await broker.serviceWorker.evaluate(
        (id) => chrome.storage.local.set({ 'browserModels.wanted': [id] }),
        build,
      );
      await broker.close();
      // The welcome page opened once, at the first launch.
      broker = await launchBroker({
        extraArgs: ['--enable-unsafe-webgpu'],
        profileDir,
        keepWelcome: true,
      });
      // The new start asked the host to download it; here its files cannot be fetched, so it ends
      // failed, and a failure is not retried by itself (the settings say why).
      await expect
        .poll(
          () =>
            broker.serviceWorker.evaluate(
              async () =>
                (await chrome.storage.local.get('browserModels.wanted'))['browserModels.wanted'],
            ),
          { timeout: 60_000 },
        )
        .toEqual([]);
      const options = await broker.openExtensionPage('extension/ui/options/options.html#models');
      await modelRow(options, SMALLEST.catalogId)
        .getByRole('button', { name: 'Download' })
        .waitFor();
      await broker.close();
    } finally {
      await rm(profileDir, { recursive: true, force: true });
    }
  });
});
