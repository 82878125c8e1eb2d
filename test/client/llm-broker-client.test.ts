/**
 * The site developers' kit under Node: discovery among several brokers (a page's `window` is an
 * EventTarget here), and the fallback to a site's own OpenAI-compatible endpoint — a loopback
 * server speaking OpenAI's real wire format — with the same result and stream-part shapes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createLlmClient,
  getLlm,
  listBrokers,
  llmClient,
} from '../../client/src/llm-broker-client';
import type { LlmBrokerApi, LlmProviderDetail } from '../../src/protocol/llm-broker-api';
import type { LlmResult, LlmStreamPart } from '../../src/protocol/llm-result';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';

const ROOT = resolve(import.meta.dirname, '../..');
const ANSWER = 'The site answered this itself, from its own endpoint, token by token.';

/** A broker that announces itself as a browser extension's would; `calls` records its use. */
function fakeBroker(rdns: string, behaviour: Partial<LlmBrokerApi> = {}) {
  const calls: string[] = [];
  const provider = Object.assign(new EventTarget(), {
    generate: async () => {
      calls.push('generate');
      return { text: `from ${rdns}` } as LlmResult;
    },
    ...behaviour,
  }) as unknown as LlmBrokerApi;
  const detail: LlmProviderDetail = {
    info: { uuid: crypto.randomUUID(), name: rdns, icon: 'data:,', rdns },
    provider,
  };
  const announce = () => window.dispatchEvent(new CustomEvent('llm:announceProvider', { detail }));
  window.addEventListener('llm:requestProvider', announce);
  return {
    provider,
    calls,
    announce,
    remove: () => window.removeEventListener('llm:requestProvider', announce),
  };
}

beforeAll(() => {
  (globalThis as { window?: unknown }).window = new EventTarget();
  (globalThis as { location?: unknown }).location = { origin: 'https://site.example' };
});

