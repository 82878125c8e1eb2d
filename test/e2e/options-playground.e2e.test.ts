/**
 * The playground as a person uses it: the decision follows the request as it is typed and as an
 * example is picked; a candidate opens to its 16 contributions; a what-if priority shows its
 * decision beside the saved settings' one; Run streams a real answer (through loopback
 * providers) with its attempts; Replay routes the requests whose text was kept again and compares
 * models and cost. With the keys locked, a keyless local server still answers, and what the
 * person reads is meant for them, not for a website. axe finds nothing serious, light or dark.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { seriousViolations } from './axe';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite, saveProviderAccount } from './e2e-setup';
import { narrowToCards } from './narrow-window';

const PASSPHRASE = 'correct horse battery staple';

describe('the playground', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let anthropic: ProviderServer;
  let ollama: ProviderServer;
  let options: Page;

  beforeAll(async () => {
    openai = await startProviderServer({
      kind: 'openai',
      apiKey: 'sk-play-000000000000',
      text: 'Bonjour ! Guten Tag!',
    });
    anthropic = await startProviderServer({
      kind: 'anthropic',
      apiKey: 'sk-ant-play-00000000000',
      text: 'An answer from Claude.',
    });
    broker = await launchBroker();
    ollama = await startProviderServer({
      kind: 'openai-compatible',
      ollamaOrigins: [`chrome-extension://${broker.extensionId}`],
      models: ['llama3.1:8b'],
      text: 'A local answer.',
    });
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: 'sk-play-000000000000',
      baseUrl: `${openai.url}/v1`,
    });
    await saveProviderAccount(broker, {
      provider: 'anthropic',
      name: 'Anthropic',
      apiKey: 'sk-ant-play-00000000000',
      baseUrl: `${anthropic.url}/v1`,
    });
    options = await broker.openExtensionPage('extension/ui/options/options.html#budgets');
    await options
      .getByRole('switch', { name: 'Keep what sites ask and what models answer' })
      .check();
    await options.getByRole('button', { name: 'Save', exact: true }).click();
    await options.getByText('Budgets and privacy saved.').waitFor();
    const site = await broker.openTestPage();
    await allowSite(broker, site);
    // Both answers rated: the router learns from them (on prompts of one shape, free text).
    for (const prompt of ['Translate "good morning" into Italian', 'Write a haiku about rain']) {
      await site.evaluate(async (text) => {
        const { requestId } = await window.llm.generate({ prompt: text });
        await window.llm.feedback(requestId, 1);
      }, prompt);
    }
    await site.close();
    await options.goto(options.url().replace(/#.*$/, '#playground'));
  });
  afterAll(async () => {
    await broker?.close();
    await Promise.all([openai?.close(), anthropic?.close(), ollama?.close()]);
  });

  const chosen = () => options.locator('h3', { hasText: 'The decision in full:' }).textContent();

  it('decides as the request is typed, and as an example is picked', async () => {
    await expect.poll(chosen).toMatch(/The decision in full: .+\((openai|anthropic)\)/);
    await options.getByLabel('Prompt').fill('Translate into Spanish: the library opens at nine.');
    await expect
      .poll(() => options.locator('.badge', { hasText: 'task:' }).first().textContent())
      .toBe('task: translation (inferred)');
    await options.getByLabel('Example').selectOption('coding');
    await expect
      .poll(() => options.locator('.badge', { hasText: 'task:' }).first().textContent())
      .toBe('task: coding');
    expect(await options.getByLabel('Prompt').inputValue()).toMatch(/Python function/);
    // No model was asked for any of this.
    expect(openai.requests.filter((request) => request.method === 'POST')).toHaveLength(2);
  });

  it('opens a candidate to its 16 contributions, priority and final score', async () => {
    const first = options.locator('table.candidates > tbody').first();
    await first.getByRole('button').click();
    const contributions = first.getByRole('table', { name: /What each criterion added/ });
    await expect.poll(() => contributions.locator('tbody tr').count()).toBe(17);
    expect(await contributions.textContent()).toMatch(/Coding[\d.]+/);
    expect(await contributions.textContent()).toMatch(/× priority 1\.00 =/);
    for (const colorScheme of ['light', 'dark'] as const) {
      await options.emulateMedia({ colorScheme });
      expect({ colorScheme, violations: await seriousViolations(options) }).toEqual({
        colorScheme,
        violations: [],
      });
    }
    await options.emulateMedia({ colorScheme: 'light' });

    // In a small window each candidate is a card: nothing scrolls sideways, every figure labelled,
    // and the open one still shows its contributions.
    const restore = await narrowToCards(
      options,
      'table.candidates',
      first.locator('td.cell-latency'),
      'Latency',
    );
    expect(await contributions.isVisible()).toBe(true);
    for (const colorScheme of ['light', 'dark'] as const) {
      await options.emulateMedia({ colorScheme });
      expect({ colorScheme, violations: await seriousViolations(options) }).toEqual({
        colorScheme,
        violations: [],
      });
      await broker.screenshot(options, `options-playground-narrow-${colorScheme}`);
    }
    await options.emulateMedia({ colorScheme: 'light' });
    await restore();
  });

  it('says when ratings counted less because they were given on prompts of another shape', async () => {
    await options
      .getByLabel('Prompt')
      .fill('Which planet is the largest?\nA. Mars\nB. Jupiter\nC. Venus\nD. Earth\nAnswer:');
    const note = options.locator('.learning-note');
    await expect
      .poll(() => note.textContent())
      .toMatch(
        /^Ratings counted less here: (1 model \(.+\) had few or none of its|2 models \(.+\) had few or none of their) ratings on prompts shaped like this one/,
      );
    // The rated models' rows say the same in their reasons.
    const rated = /\((.+?)\) had few/.exec((await note.textContent()) ?? '')![1]!.split(', ');
    for (const id of rated) {
      const row = options.locator('table.candidates > tbody', {
        has: options.getByRole('button', { name: id, exact: true }),
      });
      const disclosure = row.locator('button.disclosure');
      if ((await disclosure.getAttribute('aria-expanded')) !== 'true') await disclosure.click();
      await expect
        .poll(() => row.locator('.candidate-why').textContent())
        .toMatch(
          /^Why: .+ · its ratings were all on prompts of another shape: the catalog decides/,
        );
    }
    for (const colorScheme of ['light', 'dark'] as const) {
      await options.emulateMedia({ colorScheme });
      await broker.screenshot(options, `options-playground-ratings-${colorScheme}`);
    }
    await options.emulateMedia({ colorScheme: 'light' });
  });

  it('says what runs before the chain once the person checks cheap short answers', async () => {
    const review =
      'Is this review positive or negative? "The battery died after two days." Answer in one word.';
    await options.getByLabel('Prompt').fill(review);
    await expect.poll(chosen).toMatch(/The decision in full/);
    expect(await options.locator('.passes-note').count()).toBe(0);

    const setCheck = async (on: boolean) => {
      await options.goto(options.url().replace(/#.*$/, '#priorities'));
      await options
        .getByRole('switch', { name: 'Check cheap short answers with a second opinion' })
        .setChecked(on);
      // An earlier save's toast may still show: only this save's may be found.
      for (const dismiss of await options.getByRole('button', { name: 'Dismiss' }).all()) {
        await dismiss.click();
      }
      await options.getByRole('button', { name: 'Save priorities' }).click();
      await options.getByText('Priorities saved.').waitFor();
      await options.goto(options.url().replace(/#.*$/, '#playground'));
    };
    await setCheck(true);
    await options.getByLabel('Prompt').fill(review);
    const note = options.locator('.passes-note');
    await expect
      .poll(() => note.textContent())
      .toMatch(
        /^Checked by a second opinion \(your setting\): .+ answers and .+ answers too, at the same time; when they agree, .+'s answer is returned, when they disagree .+ answers\.$/,
      );
    // The note names the decision's own pick first.
    const pick = /The decision in full: (.+?) \(/.exec((await chosen()) ?? '')![1]!;
    expect(await note.textContent()).toContain(`: ${pick} answers and `);
    for (const colorScheme of ['light', 'dark'] as const) {
      await options.emulateMedia({ colorScheme });
      await note.scrollIntoViewIfNeeded();
      await broker.screenshot(options, `options-playground-passes-${colorScheme}`);
    }
    await options.emulateMedia({ colorScheme: 'light' });
    await setCheck(false);
  });

  it('shows a what-if decision beside the saved settings’ one', async () => {
    const before = (await chosen()) ?? '';
    const provider = before.includes('(anthropic)') ? 'Anthropic' : 'OpenAI';
    const other = provider === 'Anthropic' ? 'anthropic' : 'openai';
    await options.getByText('What if…').click();
    await options.getByLabel(provider, { exact: true }).focus();
    await options.keyboard.press('Home');
    await options.getByRole('heading', { name: 'With your settings' }).waitFor();
    await options.getByRole('heading', { name: 'What if', exact: true }).waitFor();
    await expect.poll(chosen).toMatch(new RegExp(`\\((?!${provider.toLowerCase()})`));
    expect(await chosen()).not.toContain(`(${provider.toLowerCase()})`);
    expect(other).toBeTruthy();
    await options.getByText('changed').first().waitFor();
    await broker.screenshot(options, 'options-playground-what-if');
    await options.emulateMedia({ colorScheme: 'dark' });
    await broker.screenshot(options, 'options-playground-what-if-dark');
    await options.emulateMedia({ colorScheme: 'light' });
  });

  it('replays the kept requests under the what-if and compares models and cost', async () => {
    await options.getByRole('button', { name: 'Replay' }).click();
    const summary = options.getByText(/^2 requests: then \$/);
    await summary.waitFor();
    const mix = options.getByRole('table', { name: 'Model mix, then and now' });
    expect(await mix.locator('tbody tr').count()).toBeGreaterThan(0);
    await options.getByRole('button', { name: 'Back to my settings' }).click();
    await expect
      .poll(() => options.getByRole('heading', { name: 'With your settings' }).count())
      .toBe(0);
  });

  it('runs the request for real and streams the answer with its attempts', async () => {
    await options.getByLabel('Example').selectOption('translation');
    await options.getByRole('button', { name: 'Run', exact: true }).click();
    await options.getByText(/^Answered by/).waitFor();
    expect(await options.locator('pre.answer').textContent()).toMatch(/Bonjour|Claude/);
    expect(
      await options.getByRole('list', { name: 'Attempts' }).locator('li').count(),
    ).toBeGreaterThan(0);
    await broker.screenshot(options, 'options-playground-run');
    // It is the person's own request: recorded under Usage, like any other.
    await options.goto(options.url().replace(/#.*$/, '#usage'));
    await expect
      .poll(() => options.locator('table.log > tbody').first().textContent())
      .toContain(`chrome-extension://${broker.extensionId}`);
    await options.goto(options.url().replace(/#.*$/, '#playground'));
  });

  it('while the keys are locked, a keyless local server still answers, and the words are for the person', async () => {
    await options.goto(options.url().replace(/#.*$/, '#providers'));
    await options.locator('#lock-new').fill(PASSPHRASE);
    await options.locator('#lock-confirm').fill(PASSPHRASE);
    await options.locator('#lock-confirm').press('Enter');
    await options.getByRole('button', { name: 'Lock now' }).waitFor({ timeout: 15_000 });
    await options.getByRole('button', { name: 'Lock now' }).click();
    await options.locator('#lock-unlock').waitFor();

    await options.goto(options.url().replace(/#.*$/, '#playground'));
    await options.getByLabel('Prompt').fill('Hello there');
    const alert = options.getByRole('alert').filter({ hasText: 'locked' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /Your API keys are locked.*Unlock the keys under Providers/,
    );
    expect(await alert.textContent()).not.toMatch(/toolbar button/);

    // A local model server needs no key: set one up, and the playground answers with it.
    await options.goto(options.url().replace(/#.*$/, '#providers'));
    await options.locator('#provider-ollama-url').fill(ollama.url);
    await options
      .getByRole('form', { name: 'Ollama' })
      .getByRole('button', { name: 'Save' })
      .click();
    await expect
      .poll(() => options.locator('#provider-ollama-status').textContent())
      .toBe('Working');
    await options.goto(options.url().replace(/#.*$/, '#playground'));
    await options.getByLabel('Prompt').fill('Hello there, local model');
    await expect.poll(chosen).toMatch(/\(ollama\)/);
    await options.getByRole('button', { name: 'Run', exact: true }).click();
    await options.getByText(/^Answered by/).waitFor();
    expect(await options.locator('pre.answer').textContent()).toBe('A local answer.');
  });
});
