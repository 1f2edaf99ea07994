// How long the portal's first page takes to become usable, on loopback: a demo hub (small
// scale) with the built portal, Debian's Chromium already running, a fresh browser context
// (empty cache) per run. "Usable" = the page's heading and its navigation links rendered; the
// time is the page's own clock from the start of navigation (performance.now()).
//   RENKEI_BIN=build/renkei node bench/portal_first_page.mjs [runs]
import { startDemo, launchBrowser, newPage } from '../web/e2e/harness.js';

const runs = Number(process.argv[2] || 21);
const demo = await startDemo('bench');
const browser = await launchBrowser();
const times = [];
const api = [];
try {
  for (let i = 0; i < runs; i++) {
    const page = await newPage(browser, i % 2 ? 'en' : 'ja');
    await page.goto(`${demo.url}/`);
    await page.locator('main h1').waitFor();
    await page.locator('header nav a').first().waitFor();
    times.push(await page.evaluate(() => performance.now()));
    // For comparison: one API answer the page makes (the sites' health, a fan-out).
    api.push(await page.evaluate(async () => {
      const t = performance.now();
      await fetch('/v1/sites');
      return performance.now() - t;
    }));
    await page.context().close();
  }
} finally {
  await browser.close();
  await demo.stop();
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (x) => `${x.toFixed(0)} ms`;
console.log(`first page usable: median ${fmt(median(times))}, min ${fmt(Math.min(...times))}, ` +
  `max ${fmt(Math.max(...times))} over ${runs} fresh contexts (target < 1000 ms)`);
console.log(`GET /v1/sites from the page: median ${fmt(median(api))}`);
