import { resolve } from 'node:path';
import { launchBroker } from '../test/e2e/e2e-harness';

const broker = await launchBroker({ extensionDir: resolve(import.meta.dirname, '../dist-bench') });
const site = await broker.openTestPage();
const cdp = await broker.context.newCDPSession(site);
await cdp.send('ServiceWorker.enable');
for (let i = 0; i < 6; i++) {
  await cdp.send('ServiceWorker.stopAllWorkers');
  await new Promise((r) => setTimeout(r, 300));
  const waitWorker = broker.context.waitForEvent('serviceworker');
  const t = await site.evaluate(async () => {
    const s = performance.now();
    await window.llm.ping();
    return performance.now() - s;
  });
  const worker = await waitWorker.catch(() => broker.context.serviceWorkers().at(-1)!);
  const marks = await worker.evaluate(() => [
    (globalThis as any).bootStartedAt,
    (globalThis as any).bootEndedAt,
    (globalThis as any).servicesMs,
  ]);
  console.log(
    'ping',
    t.toFixed(1),
    'modules start at',
    marks[0].toFixed(1),
    'end at',
    marks[1].toFixed(1),
    'eval',
    (marks[1] - marks[0]).toFixed(1),
    'services',
    marks[2]?.toFixed(1),
  );
}
await broker.close();
