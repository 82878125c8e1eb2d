/**
 * Nothing lost, nothing free, nothing over: every request from a granted site leaves exactly one
 * record; every attempt that delivered text is paid for (at an estimate when the stream broke off
 * without a usage report); the reservation bounds the call because the output allowance it holds
 * is the `max_tokens` sent upstream; and a worker that stops mid-answer is settled by the next
 * one at what its answer had delivered.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseLlmRequest } from '../../src/protocol/llm-request-schema';
import { analyzeRequest, loadBundledCatalog, RouterStats } from '../../src/router';
import { DEFAULT_OUTPUT_ALLOWANCE, inputAllowance, worstCaseCost } from '../../src/runtime/cost';
import { OMITTED_IMAGE } from '../../src/runtime/kept-text';
import { KEPT_TEXT_LENGTH } from '../../src/storage/storage-request-log';
import { modelKey } from '../../src/storage/storage-usage';
import { type BrokerWorld, createWorld, ORIGIN, rejectionOf, runCollecting } from './broker-world';

let world: BrokerWorld;
afterEach(() => world?.close());

const LONG_ANSWER = Array.from({ length: 6_000 }, (_, index) => `word${index % 50}`).join(' ');

async function ledgerOf(requestId: string) {
  const entry = await world.storage.ledger.get(requestId);
  const attempts = await world.storage.ledger.attempts(requestId);
  const log = (await world.storage.requestLog.recent({ limit: 50 })).filter(
    (line) => line.requestId === requestId,
  );
  return { entry, attempts, log };
}

describe('generate() after a fault mid-answer', () => {
  it('starts over on the next model (the page saw nothing) and pays for both', async () => {
    world = await createWorld({ providers: { openai: 100, anthropic: 10 } });
    world.servers.openai!.script({ kind: 'reset-mid-stream', afterTokens: 5 });
    const result = await world.broker.run(
      ORIGIN,
      { prompt: 'What is the capital of France?' },
      { signal: new AbortController().signal },
    );
    const [broken, answered] = result.attempts;
    expect(broken).toMatchObject({ model: { provider: 'openai' }, outcome: 'error' });
    expect(answered!.model).toEqual(result.model);
    expect(answered!.model).not.toEqual(broken!.model);
    expect(broken!.usageEstimated).toBe(true);
    expect(broken!.costUsd).toBeGreaterThan(0);
    expect(answered).toMatchObject({ outcome: 'ok' });
    expect(result.costUsd).toBeCloseTo(broken!.costUsd + answered!.costUsd, 12);

    const { entry, attempts, log } = await ledgerOf(result.requestId);
    expect(entry).toMatchObject({ status: 'settled', estimated: true });
    expect(entry!.costUsd).toBeCloseTo(result.costUsd, 12);
    expect(attempts).toHaveLength(2);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ outcome: 'answered', attemptCount: 2, estimated: true });
    // Request text is not kept unless the person asks for it.
    expect(log[0]!.request).toBeUndefined();
    expect(log[0]!.answerText).toBeUndefined();

    // The day's usage charges each model its own attempt, and counts the answer for the second.
    const today = new Date().toISOString().slice(0, 10);
    const models = await world.storage.usage.days('model', today, today);
    const first = models.find((row) => row.key === modelKey(broken!.model))!;
    const second = models.find((row) => row.key === modelKey(answered!.model))!;
    expect(first).toMatchObject({ requests: 0 });
    expect(first.costUsd).toBeCloseTo(broken!.costUsd, 9);
    expect(second).toMatchObject({ requests: 1, answered: 1 });
    expect(second.costUsd).toBeCloseTo(answered!.costUsd, 9);
  });

  it('a stream that may not restart fails, and still pays for the text it showed', async () => {
    world = await createWorld({ providers: { openai: 100, anthropic: 10 } });
    world.servers.openai!.script({ kind: 'reset-mid-stream', afterTokens: 5 });
    const error = await rejectionOf(runCollecting(world.broker, { prompt: 'Tell me a story.' }));
    expect(error).toMatchObject({ name: 'NetworkError' });
    expect(world.servers.anthropic!.requests).toHaveLength(0);
    const [line] = await world.storage.requestLog.recent({ limit: 1 });
    expect(line).toMatchObject({ outcome: 'failed', errorName: 'NetworkError', estimated: true });
    expect(line!.costUsd).toBeGreaterThan(0);
    expect(line!.outputTokens).toBeGreaterThan(0);
    const { entry } = await ledgerOf(line!.requestId);
    expect(entry).toMatchObject({ status: 'settled', estimated: true, costUsd: line!.costUsd });
  });
});

describe('request text in the log', () => {
  it('is kept when the person turns it on: the request as routed and the answer, shortened', async () => {
    world = await createWorld({ providers: { openai: 100 }, keepRequestText: true });
    const question = `Summarize: ${'lorem ipsum '.repeat(3_000)}`;
    const result = await world.broker
      .run(
        ORIGIN,
        {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: question },
                { type: 'image', image: `data:image/png;base64,${'A'.repeat(40_000)}` },
              ],
            },
          ],
          task: 'summarization',
        },
        { signal: new AbortController().signal },
      )
      .catch((error: Error) => error);
    const [line] = await world.storage.requestLog.recent({ limit: 1 });
    expect(line!.textKeptAt).toBe(line!.createdAt);
    const content = line!.request!.messages![0]!.content as Array<{
      type: string;
      text?: string;
      image?: string;
    }>;
    expect(content[0]!.text).toHaveLength(KEPT_TEXT_LENGTH + 1);
    expect(content[1]).toMatchObject({ type: 'image', image: OMITTED_IMAGE });
    expect(line!.request!.task).toBe('summarization');
    if (!(result instanceof Error)) expect(line!.answerText).toBe(result.text);
  });
});

describe('the reservation bounds the call', () => {
  it('sends the output allowance it reserved as max_tokens, so a long answer stops there', async () => {
    world = await createWorld({ providers: { openai: 100 }, answer: LONG_ANSWER });
    const { result } = await runCollecting(world.broker, { prompt: 'Write at length.' });
    const sent = world.servers.openai!.requests.at(-1)!.body as {
      max_completion_tokens?: number;
      max_tokens?: number;
    };
    const model = loadBundledCatalog().find(
      (candidate) => candidate.provider === 'openai' && candidate.id === result.model.id,
    )!;
    const allowance = Math.min(DEFAULT_OUTPUT_ALLOWANCE, model.limits.maxOutputTokens);
    expect(sent.max_completion_tokens ?? sent.max_tokens).toBe(allowance);
    expect(result.finishReason).toBe('length');
    expect(result.usage.outputTokens).toBeLessThanOrEqual(allowance);
    const { entry } = await ledgerOf(result.requestId);
    expect(entry!.costUsd).toBeLessThanOrEqual(entry!.reservedUsd);
    expect(entry!.reservedUsd).toBeGreaterThanOrEqual(
      worstCaseCost(inputAllowance(1), allowance, model.pricing) * 0.99,
    );
  });

  it('never lets a site spend past its budget, however long the answers', async () => {
    const budget = 0.05;
    world = await createWorld({
      providers: { openai: 100 },
      answer: LONG_ANSWER,
      siteBudgetUsd: budget,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) =>
        world.broker.run(
          ORIGIN,
          { prompt: `Essay ${index}`, hints: { quality: 'best' } },
          { signal: new AbortController().signal },
        ),
      ),
    );
    const spent = outcomes.reduce(
      (sum, outcome) => sum + (outcome.status === 'fulfilled' ? outcome.value.costUsd : 0),
      0,
    );
    expect(spent).toBeLessThanOrEqual(budget);
    await world.broker.flushRecords();
    const { origins } = await world.storage.ledger.monthTotals();
    const site = origins.find((totals) => totals.scope === ORIGIN)!;
    expect(site.spentUsd).toBeLessThanOrEqual(budget);
    expect(site.reservedUsd).toBe(0);
    // Every request left one record, the refused ones with their reason.
    const lines = await world.storage.requestLog.recent({ limit: 50 });
    expect(lines).toHaveLength(12);
    for (const line of lines.filter((entry) => entry.outcome === 'refused')) {
      expect(line).toMatchObject({ errorName: 'QuotaExceededError', costUsd: 0 });
      expect(line.reason).toMatch(/budget/);
    }
  });
});

describe('the record after the answer', () => {
  it('counts an answer in the totals as it is handed back; its record follows, settled, once', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const result = await world.broker.run(
      ORIGIN,
      { prompt: 'Hello.' },
      { signal: new AbortController().signal },
    );
    expect(result.costUsd).toBeGreaterThan(0);
    // The page's budget event reads the worker's memory, not the ledger still being written.
    const permission = await world.broker.permissionOf(ORIGIN);
    expect(permission.spentThisMonthUsd).toBeCloseTo(result.costUsd, 12);
    // One ledger entry, settled, and one log line, once the writes are done.
    await world.broker.flushRecords();
    const entry = await world.storage.database.ledgerRequests.get(result.requestId);
    expect(entry).toMatchObject({ status: 'settled', costUsd: result.costUsd });
    expect(entry?.totalsAtClose).toBeUndefined();
    const lines = await world.storage.requestLog.recent({ limit: 5 });
    expect(lines.filter((line) => line.requestId === result.requestId)).toHaveLength(1);
    const totals = await world.storage.ledger.monthTotals();
    expect(totals.global.spentUsd).toBeCloseTo(result.costUsd, 12);
    expect(totals.global.reservedUsd).toBe(0);
  });
});

describe('the records of answers close together', () => {
  /** A world with one answer, and its record, behind it; and a way to ask. */
  async function afterAnAnswer() {
    world = await createWorld({ providers: { openai: 100 } });
    const call = (prompt: string) =>
      world.broker.run(ORIGIN, { prompt }, { signal: new AbortController().signal });
    await call('Warm up.');
    await world.broker.flushRecords();
    return { database: world.storage.database, call };
  }

  it('are written in one transaction, soon after, without anyone asking', async () => {
    const { database, call } = await afterAnAnswer();
    const transactions = vi.spyOn(database.core, 'transaction');

    const results = await Promise.all(['One.', 'Two.', 'Three.'].map(call));
    // Handed back before their records: nothing waits for the log.
    expect(await database.requestLog.count()).toBe(1);
    // No settings page asks: the batch goes out by itself, one write for the three.
    await expect.poll(() => database.requestLog.count(), { timeout: 2_000 }).toBe(4);
    const recordWrites = transactions.mock.calls.filter(
      ([stores, mode]) => mode === 'readwrite' && [stores].flat().includes('requestLog'),
    );
    expect(recordWrites).toHaveLength(1);
    for (const result of results) {
      expect(await database.ledgerRequests.get(result.requestId)).toMatchObject({
        status: 'settled',
        costUsd: result.costUsd,
      });
    }
    // Their reservations are let go once the entries are closed.
    await expect.poll(() => database.ledgerOpen.count(), { timeout: 2_000 }).toBe(0);
  });

  it('are each written when one of them cannot be', async () => {
    const { database, call } = await afterAnAnswer();
    const failures = vi.spyOn(console, 'error').mockImplementation(() => {});
    const [one, two] = await Promise.all([call('One.'), call('Two.')]);
    // Something closed the first request's entry before its record (nothing does, but a full
    // disk or a bug could make any one record fail): the batch fails, the second still counts.
    await database.ledgerRequests.add({
      requestId: one.requestId,
      origin: ORIGIN,
      month: new Date().toISOString().slice(0, 7),
      status: 'settled',
      reservedUsd: 0,
      costUsd: 0,
      createdAt: Date.now(),
    });
    // No settings page asks: the batch goes out by itself, the two together.
    await expect
      .poll(() => database.ledgerRequests.get(two.requestId), { timeout: 2_000 })
      .toMatchObject({ status: 'settled', costUsd: two.costUsd });
    const lines = await database.requestLog.toArray();
    expect(lines.map((line) => line.requestId)).not.toContain(one.requestId);
    expect(lines.map((line) => line.requestId)).toContain(two.requestId);
    expect(String(failures.mock.calls.at(-1)?.[1])).toMatch(/already settled/);
    failures.mockRestore();
  });

  it('wait while another request is being answered, a second at most', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const { database } = world.storage;
    const call = (prompt: string, signal = new AbortController().signal) =>
      world.broker.run(ORIGIN, { prompt }, { signal });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    await call('One.');
    world.servers.openai!.script({ kind: 'answer', headersDelayMs: 600 });
    const slow = call('Two.');
    await sleep(400);
    // Written now, the record would meet the second request on its way to its first token.
    expect(await database.requestLog.count()).toBe(0);
    await slow;
    await expect.poll(() => database.requestLog.count(), { timeout: 2_000 }).toBe(2);

    // A long answer holds the records back a second, no more.
    await call('Three.');
    world.servers.openai!.script({ kind: 'answer', text: LONG_ANSWER, tokenDelayMs: 5 });
    const controller = new AbortController();
    const stalled = call('Four.', controller.signal).catch(() => undefined);
    await sleep(500);
    expect(await database.requestLog.count()).toBe(2);
    await expect.poll(() => database.requestLog.count(), { timeout: 2_000 }).toBe(3);
    controller.abort();
    await stalled;
  });
});

