/**
 * Where the broker reads the organization's policy: the browser's managed storage. Chromium
 * answers the first read only once it has loaded the policy for the extension's schema — about
 * 4 s after the browser starts, here — and requests must not wait for that. So the policy last
 * read is kept in local storage and serves until the fresh read arrives (then `onFresh` is
 * called). Opening the consent window waits for the fresh read (`strict`), so no site the policy
 * blocks can be granted in those first seconds; on a new install, until the first read arrives,
 * no grant exists to act on.
 */
import {
  NO_POLICY,
  type OrganizationPolicy,
  parseOrganizationPolicy,
} from '../../src/runtime/organization-policy';
import { LAST_POLICY_ITEM } from '../messaging/ui-channel';
import { browser, managedSettings } from '../platform/browser-api';

let fresh: Promise<OrganizationPolicy> | undefined;

/** Begins a read of the managed policy: at the background's start, and when it changes. */
export function startPolicyRead(): Promise<OrganizationPolicy> {
  fresh ??= managedSettings().then(async (raw) => {
    const { policy, ignored } = parseOrganizationPolicy(raw);
    if (ignored.length > 0)
      console.warn(`LLM Broker: the organization policy has malformed ${ignored.join(', ')}`);
    await browser.storage.local.set({ [LAST_POLICY_ITEM]: policy });
    return policy;
  });
  return fresh;
}

/** The administrator changed the policy: the next read asks the browser again. */
export function policyChanged(): void {
  fresh = undefined;
}

export async function readOrganizationPolicy(
  strict: boolean,
  onFresh: () => void,
): Promise<OrganizationPolicy> {
  const reading = startPolicyRead();
  if (strict) return reading;
  const pending = Symbol('pending');
  const ready = await Promise.race([reading, Promise.resolve(pending)]);
  if (ready !== pending) return ready;
  reading.then(onFresh, () => {});
  const lastRead = (await browser.storage.local.get(LAST_POLICY_ITEM))[LAST_POLICY_ITEM];
  return (lastRead as OrganizationPolicy | undefined) ?? NO_POLICY;
}
