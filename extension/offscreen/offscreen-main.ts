/**
 * The offscreen document: the host where models run in this browser, on WebGPU with
 * @mlc-ai/web-llm (docs/local-models.md). A thin shell: the engine, downloads and chats are
 * `LocalModelHost`'s; this wires it to web-llm's real `MLCEngine` and cache, and to the background.
 * web-llm fetches its config and wasm before it checks the GPU, so the adapter is checked here first.
 */
import {
  type ChatCompletionChunk,
  deleteChatConfigInCache,
  deleteModelAllInfoInCache,
  deleteModelWasmInCache,
  hasModelInCache,
  MLCEngine,
  prebuiltAppConfig,
} from '@mlc-ai/web-llm';
import { BUILTIN_MODEL_ID, BuiltInModelHost, type PromptApi } from '../../src/local/builtin-model';
import type { AdapterFacts } from '../../src/local/device-fit';
import { LocalHostError, LocalModelHost } from '../../src/local/local-model-host';
import {
  type ChatMessage,
  type HostState,
  type LocalModelHostStatus,
  OFFSCREEN_CHANNEL,
  OFFSCREEN_CHAT_PORT,
  OFFSCREEN_EVENTS,
  type OffscreenEvent,
  type OffscreenMethod,
  type OffscreenMethods,
  type OffscreenReply,
  type OffscreenRequest,
} from '../messaging/offscreen-channel';
import { browser } from '../platform/browser-api';

const MIB = 2 ** 20;

async function hostStatus(): Promise<LocalModelHostStatus> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) {
    return {
      webgpu: 'unavailable',
      reason:
        'This browser offers no WebGPU adapter, so models cannot run inside it (turning on hardware acceleration in its settings may help).',
    };
  }
  const memory = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const facts: AdapterFacts = {
    vendor: adapter.info.vendor,
    architecture: adapter.info.architecture,
    isFallbackAdapter: adapter.info.isFallbackAdapter ?? false,
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSizeMiB: Math.round(adapter.limits.maxBufferSize / MIB),
    maxStorageBufferBindingSizeMiB: Math.round(adapter.limits.maxStorageBufferBindingSize / MIB),
    ...(memory !== undefined && { deviceMemoryGiB: memory }),
  };
  return { webgpu: 'available', adapter: facts };
}

const knownBuilds = new Set(prebuiltAppConfig.model_list.map((record) => record.model_id));

function checkBuild(buildId: string): string {
  if (!knownBuilds.has(buildId)) throw new Error(`${buildId} is not a model web-llm knows.`);
  return buildId;
}

function broadcast(download: OffscreenEvent['download']): void {
  const event: OffscreenEvent = { channel: OFFSCREEN_EVENTS, download };
  // Nobody listening (no settings page open, the worker asleep) is fine.
  browser.runtime.sendMessage(event).catch(() => {});
}

/** The browser's own model, where it offers one to extensions (Chrome's `LanguageModel`). */
const builtIn = new BuiltInModelHost(
  (globalThis as unknown as { LanguageModel?: PromptApi }).LanguageModel,
  broadcast,
);

const host = new LocalModelHost(
  () => new MLCEngine({ appConfig: prebuiltAppConfig, logLevel: 'WARN' }),
  {
    has: (buildId) => hasModelInCache(checkBuild(buildId), prebuiltAppConfig),
    async remove(buildId) {
      checkBuild(buildId);
      try {
        await deleteModelAllInfoInCache(buildId, prebuiltAppConfig);
      } catch {
        // No weights list in the cache (never downloaded, or cut short before it): web-llm's
        // deletion stops there, so delete the rest it may have stored on its own.
        await deleteModelWasmInCache(buildId, prebuiltAppConfig);
        await deleteChatConfigInCache(buildId, prebuiltAppConfig);
      }
    },
  },
  broadcast,
);

async function cacheBytes(): Promise<number | undefined> {
  const estimate = (await navigator.storage?.estimate?.()) as
    | (StorageEstimate & { usageDetails?: { caches?: number } })
    | undefined;
  return estimate?.usageDetails?.caches;
}

const methods: {
  [M in OffscreenMethod]: (
    params: OffscreenMethods[M]['params'],
  ) => Promise<OffscreenMethods[M]['result']>;
} = {
  status: hostStatus,
  async state({ buildIds }) {
    const status = await hostStatus();
    const [installed, bytes, builtInStatus] = await Promise.all([
      host.installed(buildIds.filter((id) => knownBuilds.has(id))),
      cacheBytes(),
      builtIn.status(),
    ]);
    const download = host.activeDownload() ?? builtIn.activeDownload();
    const state: HostState = {
      ...status,
      installed,
      builtIn: builtInStatus,
      ...(download && { download }),
    };
    if (bytes !== undefined) state.cacheBytes = bytes;
    return state;
  },
  async download({ buildId }) {
    checkBuild(buildId);
    // Answers at once; the download's progress and end arrive as events.
    const started = host.startDownload(buildId);
    return host.activeDownload() ?? (await started);
  },
  async cancel({ buildId }) {
    await host.cancelDownload(buildId);
    return null;
  },
  async remove({ buildId }) {
    await host.remove(buildId);
    return null;
  },
  busy: async () => host.busy() || builtIn.activeDownload() !== undefined,
  builtInStatus: () => builtIn.status(),
  async chat({ chatId, buildId, request }) {
    if (buildId !== BUILTIN_MODEL_ID) checkBuild(buildId);
    // The document opens the port (it listens to none: see offscreen-channel.ts).
    const port = browser.runtime.connect({ name: `${OFFSCREEN_CHAT_PORT}/${chatId}` });
    const controller = new AbortController();
    port.onDisconnect.addListener(() => controller.abort());
    const post = (message: ChatMessage) => {
      if (!controller.signal.aborted) port.postMessage(message);
    };
    const onChunk = (chunk: ChatCompletionChunk) => post({ type: 'chunk', chunk });
    (buildId === BUILTIN_MODEL_ID
      ? builtIn.chat(request, onChunk, controller.signal)
      : host.chat(buildId, request, onChunk, controller.signal)
    ).then(
      () => post({ type: 'done' }),
      (error: unknown) =>
        post({
          type: 'error',
          status: error instanceof LocalHostError ? error.status : 500,
          message: error instanceof Error ? error.message : String(error),
        }),
    );
    return null;
  },
  async builtInDownload() {
    const started = builtIn.startDownload();
    return builtIn.activeDownload() ?? (await started);
  },
};

browser.runtime.onMessage.addListener((message: unknown) => {
  const request = message as Partial<OffscreenRequest> | undefined;
  if (
    request?.channel !== OFFSCREEN_CHANNEL ||
    !request.method ||
    !Object.hasOwn(methods, request.method)
  ) {
    return undefined;
  }
  const method = methods[request.method] as (params: unknown) => Promise<unknown>;
  return method(request.params).then(
    (result): OffscreenReply => ({ ok: true, result }) as OffscreenReply,
    (error: unknown): OffscreenReply => ({
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    }),
  );
});
