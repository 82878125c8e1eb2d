/**
 * Frames: `window.llm` (and the Prompt API) in same-origin and cross-origin iframes, each frame
 * with its own origin and grant; an about:blank frame has its parent's; sandboxed (opaque) and
 * data: frames are refused with a reason, never left hanging.
 */
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PermissionState } from '../../src/protocol/llm-permission';
import { type BrokerBrowser, launchBroker } from './e2e-harness';
import { allowSite } from './e2e-setup';

describe('frames', () => {
  let broker: BrokerBrowser;
  let page: Page;
  let crossOrigin: string;

  const frame = async (id: string): Promise<Frame> => {
    const element = await page.locator(`#${id}`).elementHandle();
    const found = await element?.contentFrame();
    if (!found) throw new Error(`no frame #${id}`);
    return found;
  };
  type Answer = PermissionState | { name: string; message: string } | 'no window.llm';
  const permissionIn = (target: Frame): Promise<Answer> =>
    target.evaluate((): Promise<Answer> | Answer =>
      typeof window.llm === 'object'
        ? window.llm
            .getPermission()
            .catch((error: Error) => ({ name: error.name, message: error.message }))
        : 'no window.llm',
    );

  beforeAll(async () => {
    broker = await launchBroker({ extraArgs: ['--disable-blink-features=AIPromptAPI'] });
    crossOrigin = broker.pagesUrl.replace('127.0.0.1', 'localhost');
    page = await broker.openTestPage('frames.html');
    await page.waitForLoadState('load');
  });
  afterAll(() => broker?.close());

  it('puts window.llm in same-origin and cross-origin frames, each with its own origin', async () => {
    expect(await permissionIn(await frame('same'))).toEqual({
      origin: broker.pagesUrl,
      granted: false,
    });
    expect(await permissionIn(await frame('cross'))).toEqual({
      origin: crossOrigin,
      granted: false,
    });
    // And the Prompt API beside it, in every frame.
    expect(await (await frame('cross')).evaluate(() => typeof window.LanguageModel)).toBe(
      'function',
    );
  });

  it('gives an about:blank frame its parent origin', async () => {
    expect(await permissionIn(await frame('blank'))).toEqual({
      origin: broker.pagesUrl,
      granted: false,
    });
  });

  it('refuses sandboxed and data: frames with a reason instead of hanging', async () => {
    for (const id of ['sandboxed', 'data']) {
      const answer = await permissionIn(await frame(id));
      if (answer === 'no window.llm') continue;
      expect(answer).toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringMatching(/http\(s\) origin only/),
      });
    }
    expect(await permissionIn(await frame('sandboxed'))).not.toBe('no window.llm');
  });

  it('grants per origin: the top page’s grant covers its same-origin frame, not the other', async () => {
    await allowSite(broker, page);
    expect(await permissionIn(await frame('same'))).toMatchObject({ granted: true });
    expect(await permissionIn(await frame('blank'))).toMatchObject({ granted: true });
    expect(await permissionIn(await frame('cross'))).toMatchObject({
      origin: crossOrigin,
      granted: false,
    });
  });

  it('asks for a cross-origin frame in its own name', async () => {
    const cross = await frame('cross');
    await cross.evaluate(() => {
      addEventListener(
        'click',
        () => {
          (window as unknown as { __asked: Promise<unknown> }).__asked =
            window.llm.requestPermission();
        },
        { once: true },
      );
    });
    const consentOpened = broker.context.waitForEvent('page', {
      predicate: (opened) => opened.url().includes('consent.html'),
    });
    // A click inside the frame: the gesture is the frame's own.
    await page.locator('#cross').click({ position: { x: 5, y: 5 } });
    const consent = await consentOpened;
    await expect.poll(() => consent.locator('#consent-origin').textContent()).toBe(crossOrigin);
    await Promise.all([
      consent.waitForEvent('close'),
      consent
        .getByRole('button', { name: 'Allow' })
        .click()
        .catch(() => {}),
    ]);
    const asked = await cross.evaluate(
      () => (window as unknown as { __asked: Promise<unknown> }).__asked,
    );
    expect(asked).toMatchObject({ origin: crossOrigin, granted: true });
  });
});