describe('a worker that stops mid-answer', () => {
  it('is settled by the next one at what its answer had delivered, and logged', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    world.servers.openai!.script({ kind: 'answer', text: LONG_ANSWER, tokenDelayMs: 5 });
    const controller = new AbortController();
    let requestId: string | undefined;
    // The first worker streams; its reservation and delivered cost reach the ledger.
    const abandoned = world.broker
      .run(
        ORIGIN,
        { prompt: 'A long answer.' },
        {
          signal: controller.signal,
          emit: (part) => {
            if (part.type === 'start') requestId = part.requestId;
          },
        },
      )
      .catch(() => undefined);
    await expect
      .poll(async () => requestId && (await world.storage.ledger.get(requestId))?.deliveredUsd, {
        timeout: 5_000,
      })
      .toBeGreaterThan(0);
    const reserved = await world.storage.ledger.get(requestId!);
    expect(reserved?.status).toBe('reserved');

    // The worker is gone: a new one starts and serves the next request.
    const restarted = world.restart();
    await restarted.run(ORIGIN, { prompt: 'Next.' }, { signal: new AbortController().signal });
    const settled = await world.storage.ledger.get(requestId!);
    expect(settled).toMatchObject({ status: 'settled', estimated: true });
    expect(settled!.costUsd).toBeGreaterThan(0);
    expect(settled!.costUsd).toBeLessThanOrEqual(settled!.reservedUsd);
    const lines = await world.storage.requestLog.recent({ limit: 10 });
    expect(lines.filter((line) => line.requestId === requestId)).toMatchObject([
      { outcome: 'interrupted', costUsd: settled!.costUsd, estimated: true },
    ]);
    controller.abort();
    await abandoned;
  });
});

