import { useState } from 'preact/hooks';
import type { PrivacyLevel } from '../../../src/protocol/llm-request';
import { REQUEST_TEXT_DAYS } from '../../../src/storage/storage-settings';
import type { BrokerSettings, MonthTotals } from '../../../src/storage/storage-types';
import type { Overview } from '../../messaging/ui-channel';
import { formatUsd, parseUsd } from '../components/format';
import { uiCall } from '../components/ui-client';
import { BudgetMeter, ConfirmDialog, NumberField, useToast } from '../components/ui-kit';

export const PRIVACY_LABELS: Record<PrivacyLevel, string> = {
  'local-only': 'Local only — prompts never leave this computer',
  'no-training': 'No training — only providers that do not train on prompts',
  any: 'Any provider',
};

const DAYS_LABELS: Record<number, string> = {
  1: '1 day',
  7: '7 days',
  30: '30 days',
  90: '90 days',
  365: '1 year',
};

/** Budgets for every site together, what new sites start with, privacy and the request log. */
export function BudgetsView(props: { overview: Overview; reload(): Promise<void> }) {
  const { settings, month, today } = props.overview;
  const toast = useToast();
  const [monthlyBudget, setMonthlyBudget] = useState(String(settings.monthlyBudgetUsd));
  const [dailyBudget, setDailyBudget] = useState(
    settings.dailyBudgetUsd === null ? '' : String(settings.dailyBudgetUsd),
  );
  const [siteBudget, setSiteBudget] = useState(String(settings.defaultSiteMonthlyBudgetUsd));
  const [rateLimit, setRateLimit] = useState(String(settings.defaultSiteRateLimitPerMinute));
  const [privacy, setPrivacy] = useState<PrivacyLevel>(settings.defaultPrivacy);
  const [keepText, setKeepText] = useState(settings.keepRequestText);
  const [textDays, setTextDays] = useState(settings.requestTextDays);
  const [saving, setSaving] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const monthly = parseUsd(monthlyBudget);
  const daily = dailyBudget.trim() === '' ? null : parseUsd(dailyBudget);
  const perSite = parseUsd(siteBudget);
  const rate =
    Number.isInteger(Number(rateLimit)) && Number(rateLimit) > 0 ? Number(rateLimit) : undefined;
  const valid =
    monthly !== undefined && daily !== undefined && perSite !== undefined && rate !== undefined;

  async function save(event: Event) {
    event.preventDefault();
    if (!valid) return;
    setSaving(true);
    const changes: Partial<BrokerSettings> = {
      monthlyBudgetUsd: monthly,
      dailyBudgetUsd: daily,
      defaultSiteMonthlyBudgetUsd: perSite,
      defaultSiteRateLimitPerMinute: rate,
      defaultPrivacy: privacy,
      keepRequestText: keepText,
      requestTextDays: textDays,
    };
    try {
      await uiCall('saveSettings', changes);
      toast('Budgets and privacy saved.');
      await props.reload();
    } catch (error) {
      toast(`Could not save: ${(error as Error).message}`, { tone: 'danger' });
    } finally {
      setSaving(false);
    }
  }

  async function deleteLog() {
    setConfirmDelete(false);
    try {
      const { mark } = await uiCall('clearRequestLog', null);
      toast('The request log is deleted.', {
        undo: () => void uiCall('restoreRequestLog', { mark }),
        onFinal: () => void uiCall('purgeRequestLog', null),
      });
    } catch (error) {
      toast(`Could not delete the log: ${(error as Error).message}`, { tone: 'danger' });
    }
  }

  return (
    <form class="stack" onSubmit={save} aria-labelledby="budgets-title">
      <div>
        <h2 id="budgets-title" class="page-title">
          Budgets &amp; privacy
        </h2>
        <p class="page-lead">
          Limits that hold across every site, what a newly allowed site starts with, and what the
          log keeps.
        </p>
      </div>

      <div class="card stack">
        <h3>Budgets for every site together</h3>
        <Spend
          label="This month"
          totals={month}
          limit={settings.monthlyBudgetUsd}
          meterLabel="Spent this month"
        />
        {settings.dailyBudgetUsd !== null && (
          <Spend
            label="Today"
            totals={today}
            limit={settings.dailyBudgetUsd}
            meterLabel="Spent today"
          />
        )}
        <div class="card-grid">
          <NumberField
            label="Per month (USD)"
            value={monthlyBudget}
            onInput={setMonthlyBudget}
            min="0"
            step="0.01"
            invalid={monthly === undefined}
            hint="A request that could pass it goes to a free local model, or is refused."
          />
          <NumberField
            label="Per day (USD)"
            value={dailyBudget}
            onInput={setDailyBudget}
            min="0"
            step="0.01"
            invalid={daily === undefined}
            hint="Leave empty for no daily limit. Days and months start at midnight UTC."
          />
        </div>
      </div>

      <div class="card stack">
        <h3>A newly allowed site starts with</h3>
        <div class="card-grid">
          <NumberField
            label="Budget per month (USD)"
            value={siteBudget}
            onInput={setSiteBudget}
            min="0"
            step="0.01"
            invalid={perSite === undefined}
            hint="Each site's own budget can be changed under Sites."
          />
          <NumberField
            label="Requests per minute"
            value={rateLimit}
            onInput={setRateLimit}
            min="1"
            step="1"
            invalid={rate === undefined}
          />
        </div>
        <fieldset class="stack plain">
          <legend>Privacy</legend>
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
        <h3>Request log</h3>
        <p class="muted small">
          The log under Usage lists every request: site, model, tokens, cost and time. It stays on
          this computer.
        </p>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            aria-checked={keepText}
            checked={keepText}
            onChange={(event) => setKeepText(event.currentTarget.checked)}
          />
          Keep what sites ask and what models answer
        </label>
        <label class="field" style={{ maxWidth: '260px' }}>
          Erase kept text after
          <select
            value={textDays}
            onChange={(event) => setTextDays(Number(event.currentTarget.value))}
          >
            {REQUEST_TEXT_DAYS.map((days) => (
              <option key={days} value={days}>
                {DAYS_LABELS[days]}
              </option>
            ))}
          </select>
          <span class="hint">
            {keepText
              ? 'Kept text lets you read requests under Usage and replay them in the Playground.'
              : 'Off: no prompt or answer is written anywhere. Text kept earlier is erased on time.'}
          </span>
        </label>
        <div>
          <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
            Delete the request log…
          </button>
        </div>
      </div>

      <div class="row">
        <button type="submit" class="primary" disabled={!valid || saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        {!valid && (
          <span class="field-error" role="alert">
            Budgets must be amounts of zero or more (the daily one may be empty); the rate a whole
            number of at least 1.
          </span>
        )}
      </div>

      <ConfirmDialog
        open={confirmDelete}
        title="Delete the request log?"
        confirmLabel="Delete"
        onConfirm={() => void deleteLog()}
        onCancel={() => setConfirmDelete(false)}
      >
        Every line of the log goes, with any text it kept. What you spent stays counted in your
        budgets and the usage charts. You can undo this for a few seconds.
      </ConfirmDialog>
    </form>
  );
}

function Spend(props: { label: string; totals: MonthTotals; limit: number; meterLabel: string }) {
  const { totals } = props;
  return (
    <div class="stack tight">
      <div class="spread small">
        <span>
          <strong>{props.label}:</strong> {formatUsd(totals.spentUsd)} spent
          {totals.reservedUsd > 0 && (
            <span class="muted"> · {formatUsd(totals.reservedUsd)} held by running requests</span>
          )}
        </span>
        <span class="muted">of {formatUsd(props.limit)}</span>
      </div>
      <BudgetMeter used={totals.committedUsd} limit={props.limit} label={props.meterLabel} />
    </div>
  );
}
