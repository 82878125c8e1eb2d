import { useCallback, useMemo, useState } from 'preact/hooks';
import {
  type CatalogChanges,
  catalogChanges,
  fetchOpenRouterCatalog,
  type RefreshProgress,
} from '../../../src/catalog/catalog-refresh';
import { type CatalogModel, CRITERIA, type Criterion } from '../../../src/catalog/catalog-types';
import { isCatalogUrl } from '../../../src/storage/storage-settings';
import type { Overview } from '../../messaging/ui-channel';
import { formatCount, formatWhen } from '../components/format';
import { uiCall } from '../components/ui-client';
import { EmptyState, useLoader, useToast } from '../components/ui-kit';

export const CRITERION_LABELS: Record<Criterion, string> = {
  latency: 'Latency (first token)',
  throughput: 'Throughput',
  tokensPerSecond: 'Output speed',
  accuracy: 'Accuracy',
  overallQuality: 'Overall quality',
  instructionFollowing: 'Instruction following',
  coding: 'Coding',
  reasoning: 'Reasoning',
  math: 'Math',
  creativeWriting: 'Creative writing',
  costEfficiency: 'Cost efficiency',
  contextLength: 'Context length',
  outputLength: 'Output length',
  reliability: 'Reliability',
  privacy: 'Privacy',
  multilingual: 'Multilingual',
};

type Phase =
  | { kind: 'idle' }
  | { kind: 'downloading'; progress: RefreshProgress }
  | { kind: 'saving'; count: number }
  | { kind: 'done'; changes: CatalogChanges }
  | { kind: 'failed'; message: string };

function perMTok(value: number): string {
  if (value === 0) return 'free';
  return `$${value < 1 ? value.toPrecision(2) : value.toFixed(2)}`;
}

function kilobytes(bytes: number): string {
  return `${formatCount(Math.round(bytes / 1024))} KB`;
}

