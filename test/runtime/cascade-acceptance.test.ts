/** The acceptance check of a first pass, one rule at a time. */
import { describe, expect, it } from 'vitest';
import {
  checkAnswer,
  finalAnswer,
  isRefusal,
  schemaViolation,
} from '../../src/runtime/cascade-acceptance';

const reasonOf = (verdict: ReturnType<typeof checkAnswer>) =>
  verdict.accept ? 'accepted' : verdict.reason;

describe('the acceptance check', () => {
  it('accepts a plain answer', () => {
    expect(checkAnswer({ text: 'Paris.', finishReason: 'stop' }, { task: 'qa' })).toEqual({
      accept: true,
    });
  });

  it('rejects empty and cut-off answers', () => {
    expect(reasonOf(checkAnswer({ text: '  \n' }, { task: 'general' }))).toBe('empty');
    expect(
      reasonOf(checkAnswer({ text: 'The first', finishReason: 'length' }, { task: 'general' })),
    ).toBe('truncated');
  });

  it('knows refusals by how they open, not by words later on', () => {
    for (const text of [
      "I'm sorry, but I can't help with that.",
      'I cannot provide medical advice.',
      'As an AI language model, I am unable to browse the internet.',
      "Sorry, I won't write that.",
    ]) {
      expect(isRefusal(text), text).toBe(true);
    }
    for (const text of [
      'The function returns the sum. It cannot overflow because Python integers are unbounded.',
      'Sorry for the wait: here is the summary.',
      'I think the cannot-fail case is covered by the second test.',
    ]) {
      expect(isRefusal(text), text).toBe(false);
    }
  });

  it('rejects JSON that does not parse, or breaks the schema', () => {
    const schema = {
      type: 'object',
      required: ['name', 'age'],
      properties: { name: { type: 'string' }, age: { type: 'integer' } },
    };
    expect(reasonOf(checkAnswer({ text: 'name: Ada' }, { task: 'extraction', json: {} }))).toBe(
      'invalid-json',
    );
    expect(
      reasonOf(checkAnswer({ text: '{"name":"Ada"}' }, { task: 'extraction', json: { schema } })),
    ).toBe('schema-violated');
    expect(
      checkAnswer(
        { text: '```json\n{"name":"Ada","age":36}\n```' },
        { task: 'extraction', json: { schema } },
      ),
    ).toEqual({ accept: true });
    expect(
      schemaViolation(
        { tags: ['a', 2] },
        { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } } } },
      ),
    ).toBe('$.tags[1] is not string');
  });

  it('compares two cheap answers on short-answer tasks only', () => {
    const second = { text: 'The answer is B.' };
    expect(reasonOf(checkAnswer({ text: 'Answer: C' }, { task: 'classification', second }))).toBe(
      'disagreement',
    );
    expect(checkAnswer({ text: '(b) because…' }, { task: 'classification', second })).toEqual({
      accept: true,
    });
    // Creative writing is not compared.
    expect(
      checkAnswer({ text: 'A poem.' }, { task: 'creative', second: { text: 'Another.' } }),
    ).toEqual({
      accept: true,
    });
  });

  it('finds the final answer of a reply', () => {
    expect(finalAnswer('Let me think. 12 * 3 = 36, plus 6 is 42.')).toBe('42');
    expect(finalAnswer('So the total is \\boxed{1,250}')).toBe('1250');
    expect(finalAnswer('Option 2')).toBe('2');
    expect(finalAnswer('Positive')).toBe('positive');
    expect(
      finalAnswer('A long explanation without any figure in it that goes on and on and on.'),
    ).toBe(undefined);
  });

  it('rejects an unsure answer where log-probabilities exist', () => {
    expect(reasonOf(checkAnswer({ text: 'Maybe', logprobs: [-1.2, -0.9] }, { task: 'qa' }))).toBe(
      'low-confidence',
    );
    expect(checkAnswer({ text: 'Yes', logprobs: [-0.05, -0.1] }, { task: 'qa' })).toEqual({
      accept: true,
    });
  });
});
