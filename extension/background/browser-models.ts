/**
 * Models in this browser, from the background's side (docs/local-models.md): opens the offscreen
 * document on demand and closes it when idle, streams chats from it, starts and resumes downloads,
 * and remembers what is downloaded so a routing decision never has to open the document.
 */
import type { ChatCompletionChunk } from '@mlc-ai/web-llm';
import {
  BUILTIN_MODEL_ID,
  type BuiltInStatus,
  builtInCatalogModel,
} from '../../src/local/builtin-model';
import { type AdapterFacts, type DeviceFit, deviceFit } from '../../src/local/device-fit';
import type { DownloadState, LocalChatRequest } from '../../src/local/local-model-host';
import { findWebLlmModel, WEBLLM_MODELS } from '../../src/local/webllm-models';
import type { BrowserModelTransport } from '../../src/local/webllm-provider';
import type { BrowserModelsState } from '../../src/runtime/broker';
import {
  type ChatMessage,
  type HostState,
  type LocalModelHostStatus,
  OFFSCREEN_CHANNEL,
  OFFSCREEN_CHAT_PORT,
  OFFSCREEN_EVENTS,
  OFFSCREEN_PATH,
  type OffscreenEvent,
  type OffscreenMethod,
  type OffscreenMethods,
  type OffscreenReply,
  type OffscreenRequest,
} from '../messaging/offscreen-channel';
import {
  alarms,
  browser,
  hasOffscreenDocument,
  offscreen,
  type Runtime,
} from '../platform/browser-api';
import { whileAlive } from './keep-alive';

export const OFFSCREEN_IDLE_ALARM = 'llm-broker/offscreen-idle';
/** An idle document (no chat, no download) is closed after this long, freeing the GPU. */
const IDLE_MINUTES = 5;
/** A host that does not answer its status in this long counts as unavailable (never a hang). */
const STATUS_TIMEOUT_MS = 30_000;
/** How long a call waits for a document that exists but does not listen yet (still loading). */
const HOST_LOADING_MS = 20_000;
const HOST_RETRY_MS = 100;
/** `storage.local`: build ids downloaded, and downloads to resume after a restart. */
const INSTALLED_KEY = 'browserModels.installed';
const WANTED_KEY = 'browserModels.wanted';
/** `storage.local`: the browser's own model was ready once (so routing asks about it). */
const BUILTIN_USED_KEY = 'browserModels.builtInUsed';

const NO_OFFSCREEN =
  'this browser cannot host models for extensions (it has no offscreen documents)';

/** One model as the settings page shows it. */
export interface BrowserModelView {
  catalogId: string;
  name: string;
  parametersB: number;
  contextTokens: number;
  fit: DeviceFit;
  /** The build downloaded here, if any. */
  installedBuild?: string;
  /** Estimated download of the build this device would use, MB. */
  downloadMB?: number;
  download?: DownloadState;
}

export interface BrowserModelsView {
  status: LocalModelHostStatus;
  models: BrowserModelView[];
  /** The browser's own model (Prompt API), with its download when one runs. */
  builtIn: BuiltInStatus & { download?: DownloadState };
  /** Bytes the downloaded model files take, if the browser says. */
  cacheBytes?: number;
}

let opening: Promise<void> | undefined;

async function ensureOffscreenDocument(): Promise<void> {
  // A document being made exists before it loads: wait for it, not just for it to exist.
  if (opening) await opening;
  const url = browser.runtime.getURL(OFFSCREEN_PATH);
  if (await hasOffscreenDocument(url)) return;
  // Two callers at once must not both create it (Chrome allows one per extension).
  opening ??= offscreen!
    .createDocument({
      url,
      // The enum's value, not `chrome.offscreen.Reason`: the object does not exist in Firefox's API
      // tables, which web-ext lint reads, and this path never runs there.
      reasons: ['WORKERS' as chrome.offscreen.Reason],
      justification:
        'Runs language models locally on WebGPU, so prompts can stay on this computer.',
    })
    .finally(() => {
      opening = undefined;
    });
  await opening;
}

