// The demo site: every call of window.llm, the Prompt API, and the client kit's fallback to this
// site's own endpoint (served by `npm run demo` at /api/v1). Plain JavaScript, as a site writes it.
import { createLlmClient, LLM_BROKER_RDNS } from '/client/llm-broker-client.js';

const $ = (id) => document.getElementById(id);
const FALLBACK = { baseUrl: `${location.origin}/api/v1`, model: 'demo-site-model' };

/** The broker found by discovery (null when LLM Broker is not installed), and the kit's client. */
let llm = null;
let client = null;
let running = null;
let lastRequestId = null;

function usd(value) {
  if (value === 0) return '$0';
  return value < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(2)}`;
}

function facts(list, entries) {
  list.replaceChildren(
    ...entries.flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
}

function badge(element, text, tone = '') {
  element.textContent = text;
  element.className = `badge ${tone}`.trim();
}

/** An error in words a person can act on, by its DOMException name. */
function explain(error) {
  const what = {
    NotAllowedError: 'Not allowed',
    QuotaExceededError: 'Over a limit',
    NotSupportedError: 'No model fits',
    InvalidStateError: 'LLM Broker is locked',
    NetworkError: 'Every model failed',
    AbortError: 'Stopped',
    TypeError: 'The request is malformed',
  }[error?.name];
  return `${what ?? error?.name ?? 'Error'}: ${error?.message ?? error}`;
}

function showError(target, error) {
  const p = document.createElement('p');
  p.className = 'error';
  p.textContent = explain(error);
  target.replaceChildren(p);
}

function logEvent(name, detail) {
  const list = $('events');
  if (list.firstElementChild?.classList.contains('muted')) list.replaceChildren();
  const item = document.createElement('li');
  const spend =
    detail?.granted && detail.monthlyBudgetUsd !== undefined
      ? ` — ${usd(detail.spentThisMonthUsd ?? 0)} of ${usd(detail.monthlyBudgetUsd)} this month`
      : '';
  item.textContent = `${new Date().toLocaleTimeString()} · ${name}: ${detail?.granted ? 'granted' : 'not granted'}${spend}`;
  list.prepend(item);
}

async function refreshPermission() {
  const state = await client.getPermission();
  if (!llm) {
    badge($('permission-badge'), 'no broker', 'warn');
    facts($('permission-facts'), [['Origin', location.origin]]);
    $('allow').disabled = true;
    $('revoke').disabled = true;
    return state;
  }
  badge(
    $('permission-badge'),
    state.granted ? 'allowed' : 'not allowed',
    state.granted ? 'ok' : 'warn',
  );
  facts($('permission-facts'), [
    ['Origin', state.origin],
    ...(state.granted
      ? [
          ['Budget this month', usd(state.monthlyBudgetUsd ?? 0)],
          ['Spent this month', usd(state.spentThisMonthUsd ?? 0)],
          ['Privacy', state.privacy ?? '—'],
        ]
      : []),
  ]);
  $('allow').disabled = state.granted;
  $('revoke').disabled = !state.granted;
  return state;
}

function requestFromForm() {
  const request = { prompt: $('prompt').value };
  if ($('task').value) request.task = $('task').value;
  const hints = {};
  if ($('quality').value) hints.quality = $('quality').value;
  if ($('speed').value) hints.speed = $('speed').value;
  if (Object.keys(hints).length > 0) request.hints = hints;
  const constraints = {};
  if ($('privacy').value) constraints.privacy = $('privacy').value;
  if ($('max-cost').value !== '') constraints.maxCostUsd = Number($('max-cost').value);
  if (Object.keys(constraints).length > 0) request.constraints = constraints;
  return request;
}

/** Who answers: the kit's client (with the fallback) or the broker alone. */
function answerer() {
  if ($('use-fallback').checked) return client;
  if (!llm)
    throw new DOMException('LLM Broker is not installed in this browser.', 'NotSupportedError');
  return llm;
}

function showResult(result) {
  lastRequestId = result.model.provider === 'site' ? null : result.requestId;
  const fromSite = result.model.provider === 'site';
  badge(
    $('answer-state'),
    fromSite ? 'answered by the site’s own endpoint' : 'answered through LLM Broker',
    fromSite ? 'warn' : 'ok',
  );
  facts($('answer-facts'), [
    ['Model', `${result.model.id} (${result.model.provider}, ${result.model.location})`],
    ['Tokens', `${result.usage.inputTokens} in · ${result.usage.outputTokens} out`],
    ['Cost', fromSite ? 'paid by the site' : usd(result.costUsd)],
    ['Time', `${Math.round(result.latencyMs)} ms`],
    ['Finish', result.finishReason],
  ]);
  $('attempts').replaceChildren(
    ...result.attempts.map((attempt) => {
      const item = document.createElement('li');
      item.textContent = `${attempt.model.provider}/${attempt.model.id}: ${attempt.outcome}${attempt.error ? ` — ${attempt.error}` : ''}`;
      return item;
    }),
  );
  $('attempts-details').hidden = result.attempts.length === 0;
  $('feedback-row').hidden = lastRequestId === null;
}

function setBusy(busy) {
  for (const id of ['route', 'generate', 'stream']) $(id).disabled = busy;
  $('stop').disabled = !busy;
}

async function generate() {
  const out = $('answer');
  setBusy(true);
  badge($('answer-state'), 'waiting…');
  out.textContent = '…';
  facts($('answer-facts'), []);
  try {
    const result = await answerer().generate(requestFromForm());
    out.textContent = result.text;
    showResult(result);
  } catch (error) {
    showError(out, error);
    badge($('answer-state'), 'failed', 'danger');
  } finally {
    setBusy(false);
    void refreshPermission();
  }
}

async function stream() {
  const out = $('answer');
  const controller = new AbortController();
  running = controller;
  setBusy(true);
  badge($('answer-state'), 'streaming…');
  out.textContent = '';
  facts($('answer-facts'), []);
  $('feedback-row').hidden = true;
  try {
    const parts = answerer().stream({ ...requestFromForm(), signal: controller.signal });
    for await (const part of parts) {
      if (part.type === 'text-delta') out.textContent += part.delta;
      if (part.type === 'fallback') out.textContent = '';
      if (part.type === 'start') badge($('answer-state'), `streaming from ${part.model.id}…`);
    }
    showResult(await parts.result);
  } catch (error) {
    if (error?.name === 'AbortError') badge($('answer-state'), 'stopped');
    else {
      showError(out, error);
      badge($('answer-state'), 'failed', 'danger');
    }
  } finally {
    running = null;
    setBusy(false);
    void refreshPermission();
  }
}

async function route() {
  const out = $('route-out');
  try {
    if (!llm)
      throw new DOMException('LLM Broker is not installed in this browser.', 'NotSupportedError');
    const decision = await llm.route(requestFromForm());
    const summary = document.createElement('dl');
    summary.className = 'facts';
    facts(summary, [
      ['Chosen', `${decision.chosen.id} (${decision.chosen.provider})`],
      ['Fallback chain', decision.chain.map((model) => model.id).join(' → ')],
      ['Task', `${decision.task}${decision.taskInferred ? ' (inferred)' : ''}`],
      ['Difficulty', decision.difficulty.toFixed(2)],
      ['Expected cost', usd(decision.expectedCostUsd)],
    ]);
    const table = document.createElement('table');
    table.innerHTML =
      '<thead><tr><th>#</th><th>Model</th><th>Provider</th><th>Score</th></tr></thead>';
    const body = document.createElement('tbody');
    for (const candidate of decision.candidates.slice(0, 8)) {
      const row = document.createElement('tr');
      for (const cell of [
        candidate.rank,
        candidate.model.id,
        candidate.model.provider,
        candidate.finalScore.toFixed(3),
      ]) {
        const td = document.createElement('td');
        td.textContent = String(cell);
        row.append(td);
      }
      body.append(row);
    }
    table.append(body);
    const ruled = document.createElement('p');
    ruled.className = 'muted';
    ruled.textContent = decision.ruledOut.length
      ? `Ruled out: ${decision.ruledOut.length} models (for example ${decision.ruledOut[0].model}: ${decision.ruledOut[0].reason}).`
      : 'No model was ruled out.';
    out.replaceChildren(summary, table, ruled);
  } catch (error) {
    showError(out, error);
  }
}

async function listModels() {
  const out = $('models-out');
  try {
    const models = await client.models();
    if (models.length === 0) {
      out.innerHTML =
        '<p class="muted">None: this site is not allowed yet, or no model is set up.</p>';
      return;
    }
    const list = document.createElement('ul');
    for (const model of models) {
      const item = document.createElement('li');
      item.textContent = `${model.name} — ${model.provider}, ${model.location}, ${model.contextTokens.toLocaleString()} tokens of context`;
      list.append(item);
    }
    out.replaceChildren(list);
  } catch (error) {
    showError(out, error);
  }
}

async function feedback(score) {
  if (!lastRequestId) return;
  try {
    await llm.feedback(lastRequestId, score);
    $('feedback-row').replaceChildren(
      Object.assign(document.createElement('span'), {
        className: 'muted',
        textContent: 'Thank you: the router will remember.',
      }),
    );
  } catch (error) {
    showError($('answer'), error);
  }
}

async function promptApi() {
  const out = $('prompt-api-out');
  out.textContent = '';
  if (typeof LanguageModel === 'undefined') {
    out.textContent =
      'This browser offers no LanguageModel (and LLM Broker does not add one where the browser has its own).';
    return;
  }
  try {
    const availability = await LanguageModel.availability();
    facts($('prompt-api-facts'), [['availability()', availability]]);
    const session = await LanguageModel.create({
      initialPrompts: [{ role: 'system', content: 'Answer briefly.' }],
    });
    facts($('prompt-api-facts'), [
      ['availability()', availability],
      ['contextWindow', String(session.contextWindow ?? session.inputQuota ?? '—')],
    ]);
    for await (const chunk of session.promptStreaming($('prompt-api-input').value))
      out.textContent += chunk;
    facts($('prompt-api-facts'), [
      ['availability()', await LanguageModel.availability()],
      [
        'contextUsage',
        `${session.contextUsage ?? session.inputUsage} of ${session.contextWindow ?? session.inputQuota} tokens`,
      ],
    ]);
    session.destroy();
  } catch (error) {
    showError(out, error);
  }
}

async function start() {
  client = await createLlmClient({ rdns: LLM_BROKER_RDNS, timeoutMs: 1_500, fallback: FALLBACK });
  llm = client.broker;
  const status = $('status');
  if (llm) {
    status.textContent = 'LLM Broker is installed';
    status.className = 'status ok';
    llm.addEventListener('permissionchange', (event) => {
      logEvent('permissionchange', event.detail);
      void refreshPermission();
    });
    llm.addEventListener('budget', (event) => logEvent('budget', event.detail));
  } else {
    status.textContent = 'LLM Broker is not installed — answers come from this site’s own endpoint';
    status.className = 'status warn';
  }
  await refreshPermission();
}

$('allow').addEventListener('click', async () => {
  try {
    const state = await client.requestPermission();
    if (!state.granted) badge($('permission-badge'), 'refused', 'danger');
    else await refreshPermission();
  } catch (error) {
    showError($('permission-facts'), error);
  }
});
$('revoke').addEventListener('click', async () => {
  await llm?.revokePermission();
  await refreshPermission();
});
$('ask-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void stream();
});
$('generate').addEventListener('click', () => void generate());
$('route').addEventListener('click', () => void route());
$('stop').addEventListener('click', () => running?.abort());
$('models').addEventListener('click', () => void listModels());
$('good').addEventListener('click', () => void feedback(1));
$('bad').addEventListener('click', () => void feedback(0));
$('prompt-api-run').addEventListener('click', () => void promptApi());

void start();
