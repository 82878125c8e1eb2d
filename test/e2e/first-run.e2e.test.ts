/**
 * A newcomer's first minutes: `npm start` shows the settings page (not Chromium's "blocked"
 * page), a new install opens the welcome page with the three ways to a first answer, and an
 * update does not open it again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerBrowser, DIST_DIR, launchBroker, WELCOME_PATH } from './e2e-harness';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm start', () => {
  let start: ChildProcess | undefined;
  let profile: string | undefined;
  afterAll(async () => {
    start?.kill('SIGTERM');
    if (start && start.exitCode === null) await new Promise((done) => start!.once('exit', done));
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('opens Chromium with the extension loaded and its settings page showing', async () => {
    profile = await mkdtemp(join(tmpdir(), 'llm-broker-start-'));
    const env = { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' };
    start = spawn('node', ['scripts/start.mjs', '--no-build', '--profile', profile], {
      cwd: ROOT,
      env,
    });
    let output = '';
    start.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    start.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    // Wait for the last line (or a failure): stdout may arrive in several chunks.
    await expect.poll(() => output, { timeout: 45_000 }).toMatch(/Press Ctrl\+C|npm start:/);
    expect(output).toMatch(/settings are open: chrome-extension:\/\/[a-p]{32}\//);
    expect(output).toMatch(/npm run demo/);

    // Ask the browser itself what its tabs show.
    const port = Number(
      (await readFile(join(profile, 'DevToolsActivePort'), 'utf8')).split('\n')[0],
    );
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
      type: string;
      title: string;
      url: string;
    }>;
    const pages = targets.filter((target) => target.type === 'page');
    const settings = pages.find((page) => page.url.endsWith('/extension/ui/options/options.html'));
    expect(settings?.title).toBe('LLM Broker — Settings');
    expect(pages.some((page) => /blocked/i.test(page.title))).toBe(false);
    // The blank start page is closed once the settings are up.
    expect(pages.some((page) => page.url === 'about:blank')).toBe(false);
  });
});

describe('a new install', () => {
  let broker: BrokerBrowser | undefined;
  let profile: string;
  let extension: string;
  beforeAll(async () => {
    profile = await mkdtemp(join(tmpdir(), 'llm-broker-install-'));
    // A copy of the build, so the update below can change its version.
    extension = await mkdtemp(join(tmpdir(), 'llm-broker-extension-'));
    await cp(DIST_DIR, extension, { recursive: true });
  });
  afterAll(async () => {
    await broker?.close();
    await rm(profile, { recursive: true, force: true });
    await rm(extension, { recursive: true, force: true });
  });

  const welcomeOpen = () =>
    broker!.context.pages().some((page) => page.url().includes(WELCOME_PATH));

  it('opens the welcome page with the three ways to a first answer', async () => {
    broker = await launchBroker({
      keepWelcome: true,
      profileDir: profile,
      extensionDir: extension,
      extraArgs: ['--enable-unsafe-webgpu'],
    });
    const welcome =
      broker.context.pages().find((page) => page.url().includes(WELCOME_PATH)) ??
      (await broker.context.waitForEvent('page', {
        predicate: (page) => page.url().includes(WELCOME_PATH),
      }));
    await welcome.getByRole('heading', { name: 'Welcome to LLM Broker' }).waitFor();
    for (const way of [
      'Add an API key',
      'Use a model server on this computer',
      'Run a model in this browser',
    ]) {
      expect(await welcome.getByRole('heading', { name: way }).count()).toBe(1);
    }
    // With Chromium's software WebGPU adapter it says a model can run here, slowly.
    await expect
      .poll(() => welcome.locator('#welcome-device').textContent(), { timeout: 15_000 })
      .toMatch(/can run one.*slow/);
    // Body text is readable: Chromium's extension style would otherwise make it 10.5 px.
    const bodySize = await welcome.evaluate(() => getComputedStyle(document.body).fontSize);
    expect(Number.parseFloat(bodySize)).toBeGreaterThanOrEqual(14);
    await broker.screenshot(welcome, 'welcome-light');
    await welcome.emulateMedia({ colorScheme: 'dark' });
    await broker.screenshot(welcome, 'welcome-dark');

    // Each way leads somewhere real: the key opens the Providers settings.
    await welcome.getByRole('link', { name: 'Add a key' }).click();
    await welcome.waitForURL(/options\.html#providers$/);
    await welcome.getByRole('heading', { name: 'Providers' }).waitFor();
  });

  it('does not open it again after an update', async () => {
    await broker!.close();
    const manifestPath = join(extension, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { version: string };
    const updated = `${manifest.version}.1`;
    await writeFile(manifestPath, JSON.stringify({ ...manifest, version: updated }));

    broker = await launchBroker({
      keepWelcome: true,
      profileDir: profile,
      extensionDir: extension,
    });
    expect(await broker.serviceWorker.evaluate(() => chrome.runtime.getManifest().version)).toBe(
      updated,
    );
    // Give onInstalled (reason "update") time to have opened a tab, had it wanted to.
    await new Promise((done) => setTimeout(done, 2_000));
    expect(welcomeOpen()).toBe(false);
  });
});
