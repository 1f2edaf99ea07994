// What every browser test needs: a hub and five nodes started by the test (`renkei demo` at a
// small scale, with the portal built in web/dist), Debian's Chromium driven by playwright-core,
// an accessibility check (axe-core) and screenshots saved for review in web/e2e-out/screenshots.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
export const webDir = path.resolve(here, '..');
const repo = path.resolve(webDir, '..');
export const outDir = path.join(webDir, 'e2e-out');
export const screenshotDir = path.join(outDir, 'screenshots');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Starts `renkei demo` (RENKEI_BIN, default build/renkei) on a free port and waits until it
// answers. Each test file passes its own `name`: its data live in web/e2e-out/demo-NAME, so
// files may run at the same time. Returns {url, accounts: {role: {email, password, totp_secret,
// recovery_code}}, stop}.
export async function startDemo(name) {
  const bin = process.env.RENKEI_BIN || path.join(repo, 'build', 'renkei');
  if (!existsSync(bin)) throw new Error(`${bin} not found: build renkei first (bash scripts/build.sh release)`);
  if (!existsSync(path.join(webDir, 'dist', 'index.html'))) {
    throw new Error('web/dist is not built: bash scripts/build.sh web');
  }
  const port = await freePort();
  const dir = path.join(outDir, `demo-${name}`);
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    bin,
    ['demo', '--scale', '0.03', '--variants', '2000', '--port', String(port), '--dir', dir,
      '--web-root', path.join(webDir, 'dist')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`renkei demo did not start in 120 s:\n${output}`)), 120000);
    const onData = (d) => {
      output += d.toString();
      if (output.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`renkei demo exited (${code}):\n${output}`));
    });
  });
  await ready;
  const list = JSON.parse(readFileSync(path.join(dir, 'config', 'accounts.json'), 'utf8'));
  const accounts = {};
  // By role, and by the email's local part (reviewer1, reviewer2: two accounts share a role).
  for (const a of list) {
    accounts[a.role] = a;
    accounts[a.email.split('@')[0]] = a;
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 10000).unref();
    });
  return { url: `http://127.0.0.1:${port}`, accounts, stop, output: () => output };
}

// Debian's Chromium, headless, with the flags this closed network needs.
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A new browser context in one language (the Accept-Language a Japanese or English browser
// sends), with page errors collected in `errors`.
export async function newPage(browser, lang) {
  const context = await browser.newContext({
    locale: lang === 'ja' ? 'ja-JP' : 'en-GB',
    viewport: { width: 1200, height: 900 },
  });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) page.errors.push(m.text());
  });
  return page;
}

// Runs axe-core in the page; returns the serious and critical violations (WCAG 2 A/AA rules).
export async function seriousViolations(page) {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source); // through the DevTools protocol: the page's CSP does not apply
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } }),
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

// RFC 6238 TOTP (SHA-1, 30 s, 6 digits), computed by the test as an authenticator app would,
// `offset` steps from now.
export function totp(secretBase32, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretBase32.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  const counter = Math.floor(Date.now() / 1000 / 30) + offset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(msg).digest();
  const o = mac[mac.length - 1] & 0xf;
  const code = ((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).toString().padStart(6, '0');
  return code;
}

// Signs in through the portal's page (email, password, then the second factor if asked).
export async function signIn(page, url, account) {
  await page.goto(`${url}/#/signin`);
  await page.locator('#signin-email').fill(account.email);
  await page.locator('#signin-password').fill(account.password);
  await page.locator('form button[type=submit]').click();
  if (account.totp_secret) {
    await page.locator('#signin-code').waitFor();
    // Each code works once: a recovery code avoids waiting for the next 30-second step when
    // the same account signs in twice within one step.
    await page.locator('#signin-code').fill(account.next_code ? account.next_code() : totp(account.totp_secret));
    await page.locator('form button[type=submit]').click();
  }
  await page.waitForFunction(() => !location.hash.startsWith('#/signin'));
}
