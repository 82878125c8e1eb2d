/**
 * Keeps the MV3 service worker alive while a request is in flight, and for a while after a page
 * was answered. An open fetch does not count as activity, so a silent upstream stall of ~30 s
 * would otherwise kill the worker mid-answer; calling a cheap extension API every 20 s does
 * (docs/architecture.md §7). After an answer the worker stays up `LINGER_MS` more: a page in a
 * conversation asks again within a minute or two, and a stopped worker costs its next request a
 * cold start (~150–200 ms to the first token here, against ~12 warm; docs/architecture.md §2).
 */
import { browser } from '../platform/browser-api';

const INTERVAL_MS = 20_000;
/** How long the worker stays up after a page's answer. */
export const LINGER_MS = 3 * 60_000;

let activeWork = 0;
let lingerUntil = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Runs `work` with the worker held alive until it settles. */
export async function whileAlive<T>(work: () => Promise<T>): Promise<T> {
  activeWork++;
  holdAlive();
  try {
    return await work();
  } finally {
    activeWork--;
    releaseWhenIdle();
  }
}

/** Keeps the worker up `LINGER_MS` from now (a page was just answered). */
export function lingerAfterAnswer(): void {
  lingerUntil = Date.now() + LINGER_MS;
  holdAlive();
}

function holdAlive(): void {
  timer ??= setInterval(() => {
    if (releaseWhenIdle()) return;
    void browser.runtime.getPlatformInfo();
  }, INTERVAL_MS);
}

/** Stops holding the worker once nothing runs and the linger is over; true when it did. */
function releaseWhenIdle(): boolean {
  if (activeWork > 0 || Date.now() < lingerUntil || timer === undefined) return false;
  clearInterval(timer);
  timer = undefined;
  return true;
}
