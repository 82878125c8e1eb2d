/**
 * Settings → Models in this browser: what this device can run (WebGPU adapter, which models fit
 * and why not), downloads with progress and cancel, delete, and the space the files take
 * (docs/local-models.md). Progress comes straight from the model host's broadcast events.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { DownloadState } from '../../../src/local/local-model-host';
import { BUILTIN_MODEL_ID, findWebLlmModel } from '../../../src/local/webllm-models';
import type { BrowserModelsView, BrowserModelView } from '../../background/browser-models';
import { OFFSCREEN_EVENTS, type OffscreenEvent } from '../../messaging/offscreen-channel';
import { browser } from '../../platform/browser-api';
import { uiCall } from '../components/ui-client';
import { ConfirmDialog, useLoader, useToast } from '../components/ui-kit';

function size(megabytes: number): string {
  return megabytes >= 1000 ? `${(megabytes / 1000).toFixed(1)} GB` : `${Math.round(megabytes)} MB`;
}

function bytes(count: number): string {
  return count < 1e6 ? `${Math.ceil(count / 1e3)} kB` : size(count / 1e6);
}

/** Download events of the model host, as they happen. */
function useDownloadEvents(onEvent: (state: DownloadState) => void): void {
  useEffect(() => {
    const listener = (message: unknown) => {
      const event = message as Partial<OffscreenEvent> | undefined;
      if (event?.channel === OFFSCREEN_EVENTS && event.download) onEvent(event.download);
      return undefined;
    };
    browser.runtime.onMessage.addListener(listener);
    return () => browser.runtime.onMessage.removeListener(listener);
  }, [onEvent]);
}

function DeviceCard(props: { view: BrowserModelsView; onCheckAgain(): void }) {
  const { status, cacheBytes } = props.view;
  const adapter = status.adapter;
  return (
    <section class="card stack" aria-labelledby="device-title">
      <div class="spread">
        <h3 id="device-title">This device</h3>
        {status.webgpu === 'available' ? (
          <span class="badge ok">WebGPU available</span>
        ) : (
          <span class="badge warn">No WebGPU</span>
        )}
      </div>
      {status.webgpu === 'unavailable' && (
        <p class="small" id="browser-models-reason">
          {status.reason ?? 'Language models cannot run inside this browser.'} Add a key or a local
          server (Ollama, LM Studio) in <a href="#providers">Providers</a> instead.
        </p>
      )}
      {status.unchecked && (
        <div class="row">
          <button type="button" onClick={props.onCheckAgain}>
            Check again
          </button>
        </div>
      )}
      {adapter && (
        <p class="muted small" id="browser-models-adapter">
          {adapter.isFallbackAdapter
            ? 'A software (CPU) adapter: models run on the processor, slowly.'
            : `Graphics chip: ${[adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || 'unknown'}.`}{' '}
          {adapter.shaderF16
            ? '16-bit shaders supported.'
            : 'No 16-bit shaders: the f32 builds run here.'}{' '}
          Largest buffer {adapter.maxBufferSizeMiB} MiB, storage buffers{' '}
          {adapter.maxStorageBufferBindingSizeMiB} MiB
          {adapter.deviceMemoryGiB !== undefined && `, memory ${adapter.deviceMemoryGiB} GB`}.
        </p>
      )}
      {cacheBytes !== undefined && (
        <p class="small" id="browser-models-space">
          Downloaded model files take {bytes(cacheBytes)}.
        </p>
      )}
    </section>
  );
}

const BUILT_IN_LABELS = {
  available: 'Ready',
  downloadable: 'Can be downloaded',
  downloading: 'Downloading',
  unavailable: 'Not on this device',
} as const;

