// Cross-search (横断検索) and allele frequencies (層別アレル頻度) in a real browser against
// `renkei demo`: a researcher builds a cohort from the controls (a disease picked from
// suggestions typed in Japanese), the counts per site equal POST /v1/search's answer for the same
// cohort and session, the pyramid is drawn; a variant's strata charts and the on-demand panel for
// that cohort; the TSV export against POST /v1/freq; a public visitor; a bad variant string.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDemo, launchBrowser, newPage, seriousViolations, screenshot, signIn } from './harness.js';

let demo;
let browser;
let variant; // a real variant of the demo's data, chr:pos:ref:alt
before(async () => {
  demo = await startDemo('search');
  browser = await launchBrowser();
  // A variant from the answer of POST /v1/freq over a region (public: everyone).
  const catalog = await (await fetch(`${demo.url}/v1/catalog`)).json();
  const contig = catalog.datasets[0].contigs[0].name;
  for (let start = 1; !variant && start < 50_000_000; start += 100_000) {
    const r = await fetch(`${demo.url}/v1/freq`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ region: `${contig}:${start}-${start + 99_999}` }),
    });
    if (r.status !== 200) continue;
    const v = (await r.json()).variants.find((x) => (x.total.alts[0]?.af ?? 0) > 0.05);
    if (v) variant = `${v.contig}:${v.pos}:${v.ref}:${v.alt}`;
  }
  assert.ok(variant, 'no common variant found in the demo data');
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

// Calls the API from inside the page, with the page's session (cookie and CSRF token).
async function apiInPage(page, path, body) {
  return page.evaluate(
    async ({ path, body }) => {
      const me = await (await fetch('/v1/me')).json();
      const r = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token || '' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    },
    { path, body },
  );
}

// Waits until the results show the answer for the expression now in the editor.
async function resultsReady(page) {
  await page.waitForFunction(() => {
    const r = document.querySelector('section.results');
    const expr = document.querySelector('#cohort-expr');
    return r && r.dataset.state === 'ready' && (!expr || r.dataset.cohort === expr.value);
  });
}

const shown = (v) => (v === null || v === undefined ? 'suppressed' : String(v));

async function checkCountsAgainstApi(page, answer) {
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const a = answer.body;
  for (const s of a.sites) {
    const cell = page.getByTestId(`site-count-${s.id}`);
    const want = s.status === 'unavailable' ? 'unavailable' : shown(s.id in a.cohort_size.by_site ? a.cohort_size.by_site[s.id] : 0);
    assert.equal(await cell.getAttribute('data-value'), want, `site ${s.id}`);
  }
  assert.equal(await page.getByTestId('cohort-total').getAttribute('data-value'), shown(a.cohort_size.total));
  for (const [b, n] of Object.entries(a.cohort_size.by_biobank)) {
    assert.equal(await page.getByTestId(`biobank-count-${b}`).getAttribute('data-value'), shown(n), `biobank ${b}`);
  }
}

