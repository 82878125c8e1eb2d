// `npm start`: builds the extension and opens Chromium with it loaded and its settings page
// showing. The browser profile lives in .cache/chromium-profile, so keys you add survive restarts.
//
// Chromium refuses a chrome-extension:// URL given on its command line while the unpacked
// extension is still loading (ERR_BLOCKED_BY_CLIENT), so the browser starts on a blank page and
// the settings page is opened through the DevTools protocol once the extension's service worker
// is up (docs/architecture.md §7).
//
// Options: --no-build (use dist/ as it is), --profile DIR (another profile folder).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { unpackedExtensionId } from './extension-id.mjs';

const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, 'dist');
const argv = process.argv.slice(2);
const profileFlag = argv.indexOf('--profile');
const profile = resolve(root, profileFlag >= 0 ? argv[profileFlag + 1] : '.cache/chromium-profile');
const browserPath = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].find((path) => path && existsSync(path));
if (!browserPath) {
  console.error(
    'No Chromium found. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.',
  );
  process.exit(1);
}

if (!argv.includes('--no-build')) {
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

mkdirSync(profile, { recursive: true });
// Chromium writes the DevTools port here once it listens; a file left by an earlier run would
// point at a dead port.
const portFile = join(profile, 'DevToolsActivePort');
rmSync(portFile, { force: true });

const id = unpackedExtensionId(dist);
const extensionOrigin = `chrome-extension://${id}`;
const settingsUrl = `${extensionOrigin}/extension/ui/options/options.html`;
const headless =
  !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && process.platform === 'linux';
const child = spawn(
  browserPath,
  [
    `--user-data-dir=${profile}`,
    `--disable-extensions-except=${dist}`,
    `--load-extension=${dist}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--remote-debugging-port=0',
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ...(headless ? ['--headless=new'] : []),
    'about:blank',
  ],
  { stdio: 'ignore' },
);
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));

/** Polls `read` every 100 ms until it returns something, or gives up after `seconds`. */
async function waitFor(what, seconds, read) {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; await delay(100)) {
    const value = await read().catch(() => undefined);
    if (value) return value;
  }
  throw new Error(`Chromium did not ${what} within ${seconds} s.`);
}

try {
  const port = await waitFor('open its DevTools port', 30, async () =>
    existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').split('\n')[0]) : undefined,
  );
  const devtools = `http://127.0.0.1:${port}`;
  const targets = async () => (await fetch(`${devtools}/json/list`)).json();
  await waitFor('load the extension', 30, async () =>
    (await targets()).some((target) => target.url.startsWith(`${extensionOrigin}/`)),
  );
  const blank = (await targets()).find((target) => target.url === 'about:blank');
  const opened = await fetch(`${devtools}/json/new?${settingsUrl}`, { method: 'PUT' });
  if (!opened.ok) throw new Error(`DevTools refused to open the settings page (${opened.status}).`);
  const settings = await opened.json();
  // The page is ours once its document has its title (an error page would have another).
  await waitFor('show the settings page', 30, async () =>
    (await targets()).some(
      (target) => target.id === settings.id && target.title.startsWith('LLM Broker'),
    ),
  );
  if (blank) {
    await fetch(`${devtools}/json/close/${blank.id}`);
    await waitFor('close its blank page', 10, async () =>
      (await targets()).every((target) => target.id !== blank.id),
    );
  }
  console.log(`LLM Broker ${id} is loaded from dist/ and its settings are open: ${settingsUrl}`);
  if (headless) console.log(`No display: Chromium runs headless; DevTools on ${devtools}`);
  console.log(
    'Try it on a website: run `npm run demo` and open http://127.0.0.1:5178/ in this browser.',
  );
  console.log('Press Ctrl+C to quit.');
} catch (error) {
  console.error(`npm start: ${error.message}`);
  child.kill();
  process.exit(1);
}
