/**
 * The demo site (`npm run demo`), used as a person would: before permission the kit's fallback
 * answers from the site's own endpoint; after "Allow" every call goes through LLM Broker —
 * route with its explanation, generate, stream and stop, models, feedback, the budget event and
 * the Prompt API. In Chromium (light and dark screenshots) and in Firefox.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../../scripts/demo.mjs';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { answerConsent, saveProviderAccount } from './e2e-setup';
import { eventually, type FirefoxBroker, launchFirefoxBroker } from './firefox-harness';

const API_KEY = 'sk-demo-test-0000000000000';
const ANSWER = 'The sky is blue because air scatters blue light more than red light.';

describe('the demo site in Chromium', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let demo: { url: string; close(): Promise<void> };
  let page: Page;

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: API_KEY, text: ANSWER });
    demo = await startDemoServer({ port: 0 });
    broker = await launchBroker({ extraArgs: ['--disable-blink-features=AIPromptAPI'] });
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: API_KEY,
      baseUrl: `${openai.url}/v1`,
    });
    // Saving tested the key (one request); the tests count what sites cause.
    openai.reset();
    page = await broker.context.newPage();
    await page.goto(demo.url);
  });
  afterAll(async () => {
    await broker?.close();
    await demo?.close();
    await openai?.close();
  });

  it('finds LLM Broker, and answers from the site’s own endpoint until the site is allowed', async () => {
    await expect.poll(() => page.locator('#status').textContent()).toBe('LLM Broker is installed');
    expect(await page.locator('#permission-badge').textContent()).toBe('not allowed');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect
      .poll(() => page.locator('#answer-state').textContent())
      .toBe('answered by the site’s own endpoint');
    expect(await page.locator('#answer').textContent()).toMatch(/demo site’s own endpoint/);
    expect(openai.requests).toHaveLength(0);
    await broker.screenshot(page, 'demo-before-permission');
  });

  it('asks for permission from a click, and then answers through LLM Broker', async () => {
    await answerConsent(broker, 'Allow', () =>
      page.getByRole('button', { name: 'Allow this site…' }).click(),
    );
    await expect.poll(() => page.locator('#permission-badge').textContent()).toBe('allowed');
    await expect
      .poll(() => page.locator('#events li').first().textContent())
      .toMatch(/permissionchange: granted/);

    await page.getByRole('button', { name: 'Explain the choice' }).click();
    await expect.poll(() => page.locator('#route-out').textContent()).toMatch(/Chosen.*openai/);
    expect(await page.locator('#route-out tbody tr').count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Stream', exact: true }).click();
    await expect
      .poll(() => page.locator('#answer-state').textContent())
      .toBe('answered through LLM Broker');
    expect(await page.locator('#answer').textContent()).toBe(ANSWER);
    expect(await page.locator('#answer-facts').textContent()).toMatch(/openai/);
    // A charged answer: the budget event arrives.
    await expect.poll(() => page.locator('#events').textContent()).toMatch(/budget: granted/);

    await page.getByRole('button', { name: 'A good answer' }).click();
    await expect.poll(() => page.locator('#feedback-row').textContent()).toMatch(/Thank you/);

    await page.getByRole('button', { name: 'List them' }).click();
    await expect.poll(() => page.locator('#models-out li').count()).toBeGreaterThan(0);
    await broker.screenshot(page, 'demo-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await broker.screenshot(page, 'demo-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('stops a stream with Stop, and the provider’s connection is closed', async () => {
    openai.script({ kind: 'answer', text: ANSWER, tokenDelayMs: 150 });
    await page.getByRole('button', { name: 'Stream', exact: true }).click();
    await expect.poll(() => page.locator('#answer').textContent()).not.toBe('');
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.locator('#answer-state').textContent()).toBe('stopped');
    await openai.waitForClientClose({ timeoutMs: 3_000 });
  });

  it('runs the Prompt API from a click', async () => {
    await page.getByRole('button', { name: 'Create a session and prompt' }).click();
    await expect.poll(() => page.locator('#prompt-api-out').textContent()).toBe(ANSWER);
    await expect
      .poll(() => page.locator('#prompt-api-facts').textContent())
      .toMatch(/contextUsage/);
  });
});

describe('the demo site in Firefox', () => {
  let firefox: FirefoxBroker;
  let openai: ProviderServer;
  let demo: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: API_KEY, text: ANSWER });
    demo = await startDemoServer({ port: 0 });
    firefox = await launchFirefoxBroker();
  }, 90_000);
  afterAll(async () => {
    await firefox?.close();
    await demo?.close();
    await openai?.close();
  });

  it('streams an answer through LLM Broker once allowed', async () => {
    const options = await firefox.openExtensionPage('extension/ui/options/options.html#providers');
    await options.waitForSelector('#provider-openai-key');
    await options.type('#provider-openai-key', API_KEY);
    await options.evaluate(() => {
      for (const details of document.querySelectorAll('details')) details.open = true;
    });
    await options.type('#provider-openai-url', `${openai.url}/v1`);
    await options.evaluate(() =>
      document.querySelector('#provider-openai-key')?.closest('form')?.requestSubmit(),
    );
    await eventually('the saved key', () =>
      options.evaluate(() => document.body.textContent?.includes('Working')),
    );
    await options.close();

    const page = await firefox.browser.newPage();
    await page.goto(demo.url);
    await eventually('the broker found', () =>
      page.evaluate(
        () => document.querySelector('#status')?.textContent === 'LLM Broker is installed',
      ),
    );
    await page.bringToFront();
    await page.locator('#allow').click();
    const consent = await firefox.waitForExtensionPage('extension/ui/consent/consent.html');
    await consent.locator('button::-p-text(Allow)').click();
    await eventually('the grant', () =>
      page.evaluate(() => document.querySelector('#permission-badge')?.textContent === 'allowed'),
    );
    await page.bringToFront();
    await page.locator('#stream').click();
    await eventually(
      'the answer',
      () =>
        page.evaluate(
          () =>
            document.querySelector('#answer-state')?.textContent === 'answered through LLM Broker',
        ),
      20_000,
    );
    expect(await page.evaluate(() => document.querySelector('#answer')?.textContent)).toBe(ANSWER);
    await firefox.screenshot(page, 'firefox-demo');
  }, 90_000);
});
