import { liveQuery } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { KEPT_TEXT_LENGTH } from '../../src/storage/storage-request-log';
import type { RequestLogInput } from '../../src/storage/storage-types';
import { openTestStorage, type TestStorage } from './storage-test-helpers';

const SITE = 'https://site.example';
const OTHER_SITE = 'https://other.example';

let opened: TestStorage[] = [];
function open(): TestStorage {
  const test = openTestStorage('request-log');
  opened.push(test);
  return test;
}
afterEach(() => {
  for (const test of opened) test.storage.close();
  opened = [];
});

function entry(requestId: string, origin = SITE, createdAt = 0): RequestLogInput {
  return {
    requestId,
    origin,
    createdAt,
    outcome: 'answered',
    model: { provider: 'anthropic', id: 'claude-test', location: 'cloud' },
    task: 'summarization',
    attemptCount: 1,
    inputTokens: 500,
    outputTokens: 80,
    costUsd: 0.0012,
    latencyMs: 900,
  };
}

describe('request log', () => {
  it('returns entries newest first, optionally of one origin', async () => {
    const { storage } = open();
    for (let index = 0; index < 6; index += 1) {
      await storage.requestLog.append(entry(`r${index}`, index % 2 === 0 ? SITE : OTHER_SITE));
    }
    const ids = (entries: RequestLogInput[]) => entries.map((logged) => logged.requestId);
    expect(ids(await storage.requestLog.recent())).toEqual(['r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
    expect(ids(await storage.requestLog.recent({ origin: OTHER_SITE }))).toEqual([
      'r5',
      'r3',
      'r1',
    ]);
    expect(ids(await storage.requestLog.recent({ limit: 2 }))).toEqual(['r5', 'r4']);
  });

  it('pages back through older entries', async () => {
    const { storage } = open();
    for (let index = 0; index < 7; index += 1) {
      await storage.requestLog.append(entry(`r${index}`, index % 2 === 0 ? SITE : OTHER_SITE));
    }
    const firstPage = await storage.requestLog.recent({ limit: 3 });
    const secondPage = await storage.requestLog.recent({
      limit: 3,
      beforeSeq: firstPage.at(-1)?.seq,
    });
    const ids = (entries: RequestLogInput[]) => entries.map((logged) => logged.requestId);
    expect(ids(firstPage)).toEqual(['r6', 'r5', 'r4']);
    expect(ids(secondPage)).toEqual(['r3', 'r2', 'r1']);
    const ofSite = await storage.requestLog.recent({ origin: SITE, beforeSeq: firstPage[0]?.seq });
    expect(ids(ofSite)).toEqual(['r4', 'r2', 'r0']);
  });

  it('keeps only the newest entries within the limit', async () => {
    const { storage } = open();
    await storage.settings.update({ requestLogLimit: 5 });
    for (let index = 0; index < 12; index += 1) await storage.requestLog.append(entry(`r${index}`));
    const kept = await storage.requestLog.recent({ limit: 100 });
    expect(kept.map((logged) => logged.requestId)).toEqual(['r11', 'r10', 'r9', 'r8', 'r7']);
    expect(await storage.database.requestLog.count()).toBe(5);
  });

  it('shrinks to a lowered limit on the next append', async () => {
    const { storage } = open();
    for (let index = 0; index < 10; index += 1) await storage.requestLog.append(entry(`r${index}`));
    await storage.settings.update({ requestLogLimit: 3 });
    await storage.requestLog.append(entry('r10'));
    expect((await storage.requestLog.recent()).map((logged) => logged.requestId)).toEqual([
      'r10',
      'r9',
      'r8',
    ]);
  });

  it('keeps text only when given, shortened, and erases it when it expires', async () => {
    const { storage, clock } = open();
    const kept = await storage.requestLog.append({
      ...entry('r1', SITE, clock.time),
      request: { prompt: 'What is 2 + 2?' },
      answerText: 'x'.repeat(KEPT_TEXT_LENGTH + 500),
    });
    expect(kept.answerText).toHaveLength(KEPT_TEXT_LENGTH + 1);
    expect(kept.textKeptAt).toBe(clock.time);
    const plain = await storage.requestLog.append(entry('r2', SITE, clock.time + 1000));
    expect(plain.textKeptAt).toBeUndefined();

    expect(await storage.requestLog.eraseTextBefore(clock.time)).toBe(0);
    expect(await storage.requestLog.eraseTextBefore(clock.time + 1)).toBe(1);
    const [, first] = await storage.requestLog.recent();
    expect(first).toMatchObject({ requestId: 'r1', costUsd: 0.0012 });
    expect(first?.request).toBeUndefined();
    expect(first?.answerText).toBeUndefined();
  });

  it('is a live query: a page watching the newest lines sees each append', async () => {
    const { storage } = open();
    await storage.requestLog.append(entry('r0'));
    const seen: string[][] = [];
    const subscription = liveQuery(() =>
      storage.requestLog.recent({ outcome: 'answered', limit: 2 }),
    ).subscribe((lines) => seen.push(lines.map((line) => line.requestId)));
    await expect.poll(() => seen.at(-1)).toEqual(['r0']);
    await storage.requestLog.append(entry('r1'));
    await expect.poll(() => seen.at(-1)).toEqual(['r1', 'r0']);
    await storage.requestLog.append(entry('r2'));
    await expect.poll(() => seen.at(-1)).toEqual(['r2', 'r1']);
    subscription.unsubscribe();
  });

  it('deletes the log in one step that can be undone, then for good', async () => {
    const { storage } = open();
    for (let index = 0; index < 4; index += 1) await storage.requestLog.append(entry(`r${index}`));
    const mark = await storage.requestLog.clear();
    expect(await storage.requestLog.recent()).toEqual([]);
    expect(await storage.requestLog.lastUseOf(SITE)).toBeUndefined();
    await storage.requestLog.append(entry('after'));
    expect((await storage.requestLog.recent()).map((line) => line.requestId)).toEqual(['after']);

    await storage.requestLog.restore(mark);
    expect(await storage.requestLog.recent()).toHaveLength(5);

    await storage.requestLog.clear();
    expect(await storage.requestLog.purgeCleared()).toBe(5);
    expect(await storage.database.requestLog.count()).toBe(0);
    // Spend is not the log's: the usage rollups still count every request.
    const [day] = await storage.usage.days('all', '1970-01-01', '1970-01-01');
    expect(day?.requests).toBe(5);
  });

  it('filters by provider, outcome and time, and pages within a filter', async () => {
    const { storage } = open();
    const models = [
      { provider: 'anthropic', id: 'claude-test', location: 'cloud' as const },
      { provider: 'openai', id: 'gpt-test', location: 'cloud' as const },
    ];
    for (let index = 0; index < 30; index += 1) {
      const refused = index % 5 === 0;
      await storage.requestLog.append({
        ...entry(`r${index}`, index % 3 === 0 ? OTHER_SITE : SITE, index * 60_000),
        ...(refused ? { outcome: 'refused', model: undefined } : { model: models[index % 2] }),
      });
    }
    const ids = (lines: RequestLogInput[]) => lines.map((line) => line.requestId);
    const openai = await storage.requestLog.recent({ provider: 'openai', limit: 4 });
    expect(ids(openai)).toEqual(['r29', 'r27', 'r23', 'r21']);
    const older = await storage.requestLog.recent({
      provider: 'openai',
      limit: 4,
      beforeSeq: openai.at(-1)?.seq,
    });
    expect(ids(older)).toEqual(['r19', 'r17', 'r13', 'r11']);
    expect(ids(await storage.requestLog.recent({ outcome: 'refused' }))).toEqual([
      'r25',
      'r20',
      'r15',
      'r10',
      'r5',
      'r0',
    ]);
    const recentRefusalsOfOther = await storage.requestLog.recent({
      origin: OTHER_SITE,
      outcome: 'refused',
      since: 10 * 60_000,
    });
    expect(ids(recentRefusalsOfOther)).toEqual(['r15']);
    expect(await storage.requestLog.recent({ since: 31 * 60_000 })).toEqual([]);

    const exported: string[] = [];
    await storage.requestLog.each({ provider: 'anthropic', since: 20 * 60_000 }, (line) => {
      exported.push(line.requestId);
    });
    expect(exported).toEqual(['r28', 'r26', 'r24', 'r22']);
  });
});
