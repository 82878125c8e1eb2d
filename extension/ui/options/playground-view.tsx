/**
 * The playground: write a request (or pick an example) and watch the router decide as you type —
 * what it understood, every candidate's 16 contributions, its priority and final score, the
 * chain, the expected cost, and why each other model was ruled out. Change priorities, the preset
 * or the budget in place and see the decision beside the one your settings make; run the request
 * for real; replay the requests the log kept under the changed settings.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { CRITERIA, type Criterion } from '../../../src/catalog/catalog-types';
import {
  CAPABILITIES,
  type Capability,
  type LlmRequest,
  PRESETS,
  PRIVACY_LEVELS,
  type Preset,
  QUALITY_HINTS,
  SPEED_HINTS,
  TASK_TYPES,
  type TaskType,
} from '../../../src/protocol/llm-request';
import type { Attempt, LlmResult } from '../../../src/protocol/llm-result';
import { describeCandidate, describeLearning } from '../../../src/router/router-explain';
import type { CandidateScore, RoutePlan } from '../../../src/router/router-types';
import { DEFAULT_PROVIDER_PRIORITY } from '../../../src/storage/storage-settings';
import type { PlannedRoute } from '../../messaging/ui-channel';
import {
  type Overview,
  PLAYGROUND_PORT_NAME,
  type PlaygroundMessage,
  type PlaygroundWhatIf,
  type ReplayResult,
} from '../../messaging/ui-channel';
import { browser } from '../../platform/browser-api';
import { formatCount, formatMs, formatUsd, parseUsd } from '../components/format';
import { uiCall } from '../components/ui-client';
import { EmptyState, NumberField } from '../components/ui-kit';
import { CRITERION_LABELS } from './catalog-view';
import { PLAYGROUND_EXAMPLES } from './playground-examples';
import { PRESET_LABELS, TASK_LABELS } from './priorities-view';

const DECIDE_DELAY_MS = 250;
const REPLAY_LIMIT = 200;

interface Form {
  prompt: string;
  task: string;
  quality: string;
  speed: string;
  preset: string;
  privacy: string;
  maxCostUsd: string;
  maxLatencyMs: string;
  capabilities: Capability[];
}

interface WhatIfForm {
  priorities: Record<string, number>;
  preset: Preset | '';
  budget: string;
}

function toRequest(form: Form): LlmRequest {
  const hints = {
    ...(form.quality && { quality: form.quality as never }),
    ...(form.speed && { speed: form.speed as never }),
    ...(form.preset && { preset: form.preset as never }),
  };
  const constraints = {
    ...(form.privacy && { privacy: form.privacy as never }),
    ...(form.maxCostUsd && { maxCostUsd: Number(form.maxCostUsd) }),
    ...(form.maxLatencyMs && { maxLatencyMs: Number(form.maxLatencyMs) }),
    ...(form.capabilities.length > 0 && { capabilities: form.capabilities }),
  };
  return {
    prompt: form.prompt,
    ...(form.task && { task: form.task as never }),
    ...(Object.keys(hints).length > 0 && { hints }),
    ...(Object.keys(constraints).length > 0 && { constraints }),
  };
}

/** The what-if changes that differ from the saved settings, or undefined when there are none. */
function activeWhatIf(
  whatIf: WhatIfForm,
  saved: Readonly<Record<string, number>>,
): PlaygroundWhatIf | undefined {
  const priorities = Object.fromEntries(
    Object.entries(whatIf.priorities).filter(
      ([id, value]) => value !== (saved[id] ?? DEFAULT_PROVIDER_PRIORITY),
    ),
  );
  const budget = whatIf.budget.trim() === '' ? undefined : parseUsd(whatIf.budget);
  const changes: PlaygroundWhatIf = {
    ...(Object.keys(priorities).length > 0 && { priorities }),
    ...(whatIf.preset && { preset: whatIf.preset }),
    ...(budget !== undefined && { budgetLeftUsd: budget }),
  };
  return Object.keys(changes).length > 0 ? changes : undefined;
}

/** Errors said to the person, not to a website. */
function forPerson(message: string): string {
  if (/LLM Broker is locked/.test(message)) {
    return 'Your API keys are locked, and no model without a key can answer this. Unlock the keys under Providers, or set up a local model server (it needs no key).';
  }
  return message;
}

