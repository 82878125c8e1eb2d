/**
 * A local first pass as a person sets it up and a site meets it: Settings → Priorities turns on
 * "cheapest model first" for classification; a site's classification request is answered by the
 * free local server when its answer passes the check, and goes on to the cloud model when the
 * local server refuses; the Usage page counts both and the log says which escalated and why. With
 * "check cheap short answers" on, a question's cheap answer is compared with a second opinion.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite, saveProviderAccount } from './e2e-setup';

const REVIEW = {
  task: 'classification',
  prompt: 'Positive or negative? "The battery died after two days." One word.',
} as const;

describe('cheapest model first', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let ollama: ProviderServer;
  let site: Page;

  beforeAll(async () => {
    broker = await launchBroker();
    openai = await startProviderServer({
      kind: 'openai',
      apiKey: 'sk-cascade-0000000000',
      text: 'Negative (from the cloud).',
    });
    ollama = await startProviderServer({
      kind: 'openai-compatible',
      ollamaOrigins: [`chrome-extension://${broker.extensionId}`],
      models: ['llama3.2:3b'],
      text: 'Negative',
    });
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: 'sk-cascade-0000000000',
      baseUrl: `${openai.url}/v1`,
    });
    const options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
    await options.locator('#provider-ollama-url').fill(ollama.url);
    await options
      .getByRole('form', { name: 'Ollama' })
      .getByRole('button', { name: 'Save' })
      .click();
    await options.locator('#provider-ollama-status', { hasText: /^Working$/ }).waitFor();

    // The person prefers the cloud, and lets a cheap model try classification first.
    await options.goto(options.url().replace(/#.*$/, '#priorities'));
    await options.getByLabel('Ollama priority').fill('30');
    await options.getByLabel('Ollama priority').press('Tab');
    await options.getByLabel('Classifying: cheapest model first').check();
    await options.getByRole('button', { name: 'Save priorities' }).click();
    await options.getByText('Priorities saved.').waitFor();
    await options.close();
    site = await broker.openTestPage();
    await allowSite(broker, site);
  });
  afterAll(async () => {
    await broker?.close();
    await Promise.all([openai?.close(), ollama?.close()]);
  });

  it('answers with the local model when its answer passes, and asks the cloud only when not', async () => {
    const before = openai.requests.length;
    const accepted = await site.evaluate((request) => window.llm.generate(request), REVIEW);
    expect(accepted.model.provider).toBe('ollama');
    expect(accepted.costUsd).toBe(0);
    expect(accepted.cascade?.escalated).toBe(false);
    // The key test on save was the cloud's only request.
    expect(openai.requests.length).toBe(before);

    ollama.script({ kind: 'answer', text: "I'm sorry, but I can't help with that." });
    const escalated = await site.evaluate((request) => window.llm.generate(request), REVIEW);
    expect(escalated.text).toBe('Negative (from the cloud).');
    expect(escalated.cascade).toMatchObject({
      escalated: true,
      reason: 'the model declined to answer',
    });

    const options = await broker.openExtensionPage('extension/ui/options/options.html#usage');
    await expect
      .poll(() => options.locator('#usage-cascades').textContent(), { timeout: 10_000 })
      .toMatch(/2 with a first pass or a second opinion: 1 answered by it .*1 escalated/);
    await options.getByText('escalated after a first pass: the model declined to answer').waitFor();
    await options.getByText(/local first pass accepted/).waitFor();
    await broker.screenshot(options, 'options-usage-cascade');
  });

  it('checks a cheap short answer with a second opinion once the person turns it on', async () => {
    const options = await broker.openExtensionPage('extension/ui/options/options.html#priorities');
    const check = options.getByRole('switch', {
      name: 'Check cheap short answers with a second opinion',
    });
    expect(await check.isChecked()).toBe(false);
    await check.check();
    await options.getByRole('button', { name: 'Save priorities' }).click();
    await options.getByText('Priorities saved.').waitFor();
    await options.reload();
    expect(await check.isChecked()).toBe(true);
    for (const colorScheme of ['light', 'dark'] as const) {
      await options.emulateMedia({ colorScheme });
      await check.scrollIntoViewIfNeeded();
      await broker.screenshot(options, `options-priorities-verify-${colorScheme}`);
    }

    // A question (not a task with a first pass of its own): the chosen cheap model answers, a
    // second one of another family answers too, and the two are compared.
    const checked = await site.evaluate((request) => window.llm.generate(request), {
      task: 'qa',
      prompt: 'What is the capital of France? One word.',
    } as const);
    expect(checked.cascade?.verified).toBe(true);
    expect(checked.cascade?.passes.length).toBeGreaterThanOrEqual(2);
    const paid = checked.cascade!.passes.reduce((sum, pass) => sum + pass.costUsd, 0);
    expect(checked.costUsd).toBeCloseTo(paid, 12);

    await options.goto(options.url().replace(/#.*$/, '#usage'));
    await options
      .getByText(/checked by a second opinion/)
      .first()
      .waitFor();
    await options.close();
  });
});
