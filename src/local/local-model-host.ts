/**
 * The engine side of models that run in this browser (docs/architecture.md §7): one web-llm
 * engine, the downloads, and chats. It runs in the offscreen document, which wires it to the real
 * `MLCEngine` and web-llm's cache functions; tests wire it to an engine that implements the same
 * `MLCEngineInterface`. No extension APIs here: the document's shell carries messages.
 *
 * Downloading is loading: web-llm fetches a model's files into its cache as `reload()` loads them,
 * file by file, so a download cut short resumes where it stopped (the files already cached are not
 * fetched again), and `unload()` cancels it. One thing at a time runs on the engine; a chat that
 * arrives during a download is refused at once (the router moves on) rather than kept waiting.
 */
import type {
  ChatCompletionChunk,
  ChatCompletionRequestStreaming,
  InitProgressReport,
  MLCEngineInterface,
} from '@mlc-ai/web-llm';

/** Where web-llm keeps model files (its Cache Storage), behind what the host needs of it. */
export interface ModelStore {
  has(buildId: string): Promise<boolean>;
  remove(buildId: string): Promise<void>;
}

export type DownloadPhase = 'downloading' | 'done' | 'cancelled' | 'failed';

/** Where one download stands, as the settings page shows it. */
export interface DownloadState {
  buildId: string;
  phase: DownloadPhase;
  /** 0–1 of the whole load (files, then the GPU upload), as web-llm reports it. */
  progress: number;
  /** MB fetched so far, when web-llm's report says. */
  fetchedMB?: number;
  /** Why it failed, in words a person can act on. */
  error?: string;
}

/** A chat the host refuses, with the HTTP status an OpenAI-compatible server would answer. */
export class LocalHostError extends Error {
  override readonly name = 'LocalHostError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request a chat takes: OpenAI's chat completion body (what web-llm's API is). */
export type LocalChatRequest = Omit<ChatCompletionRequestStreaming, 'stream' | 'model'>;

/** The text of an OpenAI message's content (a string, or a list of parts of which text counts). */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: string; text?: string }) =>
      part.type === 'text' ? (part.text ?? '') : '',
    )
    .join('');
}

const FETCHED_MB = /(\d+(?:\.\d+)?)\s*MB fetched/;

/** What a failed load means to a person (web-llm's errors are written for developers). */
export function describeLoadFailure(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (/failed to fetch|networkerror|load failed|err_/i.test(text)) {
    return 'The model’s files could not be downloaded: check the connection (the files come from huggingface.co and raw.githubusercontent.com), then try again. What was already downloaded is kept.';
  }
  if (/quota|storage/i.test(text)) {
    return 'There is not enough storage space for this model: free some space, or delete another model.';
  }
  if (/device.*lost|out of memory|memory/i.test(text)) {
    return 'The graphics chip ran out of memory loading this model: choose a smaller one.';
  }
  if (/webgpu|shader-f16|feature/i.test(text)) {
    return `This browser’s graphics support cannot run this model (${text}).`;
  }
  return `The model could not be loaded: ${text}`;
}

export class LocalModelHost {
  private engine: MLCEngineInterface | undefined;
  private loaded: string | undefined;
  private download: DownloadState | undefined;
  private cancelled = false;
  /** Everything that touches the engine runs one after the other. */
  private queue: Promise<unknown> = Promise.resolve();
  private chats = 0;

  constructor(
    private readonly createEngine: () => MLCEngineInterface,
    private readonly store: ModelStore,
    /** Called with every change of a download (progress included). */
    private readonly onDownload: (state: DownloadState) => void,
  ) {}

  /** The download in progress, if any. */
  activeDownload(): DownloadState | undefined {
    return this.download?.phase === 'downloading' ? this.download : undefined;
  }

  /** True while a chat or a download runs (the document must stay open). */
  busy(): boolean {
    return this.chats > 0 || this.activeDownload() !== undefined;
  }

  /** The builds among `buildIds` whose files are all in the store. */
  async installed(buildIds: readonly string[]): Promise<string[]> {
    const present = await Promise.all(buildIds.map((id) => this.store.has(id)));
    return buildIds.filter((_, index) => present[index]);
  }

