/**
 * The first check of anything a page sends: it must be plain JSON-like data (strings, finite
 * numbers, booleans, null, arrays and plain objects), no deeper and no larger than the limits.
 * It runs in the page's world before a call is posted (so one bad value fails that call alone,
 * with a TypeError that names the limit), again in the relay and in the background (a hostile page
 * can skip the first). The walk is iterative — a 10,000-deep value cannot overflow the stack — and
 * it returns a copy, so what was checked is exactly what is sent: getters and proxies are read
 * once.
 */

/** How big and how deep a call's data may be. */
export const PLAIN_DATA_LIMITS = {
  /** Nesting: a request is a few levels deep; JSON schemas nest further, but not this far. */
  maxDepth: 48,
  /** Characters of every string together, keys included (16 M: one large image and more). */
  maxChars: 16_000_000,
  /** Values (strings, numbers, arrays, objects…) in all. */
  maxValues: 200_000,
} as const;

export type PlainDataLimits = { [K in keyof typeof PLAIN_DATA_LIMITS]: number };

/** Why a value is not plain data, naming where and which limit. */
export class PlainDataError extends TypeError {}

// The page's scripts run after this module was evaluated, but may replace these globals; keep
// the originals (this runs in the page's own world).
const isArray = Array.isArray;
const keysOf = Object.keys;
const isFiniteNumber = Number.isFinite;
const objectToString = Object.prototype.toString;
const call = Function.prototype.call;

interface Pending {
  value: unknown;
  depth: number;
  path: string;
  /** Where the copy goes: the container and the key or index. */
  into: Record<string, unknown> | unknown[];
  at: string | number;
}

/**
 * A copy of `value` if it is plain data within `limits`; throws a PlainDataError (a TypeError)
 * saying what is wrong and where (`what` names the whole, e.g. "the request").
 */
export function plainDataCopy(
  value: unknown,
  what = 'the value',
  limits: PlainDataLimits = PLAIN_DATA_LIMITS,
): unknown {
  try {
    return copyPlainData(value, what, limits);
  } catch (error) {
    if (error instanceof PlainDataError) throw error;
    // A getter or a proxy of the page's threw while being read: the value cannot be sent.
    throw new PlainDataError(
      `Invalid ${what}: part of it could not be read (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
}

function copyPlainData(value: unknown, what: string, limits: PlainDataLimits): unknown {
  const root: unknown[] = [];
  const stack: Pending[] = [{ value, depth: 0, path: '', into: root, at: 0 }];
  let chars = 0;
  let values = 0;
  const fail = (path: string, problem: string): never => {
    throw new PlainDataError(`Invalid ${what}: ${path ? `\`${path}\` ` : ''}${problem}.`);
  };

  while (stack.length > 0) {
    const { value: item, depth, path, into, at } = stack.pop()!;
    if (++values > limits.maxValues) fail('', `has more than ${limits.maxValues} values`);
    let copy: unknown;
    switch (typeof item) {
      case 'string':
        chars += item.length;
        if (chars > limits.maxChars)
          fail('', `is larger than ${limits.maxChars.toLocaleString('en-US')} characters`);
        copy = item;
        break;
      case 'number':
        if (!isFiniteNumber(item)) fail(path, 'must be a finite number');
        copy = item;
        break;
      case 'boolean':
        copy = item;
        break;
      case 'undefined':
        // As JSON does: an undefined property is left out, an undefined array item is null.
        if (isArray(into)) copy = null;
        else continue;
        break;
      case 'object': {
        if (item === null) {
          copy = null;
          break;
        }
        // A cycle nests without end, so the depth limit catches it too; an object shared by two
        // places is copied twice, as JSON would, and the value count bounds that.
        if (depth >= limits.maxDepth)
          fail(path, `is nested deeper than ${limits.maxDepth} levels (or refers to itself)`);
        if (isArray(item)) {
          const list: unknown[] = new Array(item.length);
          for (let index = item.length - 1; index >= 0; index--) {
            stack.push({
              value: item[index],
              depth: depth + 1,
              path: `${path}[${index}]`,
              into: list,
              at: index,
            });
          }
          copy = list;
        } else {
          // By its tag, not its prototype: data that crossed from another realm (a content
          // script's view of a page object, in Firefox) has that realm's Object.prototype.
          if (call.call(objectToString, item) !== '[object Object]')
            fail(path, 'must be plain data (no dates, maps, typed arrays or DOM objects)');
          const object: Record<string, unknown> = {};
          const keys = keysOf(item);
          for (let index = keys.length - 1; index >= 0; index--) {
            const key = keys[index]!;
            chars += key.length;
            stack.push({
              value: (item as Record<string, unknown>)[key],
              depth: depth + 1,
              path: path ? `${path}.${key}` : key,
              into: object,
              at: key,
            });
          }
          copy = object;
        }
        break;
      }
      default:
        // bigint, symbol, function
        fail(path, `cannot be a ${typeof item}`);
    }
    if (isArray(into)) into[at as number] = copy;
    else (into as Record<string, unknown>)[at as string] = copy;
  }
  return root[0];
}
