import { describe, expect, it } from 'vitest';
import {
  FEATURE_SLOTS,
  GROUP_SLOTS,
  type PromptFeatures,
  PromptQualityModel,
  promptFeatures,
} from '../../src/router/prompt-quality-model';

const CODING_TOPICS = ['sort a list', 'parse a date', 'merge two maps', 'reverse a string'];
const QUIZ_TOPICS = ['the tallest mountain', 'the largest ocean', 'a prime number', 'the sun'];

function codingPrompt(index: number): string {
  return `Write a python function to ${CODING_TOPICS[index % CODING_TOPICS.length]} (variant ${index}).`;
}

function quizPrompt(index: number): string {
  const topic = QUIZ_TOPICS[index % QUIZ_TOPICS.length];
  return `Which statement about ${topic} is true?\nA) one\nB) two\nC) three\nD) four\nAnswer:`;
}

/** A model that is right on coding prompts and wrong on quiz prompts, observed `rounds` times each. */
function trainedOnCodingOnly(rounds: number): PromptQualityModel {
  const model = new PromptQualityModel();
  for (let index = 0; index < rounds; index++) {
    model.observe('acme/coder', promptFeatures(codingPrompt(index)), 1);
    model.observe('acme/coder', promptFeatures(quizPrompt(index)), 0);
  }
  return model;
}

describe('promptFeatures', () => {
  it('gives distinct ascending slots in range with finite values, and a group in range', () => {
    const features = promptFeatures(quizPrompt(1));
    expect(features.slots.length).toBeGreaterThan(5);
    expect(features.values.length).toBe(features.slots.length);
    for (let index = 0; index < features.slots.length; index++) {
      expect(features.slots[index]).toBeLessThan(FEATURE_SLOTS);
      if (index > 0) expect(features.slots[index]).toBeGreaterThan(features.slots[index - 1]!);
      expect(Number.isFinite(features.values[index])).toBe(true);
    }
    expect(features.group).toBeGreaterThanOrEqual(0);
    expect(features.group).toBeLessThan(GROUP_SLOTS);
  });

  it('is deterministic and tells different prompts apart', () => {
    expect(promptFeatures(codingPrompt(2))).toEqual(promptFeatures(codingPrompt(2)));
    expect(promptFeatures(codingPrompt(2))).not.toEqual(promptFeatures(quizPrompt(2)));
  });

  it('puts multiple-choice questions and plain asks in different groups', () => {
    expect(promptFeatures(quizPrompt(0)).group).not.toBe(promptFeatures(codingPrompt(0)).group);
    expect(promptFeatures(quizPrompt(0)).group).toBe(promptFeatures(quizPrompt(3)).group);
  });

  it('reads only the head and tail of a very long prompt', () => {
    const head = 'Summarize the following report. '.repeat(300);
    const tail = ' What is the main finding?'.repeat(300);
    const middleA = 'alpha beta gamma '.repeat(20_000);
    const middleB = 'delta epsilon zeta'.padEnd(middleA.length, ' x');
    expect(promptFeatures(head + middleA + tail)).toEqual(promptFeatures(head + middleB + tail));
  });

  it('handles an empty prompt', () => {
    const features = promptFeatures('');
    expect(features.slots.length).toBeGreaterThan(0);
  });
});