describe("the reservation's row", () => {
  it('never holds text back: a slow database delays the record, not the answer', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const { ledger } = world.brokerStorage;
    const writeRow = ledger.open.bind(ledger);
    let letWrite!: () => void;
    const diskFree = new Promise<void>((done) => {
      letWrite = done;
    });
    const open = vi.spyOn(ledger, 'open').mockImplementation(async (input) => {
      await diskFree;
      return writeRow(input);
    });
    const { database } = world.brokerStorage;
    try {
      // The whole answer reaches the page while the row is still waiting for the disk.
      const { result, parts } = await runCollecting(world.broker, { prompt: 'Hello there.' });
      expect(parts.filter((part) => part.type === 'text-delta')).not.toHaveLength(0);
      expect(open).toHaveBeenCalledTimes(1);
      expect(await database.ledgerOpen.count()).toBe(0);
      expect(await database.ledgerRequests.get(result.requestId)).toBeUndefined();
      // Its record follows the row, once the disk has it: one settled entry, no open one.
      letWrite();
      await world.broker.flushRecords();
      expect(await ledger.get(result.requestId)).toMatchObject({
        status: 'settled',
        costUsd: result.costUsd,
      });
      await expect.poll(() => database.ledgerOpen.count()).toBe(0);
    } finally {
      letWrite();
    }
  });
});

