import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import manifest from './manifest.json' with { type: 'json' };

// One build for every extension context (docs/architecture.md §1). The two content scripts must
// run synchronously at document_start, so they are built as self-contained scripts rather than
// through crxjs's async loader (docs/architecture.md §7).
export default defineConfig({
  plugins: [
    preact(),
    crx({
      manifest: manifest as Parameters<typeof crx>[0]['manifest'],
      contentScripts: {
        standaloneFiles: ['extension/content/inpage.ts', 'extension/content/relay.ts'],
      },
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome116',
    sourcemap: false,
    // The service worker is one bundle on purpose (the provider SDKs, zod and the catalog): it
    // loads from disk, never over a network, so chunking it would only add start-up requests.
    chunkSizeWarningLimit: 1_500,
    rollupOptions: {
      // Pages the manifest does not name.
      input: {
        offscreen: 'extension/offscreen/offscreen.html',
        consent: 'extension/ui/consent/consent.html',
        welcome: 'extension/ui/welcome/welcome.html',
      },
    },
  },
});
