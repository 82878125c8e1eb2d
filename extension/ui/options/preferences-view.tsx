import { useState } from 'preact/hooks';
import type { PrivacyLevel } from '../../../src/protocol/llm-request';
import { DEFAULT_PROVIDER_PRIORITY } from '../../../src/storage/storage-settings';
import type { BrokerSettings } from '../../../src/storage/storage-types';
import type { Overview } from '../../messaging/ui-channel';
import { formatUsd, parseUsd } from '../components/format';
import { uiCall } from '../components/ui-client';
import { BudgetMeter, NumberField, useToast } from '../components/ui-kit';

export const PRIVACY_LABELS: Record<PrivacyLevel, string> = {
  'local-only': 'Local only — prompts never leave this computer',
  'no-training': 'No training — only providers that do not train on prompts',
  any: 'Any provider',
};

export function PreferencesView(props: { overview: Overview; reload(): Promise<void> }) {
  const { settings, providers, month } = props.overview;
  const toast = useToast();
  const [monthlyBudget, setMonthlyBudget] = useState(String(settings.monthlyBudgetUsd));
  const [siteBudget, setSiteBudget] = useState(String(settings.defaultSiteMonthlyBudgetUsd));
  const [rateLimit, setRateLimit] = useState(String(settings.defaultSiteRateLimitPerMinute));
  const [privacy, setPrivacy] = useState<PrivacyLevel>(settings.defaultPrivacy);
  const [priorities, setPriorities] = useState<Record<string, number>>(settings.providerPriorities);
  const [saving, setSaving] = useState(false);

  const monthly = parseUsd(monthlyBudget);
  const perSite = parseUsd(siteBudget);
  const rate =
    Number.isInteger(Number(rateLimit)) && Number(rateLimit) > 0 ? Number(rateLimit) : undefined;
  const valid = monthly !== undefined && perSite !== undefined && rate !== undefined;

  async function save(event: Event) {
    event.preventDefault();
    if (!valid) return;
    setSaving(true);
    const changes: Partial<BrokerSettings> = {
      monthlyBudgetUsd: monthly,
      defaultSiteMonthlyBudgetUsd: perSite,
      defaultSiteRateLimitPerMinute: rate,
      defaultPrivacy: privacy,
      providerPriorities: priorities,
    };
    try {
      await uiCall('saveSettings', changes);
      toast('Preferences saved.');
      await props.reload();
    } catch (error) {
      toast(`Could not save: ${(error as Error).message}`, { tone: 'danger' });
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="stack" onSubmit={save} aria-labelledby="preferences-title">
      <div>
        <h2 id="preferences-title" class="page-title">
          Budget &amp; priorities
        </h2>
        <p class="page-lead">Limits that hold across every site, and which providers you prefer.</p>
      </div>

      <div class="card stack">
        <h3>Monthly budget</h3>
        <div class="spread small">
          <span>
            {formatUsd(month.spentUsd)} spent this month
            {month.reservedUsd > 0 && (
              <span class="muted"> · {formatUsd(month.reservedUsd)} held by running requests</span>
            )}
          </span>
          <span class="muted">of {formatUsd(settings.monthlyBudgetUsd)}</span>
        </div>
        <BudgetMeter
          used={month.committedUsd}
          limit={settings.monthlyBudgetUsd}
          label="Spent this month"
        />
        <div class="card-grid">
          <NumberField
            label="Every site together, per month (USD)"
            value={monthlyBudget}
            onInput={setMonthlyBudget}
            min="0"
            step="0.5"
            invalid={monthly === undefined}
            hint="Requests that would pass it are refused or sent to a free local model."
          />
          <NumberField
            label="A newly allowed site, per month (USD)"
            value={siteBudget}
            onInput={setSiteBudget}
            min="0"
            step="0.5"
            invalid={perSite === undefined}
            hint="You can change each site's budget under Sites."
          />
          <NumberField
            label="Requests per minute for a new site"
            value={rateLimit}
            onInput={setRateLimit}
            min="1"
            step="1"
            invalid={rate === undefined}
          />
        </div>
      </div>

      <div class="card stack">
        <h3>Privacy for new sites</h3>
        <fieldset class="stack" style={{ border: 'none', padding: '0px', margin: '0px' }}>
          <legend class="visually-hidden">Default privacy level</legend>
          {(Object.keys(PRIVACY_LABELS) as PrivacyLevel[]).map((level) => (
            <label key={level} class="row">
              <input
                type="radio"
                name="privacy"
                value={level}
                checked={privacy === level}
                onChange={() => setPrivacy(level)}
              />
              {PRIVACY_LABELS[level]}
            </label>
          ))}
        </fieldset>
      </div>

      <div class="card stack">
        <h3>Provider priorities</h3>
        <p class="muted small">
          Each model's score is multiplied by its provider's priority: 100 keeps it as it is, 0
          never uses it.
        </p>
        <table>
          <tbody>
            {providers.map((provider) => {
              const value = priorities[provider.id] ?? DEFAULT_PROVIDER_PRIORITY;
              return (
                <tr key={provider.id}>
                  <td style={{ width: '180px' }}>
                    <label for={`priority-${provider.id}`}>{provider.name}</label>
                    {!provider.account && <div class="muted small">not set up</div>}
                  </td>
                  <td>
                    <input
                      id={`priority-${provider.id}`}
                      type="range"
                      min="0"
                      max="100"
                      step="5"
                      value={value}
                      style={{ width: '100%' }}
                      onInput={(event) =>
                        setPriorities({
                          ...priorities,
                          [provider.id]: Number(event.currentTarget.value),
                        })
                      }
                    />
                  </td>
                  <td class="num mono" style={{ width: '50px' }}>
                    {value}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <div class="row">
        <button type="submit" class="primary" disabled={!valid || saving}>
          {saving ? 'Saving…' : 'Save preferences'}
        </button>
        {!valid && (
          <span class="field-error">
            Budgets must be amounts of zero or more; the rate a whole number.
          </span>
        )}
      </div>
    </form>
  );
}
