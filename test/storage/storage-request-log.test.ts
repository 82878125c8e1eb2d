import { afterEach, describe, expect, it } from 'vitest';
import { PROMPT_PREVIEW_LENGTH } from '../../src/storage/storage-request-log';
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

  it('cuts long prompt previews and clears', async () => {
    const { storage } = open();
    const logged = await storage.requestLog.append({
      ...entry('r1'),
      promptPreview: 'x'.repeat(5000),
    });
    expect(logged.promptPreview).toHaveLength(PROMPT_PREVIEW_LENGTH + 1);
    expect((await storage.requestLog.recent())[0]?.promptPreview).toBe(logged.promptPreview);
    await storage.requestLog.clear();
    expect(await storage.requestLog.recent()).toEqual([]);
  });
});
