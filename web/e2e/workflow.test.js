// The story end to end in a real browser: a researcher signs up, enrols TOTP, builds a
// cohort and sees counts and a frequency chart, and submits a whole-genome data use application (a purpose that a
// dataset's data-use conditions deny is refused with a sentence first); the secretariat counts
// feasibility and forwards it; reviewers vote and decide (a reviewer with a conflict of interest
// is shown why they cannot vote); the secretariat records the three-party contract; the site's
// administrator grants access; the researcher then gets exact, controlled-tier counts where the
// registered tier had suppressed them. Every page is saved as a screenshot in Japanese and
// English and checked with axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchBrowser, newPage, seriousViolations, screenshot, totp } from './harness.js';

let demo;
let browser;
const S = {}; // state carried from step to step
const SMALL = 'age=90+'; // below the floor at tohoku for the registered tier (4 of 214 at this scale)
// The period of use starts today: a grant gives the controlled tier only within it.
const TODAY = new Date().toISOString().slice(0, 10);
const NEXT_YEAR = new Date(Date.now() + 365 * 86400000).toISOString().slice(0, 10);

before(async () => {
  demo = await startDemo('workflow');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

// Screenshots of the page in its language and then the other one (the header's switch), each
// checked for serious accessibility violations; the page is left in its first language.
async function shootBoth(page, name) {
  const first = await page.getAttribute('html', 'lang');
  const other = first === 'ja' ? 'en' : 'ja';
  await page.locator('main h1').waitFor();
  await screenshot(page, `${name}-${first}`);
  assert.deepEqual(await seriousViolations(page), [], `${name}-${first}`);
  await page.locator('button.lang').click();
  await page.waitForFunction((l) => document.documentElement.lang === l, other);
  await screenshot(page, `${name}-${other}`);
  assert.deepEqual(await seriousViolations(page), [], `${name}-${other}`);
  await page.locator('button.lang').click();
  await page.waitForFunction((l) => document.documentElement.lang === l, first);
}

// Errors other than the 4xx answers the story provokes on purpose.
function unexpectedErrors(page) {
  return page.errors.filter((e) => !/status of 4\d\d/.test(e));
}

// POST /v1/search from inside the page, with the session's cookie and CSRF token.
function searchInPage(page, cohort) {
  return page.evaluate(async (c) => {
    const me = await (await fetch('/v1/me')).json();
    const r = await fetch('/v1/search', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
      body: JSON.stringify({ cohort: c }),
    });
    return { status: r.status, body: await r.json() };
  }, cohort);
}

// Signs in through the page with a TOTP code; if the hub refuses the code (a step boundary, or
// the code was used), once more with the account's recovery code. A refusal is reported with the
// page's sentence.
async function signIn(page, url, account) {
  await page.goto(`${url}/#/signin`);
  await page.locator('#signin-email').fill(account.email);
  await page.locator('#signin-password').fill(account.password);
  await page.locator('form button[type=submit]').click();
  await page.locator('#signin-code').waitFor();
  for (const code of [totp(account.totp_secret), account.recovery_code || account.recovery]) {
    await page.locator('#signin-code').fill(code);
    await page.locator('form button[type=submit]').click();
    const outcome = await Promise.race([
      page.waitForFunction(() => !location.hash.startsWith('#/signin')).then(() => 'in'),
      page.locator('main [role=alert]').waitFor().then(() => 'refused'),
    ]);
    if (outcome === 'in') return;
    console.log(`sign-in of ${account.email} refused: ${await page.locator('main [role=alert]').innerText()}`);
  }
  throw new Error(`${account.email} could not sign in`);
}

async function openApplication(page, id) {
  const target = `${demo.url}/#/applications/${id}`;
  if (page.url() === target) await page.reload(); // the same hash would not load it again
  else await page.goto(target);
  await page.locator('main h1', { hasText: id }).waitFor();
}

// Takes an action through its form on the detail page and waits for the new version.
async function act(page, action, fill) {
  const form = page.locator(`form[data-action="${action}"]`);
  await form.waitFor();
  const before = await page.locator('dl.pairs').innerText();
  if (fill) await fill(form);
  await form.locator('button[type=submit]').click();
  await page.waitForFunction((b) => document.querySelector('dl.pairs')?.innerText !== b, before);
  assert.equal(await page.locator('main [role=alert]').count(), 0,
    `${action}: ${await page.locator('main [role=alert]').allInnerTexts()}`);
}

async function state(page, id) {
  return page.evaluate(async (i) => (await (await fetch(`/v1/applications/${i}`)).json()).state, id);
}

test('a researcher signs up, enrols TOTP, builds a cohort and sees counts and a frequency chart', async () => {
  const page = await newPage(browser, 'ja');
  S.researcher = { email: `wf-${Date.now()}@example.org`, password: 'a long enough passphrase 42' };
  await page.goto(`${demo.url}/#/signup`);
  await page.locator('#signup-email').fill(S.researcher.email);
  await page.locator('#signup-name').fill('連携 太郎');
  await page.locator('#signup-institution').fill('renkei university');
  await page.locator('#signup-password').fill(S.researcher.password);
  await page.locator('form button[type=submit]').click();
  await page.waitForFunction(() => location.hash === '#/account');
  await page.locator('#totp-h ~ button').first().click();
  S.researcher.totp_secret = (await page.getByTestId('totp-secret').innerText()).trim();
  await page.locator('#totp-code').fill(totp(S.researcher.totp_secret));
  await page.locator('#totp-code').press('Enter');
  await page.getByTestId('recovery-codes').waitFor();
  S.researcher.recovery = (await page.getByTestId('recovery-codes').locator('li').first().innerText()).trim();

  // The registered tier suppresses a small cohort (or refuses it as a difference).
  const small = await searchInPage(page, SMALL);
  assert.ok(small.status === 200 || small.status === 409, JSON.stringify(small.body));
  if (small.status === 200) {
    assert.equal(small.body.tier, 'registered');
    assert.equal(small.body.cohort_size.by_site.tohoku, null);
  }

  // Builds a cohort in cross-search and sees counts per site.
  S.cohort = 'age=60-69 | age=70-79';
  await page.goto(`${demo.url}/#/search`);
  await page.locator('main h1').waitFor();
  if (await page.locator('#cohort-expr').count()) {
    await page.locator('#cohort-expr').fill(S.cohort);
    await page.locator(`section.results[data-state="ready"][data-cohort="${S.cohort}"]`).waitFor();
    const tohoku = await page.getByTestId('site-count-tohoku').innerText();
    assert.match(tohoku, /\d/);
    S.searchPage = true;
  } else {
    // The search page is not built yet: the same counts through the API, as the page would ask.
    const r = await searchInPage(page, S.cohort);
    assert.equal(r.status, 200);
    assert.equal(typeof r.body.cohort_size.by_site.tohoku, 'number');
  }

  // ... and the frequencies of a common variant for that cohort, as charts.
  const variant = await page.evaluate(async () => {
    const catalog = await (await fetch('/v1/catalog')).json();
    const contig = catalog.datasets[0].contigs[0].name;
    const me = await (await fetch('/v1/me')).json();
    for (let start = 1; start < 50_000_000; start += 100_000) {
      const r = await fetch('/v1/freq', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ region: `${contig}:${start}-${start + 99_999}` }),
      });
      if (r.status !== 200) continue;
      const v = (await r.json()).variants.find((x) => (x.total.alts[0]?.af ?? 0) > 0.05);
      if (v) return `${v.contig}:${v.pos}:${v.ref}:${v.alt}`;
    }
    return '';
  });
  assert.ok(variant, 'no common variant in the demo data');
  await page.goto(`${demo.url}/#/freq`);
  await page.locator('#freq-q').fill(variant);
  await page.locator('#freq-q').press('Enter');
  await page.locator('[data-testid=strata-age] svg[role=img]').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=ondemand]')?.dataset.state === 'ready');
  await shootBoth(page, 'workflow-freq');

  S.researcherPage = page;
  assert.deepEqual(unexpectedErrors(page), []);
});

