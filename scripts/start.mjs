// `npm start`: builds the extension and opens Chromium with it loaded and the settings open.
// The browser profile lives in .cache/chromium-profile, so keys you add survive restarts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { unpackedExtensionId } from './extension-id.mjs';

const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, 'dist');
const profile = resolve(root, '.cache/chromium-profile');
const candidates = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];
const browserPath = candidates.find((path) => path && existsSync(path));
if (!browserPath) {
  console.error(
    'No Chromium found. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.',
  );
  process.exit(1);
}

const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

mkdirSync(profile, { recursive: true });
const id = unpackedExtensionId(dist);
const optionsUrl = `chrome-extension://${id}/extension/ui/options/options.html`;
const headless =
  !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && process.platform === 'linux';
const args = [
  `--user-data-dir=${profile}`,
  `--disable-extensions-except=${dist}`,
  `--load-extension=${dist}`,
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  ...(headless ? ['--headless=new', '--remote-debugging-port=9222'] : []),
  optionsUrl,
];
console.log(`LLM Broker ${id} loaded from dist/; settings: ${optionsUrl}`);
if (headless)
  console.log('No display found: Chromium runs headless (DevTools on http://127.0.0.1:9222).');
const child = spawn(browserPath, args, { stdio: 'ignore' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
