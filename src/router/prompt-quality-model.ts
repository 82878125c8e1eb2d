/**
 * A per-prompt quality model: from the outcomes the user's traffic reports (feedback scores,
 * or 0/1 correctness in the replay benchmark), it learns P(good answer | prompt, model), so the
 * router can send each prompt to the cheapest model likely to answer it well, not only the
 * cheapest model good at the prompt's task on average.
 *
 * How: each prompt becomes a sparse vector of hashed features (words of the whole prompt and of
 * its last paragraph — where the actual ask usually is — and shape cues such as length, code,
 * digits and answer options) plus a coarse prompt group (its shape: answer options, a blank to
 * fill, code), computed once per request. A prediction stacks three levels, each shrunk toward the
 * one above, so little evidence gives a prediction near what is known for sure:
 *
 * 1. the model's own average score;
 * 2. its average in the prompt's group, with `GROUP_PRIOR_OBSERVATIONS` pseudo-observations of
 *    level 1 (exact running means: this is what a fixed model per task type would learn);
 * 3. a logistic regression over the hashed features on top of level 2, trained online with
 *    AdaGrad and an L2 pull toward zero. Features are weighted by their inverse frequency among
 *    the observed prompts (words every prompt has say little about which model answers it).
 *
 * The prediction mixes levels 2 and 3 with a per-model share that is itself learned online from
 * each outcome before the model trains on it (progressive validation): where the words carry no
 * signal beyond the group (within-task noise), the share falls and the prediction stays near the
 * group average; where they do, it rises.
 *
 * Predicting is a sparse dot product: O(features) per model. Pure, deterministic for the same
 * sequence of observations, and bounded: a fixed-size column per observed model (32 KiB of
 * weights, 32 KiB of AdaGrad sums, 1 KiB of group means).
 */

/** Bits of the hashed feature space; 2^13 slots keeps a model's table at 64 KiB (weights +
 * AdaGrad sums) while collisions stay rare for the few hundred distinct words of a workload. */
export const FEATURE_BITS = 13;
export const FEATURE_SLOTS = 1 << FEATURE_BITS;

/** Only this much of a very long prompt's head and tail is read, so features stay cheap. */
const MAX_CHARS_READ_FROM_EACH_END = 4000;

/** Prompt groups (hashed shape signatures) each model keeps an average for. */
export const GROUP_SLOTS = 64;

/** How many observations of the model's overall average a group's average starts with. */
const GROUP_PRIOR_OBSERVATIONS = 10;

/** A prompt as the quality model sees it: sparse hashed features with their values. */
export interface PromptFeatures {
  /** Distinct slots in [0, FEATURE_SLOTS), ascending. */
  readonly slots: Uint32Array;
  /** The value of each slot, in the same order. */
  readonly values: Float32Array;
  /** The prompt's coarse group, in [0, GROUP_SLOTS). */
  readonly group: number;
}

/** What the model predicts for one (prompt, model) pair. */
export interface QualityPrediction {
  /** Predicted probability of a good answer, in (0, 1). */
  mean: number;
  /** How much evidence stands behind `mean`: the number of observed outcomes of this model,
   * discounted by how familiar the prompt's features are (0 = none). */
  weight: number;
}

/** Tuning of the online learner; the defaults are the ones measured in docs/routing-replay.md. */
export interface PromptQualityModelOptions {
  /** AdaGrad step size of the feature weights. */
  learningRate: number;
  /** Step size of each model's bias (a correction on top of its group average). */
  biasLearningRate: number;
  /** L2 pull of the feature weights toward zero, per update. */
  l2: number;
}

export const DEFAULT_PROMPT_QUALITY_OPTIONS: PromptQualityModelOptions = {
  learningRate: 0.05,
  biasLearningRate: 0.05,
  l2: 0.001,
};

/** How often a slot must have been seen before it counts as fully familiar. */
const FAMILIAR_AFTER_OBSERVATIONS = 3;

/** The share of the logistic level (3) in a new model's prediction, and the step size that
 * learns it from each outcome. */
const INITIAL_FEATURE_SHARE = 0.5;
const FEATURE_SHARE_LEARNING_RATE = 0.05;

// ---------------------------------------------------------------------------------------------
// Features

