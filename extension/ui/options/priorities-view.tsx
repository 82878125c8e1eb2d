import { useRef, useState } from 'preact/hooks';
import { WEBLLM_PROVIDER_ID } from '../../../src/local/webllm-models';
import {
  PRESETS,
  type Preset,
  QUALITY_HINTS,
  type QualityHint,
  SPEED_HINTS,
  type SpeedHint,
  TASK_TYPES,
  type TaskType,
} from '../../../src/protocol/llm-request';
import { DEFAULT_PROVIDER_PRIORITY } from '../../../src/storage/storage-settings';
import type { Overview } from '../../messaging/ui-channel';
import { uiCall } from '../components/ui-client';
import { EmptyState, useToast } from '../components/ui-kit';
import { moveProvider, type RankedProvider, rankProviders, setPriority } from './provider-ranking';

export const PRESET_LABELS: Record<Preset, string> = {
  economy: 'Economy — cheapest that will do',
  balanced: 'Balanced',
  quality: 'Quality — best answers',
  fast: 'Fast — quickest answers',
};

export const TASK_LABELS: Record<TaskType, string> = {
  coding: 'Coding',
  creative: 'Creative writing',
  summarization: 'Summaries',
  qa: 'Questions & answers',
  educational: 'Explaining & teaching',
  general: 'General chat',
  extraction: 'Extracting data',
  classification: 'Classifying',
  translation: 'Translation',
  reasoning: 'Reasoning & math',
};

const QUALITY_LABELS: Record<QualityHint, string> = {
  low: 'Low — good enough',
  medium: 'Medium',
  high: 'High',
  best: 'Best available',
};

const SPEED_LABELS: Record<SpeedHint, string> = {
  fastest: 'Fastest',
  fast: 'Fast',
  normal: 'Normal',
  any: 'Any — speed does not matter',
};

