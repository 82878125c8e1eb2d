import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerBrowser, launchBroker } from './e2e-harness';

describe('the page bridge', () => {
  let broker: BrokerBrowser;
  beforeAll(async () => {
    broker = await launchBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('puts window.llm on the page before any page script runs, and announces itself', async () => {
    const page = await broker.openTestPage();
    expect(await page.evaluate(() => (window as unknown as { __llmAtStart: boolean }).__llmAtStart)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __announced: string[] }).__announced)).toContain(
      'LLM Broker',
    );
    expect(await page.evaluate(() => (window as unknown as { llm: { ping(): Promise<string> } }).llm.ping())).toBe(
      'pong',
    );
  });
});
