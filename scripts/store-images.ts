/**
 * `npm run store-images`: the screenshots and promotional tile the store listings need, taken
 * from the built extension (run `npm run build` first) in Chromium, with a loopback provider
 * server answering a test site, and written to store/images/:
 *   screenshot-<n>-<name>.png   1280×800: a caption band above the real page (both stores)
 *   promo-small-440x280.png     the Chrome Web Store's small promotional tile
 * docs/store.md lists what each shows.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBroker } from '../test/e2e/e2e-harness';
import { answerConsent, saveProviderAccount } from '../test/e2e/e2e-setup';
import { startProviderServer } from '../test/fixtures/provider-server';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = resolve(ROOT, 'store/images');
const SHOT = { width: 1280, height: 800 };
const CAPTION_HEIGHT = 96;
const OPTIONS = 'extension/ui/options/options.html';

mkdirSync(OUT, { recursive: true });
const icon = `data:image/png;base64,${readFileSync(resolve(ROOT, 'public/icons/icon-128.png')).toString('base64')}`;

const STYLE = `
  * { box-sizing: border-box; margin: 0; }
  body { font-family: system-ui, sans-serif; background: #eef0ff; color: #161827; }`;

/** Places a page's screenshot under a caption, at exactly the stores' 1280×800. */
async function compose(page: Page, png: Buffer, caption: string, file: string): Promise<void> {
  const image = `data:image/png;base64,${png.toString('base64')}`;
  await page.setViewportSize(SHOT);
  await page.setContent(`<!doctype html><style>${STYLE}
    header { height: ${CAPTION_HEIGHT}px; display: flex; align-items: center; gap: 18px; padding: 0 40px; }
    header img { width: 48px; height: 48px; }
    header h1 { font-size: 30px; font-weight: 650; letter-spacing: -0.01em; }
    main { height: ${SHOT.height - CAPTION_HEIGHT}px; display: flex; justify-content: center; align-items: flex-start; overflow: hidden; }
    main img { max-width: 1200px; max-height: ${SHOT.height - CAPTION_HEIGHT - 24}px; border-radius: 12px;
      box-shadow: 0 12px 40px rgb(20 20 60 / 25%); }
  </style><header><img src="${icon}" alt=""><h1>${caption}</h1></header><main><img src="${image}" alt=""></main>`);
  await page.screenshot({ path: resolve(OUT, file) });
  console.log(`store/images/${file}`);
}

const openai = await startProviderServer({
  kind: 'openai',
  apiKey: 'sk-store-images-0000000000000000',
  text: 'Here is a summary of the page in three sentences, as the site asked.',
});
const broker = await launchBroker({
  keepWelcome: true,
  viewport: { width: 1200, height: 680 },
  extraArgs: ['--enable-unsafe-webgpu'],
});
try {
  const canvas = await broker.context.newPage();

  const welcome =
    broker.context.pages().find((page) => page.url().includes('welcome.html')) ??
    (await broker.context.waitForEvent('page', {
      predicate: (page) => page.url().includes('welcome.html'),
    }));
  await welcome.getByText('This browser can run one').waitFor();
  await compose(
    canvas,
    await welcome.screenshot(),
    'Your own broker between websites and AI models',
    'screenshot-1-welcome.png',
  );

  await saveProviderAccount(broker, {
    provider: 'openai',
    name: 'OpenAI',
    apiKey: 'sk-store-images-0000000000000000',
    baseUrl: `${openai.url}/v1`,
  });
  const site = await broker.openTestPage();
  await answerConsent(
    broker,
    'Allow',
    () => site.evaluate(() => window.llm.requestPermission()),
    async (consent) => {
      await consent.locator('#consent-origin').waitFor();
      await compose(
        canvas,
        await consent.screenshot({ clip: { x: 0, y: 0, width: 500, height: 540 } }),
        'Every site asks first — with a budget you set',
        'screenshot-2-consent.png',
      );
    },
  );
  for (const task of ['summarization', 'coding', 'qa'] as const) {
    await site.evaluate((t) => window.llm.generate({ prompt: `A ${t} request`, task: t }), task);
  }

  const options = await broker.openExtensionPage(`${OPTIONS}#providers`);
  await options.getByRole('heading', { name: 'Providers' }).waitFor();
  // The demo's loopback address is not what a listing should show: fold the advanced panels.
  await options.evaluate(() => {
    for (const details of document.querySelectorAll('details')) details.open = false;
  });
  await compose(
    canvas,
    await options.screenshot(),
    'Your keys stay in your browser, encrypted',
    'screenshot-3-providers.png',
  );

  await options.goto(options.url().replace('#providers', '#playground'));
  await options.getByLabel('Task').selectOption('coding');
  await options.getByText(/^The decision in full:/).waitFor();
  await compose(
    canvas,
    await options.screenshot(),
    'See which model answers, and why',
    'screenshot-4-playground.png',
  );

  await options.goto(options.url().replace('#playground', '#usage'));
  await options.locator('table.log > tbody').first().waitFor();
  await options.locator('.spend-chart canvas').waitFor();
  await compose(
    canvas,
    await options.screenshot(),
    'What you spent, on which model, for which site',
    'screenshot-5-usage.png',
  );

  await canvas.setViewportSize({ width: 440, height: 280 });
  await canvas.setContent(`<!doctype html><style>${STYLE}
    body { width: 440px; height: 280px; display: flex; flex-direction: column; justify-content: center;
      padding: 0 36px; gap: 14px; background: linear-gradient(135deg, #4f46e5, #7c3aed); color: #fff; }
    .name { display: flex; align-items: center; gap: 14px; font-size: 34px; font-weight: 700; }
    .name img { width: 64px; height: 64px; border-radius: 14px; box-shadow: 0 6px 18px rgb(0 0 0 / 25%); }
    p { font-size: 19px; line-height: 1.35; opacity: 0.95; }
  </style><div class="name"><img src="${icon}" alt="">LLM Broker</div>
  <p>Websites ask for AI. You choose the models, the budget and the privacy.</p>`);
  writeFileSync(resolve(OUT, 'promo-small-440x280.png'), await canvas.screenshot());
  console.log('store/images/promo-small-440x280.png');
} finally {
  await broker.close();
  await openai.close();
}