describe('discovery', () => {
  let brokers: Array<ReturnType<typeof fakeBroker>> = [];
  beforeEach(() => {
    for (const broker of brokers) broker.remove();
    brokers = [];
  });

  it('resolves with null when no broker answers in time', async () => {
    const started = performance.now();
    expect(await getLlm({ timeoutMs: 50 })).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('resolves as soon as a broker announces itself', async () => {
    brokers.push(fakeBroker('dev.llm-broker'));
    const started = performance.now();
    const broker = await getLlm({ timeoutMs: 5_000 });
    expect(broker).toBe(brokers[0]!.provider);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('picks the broker asked for by rdns among several, whatever the order', async () => {
    brokers.push(fakeBroker('com.example.other'), fakeBroker('dev.llm-broker'));
    expect(await getLlm({ rdns: 'dev.llm-broker', timeoutMs: 200 })).toBe(brokers[1]!.provider);
    expect(await getLlm({ rdns: 'com.example.other', timeoutMs: 200 })).toBe(brokers[0]!.provider);
    expect(await getLlm({ rdns: 'org.absent', timeoutMs: 50 })).toBeNull();
    const all = await listBrokers({ timeoutMs: 50 });
    expect(all.map(({ info }) => info.rdns)).toEqual(['com.example.other', 'dev.llm-broker']);
  });

  it('hears a broker that announces itself late, unasked (as one that loads after the page)', async () => {
    const late = fakeBroker('dev.llm-broker');
    late.remove(); // it does not answer the request…
    brokers.push(late);
    const found = getLlm({ timeoutMs: 500 });
    setTimeout(late.announce, 20); // …but announces itself when it arrives
    expect(await found).toBe(late.provider);
  });

  it('ignores announcements that are not brokers', async () => {
    const junk = () =>
      window.dispatchEvent(
        new CustomEvent('llm:announceProvider', { detail: { info: { rdns: 'x' } } }),
      );
    window.addEventListener('llm:requestProvider', junk);
    expect(await getLlm({ timeoutMs: 50 })).toBeNull();
    window.removeEventListener('llm:requestProvider', junk);
  });
});

describe('the fallback to the site’s own endpoint', () => {
  let server: ProviderServer;
  let fallback: { baseUrl: string; model: string; apiKey: string };
  beforeAll(async () => {
    server = await startProviderServer({ kind: 'openai', apiKey: 'site-key', text: ANSWER });
    fallback = { baseUrl: `${server.url}/v1`, model: 'house-model', apiKey: 'site-key' };
  });
  afterAll(() => server.close());

  it('answers generate() in the result shape when no broker is installed', async () => {
    const client = await createLlmClient({ timeoutMs: 20, fallback });
    expect(client.broker).toBeNull();
    const result = await client.generate({ prompt: 'Hello', maxOutputTokens: 200, stop: ['\n\n'] });
    expect(result).toMatchObject({
      text: ANSWER,
      model: { provider: 'site', id: 'house-model', location: 'cloud' },
      costUsd: 0,
      attempts: [],
      finishReason: 'stop',
    });
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const sent = server.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer site-key');
    expect(sent.body).toMatchObject({
      model: 'house-model',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 200,
      stop: ['\n\n'],
      stream: false,
    });
  });

  it('streams the same parts window.llm does, even when events are split across reads', async () => {
    server.script({ kind: 'answer', text: ANSWER, splitEvents: true });
    const client = llmClient(null, { fallback });
    const stream = client.stream({ prompt: 'Stream it', system: 'Be brief.' });
    const parts: LlmStreamPart[] = [];
    for await (const part of stream) parts.push(part);
    expect(parts[0]).toMatchObject({ type: 'start', model: { provider: 'site' } });
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map((part) => part.delta).join('')).toBe(ANSWER);
    const finish = parts.at(-1);
    expect(finish).toMatchObject({ type: 'finish', result: { text: ANSWER } });
    expect((await stream.result).usage.outputTokens).toBeGreaterThan(0);
    expect(server.requests.at(-1)!.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Stream it' },
      ],
      stream: true,
    });
  });

  it('resolves stream.result without the page iterating', async () => {
    const stream = llmClient(null, { fallback }).stream({ prompt: 'Just the result' });
    expect((await stream.result).text).toBe(ANSWER);
  });

  it('stops the upstream request when the page stops reading', async () => {
    server.script({ kind: 'answer', text: ANSWER, tokenDelayMs: 50 });
    const stream = llmClient(null, { fallback }).stream({ prompt: 'A slow one' });
    for await (const part of stream) if (part.type === 'text-delta') break;
    await server.waitForClientClose({ timeoutMs: 2_000 });
    await expect(stream.result).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('uses the broker when it can serve, and the fallback when it cannot (no grant)', async () => {
    const serving = llmClient(
      {
        generate: async () => ({ text: 'from the broker' }) as LlmResult,
      } as unknown as LlmBrokerApi,
      { fallback },
    );
    expect((await serving.generate({ prompt: 'x' })).text).toBe('from the broker');

    const refusing = llmClient(
      {
        generate: () => Promise.reject(new DOMException('no grant', 'NotAllowedError')),
        stream: () => {
          const failed = Promise.reject(new DOMException('no grant', 'NotAllowedError'));
          failed.catch(() => {});
          return {
            result: failed,
            async *[Symbol.asyncIterator]() {
              yield* [];
              await failed;
            },
          };
        },
      } as unknown as LlmBrokerApi,
      { fallback },
    );
    expect((await refusing.generate({ prompt: 'x' })).model.provider).toBe('site');
    const parts: LlmStreamPart[] = [];
    const stream = refusing.stream({ prompt: 'x' });
    for await (const part of stream) parts.push(part);
    expect(parts[0]).toMatchObject({ type: 'start', model: { provider: 'site' } });
    expect((await stream.result).text).toBe(ANSWER);
  });

  it('passes on the broker errors it should not hide (a budget, an abort)', async () => {
    const broke = llmClient(
      {
        generate: () => Promise.reject(new DOMException('over budget', 'QuotaExceededError')),
      } as unknown as LlmBrokerApi,
      { fallback },
    );
    await expect(broke.generate({ prompt: 'x' })).rejects.toMatchObject({
      name: 'QuotaExceededError',
    });
  });

  it('says plainly when there is neither a broker nor a fallback', async () => {
    const client = llmClient(null);
    await expect(client.generate({ prompt: 'x' })).rejects.toMatchObject({
      name: 'NotSupportedError',
    });
    expect(await client.getPermission()).toEqual({
      origin: 'https://site.example',
      granted: false,
    });
    expect(await client.models()).toEqual([]);
  });

  it('turns an endpoint failure into a NetworkError that says what it answered', async () => {
    server.script({ kind: 'http-error', status: 500 });
    await expect(llmClient(null, { fallback }).generate({ prompt: 'x' })).rejects.toMatchObject({
      name: 'NetworkError',
      message: expect.stringMatching(/answered 500/),
    });
  });
});

describe('the files a site copies', () => {
  it('are what `npm run build:client` writes from the source', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'llm-broker-client-'));
    try {
      execFileSync(
        'node',
        [
          '--input-type=module',
          '-e',
          `import { buildClient } from ${JSON.stringify(join(ROOT, 'scripts/build-client.mjs'))}; buildClient(${JSON.stringify(fresh)});`,
        ],
        { cwd: ROOT, stdio: 'pipe' },
      );
      const committed = join(ROOT, 'client');
      for (const name of ['llm-broker-client.js', 'llm-broker-client.d.ts']) {
        expect(readFileSync(join(fresh, name), 'utf8'), name).toBe(
          readFileSync(join(committed, name), 'utf8'),
        );
      }
      for (const name of readdirSync(join(fresh, 'types'))) {
        expect(readFileSync(join(fresh, 'types', name), 'utf8'), name).toBe(
          readFileSync(join(committed, 'types', name), 'utf8'),
        );
      }
      // One module, no imports: a site can copy it as it is.
      expect(readFileSync(join(committed, 'llm-broker-client.js'), 'utf8')).not.toMatch(
        /^\s*import\s/m,
      );
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
