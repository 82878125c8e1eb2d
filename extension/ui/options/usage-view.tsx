import { useCallback, useMemo, useState } from 'preact/hooks';
import { loadBundledCatalog } from '../../../src/router';
import { keptRequestText } from '../../../src/runtime/kept-text';
import type { RequestLogFilter } from '../../../src/storage/storage-request-log';
import type {
  LedgerAttempt,
  RequestLogEntry,
  RequestLogOutcome,
  UsageDimension,
} from '../../../src/storage/storage-types';
import type { Overview } from '../../messaging/ui-channel';
import { formatCount, formatMs, formatUsd, formatWhen } from '../components/format';
import { pageStorage } from '../components/page-storage';
import { SpendChart } from '../components/spend-chart';
import { EmptyState } from '../components/ui-kit';
import { useLive } from '../components/use-live';
import {
  baselineCost,
  bestModelOf,
  breakdown,
  csvHeader,
  csvLine,
  lastDays,
  stackedSpend,
  total,
} from './usage-data';

const PAGE_SIZE = 50;

const RANGES = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '12 months' },
] as const;

const DIMENSIONS: Array<{ id: Exclude<UsageDimension, 'all'>; label: string }> = [
  { id: 'provider', label: 'Provider' },
  { id: 'model', label: 'Model' },
  { id: 'site', label: 'Site' },
];

const OUTCOMES: Array<{ id: RequestLogOutcome; label: string; badge: string }> = [
  { id: 'answered', label: 'Answered', badge: 'ok' },
  { id: 'refused', label: 'Refused', badge: 'warn' },
  { id: 'failed', label: 'Failed', badge: 'danger' },
  { id: 'aborted', label: 'Aborted', badge: '' },
  { id: 'interrupted', label: 'Interrupted', badge: 'warn' },
];

