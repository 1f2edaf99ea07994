// Administration in a real browser, in Japanese and English: the platform administrator sees the
// users, grants and revokes a role (checked through the API), sees every site healthy, a usage
// chart and table (and downloads the CSV), and the audit log verified; a site administrator
// uploads a samples file with a bad line, sees that line reported, fixes it, registers a new
// version and sees the node apply it. Every tab is screenshotted in both languages; axe is clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startDemo, launchBrowser, newPage, seriousViolations, screenshot, totp, signIn, outDir } from './harness.js';

let demo;
let browser;
before(async () => {
  demo = await startDemo('admin');
  demoStep = Math.floor(Date.now() / 30000);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A TOTP code is accepted once per account, and never an earlier step than the last one used:
// take the current step, else the next, else wait for the clock.
// The demo used the step it enrolled the accounts in, just before the tests began.
const lastStep = new Map();
let demoStep = 0;
async function freshCode(account) {
  for (;;) {
    const step = Math.floor(Date.now() / 30000);
    const last = lastStep.get(account.email) ?? demoStep;
    for (const offset of [0, 1]) {
      if (step + offset > last) {
        lastStep.set(account.email, step + offset);
        return totp(account.totp_secret, offset);
      }
    }
    await sleep(1000);
  }
}

async function signInAs(page, account) {
  const code = account.totp_secret ? await freshCode(account) : '';
  await signIn(page, demo.url, { ...account, next_code: () => code });
}

const account = (role) => {
  const key = Object.keys(demo.accounts).find((r) => r === role || r.startsWith(role + ':'));
  assert.ok(key, `no demo account with role ${role}: ${Object.keys(demo.accounts)}`);
  return demo.accounts[key];
};

// Calls the API from the page, as the signed-in user (the session cookie and CSRF token).
const apiFromPage = (page, p) => page.evaluate((u) => fetch(u).then((r) => r.json()), p);

async function checkPage(page, name) {
  await page.locator('main h1').waitFor();
  await screenshot(page, name);
  assert.deepEqual(await seriousViolations(page), [], name);
}

const L = {
  ja: {
    tabs: { users: '利用者と役割', sites: '拠点と稼働状況', usage: '利用状況', audit: '監査ログ', metadata: 'メタデータ登録' },
    grant: '付与する', reviewer: 'データ利用審査会 委員', secretariat: '受付事務局',
    revoke: (role, email) => `${role} を外す: ${email}`,
    filter: '絞り込む', healthy: '正常', allSites: 'すべての拠点', verified: '検証済み', older: 'さらに古い記録',
    csv: 'CSV をダウンロード', check: '内容を確認する', register: /版として登録する/, line: '3 行目',
    applied: '反映済み', ok: '問題はありません',
  },
  en: {
    tabs: { users: 'Users and roles', sites: 'Sites and health', usage: 'Usage', audit: 'Audit log', metadata: 'Metadata registration' },
    grant: 'Grant', reviewer: 'Data access committee member', secretariat: 'Secretariat',
    revoke: (role, email) => `Remove ${role} from ${email}`,
    filter: 'Filter', healthy: 'healthy', allSites: 'All 5 sites', verified: 'Verified', older: 'Older entries',
    csv: 'Download CSV', check: 'Check', register: /Register as version/, line: 'line 3',
    applied: 'applied', ok: 'No problems',
  },
};

for (const lang of ['ja', 'en']) {
  test(`the platform administrator manages users, sites, usage and the audit log (${lang})`, async () => {
    const l = L[lang];
    const admin = account('platform_admin');
    const page = await newPage(browser, lang);
    page.setDefaultTimeout(15000);
    await signInAs(page, admin);
    await page.goto(`${demo.url}/#/admin`);

    // Users and roles: the default tab.
    const users = page.getByTestId('users-table');
    await users.waitFor();
    assert.ok((await users.locator('tbody tr').count()) >= 6);
    assert.equal(await page.locator('.tabs a[aria-current="page"]').innerText(), l.tabs.users);
    await checkPage(page, `admin-users-${lang}`);

    // Grant a role to the researcher, then revoke it; the API agrees each time.
    const target = account('researcher').email;
    const role = lang === 'ja' ? 'secretariat' : 'reviewer';
    const { users: before } = await apiFromPage(page, '/v1/admin/users');
    const u = before.find((x) => x.email === target);
    assert.ok(!u.roles.includes(role));
    await page.locator('#grant-user').selectOption(String(u.id));
    await page.locator('#grant-role').selectOption(role);
    await page.getByRole('button', { name: l.grant, exact: true }).click();
    await page.getByRole('status').filter({ hasText: target }).waitFor();
    const row = page.locator(`tr[data-email="${target}"]`);
    await row.getByText(l[role], { exact: true }).waitFor();
    let after = (await apiFromPage(page, '/v1/admin/users')).users.find((x) => x.email === target);
    assert.ok(after.roles.includes(role), JSON.stringify(after.roles));
    await screenshot(page, `admin-users-granted-${lang}`);
    await row.getByRole('button', { name: l.revoke(l[role], target) }).click();
    await row.getByText(l[role], { exact: true }).waitFor({ state: 'detached' });
    after = (await apiFromPage(page, '/v1/admin/users')).users.find((x) => x.email === target);
    assert.ok(!after.roles.includes(role), JSON.stringify(after.roles));

    // Sites and their health, through the tab link (keyboard: a real link).
    await page.getByRole('link', { name: l.tabs.sites }).click();
    const sites = page.getByTestId('sites-table');
    await sites.waitFor();
    assert.equal(await sites.locator('tbody tr').count(), 5);
    assert.equal(await sites.locator('tbody .badge-ok').count(), 5);
    assert.match(await sites.locator('tbody tr').first().innerText(), new RegExp(l.healthy));
    assert.match(await page.getByTestId('sites-summary').innerText(), new RegExp(l.allSites));
    await checkPage(page, `admin-sites-${lang}`);

    // Usage: a chart over time with a text alternative, a table per user, a CSV download.
    await page.getByRole('link', { name: l.tabs.usage }).click();
    const chart = page.locator('figure.chart svg[role="img"]');
    await chart.waitFor();
    assert.ok((await chart.locator('rect.bar').count()) >= 1, 'a column for today');
    assert.match(await chart.getAttribute('aria-label'), /\d/);
    const byUser = page.getByTestId('usage-table-user');
    await byUser.waitFor();
    assert.ok((await byUser.locator('tbody tr').count()) >= 1);
    const total = Number((await byUser.locator('tfoot td').first().innerText()).replace(/[^\d]/g, ''));
    assert.ok(total > 0, 'the demo ran queries today');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: new RegExp(l.csv) }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^renkei-usage-by-user-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv.split('\r\n')[0], /queries/);
    await page.locator('#usage-by').selectOption('site');
    await page.getByTestId('usage-table-site').waitFor();
    assert.ok((await page.getByTestId('usage-table-site').locator('tbody tr').count()) >= 5);
    await checkPage(page, `admin-usage-${lang}`);

    // The audit log: verified, prominently; filters and paging.
    await page.getByRole('link', { name: l.tabs.audit }).click();
    const verified = page.getByTestId('audit-verified');
    await verified.waitFor();
    assert.match(await verified.innerText(), new RegExp(l.verified));
    const audit = page.getByTestId('audit-table');
    await audit.waitFor();
    assert.ok((await audit.locator('tbody tr').count()) > 0);
    await checkPage(page, `admin-audit-${lang}`);
    await page.locator('#audit-action').fill('user.role_');
    await page.locator('#audit-action').press('Enter');
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('[data-testid="audit-table"] tbody td code')];
      return cells.length > 0 && cells.every((c) => c.textContent.startsWith('user.role_'));
    });
    assert.ok(await audit.getByText('user.role_revoke').count() >= 1);
    // Paging: 25 a page, then older ones.
    await page.locator('#audit-action').fill('');
    await page.locator('#audit-limit').selectOption('25');
    await page.getByRole('button', { name: l.filter, exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-table"] tbody tr').length === 25);
    const firstSeq = Number(await audit.locator('tbody tr th').first().innerText());
    await page.getByRole('button', { name: l.older }).click();
    await page.waitForFunction(
      (s) => {
        const th = document.querySelector('[data-testid="audit-table"] tbody tr th');
        return th && Number(th.textContent) < s - 24;
      },
      firstSeq,
    );

    // A platform administrator without a site sees the registered datasets, read-only.
    await page.getByRole('link', { name: l.tabs.metadata }).click();
    await page.locator('#md-list-h').waitFor();
    await checkPage(page, `admin-metadata-platform-${lang}`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
}

// The site's samples file as the node holds it (the demo's store), and a copy with a bad line.
function samplesFiles(site) {
  const store = path.join(outDir, 'demo-admin', 'stores', site, 'samples.tsv.zst');
  const good = execFileSync('zstd', ['-dc', store]).toString('utf8');
  const lines = good.split('\n');
  lines[2] = lines[2].replace(/\t(male|female|unknown)\t/, '\tM\t');
  return { good, bad: lines.join('\n'), badLine: lines[2] };
}

for (const lang of ['ja', 'en']) {
  test(`a site administrator registers a dataset version, fixing a bad line first (${lang})`, async () => {
    const l = L[lang];
    const siteAdmin = account('site_admin');
    const site = Object.keys(demo.accounts).find((r) => r.startsWith('site_admin:')).split(':')[1];
    const catalog = await (await fetch(`${demo.url}/v1/catalog`)).json();
    const dataset = catalog.datasets.find((d) => d.site === site).id;
    const { good, bad, badLine } = samplesFiles(site);
    const page = await newPage(browser, lang);
    page.setDefaultTimeout(20000);
    await signInAs(page, siteAdmin);
    await page.goto(`${demo.url}/#/admin`);
    // Only the metadata tab, chosen by default.
    await page.locator('#md-dataset').waitFor();
    assert.deepEqual(await page.locator('.tabs a').allInnerTexts(), [l.tabs.metadata]);
    await page.locator(`#md-dataset option[value="${dataset}"]`).waitFor({ state: 'attached' });
    const registered = await (await fetch(`${demo.url}/v1/datasets?site=${site}`)).json();
    const current = registered.datasets.find((d) => d.dataset_id === dataset)?.version ?? 0;
    await page.locator('#md-dataset').selectOption(dataset);
    await page.locator('#md-title').waitFor();
    if (current > 0) await page.getByTestId('md-versions').waitFor();

    // The description: the main fields and the DUO conditions.
    await page.locator('#md-title').fill(`TMM whole genomes (${lang})`);
    await page.locator('#md-description').fill('Whole-genome sequences of community cohort participants.');
    await page.locator('#md-study-title').fill('Tohoku Medical Megabank community cohort');
    await page.locator('#md-policy').fill('Health and medical research; ethics approval required.');
    await page.locator('#md-dac-name').fill('Tohoku DAC');
    await page.getByRole('radio', { name: /HMB/ }).check();
    const irb = page.getByRole('checkbox', { name: /IRB/ });
    if (!(await irb.isChecked())) await irb.check();
    await page.locator('#md-seq-strategy').fill('WGS');
    await page.locator('#md-an-reference').fill('GRCh38');

    // A file with a bad line: the check names the line and shows it as written.
    const register = page.getByRole('button', { name: l.register });
    assert.equal(await register.isDisabled(), true);
    await page.locator('#md-samples').setInputFiles({ name: 'samples.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(bad) });
    await page.getByTestId('md-file').waitFor();
    await page.getByRole('button', { name: l.check, exact: true }).click();
    const problem = page.locator('[data-testid="md-report"] tr[data-line="3"]');
    await problem.waitFor();
    assert.match(await problem.innerText(), new RegExp(l.line));
    assert.match(await problem.innerText(), /unknown sex 'M'/);
    assert.match(await problem.locator('code').innerText(), new RegExp(badLine.split('\t')[0]));
    assert.equal(await page.locator('[data-testid="md-report"] tbody tr').count(), 1);
    assert.equal(await register.isDisabled(), true);
    await checkPage(page, `admin-metadata-report-${lang}`);

    // Fixed: the check passes and the version registers.
    await page.locator('#md-samples').setInputFiles({ name: 'samples-fixed.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: l.check, exact: true }).click();
    await page.getByTestId('md-report').getByText(l.ok).waitFor();
    await register.click();
    const version = current + 1;
    const row = page.locator(`[data-testid="md-versions"] tr[data-version="${version}"]`);
    await row.waitFor();
    await row.getByTestId('md-node-status').getByText(l.applied, { exact: true }).waitFor({ timeout: 40000 });
    const api = await apiFromPage(page, `/v1/datasets/${dataset}/versions`);
    assert.equal(api.versions[0].version, version);
    assert.equal(api.versions[0].node_status, 'applied');
    assert.equal(api.versions[0].description.title, `TMM whole genomes (${lang})`);
    assert.equal(api.versions[0].description.data_use.permission, 'DUO:0000006');
    assert.equal(api.versions[0].sample_count, good.trim().split('\n').length - 1);
    await checkPage(page, `admin-metadata-${lang}`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
}

test('a researcher is told the administration pages are not for them', async () => {
  const page = await newPage(browser, 'en');
  await signInAs(page, account('researcher'));
  await page.goto(`${demo.url}/#/admin/users`);
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /platform and site administrators/);
  assert.equal(await page.locator('.tabs').count(), 0);
  await page.context().close();
});
