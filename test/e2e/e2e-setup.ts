/** Steps several end-to-end tests and benchmarks share, done the way a person does them. */
import type { Page } from 'playwright-core';
import type { PermissionState } from '../../src/protocol/llm-permission';
import type { BrokerBrowser } from './e2e-harness';

/**
 * Runs `action` in `page` from a real click, so it has the transient user activation that
 * `requestPermission()` (and `LanguageModel.create()` on a new origin) require. `action` runs in
 * the page, like `page.evaluate`'s: it cannot use the test's variables.
 */
export async function withGesture<T>(page: Page, action: () => Promise<T>): Promise<T> {
  await page.evaluate((source) => {
    const gesture = new Promise((resolve, reject) => {
      addEventListener(
        'click',
        () => {
          // The test's own function, sent as source (functions do not cross into the page).
          new Function(`return (${source})();`)().then(resolve, reject);
        },
        { once: true, capture: true },
      );
    });
    gesture.catch(() => {});
    (window as unknown as { __gesture: Promise<unknown> }).__gesture = gesture;
  }, action.toString());
  await page.mouse.click(2, 2);
  return page.evaluate(
    () => (window as unknown as { __gesture: Promise<unknown> }).__gesture,
  ) as Promise<T>;
}

/**
 * The page's title, read from the browser's target list rather than by running script in the
 * page: Playwright evaluates with a user gesture, which would give the page the very activation
 * a test of "no gesture" must not give it.
 */
export async function titleWithoutScript(broker: BrokerBrowser, page: Page): Promise<string> {
  const cdp = await broker.context.newCDPSession(page);
  try {
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    return targetInfo.title;
  } finally {
    await cdp.detach();
  }
}

/** Saves a provider key and API address in the options page. */
export async function saveProviderAccount(
  broker: BrokerBrowser,
  account: { provider: string; name: string; apiKey: string; baseUrl: string },
): Promise<void> {
  const options = await broker.openExtensionPage('extension/ui/options/options.html#providers');
  const card = options.getByRole('form', { name: account.name });
  await options.locator(`#provider-${account.provider}-key`).fill(account.apiKey);
  await card.getByText('Advanced: API address').click();
  await options.locator(`#provider-${account.provider}-url`).fill(account.baseUrl);
  await card.getByRole('button', { name: 'Save' }).click();
  // Saving tests the key at once; the loopback servers accept it.
  await card.getByText('Working', { exact: true }).waitFor();
  await options.close();
}

/**
 * Starts `ask` (a page call that opens the consent window), clicks `button` there once `inspect`
 * has looked at the window, and resolves with what `ask` resolved with.
 */
export async function answerConsent<T>(
  broker: BrokerBrowser,
  button: 'Allow' | 'Deny',
  ask: () => Promise<T>,
  inspect?: (consent: Page) => Promise<void>,
): Promise<T> {
  const consentOpened = broker.context.waitForEvent('page', {
    predicate: (page) => page.url().includes('consent.html'),
  });
  const answer = ask();
  const consent = await consentOpened;
  await consent.getByRole('button', { name: button }).waitFor();
  await inspect?.(consent);
  // The window closes itself once the decision is recorded, which can cut the click short.
  await Promise.all([
    consent.waitForEvent('close'),
    consent
      .getByRole('button', { name: button })
      .click()
      .catch((error) => {
        if (!consent.isClosed()) throw error;
      }),
  ]);
  return answer;
}

/**
 * Calls `requestPermission()` from `site` and clicks Allow in the consent window; `inspect` looks
 * at the window first. Resolves with the permission state the page received.
 */
export function allowSite(
  broker: BrokerBrowser,
  site: Page,
  inspect?: (consent: Page) => Promise<void>,
): Promise<PermissionState> {
  return answerConsent(
    broker,
    'Allow',
    () => withGesture(site, () => window.llm.requestPermission()),
    inspect,
  );
}
