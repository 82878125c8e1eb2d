/** Opens the offscreen document on demand and asks it what the browser offers for local models. */
import {
  type LocalModelHostStatus,
  OFFSCREEN_CHANNEL,
  OFFSCREEN_PATH,
  type OffscreenRequest,
} from '../messaging/offscreen-channel';
import { browser, hasOffscreenDocument, offscreen } from '../platform/browser-api';

let opening: Promise<void> | undefined;

async function ensureOffscreenDocument(): Promise<void> {
  const url = browser.runtime.getURL(OFFSCREEN_PATH);
  if (await hasOffscreenDocument(url)) return;
  // Two callers at once must not both create it (Chrome allows one per extension).
  opening ??= offscreen!
    .createDocument({
      url,
      // The enum's value, not `chrome.offscreen.Reason`: the object does not exist in Firefox's API
      // tables, which web-ext lint reads, and this path never runs there.
      reasons: ['WORKERS' as chrome.offscreen.Reason],
      justification:
        'Runs language models locally on WebGPU, so prompts can stay on this computer.',
    })
    .finally(() => {
      opening = undefined;
    });
  await opening;
}

export async function localModelHostStatus(): Promise<LocalModelHostStatus> {
  if (!offscreen) {
    return {
      webgpu: 'unavailable',
      reason: 'This browser cannot host models for extensions (it has no offscreen documents).',
    };
  }
  await ensureOffscreenDocument();
  const request: OffscreenRequest = { channel: OFFSCREEN_CHANNEL, method: 'status', params: null };
  return (await browser.runtime.sendMessage(request)) as LocalModelHostStatus;
}
