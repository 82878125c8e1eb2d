/**
 * Which models this device can run, and why not (docs/local-models.md). WebGPU does not say how
 * much memory a graphics chip has, so the rules read what it does say — the adapter's features and
 * buffer limits — and the memory the browser reports, as web-llm's own examples do.
 */
import type { WebLlmBuild, WebLlmModel } from './webllm-models';

/** What the offscreen document read of the WebGPU adapter. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  /** A software (CPU) adapter such as SwiftShader: models run, slowly. */
  isFallbackAdapter: boolean;
  /** `shader-f16`: the f16 builds need it. */
  shaderF16: boolean;
  maxBufferSizeMiB: number;
  maxStorageBufferBindingSizeMiB: number;
  /** `navigator.deviceMemory` (GiB, rounded down by the browser, at most 8), when known. */
  deviceMemoryGiB?: number;
}

export type DeviceFit =
  | {
      fits: true;
      /** The build to download and run here (f16 where the adapter allows it). */
      build: WebLlmBuild;
      /** Runs on the processor: expect a few tokens a second at best. */
      slow: boolean;
    }
  | { fits: false; reason: string };

/** Below this storage-buffer size only web-llm's "low resource" builds load (its own rule). */
export const LOW_RESOURCE_BINDING_MIB = 1024;
/** The share of the reported memory a model may take (the browser and the system keep the rest). */
export const MEMORY_SHARE = 0.75;

function gigabytes(megabytes: number): string {
  return `${(megabytes / 1024).toFixed(1)} GB`;
}

export function deviceFit(model: WebLlmModel, adapter: AdapterFacts | undefined): DeviceFit {
  if (!adapter) {
    return { fits: false, reason: 'this browser offers no WebGPU adapter' };
  }
  const reasons: string[] = [];
  for (const build of model.builds) {
    if (build.precision === 'f16' && !adapter.shaderF16) {
      reasons.push('its f16 build needs 16-bit shaders, which this adapter lacks');
      continue;
    }
    if (build.bufferMiB !== undefined && build.bufferMiB > adapter.maxBufferSizeMiB) {
      reasons.push(
        `its ${build.precision} build needs a buffer of ${build.bufferMiB} MiB; this adapter allows ${adapter.maxBufferSizeMiB} MiB`,
      );
      continue;
    }
    if (!build.lowResource && adapter.maxStorageBufferBindingSizeMiB < LOW_RESOURCE_BINDING_MIB) {
      reasons.push(
        `its ${build.precision} build needs storage buffers of ${LOW_RESOURCE_BINDING_MIB} MiB; this adapter allows ${adapter.maxStorageBufferBindingSizeMiB} MiB`,
      );
      continue;
    }
    if (
      adapter.deviceMemoryGiB !== undefined &&
      build.vramMB > adapter.deviceMemoryGiB * 1024 * MEMORY_SHARE
    ) {
      reasons.push(
        `its ${build.precision} build needs about ${gigabytes(build.vramMB)} of memory; this device reports ${adapter.deviceMemoryGiB} GB`,
      );
      continue;
    }
    return { fits: true, build, slow: adapter.isFallbackAdapter };
  }
  // The f16 reason is noise when the f32 build explains the refusal.
  const telling = reasons.filter((reason) => !reason.startsWith('its f16 build needs 16-bit'));
  return { fits: false, reason: (telling.length > 0 ? telling : reasons).join('; ') };
}
