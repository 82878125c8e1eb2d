/** Which models a device can run, and the reasons it cannot. */
import { describe, expect, it } from 'vitest';
import { type AdapterFacts, deviceFit } from '../../src/local/device-fit';
import { findWebLlmModel, WEBLLM_MODELS } from '../../src/local/webllm-models';

const GPU: AdapterFacts = {
  vendor: 'apple',
  architecture: 'metal-3',
  isFallbackAdapter: false,
  shaderF16: true,
  maxBufferSizeMiB: 4096,
  maxStorageBufferBindingSizeMiB: 2048,
  deviceMemoryGiB: 8,
};
const SWIFTSHADER: AdapterFacts = {
  vendor: 'google',
  architecture: 'swiftshader',
  isFallbackAdapter: true,
  shaderF16: false,
  maxBufferSizeMiB: 1024,
  maxStorageBufferBindingSizeMiB: 1024,
};
const PHONE: AdapterFacts = { ...GPU, maxStorageBufferBindingSizeMiB: 128, deviceMemoryGiB: 4 };

const model = (id: string) => findWebLlmModel(id)!;

describe('device fit', () => {
  it('picks the f16 build where 16-bit shaders exist, else the f32 one', () => {
    const fit = deviceFit(model('Llama-3.2-3B-Instruct-q4f32_1-MLC'), GPU);
    expect(fit).toMatchObject({ fits: true, slow: false, build: { precision: 'f16' } });
    const soft = deviceFit(model('Llama-3.2-3B-Instruct-q4f32_1-MLC'), SWIFTSHADER);
    expect(soft).toMatchObject({ fits: true, slow: true, build: { precision: 'f32' } });
  });

  it('rules out what needs large storage buffers on a small GPU, and says so', () => {
    const fit = deviceFit(model('Llama-3.1-8B-Instruct-q4f32_1-MLC'), PHONE);
    expect(fit.fits).toBe(false);
    if (!fit.fits)
      expect(fit.reason).toMatch(/storage buffers of 1024 MiB; this adapter allows 128 MiB/);
    // The small models are built for such devices.
    expect(deviceFit(model('Llama-3.2-1B-Instruct-q4f32_1-MLC'), PHONE).fits).toBe(true);
  });

  it('rules out a model larger than the memory the device reports', () => {
    const fit = deviceFit(model('Llama-3.1-8B-Instruct-q4f32_1-MLC'), {
      ...GPU,
      deviceMemoryGiB: 4,
    });
    expect(fit.fits).toBe(false);
    if (!fit.fits)
      expect(fit.reason).toMatch(/needs about 4\.9 GB of memory; this device reports 4 GB/);
  });

  it('rules out a build whose largest buffer the adapter cannot allocate', () => {
    const base = model('Llama-3.2-1B-Instruct-q4f32_1-MLC');
    const big = {
      ...base,
      builds: base.builds.map((build) => ({ ...build, bufferMiB: 2048 })),
    };
    const fit = deviceFit(big, SWIFTSHADER);
    expect(fit.fits).toBe(false);
    if (!fit.fits)
      expect(fit.reason).toMatch(/needs a buffer of 2048 MiB; this adapter allows 1024 MiB/);
    expect(deviceFit(big, GPU).fits).toBe(true);
  });

  it('rules out everything without an adapter', () => {
    for (const entry of WEBLLM_MODELS) {
      expect(deviceFit(entry, undefined)).toEqual({
        fits: false,
        reason: 'this browser offers no WebGPU adapter',
      });
    }
  });
});
