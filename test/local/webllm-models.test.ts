/**
 * The model table agrees with the installed web-llm's prebuilt config (an upgrade that changes a
 * figure fails here), and with the catalog's WebLLM entries.
 */
import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import { WEBLLM_MODELS } from '../../src/local/webllm-models';
import { loadBundledCatalog } from '../../src/router';

describe('the web-llm model table', () => {
  it('matches web-llm’s prebuilt app config for every build', () => {
    for (const model of WEBLLM_MODELS) {
      for (const build of model.builds) {
        const record = prebuiltAppConfig.model_list.find((entry) => entry.model_id === build.id);
        expect(record, build.id).toBeDefined();
        expect(build.vramMB).toBe(record!.vram_required_MB);
        expect(build.lowResource).toBe(record!.low_resource_required);
        expect(build.bufferMiB).toBe(
          record!.buffer_size_required_bytes === undefined
            ? undefined
            : record!.buffer_size_required_bytes / 2 ** 20,
        );
        expect(model.contextTokens).toBe(record!.overrides?.context_window_size);
        const needsF16 = record!.required_features?.includes('shader-f16') ?? false;
        if (needsF16) expect(build.precision).toBe('f16');
      }
    }
  });

  it('has one entry per WebLLM model of the catalog', () => {
    const catalog = loadBundledCatalog().filter((model) => model.provider === 'webllm');
    expect(catalog.map((model) => model.id).sort()).toEqual(
      WEBLLM_MODELS.map((model) => model.catalogId).sort(),
    );
  });
});