describe("the reservation's row, when", () => {
  it('is written after the first text, or 50 ms after the request left without any', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const { ledger } = world.brokerStorage;
    const writeRow = ledger.open.bind(ledger);
    const rowAt: number[] = [];
    const open = vi.spyOn(ledger, 'open').mockImplementation((input) => {
      rowAt.push(performance.now());
      return writeRow(input);
    });
    const checkpoint = vi.spyOn(ledger, 'checkpoint');
    let slowFirstTexts = 0;
    for (let call = 0; call < 5; call++) {
      rowAt.length = 0;
      let textAt: number | undefined;
      const startedAt = performance.now();
      await world.broker.run(
        ORIGIN,
        { prompt: `Hello ${call}.` },
        {
          signal: new AbortController().signal,
          emit: (part) => {
            if (part.type === 'text-delta') textAt ??= performance.now();
          },
        },
      );
      expect(textAt).toBeDefined();
      if (textAt! - startedAt >= 50) slowFirstTexts++;
      await expect.poll(() => rowAt.length).toBe(1);
      // Never in the way of a first token that comes quickly.
      expect(rowAt[0]! >= textAt! || rowAt[0]! - startedAt >= 50).toBe(true);
    }
    // Written at the first text, the row carries what had been delivered (the prompt and that
    // text): answers shorter than a second need no checkpoint besides (only a first text later
    // than the row's 50 ms, on a busy machine, is noted in one).
    for (const [row] of open.mock.calls) expect(row.deliveredUsd).toBeGreaterThan(0);
    expect(checkpoint.mock.calls.length).toBeLessThanOrEqual(slowFirstTexts);
    // A provider that keeps the request waiting has the row long before any text.
    world.servers.openai!.script({ kind: 'stall-before-headers' });
    rowAt.length = 0;
    const controller = new AbortController();
    const waiting = world.broker
      .run(ORIGIN, { prompt: 'Slow.' }, { signal: controller.signal })
      .catch(() => undefined);
    await expect.poll(() => rowAt.length, { timeout: 1_000 }).toBe(1);
    controller.abort();
    await waiting;
  });
});

