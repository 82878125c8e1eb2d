/**
 * Sites: every origin the person allowed, with its spend, budget, rate limit, privacy and last
 * use (each editable), and every origin they refused or revoked — to allow again or forget.
 */
import { useState } from 'preact/hooks';
import type { PrivacyLevel } from '../../../src/protocol/llm-request';
import type { SiteGrantLimits } from '../../../src/storage/storage-types';
import type { Overview, SiteListing } from '../../messaging/ui-channel';
import { formatUsd, formatWhen, parseUsd } from '../components/format';
import { uiCall } from '../components/ui-client';
import { BudgetMeter, ConfirmDialog, EmptyState, useToast } from '../components/ui-kit';

const PRIVACY_SHORT: Record<PrivacyLevel, string> = {
  'local-only': 'Local only',
  'no-training': 'No training',
  any: 'Any provider',
};

/** A typed rate limit: a whole number from 1 to 10,000. */
function parseRate(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && Number.isInteger(value) && value >= 1 && value <= 10_000
    ? value
    : undefined;
}

function useSiteActions(site: SiteListing, reload: () => Promise<void>) {
  const toast = useToast();
  return {
    async update(limits: Partial<SiteGrantLimits>, what: string) {
      try {
        await uiCall('updateSite', { origin: site.origin, limits });
        toast(`${site.origin}: ${what} saved.`);
        await reload();
      } catch (error) {
        toast(`Could not update ${site.origin}: ${(error as Error).message}`, { tone: 'danger' });
      }
    },
    async revoke() {
      await uiCall('revokeSite', { origin: site.origin });
      await reload();
      toast(`${site.origin} can no longer use your models.`, {
        undo: () => void uiCall('restoreSite', { origin: site.origin }).then(reload),
      });
    },
    async allow() {
      await uiCall('restoreSite', { origin: site.origin });
      toast(`${site.origin} is allowed again.`);
      await reload();
    },
    async forget() {
      await uiCall('forgetSite', { origin: site.origin });
      toast(`${site.origin} is forgotten: it will have to ask again.`);
      await reload();
    },
  };
}

/** A number with its own Set button, submitted by Enter too. */
function InlineNumber(props: {
  id: string;
  label: string;
  value: number;
  step: string;
  min: string;
  parse(text: string): number | undefined;
  onSave(value: number): void;
  suffix?: string;
}) {
  const [text, setText] = useState(String(props.value));
  const parsed = props.parse(text);
  return (
    <form
      class="row nowrap"
      onSubmit={(event) => {
        event.preventDefault();
        if (parsed !== undefined) props.onSave(parsed);
      }}
    >
      <label class="visually-hidden" for={props.id}>
        {props.label}
      </label>
      <input
        id={props.id}
        type="number"
        min={props.min}
        step={props.step}
        class="narrow"
        value={text}
        aria-invalid={parsed === undefined ? 'true' : undefined}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      {props.suffix && <span class="muted small">{props.suffix}</span>}
      <button type="submit" disabled={parsed === undefined || parsed === props.value}>
        Set
      </button>
    </form>
  );
}

function AllowedRow(props: { site: SiteListing; reload(): Promise<void> }) {
  const { site } = props;
  const actions = useSiteActions(site, props.reload);
  const id = site.origin.replace(/[^a-z0-9]/gi, '-');
  return (
    <tr>
      <td>
        <div class="mono">{site.origin}</div>
        <div class="muted small">
          allowed {formatWhen(site.grantedAt)} ·{' '}
          {site.lastUsedAt ? `last used ${formatWhen(site.lastUsedAt)}` : 'not used yet'}
        </div>
      </td>
      <td class="meter-cell">
        <div class="spread small">
          <span>{formatUsd(site.spentThisMonthUsd)}</span>
          <span class="muted">of {formatUsd(site.monthlyBudgetUsd)}</span>
        </div>
        <BudgetMeter
          used={site.spentThisMonthUsd}
          limit={site.monthlyBudgetUsd}
          label={`${site.origin} spent this month`}
        />
      </td>
      <td>
        <InlineNumber
          id={`budget-${id}`}
          label={`Monthly budget for ${site.origin} (USD)`}
          value={site.monthlyBudgetUsd}
          step="0.01"
          min="0"
          parse={parseUsd}
          onSave={(value) => void actions.update({ monthlyBudgetUsd: value }, 'monthly budget')}
        />
      </td>
      <td>
        <InlineNumber
          id={`rate-${id}`}
          label={`Requests per minute for ${site.origin}`}
          value={site.rateLimitPerMinute}
          step="1"
          min="1"
          suffix="/min"
          parse={parseRate}
          onSave={(value) => void actions.update({ rateLimitPerMinute: value }, 'rate limit')}
        />
      </td>
      <td>
        <label class="visually-hidden" for={`privacy-${id}`}>
          Privacy for {site.origin}
        </label>
        <select
          id={`privacy-${id}`}
          value={site.privacy}
          onChange={(event) =>
            void actions.update({ privacy: event.currentTarget.value as PrivacyLevel }, 'privacy')
          }
        >
          {(Object.keys(PRIVACY_SHORT) as PrivacyLevel[]).map((level) => (
            <option key={level} value={level}>
              {PRIVACY_SHORT[level]}
            </option>
          ))}
        </select>
      </td>
      <td class="num">
        <button type="button" class="danger ghost" onClick={() => void actions.revoke()}>
          Revoke
        </button>
      </td>
    </tr>
  );
}

