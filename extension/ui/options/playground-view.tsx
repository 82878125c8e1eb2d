/**
 * The playground: write a request as a site would, and see how the router decides — what it
 * understood, every candidate's score and where it came from, the fallback chain, and why each
 * other model was ruled out. No model is called.
 */
import { useState } from 'preact/hooks';
import type { Criterion } from '../../../src/catalog/catalog-types';
import {
  CAPABILITIES,
  type Capability,
  type LlmRequest,
  PRESETS,
  PRIVACY_LEVELS,
  QUALITY_HINTS,
  SPEED_HINTS,
  TASK_TYPES,
} from '../../../src/protocol/llm-request';
import type { CandidateScore, RoutePlan } from '../../../src/router/router-types';
import type { Overview } from '../../messaging/ui-channel';
import { formatMs, formatUsd } from '../components/format';
import { uiCall } from '../components/ui-client';
import { EmptyState, NumberField } from '../components/ui-kit';

const EXAMPLE = 'Write a Python function that merges two sorted lists in linear time, with tests.';

const CRITERION_LABELS: Record<Criterion, string> = {
  latency: 'latency',
  throughput: 'throughput',
  tokensPerSecond: 'tokens/s',
  accuracy: 'accuracy',
  overallQuality: 'overall quality',
  instructionFollowing: 'instruction following',
  coding: 'coding',
  reasoning: 'reasoning',
  math: 'math',
  creativeWriting: 'creative writing',
  costEfficiency: 'cost efficiency',
  contextLength: 'context length',
  outputLength: 'output length',
  reliability: 'reliability',
  privacy: 'privacy',
  multilingual: 'multilingual',
};

function topCriteria(candidate: CandidateScore): string {
  return (Object.entries(candidate.contributions) as Array<[Criterion, number]>)
    .filter(([, value]) => value > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([criterion, value]) => `${CRITERION_LABELS[criterion]} ${value.toFixed(2)}`)
    .join(' · ');
}

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

function Select(props: {
  label: string;
  value: string;
  options: readonly string[];
  onChange(value: string): void;
}) {
  return (
    <label class="field">
      {props.label}
      <select value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        <option value="">{props.label === 'Task' ? 'infer from the text' : 'not set'}</option>
        {props.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}

function Decision(props: { plan: RoutePlan }) {
  const { analysis, candidates, ruledOut, expectedCostUsd, split } = props.plan.explanation;
  const chainKeys = new Set(props.plan.chain.map(({ model }) => `${model.provider}/${model.id}`));
  const chosen = props.plan.chain[0]!;
  return (
    <div class="stack" aria-live="polite">
      <div class="card stack">
        <div class="spread">
          <h3>
            Chosen: {chosen.model.name} <span class="muted small">({chosen.model.provider})</span>
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
        <table>
          <thead>
            <tr>
              <th class="num">#</th>
              <th>Model</th>
              <th class="num">Base</th>
              <th class="num">× Priority</th>
              <th class="num">Final</th>
              <th class="num">Cost</th>
              <th class="num">Latency</th>
              <th>Largest contributions</th>
            </tr>
          </thead>
          <tbody>
            {candidates.slice(0, 25).map((candidate) => (
              <tr key={`${candidate.model.provider}/${candidate.model.id}`}>
                <td class="num">{candidate.rank}</td>
                <td>
                  <div>
                    {candidate.model.id}{' '}
                    {chainKeys.has(`${candidate.model.provider}/${candidate.model.id}`) && (
                      <span class="badge ok">chain</span>
                    )}
                  </div>
                  <div class="muted small">{candidate.model.provider}</div>
                </td>
                <td class="num">{candidate.baseScore.toFixed(3)}</td>
                <td class="num">{candidate.priorityMultiplier.toFixed(2)}</td>
                <td class="num">
                  <strong>{candidate.finalScore.toFixed(3)}</strong>
                </td>
                <td class="num">{formatUsd(candidate.expectedCostUsd)}</td>
                <td class="num">{formatMs(candidate.expectedLatencyMs)}</td>
                <td class="small muted">{topCriteria(candidate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {candidates.length > 25 && <p class="muted small">…and {candidates.length - 25} more.</p>}
      </div>
      {ruledOut.length > 0 && (
        <details class="card">
          <summary>
            <strong>Ruled out ({ruledOut.length})</strong>
          </summary>
          <table style={{ marginTop: '8px' }}>
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

export function PlaygroundView(props: { overview: Overview }) {
  const configured = props.overview.providers.some((provider) => provider.account);
  const [form, setForm] = useState<Form>({
    prompt: EXAMPLE,
    task: '',
    quality: '',
    speed: '',
    preset: '',
    privacy: '',
    maxCostUsd: '',
    maxLatencyMs: '',
    capabilities: [],
  });
  const [everyProvider, setEveryProvider] = useState(!configured);
  const [plan, setPlan] = useState<RoutePlan>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const set = (changes: Partial<Form>) => setForm({ ...form, ...changes });

  async function decide(event?: Event) {
    event?.preventDefault();
    if (form.prompt.trim() === '') return;
    setBusy(true);
    setProblem(undefined);
    try {
      setPlan(await uiCall('explainRoute', { request: toRequest(form), everyProvider }));
    } catch (error) {
      setPlan(undefined);
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="stack" aria-labelledby="playground-title">
      <div>
        <h2 id="playground-title" class="page-title">
          Playground
        </h2>
        <p class="page-lead">
          Write a request as a site would, and see how the router decides. No model is called.
        </p>
      </div>
      <form
        class="card stack"
        onSubmit={decide}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void decide(event);
        }}
      >
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
            onChange={(task) => set({ task })}
          />
          <Select
            label="Quality"
            value={form.quality}
            options={QUALITY_HINTS}
            onChange={(quality) => set({ quality })}
          />
          <Select
            label="Speed"
            value={form.speed}
            options={SPEED_HINTS}
            onChange={(speed) => set({ speed })}
          />
          <Select
            label="Preset"
            value={form.preset}
            options={PRESETS}
            onChange={(preset) => set({ preset })}
          />
          <Select
            label="Privacy"
            value={form.privacy}
            options={PRIVACY_LEVELS}
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
        <fieldset class="row" style={{ border: 'none', padding: '0', margin: '0' }}>
          <legend class="small muted" style={{ marginBottom: '4px' }}>
            Needs
          </legend>
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
        <div class="spread">
          <label class="row small">
            <input
              type="checkbox"
              checked={everyProvider}
              onChange={(event) => setEveryProvider(event.currentTarget.checked)}
            />
            Count providers without a key as set up
          </label>
          <button type="submit" class="primary" disabled={busy || form.prompt.trim() === ''}>
            {busy ? 'Routing…' : 'Route (Ctrl+Enter)'}
          </button>
        </div>
      </form>
      {problem && (
        <div class="notice danger" role="alert">
          {problem}
        </div>
      )}
      {!plan && !problem && (
        <div class="card">
          <EmptyState title="See a decision">
            Press Route to see which model would answer, the score of every candidate and why others
            were ruled out.
            {!configured && ' You have no provider yet, so every provider counts as set up.'}
          </EmptyState>
        </div>
      )}
      {plan && <Decision plan={plan} />}
    </section>
  );
}
