/**
 * The channel between the background and the offscreen document that hosts models in this
 * browser (@mlc-ai/web-llm on WebGPU; docs/local-models.md). Only the background asks; requests go
 * by `runtime.sendMessage`, a chat streams over a port the host opens to the background (closing
 * it interrupts the generation; the document listens to no ports, so pages' ports never reach
 * it), and download progress is broadcast to every extension page.
 */
import type { ChatCompletionChunk } from '@mlc-ai/web-llm';
import type { BuiltInStatus } from '../../src/local/builtin-model';
import type { AdapterFacts } from '../../src/local/device-fit';
import type { DownloadState, LocalChatRequest } from '../../src/local/local-model-host';

export const OFFSCREEN_CHANNEL = 'llm-broker/offscreen';
export const OFFSCREEN_EVENTS = 'llm-broker/offscreen-events';
export const OFFSCREEN_CHAT_PORT = 'llm-broker/offscreen-chat';
export const OFFSCREEN_PATH = 'extension/offscreen/offscreen.html';

/** What the browser offers for local models. */
export interface LocalModelHostStatus {
  /** `unavailable`: no WebGPU adapter (local models cannot run in this browser). */
  webgpu: 'available' | 'unavailable';
  /** Why not, in words a person can act on (with `unavailable`). */
  reason?: string;
  /** The host did not answer in time (a busy machine): asking again may well succeed. */
  unchecked?: true;
  adapter?: AdapterFacts;
}

/** The host's answer to `state`: the adapter, what is downloaded, what is downloading. */
export interface HostState extends LocalModelHostStatus {
  /** web-llm build ids whose files are all downloaded. */
  installed: string[];
  download?: DownloadState;
  /** Bytes the browser's Cache Storage holds for this extension (the model files), if known. */
  cacheBytes?: number;
  /** The browser's own model (Prompt API). */
  builtIn: BuiltInStatus;
}

export interface OffscreenMethods {
  status: { params: null; result: LocalModelHostStatus };
  state: { params: { buildIds: string[] }; result: HostState };
  download: { params: { buildId: string }; result: DownloadState };
  cancel: { params: { buildId: string }; result: null };
  remove: { params: { buildId: string }; result: null };
  /** Whether a chat or a download runs (the background closes an idle document). */
  busy: { params: null; result: boolean };
  /** The browser's own model: its availability (no download started). */
  builtInStatus: { params: null; result: BuiltInStatus };
  /** Starts a chat: the host opens a port named `OFFSCREEN_CHAT_PORT/<chatId>` to the
   * background and streams `ChatMessage`s on it; the background closing it interrupts. */
  chat: { params: ChatStart; result: null };
  /** Has the browser download its own model; progress arrives as events (`built-in`). */
  builtInDownload: { params: null; result: DownloadState };
}
export type OffscreenMethod = keyof OffscreenMethods;

export interface OffscreenRequest<M extends OffscreenMethod = OffscreenMethod> {
  channel: typeof OFFSCREEN_CHANNEL;
  method: M;
  params: OffscreenMethods[M]['params'];
}

export type OffscreenReply<M extends OffscreenMethod = OffscreenMethod> =
  | { ok: true; result: OffscreenMethods[M]['result'] }
  | { ok: false; message: string };

/** Broadcast by the host whenever a download changes. */
export interface OffscreenEvent {
  channel: typeof OFFSCREEN_EVENTS;
  download: DownloadState;
}

/** What starts a chat. */
export interface ChatStart {
  chatId: string;
  buildId: string;
  request: LocalChatRequest;
}

/** What the host posts on a chat port. */
export type ChatMessage =
  | { type: 'chunk'; chunk: ChatCompletionChunk }
  | { type: 'done' }
  | { type: 'error'; status: number; message: string };
