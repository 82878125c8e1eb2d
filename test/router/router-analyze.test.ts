import { estimateTokenCount } from 'tokenx';
import { describe, expect, it } from 'vitest';
import type { LlmRequest, TaskType } from '../../src/protocol/llm-request';
import { analyzeRequest, DEFAULT_TUNING } from '../../src/router/router-analyze';

function task(prompt: string): TaskType {
  return analyzeRequest({ prompt }).task;
}

describe('task inference', () => {
  it.each<[string, TaskType]>([
    [
      '```python\ndef add(a, b):\n    return a - b\n```\nWhy does this return the wrong sum?',
      'coding',
    ],
    ['Write a function in JavaScript that debounces a callback.', 'coding'],
    [
      'Summarize the following article in three key points: The council met on Tuesday…',
      'summarization',
    ],
    ['Translate into French: "The train leaves at noon."', 'translation'],
    [
      'Classify the sentiment of this review as positive or negative: "Terrible battery."',
      'classification',
    ],
    [
      'Extract all the email addresses from this text as JSON: contact bob@example.com',
      'extraction',
    ],
    ['Prove that the square root of 2 is irrational, step by step.', 'reasoning'],
    ['Write a short poem about the sea at night.', 'creative'],
    ['Explain photosynthesis like I’m five.', 'educational'],
    ['Who wrote the novel "Middlemarch"?', 'qa'],
    ['Good morning!', 'general'],
  ])('%s → %s', (prompt, expected) => {
    expect(task(prompt)).toBe(expected);
  });

  it('keeps a given task and says whether it was inferred', () => {
    const given = analyzeRequest({ prompt: 'Write a poem', task: 'coding' });
    expect(given).toMatchObject({ task: 'coding', taskInferred: false });
    expect(analyzeRequest({ prompt: 'Write a poem' }).taskInferred).toBe(true);
  });
});

describe('tokens', () => {
  it('estimates input tokens with tokenx, plus message overhead', () => {
    const prompt = 'Summarize the attached meeting notes in five bullet points.';
    const analysis = analyzeRequest({ prompt });
    expect(analysis.inputTokens).toBe(estimateTokenCount(prompt) + 4);
    const withSystem = analyzeRequest({ prompt, system: 'Be brief.' });
    expect(withSystem.inputTokens).toBe(estimateTokenCount(`Be brief.\n\n${prompt}`) + 8);
  });

  it('counts images and tool definitions', () => {
    const request: LlmRequest = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', image: 'data:image/png;base64,AAAA' },
          ],
        },
      ],
    };
    const text = analyzeRequest({ messages: [{ role: 'user', content: 'What is this?' }] });
    expect(analyzeRequest(request).inputTokens - text.inputTokens).toBe(1_100);
  });

  it('expects outputs from the prompt’s own cues and the task, capped by maxOutputTokens', () => {
    expect(
      analyzeRequest({ prompt: 'Write an essay of 500 words about tides.' }).expectedOutputTokens,
    ).toBe(675);
    expect(analyzeRequest({ prompt: 'Is 17 prime? Answer yes or no.' }).expectedOutputTokens).toBe(
      5,
    );
    const classification = analyzeRequest({
      prompt: 'Classify this ticket',
      task: 'classification',
    });
    expect(classification.expectedOutputTokens).toBe(10);
    const capped = analyzeRequest({
      prompt: 'Write a long story',
      task: 'creative',
      maxOutputTokens: 100,
    });
    expect(capped.expectedOutputTokens).toBe(100);
    const translation = analyzeRequest({
      prompt: 'Translate into German: '.concat('good day '.repeat(200)),
    });
    expect(translation.expectedOutputTokens).toBeGreaterThan(translation.inputTokens * 0.9);
  });

  it('expects a letter for a multiple-choice question that ends asking for its answer', () => {
    const choice = analyzeRequest({
      prompt:
        'A completely submerged object always displaces its own\nA. weight of fluid.\nB. volume of fluid.\nC. density of fluid.\nD. All of these.\nAnswer:',
    });
    expect(choice.expectedOutputTokens).toBe(5);
    expect(choice.signals).toContain('asks for the letter of an option');
    // Options alone, or an "Answer:" without options, are not enough.
    const discuss = analyzeRequest({
      prompt: 'Compare these designs:\nA. a queue\nB. a log\nWhich scales better, and why?',
    });
    expect(discuss.expectedOutputTokens).toBeGreaterThan(5);
    expect(
      analyzeRequest({ prompt: 'Question: why is the sky blue?\nAnswer:' }).expectedOutputTokens,
    ).toBeGreaterThan(5);
  });
});