async function callHost<M extends OffscreenMethod>(
  method: M,
  params: OffscreenMethods[M]['params'],
): Promise<OffscreenMethods[M]['result']> {
  await ensureOffscreenDocument();
  void armIdleClose();
  const request: OffscreenRequest<M> = { channel: OFFSCREEN_CHANNEL, method, params };
  for (let waited = 0; ; waited += HOST_RETRY_MS) {
    const reply = (await browser.runtime.sendMessage(request).catch((error: Error) => {
      // No page of the extension listens at all (Chrome's words for it): the same as no answer.
      if (/receiving end does not exist/i.test(error.message)) return undefined;
      throw error;
    })) as OffscreenReply<M> | undefined;
    if (reply) {
      if (!reply.ok) throw new Error(reply.message);
      return reply.result;
    }
    // Nobody answered: a document made by an earlier worker may still be loading its script
    // (it listens once web-llm is loaded). Ask again shortly.
    if (waited >= HOST_LOADING_MS) throw new Error('the model host did not answer');
    await new Promise((done) => setTimeout(done, HOST_RETRY_MS));
  }
}

async function armIdleClose(): Promise<void> {
  await alarms().create(OFFSCREEN_IDLE_ALARM, { delayInMinutes: IDLE_MINUTES });
}

/** The alarm: close the document unless it still works (then look again later). */
export async function closeIdleOffscreen(): Promise<void> {
  if (!offscreen || !(await hasOffscreenDocument(browser.runtime.getURL(OFFSCREEN_PATH)))) return;
  const busy = await callHost('busy', null).catch(() => false);
  if (busy) return;
  await offscreen.closeDocument().catch(() => {});
  await alarms().clear(OFFSCREEN_IDLE_ALARM);
}

/**
 * These keys as last read: routing asks for them on every request, and this worker is their only
 * writer (any change, from anywhere, drops the copy).
 */
const localReads = new Map<string, Promise<unknown>>();
browser.storage.onChanged.addListener((changes, area) => {
  if (area === 'local') for (const key of Object.keys(changes)) localReads.delete(key);
});

function readLocalValue(key: string): Promise<unknown> {
  let read = localReads.get(key);
  if (!read) {
    read = browser.storage.local.get(key).then((items) => items[key]);
    localReads.set(key, read);
    read.catch(() => localReads.delete(key));
  }
  return read;
}