  /**
   * Downloads a build (resuming what an earlier attempt left) and leaves it loaded. Resolves
   * with the final state; never throws. A second download while one runs is refused.
   */
  async startDownload(buildId: string): Promise<DownloadState> {
    const active = this.activeDownload();
    if (active?.buildId === buildId) return active;
    if (active) {
      return {
        buildId,
        phase: 'failed',
        progress: 0,
        error: `Another model is downloading (${this.download!.buildId}): wait for it, or cancel it.`,
      };
    }
    this.cancelled = false;
    this.publish({ buildId, phase: 'downloading', progress: 0 });
    return this.exclusive(async () => {
      const engine = this.ensureEngine();
      engine.setInitProgressCallback((report: InitProgressReport) => {
        if (this.download?.buildId !== buildId || this.download.phase !== 'downloading') return;
        const fetched = FETCHED_MB.exec(report.text)?.[1];
        this.publish({
          buildId,
          phase: 'downloading',
          progress: Math.max(this.download.progress, Math.min(1, report.progress)),
          ...(fetched !== undefined && { fetchedMB: Number(fetched) }),
          ...(fetched === undefined &&
            this.download.fetchedMB !== undefined && { fetchedMB: this.download.fetchedMB }),
        });
      });
      try {
        this.loaded = undefined;
        await engine.reload(buildId);
        // web-llm's reload returns quietly when unload() aborted it.
        if (this.cancelled) return this.publish({ ...this.download!, phase: 'cancelled' });
        this.loaded = buildId;
        return this.publish({ ...this.download!, phase: 'done', progress: 1 });
      } catch (error) {
        if (this.cancelled) return this.publish({ ...this.download!, phase: 'cancelled' });
        return this.publish({
          ...this.download!,
          phase: 'failed',
          error: describeLoadFailure(error),
        });
      }
    });
  }

  /** Stops the download of `buildId`; what was fetched stays, so starting it again resumes. */
  async cancelDownload(buildId: string): Promise<void> {
    if (this.activeDownload()?.buildId !== buildId) return;
    this.cancelled = true;
    // Not queued: it must reach the engine while reload() runs.
    await this.engine?.unload();
  }

  /** Deletes a build's files (cancelling its download, unloading it first). */
  async remove(buildId: string): Promise<void> {
    await this.cancelDownload(buildId);
    await this.exclusive(async () => {
      if (this.loaded === buildId) {
        this.loaded = undefined;
        await this.engine?.unload();
      }
      await this.store.remove(buildId);
    });
  }

  /**
   * Answers a chat with an installed build, streaming web-llm's OpenAI-style chunks (the last
   * carries the usage). `signal` interrupts the generation.
   */
  async chat(
    buildId: string,
    request: LocalChatRequest,
    onChunk: (chunk: ChatCompletionChunk) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const downloading = this.activeDownload();
    if (downloading) {
      throw new LocalHostError(
        503,
        `Busy downloading ${downloading.buildId}; it can answer once the download ends.`,
      );
    }
    if (!(await this.store.has(buildId))) {
      throw new LocalHostError(404, `${buildId} is not downloaded in this browser.`);
    }
    this.chats += 1;
    try {
      await this.exclusive(async () => {
        if (signal.aborted) return;
        const engine = this.ensureEngine();
        if (this.loaded !== buildId) {
          this.loaded = undefined;
          engine.setInitProgressCallback(() => {});
          try {
            await engine.reload(buildId);
          } catch (error) {
            throw new LocalHostError(503, describeLoadFailure(error));
          }
          this.loaded = buildId;
        }
        const interrupt = () => engine.interruptGenerate();
        signal.addEventListener('abort', interrupt, { once: true });
        try {
          const chunks = await engine.chat.completions.create({
            ...request,
            stream: true,
            stream_options: { include_usage: true },
          });
          for await (const chunk of chunks) {
            if (signal.aborted) break;
            onChunk(chunk);
          }
        } catch (error) {
          // The engine may have dropped the model (web-llm unloads on a lost device): load it
          // again for the next chat.
          this.loaded = undefined;
          throw error;
        } finally {
          signal.removeEventListener('abort', interrupt);
        }
      });
    } finally {
      this.chats -= 1;
    }
  }

  /** Frees the GPU (the document is about to close). */
  async unload(): Promise<void> {
    await this.exclusive(async () => {
      this.loaded = undefined;
      await this.engine?.unload();
    });
  }

  private ensureEngine(): MLCEngineInterface {
    this.engine ??= this.createEngine();
    return this.engine;
  }

  private publish(state: DownloadState): DownloadState {
    this.download = state;
    this.onDownload(state);
    return state;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }
}