/** Which providers are preferred, and what a request that says nothing about quality gets. */
export function PrioritiesView(props: { overview: Overview; reload(): Promise<void> }) {
  const { settings, providers } = props.overview;
  const toast = useToast();
  const configured = providers.filter((provider) => provider.account).map(({ id }) => id);
  // Downloaded models in this browser rank like a provider.
  if (props.overview.browserModelsInstalled > 0) configured.push(WEBLLM_PROVIDER_ID);
  const names = new Map(providers.map((provider) => [provider.id, provider.name]));
  names.set(WEBLLM_PROVIDER_ID, 'Models in this browser');
  const [list, setList] = useState<RankedProvider[]>(() =>
    rankProviders(
      configured,
      settings.providerPriorities,
      settings.providerOrder,
      DEFAULT_PROVIDER_PRIORITY,
    ),
  );
  const [presets, setPresets] = useState(settings.taskPresets);
  const [cascade, setCascade] = useState(new Set(settings.cascadeTasks));
  const [verify, setVerify] = useState(settings.verifyCheapAnswers);
  const [quality, setQuality] = useState<QualityHint | null>(settings.defaultQuality);
  const [speed, setSpeed] = useState<SpeedHint | null>(settings.defaultSpeed);
  const [saving, setSaving] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const dragged = useRef<number | null>(null);
  const handles = useRef(new Map<string, HTMLButtonElement>());

  /** A priority as it is being set, in place: the list re-sorts when it is set (`setPriority`). */
  function showPriority(id: string, priority: number) {
    setList(list.map((item) => (item.id === id ? { ...item, priority } : item)));
  }

  function move(from: number, to: number) {
    if (to < 0 || to >= list.length) return;
    const next = moveProvider(list, from, to);
    const moved = next[to]!;
    setList(next);
    setAnnouncement(
      `${names.get(moved.id)} moved to position ${to + 1} of ${next.length}, priority ${moved.priority}.`,
    );
    // The handle keeps focus as its row moves, so arrow keys can go on moving it.
    requestAnimationFrame(() => handles.current.get(moved.id)?.focus());
  }

  function onHandleKey(event: KeyboardEvent, index: number) {
    const target = {
      ArrowUp: index - 1,
      ArrowDown: index + 1,
      Home: 0,
      End: list.length - 1,
    }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    move(index, target);
  }

  async function save(event: Event) {
    event.preventDefault();
    setSaving(true);
    try {
      await uiCall('saveSettings', {
        providerPriorities: {
          ...settings.providerPriorities,
          ...Object.fromEntries(list.map((entry) => [entry.id, entry.priority])),
        },
        providerOrder: list.map((entry) => entry.id),
        taskPresets: presets,
        cascadeTasks: TASK_TYPES.filter((task) => cascade.has(task)),
        verifyCheapAnswers: verify,
        defaultQuality: quality,
        defaultSpeed: speed,
      });
      toast('Priorities saved.');
      await props.reload();
    } catch (error) {
      toast(`Could not save: ${(error as Error).message}`, { tone: 'danger' });
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="stack" onSubmit={save} aria-labelledby="priorities-title">
      <div>
        <h2 id="priorities-title" class="page-title">
          Priorities
        </h2>
        <p class="page-lead">
          Which providers you prefer, and what a request gets when the site does not say.
        </p>
      </div>

      <div class="card stack">
        <h3>Providers, most preferred first</h3>
        <p class="muted small">
          Each model's score is multiplied by its provider's priority: 100 keeps it as it is, 0
          never uses it. Drag a provider, or focus its handle and use the arrow keys, to move it; it
          takes a priority between those of its new neighbours.
        </p>
        {list.length === 0 ? (
          <EmptyState title="No providers yet">
            Add a provider under Providers; it will show here to rank.
          </EmptyState>
        ) : (
          <ol class="ranking">
            {list.map((entry, index) => (
              <li
                key={entry.id}
                class="ranking-row"
                onDragOver={(event) => {
                  event.preventDefault();
                  if (event.dataTransfer) event.dataTransfer.dropEffect = 'move';
                }}
                onDrop={(event) => {
                  event.preventDefault();
                  if (dragged.current !== null) move(dragged.current, index);
                  dragged.current = null;
                }}
              >
                <button
                  type="button"
                  class="ghost handle"
                  draggable
                  ref={(element) => {
                    if (element) handles.current.set(entry.id, element);
                  }}
                  aria-label={`Move ${names.get(entry.id)}, position ${index + 1} of ${list.length}`}
                  aria-describedby="ranking-keys"
                  onDragStart={(event) => {
                    dragged.current = index;
                    event.dataTransfer?.setData('text/plain', entry.id);
                  }}
                  onKeyDown={(event) => onHandleKey(event, index)}
                >
                  <span aria-hidden="true">⠿</span>
                </button>
                <span class="ranking-position" aria-hidden="true">
                  {index + 1}
                </span>
                <label class="ranking-name" for={`priority-${entry.id}`}>
                  {names.get(entry.id)}
                </label>
                <input
                  id={`priority-${entry.id}`}
                  type="range"
                  min="0"
                  max="100"
                  step="1"
                  value={entry.priority}
                  aria-valuetext={`priority ${entry.priority}`}
                  onInput={(event) => showPriority(entry.id, Number(event.currentTarget.value))}
                  onChange={(event) =>
                    setList(setPriority(list, entry.id, Number(event.currentTarget.value)))
                  }
                />
                <input
                  type="number"
                  class="ranking-number"
                  min="0"
                  max="100"
                  step="1"
                  value={entry.priority}
                  aria-label={`${names.get(entry.id)} priority`}
                  // What is typed is kept as it is typed (a reload of the page's data while the
                  // field has focus must not put the old number back); the list re-sorts when the
                  // field is left.
                  onInput={(event) => {
                    const typed = event.currentTarget.value;
                    const value = Number(typed);
                    if (typed !== '' && Number.isInteger(value) && value >= 0 && value <= 100) {
                      showPriority(entry.id, value);
                    }
                  }}
                  onChange={(event) => {
                    const value = Math.round(Number(event.currentTarget.value));
                    if (Number.isFinite(value) && value >= 0 && value <= 100) {
                      setList(setPriority(list, entry.id, value));
                    }
                  }}
                />
              </li>
            ))}
          </ol>
        )}
        <p id="ranking-keys" class="visually-hidden">
          Arrow up and down move the provider one place; Home and End to the top and bottom.
        </p>
        <p class="visually-hidden" aria-live="polite">
          {announcement}
        </p>
      </div>

      <div class="card stack">
        <h3>When a site gives no hints</h3>
        <p class="muted small">
          Sites may say how much quality or speed a request needs, or name a preset; when they do
          not, these apply. The task is the site's, or the one LLM Broker recognizes in the request.
          With <em>cheapest model first</em>, a model in this browser or another cheap one answers
          first, and the request goes on to the chosen model only when that answer is empty, cut
          off, a refusal, broken JSON, or — for short answers — disputed by a second cheap model.
        </p>
        <div class="card-grid">
          <label class="field">
            Quality
            <select
              value={quality ?? ''}
              onChange={(event) =>
                setQuality((event.currentTarget.value || null) as QualityHint | null)
              }
            >
              <option value="">As the task needs</option>
              {QUALITY_HINTS.map((hint) => (
                <option key={hint} value={hint}>
                  {QUALITY_LABELS[hint]}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            Speed
            <select
              value={speed ?? ''}
              onChange={(event) =>
                setSpeed((event.currentTarget.value || null) as SpeedHint | null)
              }
            >
              <option value="">As the task needs</option>
              {SPEED_HINTS.map((hint) => (
                <option key={hint} value={hint}>
                  {SPEED_LABELS[hint]}
                </option>
              ))}
            </select>
          </label>
        </div>
        <table>
          <caption class="visually-hidden">Preset and first pass per task</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Preset</th>
              <th scope="col">
                <span id="cascade-column">Cheapest model first</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {TASK_TYPES.map((task) => (
              <tr key={task}>
                <th scope="row" class="plain-header">
                  <label for={`preset-${task}`}>{TASK_LABELS[task]}</label>
                </th>
                <td>
                  <select
                    id={`preset-${task}`}
                    value={presets[task] ?? ''}
                    onChange={(event) => {
                      const value = event.currentTarget.value as Preset | '';
                      const next = { ...presets };
                      if (value) next[task] = value;
                      else delete next[task];
                      setPresets(next);
                    }}
                  >
                    <option value="">The task's own balance</option>
                    {PRESETS.map((preset) => (
                      <option key={preset} value={preset}>
                        {PRESET_LABELS[preset]}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input
                    type="checkbox"
                    id={`cascade-${task}`}
                    aria-label={`${TASK_LABELS[task]}: cheapest model first`}
                    checked={cascade.has(task)}
                    onChange={(event) => {
                      const next = new Set(cascade);
                      if (event.currentTarget.checked) next.add(task);
                      else next.delete(task);
                      setCascade(next);
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            aria-checked={verify}
            aria-describedby="verify-help"
            checked={verify}
            onChange={(event) => setVerify(event.currentTarget.checked)}
          />
          Check cheap short answers with a second opinion
        </label>
        <p id="verify-help" class="muted small">
          When LLM Broker chooses a cheap model for a short answer (a classification, an extraction,
          a question, a reasoning step), a second cheap model of another family answers too. If the
          two agree, you get the first answer; if not, the strongest model of the chain answers
          instead. Both answer at the same time, so a checked answer takes as long as the slower of
          the two; each one costs one more cheap call.
        </p>
      </div>

      <div class="row">
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save priorities'}
        </button>
      </div>
    </form>
  );
}
