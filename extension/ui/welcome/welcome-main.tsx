/**
 * The page a new install opens (background-main.ts, `runtime.onInstalled` with reason
 * `install`): what LLM Broker does in a few lines, the three ways to a first answer, and where to
 * try it and see what it did.
 */
import '../components/broker-ui.css';
import { render } from 'preact';
import { useCallback } from 'preact/hooks';
import { browser } from '../../platform/browser-api';
import { uiCall } from '../components/ui-client';
import { useLoader } from '../components/ui-kit';

function settingsUrl(section: string): string {
  return browser.runtime.getURL(`extension/ui/options/options.html#${section}`);
}

/** What the browser-model path can promise on this device. */
function BrowserModelStatus() {
  const load = useCallback(() => uiCall('getLocalModelHost', null), []);
  const { data: host, error } = useLoader(load);
  if (error) return <p class="muted small">Could not check this browser: {error.message}</p>;
  if (!host) return <p class="muted small">Checking what this browser can run…</p>;
  if (host.webgpu === 'unavailable') {
    return (
      <p class="small" id="welcome-device">
        <span class="badge warn">Not on this device</span>{' '}
        {host.reason ?? 'This browser offers no WebGPU, so models cannot run inside it.'} Add a key
        or connect a local server instead (the two ways beside this one).
      </p>
    );
  }
  return (
    <p class="small" id="welcome-device">
      <span class="badge ok">This browser can run one</span>{' '}
      {host.adapter?.isFallbackAdapter
        ? 'Only on the processor here (no graphics chip found), so answers will be slow.'
        : 'On your graphics chip: private and free, after a one-time download.'}
    </p>
  );
}

function WelcomeApp() {
  const load = useCallback(() => uiCall('getOverview', null), []);
  const { data: overview } = useLoader(load);
  const ready = overview?.providers.filter((provider) => provider.account) ?? [];

  return (
    <main class="welcome stack">
      <header class="row welcome-header">
        <img src="/public/icons/icon-128.png" alt="" width={56} height={56} />
        <div>
          <h1>Welcome to LLM Broker</h1>
          <p class="muted">Your own broker between websites and language models.</p>
        </div>
      </header>

      <section class="stack" aria-labelledby="what-title">
        <h2 id="what-title" class="visually-hidden">
          What it does
        </h2>
        <p class="welcome-lead">
          Websites that use AI can ask LLM Broker for an answer instead of calling a model of their
          choosing. They say what they need; <strong>you</strong> decide which models may answer —
          with your own keys, your budget and your privacy settings — and LLM Broker picks the best
          one for each request, falling back to the next if it fails.
        </p>
        <p class="muted">
          No site gets access until you allow it, in a window that names the site. No site ever sees
          your keys.
        </p>
      </section>

      <section class="stack" aria-labelledby="first-title">
        <h2 id="first-title">Get your first answer — choose one way</h2>
        {ready.length > 0 && (
          <div class="notice" id="welcome-ready">
            Already set up: {ready.map((provider) => provider.name).join(', ')}. You can add more at
            any time.
          </div>
        )}
        <div class="welcome-ways">
          <article class="card stack welcome-way" aria-labelledby="way-key">
            <h3 id="way-key">Add an API key</h3>
            <p class="muted">
              Anthropic, OpenAI, Google Gemini, DeepSeek, Mistral or OpenRouter. The key stays in
              this browser, encrypted; you pay the provider for what sites use, within the budgets
              you set.
            </p>
            <a class="button primary" href={settingsUrl('providers')}>
              Add a key
            </a>
          </article>
          <article class="card stack welcome-way" aria-labelledby="way-server">
            <h3 id="way-server">Use a model server on this computer</h3>
            <p class="muted">
              Ollama or LM Studio: prompts never leave your computer and answers cost nothing. Point
              LLM Broker at the server's address.
            </p>
            <a class="button" href={settingsUrl('providers')}>
              Connect a local server
            </a>
          </article>
          <article class="card stack welcome-way" aria-labelledby="way-browser">
            <h3 id="way-browser">Run a model in this browser</h3>
            <p class="muted">
              A small open model downloaded once and run by the browser itself, with no account and
              nothing sent anywhere.
            </p>
            <BrowserModelStatus />
            <a class="button" href={settingsUrl('models')}>
              Choose a model to download
            </a>
          </article>
        </div>
      </section>

      <section class="stack" aria-labelledby="then-title">
        <h2 id="then-title">Then</h2>
        <ul class="welcome-next">
          <li>
            <strong>Try it.</strong> The <a href={settingsUrl('playground')}>Playground</a> shows
            which model would answer any request and why. Sites that support LLM Broker ask for your
            permission the first time they need it.
          </li>
          <li>
            <strong>See what it did.</strong> <a href={settingsUrl('usage')}>Usage</a> charts your
            spend and lists every request: which site asked, which model answered, and what it cost.
            The toolbar button shows the site you are on.
          </li>
          <li>
            <strong>Stay in charge.</strong> Set limits under{' '}
            <a href={settingsUrl('budgets')}>Budgets &amp; privacy</a>, prefer providers under{' '}
            <a href={settingsUrl('priorities')}>Priorities</a>, and change or revoke any site's
            access under <a href={settingsUrl('sites')}>Sites</a>.
          </li>
        </ul>
      </section>
    </main>
  );
}

render(<WelcomeApp />, document.getElementById('app')!);
