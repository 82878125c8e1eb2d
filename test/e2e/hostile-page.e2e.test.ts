/**
 * A hostile page, in real Chromium: thousands of malformed calls through `window.llm` and
 * straight into the relay over a port of the page's own handshake (BigInts, functions, cycles,
 * 10,000-deep nesting, 16 MB strings, throwing getters and proxies, `constructor` and `toString`
 * as method names…). Every call ends in a typed answer; nothing hangs, nothing is charged, no
 * window opens, no request reaches a provider — and a valid stream running meanwhile, and the
 * page's later calls, are untouched.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite, saveProviderAccount } from './e2e-setup';

const API_KEY = 'sk-hostile-test-0000000000000000';
const ANSWER = 'This stream was running while the page sent garbage, and it finished intact.';
const CALLS_EACH_WAY = 1_500;

type FuzzCounts = {
  viaLlm: Record<string, number>;
  viaPort: Record<string, number>;
  flooded: Record<string, number>;
};

describe('a hostile page', () => {
  let broker: BrokerBrowser;
  let openai: ProviderServer;
  let site: Page;

  beforeAll(async () => {
    openai = await startProviderServer({ kind: 'openai', apiKey: API_KEY, text: ANSWER });
    broker = await launchBroker();
    await saveProviderAccount(broker, {
      provider: 'openai',
      name: 'OpenAI',
      apiKey: API_KEY,
      baseUrl: `${openai.url}/v1`,
    });
    // Saving tested the key (one request); the tests count what sites cause.
    openai.reset();
    site = await broker.openTestPage('fuzz.html');
    await allowSite(broker, site);
  });
  afterAll(async () => {
    await broker?.close();
    await openai?.close();
  });

  it('gets a typed answer to every malformed call, and breaks nothing else', async () => {
    // A valid stream, slow, running through the whole fuzz.
    openai.script({ kind: 'answer', text: ANSWER, tokenDelayMs: 150 });
    await site.evaluate(() => {
      const scratch = window as unknown as { __stream: Promise<{ text: string; cost: number }> };
      scratch.__stream = (async () => {
        let text = '';
        const stream = window.llm.stream({ prompt: 'Keep going.' });
        for await (const part of stream) if (part.type === 'text-delta') text += part.delta;
        return { text, cost: (await stream.result).costUsd };
      })();
    });
    await openai.waitForRequests(1);
    const pagesBefore = broker.context.pages().length;

    const counts = (await site.evaluate(
      ([seed, count]) =>
        (window as unknown as { runFuzz(s: number, c: number): Promise<unknown> }).runFuzz(
          seed,
          count,
        ),
      [20261204, CALLS_EACH_WAY] as const,
    )) as FuzzCounts;
    console.log('fuzz outcomes', JSON.stringify(counts));

    for (const way of [counts.viaLlm, counts.viaPort, counts.flooded]) {
      const total = Object.values(way).reduce((sum, count) => sum + count, 0);
      expect(total).toBeGreaterThan(CALLS_EACH_WAY * 0.85);
      expect(way.hung ?? 0).toBe(0);
      expect(way.answered ?? 0).toBe(0);
      expect(Object.keys(way).filter((name) => name.startsWith('untyped'))).toEqual([]);
    }
    expect(counts.viaLlm.TypeError).toBeGreaterThan(CALLS_EACH_WAY * 0.5);
    // The flood: the frame's in-flight limit answered most at once, the background the rest.
    expect(counts.flooded.QuotaExceededError).toBeGreaterThan(0);
    expect(counts.flooded.TypeError).toBeGreaterThan(0);

    // The valid stream finished intact, and the page's next calls work.
    const streamed = await site.evaluate(
      () => (window as unknown as { __stream: Promise<{ text: string; cost: number }> }).__stream,
    );
    expect(streamed.text).toBe(ANSWER);
    expect(await site.evaluate(() => window.llm.ping())).toBe('pong');
    const after = await site.evaluate(() => window.llm.generate({ prompt: 'Still there?' }));
    expect(after.text).toBe(ANSWER);

    // Only those two requests reached the provider; no window opened; nothing else was charged.
    expect(openai.requests).toHaveLength(2);
    expect(broker.context.pages().length).toBe(pagesBefore);
    // The settings' own view of the money: the two answers cost something, nothing else did.
    const options = await broker.openExtensionPage('extension/ui/options/options.html#usage');
    const { log, spentUsd } = await options.evaluate(async () => {
      const call = async (method: string, params: unknown) =>
        (
          (await chrome.runtime.sendMessage({ channel: 'llm-broker/ui', method, params })) as {
            value: never;
          }
        ).value;
      const overview = (await call('getOverview', null)) as { month: { spentUsd: number } };
      const lines = (await call('listRequestLog', { limit: 200 })) as Array<{
        outcome: string;
        costUsd: number;
      }>;
      return { log: lines, spentUsd: overview.month.spentUsd };
    });
    // The most recent lines: the refusals (free) and the last answer.
    expect(log.filter((line) => line.costUsd > 0)).toMatchObject([{ outcome: 'answered' }]);
    expect(log.filter((line) => line.outcome === 'refused').length).toBeGreaterThan(100);
    expect(spentUsd).toBeCloseTo(streamed.cost + after.costUsd, 12);
  }, 180_000);
});
