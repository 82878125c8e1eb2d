/**
 * The Prompt API shim's bookkeeping over a small context window, with a broker stand-in that
 * counts one token per word (the real broker is exercised end to end): turns that outgrow the
 * window evict the oldest ones and fire `contextoverflow`; a turn larger than the whole window
 * is a QuotaExceededError with `requested` and `quota`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createLanguageModel,
  MOST_CONTEXT_TOKENS,
} from '../../../extension/content/language-model';
import type { LanguageModelSession } from '../../../src/protocol/language-model';
import type { LlmRequest } from '../../../src/protocol/llm-request';
import { parseLlmRequest } from '../../../src/protocol/llm-request-schema';
import { analyzeRequest } from '../../../src/router/router-analyze';

const WINDOW = 20;
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
const tokensOf = (request: LlmRequest) =>
  (request.messages ?? []).reduce(
    (sum, message) => sum + words(typeof message.content === 'string' ? message.content : ''),
    0,
  );

const sent: LlmRequest[] = [];
const broker = {
  getPermission: async () => ({ origin: 'https://site.example', granted: true }),
  requestPermission: async () => ({ origin: 'https://site.example', granted: true }),
  models: async () => [{ contextTokens: WINDOW }] as never,
  countTokens: async (request: LlmRequest) => tokensOf(request),
  generate: async (request: LlmRequest) => {
    sent.push(request);
    return { text: 'two words', usage: { inputTokens: 0, outputTokens: 0 } } as never;
  },
  stream: () => {
    throw new Error('not used');
  },
};

beforeAll(() => {
  // Node has no ProgressEvent; the shim only dispatches it.
  (globalThis as { ProgressEvent?: unknown }).ProgressEvent ??= class extends Event {
    readonly loaded: number;
    constructor(type: string, init: { loaded?: number } = {}) {
      super(type);
      this.loaded = init.loaded ?? 0;
    }
  };
});

describe('context bookkeeping', () => {
  it('evicts the oldest turns, keeps the system prompt and says so with contextoverflow', async () => {
    const LanguageModel = createLanguageModel(broker);
    const session: LanguageModelSession = await LanguageModel.create({
      initialPrompts: [{ role: 'system', content: 'be brief' }],
    });
    let overflows = 0;
    session.addEventListener('contextoverflow', () => overflows++);
    expect(session.contextUsage).toBe(2);
    await session.prompt('one two three four five'); // 5 + 2 → 9
    await session.prompt('six seven eight nine ten'); // 9 + 7 → 16
    expect(session.contextUsage).toBe(16);
    expect(overflows).toBe(0);
    await session.prompt('a b c d e'); // needs 5 more: the first turn makes way
    expect(overflows).toBe(1);
    expect(session.contextUsage).toBeLessThanOrEqual(WINDOW);
    const last = sent.at(-1)!;
    expect(last.system).toBe('be brief');
    expect(last.messages?.map((message) => message.content)).not.toContain(
      'one two three four five',
    );
    expect(last.messages?.at(-1)).toEqual({ role: 'user', content: 'a b c d e' });
  });

  it('refuses a turn larger than the whole window with requested and quota', async () => {
    const session = await createLanguageModel(broker).create();
    const huge = 'word '.repeat(WINDOW + 5);
    const error = (await session.prompt(huge).catch((caught) => caught)) as DOMException & {
      requested: number;
      quota: number;
    };
    expect(error.name).toBe('QuotaExceededError');
    expect(error.requested).toBe(WINDOW + 5);
    expect(error.quota).toBe(WINDOW);
    expect(await session.measureContextUsage(huge)).toBe(WINDOW + 5);
    expect(session.contextUsage).toBe(0);
  });
});

describe('the largest window a session offers', () => {
  it('is cut to what one message through the bridge may carry', async () => {
    const large = { ...broker, models: async () => [{ contextTokens: 1_047_576 }] as never };
    const session = await createLanguageModel(large).create();
    expect(session.contextWindow).toBe(MOST_CONTEXT_TOKENS);
  });

  it('fits a turn that fills it in the request limits, counted as the router counts', () => {
    // Long words and their spaces: the most characters a token takes in the router's count.
    const word = 'Abcdefg ';
    const tokensPerThousand = analyzeRequest(
      parseLlmRequest({ prompt: word.repeat(1000) }),
    ).inputTokens;
    const fills = word.repeat(Math.ceil((MOST_CONTEXT_TOKENS * 1000) / tokensPerThousand));
    expect(() => parseLlmRequest({ prompt: fills })).not.toThrow();
  });
});
