import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { build, defineConfig, type Plugin } from 'vite';
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

/**
 * The background as one self-contained file, bundled without code splitting: its dynamic
 * `import()`s (the provider SDKs, loaded on first use) then stay in the file as functions run on
 * the first call instead of at start. A service worker may not `import()` a chunk, and in one
 * build with the pages the SDKs would be split into chunks; evaluating them at start cost every
 * cold call ~45 ms (docs/architecture.md §2).
 */
function backgroundInOneFile(target: string, define: Record<string, string>): Plugin {
  return {
    name: 'llm-broker:background-in-one-file',
    enforce: 'pre',
    async load(id) {
      if (!id.endsWith('/extension/background/background-main.ts')) return null;
      const result = await build({
        configFile: false,
        logLevel: 'warn',
        publicDir: false,
        define,
        build: {
          write: false,
          target,
          sourcemap: false,
          modulePreload: false,
          rollupOptions: { input: id, output: { format: 'es', codeSplitting: false } },
        },
      });
      const [output] = Array.isArray(result) ? result : [result];
      const chunk = (output as { output: Array<{ type: string; code?: string }> }).output.find(
        (file) => file.type === 'chunk',
      );
      if (!chunk?.code) throw new Error('the background bundle is empty');
      return chunk.code;
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
  const define = { __BENCH_MARKS__: JSON.stringify(bench) };
  return {
    define,
    plugins: [
      backgroundInOneFile(firefox ? 'firefox140' : 'chrome116', define),
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
      // The background is one file on purpose (backgroundInOneFile): it loads from disk, never
      // over a network, and its provider SDKs are evaluated on first use. The offscreen document
      // carries web-llm (about 6 MB), which only it loads.
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