function Select(props: {
  label: string;
  value: string;
  options: readonly string[];
  empty: string;
  onChange(value: string): void;
}) {
  return (
    <label class="field">
      {props.label}
      <select value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        <option value="">{props.empty}</option>
        {props.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}

export function PlaygroundView(props: { overview: Overview }) {
  const { overview } = props;
  const configured = overview.providers.filter((provider) => provider.account);
  const [form, setForm] = useState<Form>({
    prompt: PLAYGROUND_EXAMPLES.coding,
    task: '',
    quality: '',
    speed: '',
    preset: '',
    privacy: '',
    maxCostUsd: '',
    maxLatencyMs: '',
    capabilities: [],
  });
  const [everyProvider, setEveryProvider] = useState(configured.length === 0);
  const saved = overview.settings.providerPriorities;
  const [whatIf, setWhatIf] = useState<WhatIfForm>({ priorities: {}, preset: '', budget: '' });
  const [base, setBase] = useState<PlannedRoute>();
  const [changed, setChanged] = useState<PlannedRoute | Error>();
  const [problem, setProblem] = useState<string>();
  const [deciding, setDeciding] = useState(false);
  const set = (changes: Partial<Form>) => setForm({ ...form, ...changes });

  const request = useMemo(() => toRequest(form), [form]);
  const active = useMemo(() => activeWhatIf(whatIf, saved), [whatIf, saved]);
  const ranked = everyProvider ? overview.providers : configured;

  // The decision follows the request as it is typed (a short pause first).
  const sequence = useRef(0);
  useEffect(() => {
    if (form.prompt.trim() === '') {
      setBase(undefined);
      setChanged(undefined);
      setProblem(undefined);
      return;
    }
    const mine = ++sequence.current;
    setDeciding(true);
    const timer = setTimeout(async () => {
      try {
        const [plan, alternative] = await Promise.all([
          uiCall('explainRoute', { request, everyProvider }),
          active
            ? uiCall('explainRoute', { request, everyProvider, whatIf: active }).catch(
                (error: Error) => error,
              )
            : Promise.resolve(undefined),
        ]);
        if (mine !== sequence.current) return;
        setBase(plan);
        setChanged(alternative);
        setProblem(alternative instanceof Error ? forPerson(alternative.message) : undefined);
      } catch (error) {
        if (mine !== sequence.current) return;
        setBase(undefined);
        setChanged(undefined);
        setProblem(forPerson((error as Error).message));
      } finally {
        if (mine === sequence.current) setDeciding(false);
      }
    }, DECIDE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [request, everyProvider, active]);

  const shown = changed instanceof Error ? undefined : (changed ?? base);

  return (
    <section class="stack" aria-labelledby="playground-title">
      <div>
        <h2 id="playground-title" class="page-title">
          Playground
        </h2>
        <p class="page-lead">
          Write a request as a site would and watch the router decide as you type. Nothing is sent
          to a model until you press Run.
        </p>
      </div>

      <form class="card stack" onSubmit={(event) => event.preventDefault()}>
        <div class="spread">
          <h3>Request</h3>
          <label class="row small">
            Example
            <select
              value=""
              onChange={(event) => {
                const task = event.currentTarget.value as TaskType;
                if (task) set({ prompt: PLAYGROUND_EXAMPLES[task], task });
              }}
            >
              <option value="">Pick one…</option>
              {TASK_TYPES.map((task) => (
                <option key={task} value={task}>
                  {TASK_LABELS[task]}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label class="field">
          Prompt
          <textarea
            rows={4}
            value={form.prompt}
            onInput={(event) => set({ prompt: event.currentTarget.value })}
          />
        </label>
        <div
          class="card-grid"
          style={{ gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))' }}
        >
          <Select
            label="Task"
            value={form.task}
            options={TASK_TYPES}
            empty="infer from the text"
            onChange={(task) => set({ task })}
          />
          <Select
            label="Quality"
            value={form.quality}
            options={QUALITY_HINTS}
            empty="not set"
            onChange={(quality) => set({ quality })}
          />
          <Select
            label="Speed"
            value={form.speed}
            options={SPEED_HINTS}
            empty="not set"
            onChange={(speed) => set({ speed })}
          />
          <Select
            label="Preset"
            value={form.preset}
            options={PRESETS}
            empty="not set"
            onChange={(preset) => set({ preset })}
          />
          <Select
            label="Privacy"
            value={form.privacy}
            options={PRIVACY_LEVELS}
            empty="not set"
            onChange={(privacy) => set({ privacy })}
          />
          <NumberField
            label="Max cost (USD)"
            value={form.maxCostUsd}
            onInput={(maxCostUsd) => set({ maxCostUsd })}
            min="0"
            step="0.001"
          />
          <NumberField
            label="Max latency (ms)"
            value={form.maxLatencyMs}
            onInput={(maxLatencyMs) => set({ maxLatencyMs })}
            min="1"
            step="100"
          />
        </div>
        <fieldset class="row plain">
          <legend class="small muted">Needs</legend>
          {CAPABILITIES.map((capability) => (
            <label key={capability} class="row small">
              <input
                type="checkbox"
                checked={form.capabilities.includes(capability)}
                onChange={(event) =>
                  set({
                    capabilities: event.currentTarget.checked
                      ? [...form.capabilities, capability]
                      : form.capabilities.filter((item) => item !== capability),
                  })
                }
              />
              {capability}
            </label>
          ))}
        </fieldset>
        <label class="row small">
          <input
            type="checkbox"
            checked={everyProvider}
            onChange={(event) => setEveryProvider(event.currentTarget.checked)}
          />
          Count providers without a key as set up
        </label>
      </form>

      <WhatIfCard
        providers={ranked.map((provider) => ({ id: provider.id, name: provider.name }))}
        saved={saved}
        whatIf={whatIf}
        onChange={setWhatIf}
        active={active !== undefined}
      />

      <p class="muted small" role="status" aria-live="polite">
        {deciding ? 'Deciding…' : shown ? 'Decision up to date.' : ''}
      </p>
      {problem && (
        <div class="notice danger" role="alert">
          {problem}
        </div>
      )}
      {!base && !problem && !deciding && (
        <div class="card">
          <EmptyState title="Write a request">
            The decision shows here as you type: which model would answer, the score of every
            candidate and why others were ruled out.
            {configured.length === 0 &&
              ' You have no provider yet, so every provider counts as set up.'}
          </EmptyState>
        </div>
      )}
      {base && active && !(changed instanceof Error) && changed && (
        <div class="compare">
          <Summary title="With your settings" plan={base} />
          <Summary title="What if" plan={changed} against={base} />
        </div>
      )}
      {shown && (
        <Decision
          plan={shown}
          heading={active ? 'What if: the decision in full' : 'The decision in full'}
        />
      )}
      {base && <RunCard request={request} />}
      <ReplayCard whatIf={active} />
    </section>
  );
}

function WhatIfCard(props: {
  providers: Array<{ id: string; name: string }>;
  saved: Readonly<Record<string, number>>;
  whatIf: WhatIfForm;
  onChange(next: WhatIfForm): void;
  active: boolean;
}) {
  const { whatIf } = props;
  const budgetInvalid = whatIf.budget.trim() !== '' && parseUsd(whatIf.budget) === undefined;
  return (
    <details class="card" open={props.active}>
      <summary>
        <strong>What if…</strong>{' '}
        <span class="muted small">
          change priorities, the preset or the budget here — your saved settings stay as they are
        </span>
      </summary>
      <div class="stack" style={{ marginTop: '12px' }}>
        <div class="card-grid">
          <label class="field">
            Preset for every request
            <select
              value={whatIf.preset}
              onChange={(event) =>
                props.onChange({ ...whatIf, preset: event.currentTarget.value as Preset | '' })
              }
            >
              <option value="">As the request and your settings say</option>
              {PRESETS.map((preset) => (
                <option key={preset} value={preset}>
                  {PRESET_LABELS[preset]}
                </option>
              ))}
            </select>
          </label>
          <NumberField
            label="Budget left (USD)"
            value={whatIf.budget}
            onInput={(budget) => props.onChange({ ...whatIf, budget })}
            min="0"
            step="0.01"
            invalid={budgetInvalid}
            hint="Empty: what your budgets have left now."
          />
        </div>
        {props.providers.length > 0 && (
          <table>
            <caption class="visually-hidden">What-if priorities</caption>
            <tbody>
              {props.providers.map((provider) => {
                const savedValue = props.saved[provider.id] ?? DEFAULT_PROVIDER_PRIORITY;
                const value = whatIf.priorities[provider.id] ?? savedValue;
                return (
                  <tr key={provider.id}>
                    <th scope="row" class="plain-header" style={{ width: '180px' }}>
                      <label for={`whatif-${provider.id}`}>{provider.name}</label>
                    </th>
                    <td>
                      <input
                        id={`whatif-${provider.id}`}
                        type="range"
                        min="0"
                        max="100"
                        step="5"
                        value={value}
                        aria-valuetext={`priority ${value}`}
                        style={{ width: '100%' }}
                        onInput={(event) =>
                          props.onChange({
                            ...whatIf,
                            priorities: {
                              ...whatIf.priorities,
                              [provider.id]: Number(event.currentTarget.value),
                            },
                          })
                        }
                      />
                    </td>
                    <td class="num mono" style={{ width: '90px' }}>
                      {value}
                      {value !== savedValue && <span class="muted"> ({savedValue})</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {props.active && (
          <div>
            <button
              type="button"
              onClick={() => props.onChange({ priorities: {}, preset: '', budget: '' })}
            >
              Back to my settings
            </button>
          </div>
        )}
      </div>
    </details>
  );
}

function chainOf(plan: RoutePlan): string[] {
  return plan.chain.map(({ model }) => `${model.provider}/${model.id}`);
}

function Summary(props: { title: string; plan: RoutePlan; against?: RoutePlan }) {
  const { plan, against } = props;
  const chosen = plan.chain[0]!;
  const chainChanged = against && chainOf(against).join() !== chainOf(plan).join();
  const cost = plan.explanation.expectedCostUsd ?? 0;
  const before = against?.explanation.expectedCostUsd ?? 0;
  return (
    <div class="card stack tight">
      <h3>{props.title}</h3>
      <div>
        <strong>{chosen.model.name}</strong>{' '}
        <span class="muted small">({chosen.model.provider})</span>
        {against && chosen.model.id !== against.chain[0]!.model.id && (
          <span class="badge warn"> changed</span>
        )}
      </div>
      <div class="small">
        Expected cost {formatUsd(cost)}
        {against && cost !== before && (
          <span class="muted">
            {' '}
            ({cost > before ? '+' : '−'}
            {formatUsd(Math.abs(cost - before))})
          </span>
        )}
      </div>
      <div class="small">
        Chain: {plan.chain.map(({ model }) => model.id).join(' → ')}
        {chainChanged && <span class="badge"> new order</span>}
      </div>
    </div>
  );
}

function Decision(props: { plan: PlannedRoute; heading: string }) {
  const { explanation } = props.plan;
  const { analysis, candidates, ruledOut, expectedCostUsd, split } = explanation;
  const learning = describeLearning(explanation);
  const chainKeys = new Set(chainOf(props.plan));
  const chosen = props.plan.chain[0]!;
  return (
    <div class="stack">
      <div class="card stack">
        <div class="spread">
          <h3>
            {props.heading}: {chosen.model.name}{' '}
            <span class="muted small">({chosen.model.provider})</span>
          </h3>
          <span class="badge accent">score {chosen.finalScore.toFixed(3)}</span>
        </div>
        <div class="row small">
          <span class="badge">
            task: {analysis.task}
            {analysis.taskInferred ? ' (inferred)' : ''}
          </span>
          <span class="badge">difficulty {analysis.difficulty.toFixed(2)}</span>
          <span class="badge">~{analysis.inputTokens} tokens in</span>
          <span class="badge">~{analysis.expectedOutputTokens} tokens out</span>
          <span class="badge">expected cost {formatUsd(expectedCostUsd ?? 0)}</span>
          <span class="badge">
            weights: cost {split.cost.toFixed(2)} · quality {split.quality.toFixed(2)} · latency{' '}
            {split.latency.toFixed(2)}
          </span>
        </div>
        {analysis.signals.length > 0 && (
          <div class="small muted">Noticed: {analysis.signals.join(' · ')}</div>
        )}
        {learning && <p class="small learning-note">{learning}</p>}
        {props.plan.passes && <p class="small passes-note">{props.plan.passes}</p>}
        <div class="small">
          <strong>Fallback chain:</strong>{' '}
          {props.plan.chain.map(({ model }, index) => (
            <span key={`${model.provider}/${model.id}`}>
              {index > 0 && ' → '}
              {model.id}
            </span>
          ))}
        </div>
      </div>
      <div class="card">
        <h3 style={{ marginBottom: '8px' }}>Candidates</h3>
        <div class="table-scroll cards-when-narrow">
          <table class="candidates">
            <caption class="visually-hidden">Candidates by final score</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  #
                </th>
                <th scope="col">Model</th>
                <th scope="col" class="num">
                  Base
                </th>
                <th scope="col" class="num">
                  × Priority
                </th>
                <th scope="col" class="num">
                  Final
                </th>
                <th scope="col" class="num">
                  Cost
                </th>
                <th scope="col" class="num">
                  Latency
                </th>
              </tr>
            </thead>
            {candidates.slice(0, 25).map((candidate) => (
              <CandidateRow
                key={`${candidate.model.provider}/${candidate.model.id}`}
                candidate={candidate}
                explanation={explanation}
                inChain={chainKeys.has(`${candidate.model.provider}/${candidate.model.id}`)}
              />
            ))}
          </table>
        </div>
        {candidates.length > 25 && <p class="muted small">…and {candidates.length - 25} more.</p>}
      </div>
      {ruledOut.length > 0 && (
        <details class="card">
          <summary>
            <strong>Ruled out ({ruledOut.length})</strong>
          </summary>
          <table style={{ marginTop: '8px' }}>
            <caption class="visually-hidden">Models ruled out, with why</caption>
            <tbody>
              {ruledOut.map(({ model, reason }) => (
                <tr key={`${model.provider}/${model.id}`}>
                  <td>
                    {model.id} <span class="muted small">{model.provider}</span>
                  </td>
                  <td class="small">{reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}

function CandidateRow(props: {
  candidate: CandidateScore;
  explanation: RoutePlan['explanation'];
  inChain: boolean;
}) {
  const { candidate } = props;
  const [open, setOpen] = useState(false);
  const id = `candidate-${candidate.model.provider}-${candidate.model.id}`.replace(/[^\w-]/g, '-');
  const largest = Math.max(
    ...CRITERIA.map((criterion) => candidate.contributions[criterion]),
    1e-9,
  );
  return (
    <tbody>
      <tr>
        <td class="num cell-rank">{candidate.rank}</td>
        <td class="cell-model">
          <button
            type="button"
            class="link disclosure"
            aria-expanded={open}
            aria-controls={id}
            onClick={() => setOpen(!open)}
          >
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {candidate.model.id}
          </button>{' '}
          {props.inChain && <span class="badge ok">chain</span>}
          <div class="muted small">{candidate.model.provider}</div>
        </td>
        <td class="num cell-base" data-label="Base">
          {candidate.baseScore.toFixed(3)}
        </td>
        <td class="num cell-priority" data-label="× Priority">
          {candidate.priorityMultiplier.toFixed(2)}
        </td>
        <td class="num cell-final" data-label="Final">
          <strong>{candidate.finalScore.toFixed(3)}</strong>
        </td>
        <td class="num cell-cost" data-label="Cost">
          {formatUsd(candidate.expectedCostUsd)}
        </td>
        <td class="num cell-latency" data-label="Latency">
          {formatMs(candidate.expectedLatencyMs)}
        </td>
      </tr>
      {open && (
        <tr class="log-details">
          <td colSpan={7} id={id}>
            <p class="small candidate-why">
              <strong>Why:</strong> {describeCandidate(candidate, props.explanation).join(' · ')}
            </p>
            <table class="contributions small">
              <caption class="visually-hidden">
                What each criterion added to {candidate.model.id}'s base score
              </caption>
              <tbody>
                {CRITERIA.map((criterion: Criterion) => {
                  const value = candidate.contributions[criterion];
                  return (
                    <tr key={criterion}>
                      <th scope="row" class="plain-header small">
                        {CRITERION_LABELS[criterion]}
                      </th>
                      <td class="num" style={{ width: '70px' }}>
                        {value.toFixed(3)}
                      </td>
                      <td style={{ width: '50%' }}>
                        <span
                          class="bar"
                          style={{ width: `${Math.max(0, (value / largest) * 100)}%` }}
                        />
                      </td>
                    </tr>
                  );
                })}
                <tr>
                  <th scope="row" class="plain-header small">
                    Base score (sum)
                  </th>
                  <td class="num">{candidate.baseScore.toFixed(3)}</td>
                  <td class="muted">
                    × priority {candidate.priorityMultiplier.toFixed(2)} ={' '}
                    {candidate.finalScore.toFixed(3)}
                  </td>
                </tr>
              </tbody>
            </table>
          </td>
        </tr>
      )}
    </tbody>
  );
}

type RunState =
  | { kind: 'idle' }
  | { kind: 'running'; text: string; notes: string[] }
  | { kind: 'done'; text: string; notes: string[]; result: LlmResult }
  | { kind: 'failed'; text: string; notes: string[]; message: string; attempts?: Attempt[] };

function RunCard(props: { request: LlmRequest }) {
  const [state, setState] = useState<RunState>({ kind: 'idle' });
  const port = useRef<ReturnType<typeof browser.runtime.connect> | undefined>(undefined);
  useEffect(() => () => port.current?.disconnect(), []);

  function run() {
    port.current?.disconnect();
    const connection = browser.runtime.connect({ name: PLAYGROUND_PORT_NAME });
    port.current = connection;
    let text = '';
    const notes: string[] = [];
    setState({ kind: 'running', text, notes });
    connection.onMessage.addListener((message: unknown) => {
      const received = message as PlaygroundMessage;
      if (received.type === 'part') {
        const { part } = received;
        if (part.type === 'text-delta') text += part.delta;
        if (part.type === 'start') notes.push(`Asking ${part.model.provider}/${part.model.id}…`);
        if (part.type === 'fallback') {
          notes.push(`${part.from.id} failed (${part.reason}); trying ${part.to.id}.`);
        }
        setState({ kind: 'running', text, notes: [...notes] });
      } else if (received.type === 'done') {
        setState({ kind: 'done', text: received.result.text, notes, result: received.result });
        connection.disconnect();
      } else {
        setState({
          kind: 'failed',
          text,
          notes,
          message: forPerson(received.error.message),
          ...(received.error.attempts && { attempts: received.error.attempts }),
        });
        connection.disconnect();
      }
    });
    connection.postMessage({ request: props.request });
  }

  function stop() {
    port.current?.disconnect();
    port.current = undefined;
    if (state.kind === 'running') {
      setState({ ...state, kind: 'failed', message: 'Stopped.' });
    }
  }

  return (
    <div class="card stack">
      <div class="spread">
        <div>
          <h3>Run it</h3>
          <p class="muted small">
            Sends the request with your saved settings (not the what-if), charges your budget and
            shows under Usage.
          </p>
        </div>
        {state.kind === 'running' ? (
          <button type="button" onClick={stop}>
            Stop
          </button>
        ) : (
          <button type="button" class="primary" onClick={run}>
            Run
          </button>
        )}
      </div>
      {state.kind !== 'idle' && (
        <div class="stack tight" aria-live="polite">
          {state.notes.map((note) => (
            <div key={note} class="muted small">
              {note}
            </div>
          ))}
          <pre class="kept-text answer">{state.text || (state.kind === 'running' ? '…' : '')}</pre>
          {state.kind === 'done' && (
            <>
              <div class="small">
                Answered by <strong>{state.result.model.id}</strong> ({state.result.model.provider})
                in {formatMs(state.result.latencyMs)} ·{' '}
                {formatCount(state.result.usage.inputTokens)} /{' '}
                {formatCount(state.result.usage.outputTokens)} tokens ·{' '}
                {state.result.cached ? 'from the cache, free' : formatUsd(state.result.costUsd)}
              </div>
              <Attempts attempts={state.result.attempts} />
            </>
          )}
          {state.kind === 'failed' && (
            <>
              <div class="notice danger" role="alert">
                {state.message}
              </div>
              {state.attempts && <Attempts attempts={state.attempts} />}
            </>
          )}
        </div>
      )}
    </div>
  );
}

function Attempts(props: { attempts: readonly Attempt[] }) {
  if (props.attempts.length === 0) return null;
  return (
    <ol class="attempts small" aria-label="Attempts">
      {props.attempts.map((attempt, index) => (
        <li key={`${attempt.model.provider}/${attempt.model.id}/${index}`}>
          <span class="mono">
            {attempt.model.provider}/{attempt.model.id}
          </span>{' '}
          <span
            class={`badge ${attempt.outcome === 'ok' ? 'ok' : attempt.outcome === 'skipped' ? '' : 'danger'}`}
          >
            {attempt.outcome}
          </span>{' '}
          {formatMs(attempt.durationMs)} · {formatUsd(attempt.costUsd)}
          {attempt.error && <div class="muted">{attempt.error}</div>}
        </li>
      ))}
    </ol>
  );
}

function ReplayCard(props: { whatIf: PlaygroundWhatIf | undefined }) {
  const [result, setResult] = useState<ReplayResult>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  async function replay() {
    setBusy(true);
    setProblem(undefined);
    try {
      setResult(
        await uiCall('replayRequests', { whatIf: props.whatIf ?? {}, limit: REPLAY_LIMIT }),
      );
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const mix = useMemo(() => {
    if (!result) return [];
    const counts = new Map<string, { before: number; after: number }>();
    const bump = (key: string, field: 'before' | 'after') => {
      const entry = counts.get(key) ?? { before: 0, after: 0 };
      entry[field]++;
      counts.set(key, entry);
    };
    for (const line of result.lines) {
      bump(
        line.actual.model ? `${line.actual.model.provider}/${line.actual.model.id}` : 'no model',
        'before',
      );
      bump(
        line.replayed ? `${line.replayed.model.provider}/${line.replayed.model.id}` : 'no model',
        'after',
      );
    }
    return [...counts].sort((a, b) => b[1].before + b[1].after - (a[1].before + a[1].after));
  }, [result]);
  const thenCost = result?.lines.reduce((sum, line) => sum + line.actual.costUsd, 0) ?? 0;
  const nowCost = result?.lines.reduce((sum, line) => sum + (line.replayed?.costUsd ?? 0), 0) ?? 0;

  return (
    <div class="card stack">
      <div class="spread">
        <div>
          <h3>Replay what sites asked</h3>
          <p class="muted small">
            Routes the last {REPLAY_LIMIT} requests whose text the log kept again
            {props.whatIf ? ' under the what-if above' : ' under your settings'}, and compares the
            models and the cost (at the same tokens) with what happened. Nothing is sent.
          </p>
        </div>
        <button type="button" disabled={busy} onClick={() => void replay()}>
          {busy ? 'Replaying…' : 'Replay'}
        </button>
      </div>
      {problem && (
        <div class="notice danger" role="alert">
          {problem}
        </div>
      )}
      {result && result.lines.length === 0 && (
        <EmptyState title="No request to replay">
          {result.withoutText > 0
            ? `${formatCount(result.withoutText)} recent requests have no kept text. `
            : ''}
          Turn on “Keep what sites ask” under Budgets &amp; privacy; requests from then on can be
          replayed here.
        </EmptyState>
      )}
      {result && result.lines.length > 0 && (
        <div class="stack" role="status">
          <p>
            {formatCount(result.lines.length)} requests: then {formatUsd(thenCost)}, now{' '}
            <strong>{formatUsd(nowCost)}</strong>
            {result.withoutText > 0 && (
              <span class="muted small">
                {' '}
                ({formatCount(result.withoutText)} without kept text left out)
              </span>
            )}
          </p>
          <table>
            <caption class="visually-hidden">Model mix, then and now</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" class="num">
                  Then
                </th>
                <th scope="col" class="num">
                  Now
                </th>
              </tr>
            </thead>
            <tbody>
              {mix.map(([key, counts]) => (
                <tr key={key}>
                  <td class="mono">{key}</td>
                  <td class="num">{counts.before}</td>
                  <td class="num">{counts.after}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
