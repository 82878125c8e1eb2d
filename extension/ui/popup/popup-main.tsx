/** The toolbar popup: this site's access at a glance, and the way to the settings. */
import '../components/broker-ui.css';
import { render } from 'preact';
import { useCallback } from 'preact/hooks';
import { browser } from '../../platform/browser-api';
import { formatUsd, formatWhen } from '../components/format';
import { uiCall } from '../components/ui-client';
import { BudgetMeter, useLoader } from '../components/ui-kit';

/** How many of the latest answers the popup lists. */
const RECENT = 3;

async function loadActiveSite() {
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  const url = tab?.url ? new URL(tab.url) : undefined;
  const [overview, log] = await Promise.all([
    uiCall('getOverview', null),
    uiCall('listRequestLog', { limit: 20 }),
  ]);
  const recent = log.filter((entry) => entry.outcome === 'answered').slice(0, RECENT);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    return { overview, recent, site: undefined };
  return { overview, recent, site: await uiCall('getSiteStatus', { origin: url.origin }) };
}

function openSettings(section: string) {
  void browser.tabs.create({
    url: browser.runtime.getURL(`extension/ui/options/options.html#${section}`),
  });
  window.close();
}

function PopupApp() {
  const load = useCallback(loadActiveSite, []);
  const { data, error } = useLoader(load);
  const configured = data?.overview.providers.filter((provider) => provider.account).length ?? 0;

  return (
    <main class="stack" style={{ padding: '16px', width: '320px' }}>
      <div class="row">
        <img src="/public/icons/icon-32.png" alt="" width={24} height={24} />
        <h1 style={{ fontSize: '16px' }}>LLM Broker</h1>
      </div>
      {error && <div class="notice danger">{error.message}</div>}
      {data && configured === 0 && (
        <div class="notice">
          No provider yet.{' '}
          <button type="button" class="link" onClick={() => openSettings('providers')}>
            Add an API key
          </button>{' '}
          to start.
        </div>
      )}
      {data?.overview.lock === 'locked' && (
        <div class="notice warn small" id="popup-locked">
          <strong>Locked</strong> — cloud providers are refused until you unlock.{' '}
          <button type="button" class="link" onClick={() => openSettings('providers')}>
            Unlock in settings
          </button>
        </div>
      )}
      {data?.site ? (
        <div class="card stack">
          <div class="spread">
            <span class="mono small">{data.site.origin}</span>
            {data.site.granted ? (
              <span class="badge ok">Allowed</span>
            ) : (
              <span class="badge">Not allowed</span>
            )}
          </div>
          {data.site.granted && data.site.monthlyBudgetUsd !== undefined && (
            <>
              <div class="spread small">
                <span>{formatUsd(data.site.spentThisMonthUsd ?? 0)} this month</span>
                <span class="muted">of {formatUsd(data.site.monthlyBudgetUsd)}</span>
              </div>
              <BudgetMeter
                used={data.site.spentThisMonthUsd ?? 0}
                limit={data.site.monthlyBudgetUsd}
                label="This site's budget"
              />
            </>
          )}
          {!data.site.granted && (
            <p class="muted small">
              This site has not asked to use your models, or you did not allow it.
            </p>
          )}
        </div>
      ) : (
        data && <p class="muted small">Open a website to see its access here.</p>
      )}
      {data && (
        <div class="stack" style={{ gap: '4px' }}>
          <div class="spread small">
            <span>All sites this month</span>
            <span class="muted">
              {formatUsd(data.overview.month.spentUsd)} of{' '}
              {formatUsd(data.overview.settings.monthlyBudgetUsd)}
            </span>
          </div>
          <BudgetMeter
            used={data.overview.month.committedUsd}
            limit={data.overview.settings.monthlyBudgetUsd}
            label="All sites' budget this month"
          />
        </div>
      )}
      {data && data.recent.length > 0 && (
        <section aria-labelledby="recent-title" class="stack" style={{ gap: '4px' }}>
          <h2 id="recent-title" class="small muted" style={{ fontSize: '13px' }}>
            Latest answers
          </h2>
          <ul class="recent" id="popup-recent">
            {data.recent.map((entry) => (
              <li key={entry.seq}>
                <span class="mono">{entry.model?.id ?? '—'}</span>
                <span class="muted">
                  {' '}
                  for {new URL(entry.origin).host} · {formatUsd(entry.costUsd)} ·{' '}
                  {formatWhen(entry.createdAt)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <div class="row">
        <button type="button" class="primary" onClick={() => openSettings('providers')}>
          Settings
        </button>
        <button type="button" onClick={() => openSettings('usage')}>
          Activity
        </button>
      </div>
    </main>
  );
}

render(<PopupApp />, document.getElementById('app')!);
