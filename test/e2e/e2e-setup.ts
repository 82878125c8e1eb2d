/** Steps several end-to-end tests and benchmarks share, done the way a person does them. */
import type { Page } from 'playwright-core';
import type { PermissionState } from '../../src/protocol/llm-permission';
import type { BrokerBrowser } from './e2e-harness';

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
  await card.getByText('Set up', { exact: true }).waitFor();
  await options.close();
}

/**
 * Calls `requestPermission()` from `site` and clicks Allow in the consent window; `inspect` looks
 * at the window first. Resolves with the permission state the page received.
 */
export async function allowSite(
  broker: BrokerBrowser,
  site: Page,
  inspect?: (consent: Page) => Promise<void>,
): Promise<PermissionState> {
  const consentOpened = broker.context.waitForEvent('page', {
    predicate: (page) => page.url().includes('consent.html'),
  });
  const permission = site.evaluate(() => window.llm.requestPermission());
  const consent = await consentOpened;
  await consent.getByRole('button', { name: 'Allow' }).waitFor();
  await inspect?.(consent);
  // The window closes itself once the decision is recorded, which can cut the click short.
  await Promise.all([
    consent.waitForEvent('close'),
    consent
      .getByRole('button', { name: 'Allow' })
      .click()
      .catch((error) => {
        if (!consent.isClosed()) throw error;
      }),
  ]);
  return permission;
}