test('a public visitor sees the whole population and a sentence to sign in', async () => {
  for (const lang of ['ja', 'en']) {
    const page = await newPage(browser, lang);
    await page.goto(`${demo.url}/#/search`);
    await resultsReady(page);
    const notice = await page.getByRole('status').filter({ hasText: lang === 'ja' ? 'サインイン' : 'Sign in' }).first().innerText();
    assert.match(notice, lang === 'ja' ? /サインインしてください/ : /Sign in to build a cohort/);
    assert.equal(await page.locator('#cohort-expr').count(), 0);
    const r = await fetch(`${demo.url}/v1/search`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    await checkCountsAgainstApi(page, { status: r.status, body: await r.json() });
    // Ages and sexes as bar charts (no pyramid by sex for the public tier), regions too.
    assert.ok(await page.locator('[data-testid=pyramid] svg').count() >= 1);
    await screenshot(page, `search-public-${lang}`);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
});

for (const lang of ['ja', 'en']) {
  test(`a researcher builds a cohort, sees counts and the pyramid, then its frequencies (${lang})`, async () => {
    const page = await newPage(browser, lang);
    await signIn(page, demo.url, demo.accounts.researcher);
    await page.goto(`${demo.url}/#/search`);
    await page.locator('#cohort-expr').waitFor();
    await page.getByRole('button', { name: lang === 'ja' ? '条件をすべて消す' : 'Clear every choice' }).click();
    await resultsReady(page);

    // A cohort from the controls: two diseases picked from suggestions typed in Japanese, the
    // first with the keyboard, the second with the mouse. (At the demo's small scale the
    // differencing defence refuses most narrow cohorts; this one is answered.)
    const input = page.locator('#disease-input');
    await input.fill('高血圧');
    await page.locator('[role=option][data-term=hypertension]').waitFor();
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    await input.press('ArrowDown');
    assert.equal(await input.getAttribute('aria-activedescendant'), 'disease-opt-0');
    await input.press('Enter');
    await page.locator('li.chip[data-term=hypertension]').waitFor();
    await input.fill('脂質異常');
    await page.locator('[role=option][data-term=dyslipidaemia]').click();
    await page.locator('li.chip[data-term=dyslipidaemia]').waitFor();
    const expr = await page.locator('#cohort-expr').inputValue();
    assert.equal(expr, 'disease=hypertension,dyslipidaemia');
    await resultsReady(page);
    assert.equal(await page.locator('section.results').getAttribute('data-outcome'), 'answer');

    // The counts per site are POST /v1/search's for the same cohort and session.
    await checkCountsAgainstApi(page, await apiInPage(page, '/v1/search', { cohort: expr }));
    // The pyramid asks one search per sex, on request (each answered cohort is remembered by the
    // differencing defence).
    await page.getByRole('button', { name: lang === 'ja' ? /ピラミッド/ : /pyramid/ }).click();
    const pyramid = page.locator(`[data-testid=pyramid] svg[role=img][aria-label*="${lang === 'ja' ? 'ピラミッド' : 'pyramid'}"]`);
    await pyramid.waitFor();
    // At the demo's scale most cells are withheld: every bar is a count or drawn as suppressed.
    assert.equal(await pyramid.locator('rect.bar').count(), 20);
    assert.equal(await page.locator('[data-testid=pyramid] details table').first().locator('tbody tr').count(), 10);
    assert.equal(await page.locator('[data-testid=pyramid] details table').first().locator('thead th').count(), 3);
    await screenshot(page, `search-${lang}`);
    assert.deepEqual(await seriousViolations(page), []);

    // An expert edit of the expression is searched as written.
    const edited = 'disease=hypertension,dyslipidaemia & sex=male';
    await page.locator('#cohort-expr').fill(edited);
    await resultsReady(page);
    await checkCountsAgainstApi(page, await apiInPage(page, '/v1/search', { cohort: edited }));
    await page.getByRole('button', { name: lang === 'ja' ? '項目から式を作り直す' : 'Rebuild from the choices' }).click();
    assert.equal(await page.locator('#cohort-expr').inputValue(), expr);
    await resultsReady(page);

    // Frequencies: the same cohort is on the frequencies page.
    await page.getByRole('link', { name: lang === 'ja' ? '層別アレル頻度' : 'Allele frequencies' }).first().click();
    await page.locator('#freq-q').waitFor();
    assert.equal(await page.getByTestId('ondemand-cohort').innerText(), expr);

    // A bad variant string: a sentence, not JSON.
    await page.locator('#freq-q').fill('chr1:not-a-variant');
    await page.locator('#freq-q').press('Enter');
    const bad = await page.getByTestId('freq-bad').innerText();
    assert.match(bad, lang === 'ja' ? /形になっていません/ : /is not a variant/);
    assert.doesNotMatch(bad, /[{}]/);

    await page.locator('#freq-q').fill(variant);
    await page.getByRole('button', { name: lang === 'ja' ? '調べる' : 'Look up' }).click();
    for (const attr of ['age', 'sex', 'region', 'site']) {
      await page.locator(`[data-testid=strata-${attr}] svg[role=img]`).waitFor();
    }
    await page.waitForFunction(() => document.querySelector('[data-testid=ondemand]')?.dataset.state === 'ready');
    const truth = await apiInPage(page, '/v1/freq', { cohort: expr, variant });
    assert.equal(truth.status, 200, JSON.stringify(truth.body));
    assert.equal(await page.getByTestId('ondemand-size').getAttribute('data-value'), shown(truth.body.cohort_size.total));
    await screenshot(page, `freq-${lang}`);
    assert.deepEqual(await seriousViolations(page), []);

    // The TSV export: one row per variant and allele, the same numbers as /v1/freq.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-cohort').click()]);
    assert.match(download.suggestedFilename(), /^renkei-freq-.*\.tsv$/);
    const tsv = readFileSync(await download.path(), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(tsv[0], ['contig', 'pos', 'id', 'ref', 'alt', 'ac', 'an', 'af', 'ns', 'ac_het', 'ac_hom', 'ac_hemi']);
    const want = truth.body.variants.flatMap((v) => v.total.alts.map((a) => [v.contig, String(v.pos), v.id || '.', v.ref, a.alt,
      shown(a.ac), shown(v.total.an), shown(a.af), shown(v.total.ns), shown(a.ac_het), shown(a.ac_hom), shown(a.ac_hemi)]));
    assert.deepEqual(tsv.slice(1), want);
    // The browser logs each refused search (409: the differencing defence, shown as a sentence).
    assert.deepEqual(page.errors.filter((e) => !/status of 409/.test(e)), []);
    await page.context().close();
  });
}

test('an unknown variant is a sentence saying what to check', async () => {
  const page = await newPage(browser, 'en');
  await page.goto(`${demo.url}/#/freq`);
  const [contig, pos] = variant.split(':');
  await page.locator('#freq-q').fill(`${contig}:${pos}:A:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
  await page.locator('#freq-q').press('Enter');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /(Check|check)/);
  assert.doesNotMatch(text, /[{}]/);
  // A signed-out visitor is told to sign in for cohort frequencies.
  assert.match(await page.getByTestId('ondemand').innerText(), /Sign in to compute frequencies/);
  await page.context().close();
});