/** The browser's own model (Chrome's Gemini Nano, through the Prompt API). */
function BuiltInCard(props: {
  builtIn: BrowserModelsView['builtIn'];
  download: DownloadState | undefined;
  onDownload(): void;
}) {
  const { builtIn } = props;
  const download = props.download ?? builtIn.download;
  const downloading = download?.phase === 'downloading' || builtIn.availability === 'downloading';
  const tone =
    builtIn.availability === 'available'
      ? 'ok'
      : builtIn.availability === 'unavailable'
        ? 'warn'
        : '';
  return (
    <section class="card stack tight" aria-labelledby="built-in-title" id="built-in-model">
      <div class="spread">
        <h3 id="built-in-title">The browser’s built-in model</h3>
        <span class={`badge ${tone}`}>
          {BUILT_IN_LABELS[downloading ? 'downloading' : builtIn.availability]}
        </span>
      </div>
      <p class="muted small">
        Some browsers come with a small model of their own (Chrome: Gemini Nano). Sites can be
        answered by it like by any other model: on this device, for nothing.
        {builtIn.contextTokens !== undefined &&
          ` It holds ${builtIn.contextTokens.toLocaleString()} tokens of conversation.`}
      </p>
      {builtIn.availability === 'unavailable' && (
        <p class="small">Not available: {builtIn.reason ?? 'the browser offers none'}.</p>
      )}
      {downloading && (
        <div class="stack tight" role="status">
          <progress
            aria-label="The browser is downloading its model"
            max={1}
            value={download?.phase === 'downloading' ? download.progress : undefined}
          />
          <span class="small">
            The browser is downloading its model…
            {download?.phase === 'downloading' && ` ${Math.round(download.progress * 100)}%`}
          </span>
        </div>
      )}
      {download?.phase === 'failed' && (
        <p class="notice danger small" role="alert">
          {download.error}
        </p>
      )}
      {builtIn.availability === 'downloadable' && !downloading && (
        <div class="row">
          <button type="button" onClick={props.onDownload}>
            Download the browser’s model
          </button>
        </div>
      )}
    </section>
  );
}

function FitBadge(props: { model: BrowserModelView }) {
  const { fit } = props.model;
  if (!fit.fits) return <span class="badge warn">Not on this device</span>;
  if (fit.slow) return <span class="badge">Runs slowly here</span>;
  return <span class="badge ok">Fits this device</span>;
}

function ModelRow(props: {
  model: BrowserModelView;
  busy: boolean;
  /** The device card already says why nothing runs here. */
  noDevice: boolean;
  onDownload(): void;
  onCancel(): void;
  onRemove(): void;
}) {
  const { model } = props;
  const { fit, download } = model;
  const titleId = `model-${model.catalogId}`;
  const downloading = download?.phase === 'downloading';
  return (
    <li class="card stack tight" aria-labelledby={titleId} data-model={model.catalogId}>
      <div class="spread">
        <h4 id={titleId}>{model.name}</h4>
        {model.installedBuild ? (
          <span class="badge ok">Downloaded</span>
        ) : (
          <FitBadge model={model} />
        )}
      </div>
      <p class="muted small">
        {model.parametersB.toFixed(1)} billion parameters · {model.contextTokens.toLocaleString()}{' '}
        tokens of context
        {fit.fits &&
          ` · ${fit.build.precision} build, needs about ${size(fit.build.vramMB)} of graphics memory, download about ${size(fit.build.downloadMB)}`}
      </p>
      {!fit.fits && !props.noDevice && <p class="small">Cannot run here: {fit.reason}.</p>}
      {downloading && (
        <div class="stack tight" role="status">
          <progress aria-label={`Downloading ${model.name}`} max={1} value={download.progress} />
          <span class="small">
            Downloading… {Math.round(download.progress * 100)}%
            {download.fetchedMB !== undefined && ` (${size(download.fetchedMB)} fetched)`}
          </span>
        </div>
      )}
      {download?.phase === 'failed' && (
        <p class="notice danger small" role="alert">
          {download.error}
        </p>
      )}
      {download?.phase === 'cancelled' && (
        <p class="muted small">Cancelled. What was downloaded is kept: Download resumes it.</p>
      )}
      <div class="row">
        {downloading ? (
          <button type="button" onClick={props.onCancel}>
            Cancel download
          </button>
        ) : model.installedBuild ? (
          <button type="button" class="danger" onClick={props.onRemove}>
            Delete
          </button>
        ) : (
          <button type="button" disabled={!fit.fits || props.busy} onClick={props.onDownload}>
            {download?.phase === 'failed' ? 'Try again' : 'Download'}
          </button>
        )}
      </div>
    </li>
  );
}

