/**
 * The consent window: opened by the background when a site calls `requestPermission()`. It names
 * the origin the browser reported, offers the limits the site will start with, and reports the
 * decision. Closing the window is a refusal.
 */
import '../components/broker-ui.css';
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { PrivacyLevel } from '../../../src/protocol/llm-request';
import { parseUsd } from '../components/format';
import { uiCall } from '../components/ui-client';
import { NumberField, useLoader } from '../components/ui-kit';
import { PRIVACY_LABELS } from '../options/budgets-view';

const promptId = new URLSearchParams(location.search).get('prompt') ?? '';

/** A typed rate limit: a whole number from 1 to 10,000, or undefined. */
function parseRate(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && Number.isInteger(value) && value >= 1 && value <= 10_000
    ? value
    : undefined;
}

function ConsentApp() {
  const load = useCallback(() => uiCall('getConsentPrompt', { promptId }), []);
  const { data: prompt, error } = useLoader(load);
  const [budget, setBudget] = useState('');
  const [rate, setRate] = useState('');
  const [privacy, setPrivacy] = useState<PrivacyLevel>('any');
  const [deciding, setDeciding] = useState(false);

  useEffect(() => {
    if (!prompt) return;
    setBudget(String(prompt.defaults.monthlyBudgetUsd));
    setRate(String(prompt.defaults.rateLimitPerMinute));
    setPrivacy(prompt.defaults.privacy);
    document.title = `Allow ${new URL(prompt.origin).host} to use your models?`;
  }, [prompt]);

  const budgetValue = parseUsd(budget);
  const rateValue = parseRate(rate);
  const valid = budgetValue !== undefined && rateValue !== undefined;

  async function decide(allow: boolean) {
    if (!prompt) return;
    if (allow && !valid) return;
    setDeciding(true);
    const limits =
      allow && budgetValue !== undefined && rateValue !== undefined
        ? { monthlyBudgetUsd: budgetValue, privacy, rateLimitPerMinute: rateValue }
        : undefined;
    await uiCall('decideConsent', { promptId, allow, ...(limits && { limits }) });
    window.close();
  }

  if (error) {
    return (
      <main class="stack" style={{ padding: '24px' }}>
        <h1>This request has ended</h1>
        <p class="muted">{error.message} You can close this window.</p>
      </main>
    );
  }
  if (!prompt)
    return (
      <main style={{ padding: '24px' }} class="muted">
        Loading…
      </main>
    );

  return (
    <main class="stack" style={{ padding: '24px', maxWidth: '460px' }}>
      <div class="row">
        <img src="/public/icons/icon-48.png" alt="" width={36} height={36} />
        <span class="muted">LLM Broker</span>
      </div>
      <h1>
        Allow{' '}
        <span class="mono" style={{ fontSize: '18px' }} id="consent-origin">
          {prompt.origin}
        </span>{' '}
        to use your language models?
      </h1>
      <p class="muted">
        The site can send prompts that are answered with your API keys and charged to your budget.
        It never sees your keys, and you can revoke access at any time in the settings.
      </p>
      {!prompt.hasProviders && (
        <div class="notice warn">
          You have not added any provider yet. The site can be allowed now; add a key in the
          settings so it can be answered.
        </div>
      )}
      <NumberField
        label="Monthly budget for this site (USD)"
        value={budget}
        onInput={setBudget}
        min="0"
        step="0.01"
        invalid={budgetValue === undefined}
      />
      <NumberField
        label="Requests per minute, at most"
        value={rate}
        onInput={setRate}
        min="1"
        step="1"
        invalid={rateValue === undefined}
        hint="Keeps a misbehaving page from spending your budget in a burst."
      />
      <label class="field">
        Where its prompts may go
        <select
          value={privacy}
          onChange={(event) => setPrivacy(event.currentTarget.value as PrivacyLevel)}
        >
          {(Object.keys(PRIVACY_LABELS) as PrivacyLevel[]).map((level) => (
            <option key={level} value={level}>
              {PRIVACY_LABELS[level]}
            </option>
          ))}
        </select>
      </label>
      <div class="row" style={{ justifyContent: 'flex-end', marginTop: '8px' }}>
        {/* Deny has the focus: a stray Enter must not grant access. */}
        <button type="button" autofocus disabled={deciding} onClick={() => void decide(false)}>
          Deny
        </button>
        <button
          type="button"
          class="primary"
          disabled={deciding || !valid}
          onClick={() => void decide(true)}
        >
          Allow
        </button>
      </div>
    </main>
  );
}

render(<ConsentApp />, document.getElementById('app')!);
