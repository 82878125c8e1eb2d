/**
 * Consent windows: one per origin at a time. A site's `requestPermission()` waits here until the
 * user decides in the window (extension/ui/consent) or closes it, which counts as a refusal.
 */
import type { SiteGrantLimits } from '../../src/storage/storage-types';
import { browser, type DialogHandle, openDialog } from '../platform/browser-api';

interface PendingPrompt {
  origin: string;
  dialog?: DialogHandle;
  settle(decision: ConsentOutcome): void;
}

export type ConsentOutcome =
  | { allow: true; limits: SiteGrantLimits | undefined }
  | { allow: false };

const WINDOW_SIZE = { width: 480, height: 600 };

/**
 * After the person says no, a site's further requests are refused without a window for this
 * long, so a page cannot pester them with a prompt loop.
 */
export const DENIAL_QUIET_MS = 60_000;

export class ConsentPrompts {
  private readonly pending = new Map<string, PendingPrompt>();
  private readonly byOrigin = new Map<string, Promise<ConsentOutcome>>();
  private readonly deniedAt = new Map<string, number>();

  /** Opens (or joins) the consent window for `origin` and resolves with the user's decision. */
  ask(origin: string): Promise<ConsentOutcome> {
    const existing = this.byOrigin.get(origin);
    if (existing) return existing;
    const denied = this.deniedAt.get(origin);
    if (denied !== undefined && Date.now() - denied < DENIAL_QUIET_MS)
      return Promise.resolve({ allow: false });
    const promptId = crypto.randomUUID();
    const decision = new Promise<ConsentOutcome>((resolve) => {
      this.pending.set(promptId, { origin, settle: resolve });
    }).finally(() => {
      this.pending.delete(promptId);
      this.byOrigin.delete(origin);
    });
    this.byOrigin.set(origin, decision);
    void this.open(promptId).catch(() => this.decide(promptId, { allow: false }));
    return decision;
  }

  /** The origin a prompt window is about; undefined once it has been decided. */
  originOf(promptId: string): string | undefined {
    return this.pending.get(promptId)?.origin;
  }

  decide(promptId: string, outcome: ConsentOutcome): boolean {
    const prompt = this.pending.get(promptId);
    if (!prompt) return false;
    if (outcome.allow) this.deniedAt.delete(prompt.origin);
    else this.deniedAt.set(prompt.origin, Date.now());
    prompt.settle(outcome);
    void prompt.dialog?.close();
    return true;
  }

  private async open(promptId: string): Promise<void> {
    const url = browser.runtime.getURL(`extension/ui/consent/consent.html?prompt=${promptId}`);
    // Closing the window without a decision counts as a refusal.
    const dialog = await openDialog(url, WINDOW_SIZE, () =>
      this.decide(promptId, { allow: false }),
    );
    const prompt = this.pending.get(promptId);
    if (prompt) prompt.dialog = dialog;
    else await dialog.close();
  }
}
