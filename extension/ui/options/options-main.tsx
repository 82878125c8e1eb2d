import '../components/broker-ui.css';
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { LAST_POLICY_ITEM } from '../../messaging/ui-channel';
import { onLocalItemChanged } from '../../platform/browser-api';
import { uiCall } from '../components/ui-client';
import { ToastProvider, useLoader } from '../components/ui-kit';
import { BrowserModelsSection } from './browser-models-view';
import { BudgetsView } from './budgets-view';
import { CatalogView } from './catalog-view';
import { PlaygroundView } from './playground-view';
import { PolicyNotice } from './policy-notice';
import { PrioritiesView } from './priorities-view';
import { ProvidersView } from './providers-view';
import { SitesView } from './sites-view';
import { UsageView } from './usage-view';

const SECTIONS = [
  { id: 'providers', label: 'Providers' },
  { id: 'models', label: 'Models in this browser' },
  { id: 'priorities', label: 'Priorities' },
  { id: 'budgets', label: 'Budgets & privacy' },
  { id: 'sites', label: 'Sites' },
  { id: 'usage', label: 'Usage' },
  { id: 'playground', label: 'Playground' },
  { id: 'catalog', label: 'Catalog' },
] as const;
type SectionId = (typeof SECTIONS)[number]['id'];

/** Section names of earlier versions, which links and bookmarks may still use. */
const RENAMED: Record<string, SectionId> = { preferences: 'budgets', activity: 'usage' };

function currentSection(): SectionId {
  const hash = location.hash.slice(1);
  const id = RENAMED[hash] ?? hash;
  return SECTIONS.some((section) => section.id === id) ? (id as SectionId) : 'providers';
}

function OptionsApp() {
  const [section, setSection] = useState<SectionId>(currentSection);
  const load = useCallback(() => uiCall('getOverview', null), []);
  const { data: overview, error, reload } = useLoader(load);
  // What sites and providers did meanwhile (grants, spend) shows when the person looks again.
  useEffect(() => {
    const onHash = () => {
      setSection(currentSection());
      void reload();
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') void reload();
    };
    addEventListener('hashchange', onHash);
    document.addEventListener('visibilitychange', onVisible);
    // The organization's policy can arrive (or change) while the page is open.
    const stopWatching = onLocalItemChanged(LAST_POLICY_ITEM, () => void reload());
    return () => {
      removeEventListener('hashchange', onHash);
      document.removeEventListener('visibilitychange', onVisible);
      stopWatching();
    };
  }, [reload]);

  return (
    <div class="shell">
      <header class="shell-header">
        <img src="/public/icons/icon-48.png" alt="" />
        <h1>LLM Broker</h1>
        <span class="muted small">Your keys, your budget, the best model for each request.</span>
      </header>
      <nav class="shell-nav" aria-label="Settings sections">
        {SECTIONS.map((item) => (
          <a
            key={item.id}
            href={`#${item.id}`}
            aria-current={item.id === section ? 'page' : undefined}
          >
            {item.label}
            {item.id === 'sites' && overview && overview.sites.length > 0 && (
              <span class="badge">{overview.sites.filter((site) => site.allowed).length}</span>
            )}
          </a>
        ))}
      </nav>
      <main class="shell-main">
        {error && (
          <div class="notice danger" role="alert">
            Could not load your settings: {error.message}{' '}
            <button type="button" onClick={() => void reload()}>
              Try again
            </button>
          </div>
        )}
        {!overview && !error && <p class="muted">Loading…</p>}
        {overview && <PolicyNotice policy={overview.policy} providers={overview.providers} />}
        {overview && section === 'providers' && (
          <ProvidersView overview={overview} reload={reload} />
        )}
        {section === 'models' && <BrowserModelsSection />}
        {overview && section === 'priorities' && (
          <PrioritiesView overview={overview} reload={reload} />
        )}
        {overview && section === 'budgets' && <BudgetsView overview={overview} reload={reload} />}
        {overview && section === 'sites' && <SitesView overview={overview} reload={reload} />}
        {overview && section === 'usage' && <UsageView overview={overview} />}
        {overview && section === 'playground' && <PlaygroundView overview={overview} />}
        {overview && section === 'catalog' && <CatalogView overview={overview} reload={reload} />}
      </main>
    </div>
  );
}

render(
  <ToastProvider>
    <OptionsApp />
  </ToastProvider>,
  document.getElementById('app')!,
);
