import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import chromeManifest from './manifest.json' with { type: 'json' };

type Manifest = Parameters<typeof crx>[0]['manifest'];

/** The add-on id Firefox and addons.mozilla.org know LLM Broker by. */
export const GECKO_ID = 'llm-broker@llm-broker.dev';

/**
 * Firefox's manifest, derived from Chrome's (docs/architecture.md §7): an event page
 * (`background.scripts`) instead of a service worker, an add-on id, the data-collection
 * declaration AMO requires, and no `offscreen` (Firefox has no offscreen documents; the platform
 * wrapper reports local models as unavailable there).
 */
export function firefoxManifest(chrome: typeof chromeManifest) {
  const { minimum_chrome_version: _minimum, background, permissions, ...shared } = chrome;
  return {
    ...shared,
    background: { scripts: [background.service_worker], type: background.type },
    permissions: permissions.filter((permission) => permission !== 'offscreen'),
    browser_specific_settings: {
      gecko: {
        id: GECKO_ID,
        strict_min_version: '140.0',
        data_collection_permissions: { required: ['none'] },
      },
      gecko_android: { strict_min_version: '142.0' },
    },
  };
}

// One build for every extension context (docs/architecture.md §1); `--mode firefox` builds the
// Firefox variant into dist-firefox/. The two content scripts must run synchronously at
// document_start, so they are built as self-contained scripts rather than through crxjs's async
// loader (docs/architecture.md §7).
// `--mode bench` builds Chrome's variant into dist-bench/ with performance marks around the
// content scripts (bench/bridge-overhead.ts reads them); other builds leave the marks out.
export default defineConfig(({ mode }) => {
  const firefox = mode === 'firefox';
  const bench = mode === 'bench';
  return {
    define: { __BENCH_MARKS__: JSON.stringify(bench) },
    plugins: [
      preact(),
      crx({
        manifest: (firefox ? firefoxManifest(chromeManifest) : chromeManifest) as Manifest,
        browser: firefox ? 'firefox' : 'chrome',
        contentScripts: {
          standaloneFiles: ['extension/content/inpage.ts', 'extension/content/relay.ts'],
        },
      }),
    ],
    build: {
      outDir: firefox ? 'dist-firefox' : bench ? 'dist-bench' : 'dist',
      emptyOutDir: true,
      target: firefox ? 'firefox140' : 'chrome116',
      sourcemap: false,
      // The background is one bundle on purpose (the provider SDKs, zod and the catalog): it
      // loads from disk, never over a network, so chunking it would only add start-up requests.
      // The offscreen document carries web-llm (about 6 MB), which only it loads.
      chunkSizeWarningLimit: 6_500,
      rollupOptions: {
        // Pages the manifest does not name.
        input: {
          consent: 'extension/ui/consent/consent.html',
          welcome: 'extension/ui/welcome/welcome.html',
          ...(!firefox && { offscreen: 'extension/offscreen/offscreen.html' }),
        },
      },
    },
  };
});
