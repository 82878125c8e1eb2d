/**
 * What a page hands the `LanguageModel` shim, checked and put in canonical form: the Prompt API's
 * "validate and canonicalize a prompt" and its option dictionaries, narrowed to what the router
 * can honour. Wrong types are a TypeError naming the field; what the spec defines but the broker
 * cannot do (images, audio, tools, prefill, RegExp constraints) is a NotSupportedError.
 */
import {
  LANGUAGE_MODEL_MESSAGE_TYPES,
  type LanguageModelMessageType,
} from '../../src/protocol/language-model';

/** A turn the router can take: plain text with a role. */
export interface TextMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** A prompt in canonical form: an optional leading system prompt, then the turns. */
export interface CanonicalPrompt {
  system: string | undefined;
  messages: TextMessage[];
}

export function notSupported(message: string): DOMException {
  return new DOMException(message, 'NotSupportedError');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** An image, audio or binary value (what a text part's value cannot be). */
function isMedia(value: unknown): boolean {
  return (
    value instanceof Blob ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (typeof ImageBitmap !== 'undefined' && value instanceof ImageBitmap) ||
    (typeof ImageData !== 'undefined' && value instanceof ImageData) ||
    (typeof Element !== 'undefined' && value instanceof Element)
  );
}

function isIterableObject(value: unknown): value is Iterable<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}

/** A WebIDL dictionary argument: absent is `{}`, anything but an object is a TypeError. */
export function dictionary(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new TypeError(`\`${name}\` must be an object.`);
  return value;
}

export function optionalSignal(options: Record<string, unknown>): AbortSignal | undefined {
  const { signal } = options;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw new TypeError('`signal` must be an AbortSignal.');
  return signal;
}

function canonicalizeMessage(message: unknown, at: string, isLast: boolean): string {
  if (!isObject(message)) throw new TypeError(`\`${at}\` must be a { role, content } object.`);
  const { role, content, prefix } = message;
  if (role !== 'system' && role !== 'user' && role !== 'assistant') {
    throw new TypeError(`\`${at}.role\` must be "system", "user" or "assistant".`);
  }
  if (prefix === true) {
    if (role !== 'assistant' || !isLast) {
      throw new DOMException(
        `\`${at}.prefix\` is only allowed on a final assistant message.`,
        'SyntaxError',
      );
    }
    throw notSupported('Prefilling the answer (`prefix: true`) is not supported.');
  }
  // WebIDL's (DOMString or sequence<…>): an iterable is the sequence, anything else a string.
  if (!isIterableObject(content)) return String(content);
  // Contiguous text parts are joined with nothing between them, as the spec does.
  let text = '';
  Array.from(content).forEach((part: unknown, index) => {
    const where = `${at}.content[${index}]`;
    if (!isObject(part)) throw new TypeError(`\`${where}\` must be a { type, value } object.`);
    const type = part.type as LanguageModelMessageType;
    if (!LANGUAGE_MODEL_MESSAGE_TYPES.includes(type)) {
      throw new TypeError(`\`${where}.type\` must be one of ${LANGUAGE_MODEL_MESSAGE_TYPES}.`);
    }
    if (type !== 'text') {
      throw notSupported(`\`${where}\`: only text input is supported, not ${type}.`);
    }
    // WebIDL converts any other value to a string; media cannot be text.
    if (isMedia(part.value)) throw new TypeError(`\`${where}.value\` must be a string.`);
    text += String(part.value);
  });
  return text;
}

/**
 * The spec's "validate and canonicalize a prompt". A system message may only come first, and only
 * while the session has no context yet (`hasContext`); otherwise it is a TypeError.
 */
export function canonicalizePrompt(
  input: unknown,
  hasContext: boolean,
  name = 'input',
): CanonicalPrompt {
  // WebIDL's (sequence<LanguageModelMessage> or DOMString): an iterable object is the sequence;
  // anything else — null, undefined, a number, a plain object — is converted to a string.
  if (typeof input === 'string' || !isIterableObject(input))
    return { system: undefined, messages: [{ role: 'user', content: String(input) }] };
  const sequence = Array.from(input);
  if (sequence.length === 0)
    return { system: undefined, messages: [{ role: 'user', content: '' }] };
  const prompt: CanonicalPrompt = { system: undefined, messages: [] };
  sequence.forEach((message: unknown, index) => {
    const at = `${name}[${index}]`;
    const content = canonicalizeMessage(message, at, index === sequence.length - 1);
    const { role } = message as { role: TextMessage['role'] | 'system' };
    if (role !== 'system') prompt.messages.push({ role, content });
    else if (index === 0 && !hasContext) prompt.system = content;
    else throw new TypeError(`\`${at}\`: a system message may only open the conversation.`);
  });
  return prompt;
}

/** The Prompt API's sampling modes, from most predictable to most creative. */
export const SAMPLING_MODES = [
  'most-predictable',
  'predictable',
  'slightly-predictable',
  'balanced',
  'slightly-creative',
  'creative',
  'most-creative',
] as const;
export type SamplingMode = (typeof SAMPLING_MODES)[number];

/** The temperature each mode asks the router for (`balanced`: the model's own default). */
export const SAMPLING_TEMPERATURES: Record<SamplingMode, number | undefined> = {
  'most-predictable': 0,
  predictable: 0.3,
  'slightly-predictable': 0.6,
  balanced: undefined,
  'slightly-creative': 0.9,
  creative: 1.2,
  'most-creative': 1.5,
};

/** The options `availability()` and `create()` share, and whether the broker can honour them. */
export interface CoreOptions {
  samplingMode: SamplingMode;
  /** False when they ask for something text-in, text-out sessions in known languages cannot give. */
  supported: boolean;
}

/** Language names ICU knows: a tag it cannot name is a language no model here is known to serve. */
const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** `expectedInputs` / `expectedOutputs`: whether every entry is text in a known language. */
function expectsOnlyKnownText(value: unknown, name: string): boolean {
  if (value === undefined) return true;
  if (!isIterableObject(value)) throw new TypeError(`\`${name}\` must be a sequence.`);
  return Array.from(value).every((expected: unknown, index) => {
    const at = `${name}[${index}]`;
    if (!isObject(expected)) throw new TypeError(`\`${at}\` must be a { type, languages } object.`);
    const type = expected.type as LanguageModelMessageType;
    if (!LANGUAGE_MODEL_MESSAGE_TYPES.includes(type)) {
      throw new TypeError(`\`${at}.type\` must be one of ${LANGUAGE_MODEL_MESSAGE_TYPES}.`);
    }
    const { languages } = expected;
    let known = true;
    if (languages !== undefined) {
      if (!isIterableObject(languages)) {
        throw new TypeError(`\`${at}.languages\` must be a sequence of language tags.`);
      }
      // A RangeError for an invalid tag, as the spec says; valid tags come back canonical.
      const tags = Intl.getCanonicalLocales(Array.from(languages, (tag) => String(tag)));
      known = tags.every((tag) => languageNames.of(tag) !== undefined);
    }
    return type === 'text' && known;
  });
}

export function parseCoreOptions(options: Record<string, unknown>): CoreOptions {
  // `temperature` and `topK` exist only for extensions in the current spec: a page's are ignored.
  const { samplingMode = 'balanced', tools } = options;
  const mode = String(samplingMode);
  if (!(SAMPLING_MODES as readonly string[]).includes(mode)) {
    throw new TypeError(`\`samplingMode\` must be one of ${SAMPLING_MODES.join(', ')}.`);
  }
  if (tools !== undefined && !isIterableObject(tools))
    throw new TypeError('`tools` must be a sequence.');
  const textIn = expectsOnlyKnownText(options.expectedInputs, 'expectedInputs');
  const textOut = expectsOnlyKnownText(options.expectedOutputs, 'expectedOutputs');
  const noTools = tools === undefined || Array.from(tools as Iterable<unknown>).length === 0;
  return { samplingMode: mode as SamplingMode, supported: textIn && textOut && noTools };
}

export interface CreateOptions extends CoreOptions {
  signal: AbortSignal | undefined;
  monitor: ((monitor: EventTarget) => void) | undefined;
  initialPrompt: CanonicalPrompt | undefined;
}

export function parseCreateOptions(value: unknown): CreateOptions {
  const options = dictionary(value, 'options');
  const { monitor, initialPrompts } = options;
  if (monitor !== undefined && typeof monitor !== 'function') {
    throw new TypeError('`monitor` must be a function.');
  }
  if (initialPrompts !== undefined && !Array.isArray(initialPrompts)) {
    throw new TypeError('`initialPrompts` must be an array of { role, content } messages.');
  }
  return {
    ...parseCoreOptions(options),
    signal: optionalSignal(options),
    monitor: monitor as CreateOptions['monitor'],
    initialPrompt: initialPrompts?.length
      ? canonicalizePrompt(initialPrompts, false, 'initialPrompts')
      : undefined,
  };
}

export interface PromptOptions {
  signal: AbortSignal | undefined;
  schema: Record<string, unknown> | undefined;
}

const SCHEMA_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];