/** Namespaces keep the same word in different roles apart, and let each role have its own scale.
 * Word pairs of the ask were tried and dropped: they fit the training rows and not the held-out
 * ones (docs/routing-replay.md). */
const NAMESPACE_SCALE = {
  word: 0.6,
  askWord: 0.8,
  cue: 0.6,
} as const;

/**
 * Turns a prompt into sparse hashed features. Linear in the text length (and bounded: only the
 * first and last few thousand characters are read), no I/O.
 */
export function promptFeatures(text: string): PromptFeatures {
  const isLong = text.length > 2 * MAX_CHARS_READ_FROM_EACH_END;
  const readable = isLong
    ? `${text.slice(0, MAX_CHARS_READ_FROM_EACH_END)}\n\n${text.slice(-MAX_CHARS_READ_FROM_EACH_END)}`
    : text;
  const lower = readable.toLowerCase();
  const ask = lastParagraph(lower);
  const accumulator = new Map<number, number>();
  addNamespace(accumulator, 'w', distinctWords(lower), NAMESPACE_SCALE.word);
  addNamespace(accumulator, 'q', distinctWords(ask), NAMESPACE_SCALE.askWord);
  addNamespace(accumulator, 'c', shapeCues(text, readable, ask), NAMESPACE_SCALE.cue);
  const group = hashToken('g', groupSignature(readable, ask)) % GROUP_SLOTS;
  return toSortedFeatures(accumulator, group);
}

/**
 * The prompt's shape, coarse enough that a workload has a handful of groups with many prompts
 * each: how many answer options the ask lists, whether it has a blank to fill, whether it holds
 * code. (Finer signatures, e.g. with the ask's length, were tried and gained nothing.)
 */
function groupSignature(readable: string, ask: string): string {
  const options = Math.min(countMatches(ask, OPTION_LINE), 8);
  const blank = ask.includes('_') ? '|blank' : '';
  const code = CODE_CUE.test(readable) ? '|code' : '';
  return `options:${options}${blank}${code}`;
}

function toSortedFeatures(accumulator: ReadonlyMap<number, number>, group: number): PromptFeatures {
  const slots = new Uint32Array(accumulator.size);
  let position = 0;
  for (const slot of accumulator.keys()) slots[position++] = slot;
  slots.sort();
  const values = new Float32Array(slots.length);
  for (let index = 0; index < slots.length; index++) {
    values[index] = accumulator.get(slots[index]!) ?? 0;
  }
  return { slots, values, group };
}

/** The text after the last blank line that is followed by something (the prompt's actual ask). */
function lastParagraph(text: string): string {
  const trimmed = text.trimEnd();
  const blank = trimmed.lastIndexOf('\n\n');
  return blank < 0 ? trimmed : trimmed.slice(blank + 2);
}

const WORD_PATTERN = /[a-z0-9]+|[^\sa-z0-9]/g;

function wordsOf(text: string): string[] {
  return text.match(WORD_PATTERN) ?? [];
}

function distinctWords(text: string): Set<string> {
  return new Set(wordsOf(text));
}

