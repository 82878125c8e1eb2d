/** The settings pages in a small window: item tables become cards (tests only; uses vitest). */
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Narrows `page` to a small window (760 px) and checks that the item table `table` became cards:
 * its scroller does not scroll sideways, and `cell` shows `label` above its figure. Resolves with
 * a function that gives the page its size back.
 */
export async function narrowToCards(
  page: Page,
  table: string,
  cell: Locator,
  label: string,
): Promise<() => Promise<void>> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 760, height: 900 });
  const scroller = page.locator('.cards-when-narrow', { has: page.locator(table) });
  await expect
    .poll(() => scroller.evaluate((element) => element.scrollWidth - element.clientWidth))
    .toBe(0);
  expect(await cell.evaluate((element) => getComputedStyle(element, '::before').content)).toBe(
    `"${label}"`,
  );
  return async () => {
    if (size) await page.setViewportSize(size);
  };
}
