import { useCallback, useState } from 'preact/hooks';
import type { Overview, ProviderListing } from '../../messaging/ui-channel';
import { browser } from '../../platform/browser-api';
import { formatWhen } from '../components/format';
import { uiCall } from '../components/ui-client';
import { ConfirmDialog, useLoader, useToast } from '../components/ui-kit';
import { PassphraseLockCard } from './passphrase-lock-card';

interface ViewProps {
  overview: Overview;
  reload(): Promise<void>;
}

/** Checks a base URL and, when it is outside the manifest's host permissions, asks for it. */
async function ensureHostPermission(baseUrl: string): Promise<void> {
  const origins = [`${new URL(baseUrl).origin}/*`];
  if (await browser.permissions.contains({ origins })) return;
  if (!(await browser.permissions.request({ origins }))) {
    throw new Error(
      `LLM Broker needs permission to reach ${new URL(baseUrl).host} to use this server.`,
    );
  }
}

function validBaseUrl(value: string): string | undefined {
  if (value === '') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:'
      ? undefined
      : 'Use an http:// or https:// address.';
  } catch {
    return 'This is not a web address (for example http://127.0.0.1:11434/v1).';
  }
}

/** A provider's state at a glance: the badge a card wears. */
function providerStatus(provider: ProviderListing): { text: string; tone: string } {
  const account = provider.account;
  if (!account || (provider.requiresKey && !account.hasKey))
    return { text: 'Not set up', tone: '' };
  if (!account.enabled) return { text: 'Off', tone: '' };
  if (account.check?.rejected) return { text: 'Key rejected', tone: 'danger' };
  if (account.check && !account.check.ok) return { text: 'Not reachable', tone: 'warn' };
  if (account.check?.ok) return { text: 'Working', tone: 'ok' };
  return { text: 'Not tested yet', tone: 'accent' };
}

function ProviderCard(props: { provider: ProviderListing; reload(): Promise<void> }) {
  const { provider } = props;
  const toast = useToast();
  const [apiKey, setApiKey] = useState('');
  const [baseUrl, setBaseUrl] = useState(provider.account?.baseUrl ?? '');
  const [busy, setBusy] = useState<'saving' | 'testing' | undefined>();
  const [problem, setProblem] = useState<string>();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const account = provider.account;
  const configured = account !== null && (account.hasKey || !provider.requiresKey);
  const baseUrlProblem = validBaseUrl(baseUrl);
  const keyMissing = provider.requiresKey && !account?.hasKey && apiKey.trim() === '';
  const inputId = `provider-${provider.id}`;
  const status = providerStatus(provider);

  /** Tests the saved key (or server) now; the result is kept with the account and shown. */
  async function test() {
    setBusy('testing');
    try {
      await uiCall('checkAccount', { provider: provider.id });
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(undefined);
      await props.reload();
    }
  }

  async function save(event: Event) {
    event.preventDefault();
    if (baseUrlProblem || keyMissing) return;
    setBusy('saving');
    setProblem(undefined);
    try {
      if (baseUrl) await ensureHostPermission(baseUrl);
      await uiCall('saveAccount', {
        provider: provider.id,
        ...(apiKey.trim() && { apiKey: apiKey.trim() }),
        baseUrl: baseUrl.trim() || null,
      });
      setApiKey('');
      toast(`${provider.name} saved. Testing it…`);
    } catch (error) {
      setProblem((error as Error).message);
      setBusy(undefined);
      return;
    }
    // Every save is tested at once: a key the provider refuses is marked, not used.
    await test();
  }

  async function setEnabled(enabled: boolean) {
    await uiCall('saveAccount', { provider: provider.id, enabled });
    toast(
      enabled
        ? `${provider.name} is on.`
        : `${provider.name} is off: sites are not answered by it.`,
    );
    await props.reload();
  }

  async function remove() {
    setConfirmRemove(false);
    await uiCall('removeAccount', { provider: provider.id });
    toast(`${provider.name} removed. Its key is deleted from this browser.`);
    await props.reload();
  }

  return (
    <form class="card stack" onSubmit={save} aria-labelledby={`${inputId}-title`}>
      <div class="spread">
        <h3 id={`${inputId}-title`}>{provider.name}</h3>
        <span class={`badge ${status.tone}`} id={`${inputId}-status`}>
          {status.text}
        </span>
      </div>
      {provider.requiresKey && (
        <label class="field">
          API key
          <input
            id={`${inputId}-key`}
            type="password"
            autocomplete="off"
            spellcheck={false}
            placeholder={account?.maskedKey ?? 'Paste your API key'}
            value={apiKey}
            onInput={(event) => setApiKey(event.currentTarget.value)}
          />
          <span class="hint">
            {account?.hasKey ? 'Stored encrypted. Paste a new key to replace it. ' : ''}
            {provider.keyUrl && (
              <a href={provider.keyUrl} target="_blank" rel="noreferrer">
                Get a key
              </a>
            )}
          </span>
        </label>
      )}
      <details open={!provider.requiresKey || baseUrl !== ''}>
        <summary class="small muted">
          {provider.requiresKey ? 'Advanced: API address' : 'Server address'}
        </summary>
        <label class="field" style={{ marginTop: '8px' }}>
          <span class="visually-hidden">API address</span>
          <input
            id={`${inputId}-url`}
            type="url"
            placeholder={provider.defaultBaseUrl}
            value={baseUrl}
            aria-invalid={baseUrlProblem ? 'true' : undefined}
            onInput={(event) => setBaseUrl(event.currentTarget.value)}
          />
          {baseUrlProblem ? (
            <span class="field-error">{baseUrlProblem}</span>
          ) : (
            <span class="hint">Leave empty for {provider.defaultBaseUrl}.</span>
          )}
        </label>
      </details>
      {account?.check && busy !== 'testing' && (
        <div
          class={`notice small ${account.check.ok ? '' : account.check.rejected ? 'danger' : 'warn'}`}
          id={`${inputId}-check`}
        >
          {account.check.ok
            ? `Tested ${formatWhen(account.check.at)}: it works. ${account.check.message ?? ''}`
            : `Tested ${formatWhen(account.check.at)}: ${account.check.message ?? 'it failed.'}${
                account.check.rejected
                  ? ' Sites are not answered by it until you replace the key or it passes a test.'
                  : ''
              }`}
        </div>
      )}
      {problem && (
        <div class="notice danger" role="alert">
          {problem}
        </div>
      )}
      <div class="row">
        <button
          type="submit"
          class="primary"
          disabled={busy !== undefined || keyMissing || baseUrlProblem !== undefined}
        >
          {busy === 'saving' ? 'Saving…' : 'Save'}
        </button>
        {configured && (
          <button type="button" disabled={busy !== undefined} onClick={() => void test()}>
            {busy === 'testing'
              ? 'Testing…'
              : provider.requiresKey
                ? 'Test key'
                : 'Test connection'}
          </button>
        )}
        {account && (
          <label class="switch">
            <input
              type="checkbox"
              role="switch"
              aria-checked={account.enabled}
              checked={account.enabled}
              onChange={(event) => void setEnabled(event.currentTarget.checked)}
            />
            {account.enabled ? 'On' : 'Off'}
          </label>
        )}
        {account && (
          <button type="button" class="danger ghost" onClick={() => setConfirmRemove(true)}>
            Remove
          </button>
        )}
      </div>
      <ConfirmDialog
        open={confirmRemove}
        title={`Remove ${provider.name}?`}
        confirmLabel="Remove"
        onConfirm={() => void remove()}
        onCancel={() => setConfirmRemove(false)}
      >
        The key is deleted from this browser. Sites will no longer be answered by {provider.name}{' '}
        models until you add it again. To pause it instead, turn it off.
      </ConfirmDialog>
    </form>
  );
}

