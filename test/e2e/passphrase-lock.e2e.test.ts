/**
 * The passphrase lock end to end, driven as a person would in the options page: set a
 * passphrase, lock, see a site refused with an error that says to unlock, unlock, and stay
 * unlocked across a service-worker restart (the derived key waits in chrome.storage.session),
 * then lock again and find the session copy gone. The automatic lock follows: chosen in the card,
 * it locks when its alarm finds the keys idle too long, and a restarted worker finds the same.
 * Change and remove finish the tour.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite, saveProviderAccount } from './e2e-setup';

const API_KEY = 'sk-lock-test-0123456789abcdef';
const ANSWER = 'An answer through an unlocked broker.';
const PASSPHRASE = 'tulip orbit canvas seventeen';
const NEW_PASSPHRASE = 'a different and longer passphrase';
/** The automatic lock's alarm and the session item it measures idleness from (auto-lock.ts). */
const AUTO_LOCK_ALARM = 'auto-lock';
const LAST_USE_ITEM = 'passphraseLastUseAt';
const SIXTEEN_MINUTES = 16 * 60_000;

type PageFailure = {
  name: string;
  message: string;
  ruledOut?: Array<{ provider: string; reason: string }>;
};

describe('the passphrase lock', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let site: Page;
  let options: Page;

  /** What a page gets for a request: the answer's text, or the error with its ruled-out models. */
  const generate = () =>
    site.evaluate(() =>
      window.llm.generate({ prompt: 'Say something short.' }).then(
        (result) => result.text,
        (error): PageFailure => ({
          name: error.name,
          message: error.message,
          ruledOut: error.ruledOut,
        }),
      ),
    );

  /**
   * What the extension's session storage holds of the lock (read from one of its own pages): the
   * broker's own restart-proof state (cooldowns, rate windows, refusals) lives there too.
   */
  const sessionItems = () =>
    options.evaluate(async () =>
      Object.fromEntries(
        Object.entries(await chrome.storage.session.get(null)).filter(
          ([name]) => !name.startsWith('broker:') && name !== 'consent-denials',
        ),
      ),
    );

  const lockState = () => options.locator('#lock-state').textContent();

  const unlockFromCard = async () => {
    await options.locator('#lock-unlock').fill(PASSPHRASE);
    await options.locator('#lock-unlock').press('Enter');
    await expect.poll(lockState).toBe('Unlocked');
  };

  /** The extension's service worker as it runs now (a stopped one is replaced when woken). */
  const currentWorker = () => {
    const worker = broker.context
      .serviceWorkers()
      .findLast((candidate) => candidate.url().includes(broker.extensionId));
    if (!worker) throw new Error('the extension has no running service worker');
    return worker;
  };

  /**
   * Stops the extension's service worker as Chrome does after ~30 s idle (the debugger connection
   * keeps it from idling out: docs/architecture.md §7), and waits until CDP reports it stopped.
   */
  async function stopServiceWorker(): Promise<void> {
    const cdp = await broker.context.newCDPSession(site);
    const stopped = new Promise<void>((resolve) => {
      cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        const ours = versions.filter((version) => version.scriptURL.includes(broker.extensionId));
        if (ours.some((version) => version.runningStatus === 'stopped')) resolve();
      });
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await stopped;
    await cdp.detach();
  }

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: API_KEY, text: ANSWER });
    broker = await launchBroker();
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: API_KEY,
      baseUrl: `${openai.url}/v1`,
    });
    site = await broker.openTestPage();
    await allowSite(broker, site);
    options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
  });

  it('sets a passphrase from the options page; the keys stay usable', async () => {
    await expect.poll(lockState).toBe('Off');
    await options.locator('#lock-new').fill('short');
    await expect.poll(() => options.locator('#lock-new-hint').textContent()).toContain('3 more');
    await options.locator('#lock-confirm').fill('shorter');
    await expect.poll(() => options.getByText('The two passphrases differ.').count()).toBe(1);
    await broker.screenshot(options, 'lock-off-invalid');
    await options.locator('#lock-new').fill(PASSPHRASE);
    await options.locator('#lock-confirm').fill(PASSPHRASE);
    await broker.screenshot(options, 'lock-off');
    await options.locator('#lock-confirm').press('Enter');
    // PBKDF2's 600,000 rounds take a moment: the form says so while they run.
    await broker.screenshot(options, 'lock-setting-busy');
    await expect.poll(lockState, { timeout: 15_000 }).toBe('Unlocked');
    await broker.screenshot(options, 'lock-unlocked');

    expect(await generate()).toBe(ANSWER);
  });

  it('locks: a site gets an InvalidStateError telling to unlock, and no request goes out', async () => {
    await options.getByRole('button', { name: 'Lock now' }).click();
    await expect.poll(lockState).toBe('Locked');
    expect(await sessionItems()).toEqual({});
    await broker.screenshot(options, 'lock-locked');

    const before = openai.requests.length;
    const failure = (await generate()) as PageFailure;
    expect(failure).toMatchObject({ name: 'InvalidStateError' });
    expect(failure.message).toMatch(/LLM Broker is locked.*unlock/);
    expect(failure.ruledOut?.find(({ provider }) => provider === 'openai')?.reason).toMatch(
      /OpenAI: its API key is locked/,
    );
    expect(openai.requests.length).toBe(before);

    const popup = await broker.openExtensionPage('extension/ui/popup/popup.html');
    await popup.setViewportSize({ width: 352, height: 300 });
    await expect.poll(() => popup.locator('#popup-locked').textContent()).toMatch(/Locked/);
    await broker.screenshot(popup, 'lock-popup-locked');
    await popup.close();
  });

  it('refuses a wrong passphrase inline, then unlocks with the right one', async () => {
    await options.locator('#lock-unlock').fill('not my passphrase');
    await options.locator('#lock-unlock').press('Enter');
    await expect.poll(() => options.getByRole('alert').textContent()).toBe('Wrong passphrase.');
    await broker.screenshot(options, 'lock-wrong-passphrase');
    expect(await lockState()).toBe('Locked');

    await options.locator('#lock-unlock').fill(PASSPHRASE);
    await options.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(lockState).toBe('Unlocked');
    const kept = (await sessionItems()).passphraseKey;
    expect(kept).toHaveLength(32);
    expect(await generate()).toBe(ANSWER);
  });

  it('stays unlocked when the service worker restarts', async () => {
    await stopServiceWorker();
    // The page's relay reconnects on its next call once it has seen the old port go.
    await expect.poll(() => site.evaluate(() => window.settle(window.llm.ping()))).toBe('pong');
    expect(await generate()).toBe(ANSWER);
    await options.reload();
    await expect.poll(lockState).toBe('Unlocked');
  });

  it('locks again and the session copy of the key is gone', async () => {
    await options.getByRole('button', { name: 'Lock now' }).click();
    await expect.poll(lockState).toBe('Locked');
    expect(await sessionItems()).toEqual({});
    expect(await generate()).toMatchObject({ name: 'InvalidStateError' });
  });

  it('locks by itself when the alarm finds the keys unused for the chosen time', async () => {
    await unlockFromCard();
    const choice = options.getByLabel('Lock automatically after');
    expect(await choice.inputValue()).toBe('never');
    // From the keyboard: the arrow key picks the next period, which is saved at once.
    await choice.focus();
    await choice.press('ArrowDown');
    await expect
      .poll(() => options.getByText('The keys lock after 15 minutes without use.').count())
      .toBe(1);
    await broker.screenshot(options, 'lock-auto-15-minutes');
    await options.reload();
    await expect.poll(() => options.getByLabel('Lock automatically after').inputValue()).toBe('15');
    expect(await options.getByText(/unused for 15 minutes\.$/).count()).toBe(1);
    await broker.screenshot(options, 'lock-auto-saved');

    // Saving armed one alarm for the end of the period, counted from the unlock.
    const alarm = await currentWorker().evaluate(async (name) => {
      const found = await chrome.alarms.get(name);
      return found && found.scheduledTime - Date.now();
    }, AUTO_LOCK_ALARM);
    expect(alarm).toBeGreaterThan(14 * 60_000);
    expect(alarm).toBeLessThanOrEqual(15 * 60_000);
    expect(await generate()).toBe(ANSWER);

    // As if 16 minutes passed without use: the stored last use moves back, the alarm fires now.
    await currentWorker().evaluate(
      async ({ item, idle, name }) => {
        await chrome.storage.session.set({ [item]: Date.now() - idle });
        await chrome.alarms.create(name, { when: Date.now() + 100 });
      },
      { item: LAST_USE_ITEM, idle: SIXTEEN_MINUTES, name: AUTO_LOCK_ALARM },
    );
    await expect.poll(sessionItems).toEqual({});
    // The open settings page follows without a reload.
    await expect.poll(lockState).toBe('Locked');
    await broker.screenshot(options, 'lock-auto-locked');
    const failure = (await generate()) as PageFailure;
    expect(failure).toMatchObject({ name: 'InvalidStateError' });
    expect(failure.message).toMatch(/LLM Broker is locked/);
    expect(await currentWorker().evaluate((name) => chrome.alarms.get(name), AUTO_LOCK_ALARM)).toBe(
      undefined,
    );
  });

  it('a restarted worker locks rather than take up an unlock left unused too long', async () => {
    await unlockFromCard();
    await stopServiceWorker();
    // Written while no worker runs: the next one reads it when it takes the unlock up.
    await options.evaluate(
      ({ item, idle }) => chrome.storage.session.set({ [item]: Date.now() - idle }),
      { item: LAST_USE_ITEM, idle: SIXTEEN_MINUTES },
    );
    // The options page wakes the worker first: it reports locked without any key being used.
    await options.reload();
    await expect.poll(lockState).toBe('Locked');
    expect(await sessionItems()).toEqual({});
    await expect.poll(() => site.evaluate(() => window.settle(window.llm.ping()))).toBe('pong');
    expect(await generate()).toMatchObject({ name: 'InvalidStateError' });
  });

  it('changes the passphrase, then removes it after a confirmation', async () => {
    await unlockFromCard();

    await options.getByRole('button', { name: 'Change passphrase' }).click();
    await options.locator('#lock-current').fill(PASSPHRASE);
    await options.locator('#lock-new').fill(NEW_PASSPHRASE);
    await options.locator('#lock-confirm').fill(NEW_PASSPHRASE);
    await broker.screenshot(options, 'lock-change');
    await options.locator('#lock-confirm').press('Enter');
    await expect.poll(() => options.locator('#lock-current').count()).toBe(0);
    expect(await generate()).toBe(ANSWER);

    await options.getByRole('button', { name: 'Remove passphrase' }).click();
    await options.locator('#lock-remove-current').fill(NEW_PASSPHRASE);
    await options.locator('#lock-remove-current').press('Enter');
    const dialog = options.getByRole('dialog', { name: 'Remove the passphrase?' });
    await dialog.waitFor();
    await broker.screenshot(options, 'lock-remove-confirm');
    await dialog.getByRole('button', { name: 'Remove passphrase' }).click();
    await expect.poll(lockState).toBe('Off');
    expect(await sessionItems()).toEqual({});
    expect(await generate()).toBe(ANSWER);
  });
});