/** A line that starts an answer option: `A)`, `(b)`, `C.`, `d:`. */
const OPTION_LINE = /^\s*\(?[a-h][).:]\s/gm;
const CODE_CUE = /```|\bdef |\bfunction\b|[{};]\s*$/m;

/** Coarse shape of the prompt: each cue is a token like `len:7`, so buckets act as categories. */
function shapeCues(original: string, readable: string, ask: string): Set<string> {
  const cues = new Set<string>(['bias']);
  cues.add(`len:${logBucket(original.length)}`);
  cues.add(`asklen:${logBucket(ask.length)}`);
  cues.add(`lines:${logBucket(countMatches(readable, /\n/g))}`);
  cues.add(`paragraphs:${Math.min(countMatches(readable, /\n\s*\n/g), 8)}`);
  cues.add(`options:${Math.min(countMatches(ask, OPTION_LINE), 8)}`);
  if (CODE_CUE.test(readable)) cues.add('code');
  if (/\d/.test(ask)) cues.add('digits');
  if (/[=+*/^<>]|\\frac|\bsqrt\b/.test(ask)) cues.add('math');
  if (ask.includes('?')) cues.add('question');
  if (ask.includes('_')) cues.add('blank');
  return cues;
}

function logBucket(count: number): number {
  return Math.floor(Math.log2(count + 1));
}

function countMatches(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/** Adds one namespace's tokens, each with value `scale / sqrt(count)` so every namespace has norm `scale`. */
function addNamespace(
  accumulator: Map<number, number>,
  namespace: string,
  tokens: ReadonlySet<string>,
  scale: number,
): void {
  if (tokens.size === 0) return;
  const value = scale / Math.sqrt(tokens.size);
  for (const token of tokens) {
    const slot = hashToken(namespace, token) & (FEATURE_SLOTS - 1);
    accumulator.set(slot, (accumulator.get(slot) ?? 0) + value);
  }
}

/** FNV-1a over `namespace:token`, 32 bits. */
function hashToken(namespace: string, token: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < namespace.length; index++) {
    hash = Math.imul(hash ^ namespace.charCodeAt(index), 0x01000193);
  }
  hash = Math.imul(hash ^ 0x3a, 0x01000193);
  for (let index = 0; index < token.length; index++) {
    hash = Math.imul(hash ^ token.charCodeAt(index), 0x01000193);
  }
  return hash >>> 0;
}

// ---------------------------------------------------------------------------------------------
// The model

/** The serialized form: per model, its bias, observation count and non-zero weights as
 * `[slot, weight, AdaGrad sum]`. */
interface SerializedPromptQualityModel {
  version: 1;
  options: PromptQualityModelOptions;
  slotObservations: Array<[number, number]>;
  models: Record<
    string,
    {
      bias: number;
      biasGradientSum: number;
      /** The learned share of level 3 and its AdaGrad sum (absent in older snapshots). */
      featureShare?: number;
      featureShareGradientSum?: number;
      observations: number;
      scoreSum: number;
      /** `[group, score sum, count]` of the groups with outcomes. */
      groups: Array<[number, number, number]>;
      weights: Array<[number, number, number]>;
    }
  >;
}

/** Room for this many more models is added at a time (then half again as many). */
const MIN_MODEL_CAPACITY = 8;

export class PromptQualityModel {
  private readonly options: PromptQualityModelOptions;
  private readonly indexByKey = new Map<string, number>();
  private readonly keys: string[] = [];
  private capacity = 0;
  private biases = new Float64Array(0);
  private biasGradientSums = new Float64Array(0);
  /** Per model: the share of level 3 in the prediction, and its AdaGrad sum. */
  private featureShares = new Float64Array(0);
  private featureShareGradientSums = new Float64Array(0);
  private observationCounts = new Float64Array(0);
  private scoreSums = new Float64Array(0);
  /** Per model and prompt group (`[model * GROUP_SLOTS + group]`): score sums and counts. */
  private groupScoreSums = new Float64Array(0);
  private groupCounts = new Float64Array(0);
  /**
   * Weights and AdaGrad sums of every model, slot-major (`[slot * capacity + model]`): the router
   * predicts for every model with the same few slots, so the reads for one slot are adjacent in
   * memory instead of scattered over one table per model.
   */
  private weights = new Float32Array(0);
  private gradientSums = new Float32Array(0);
  /** How many outcomes (of any model) each slot took part in: how familiar a prompt looks, and
   * how common a word is (its inverse frequency weights it). */
  private readonly slotObservations = new Uint32Array(FEATURE_SLOTS);
  /** All outcomes of all models. */
  private totalObservations = 0;
  /** Bumped by every observation, so cached per-prompt values never outlive what they were
   * computed on. */
  private version = 0;
  private lastFamiliarity: { features: PromptFeatures; version: number; value: number } | undefined;
  private lastWeighted:
    | { features: PromptFeatures; version: number; values: Float64Array }
    | undefined;

  constructor(options: Partial<PromptQualityModelOptions> = {}) {
    this.options = { ...DEFAULT_PROMPT_QUALITY_OPTIONS, ...options };
  }

  /** Learns from one outcome: `modelKey` (`provider/modelId`) answered this prompt with `score`
   * in [0, 1] (1 = fully good). Scores outside [0, 1] are clamped. */
  observe(modelKey: string, features: PromptFeatures, score: number): void {
    const target = Math.min(1, Math.max(0, Number.isFinite(score) ? score : 0));
    const model = this.indexOf(modelKey);
    const values = this.weightedValues(features);
    const groupPrediction = sigmoid(this.groupLogit(model, features.group));
    const featurePrediction = sigmoid(this.logit(model, features, values));
    this.learnFeatureShare(model, groupPrediction, featurePrediction, target);
    const error = featurePrediction - target;
    const { learningRate, biasLearningRate, l2 } = this.options;

    this.biasGradientSums[model]! += error * error;
    this.biases[model]! -=
      (biasLearningRate * error) / Math.sqrt(this.biasGradientSums[model]! + 1e-6);
    const { slots } = features;
    for (let index = 0; index < slots.length; index++) {
      const slot = slots[index]!;
      const cell = slot * this.capacity + model;
      const weight = this.weights[cell]!;
      const gradient = error * values[index]! + l2 * weight;
      const sum = this.gradientSums[cell]! + gradient * gradient;
      this.gradientSums[cell] = sum;
      this.weights[cell] = weight - (learningRate * gradient) / Math.sqrt(sum + 1e-6);
      this.slotObservations[slot]!++;
    }
    this.totalObservations++;
    this.observationCounts[model]!++;
    this.scoreSums[model]! += target;
    this.groupScoreSums[model * GROUP_SLOTS + features.group]! += target;
    this.groupCounts[model * GROUP_SLOTS + features.group]!++;
    this.version++;
  }

  /** One AdaGrad step on the squared error of the mixed prediction, made before the model learns
   * from the outcome, so the share is judged on prompts the model had not seen. */
  private learnFeatureShare(
    model: number,
    groupPrediction: number,
    featurePrediction: number,
    target: number,
  ): void {
    const share = this.featureShares[model]!;
    const mixed = (1 - share) * groupPrediction + share * featurePrediction;
    const gradient = 2 * (mixed - target) * (featurePrediction - groupPrediction);
    const sum = this.featureShareGradientSums[model]! + gradient * gradient;
    this.featureShareGradientSums[model] = sum;
    const next = share - (FEATURE_SHARE_LEARNING_RATE * gradient) / Math.sqrt(sum + 1e-6);
    this.featureShares[model] = Math.min(1, Math.max(0, next));
  }

  /** Predicts how good `modelKey`'s answer to this prompt will be; undefined when the model has
   * never been observed. */
  predict(modelKey: string, features: PromptFeatures): QualityPrediction | undefined {
    const model = this.indexByKey.get(modelKey);
    if (model === undefined) return undefined;
    const share = this.featureShares[model]!;
    const groupPrediction = sigmoid(this.groupLogit(model, features.group));
    const featurePrediction = sigmoid(this.logit(model, features, this.weightedValues(features)));
    return {
      mean: (1 - share) * groupPrediction + share * featurePrediction,
      weight: this.observationCounts[model]! * this.familiarity(features),
    };
  }

  /** How many outcomes `modelKey` has on prompts of `group` (0 for a model without any). */
  groupObservations(modelKey: string, group: number): number {
    const model = this.indexByKey.get(modelKey);
    return model === undefined ? 0 : this.groupCounts[model * GROUP_SLOTS + group]!;
  }

  /** Whether `modelKey` has outcomes (otherwise `predict` answers undefined). */
  knows(modelKey: string): boolean {
    return this.indexByKey.has(modelKey);
  }

  /** How many models have outcomes (0: every prediction is undefined, features are not needed). */
  get observedModelCount(): number {
    return this.keys.length;
  }

  /** The models that have outcomes, with how many each has. */
  observedModels(): Array<{ modelKey: string; observations: number }> {
    return this.keys.map((modelKey, model) => ({
      modelKey,
      observations: this.observationCounts[model]!,
    }));
  }

  toJSON(): SerializedPromptQualityModel {
    const models: SerializedPromptQualityModel['models'] = {};
    this.keys.forEach((modelKey, model) => {
      const weights: Array<[number, number, number]> = [];
      for (let slot = 0; slot < FEATURE_SLOTS; slot++) {
        const cell = slot * this.capacity + model;
        const weight = this.weights[cell]!;
        const gradientSum = this.gradientSums[cell]!;
        if (weight !== 0 || gradientSum !== 0) weights.push([slot, weight, gradientSum]);
      }
      const groups: Array<[number, number, number]> = [];
      for (let group = 0; group < GROUP_SLOTS; group++) {
        const count = this.groupCounts[model * GROUP_SLOTS + group]!;
        if (count > 0)
          groups.push([group, this.groupScoreSums[model * GROUP_SLOTS + group]!, count]);
      }
      models[modelKey] = {
        bias: this.biases[model]!,
        biasGradientSum: this.biasGradientSums[model]!,
        featureShare: this.featureShares[model]!,
        featureShareGradientSum: this.featureShareGradientSums[model]!,
        observations: this.observationCounts[model]!,
        scoreSum: this.scoreSums[model]!,
        groups,
        weights,
      };
    });
    const slotObservations: Array<[number, number]> = [];
    this.slotObservations.forEach((count, slot) => {
      if (count > 0) slotObservations.push([slot, count]);
    });
    return { version: 1, options: { ...this.options }, slotObservations, models };
  }

  /** Rebuilds a model from `toJSON()` output. Throws a TypeError on anything else. */
  static fromJSON(json: unknown): PromptQualityModel {
    if (!isSerializedModel(json)) throw new TypeError('not a serialized PromptQualityModel');
    const restored = new PromptQualityModel(json.options);
    for (const [slot, count] of json.slotObservations) {
      if (isSlot(slot)) restored.slotObservations[slot] = count;
    }
    for (const [modelKey, saved] of Object.entries(json.models)) {
      const model = restored.indexOf(modelKey);
      restored.biases[model] = saved.bias;
      restored.featureShares[model] = saved.featureShare ?? INITIAL_FEATURE_SHARE;
      restored.featureShareGradientSums[model] = saved.featureShareGradientSum ?? 0;
      restored.totalObservations += saved.observations;
      restored.biasGradientSums[model] = saved.biasGradientSum;
      restored.observationCounts[model] = saved.observations;
      restored.scoreSums[model] = saved.scoreSum;
      for (const [group, scoreSum, count] of saved.groups) {
        if (!Number.isInteger(group) || group < 0 || group >= GROUP_SLOTS) continue;
        restored.groupScoreSums[model * GROUP_SLOTS + group] = scoreSum;
        restored.groupCounts[model * GROUP_SLOTS + group] = count;
      }
      for (const [slot, weight, gradientSum] of saved.weights) {
        if (!isSlot(slot)) continue;
        restored.weights[slot * restored.capacity + model] = weight;
        restored.gradientSums[slot * restored.capacity + model] = gradientSum;
      }
    }
    return restored;
  }

  private logit(model: number, features: PromptFeatures, values: Float64Array): number {
    let sum = this.biases[model]! + this.groupLogit(model, features.group);
    const { slots } = features;
    const { capacity, weights } = this;
    // Slots are < FEATURE_SLOTS by construction, so every read is in bounds.
    for (let index = 0; index < slots.length; index++) {
      sum += weights[slots[index]! * capacity + model]! * values[index]!;
    }
    return sum;
  }

  /**
   * Levels 1 and 2 as a logit: the model's average in the group, starting from its overall
   * average (itself starting from 1/2 with one pseudo-observation each way).
   */
  private groupLogit(model: number, group: number): number {
    const overall = (this.scoreSums[model]! + 1) / (this.observationCounts[model]! + 2);
    const cell = model * GROUP_SLOTS + group;
    const mean =
      (this.groupScoreSums[cell]! + GROUP_PRIOR_OBSERVATIONS * overall) /
      (this.groupCounts[cell]! + GROUP_PRIOR_OBSERVATIONS);
    const bounded = Math.min(1 - 1e-3, Math.max(1e-3, mean));
    return Math.log(bounded / (1 - bounded));
  }

  /** The index of a model, adding it (with room for more) on first sight. */
  private indexOf(modelKey: string): number {
    const known = this.indexByKey.get(modelKey);
    if (known !== undefined) return known;
    const model = this.keys.length;
    if (model >= this.capacity) this.grow();
    this.keys.push(modelKey);
    this.indexByKey.set(modelKey, model);
    this.featureShares[model] = INITIAL_FEATURE_SHARE;
    return model;
  }

  private grow(): void {
    const previous = this.capacity;
    const capacity = Math.max(MIN_MODEL_CAPACITY, Math.ceil(previous * 1.5));
    const weights = new Float32Array(FEATURE_SLOTS * capacity);
    const gradientSums = new Float32Array(FEATURE_SLOTS * capacity);
    for (let slot = 0; slot < FEATURE_SLOTS; slot++) {
      const from = slot * previous;
      weights.set(this.weights.subarray(from, from + previous), slot * capacity);
      gradientSums.set(this.gradientSums.subarray(from, from + previous), slot * capacity);
    }
    this.weights = weights;
    this.gradientSums = gradientSums;
    this.biases = resized(this.biases, capacity);
    this.biasGradientSums = resized(this.biasGradientSums, capacity);
    this.featureShares = resized(this.featureShares, capacity);
    this.featureShareGradientSums = resized(this.featureShareGradientSums, capacity);
    this.observationCounts = resized(this.observationCounts, capacity);
    this.scoreSums = resized(this.scoreSums, capacity);
    this.groupScoreSums = resized(this.groupScoreSums, capacity * GROUP_SLOTS);
    this.groupCounts = resized(this.groupCounts, capacity * GROUP_SLOTS);
    this.capacity = capacity;
  }

  /**
   * The prompt's feature values weighted by inverse frequency, ln((outcomes + 1) / (outcomes
   * with the slot + 1)), and scaled back to the unweighted vector's length, so a prompt of common
   * words and one of rare words move the weights alike. Computed once per prompt and model state:
   * the router asks for every model with the same features.
   */
  private weightedValues(features: PromptFeatures): Float64Array {
    const cached = this.lastWeighted;
    if (cached && cached.features === features && cached.version === this.version) {
      return cached.values;
    }
    const { slots, values } = features;
    const weighted = new Float64Array(slots.length);
    const total = this.totalObservations + 1;
    let plainNorm = 0;
    let weightedNorm = 0;
    for (let index = 0; index < slots.length; index++) {
      const value = values[index]!;
      const inverseFrequency = Math.log(total / (this.slotObservations[slots[index]!]! + 1));
      const scaled = value * inverseFrequency;
      weighted[index] = scaled;
      plainNorm += value * value;
      weightedNorm += scaled * scaled;
    }
    const rescale = weightedNorm > 0 ? Math.sqrt(plainNorm / weightedNorm) : 0;
    for (let index = 0; index < weighted.length; index++) weighted[index]! *= rescale;
    this.lastWeighted = { features, version: this.version, values: weighted };
    return weighted;
  }

  /** Share of the prompt's feature mass on slots seen often enough, in [0, 1]. The router asks
   * for every model with the same features, so the last answer is kept until the next observe. */
  private familiarity(features: PromptFeatures): number {
    const cached = this.lastFamiliarity;
    if (cached && cached.features === features && cached.version === this.version) {
      return cached.value;
    }
    let familiar = 0;
    let total = 0;
    const { slots, values } = features;
    for (let index = 0; index < slots.length; index++) {
      const squared = values[index]! ** 2;
      const seen = this.slotObservations[slots[index]!]!;
      familiar += squared * Math.min(1, seen / FAMILIAR_AFTER_OBSERVATIONS);
      total += squared;
    }
    const value = total === 0 ? 0 : familiar / total;
    this.lastFamiliarity = { features, version: this.version, value };
    return value;
  }
}

function resized(values: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const copy = new Float64Array(length);
  copy.set(values);
  return copy;
}

function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}

function isSlot(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < FEATURE_SLOTS;
}

function isSerializedModel(json: unknown): json is SerializedPromptQualityModel {
  if (typeof json !== 'object' || json === null) return false;
  const candidate = json as Partial<SerializedPromptQualityModel>;
  return (
    candidate.version === 1 &&
    typeof candidate.options === 'object' &&
    Array.isArray(candidate.slotObservations) &&
    typeof candidate.models === 'object' &&
    candidate.models !== null
  );
}
