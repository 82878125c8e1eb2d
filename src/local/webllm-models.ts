/**
 * The models WebLLM can run in this browser, as the catalog knows them: each catalog entry (one
 * per model, named by its f32 build) with the builds web-llm publishes for it. Figures are from
 * web-llm 0.2.86's `prebuiltAppConfig` (`vram_required_MB`, `low_resource_required`,
 * `required_features`, `overrides.context_window_size`); a unit test checks them against the
 * installed package, so an upgrade that changes them fails loudly. Download sizes are estimates
 * from the parameter count (4-bit weights with 16- or 32-bit group scales), shown as "about".
 */

/** The provider id of models that run in this browser. */
export const WEBLLM_PROVIDER_ID = 'webllm';
/** The browser's own model (Prompt API): its provider id, and its one model id (also its
 * "build" on the host's chat port). */
export const BUILTIN_PROVIDER_ID = 'browser-ai';
export const BUILTIN_MODEL_ID = 'built-in';

/** One build of a model: 4-bit weights with 16-bit (needs `shader-f16`) or 32-bit arithmetic. */
export interface WebLlmBuild {
  /** web-llm's `model_id`, what `engine.reload()` takes. */
  id: string;
  precision: 'f16' | 'f32';
  /** `vram_required_MB`: GPU memory the model needs once loaded, MB. */
  vramMB: number;
  /** `low_resource_required`: runs where storage buffers are limited (phones, small GPUs). */
  lowResource: boolean;
  /** Estimated download, MB. */
  downloadMB: number;
  /** `buffer_size_required_bytes` in MiB: the largest single buffer the model allocates, where
   * web-llm names one (none of the models below does). */
  bufferMiB?: number;
}

export interface WebLlmModel {
  /** The catalog entry's id (the f32 build's `model_id`). */
  catalogId: string;
  name: string;
  /** Parameters, billions. */
  parametersB: number;
  contextTokens: number;
  /** Best build first: f16 is smaller and faster where the adapter has `shader-f16`. */
  builds: readonly WebLlmBuild[];
}

/** Bits per weight of a 4-bit build, group scales included (group size 32). */
const BITS_PER_WEIGHT = { f16: 4.5, f32: 5 } as const;

function model(
  base: string,
  name: string,
  parametersB: number,
  vram: { f16: number; f32: number },
  lowResource: boolean,
): WebLlmModel {
  const build = (precision: 'f16' | 'f32'): WebLlmBuild => ({
    id: `${base}-q4${precision}_1-MLC`,
    precision,
    vramMB: vram[precision],
    lowResource,
    downloadMB: Math.round((parametersB * 1e9 * BITS_PER_WEIGHT[precision]) / 8 / 1e6),
  });
  return {
    catalogId: `${base}-q4f32_1-MLC`,
    name,
    parametersB,
    contextTokens: 4096,
    builds: [build('f16'), build('f32')],
  };
}

export const WEBLLM_MODELS: readonly WebLlmModel[] = [
  model(
    'Llama-3.2-1B-Instruct',
    'Llama 3.2 1B Instruct',
    1.24,
    { f16: 879.04, f32: 1128.82 },
    true,
  ),
  model(
    'Llama-3.2-3B-Instruct',
    'Llama 3.2 3B Instruct',
    3.21,
    { f16: 2263.69, f32: 2951.51 },
    true,
  ),
  model(
    'Phi-3.5-mini-instruct',
    'Phi-3.5 mini instruct',
    3.82,
    { f16: 3672.07, f32: 5483.12 },
    false,
  ),
  model('Qwen2.5-7B-Instruct', 'Qwen2.5 7B Instruct', 7.62, { f16: 5106.67, f32: 5900.09 }, false),
  model(
    'Qwen2.5-Coder-7B-Instruct',
    'Qwen2.5 Coder 7B Instruct',
    7.62,
    { f16: 5106.67, f32: 5900.09 },
    false,
  ),
  model('Llama-3.1-8B-Instruct', 'Llama 3.1 8B Instruct', 8.03, { f16: 5001, f32: 6101.01 }, false),
];

export function findWebLlmModel(catalogIdOrBuild: string): WebLlmModel | undefined {
  return WEBLLM_MODELS.find(
    (entry) =>
      entry.catalogId === catalogIdOrBuild ||
      entry.builds.some((build) => build.id === catalogIdOrBuild),
  );
}