describe('a worker that stops before the first token', () => {
  it('leaves a reservation the next one settles at the prompt the provider was sent', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    world.servers.openai!.script({ kind: 'stall-before-headers' });
    const controller = new AbortController();
    const abandoned = world.broker
      .run(
        ORIGIN,
        { prompt: 'A question the provider never answers.' },
        { signal: controller.signal },
      )
      .catch(() => undefined);
    // The provider has the prompt; no text has come.
    await expect
      .poll(async () => (await world.storage.database.ledgerOpen.toArray()).length, {
        timeout: 2_000,
      })
      .toBe(1);
    const [open] = await world.storage.database.ledgerOpen.toArray();
    expect(open!.deliveredUsd).toBeGreaterThan(0);
    expect(open!.deliveredUsd).toBeLessThan(open!.reservedUsd);

    const restarted = world.restart();
    await restarted.run(ORIGIN, { prompt: 'Next.' }, { signal: new AbortController().signal });
    const settled = await world.storage.ledger.get(open!.requestId);
    expect(settled).toMatchObject({ status: 'settled', estimated: true });
    expect(settled!.costUsd).toBeCloseTo(open!.deliveredUsd!, 12);
    controller.abort();
    await abandoned;
  });
});

describe('state that outlives the worker', () => {
  it('keeps a provider that asked to wait in cooldown after a restart', async () => {
    world = await createWorld({ providers: { openai: 100, anthropic: 10 } });
    world.servers.openai!.script({ kind: 'rate-limit', retryAfterSeconds: 60 });
    await runCollecting(world.broker, { prompt: 'one' });
    await new Promise((done) => setTimeout(done, 20)); // the state write is not awaited
    const before = world.servers.openai!.requests.length;
    const { result } = await runCollecting(world.restart(), { prompt: 'two' });
    expect(result.model.provider).toBe('anthropic');
    expect(world.servers.openai!.requests.length).toBe(before);
  });

  it('keeps counting a site against its rate limit after a restart', async () => {
    world = await createWorld({ providers: { openai: 100 }, rateLimitPerMinute: 2 });
    await runCollecting(world.broker, { prompt: 'one' });
    await runCollecting(world.broker, { prompt: 'two' });
    await new Promise((done) => setTimeout(done, 20));
    const error = await rejectionOf(runCollecting(world.restart(), { prompt: 'three' }));
    expect(error).toMatchObject({ name: 'QuotaExceededError' });
    expect(error.message).toMatch(/at most 2 a minute/);
  });

  it('learns a rating for the task the request was routed for, inferred when the page gave none', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const request = { prompt: 'Translate "good morning" into French.' };
    const task = analyzeRequest(parseLlmRequest(request)).task;
    expect(task).toBe('translation');
    const { result } = await runCollecting(world.broker, request);
    await world.broker.feedback(ORIGIN, result.requestId, 0.25);
    await new Promise((done) => setTimeout(done, 50)); // statistics are written soon after
    const saved = await world.storage.routerStats.load();
    const stats = RouterStats.fromJSON(saved!.stats);
    const key = `${result.model.provider}/${result.model.id}`;
    expect(stats.estimate(key, 'translation')).toMatchObject({
      feedbackCount: 1,
      feedbackMean: 0.25,
    });
    // Rated on translation only: nothing carries over to another task.
    expect(stats.estimate(key, 'coding')?.feedbackCount).toBe(0);
  });

  it('takes feedback on an answer given before the restart', async () => {
    world = await createWorld({ providers: { openai: 100 } });
    const { result } = await runCollecting(world.broker, { prompt: 'Rate me.' });
    await new Promise((done) => setTimeout(done, 20));
    await expect(world.restart().feedback(ORIGIN, result.requestId, 1)).resolves.toBeUndefined();
    // One verdict per answer.
    await expect(world.restart().feedback(ORIGIN, result.requestId, 1)).rejects.toMatchObject({
      name: 'InvalidStateError',
    });
  });

  it('keeps the answers of a busy page in one session write, and a verdict given before it', async () => {
    world = await createWorld({ providers: { openai: 100 }, sessionSaveDelayMs: 300 });
    const writes: string[][] = [];
    const set = world.session.set.bind(world.session);
    world.session.set = (values) => {
      writes.push(Object.keys(values));
      return set(values);
    };
    const answers = [];
    for (let index = 0; index < 4; index++) {
      answers.push((await runCollecting(world.broker, { prompt: `Answer ${index}.` })).result);
    }
    // Rated before session memory was written: the write must not bring the answer back.
    await world.broker.feedback(ORIGIN, answers[0]!.requestId, 1);
    await new Promise((done) => setTimeout(done, 350));
    const answerWrites = writes.filter((keys) => keys.some((key) => key.startsWith('feedback:')));
    expect(answerWrites).toHaveLength(1);
    expect(answerWrites[0]).toHaveLength(4); // three answers and their order
    const restarted = world.restart();
    await expect(restarted.feedback(ORIGIN, answers[0]!.requestId, 1)).rejects.toMatchObject({
      name: 'InvalidStateError',
    });
    await expect(restarted.feedback(ORIGIN, answers[3]!.requestId, 0)).resolves.toBeUndefined();
  });
});
