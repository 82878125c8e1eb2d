/**
 * The channel between the background and the offscreen document that hosts local models
 * (@mlc-ai/web-llm on WebGPU). Only the background talks to it.
 */

export const OFFSCREEN_CHANNEL = 'llm-broker/offscreen';
export const OFFSCREEN_PATH = 'extension/offscreen/offscreen.html';

/** What the browser offers for local models. */
export interface LocalModelHostStatus {
  /** `unavailable`: no WebGPU adapter (local models cannot run in this browser). */
  webgpu: 'available' | 'unavailable';
  /** Why not, in words a person can act on (with `unavailable`). */
  reason?: string;
  adapter?: {
    vendor: string;
    architecture: string;
    /** A software (CPU) adapter: models run, but slowly. */
    isFallbackAdapter: boolean;
    /** Whether 16-bit float shaders exist (f16 model variants need them). */
    shaderF16: boolean;
    maxBufferSizeMiB: number;
  };
}

export interface OffscreenMethods {
  status: { params: null; result: LocalModelHostStatus };
}
export type OffscreenMethod = keyof OffscreenMethods;

export interface OffscreenRequest {
  channel: typeof OFFSCREEN_CHANNEL;
  method: OffscreenMethod;
  params: null;
}