describe('difficulty', () => {
  it('is higher for multi-step, hard-domain prompts than for easy asks', () => {
    const easy = analyzeRequest({ prompt: 'Hi! Quick question: what is the capital of Italy?' });
    const hard = analyzeRequest({
      prompt:
        'Design a distributed, concurrent rate limiter; compare the trade-offs of token bucket and sliding window, prove the bound on burst size, and then analyze its asymptotic complexity.',
    });
    expect(easy.difficulty).toBeLessThan(0.3);
    expect(hard.difficulty).toBeGreaterThan(0.6);
    expect(hard.signals.join(' ')).toMatch(/multi-step/);
    expect(easy.signals.join(' ')).toMatch(/easy-ask/);
  });

  it('rises with length and stays in [0, 1]', () => {
    const short = analyzeRequest({ prompt: 'Summarize: the cat sat.', task: 'summarization' });
    const long = analyzeRequest({
      prompt: `Summarize: ${'the cat sat on the mat. '.repeat(3000)}`,
      task: 'summarization',
    });
    expect(long.difficulty).toBeGreaterThan(short.difficulty);
    for (const analysis of [short, long]) {
      expect(analysis.difficulty).toBeGreaterThanOrEqual(0);
      expect(analysis.difficulty).toBeLessThanOrEqual(1);
    }
  });

  it('sets the quality need, which the quality hint shifts', () => {
    const base = analyzeRequest({ prompt: 'Explain how a bloom filter works' });
    expect(base.qualityNeed).toBeCloseTo(
      DEFAULT_TUNING.needBase + DEFAULT_TUNING.needSlope * base.difficulty,
      3,
    );
    const low = analyzeRequest({
      prompt: 'Explain how a bloom filter works',
      hints: { quality: 'low' },
    });
    const best = analyzeRequest({
      prompt: 'Explain how a bloom filter works',
      hints: { quality: 'best' },
    });
    expect(low.qualityNeed).toBeCloseTo(base.qualityNeed - 0.15, 6);
    expect(best.qualityNeed).toBe(1);
  });
});

describe('required capabilities', () => {
  it('joins the constraints with what the request implies', () => {
    const analysis = analyzeRequest({
      prompt: 'Call the weather tool',
      tools: [{ name: 'weather', parameters: { type: 'object' } }],
      responseFormat: { type: 'json' },
      constraints: { capabilities: ['reasoning'] },
    });
    expect(analysis.requiredCapabilities).toEqual(['json', 'reasoning', 'tools']);
  });
});

describe('cost of a long prompt', () => {
  it('is bounded: a 100,000-character prompt analyses in milliseconds', () => {
    const prompt = 'Please review this log. '.concat(
      '2026-11-23 12:00:01 INFO request ok 200 12ms\n'.repeat(2_300),
    );
    expect(prompt.length).toBeGreaterThan(100_000);
    const started = performance.now();
    const analysis = analyzeRequest({ prompt });
    expect(performance.now() - started).toBeLessThan(50);
    expect(analysis.inputTokens).toBeGreaterThan(estimateTokenCount(prompt) * 0.9);
    expect(analysis.inputTokens).toBeLessThan(estimateTokenCount(prompt) * 1.1);
  });
});
