/**
 * The offscreen document: the host where local models will run on WebGPU (@mlc-ai/web-llm).
 * For now it reports what the browser offers, so the background and the options page can say
 * whether local models can run here at all. web-llm fetches its config and wasm before it checks
 * the GPU (docs/architecture.md §7), so the adapter is checked here first.
 */
import {
  type LocalModelHostStatus,
  OFFSCREEN_CHANNEL,
  type OffscreenRequest,
} from '../messaging/offscreen-channel';
import { browser } from '../platform/browser-api';

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
  return {
    webgpu: 'available',
    adapter: {
      vendor: adapter.info.vendor,
      architecture: adapter.info.architecture,
      isFallbackAdapter: adapter.info.isFallbackAdapter ?? false,
      shaderF16: adapter.features.has('shader-f16'),
      maxBufferSizeMiB: Math.round(adapter.limits.maxBufferSize / 2 ** 20),
    },
  };
}

browser.runtime.onMessage.addListener((message: unknown) => {
  const request = message as Partial<OffscreenRequest> | undefined;
  if (request?.channel !== OFFSCREEN_CHANNEL || request.method !== 'status') return undefined;
  return hostStatus();
});
