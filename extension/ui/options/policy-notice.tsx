/** What the organization's policy fixes, said once at the top of the settings. */
import type { OrganizationPolicy } from '../../../src/runtime/organization-policy';
import type { ProviderListing } from '../../messaging/ui-channel';
import { formatUsd } from '../components/format';
import { PRIVACY_LABELS } from './budgets-view';

/** The policy's rules in words, one line each; empty when there is no policy. */
export function policyRules(
  policy: OrganizationPolicy,
  providers: readonly ProviderListing[],
): string[] {
  const name = (id: string) => providers.find((provider) => provider.id === id)?.name ?? id;
  const list = (ids: readonly string[]) => ids.map(name).join(', ');
  const rules: string[] = [];
  if (policy.allowedProviders)
    rules.push(`Only these providers: ${list(policy.allowedProviders)}.`);
  if (policy.blockedProviders?.length)
    rules.push(`Never these providers: ${list(policy.blockedProviders)}.`);
  if (policy.privacy && policy.privacy !== 'any')
    rules.push(`Every site at least: ${PRIVACY_LABELS[policy.privacy]}.`);
  if (policy.allowedOrigins)
    rules.push(`Only these sites may ask: ${policy.allowedOrigins.join(', ')}.`);
  if (policy.blockedOrigins?.length)
    rules.push(`These sites may not ask: ${policy.blockedOrigins.join(', ')}.`);
  if (policy.maxMonthlyBudgetUsd !== undefined)
    rules.push(
      `All sites together spend at most ${formatUsd(policy.maxMonthlyBudgetUsd)} a month.`,
    );
  if (policy.maxSiteMonthlyBudgetUsd !== undefined)
    rules.push(`One site spends at most ${formatUsd(policy.maxSiteMonthlyBudgetUsd)} a month.`);
  return rules;
}

export function PolicyNotice(props: {
  policy: OrganizationPolicy;
  providers: readonly ProviderListing[];
}) {
  const rules = policyRules(props.policy, props.providers);
  if (rules.length === 0) return null;
  return (
    <section class="notice stack policy-notice" aria-labelledby="policy-title" id="policy-notice">
      <h3 id="policy-title">Managed by your organization</h3>
      <p class="small">
        These rules come from your organization's policy and win over the settings below:
      </p>
      <ul class="small">
        {rules.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ul>
    </section>
  );
}