/** A pointer to the models that run in this browser, with what the device offers. */
function BrowserModelsCard() {
  const load = useCallback(() => uiCall('getLocalModelHost', null), []);
  const { data: host, error } = useLoader(load);
  return (
    <section class="card stack" aria-labelledby="browser-models-title">
      <div class="spread">
        <h3 id="browser-models-title">Models in this browser</h3>
        {host &&
          (host.webgpu === 'available' ? (
            <span class="badge ok">WebGPU available</span>
          ) : (
            <span class="badge warn">No WebGPU</span>
          ))}
      </div>
      {!host && !error && <p class="muted small">Checking what this browser offers…</p>}
      {error && <p class="field-error">Could not check: {error.message}</p>}
      {host?.webgpu === 'unavailable' && (
        <p class="muted small">
          {host.reason ?? 'Language models cannot run inside this browser.'} Use a local server
          (Ollama, LM Studio) or a cloud provider instead.
        </p>
      )}
      {host?.webgpu === 'available' && (
        <p class="muted small">
          {host.adapter?.isFallbackAdapter
            ? 'Only on the processor here (no graphics chip found): models would run slowly.'
            : 'Private and free answers from a model on this device, after a one-time download.'}
        </p>
      )}
      <a href="#models">Choose and download models</a>
    </section>
  );
}

export function ProvidersView(props: ViewProps) {
  const connected = props.overview.providers.filter((provider) => provider.account);
  return (
    <section class="stack" aria-labelledby="providers-title">
      <div>
        <h2 id="providers-title" class="page-title">
          Providers
        </h2>
        <p class="page-lead">
          Add the keys you want sites to use. Keys stay in this browser, encrypted, and never reach
          a website.
        </p>
      </div>
      <PassphraseLockCard
        lock={props.overview.lock}
        autoLockMinutes={props.overview.settings.autoLockMinutes}
        reload={props.reload}
      />
      {connected.length === 0 && (
        <div class="notice">
          No provider yet: add one key below and sites you allow can start asking for answers.
        </div>
      )}
      <div class="card-grid">
        {props.overview.providers.map((provider) => (
          <ProviderCard key={provider.id} provider={provider} reload={props.reload} />
        ))}
      </div>
      <BrowserModelsCard />
    </section>
  );
}