const PERIODS = [
  { id: 'all', label: 'Any time', ms: undefined },
  { id: 'hour', label: 'Last hour', ms: 3_600_000 },
  { id: 'day', label: 'Last 24 hours', ms: 86_400_000 },
  { id: 'week', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: 'month', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;
type PeriodId = (typeof PERIODS)[number]['id'];

/** Spend over time, what it saved, and every request with its attempts. */
export function UsageView(props: { overview: Overview }) {
  const { overview } = props;
  const [rangeDays, setRangeDays] = useState<number>(30);
  const [dimension, setDimension] = useState<Exclude<UsageDimension, 'all'>>('provider');
  const providerNames = useMemo(
    () => new Map(overview.providers.map((provider) => [provider.id, provider.name])),
    [overview.providers],
  );
  const label = useCallback(
    (key: string) =>
      key === ''
        ? 'Unknown (stopped mid-answer)'
        : dimension === 'provider'
          ? (providerNames.get(key) ?? key)
          : key,
    [dimension, providerNames],
  );

  const days = useMemo(() => lastDays(rangeDays, Date.now()), [rangeDays]);
  const from = days[0]!;
  const to = days.at(-1)!;
  const usage = useLive(async () => {
    const storage = pageStorage();
    const [all, split, month] = await Promise.all([
      storage.usage.days('all', from, to),
      storage.usage.days(dimension, from, to),
      storage.ledger.monthTotals(),
    ]);
    return { all, split, month: month.global };
  }, [from, to, dimension]);

  const totals = usage.data ? total(usage.data.all) : undefined;
  const series = useMemo(
    () => (usage.data ? stackedSpend(usage.data.split, days) : undefined),
    [usage.data, days],
  );
  const rows = useMemo(() => (usage.data ? breakdown(usage.data.split) : []), [usage.data]);
  const best = useMemo(() => {
    const usable = new Set(
      overview.providers
        .filter((provider) => provider.account?.enabled)
        .map((provider) => provider.id),
    );
    return bestModelOf(loadBundledCatalog(), usable);
  }, [overview.providers]);
  const baseline = totals && best ? baselineCost(totals, best) : undefined;

  return (
    <section class="stack" aria-labelledby="usage-title">
      <div class="spread">
        <div>
          <h2 id="usage-title" class="page-title">
            Usage
          </h2>
          <p class="page-lead">What you spent, on what, and which model answered which site.</p>
        </div>
        <fieldset class="segmented">
          <legend class="visually-hidden">Time range</legend>
          {RANGES.map((range) => (
            <button
              key={range.days}
              type="button"
              aria-pressed={rangeDays === range.days}
              onClick={() => setRangeDays(range.days)}
            >
              {range.label}
            </button>
          ))}
        </fieldset>
      </div>

      {usage.error && (
        <div class="notice danger" role="alert">
          Could not read your usage: {usage.error.message}
        </div>
      )}

      <div class="card-grid">
        <div class="card stat">
          <span class="muted small">Spent</span>
          <strong>{totals ? formatUsd(totals.costUsd) : '…'}</strong>
          {usage.data && (
            <span class="muted small">
              this month {formatUsd(usage.data.month.spentUsd)}
              {usage.data.month.reservedUsd > 0 &&
                ` · ${formatUsd(usage.data.month.reservedUsd)} held by running requests`}
            </span>
          )}
        </div>
        <div class="card stat">
          <span class="muted small">Requests</span>
          <strong>{totals ? formatCount(totals.requests) : '…'}</strong>
          <span class="muted small">
            {totals
              ? `${formatCount(totals.cached)} from the cache · ${formatCount(totals.refused)} refused · ${formatCount(totals.failed)} failed`
              : ''}
            {totals && totals.cascaded > 0 && (
              <span class="block" id="usage-cascades">
                {formatCount(totals.cascaded)} with a first pass or a second opinion:{' '}
                {formatCount(totals.cascaded - totals.escalated)} answered by it (saving{' '}
                {formatUsd(totals.cascadeSavedUsd)}), {formatCount(totals.escalated)} escalated
              </span>
            )}
          </span>
        </div>
        <div class="card stat">
          <span class="muted small">Saved</span>
          <strong>
            {baseline !== undefined && totals
              ? formatUsd(Math.max(0, baseline - totals.costUsd))
              : '—'}
          </strong>
          <span class="muted small">
            {best && baseline !== undefined
              ? `against ${formatUsd(baseline)} had ${best.name} answered everything`
              : 'Add a provider to compare with its best model.'}
          </span>
        </div>
      </div>

      <div class="card stack">
        <div class="spread">
          <h3>Spend per day</h3>
          <fieldset class="segmented">
            <legend class="visually-hidden">Split spend by</legend>
            {DIMENSIONS.map((option) => (
              <button
                key={option.id}
                type="button"
                aria-pressed={dimension === option.id}
                onClick={() => setDimension(option.id)}
              >
                {option.label}
              </button>
            ))}
          </fieldset>
        </div>
        {series && series.keys.length > 0 ? (
          <SpendChart
            days={series.days}
            keys={series.keys}
            values={series.values}
            label={label}
            summary={`Spend per day over the last ${rangeDays} days by ${dimension}: ${rows
              .slice(0, 3)
              .map((row) => `${label(row.key)} ${formatUsd(row.costUsd)}`)
              .join(', ')}.`}
          />
        ) : (
          usage.data && (
            <EmptyState title="Nothing spent in this range">
              Answers from local models and the cache are free; paid answers show here by day.
            </EmptyState>
          )
        )}
        {rows.length > 0 && (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">Usage by {dimension}</caption>
              <thead>
                <tr>
                  <th scope="col">{DIMENSIONS.find((option) => option.id === dimension)?.label}</th>
                  <th scope="col" class="num">
                    Requests
                  </th>
                  <th scope="col" class="num">
                    Tokens in / out
                  </th>
                  <th scope="col" class="num">
                    Spent
                  </th>
                  <th scope="col" class="num">
                    Share
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.key}>
                    <td class={dimension === 'provider' ? '' : 'mono wrap-anywhere'}>
                      {label(row.key)}
                    </td>
                    <td class="num">{formatCount(row.requests)}</td>
                    <td class="num">
                      {formatCount(row.inputTokens)} / {formatCount(row.outputTokens)}
                    </td>
                    <td class="num">{formatUsd(row.costUsd)}</td>
                    <td class="num">
                      {totals && totals.costUsd > 0
                        ? `${Math.round((row.costUsd / totals.costUsd) * 100)}%`
                        : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      <RequestLog overview={overview} />
    </section>
  );
}

/** The request log: filters, export, and one row per request that opens to its attempts. */
function RequestLog(props: { overview: Overview }) {
  const { overview } = props;
  const [origin, setOrigin] = useState('');
  const [provider, setProvider] = useState('');
  const [outcome, setOutcome] = useState<RequestLogOutcome | ''>('');
  const [period, setPeriod] = useState<PeriodId>('all');
  /** How many of the newest matching lines show; "Show older" adds a page. */
  const [shown, setShown] = useState(PAGE_SIZE);
  const [exporting, setExporting] = useState<string>();

  const filter = useMemo((): RequestLogFilter => {
    const since = PERIODS.find((option) => option.id === period)?.ms;
    return {
      ...(origin && { origin }),
      ...(provider && { provider }),
      ...(outcome && { outcome }),
      ...(since !== undefined && { since: Date.now() - since }),
    };
  }, [origin, provider, outcome, period]);

  // The newest `shown` lines, live: a new request appears at the top as it is written, and the
  // list stays one unbroken run of the newest lines however many pages are open.
  const newest = useLive(
    () => pageStorage().requestLog.recent({ ...filter, limit: shown }),
    [filter, shown],
  );
  const entries = newest.data ?? [];
  const exhausted = entries.length < shown;
  const filtered = origin !== '' || provider !== '' || outcome !== '' || period !== 'all';
  const refilter =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setShown(PAGE_SIZE);
    };

  async function exportLog(format: 'csv' | 'json') {
    setExporting('Exporting…');
    try {
      const parts: string[] = format === 'csv' ? [csvHeader()] : ['['];
      let count = 0;
      await pageStorage().requestLog.each(filter, (entry) => {
        if (format === 'csv') parts.push(csvLine(entry, keptText));
        else parts.push(`${count === 0 ? '' : ','}\n${JSON.stringify(entry)}`);
        count += 1;
        if (count % 5000 === 0) setExporting(`Exporting… ${formatCount(count)} requests`);
      });
      if (format === 'json') parts.push('\n]\n');
      const blob = new Blob(parts, {
        type: format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json',
      });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `llm-broker-requests-${new Date().toISOString().slice(0, 10)}.${format}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      setExporting(`Exported ${formatCount(count)} request${count === 1 ? '' : 's'}.`);
    } catch (error) {
      setExporting(`Could not export: ${(error as Error).message}`);
    }
  }

  const sites = [...new Set(overview.sites.map((site) => site.origin))].sort();
  return (
    <div class="card stack">
      <div class="spread">
        <h3>Requests</h3>
        <div class="row">
          <button type="button" onClick={() => void exportLog('csv')}>
            Export CSV
          </button>
          <button type="button" onClick={() => void exportLog('json')}>
            Export JSON
          </button>
        </div>
      </div>
      <fieldset class="filters">
        <legend class="visually-hidden">Filter requests</legend>
        <label class="field">
          Site
          <select
            value={origin}
            onChange={(event) => refilter(setOrigin)(event.currentTarget.value)}
          >
            <option value="">All sites</option>
            {sites.map((site) => (
              <option key={site} value={site}>
                {site}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          Provider
          <select
            value={provider}
            onChange={(event) => refilter(setProvider)(event.currentTarget.value)}
          >
            <option value="">All providers</option>
            {overview.providers.map((option) => (
              <option key={option.id} value={option.id}>
                {option.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          Outcome
          <select
            value={outcome}
            onChange={(event) =>
              refilter(setOutcome)(event.currentTarget.value as RequestLogOutcome | '')
            }
          >
            <option value="">Any outcome</option>
            {OUTCOMES.map((option) => (
              <option key={option.id} value={option.id}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          Time
          <select
            value={period}
            onChange={(event) => refilter(setPeriod)(event.currentTarget.value as PeriodId)}
          >
            {PERIODS.map((option) => (
              <option key={option.id} value={option.id}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      {exporting && (
        <p class="muted small" role="status">
          {exporting}
        </p>
      )}
      {newest.error && (
        <div class="notice danger" role="alert">
          Could not read the log: {newest.error.message}
        </div>
      )}
      {newest.data && entries.length === 0 && (
        <EmptyState title={filtered ? 'No requests match' : 'No requests yet'}>
          {filtered
            ? 'Change or clear the filters to see more.'
            : 'Once a site you allowed asks for an answer, each request shows here with the model that answered, its tokens, cost and time.'}
        </EmptyState>
      )}
      {entries.length > 0 && (
        <div class="table-scroll cards-when-narrow">
          <table class="log">
            <caption class="visually-hidden">Requests, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Site</th>
                <th scope="col">Model</th>
                <th scope="col" class="num">
                  Tokens in / out
                </th>
                <th scope="col" class="num">
                  Cost
                </th>
                <th scope="col" class="num">
                  Time
                </th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            {entries.map((entry) => (
              <LogRow key={entry.seq} entry={entry} />
            ))}
          </table>
        </div>
      )}
      {!exhausted && (
        <div class="row" style={{ justifyContent: 'center' }}>
          <button type="button" onClick={() => setShown(shown + PAGE_SIZE)}>
            Show older
          </button>
        </div>
      )}
    </div>
  );
}

/** What a first pass or a second opinion did to a request, in a few words. */
function cascadeNote(cascade: NonNullable<RequestLogEntry['cascade']>): string {
  const why = cascade.reason ?? 'not accepted';
  if (cascade.verified) {
    return cascade.escalated
      ? `checked by a second opinion, escalated: ${why}`
      : 'checked by a second opinion: kept';
  }
  if (cascade.escalated) return `escalated after a first pass: ${why}`;
  const saved = cascade.savedUsd ? `, saved ${formatUsd(cascade.savedUsd)}` : '';
  return `local first pass accepted${saved}`;
}

function keptText(entry: RequestLogEntry): string | undefined {
  return entry.request ? keptRequestText(entry.request) : undefined;
}

function LogRow(props: { entry: RequestLogEntry }) {
  const { entry } = props;
  const [open, setOpen] = useState(false);
  const [attempts, setAttempts] = useState<LedgerAttempt[]>();
  const badge = OUTCOMES.find((option) => option.id === entry.outcome)?.badge ?? '';
  const detailsId = `log-${entry.seq}`;

  async function toggle() {
    const next = !open;
    setOpen(next);
    if (next && !attempts) setAttempts(await pageStorage().ledger.attempts(entry.requestId));
  }

  return (
    <tbody>
      <tr>
        <td class="small cell-when">
          <button
            type="button"
            class="link disclosure"
            aria-expanded={open}
            aria-controls={detailsId}
            onClick={() => void toggle()}
          >
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {formatWhen(entry.createdAt)}
          </button>
        </td>
        <td class="mono cell-site">{entry.origin}</td>
        <td class="cell-model">
          {entry.model ? (
            <>
              <div>{entry.model.id}</div>
              <div class="muted small">
                {entry.model.provider}
                {entry.attemptCount > 1 &&
                  !entry.cascade &&
                  ` · after ${entry.attemptCount - 1} fallback${entry.attemptCount === 2 ? '' : 's'}`}
              </div>
              {entry.cascade && <div class="muted small">{cascadeNote(entry.cascade)}</div>}
            </>
          ) : (
            <span class="muted small">
              {entry.attemptCount > 0
                ? `${entry.attemptCount} attempt${entry.attemptCount === 1 ? '' : 's'}, none answered`
                : 'no model asked'}
            </span>
          )}
        </td>
        <td class="num cell-tokens" data-label="Tokens in / out">
          {formatCount(entry.inputTokens)} / {formatCount(entry.outputTokens)}
        </td>
        <td class="num cell-cost" data-label="Cost">
          {entry.cached ? (
            <span class="badge accent">cached</span>
          ) : (
            <>
              {formatUsd(entry.costUsd)}
              {entry.estimated && (
                <span class="muted small" title="Estimated from the text delivered">
                  {' '}
                  est.
                </span>
              )}
            </>
          )}
        </td>
        <td class="num cell-time" data-label="Time">
          {formatMs(entry.latencyMs)}
        </td>
        <td class="cell-outcome">
          <span class={`badge ${badge}`}>{entry.outcome}</span>
          {entry.errorName && <div class="muted small">{entry.errorName}</div>}
        </td>
      </tr>
      {open && (
        <tr class="log-details">
          <td colSpan={7} id={detailsId}>
            <div class="stack">
              <div class="small">
                <strong>Request</strong> {entry.requestId} ·{' '}
                {new Date(entry.createdAt).toLocaleString()}
                {entry.task && ` · task ${entry.task}`}
              </div>
              {entry.reason && (
                <div class="small">
                  <strong>Why:</strong> {entry.reason}
                </div>
              )}
              <AttemptList attempts={attempts} />
              {entry.request && (
                <details>
                  <summary>Request text</summary>
                  <pre class="kept-text">{keptRequestText(entry.request)}</pre>
                </details>
              )}
              {entry.answerText !== undefined && (
                <details>
                  <summary>Answer text</summary>
                  <pre class="kept-text">{entry.answerText}</pre>
                </details>
              )}
              {!entry.request && entry.answerText === undefined && (
                <p class="muted small">
                  No text kept. Turn on “Keep what sites ask” under Budgets &amp; privacy to keep
                  it.
                </p>
              )}
            </div>
          </td>
        </tr>
      )}
    </tbody>
  );
}

function AttemptList(props: { attempts: LedgerAttempt[] | undefined }) {
  const { attempts } = props;
  if (!attempts) return <p class="muted small">Loading attempts…</p>;
  if (attempts.length === 0) {
    return (
      <p class="muted small">
        No model was asked (refused, answered from the cache, or its details expired).
      </p>
    );
  }
  return (
    <ol class="attempts small">
      {attempts.map((attempt) => (
        <li key={attempt.attemptIndex}>
          <span class="mono">
            {attempt.model.provider}/{attempt.model.id}
          </span>{' '}
          <span class={`badge ${attempt.outcome === 'ok' ? 'ok' : 'danger'}`}>
            {attempt.outcome}
          </span>{' '}
          {formatMs(attempt.durationMs)}
          {attempt.timeToFirstTokenMs !== undefined &&
            ` (first token ${formatMs(attempt.timeToFirstTokenMs)})`}
          {' · '}
          {formatUsd(attempt.costUsd)}
          {attempt.usage &&
            ` · ${formatCount(attempt.usage.inputTokens)} / ${formatCount(attempt.usage.outputTokens)} tokens`}
          {attempt.error && <div class="muted">{attempt.error}</div>}
        </li>
      ))}
    </ol>
  );
}
