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
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    throw new TypeError(`\`${at}.content\` must be a string or an array of { type, value }.`);
  }
  // Contiguous text parts are joined with nothing between them, as the spec does.
  let text = '';
  content.forEach((part: unknown, index) => {
    const where = `${at}.content[${index}]`;
    if (!isObject(part)) throw new TypeError(`\`${where}\` must be a { type, value } object.`);
    const type = part.type as LanguageModelMessageType;
    if (!LANGUAGE_MODEL_MESSAGE_TYPES.includes(type)) {
      throw new TypeError(`\`${where}.type\` must be one of ${LANGUAGE_MODEL_MESSAGE_TYPES}.`);
    }
    if (type !== 'text') {
      throw notSupported(`\`${where}\`: only text input is supported, not ${type}.`);
    }
    if (typeof part.value !== 'string') throw new TypeError(`\`${where}.value\` must be a string.`);
    text += part.value;
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
  if (typeof input === 'string')
    return { system: undefined, messages: [{ role: 'user', content: input }] };
  if (!Array.isArray(input)) {
    throw new TypeError(`\`${name}\` must be a string or an array of { role, content } messages.`);
  }
  if (input.length === 0) return { system: undefined, messages: [{ role: 'user', content: '' }] };
  const prompt: CanonicalPrompt = { system: undefined, messages: [] };
  input.forEach((message: unknown, index) => {
    const at = `${name}[${index}]`;
    const content = canonicalizeMessage(message, at, index === input.length - 1);
    const { role } = message as { role: TextMessage['role'] | 'system' };
    if (role !== 'system') prompt.messages.push({ role, content });
    else if (index === 0 && !hasContext) prompt.system = content;
    else throw new TypeError(`\`${at}\`: a system message may only open the conversation.`);
  });
  return prompt;
}

/** The options `availability()` and `create()` share, and whether the broker can honour them. */
export interface CoreOptions {
  temperature: number | undefined;
  /** False when they ask for something only text-in, text-out sessions cannot give. */
  supported: boolean;
}

/** `expectedInputs` / `expectedOutputs`: whether every entry is text. */
function expectsOnlyText(value: unknown, name: string): boolean {
  if (value === undefined) return true;
  if (!Array.isArray(value)) throw new TypeError(`\`${name}\` must be an array.`);
  return value.every((expected: unknown, index) => {
    const at = `${name}[${index}]`;
    if (!isObject(expected)) throw new TypeError(`\`${at}\` must be a { type, languages } object.`);
    const type = expected.type as LanguageModelMessageType;
    if (!LANGUAGE_MODEL_MESSAGE_TYPES.includes(type)) {
      throw new TypeError(`\`${at}.type\` must be one of ${LANGUAGE_MODEL_MESSAGE_TYPES}.`);
    }
    const { languages } = expected;
    if (languages !== undefined) {
      if (!Array.isArray(languages) || languages.some((tag) => typeof tag !== 'string')) {
        throw new TypeError(`\`${at}.languages\` must be an array of language tags.`);
      }
      Intl.getCanonicalLocales(languages); // a RangeError for an invalid tag, as the spec says
    }
    return type === 'text';
  });
}

function optionalNumber(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`\`${name}\` must be a number.`);
  }
  return value;
}

export function parseCoreOptions(options: Record<string, unknown>): CoreOptions {
  let temperature = optionalNumber(options.temperature, 'temperature');
  if (temperature !== undefined) {
    if (temperature < 0) throw new RangeError('`temperature` must be at least 0.');
    temperature = Math.min(temperature, 2); // the spec clamps to the maximum (+Infinity included)
  }
  // Checked as the spec says, then ignored (see LanguageModelCreateCoreOptions.topK).
  const topK = optionalNumber(options.topK, 'topK');
  if (topK !== undefined && topK < 1) throw new RangeError('`topK` must be at least 1.');
  const { tools } = options;
  if (tools !== undefined && !Array.isArray(tools))
    throw new TypeError('`tools` must be an array.');
  const textIn = expectsOnlyText(options.expectedInputs, 'expectedInputs');
  const textOut = expectsOnlyText(options.expectedOutputs, 'expectedOutputs');
  return { temperature, supported: textIn && textOut && !tools?.length };
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

export function parsePromptOptions(value: unknown): PromptOptions {
  const options = dictionary(value, 'options');
  const { responseConstraint, omitResponseConstraintInput } = options;
  if (omitResponseConstraintInput === true && responseConstraint === undefined) {
    throw new TypeError('`omitResponseConstraintInput` needs a `responseConstraint`.');
  }
  if (responseConstraint instanceof RegExp) {
    throw notSupported('A RegExp `responseConstraint` is not supported; give a JSON Schema.');
  }
  if (
    responseConstraint !== undefined &&
    (!isObject(responseConstraint) || Array.isArray(responseConstraint))
  ) {
    throw new TypeError('`responseConstraint` must be a JSON Schema object.');
  }
  return { signal: optionalSignal(options), schema: responseConstraint };
}
