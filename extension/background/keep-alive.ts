/**
 * Keeps the MV3 service worker alive while a request is in flight. An open fetch does not count
 * as activity, so a silent upstream stall of ~30 s would otherwise kill the worker mid-answer;
 * calling a cheap extension API every 20 s does (docs/architecture.md §7).
 */
import { browser } from '../platform/browser-api';

const INTERVAL_MS = 20_000;
let activeWork = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Runs `work` with the worker held alive until it settles. */
export async function whileAlive<T>(work: () => Promise<T>): Promise<T> {
  activeWork++;
  timer ??= setInterval(() => void browser.runtime.getPlatformInfo(), INTERVAL_MS);
  try {
    return await work();
  } finally {
    activeWork--;
    if (activeWork === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }
}