/** Every model the router can use, with its facts and sources, and the refresh from OpenRouter. */
export function CatalogView(props: { overview: Overview; reload(): Promise<void> }) {
  const { overview } = props;
  const toast = useToast();
  const load = useCallback(() => uiCall('getCatalog', null), []);
  const { data: listing, error, reload } = useLoader(load);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [query, setQuery] = useState('');
  const [provider, setProvider] = useState('');
  const [mineOnly, setMineOnly] = useState(false);
  const [address, setAddress] = useState(overview.settings.catalogUrl);

  const names = useMemo(
    () => new Map(overview.providers.map((entry) => [entry.id, entry.name])),
    [overview.providers],
  );
  const mine = useMemo(
    () =>
      new Set(
        overview.providers.filter((entry) => entry.account?.enabled).map((entry) => entry.id),
      ),
    [overview.providers],
  );

  async function refresh() {
    if (!listing) return;
    setPhase({ kind: 'downloading', progress: { receivedBytes: 0 } });
    try {
      const url = overview.settings.catalogUrl;
      const models = await fetchOpenRouterCatalog(url, {
        onProgress: (progress) => setPhase({ kind: 'downloading', progress }),
      });
      setPhase({ kind: 'saving', count: models.length });
      const saved = await uiCall('saveCatalog', { sourceUrl: url, models });
      setPhase({ kind: 'done', changes: catalogChanges(listing.models, saved.models) });
      await reload();
    } catch (caught) {
      setPhase({ kind: 'failed', message: (caught as Error).message });
    }
  }

  async function useBundled() {
    await uiCall('resetCatalog', null);
    setPhase({ kind: 'idle' });
    toast('Using the catalog bundled with this version.');
    await reload();
  }

  async function saveAddress(event: Event) {
    event.preventDefault();
    try {
      await uiCall('saveSettings', { catalogUrl: address });
      toast('Model list address saved.');
      await props.reload();
    } catch (caught) {
      toast(`Could not save: ${(caught as Error).message}`, { tone: 'danger' });
    }
  }

  const shown = useMemo(() => {
    const words = query.trim().toLowerCase();
    return (listing?.models ?? [])
      .filter(
        (model) =>
          (!provider || model.provider === provider) &&
          (!mineOnly || mine.has(model.provider)) &&
          (!words || `${model.name} ${model.id} ${model.family}`.toLowerCase().includes(words)),
      )
      .sort(
        (a, b) =>
          a.provider.localeCompare(b.provider) ||
          b.scores.overallQuality - a.scores.overallQuality ||
          a.name.localeCompare(b.name),
      );
  }, [listing, query, provider, mineOnly, mine]);
  const providers = [...new Set((listing?.models ?? []).map((model) => model.provider))].sort();
  const busy = phase.kind === 'downloading' || phase.kind === 'saving';

  return (
    <section class="stack" aria-labelledby="catalog-title">
      <div>
        <h2 id="catalog-title" class="page-title">
          Catalog
        </h2>
        <p class="page-lead">
          Every model LLM Broker can route to: its price, limits and abilities, its 16 scores, and
          where each figure comes from.
        </p>
      </div>

      <div class="card stack">
        <div class="spread">
          <h3>Model list</h3>
          <div class="row">
            {listing?.refreshed && (
              <button type="button" disabled={busy} onClick={() => void useBundled()}>
                Use the bundled list
              </button>
            )}
            <button
              type="button"
              class="primary"
              disabled={busy || !listing}
              onClick={() => void refresh()}
            >
              {busy ? 'Refreshing…' : 'Refresh from OpenRouter'}
            </button>
          </div>
        </div>
        {listing && (
          <p class="small">
            {listing.refreshed
              ? `OpenRouter's models as refreshed ${formatWhen(listing.refreshed.fetchedAt)} from ${new URL(listing.refreshed.sourceUrl).host}; the other providers' models as bundled with this version.`
              : 'The models bundled with this version. Refreshing adds what OpenRouter lists today — new models become usable at once (with an OpenRouter key), without waiting for an update.'}
          </p>
        )}
        <RefreshStatus phase={phase} />
        <details>
          <summary class="small">Advanced: model list address</summary>
          <form class="row" style={{ marginTop: '8px' }} onSubmit={saveAddress}>
            <label class="field grow">
              Address of an OpenRouter-format model list
              <input
                type="url"
                value={address}
                aria-invalid={isCatalogUrl(address) ? undefined : 'true'}
                onInput={(event) => setAddress(event.currentTarget.value)}
              />
            </label>
            <button type="submit" disabled={!isCatalogUrl(address)} style={{ alignSelf: 'end' }}>
              Save address
            </button>
          </form>
        </details>
      </div>

      <div class="card stack">
        <fieldset class="filters">
          <legend class="visually-hidden">Filter models</legend>
          <label class="field">
            Search
            <input
              type="search"
              value={query}
              placeholder="Name, id or family"
              onInput={(event) => setQuery(event.currentTarget.value)}
            />
          </label>
          <label class="field">
            Provider
            <select value={provider} onChange={(event) => setProvider(event.currentTarget.value)}>
              <option value="">All providers</option>
              {providers.map((id) => (
                <option key={id} value={id}>
                  {names.get(id) ?? id}
                </option>
              ))}
            </select>
          </label>
          <label class="row" style={{ alignSelf: 'end', paddingBottom: '8px' }}>
            <input
              type="checkbox"
              checked={mineOnly}
              onChange={(event) => setMineOnly(event.currentTarget.checked)}
            />
            Only providers I have set up
          </label>
        </fieldset>
        {error && (
          <div class="notice danger" role="alert">
            Could not load the catalog: {error.message}
          </div>
        )}
        {!listing && !error && <p class="muted">Loading…</p>}
        {listing && (
          <p class="muted small" role="status">
            {formatCount(shown.length)} of {formatCount(listing.models.length)} models
          </p>
        )}
        {listing && shown.length === 0 && (
          <EmptyState title="No model matches">Change the search or the filters.</EmptyState>
        )}
        {shown.length > 0 && (
          <div class="table-scroll cards-when-narrow">
            <table class="catalog">
              <caption class="visually-hidden">Models</caption>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Provider</th>
                  <th scope="col" class="num">
                    In / out per 1M tokens
                  </th>
                  <th scope="col" class="num">
                    Context
                  </th>
                  <th scope="col">Can</th>
                  <th scope="col" class="num">
                    Quality
                  </th>
                </tr>
              </thead>
              {shown.map((model) => (
                <ModelRow
                  key={`${model.provider}/${model.id}`}
                  model={model}
                  providerName={names.get(model.provider) ?? model.provider}
                />
              ))}
            </table>
          </div>
        )}
      </div>
    </section>
  );
}

