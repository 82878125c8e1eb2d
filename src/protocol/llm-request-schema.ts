/**
 * Validation of requests from pages. Everything a page sends is untrusted (docs/architecture.md
 * §5): it is checked here, size-limited, and a malformed request becomes a `TypeError` that names
 * the field.
 */
import { z } from 'zod';
import { LlmError } from './llm-errors';
import {
  CAPABILITIES,
  type LlmRequest,
  PRESETS,
  PRIVACY_LEVELS,
  QUALITY_HINTS,
  SPEED_HINTS,
  TASK_TYPES,
} from './llm-request';
import { PlainDataError, plainDataCopy } from './plain-data';

/** Limits that keep one page from exhausting the broker's memory or the user's money. */
export const REQUEST_LIMITS = {
  textChars: 2_000_000,
  messages: 1_000,
  contentParts: 64,
  imageChars: 8_000_000,
  stopSequences: 8,
  stopChars: 200,
  tools: 64,
  maxOutputTokens: 1_000_000,
  jsonSchemaChars: 100_000,
} as const;

// The page's CSP applies to nothing here (this runs in the background), but zod's JIT probe
// would log an eval violation in the extension's own CSP; parsing without it is fast enough.
z.config({ jitless: true });

const text = z.string().max(REQUEST_LIMITS.textChars);

const jsonObject = z
  .record(z.string(), z.unknown())
  .refine((value) => JSON.stringify(value).length <= REQUEST_LIMITS.jsonSchemaChars, {
    message: `must be at most ${REQUEST_LIMITS.jsonSchemaChars} characters of JSON`,
  });

const contentPart = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text }),
  z.strictObject({
    type: z.literal('image'),
    image: z
      .string()
      .max(REQUEST_LIMITS.imageChars)
      .regex(/^(data:image\/[a-z+.-]+;base64,|https:\/\/)/, 'must be a data: URL or an https URL'),
    mediaType: z.string().max(100).optional(),
  }),
]);

const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.union([text, z.array(contentPart).min(1).max(REQUEST_LIMITS.contentParts)]),
});

const requestSchema = z
  .strictObject({
    prompt: text.min(1).optional(),
    system: text.optional(),
    messages: z.array(message).min(1).max(REQUEST_LIMITS.messages).optional(),
    task: z.enum(TASK_TYPES).optional(),
    hints: z
      .strictObject({
        quality: z.enum(QUALITY_HINTS).optional(),
        speed: z.enum(SPEED_HINTS).optional(),
        preset: z.enum(PRESETS).optional(),
        cascade: z.boolean().optional(),
      })
      .optional(),
    constraints: z
      .strictObject({
        maxCostUsd: z.number().finite().nonnegative().optional(),
        maxLatencyMs: z.number().finite().positive().optional(),
        minContextTokens: z.number().int().positive().optional(),
        privacy: z.enum(PRIVACY_LEVELS).optional(),
        capabilities: z.array(z.enum(CAPABILITIES)).max(CAPABILITIES.length).optional(),
      })
      .optional(),
    maxOutputTokens: z.number().int().positive().max(REQUEST_LIMITS.maxOutputTokens).optional(),
    temperature: z.number().min(0).max(2).optional(),
    stop: z
      .array(z.string().min(1).max(REQUEST_LIMITS.stopChars))
      .max(REQUEST_LIMITS.stopSequences)
      .optional(),
    responseFormat: z
      .strictObject({ type: z.literal('json'), schema: jsonObject.optional() })
      .optional(),
    tools: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -'),
          description: z.string().max(4_000).optional(),
          parameters: jsonObject,
        }),
      )
      .max(REQUEST_LIMITS.tools)
      .optional(),
    allowRestart: z.boolean().optional(),
  })
  .refine((request) => (request.prompt === undefined) !== (request.messages === undefined), {
    message: 'give exactly one of `prompt` or `messages`',
  });

/** Parses an untrusted request; throws a `TypeError`-named LlmError that says what is wrong. */
export function parseLlmRequest(input: unknown): LlmRequest {
  // Size and depth first, without recursion: the schema below walks what it is given.
  let data: unknown;
  try {
    data = plainDataCopy(input, 'request');
  } catch (error) {
    if (error instanceof PlainDataError)
      throw new LlmError({ name: 'TypeError', message: error.message });
    throw error;
  }
  const parsed = requestSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `\`${issue.path.join('.')}\` ` : '';
  throw new LlmError({
    name: 'TypeError',
    message: `Invalid request: ${where}${issue?.message ?? 'malformed'}.`,
  });
}
