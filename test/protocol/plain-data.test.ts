import { describe, expect, it } from 'vitest';
import { PLAIN_DATA_LIMITS, PlainDataError, plainDataCopy } from '../../src/protocol/plain-data';

describe('plainDataCopy', () => {
  it('copies plain data exactly, dropping undefined properties as JSON does', () => {
    const value = {
      prompt: 'hi',
      n: 1.5,
      ok: true,
      nothing: null,
      list: [1, 'two', { three: [3] }, undefined],
      gone: undefined,
      bare: Object.assign(Object.create(null), { a: 1 }),
    };
    const copy = plainDataCopy(value) as typeof value;
    expect(copy).toEqual({
      prompt: 'hi',
      n: 1.5,
      ok: true,
      nothing: null,
      list: [1, 'two', { three: [3] }, null],
      bare: { a: 1 },
    });
    expect(copy).not.toBe(value);
    expect(copy.list[2]).not.toBe(value.list[2]);
    expect('gone' in copy).toBe(false);
  });

  it('reads a getter once, so what was checked is what is sent', () => {
    let reads = 0;
    const value = {
      get prompt() {
        reads++;
        return reads === 1 ? 'checked' : { sneaky: 10n };
      },
    };
    expect(plainDataCopy(value)).toEqual({ prompt: 'checked' });
    expect(reads).toBe(1);
  });

  it.each([
    ['a BigInt', { prompt: 'x', maxOutputTokens: 10n }, /`maxOutputTokens` cannot be a bigint/],
    ['a function', { prompt: () => 'x' }, /`prompt` cannot be a function/],
    ['a symbol', { prompt: Symbol('x') }, /cannot be a symbol/],
    ['NaN', { temperature: Number.NaN }, /`temperature` must be a finite number/],
    ['Infinity', { temperature: Number.POSITIVE_INFINITY }, /finite number/],
    ['a Date', { when: new Date() }, /`when` must be plain data/],
    ['a Map', { messages: new Map() }, /`messages` must be plain data/],
  ])('refuses %s, naming where', (_label, value, message) => {
    expect(() => plainDataCopy(value, 'the request')).toThrow(message);
    expect(() => plainDataCopy(value)).toThrow(PlainDataError);
    expect(() => plainDataCopy(value)).toThrow(TypeError);
  });

  it('refuses a cycle and very deep nesting without overflowing the stack', () => {
    const cycle: Record<string, unknown> = { prompt: 'x' };
    cycle.self = cycle;
    expect(() => plainDataCopy(cycle)).toThrow(/nested deeper than 48 levels/);
    let deep: unknown = 'bottom';
    for (let level = 0; level < 10_000; level++) deep = { schema: deep };
    expect(() => plainDataCopy(deep, 'the request')).toThrow(
      /Invalid the request: `schema(\.schema)+` is nested deeper than 48 levels/,
    );
    let list: unknown = [];
    for (let level = 0; level < 100_000; level++) list = [list];
    expect(() => plainDataCopy(list)).toThrow(/nested deeper/);
  });

  it('refuses more characters or values than the limits, naming the limit', () => {
    const big = {
      messages: Array.from({ length: 20 }, () => ({ content: 'x'.repeat(1_000_000) })),
    };
    expect(() => plainDataCopy(big, 'the request')).toThrow(
      /the request: is larger than 16,000,000 characters/,
    );
    const many = { list: Array.from({ length: PLAIN_DATA_LIMITS.maxValues + 1 }, () => 0) };
    expect(() => plainDataCopy(many)).toThrow(/more than 200000 values/);
    // A shared object is copied as often as it is referenced, and that is bounded too.
    let shared: unknown = { leaf: 1 };
    for (let level = 0; level < 30; level++) shared = { a: shared, b: shared };
    expect(() => plainDataCopy(shared)).toThrow(/more than 200000 values/);
  });
});

describe('plainDataCopy and values that throw', () => {
  it('turns a throwing getter or proxy trap into a TypeError that says so', () => {
    const getter = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    expect(() => plainDataCopy({ prompt: getter }, 'the request')).toThrow(
      /Invalid the request: part of it could not be read \(getter\)/,
    );
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    expect(() => plainDataCopy(trap)).toThrow(PlainDataError);
  });
});