describe('PromptQualityModel', () => {
  it('knows nothing of a model it never observed', () => {
    const model = new PromptQualityModel();
    expect(model.predict('acme/unknown', promptFeatures('hello'))).toBeUndefined();
  });

  it('learns which prompts a model answers well and generalizes to new prompts of each kind', () => {
    const model = trainedOnCodingOnly(40);
    const coding = model.predict('acme/coder', promptFeatures(codingPrompt(1_000)));
    const quiz = model.predict('acme/coder', promptFeatures(quizPrompt(1_000)));
    expect(coding?.mean).toBeGreaterThan(0.8);
    expect(quiz?.mean).toBeLessThan(0.2);
  });

  it('stays near the model’s own average with little evidence', () => {
    const model = new PromptQualityModel();
    for (let index = 0; index < 3; index++) {
      model.observe('acme/steady', promptFeatures(codingPrompt(index)), 0.75);
    }
    const prediction = model.predict('acme/steady', promptFeatures(quizPrompt(7)));
    expect(prediction?.mean).toBeGreaterThan(0.5);
    expect(prediction?.mean).toBeLessThan(0.85);
  });

  it('reports more evidence for familiar prompts and for more observations', () => {
    const few = trainedOnCodingOnly(2);
    const many = trainedOnCodingOnly(30);
    const familiar = promptFeatures(codingPrompt(0));
    const strange = promptFeatures('Zyx qwv plmk trrb ghhd?');
    const fewWeight = few.predict('acme/coder', familiar)?.weight ?? 0;
    const manyWeight = many.predict('acme/coder', familiar)?.weight ?? 0;
    const strangeWeight = many.predict('acme/coder', strange)?.weight ?? 0;
    expect(manyWeight).toBeGreaterThan(fewWeight);
    expect(strangeWeight).toBeLessThan(manyWeight);
    expect(strangeWeight).toBeGreaterThanOrEqual(0);
  });

  it('clamps scores outside [0, 1] and treats a non-number as 0', () => {
    const clamped = new PromptQualityModel();
    const exact = new PromptQualityModel();
    const features = promptFeatures(codingPrompt(0));
    clamped.observe('acme/a', features, 7);
    clamped.observe('acme/a', features, Number.NaN);
    exact.observe('acme/a', features, 1);
    exact.observe('acme/a', features, 0);
    expect(clamped.toJSON()).toEqual(exact.toJSON());
  });

  it('is deterministic for the same sequence of observations', () => {
    expect(trainedOnCodingOnly(10).toJSON()).toEqual(trainedOnCodingOnly(10).toJSON());
  });

  it('keeps earlier models’ weights when many more models are added', () => {
    const model = trainedOnCodingOnly(10);
    const before = model.toJSON().models['acme/coder'];
    for (let other = 0; other < 40; other++) {
      model.observe(`acme/other-${other}`, promptFeatures(quizPrompt(other)), other % 2);
    }
    // The tables grew (slot-major, so every slot's cells moved); the coder's own weights did not.
    expect(model.toJSON().models['acme/coder']).toEqual(before);
    expect(model.observedModels()).toHaveLength(41);
    expect(model.observedModelCount).toBe(41);
  });

  it('learns how far to trust the words: little where they are noise, more where they tell', () => {
    // One template, so every prompt is in one group. For the noisy model, outcomes are a fixed
    // pseudo-random pattern unrelated to the words; for the telling model, the word decides.
    const template = (word: string) => `Please answer the question below carefully: ${word}`;
    const words = ['granite', 'basalt', 'zeolite', 'quartz', 'marble', 'shale', 'slate', 'flint'];
    const model = new PromptQualityModel();
    for (let index = 0; index < 400; index++) {
      const word = words[index % words.length]!;
      const features = promptFeatures(template(`${word} ${index}`));
      model.observe('acme/noisy', features, (index * 7919) % 13 < 6 ? 1 : 0);
      model.observe('acme/telling', features, word === 'zeolite' ? 1 : 0);
    }
    const saved = model.toJSON().models;
    expect(saved['acme/noisy']?.featureShare).toBeLessThan(0.5);
    expect(saved['acme/telling']?.featureShare).toBeGreaterThan(0.5);
    const probes = words.map((word) => promptFeatures(template(word)));
    const noisy = probes.map((features) => model.predict('acme/noisy', features)!.mean);
    expect(Math.max(...noisy) - Math.min(...noisy)).toBeLessThan(0.05);
    const telling = probes.map((features) => model.predict('acme/telling', features)!.mean);
    const [zeolite] = telling.splice(2, 1);
    expect(zeolite).toBeGreaterThan(Math.max(...telling) + 0.1);
  });

  it('survives a JSON round trip with identical predictions', () => {
    const model = trainedOnCodingOnly(15);
    model.observe('acme/second', promptFeatures(quizPrompt(3)), 1);
    const restored = PromptQualityModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const probes: PromptFeatures[] = [codingPrompt(500), quizPrompt(500), 'odd one'].map((text) =>
      promptFeatures(text),
    );
    for (const features of probes) {
      for (const key of ['acme/coder', 'acme/second']) {
        expect(restored.predict(key, features)).toEqual(model.predict(key, features));
      }
    }
    restored.observe('acme/coder', probes[0]!, 1);
    model.observe('acme/coder', probes[0]!, 1);
    expect(restored.toJSON()).toEqual(model.toJSON());
  });

  it('refuses to restore something that is not a saved model', () => {
    expect(() => PromptQualityModel.fromJSON({ version: 2 })).toThrow(TypeError);
    expect(() => PromptQualityModel.fromJSON(null)).toThrow(TypeError);
    expect(() => PromptQualityModel.fromJSON('model')).toThrow(TypeError);
  });
});