function RefusedRow(props: { site: SiteListing; reload(): Promise<void> }) {
  const { site } = props;
  const actions = useSiteActions(site, props.reload);
  const [confirmForget, setConfirmForget] = useState(false);
  const refused = site.refusedAt !== undefined && site.refusedAt >= site.updatedAt - 1;
  return (
    <tr>
      <td>
        <div class="mono">{site.origin}</div>
        <div class="muted small">
          {refused
            ? `refused ${formatWhen(site.refusedAt!)}`
            : `revoked ${formatWhen(site.updatedAt)}`}
          {site.lastUsedAt ? ` · last used ${formatWhen(site.lastUsedAt)}` : ''}
        </div>
      </td>
      <td class="num">{site.spentThisMonthUsd > 0 ? formatUsd(site.spentThisMonthUsd) : '—'}</td>
      <td class="num">
        <div class="row end">
          <button type="button" onClick={() => void actions.allow()}>
            Allow
          </button>
          <button type="button" class="danger ghost" onClick={() => setConfirmForget(true)}>
            Forget
          </button>
        </div>
        <ConfirmDialog
          open={confirmForget}
          title={`Forget ${site.origin}?`}
          confirmLabel="Forget"
          onConfirm={() => {
            setConfirmForget(false);
            void actions.forget();
          }}
          onCancel={() => setConfirmForget(false)}
        >
          Its limits are deleted; the next time it asks, LLM Broker asks you again.
        </ConfirmDialog>
      </td>
    </tr>
  );
}

export function SitesView(props: { overview: Overview; reload(): Promise<void> }) {
  const allowed = props.overview.sites.filter((site) => site.allowed);
  const refused = props.overview.sites.filter((site) => !site.allowed);
  return (
    <section class="stack" aria-labelledby="sites-title">
      <div>
        <h2 id="sites-title" class="page-title">
          Sites
        </h2>
        <p class="page-lead">
          Sites you allowed to ask your models, each with its own budget, rate limit and privacy —
          and those you turned away.
        </p>
      </div>
      <section class="card stack" aria-labelledby="allowed-title">
        <h3 id="allowed-title">Allowed</h3>
        {allowed.length === 0 ? (
          <EmptyState title="No site is allowed yet">
            When a site asks to use your models, LLM Broker asks you in a window that names the
            site. Sites you allow appear here.
          </EmptyState>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th>Site</th>
                  <th>This month</th>
                  <th>Monthly budget</th>
                  <th>Rate limit</th>
                  <th>Privacy</th>
                  <th class="num">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {allowed.map((site) => (
                  <AllowedRow
                    key={`${site.origin}:${site.updatedAt}`}
                    site={site}
                    reload={props.reload}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card stack" aria-labelledby="refused-title">
        <h3 id="refused-title">Refused and revoked</h3>
        {refused.length === 0 ? (
          <p class="muted small">No site has been turned away.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Site</th>
                <th class="num">This month</th>
                <th class="num">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {refused.map((site) => (
                <RefusedRow
                  key={`${site.origin}:${site.updatedAt}`}
                  site={site}
                  reload={props.reload}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
