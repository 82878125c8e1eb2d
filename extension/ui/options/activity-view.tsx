import { useCallback, useState } from 'preact/hooks';
import type { RequestLogEntry } from '../../../src/storage/storage-types';
import type { Overview } from '../../messaging/ui-channel';
import { formatCount, formatMs, formatUsd, formatWhen } from '../components/format';
import { uiCall } from '../components/ui-client';
import { EmptyState, useLoader } from '../components/ui-kit';

const PAGE_SIZE = 50;

const OUTCOME_BADGE: Record<RequestLogEntry['outcome'], string> = {
  answered: 'ok',
  refused: 'warn',
  failed: 'danger',
  aborted: '',
  interrupted: 'warn',
};

export function ActivityView(props: { overview: Overview }) {
  const { month, sites } = props.overview;
  const [older, setOlder] = useState<RequestLogEntry[]>([]);
  const [exhausted, setExhausted] = useState(false);
  const load = useCallback(() => uiCall('listRequestLog', { limit: PAGE_SIZE }), []);
  const { data: recent, error } = useLoader(load);
  const entries = [...(recent ?? []), ...older];

  async function loadMore() {
    const last = entries.at(-1);
    if (!last) return;
    const page = await uiCall('listRequestLog', { limit: PAGE_SIZE, beforeSeq: last.seq });
    setOlder([...older, ...page]);
    if (page.length < PAGE_SIZE) setExhausted(true);
  }

  const topSites = [...sites].sort((a, b) => b.spentThisMonthUsd - a.spentThisMonthUsd).slice(0, 5);

  return (
    <section class="stack" aria-labelledby="activity-title">
      <div>
        <h2 id="activity-title" class="page-title">
          Activity
        </h2>
        <p class="page-lead">What you spent, and which model answered which site.</p>
      </div>
      <div class="card-grid">
        <div class="card stat">
          <span class="muted small">Spent this month</span>
          <strong>{formatUsd(month.spentUsd)}</strong>
        </div>
        <div class="card stat">
          <span class="muted small">Requests this month</span>
          <strong>{formatCount(month.requestCount)}</strong>
        </div>
        <div class="card stat">
          <span class="muted small">Top site</span>
          <strong class="mono" style={{ fontSize: '15px' }}>
            {topSites[0] && topSites[0].spentThisMonthUsd > 0
              ? `${topSites[0].origin} · ${formatUsd(topSites[0].spentThisMonthUsd)}`
              : '—'}
          </strong>
        </div>
      </div>
      <div class="card">
        {error && <div class="notice danger">Could not load the log: {error.message}</div>}
        {recent && entries.length === 0 && (
          <EmptyState title="No requests yet">
            Once a site you allowed asks for an answer, each request shows here with the model that
            answered, its tokens, cost and time.
          </EmptyState>
        )}
        {entries.length > 0 && (
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Site</th>
                <th>Model</th>
                <th class="num">Tokens in / out</th>
                <th class="num">Cost</th>
                <th class="num">Time</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.seq}>
                  <td class="small">{formatWhen(entry.createdAt)}</td>
                  <td class="mono">{entry.origin}</td>
                  <td>
                    {entry.model ? (
                      <>
                        <div>{entry.model.id}</div>
                        <div class="muted small">
                          {entry.model.provider}
                          {entry.attemptCount > 1 &&
                            ` · after ${entry.attemptCount - 1} fallback(s)`}
                        </div>
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td class="num">
                    {formatCount(entry.inputTokens)} / {formatCount(entry.outputTokens)}
                  </td>
                  <td class="num">
                    {entry.cached ? (
                      <span class="badge accent">cached</span>
                    ) : (
                      formatUsd(entry.costUsd)
                    )}
                  </td>
                  <td class="num">{formatMs(entry.latencyMs)}</td>
                  <td>
                    <span class={`badge ${OUTCOME_BADGE[entry.outcome]}`}>{entry.outcome}</span>
                    {entry.errorName && <div class="muted small">{entry.errorName}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {entries.length >= PAGE_SIZE && !exhausted && (
          <div class="row" style={{ justifyContent: 'center', marginTop: '12px' }}>
            <button type="button" onClick={() => void loadMore()}>
              Show older
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
