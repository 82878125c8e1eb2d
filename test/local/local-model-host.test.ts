/**
 * The host's downloads and chats, with the real host code around an engine that implements
 * web-llm's engine interface (test/fixtures/fake-mlc-engine.ts).
 */
import type { ChatCompletionChunk } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import {
  type DownloadState,
  LocalHostError,
  LocalModelHost,
} from '../../src/local/local-model-host';
import { FakeMlcEngine, FakeModelFiles, FILES_PER_MODEL } from '../fixtures/fake-mlc-engine';

const BUILD = 'Llama-3.2-1B-Instruct-q4f32_1-MLC';

function setup(options: Partial<ConstructorParameters<typeof FakeMlcEngine>[0]> = {}) {
  const files = new FakeModelFiles();
  const engine = new FakeMlcEngine({ files, ...options });
  const events: DownloadState[] = [];
  const host = new LocalModelHost(
    () => engine.asEngine(),
    files,
    (state) => events.push(state),
  );
  return { files, engine, events, host };
}

async function collect(host: LocalModelHost, signal = new AbortController().signal) {
  const chunks: ChatCompletionChunk[] = [];
  await host.chat(
    BUILD,
    { messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 100 },
    (chunk) => chunks.push(chunk),
    signal,
  );
  return chunks;
}

describe('downloads', () => {
  it('reports rising progress with the MB fetched, ends done, and leaves the model installed', async () => {
    const { host, events } = setup();
    const final = await host.startDownload(BUILD);
    expect(final.phase).toBe('done');
    const progress = events.filter((event) => event.phase === 'downloading');
    expect(progress.length).toBeGreaterThan(FILES_PER_MODEL);
    const values = progress.map((event) => event.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(progress.at(-1)?.fetchedMB).toBe(FILES_PER_MODEL * 100);
    expect(await host.installed([BUILD, 'other'])).toEqual([BUILD]);
    expect(host.busy()).toBe(false);
  });

  it('cancels, keeps what was fetched, and resumes without fetching it again', async () => {
    const { host, files, events } = setup({ fileMs: 20 });
    const running = host.startDownload(BUILD);
    await expect.poll(() => files.fetched.length).toBeGreaterThanOrEqual(2);
    expect(host.busy()).toBe(true);
    await host.cancelDownload(BUILD);
    expect((await running).phase).toBe('cancelled');
    expect(events.at(-1)?.phase).toBe('cancelled');
    const before = files.fetched.length;
    expect(before).toBeLessThan(FILES_PER_MODEL);
    expect(await host.installed([BUILD])).toEqual([]);

    expect((await host.startDownload(BUILD)).phase).toBe('done');
    // Each file was fetched exactly once across both attempts.
    expect(files.fetched.length).toBe(FILES_PER_MODEL);
    expect(new Set(files.fetched).size).toBe(FILES_PER_MODEL);
  });

  it('fails with a message a person can act on, and a second try resumes', async () => {
    const { host, engine } = setup({ failAtFile: 3 });
    const failed = await host.startDownload(BUILD);
    expect(failed.phase).toBe('failed');
    expect(failed.error).toMatch(/could not be downloaded: check the connection/);
    expect(host.busy()).toBe(false);
    // The network comes back.
    (engine as unknown as { options: { failAtFile?: number } }).options.failAtFile = undefined;
    expect((await host.startDownload(BUILD)).phase).toBe('done');
  });

  it('says what out of memory means', async () => {
    const { host } = setup({
      failAtFile: 0,
      failWith: new Error('Device was lost: out of memory'),
    });
    expect((await host.startDownload(BUILD)).error).toMatch(/ran out of memory.*smaller one/);
  });

  it('runs one download at a time', async () => {
    const { host } = setup({ fileMs: 10 });
    const first = host.startDownload(BUILD);
    const second = await host.startDownload('Qwen2.5-7B-Instruct-q4f32_1-MLC');
    expect(second.phase).toBe('failed');
    expect(second.error).toMatch(/Another model is downloading/);
    // Asking again for the one that runs answers with its progress.
    expect((await host.startDownload(BUILD)).phase).toBe('downloading');
    expect((await first).phase).toBe('done');
  });

  it('deletes a model, unloading it first', async () => {
    const { host, engine, files } = setup();
    await host.startDownload(BUILD);
    expect(engine.loaded).toBe(BUILD);
    await host.remove(BUILD);
    expect(engine.unloads).toBe(1);
    expect(files.files.size).toBe(0);
    expect(await host.installed([BUILD])).toEqual([]);
  });
});

describe('chats', () => {
  it('streams the answer with usage last, loading the model once', async () => {
    const { host, engine } = setup({ answer: 'Hello there friend.' });
    await host.startDownload(BUILD);
    await host.unload();
    const chunks = await collect(host);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hello there friend.');
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 3 });
    await collect(host);
    expect(engine.reloads).toEqual([BUILD, BUILD]);
  });

  it('loads the model again after the engine dropped it (a lost device)', async () => {
    const { host, engine } = setup();
    await host.startDownload(BUILD);
    await engine.unload();
    expect(await collect(host).catch((error) => error)).toBeInstanceOf(Error);
    expect((await collect(host)).length).toBeGreaterThan(2);
  });

  it('refuses a model that is not downloaded (404) and any chat during a download (503)', async () => {
    const { host } = setup({ fileMs: 20 });
    const notThere = await collect(host).catch((error) => error);
    expect(notThere).toBeInstanceOf(LocalHostError);
    expect(notThere.status).toBe(404);
    const download = host.startDownload(BUILD);
    const busy = await collect(host).catch((error) => error);
    expect(busy.status).toBe(503);
    expect(busy.message).toMatch(/Busy downloading/);
    await download;
  });

  it('interrupts the generation when the caller aborts', async () => {
    const { host, engine } = setup({ answer: 'one two three four five six seven eight nine ten' });
    await host.startDownload(BUILD);
    const controller = new AbortController();
    const chunks: ChatCompletionChunk[] = [];
    await host.chat(
      BUILD,
      { messages: [{ role: 'user', content: 'Count' }] },
      (chunk) => {
        chunks.push(chunk);
        if (chunks.length === 3) controller.abort();
      },
      controller.signal,
    );
    expect(engine.interrupts).toBe(1);
    expect(chunks.length).toBe(3);
    expect(host.busy()).toBe(false);
  });
});
