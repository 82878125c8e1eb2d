import { useState } from 'preact/hooks';
import type { PrivacyLevel } from '../../../src/protocol/llm-request';
import type { Overview, SiteListing } from '../../messaging/ui-channel';
import { formatUsd, formatWhen, parseUsd } from '../components/format';
import { uiCall } from '../components/ui-client';
import { BudgetMeter, EmptyState, useToast } from '../components/ui-kit';

const PRIVACY_SHORT: Record<PrivacyLevel, string> = {
  'local-only': 'Local only',
  'no-training': 'No training',
  any: 'Any provider',
};

function SiteRow(props: { site: SiteListing; reload(): Promise<void> }) {
  const { site } = props;
  const toast = useToast();
  const [budget, setBudget] = useState(String(site.monthlyBudgetUsd));
  const budgetValue = parseUsd(budget);

  async function update(limits: Parameters<typeof uiCall<'updateSite'>>[1]['limits']) {
    try {
      await uiCall('updateSite', { origin: site.origin, limits });
      toast(`${site.origin} updated.`);
      await props.reload();
    } catch (error) {
      toast(`Could not update ${site.origin}: ${(error as Error).message}`, { tone: 'danger' });
    }
  }

  async function revoke() {
    await uiCall('revokeSite', { origin: site.origin });
    await props.reload();
    toast(`${site.origin} can no longer use your models.`, {
      undo: () => void uiCall('restoreSite', { origin: site.origin }).then(props.reload),
    });
  }

  return (
    <tr>
      <td>
        <div class="mono">{site.origin}</div>
        <div class="muted small">allowed {formatWhen(site.grantedAt)}</div>
      </td>
      <td style={{ minWidth: '180px' }}>
        <div class="spread small">
          <span>{formatUsd(site.spentThisMonthUsd)}</span>
          <span class="muted">of {formatUsd(site.monthlyBudgetUsd)}</span>
        </div>
        <BudgetMeter
          used={site.spentThisMonthUsd}
          limit={site.monthlyBudgetUsd}
          label={`${site.origin} budget`}
        />
      </td>
      <td>
        <form
          class="row"
          onSubmit={(event) => {
            event.preventDefault();
            if (budgetValue !== undefined) void update({ monthlyBudgetUsd: budgetValue });
          }}
        >
          <label class="visually-hidden" for={`budget-${site.origin}`}>
            Monthly budget for {site.origin}
          </label>
          <input
            id={`budget-${site.origin}`}
            type="number"
            min="0"
            step="0.5"
            style={{ width: '90px' }}
            value={budget}
            aria-invalid={budgetValue === undefined ? 'true' : undefined}
            onInput={(event) => setBudget(event.currentTarget.value)}
          />
          <button
            type="submit"
            disabled={budgetValue === undefined || budgetValue === site.monthlyBudgetUsd}
          >
            Set
          </button>
        </form>
      </td>
      <td>
        <label class="visually-hidden" for={`privacy-${site.origin}`}>
          Privacy for {site.origin}
        </label>
        <select
          id={`privacy-${site.origin}`}
          value={site.privacy}
          onChange={(event) => void update({ privacy: event.currentTarget.value as PrivacyLevel })}
        >
          {(Object.keys(PRIVACY_SHORT) as PrivacyLevel[]).map((level) => (
            <option key={level} value={level}>
              {PRIVACY_SHORT[level]}
            </option>
          ))}
        </select>
      </td>
      <td class="num">{site.rateLimitPerMinute}/min</td>
      <td class="num">
        <button type="button" class="danger ghost" onClick={() => void revoke()}>
          Revoke
        </button>
      </td>
    </tr>
  );
}

export function SitesView(props: { overview: Overview; reload(): Promise<void> }) {
  const allowed = props.overview.sites.filter((site) => site.allowed);
  return (
    <section class="stack" aria-labelledby="sites-title">
      <div>
        <h2 id="sites-title" class="page-title">
          Sites
        </h2>
        <p class="page-lead">
          Sites you have allowed to ask your models, each with its own budget and privacy.
        </p>
      </div>
      <div class="card">
        {allowed.length === 0 ? (
          <EmptyState title="No site is allowed yet">
            When a site calls <code>window.llm.requestPermission()</code>, LLM Broker asks you in a
            window that names the site. Sites you allow appear here.
          </EmptyState>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Site</th>
                <th>This month</th>
                <th>Monthly budget</th>
                <th>Privacy</th>
                <th class="num">Rate</th>
                <th class="num">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {allowed.map((site) => (
                <SiteRow
                  key={`${site.origin}:${site.updatedAt}`}
                  site={site}
                  reload={props.reload}
                />
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