export function BrowserModelsSection() {
  const toast = useToast();
  const load = useCallback(() => uiCall('getBrowserModels', null), []);
  const { data: view, error, reload } = useLoader(load);
  /** The latest download state per model, from events (the loaded view may be older). */
  const [downloads, setDownloads] = useState<Record<string, DownloadState>>({});
  const [removing, setRemoving] = useState<BrowserModelView>();
  const [builtInDownload, setBuiltInDownload] = useState<DownloadState>();

  const downloadBuiltIn = async () => {
    try {
      setBuiltInDownload(await uiCall('downloadBuiltInModel', null));
    } catch (caught) {
      toast(`Could not download the browser’s model: ${(caught as Error).message}`, {
        tone: 'danger',
      });
    }
  };

  const onEvent = useCallback(
    (state: DownloadState) => {
      if (state.buildId === BUILTIN_MODEL_ID) {
        setBuiltInDownload(state);
        if (state.phase === 'done') {
          toast('The browser’s model is ready: sites can be answered by it now.');
          void reload();
        }
        return;
      }
      const catalogId = findWebLlmModel(state.buildId)?.catalogId;
      const model = view?.models.find((entry) => entry.catalogId === catalogId);
      if (!model) return;
      setDownloads((current) => ({ ...current, [model.catalogId]: state }));
      if (state.phase === 'done') {
        toast(`${model.name} is downloaded: sites can be answered by it now.`);
        void reload();
      }
    },
    [view, reload, toast],
  );
  useDownloadEvents(onEvent);
  // A host too busy to answer the first time (the page opened while the machine was loaded) is
  // asked once more by itself; after that, "Check again" does it.
  const [askedAgain, setAskedAgain] = useState(false);
  useEffect(() => {
    if (!view?.status.unchecked || askedAgain) return;
    setAskedAgain(true);
    void reload();
  }, [view, askedAgain, reload]);

  const models = (view?.models ?? []).map((model) => {
    const latest = downloads[model.catalogId] ?? model.download;
    return latest ? { ...model, download: latest } : model;
  });
  const busy = models.some((model) => model.download?.phase === 'downloading');

  const act = async (model: BrowserModelView, action: 'download' | 'cancel' | 'remove') => {
    try {
      if (action === 'download') {
        const state = await uiCall('downloadBrowserModel', { catalogId: model.catalogId });
        setDownloads((current) => ({ ...current, [model.catalogId]: state }));
      } else if (action === 'cancel') {
        await uiCall('cancelBrowserModel', { catalogId: model.catalogId });
      } else {
        await uiCall('removeBrowserModel', { catalogId: model.catalogId });
        setDownloads(({ [model.catalogId]: _, ...rest }) => rest);
        toast(`${model.name} is deleted from this browser.`);
        await reload();
      }
    } catch (caught) {
      toast(`Could not ${action} ${model.name}: ${(caught as Error).message}`, { tone: 'danger' });
    }
  };

  return (
    <section class="stack" aria-labelledby="models-title">
      <div>
        <h2 id="models-title" class="page-title">
          Models in this browser
        </h2>
        <p class="page-lead">
          Models that run inside this browser, on this device: private and free, after a one-time
          download. Sites are answered by them like by any other model you allow.
        </p>
      </div>
      {error && <p class="field-error">Could not check this browser: {error.message}</p>}
      {!view && !error && (
        <p class="muted" role="status">
          Checking what this browser can run…
        </p>
      )}
      {view && <DeviceCard view={view} onCheckAgain={() => void reload()} />}
      {view && (
        <BuiltInCard
          builtIn={view.builtIn}
          download={builtInDownload}
          onDownload={() => void downloadBuiltIn()}
        />
      )}
      {view && (
        <ul class="stack plain-list" aria-label="Models">
          {models.map((model) => (
            <ModelRow
              key={model.catalogId}
              model={model}
              busy={busy}
              noDevice={view.status.webgpu === 'unavailable'}
              onDownload={() => void act(model, 'download')}
              onCancel={() => void act(model, 'cancel')}
              onRemove={() => setRemoving(model)}
            />
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={removing !== undefined}
        title={`Delete ${removing?.name ?? 'this model'}?`}
        confirmLabel="Delete"
        onConfirm={() => {
          const model = removing;
          setRemoving(undefined);
          if (model) void act(model, 'remove');
        }}
        onCancel={() => setRemoving(undefined)}
      >
        Its files are removed from this browser (
        {removing?.downloadMB ? `about ${size(removing.downloadMB)}` : 'all of them'}). Sites will
        not be answered by it until you download it again.
      </ConfirmDialog>
    </section>
  );
}