/**
 * A JSON Schema the router can send as it is: plain data, no cycles, every `type` a JSON Schema
 * type. Anything else is a NotSupportedError, as the spec has it for constraints a model cannot
 * follow (a TypeError is kept for what is not an object at all).
 */
function checkSchema(schema: Record<string, unknown>): void {
  const ancestors: object[] = [];
  const visit = (value: unknown, path: string): void => {
    if (!isObject(value)) return;
    if (ancestors.includes(value))
      throw notSupported(`\`responseConstraint${path}\` refers to itself.`);
    ancestors.push(value);
    if (ancestors.length > 64) throw notSupported('`responseConstraint` is nested too deeply.');
    const type = (value as Record<string, unknown>).type;
    const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
    if (!Array.isArray(value) && types.some((entry) => !SCHEMA_TYPES.includes(entry as string))) {
      throw notSupported(
        `\`responseConstraint${path}.type\` must be one of ${SCHEMA_TYPES.join(', ')}.`,
      );
    }
    for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`);
    ancestors.pop();
  };
  visit(schema, '');
}

export function parsePromptOptions(value: unknown): PromptOptions {
  const options = dictionary(value, 'options');
  const { responseConstraint, omitResponseConstraintInput } = options;
  if (omitResponseConstraintInput === true && responseConstraint === undefined) {
    throw new TypeError('`omitResponseConstraintInput` needs a `responseConstraint`.');
  }
  if (responseConstraint instanceof RegExp) {
    // No provider the router uses can hold an answer to a regular expression while it writes.
    throw notSupported('A RegExp `responseConstraint` is not supported; give a JSON Schema.');
  }
  if (
    responseConstraint !== undefined &&
    (!isObject(responseConstraint) || Array.isArray(responseConstraint))
  ) {
    throw new TypeError('`responseConstraint` must be a JSON Schema object.');
  }
  if (responseConstraint) checkSchema(responseConstraint);
  return { signal: optionalSignal(options), schema: responseConstraint };
}
