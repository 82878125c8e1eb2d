/**
 * What goes to the stores: `npm run package` zips both builds with the manifest at the root, and
 * Mozilla's own linter (`web-ext lint`, what addons.mozilla.org runs on upload) finds no error in
 * the Firefox build and only the warnings docs/store.md explains.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { GECKO_ID } from '../../vite.config';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface LintMessage {
  code: string;
  file?: string;
  message: string;
}

/** The warnings docs/store.md lists and explains, by code. */
const EXPLAINED_WARNINGS = ['UNSAFE_VAR_ASSIGNMENT', 'DANGEROUS_EVAL'];

/** Every file the service worker loads: its loader and what each module imports, transitively. */
function serviceWorkerFiles(dist: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(resolve(dist, file), 'utf8');
    for (const [, path] of text.matchAll(/(?:from|import)\s*["']\.{1,2}\/([^"']+)["']/g)) {
      visit(file.includes('/') ? `${file.slice(0, file.lastIndexOf('/'))}/${path}` : path!);
    }
  };
  visit('service-worker-loader.js');
  return [...seen];
}

describe('the bundles', () => {
  it('keep web-llm out of the service worker: only the offscreen document loads it', () => {
    const dist = resolve(ROOT, 'dist');
    const files = serviceWorkerFiles(dist);
    expect(files.some((file) => file.includes('background-main'))).toBe(true);
    for (const file of files) {
      expect(readFileSync(resolve(dist, file), 'utf8'), file).not.toContain('MLCEngine');
    }
    const offscreen = readFileSync(resolve(dist, 'extension/offscreen/offscreen.html'), 'utf8');
    const script = /src="\/?([^"]+\.js)"/.exec(offscreen)?.[1];
    expect(readFileSync(resolve(dist, script!), 'utf8')).toContain('MLCEngine');
  });
});

describe('the store packages', () => {
  it('zips the Chrome and Firefox builds, manifest at the root, and prints their sizes', async () => {
    const { stdout } = await run('node', ['scripts/package.mjs', '--no-build'], { cwd: ROOT });
    const { version } = JSON.parse(readFileSync(resolve(ROOT, 'manifest.json'), 'utf8'));
    for (const browser of ['chrome', 'firefox']) {
      const name = `llm-broker-${version}-${browser}.zip`;
      expect(stdout).toMatch(new RegExp(`${name}: \\d+ files, [\\d.]+ KiB`));
      const files = unzipSync(readFileSync(resolve(ROOT, 'release', name)));
      const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
      expect(manifest.version).toBe(version);
      if (browser === 'chrome') {
        expect(manifest.background.service_worker).toBeDefined();
        expect(manifest.permissions).toContain('offscreen');
      } else {
        expect(manifest.background.scripts).toHaveLength(1);
        expect(manifest.browser_specific_settings.gecko.id).toBe(GECKO_ID);
        expect(manifest.permissions).not.toContain('offscreen');
      }
      expect(Object.keys(files).some((path) => path.endsWith('.map'))).toBe(false);
    }
    expect(stdout).toMatch(/-source\.zip/);
  });

  it('passes web-ext lint with no error in the Firefox build', async () => {
    const { stdout } = await run(
      'npx',
      ['web-ext', 'lint', '--source-dir', 'dist-firefox', '--output', 'json', '--no-input'],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: { stdout: string }) => error);
    const report = JSON.parse(stdout) as { errors: LintMessage[]; warnings: LintMessage[] };
    expect(report.errors).toEqual([]);
    const unexplained = report.warnings.filter(
      (warning) => !EXPLAINED_WARNINGS.includes(warning.code),
    );
    expect(unexplained).toEqual([]);
  }, 120_000);
});