test('a purpose that a dataset’s data-use conditions deny is refused with a sentence', async () => {
  const page = S.researcherPage;
  const datasets = await page.evaluate(async () => (await (await fetch('/v1/datasets')).json()).datasets);
  if (!datasets.some((d) => d.dataset_id === 'ncbn-ncc')) {
    test.skip?.('the hub has no registered datasets');
    return;
  }
  await page.goto(`${demo.url}/#/applications/new`);
  await page.locator('#ds-ncbn-ncc').waitFor();
  await page.locator('#app-title').fill('がん領域外の研究 (拒否される例)');
  await page.locator('#app-institution').fill('renkei university');
  await page.locator('#app-purpose').fill('Hypertension genetics.');
  await page.locator('#app-plan').fill('Association analysis at the sites.');
  await page.locator('#ds-ncbn-ncc').check();
  assert.equal(await page.locator('#site-ncc').isChecked(), true); // the dataset's site follows
  await page.locator('#app-category').selectOption('DS');
  await page.locator('#app-diseases').fill('I10');
  await page.locator('#app-period-start').fill('2027-01-01');
  await page.locator('#app-period-end').fill('2028-01-01');
  await page.locator('form.app-form button[type=submit]').click();
  await page.getByTestId('use-denied').waitFor();
  const text = await page.locator('section[aria-labelledby="edit-h"]').innerText();
  assert.match(text, /ncbn-ncc/);
  assert.match(text, /C00-D48/);
  assert.doesNotMatch(await page.getByTestId('use-denied').innerText(), /[{}]/);
  S.deniedId = (await page.locator('main h1').innerText()).split(':')[0];
  assert.equal(await state(page, S.deniedId), 'draft');
  await shootBoth(page, 'application-denied');
});