function RefreshStatus(props: { phase: Phase }) {
  const { phase } = props;
  if (phase.kind === 'idle') return null;
  if (phase.kind === 'downloading') {
    const { receivedBytes, totalBytes } = phase.progress;
    return (
      <div class="stack tight" role="status">
        <progress
          aria-label="Downloading the model list"
          max={totalBytes ?? undefined}
          value={totalBytes ? receivedBytes : undefined}
        />
        <span class="small">
          Downloading the model list… {kilobytes(receivedBytes)}
          {totalBytes ? ` of ${kilobytes(totalBytes)}` : ''}
        </span>
      </div>
    );
  }
  if (phase.kind === 'saving') {
    return (
      <div class="stack tight" role="status">
        <progress aria-label="Saving the model list" />
        <span class="small">Read {formatCount(phase.count)} models; saving…</span>
      </div>
    );
  }
  if (phase.kind === 'failed') {
    return (
      <div class="notice danger" role="alert">
        Could not refresh: {phase.message} The catalog in use is unchanged.
      </div>
    );
  }
  const { added, removed, repriced, unchanged } = phase.changes;
  return (
    <div class="notice" role="status">
      <p>
        <strong>Refreshed.</strong> {formatCount(added.length)} new, {formatCount(repriced.length)}{' '}
        with a new price, {formatCount(removed.length)} no longer listed, {formatCount(unchanged)}{' '}
        unchanged.
      </p>
      {added.length > 0 && (
        <details>
          <summary class="small">New models</summary>
          <ul class="small">
            {added.map((model) => (
              <li key={model.id}>
                {model.name} <span class="mono muted">{model.id}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      {repriced.length > 0 && (
        <details>
          <summary class="small">New prices</summary>
          <ul class="small">
            {repriced.map(({ model, before }) => (
              <li key={model.id}>
                {model.name}: {perMTok(before.inputPerMTok)} / {perMTok(before.outputPerMTok)} →{' '}
                {perMTok(model.pricing.inputPerMTok)} / {perMTok(model.pricing.outputPerMTok)}
              </li>
            ))}
          </ul>
        </details>
      )}
      {removed.length > 0 && (
        <details>
          <summary class="small">No longer listed</summary>
          <ul class="small">
            {removed.map((model) => (
              <li key={model.id}>
                {model.name} <span class="mono muted">{model.id}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function ModelRow(props: { model: CatalogModel; providerName: string }) {
  const { model } = props;
  const [open, setOpen] = useState(false);
  const detailsId = `model-${model.provider}-${model.id}`.replace(/[^\w-]/g, '-');
  const abilities = Object.entries(model.capabilities)
    .filter(([, has]) => has)
    .map(([ability]) => ability);
  return (
    <tbody>
      <tr>
        <td class="cell-model">
          <button
            type="button"
            class="link disclosure"
            aria-expanded={open}
            aria-controls={detailsId}
            onClick={() => setOpen(!open)}
          >
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {model.name}
          </button>
          <div class="mono muted">{model.id}</div>
        </td>
        <td class="cell-provider">
          {props.providerName}
          <div class="muted small">{model.location}</div>
        </td>
        <td class="num cell-price" data-label="In / out per 1M tokens">
          {perMTok(model.pricing.inputPerMTok)} / {perMTok(model.pricing.outputPerMTok)}
        </td>
        <td class="num cell-context" data-label="Context">
          {formatCount(model.limits.contextTokens)}
        </td>
        <td class="small cell-abilities" data-label="Can">
          {abilities.length > 0 ? abilities.join(', ') : 'text'}
        </td>
        <td class="num cell-quality" data-label="Quality">
          {Math.round(model.scores.overallQuality * 100)}
        </td>
      </tr>
      {open && (
        <tr class="log-details">
          <td colSpan={6} id={detailsId}>
            <div class="model-details">
              <dl class="facts small">
                <dt>Price</dt>
                <dd>
                  {perMTok(model.pricing.inputPerMTok)} in, {perMTok(model.pricing.outputPerMTok)}{' '}
                  out per million tokens
                  {model.pricing.cachedInputPerMTok !== undefined &&
                    `, ${perMTok(model.pricing.cachedInputPerMTok)} cached`}
                  <Source text={model.sources.pricing} />
                </dd>
                <dt>Limits</dt>
                <dd>
                  {formatCount(model.limits.contextTokens)} tokens of context,{' '}
                  {formatCount(model.limits.maxOutputTokens)} out
                  <Source text={model.sources.limits} />
                </dd>
                <dt>Trains on prompts</dt>
                <dd>
                  {model.trainsOnPrompts ? 'yes, by default' : 'no'}
                  <Source text={model.sources.trainsOnPrompts} />
                </dd>
                {model.releaseDate && (
                  <>
                    <dt>Released</dt>
                    <dd>{model.releaseDate}</dd>
                  </>
                )}
                <dt>Sent as</dt>
                <dd class="mono">{model.providerModelId}</dd>
                {model.sources.benchmarks && (
                  <>
                    <dt>Published results</dt>
                    <dd>{model.sources.benchmarks}</dd>
                  </>
                )}
              </dl>
              <table class="criteria small">
                <caption class="visually-hidden">Scores of {model.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Criterion</th>
                    <th scope="col" class="num">
                      Score
                    </th>
                    <th scope="col">From</th>
                  </tr>
                </thead>
                <tbody>
                  {CRITERIA.map((criterion) => (
                    <tr key={criterion}>
                      <th scope="row" class="plain-header small">
                        {CRITERION_LABELS[criterion]}
                      </th>
                      <td class="num">{Math.round(model.scores[criterion] * 100)}</td>
                      <td class="muted">{model.sources[criterion] ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </td>
        </tr>
      )}
    </tbody>
  );
}

function Source(props: { text: string | undefined }) {
  if (!props.text) return null;
  return <div class="muted">Source: {props.text}</div>;
}
