/**
 * Consent windows: one per origin at a time. A site's `requestPermission()` waits here until the
 * user decides in the window (extension/ui/consent) or closes it, which counts as a refusal.
 */
import type { SiteGrantLimits } from '../../src/storage/storage-types';
import { browser, type DialogHandle, openDialog, sessionStorage } from '../platform/browser-api';

interface PendingPrompt {
  origin: string;
  dialog?: DialogHandle;
  settle(decision: ConsentOutcome): void;
}

export type ConsentOutcome =
  | { allow: true; limits: SiteGrantLimits | undefined }
  /** `quiet`: refused without a window, because the person said no moments ago. */
  | { allow: false; quiet?: true };

const WINDOW_SIZE = { width: 480, height: 680 };

/**
 * After the person says no, a site's further requests are refused without a window for this
 * long, so a page cannot pester them with a prompt loop.
 */
export const DENIAL_QUIET_MS = 60_000;

/**
 * Where refusals are kept: session storage, so a restarted background (MV3 stops it when idle)
 * still remembers, and the browser's next session starts afresh.
 */
const DENIALS_KEY = 'consent-denials';

type Denials = Record<string, number>;

async function readDenials(): Promise<Denials> {
  const stored = (await sessionStorage().get(DENIALS_KEY))[DENIALS_KEY];
  return typeof stored === 'object' && stored !== null ? (stored as Denials) : {};
}

async function noteDenial(origin: string, at: number | undefined): Promise<void> {
  const denials = await readDenials();
  const now = Date.now();
  for (const [site, time] of Object.entries(denials)) {
    if (now - time >= DENIAL_QUIET_MS) delete denials[site];
  }
  if (at === undefined) delete denials[origin];
  else denials[origin] = at;
  await sessionStorage().set({ [DENIALS_KEY]: denials });
}

export class ConsentPrompts {
  private readonly pending = new Map<string, PendingPrompt>();
  private readonly byOrigin = new Map<string, Promise<ConsentOutcome>>();
  /** This worker's own refusals, seen at once (the session copy is written asynchronously). */
  private readonly deniedHere = new Map<string, number>();

  /** Whether the person said no to `origin` less than a minute ago. */
  async recentlyDenied(origin: string): Promise<boolean> {
    const denied = this.deniedHere.get(origin) ?? (await readDenials())[origin];
    return denied !== undefined && Date.now() - denied < DENIAL_QUIET_MS;
  }

  /** Opens (or joins) the consent window for `origin` and resolves with the user's decision. */
  async ask(origin: string): Promise<ConsentOutcome> {
    const existing = this.byOrigin.get(origin);
    if (existing) return existing;
    if (await this.recentlyDenied(origin)) return { allow: false, quiet: true };
    // Another call may have opened it while the denials were read.
    const opened = this.byOrigin.get(origin);
    if (opened) return opened;
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
    const deniedAt = outcome.allow ? undefined : Date.now();
    if (deniedAt === undefined) this.deniedHere.delete(prompt.origin);
    else this.deniedHere.set(prompt.origin, deniedAt);
    void noteDenial(prompt.origin, deniedAt).catch((error) =>
      console.error('LLM Broker: noting a refusal failed', error),
    );
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