test('the researcher submits a whole-genome data use application with validation', async () => {
  const page = S.researcherPage;
  await page.goto(`${demo.url}/#/applications/new`);
  await page.locator('#kind-data_use').waitFor();
  // An empty form is refused before anything is sent, field by field.
  await page.locator('form.app-form button[type=submit]').click();
  await page.locator('#app-problems').waitFor();
  assert.ok((await page.locator('#app-problems li').count()) >= 5);
  assert.equal(await page.locator('#app-title').getAttribute('aria-invalid'), 'true');
  await shootBoth(page, 'application-new');
  // A draft needs only a title; it is saved and opened.
  await page.locator('#app-title').fill('高齢者の高血圧と稀な変異');
  await page.locator('form.app-form button.secondary', { hasText: /下書き/ }).click();
  await page.waitForFunction(() => /^#\/applications\/APP-/.test(location.hash));
  S.id = decodeURIComponent(page.url().split('/').pop());
  await page.locator('main [role=status]', { hasText: '下書きを保存しました' }).waitFor();
  assert.equal(await state(page, S.id), 'draft');
  // Completed and submitted from its page.
  await page.locator('#app-institution').fill('renkei university');
  await page.locator('#app-purpose').fill('Rare variants in hypertension among people in their 60s and 70s.');
  await page.locator('#app-plan').fill('Association analysis of whole-genome variants at the sites; only summary statistics leave them.');
  if (await page.locator('#ds-tmm-tohoku').count()) {
    await page.locator('#ds-tmm-tohoku').check();
  }
  if (!(await page.locator('#site-tohoku').isChecked())) await page.locator('#site-tohoku').check();
  await page.locator('#app-category').selectOption('DS');
  await page.locator('#app-diseases').fill('I10');
  await page.locator('#app-period-start').fill(TODAY);
  await page.locator('#app-period-end').fill(NEXT_YEAR);
  if (S.searchPage && (await page.getByTestId('add-search-cohort').count())) {
    await page.getByTestId('add-search-cohort').click(); // the cohort built in cross-search
  } else {
    await page.locator('#app-cohorts').fill(S.cohort);
  }
  await page.locator('#app-cohorts').fill(`${await page.locator('#app-cohorts').inputValue()}\n${SMALL}`);
  // Counts now, as the researcher sees them: the small cohort is suppressed, not 0.
  await page.locator('.cohort-preview button').click();
  await page.locator('.cohort-preview table').waitFor();
  assert.match(await page.locator('.cohort-preview table').innerText(), /秘匿/);
  await shootBoth(page, 'application-draft');
  await page.locator('form.app-form button[type=submit]').click();
  await page.locator('main [role=status]', { hasText: '提出しました' }).waitFor();
  assert.equal(await state(page, S.id), 'submitted');
  if (await page.locator('#match-h').count()) {
    assert.match(await page.locator('table.match').innerText(), /tmm-tohoku/);
  }
  await shootBoth(page, 'application-submitted');
  await page.goto(`${demo.url}/#/applications`);
  await page.locator('table.apps', { hasText: S.id }).waitFor();
  await shootBoth(page, 'applications');
  // A question to the secretariat (an inquiry starts open: no draft).
  await page.goto(`${demo.url}/#/applications/new`);
  await page.locator('#kind-inquiry').check();
  await page.locator('#app-title').fill('90歳以上の検体について');
  await page.locator('#app-purpose').fill('90歳以上の方の全ゲノムデータはどの拠点にありますか。');
  await page.locator('form.app-form button[type=submit]').click();
  await page.waitForFunction((id) => /^#\/applications\/APP-/.test(location.hash) && !location.hash.endsWith(id), S.id);
  S.inquiry = decodeURIComponent(page.url().split('/').pop());
  await page.locator('main h1', { hasText: S.inquiry }).waitFor();
  assert.equal(await state(page, S.inquiry), 'open');
  assert.deepEqual(unexpectedErrors(page), []);
});

test('the secretariat counts feasibility and forwards it to the committee', async () => {
  const page = await newPage(browser, 'en');
  await signIn(page, demo.url, demo.accounts.secretariat);
  await page.goto(`${demo.url}/#/queue`);
  await page.locator('table.apps', { hasText: S.id }).waitFor();
  await shootBoth(page, 'queue-secretariat');
  await page.locator(`table.apps a[href="#/applications/${S.id}"]`).click();
  await page.locator('main h1', { hasText: S.id }).waitFor();
  await act(page, 'record_feasibility');
  const feas = page.locator('table.feasibility');
  await feas.waitFor();
  assert.match(await feas.innerText(), /\d/);
  assert.match(await feas.innerText(), /suppressed/); // the small cohort: withheld, never 0
  await act(page, 'forward', (f) => f.locator('textarea').fill('Plan and feasibility checked.'));
  assert.equal(await state(page, S.id), 'under_review');
  await shootBoth(page, 'application-secretariat');
  // The researcher's inquiry is in the same queue; the secretariat answers it.
  await openApplication(page, S.inquiry);
  await act(page, 'answer', (f) => f.locator('textarea').fill('Every site holds some; apply for whole-genome data use.'));
  assert.equal(await state(page, S.inquiry), 'answered');
  S.secretariatPage = page;
  assert.deepEqual(unexpectedErrors(page), []);
});

test('a reviewer with a conflict of interest is told why they cannot vote', async () => {
  const page = await newPage(browser, 'ja');
  await signIn(page, demo.url, demo.accounts.reviewer2);
  await page.goto(`${demo.url}/#/queue`);
  await page.locator('table.apps').first().waitFor();
  await shootBoth(page, 'queue-reviewer');
  // A seeded application under review (not the story's): declare a conflict on it.
  const other = await page.evaluate(async (mine) => {
    const r = await (await fetch('/v1/applications?view=reviewer')).json();
    return r.applications.find((a) => a.id !== mine && a.state === 'under_review')?.id;
  }, S.id);
  if (other) {
    await openApplication(page, other);
    await act(page, 'declare_conflict', (f) => f.locator('textarea').fill('共同研究者が申請者です。'));
    await page.getByTestId('vote-blocked').waitFor();
    assert.match(await page.getByTestId('vote-blocked').innerText(), /利益相反/);
    assert.equal(await page.locator('form[data-action="vote"]').count(), 0);
    await shootBoth(page, 'application-conflict');
  }
  S.reviewer2Page = page;
});

test('reviewers approve and the committee decides', async () => {
  const r1 = await newPage(browser, 'en');
  await signIn(r1, demo.url, demo.accounts.reviewer1);
  await openApplication(r1, S.id);
  await act(r1, 'comment', (f) => f.locator('textarea').fill('Please confirm the ethics approval (IRB) before access.'));
  await act(r1, 'vote', async (f) => {
    await f.locator('input[value=approve]').check();
    await f.locator('textarea').fill('Sound plan.');
  });
  await shootBoth(r1, 'application-review');
  const r2 = S.reviewer2Page;
  await openApplication(r2, S.id);
  await act(r2, 'vote', (f) => f.locator('input[value=approve]').check());
  await act(r2, 'decide');
  assert.equal(await state(r2, S.id), 'approved');
  await r1.context().close();
  await r2.context().close();
});

test('the secretariat records the contract and the site administrator grants access', async () => {
  const page = S.secretariatPage;
  await openApplication(page, S.id);
  await act(page, 'record_contract', async (f) => {
    await f.locator('input[id$="providing_site-name"]').fill('Tohoku Medical Megabank Organization');
    await f.locator('input[id$="-doc"]').fill('contracts/wf-0001.pdf');
  });
  assert.equal(await state(page, S.id), 'contracted');
  await page.context().close();

  const admin = await newPage(browser, 'ja');
  await signIn(admin, demo.url, demo.accounts['tohoku-admin']);
  await admin.goto(`${demo.url}/#/queue`);
  await admin.locator('table.apps', { hasText: S.id }).waitFor();
  await openApplication(admin, S.id);
  await shootBoth(admin, 'application-grant');
  await act(admin, 'grant', async (f) => {
    await f.locator('select[id$="-site"]').selectOption('tohoku');
    assert.equal(await f.locator('input[type=date]').inputValue(), NEXT_YEAR); // the period's end

  });
  assert.equal(await state(admin, S.id), 'granted');
  assert.match(await admin.locator('ul.grants').innerText(), /tohoku/);
  await admin.context().close();
});

test('the researcher sees the answer and the grant, and now gets exact controlled-tier counts', async () => {
  await S.researcherPage.context().close();
  const page = await newPage(browser, 'ja');
  await signIn(page, demo.url, S.researcher);
  await openApplication(page, S.inquiry);
  await page.locator('ul.messages', { hasText: 'apply for whole-genome data use' }).waitFor();
  await shootBoth(page, 'inquiry');
  await openApplication(page, S.id);
  await page.locator('main', { hasText: 'アクセス権設定済み' }).first().waitFor();
  assert.match(await page.locator('ul.grants').innerText(), /tohoku/);
  await shootBoth(page, 'application-granted');
  assert.deepEqual(unexpectedErrors(page), []);
  // The cohort the registered tier suppressed at tohoku is now counted exactly there.
  const r = await searchInPage(page, SMALL);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.tier, 'controlled');
  assert.equal(typeof r.body.cohort_size.by_site.tohoku, 'number');
  assert.ok(r.body.cohort_size.by_site.tohoku > 0);
  await page.context().close();
});