async function readLocal(key: string): Promise<string[]> {
  const value = await readLocalValue(key);
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

async function writeLocal(key: string, values: readonly string[]): Promise<void> {
  localReads.delete(key);
  await browser.storage.local.set({ [key]: [...new Set(values)] });
  localReads.delete(key);
}

const ALL_BUILDS = WEBLLM_MODELS.flatMap((model) => model.builds.map((build) => build.id));

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not answer in ${ms / 1000} s`)),
      ms,
    );
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** What the browser offers, as last asked (the worker's memory: a restarted worker asks again). */
let knownStatus: LocalModelHostStatus | undefined;
let knownBuiltIn: BuiltInStatus | undefined;

/** What the browser offers (WebGPU), asked once per worker life. */
export async function hostStatus(): Promise<LocalModelHostStatus> {
  if (!offscreen) return { webgpu: 'unavailable', reason: `This ${NO_OFFSCREEN}.` };
  if (knownStatus) return knownStatus;
  try {
    knownStatus = await withTimeout(callHost('status', null), STATUS_TIMEOUT_MS, 'The model host');
    return knownStatus;
  } catch (error) {
    return {
      webgpu: 'unavailable',
      reason: `Could not check this browser’s graphics support: ${(error as Error).message}.`,
      unchecked: true,
    };
  }
}

function adapterOf(status: LocalModelHostStatus): AdapterFacts | undefined {
  return status.webgpu === 'available' ? status.adapter : undefined;
}

/** How many models are downloaded here (as last seen; no document is opened). */
export async function installedBrowserModelCount(): Promise<number> {
  const installed = new Set(await readLocal(INSTALLED_KEY));
  return WEBLLM_MODELS.filter((model) => model.builds.some((build) => installed.has(build.id)))
    .length;
}

/** The build of a catalog model that is downloaded here (f16 first). */
async function installedBuildOf(catalogId: string): Promise<string | undefined> {
  const installed = new Set(await readLocal(INSTALLED_KEY));
  return findWebLlmModel(catalogId)?.builds.find((build) => installed.has(build.id))?.id;
}

/**
 * What the router needs: which models are ready, or why none can run. The model host is asked
 * only when something was downloaded here (a web-llm model, or the browser's own model made
 * ready once); otherwise nothing can answer, and a request does not wait for the 6 MB host to
 * open — the reasons are the ones last seen, if any.
 */
export async function browserModelsState(): Promise<BrowserModelsState> {
  const [downloaded, used] = await Promise.all([
    readLocal(INSTALLED_KEY),
    readLocalValue(BUILTIN_USED_KEY),
  ]);
  const installed = new Set(downloaded);
  const builtInUsed = used === true;
  const ask = installed.size > 0 || builtInUsed;
  const [status, builtIn] = ask
    ? await Promise.all([hostStatus(), builtInStatus()])
    : [knownStatus, knownBuiltIn];
  const builtInState: BrowserModelsState['builtIn'] = !builtIn
    ? { unavailableReason: 'not downloaded yet: see Settings → Models in this browser' }
    : builtIn.availability === 'available'
      ? { model: builtInCatalogModel(builtIn.contextTokens) }
      : {
          unavailableReason:
            builtIn.reason ??
            (builtIn.availability === 'downloading'
              ? 'the browser is still downloading it'
              : 'not downloaded yet: download it in Settings → Models in this browser'),
        };
  const adapter = status && adapterOf(status);
  if (!adapter) {
    return {
      ready: [],
      ...(status && { unavailableReason: lowerFirst(status.reason ?? 'no WebGPU adapter') }),
      builtIn: builtInState,
    };
  }
  const ready = WEBLLM_MODELS.filter((model) => {
    const fit = deviceFit(model, adapter);
    return fit.fits && model.builds.some((build) => installed.has(build.id));
  }).map((model) => model.catalogId);
  return { ready, builtIn: builtInState };
}

/** The browser's own model's availability, asked once and then after every change. */
export async function builtInStatus(fresh = false): Promise<BuiltInStatus> {
  if (!offscreen) {
    return { availability: 'unavailable', reason: `this ${NO_OFFSCREEN}` };
  }
  if (knownBuiltIn && !fresh) return knownBuiltIn;
  try {
    return rememberBuiltIn(
      await withTimeout(callHost('builtInStatus', null), STATUS_TIMEOUT_MS, 'The model host'),
    );
  } catch (error) {
    return {
      availability: 'unavailable',
      reason: `the browser would not say (${(error as Error).message})`,
    };
  }
}

function rememberBuiltIn(status: BuiltInStatus): BuiltInStatus {
  knownBuiltIn = status;
  // Once ready, it is worth asking about in later sessions too.
  if (status.availability === 'available') {
    void browser.storage.local.set({ [BUILTIN_USED_KEY]: true });
  }
  return status;
}

/** Has the browser download its own model. */
export async function downloadBuiltInModel(): Promise<DownloadState> {
  knownBuiltIn = undefined;
  return callHost('builtInDownload', null);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1).replace(/\.$/, '');
}

/** The settings page's view: every model, its fit, what is downloaded and downloading. */
export async function browserModelsView(): Promise<BrowserModelsView> {
  if (!offscreen) {
    const status: LocalModelHostStatus = { webgpu: 'unavailable', reason: `This ${NO_OFFSCREEN}.` };
    return {
      status,
      models: viewModels(status, new Set(), undefined),
      builtIn: { availability: 'unavailable', reason: `this ${NO_OFFSCREEN}` },
    };
  }
  let state: HostState;
  try {
    state = await withTimeout(
      callHost('state', { buildIds: ALL_BUILDS }),
      STATUS_TIMEOUT_MS,
      'The model host',
    );
  } catch (error) {
    const status: LocalModelHostStatus = {
      webgpu: 'unavailable',
      reason: `Could not check this browser’s graphics support: ${(error as Error).message}.`,
    };
    return {
      status,
      models: viewModels(status, new Set(await readLocal(INSTALLED_KEY)), undefined),
      builtIn: { availability: 'unavailable', reason: lowerFirst(status.reason ?? '') },
    };
  }
  const { installed, download, cacheBytes, builtIn, ...status } = state;
  knownStatus = status;
  rememberBuiltIn(builtIn);
  await writeLocal(INSTALLED_KEY, installed);
  const builtInDownload = download?.buildId === BUILTIN_MODEL_ID ? download : undefined;
  return {
    status,
    models: viewModels(status, new Set(installed), builtInDownload ? undefined : download),
    builtIn: { ...builtIn, ...(builtInDownload && { download: builtInDownload }) },
    ...(cacheBytes !== undefined && { cacheBytes }),
  };
}

function viewModels(
  status: LocalModelHostStatus,
  installed: ReadonlySet<string>,
  download: DownloadState | undefined,
): BrowserModelView[] {
  const adapter = adapterOf(status);
  return WEBLLM_MODELS.map((model) => {
    const fit: DeviceFit = adapter
      ? deviceFit(model, adapter)
      : { fits: false, reason: lowerFirst(status.reason ?? 'no WebGPU adapter') };
    const installedBuild = model.builds.find((build) => installed.has(build.id))?.id;
    const active = download && model.builds.some((build) => build.id === download.buildId);
    return {
      catalogId: model.catalogId,
      name: model.name,
      parametersB: model.parametersB,
      contextTokens: model.contextTokens,
      fit,
      ...(installedBuild && { installedBuild }),
      ...(fit.fits && { downloadMB: fit.build.downloadMB }),
      ...(active && { download }),
    };
  });
}

/** Starts (or resumes) the download of the build this device would run. */
export async function downloadBrowserModel(catalogId: string): Promise<DownloadState> {
  const model = findWebLlmModel(catalogId);
  if (!model) throw new Error(`${catalogId} is not a model this browser can run.`);
  const fit = deviceFit(model, adapterOf(await hostStatus()));
  if (!fit.fits) throw new Error(`${model.name} cannot run here: ${fit.reason}.`);
  await writeLocal(WANTED_KEY, [...(await readLocal(WANTED_KEY)), fit.build.id]);
  return callHost('download', { buildId: fit.build.id });
}

export async function cancelBrowserModel(catalogId: string): Promise<void> {
  const model = findWebLlmModel(catalogId);
  if (!model) return;
  const builds = model.builds.map((build) => build.id);
  await writeLocal(
    WANTED_KEY,
    (await readLocal(WANTED_KEY)).filter((id) => !builds.includes(id)),
  );
  for (const buildId of builds) await callHost('cancel', { buildId });
}

export async function removeBrowserModel(catalogId: string): Promise<void> {
  const model = findWebLlmModel(catalogId);
  if (!model) return;
  const builds = model.builds.map((build) => build.id);
  await writeLocal(
    WANTED_KEY,
    (await readLocal(WANTED_KEY)).filter((id) => !builds.includes(id)),
  );
  for (const buildId of builds) await callHost('remove', { buildId });
  await writeLocal(
    INSTALLED_KEY,
    (await readLocal(INSTALLED_KEY)).filter((id) => !builds.includes(id)),
  );
}

/** Downloads a restart cut short start again (what was fetched is kept, so they resume). */
export async function resumeDownloads(): Promise<void> {
  if (!offscreen) return;
  const wanted = await readLocal(WANTED_KEY);
  const first = wanted[0];
  if (first === undefined) return;
  await callHost('download', { buildId: first }).catch((error) =>
    console.error('LLM Broker: resuming a model download failed', error),
  );
}

/** The host's download events: remember what finished, and start the next wanted one. */
export function watchDownloads(onChange: () => void): void {
  browser.runtime.onMessage.addListener((message: unknown) => {
    const event = message as Partial<OffscreenEvent> | undefined;
    if (event?.channel !== OFFSCREEN_EVENTS || !event.download) return undefined;
    const { buildId, phase } = event.download;
    if (phase === 'downloading') return undefined;
    void (async () => {
      if (buildId === BUILTIN_MODEL_ID) {
        // Ask the browser again next time: its model's availability has changed.
        knownBuiltIn = undefined;
        if (phase === 'done') await builtInStatus(true);
        onChange();
        return;
      }
      if (phase === 'done')
        await writeLocal(INSTALLED_KEY, [...(await readLocal(INSTALLED_KEY)), buildId]);
      // A failure is not retried by itself: the person sees why and chooses.
      await writeLocal(
        WANTED_KEY,
        (await readLocal(WANTED_KEY)).filter((id) => id !== buildId),
      );
      onChange();
      void armIdleClose();
      if (phase === 'done') await resumeDownloads();
    })();
    return undefined;
  });
}

/** How the webllm provider reaches the host: one port per chat; closing it interrupts. */
/** Chats waiting for the host's port, by id. */
const waitingChats = new Map<string, (port: Runtime.Port) => void>();
/** How long the host may take to open a chat's port once it said it started. */
const CHAT_PORT_TIMEOUT_MS = 10_000;

/**
 * A port the model host opened for a chat (background-main.ts hands every `OFFSCREEN_CHAT_PORT`
 * port here). The host opens it, rather than the background, so that pages' ports never reach the
 * offscreen document: a port delivered to two listeners stays open while either holds it.
 */
export function acceptChatPort(port: Runtime.Port): void {
  const chatId = port.name.slice(OFFSCREEN_CHAT_PORT.length + 1);
  const waiting = waitingChats.get(chatId);
  if (!waiting || port.sender?.url !== browser.runtime.getURL(OFFSCREEN_PATH)) {
    port.disconnect();
    return;
  }
  waitingChats.delete(chatId);
  waiting(port);
}

/** How the webllm provider reaches the host: one port per chat; closing it interrupts. */
export const browserModelTransport: BrowserModelTransport = {
  async chat(modelId, request: LocalChatRequest, signal) {
    const buildId = modelId === BUILTIN_MODEL_ID ? modelId : await installedBuildOf(modelId);
    if (!buildId) throw { status: 404, message: `${modelId} is not downloaded in this browser.` };
    if (!offscreen) throw { status: 503, message: `This ${NO_OFFSCREEN}.` };
    await ensureOffscreenDocument();
    void armIdleClose();
    return new Promise<ReadableStream<ChatCompletionChunk>>((resolve, reject) => {
      const chatId = crypto.randomUUID();
      let port: Runtime.Port | undefined;
      let controller: ReadableStreamDefaultController<ChatCompletionChunk> | undefined;
      let finished!: () => void;
      // The worker stays up while the chat runs, however long the model takes to load.
      void whileAlive(() => new Promise<void>((done) => (finished = done)));
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        waitingChats.delete(chatId);
        signal?.removeEventListener('abort', abort);
        port?.disconnect();
        finished();
        void armIdleClose();
      };
      const stream = new ReadableStream<ChatCompletionChunk>({
        start(control) {
          controller = control;
        },
        cancel: end,
      });
      let started = false;
      const fail = (error: { status: number; message: string } | Error) => {
        const wasEnded = ended;
        end();
        if (wasEnded) return;
        if (started) controller?.error(error instanceof Error ? error : new Error(error.message));
        else reject(error);
      };
      const abort = () => fail(new DOMException('The request was aborted.', 'AbortError'));
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      waitingChats.set(chatId, (opened) => {
        port = opened;
        if (ended) return opened.disconnect();
        opened.onMessage.addListener((raw: unknown) => {
          const message = raw as ChatMessage;
          if (message.type === 'error') {
            return fail({ status: message.status, message: message.message });
          }
          if (!started) {
            started = true;
            resolve(stream);
          }
          if (message.type === 'chunk') controller?.enqueue(message.chunk);
          else {
            controller?.close();
            end();
          }
        });
        opened.onDisconnect.addListener(() =>
          fail(
            started
              ? new Error('The model host stopped while answering.')
              : { status: 503, message: 'The model host stopped before answering.' },
          ),
        );
      });
      callHost('chat', { chatId, buildId, request }).then(
        () =>
          setTimeout(() => {
            if (!port) fail({ status: 503, message: 'The model host did not start the chat.' });
          }, CHAT_PORT_TIMEOUT_MS),
        (error: Error) => fail({ status: 503, message: error.message }),
      );
    });
  },
};
