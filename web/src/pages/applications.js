// Applications (利用申請): the researcher's list, a new application of each kind, and one
// application's page — its content, the data-use match, feasibility counts, status timeline,
// messages with the secretariat and the actions the hub says the caller may take now. The
// secretariat, reviewers and administrators use the same detail page from their queue.
import { html, useState, useEffect } from '../html.js';
import { useT, useLang } from '../i18n.js';
import { get, post, ApiError } from '../api.js';
import { useSession } from '../session.js';
import { navigate } from '../router.js';
import { ErrorBox, Loading } from '../components/forms.js';
import { ApplicationForm } from '../components/application-form.js';
import { ActionPanel } from '../components/application-actions.js';
import {
  withCommon, KINDS, StateBadge, actorText, formatTime, FeasibilityTable, duoLabel,
} from '../components/application-common.js';

const M = withCommon({
  ja: {
    'list.title': '利用申請',
    'list.intro': 'データ利用の申請は、受付事務局の確認、データ利用審査会の審査、三者契約を経て、拠点ごとのアクセス権設定に進みます。',
    'list.new': '新しい申請',
    'list.none': '申請はまだありません。',
    'list.caption': 'あなたの申請(新しく更新された順)',
    'list.more': 'さらに表示',
    'col.id': '申請番号',
    'col.title': '課題名',
    'col.kind': '種類',
    'col.state': '状態',
    'col.sites': '拠点',
    'col.updated': '更新日時',
    'new.title': '新しい利用申請',
    'new.kind': '申請の種類',
    'new.kind.help.data_use': '拠点が保有する全ゲノムデータの利用(データセット・拠点・利用目的・期間・実現可能性確認用コホート)。',
    'new.kind.help.platform_use': 'プラットフォーム(横断検索・層別アレル頻度の登録ユーザー機能)の利用。',
    'new.kind.help.processing_node_use': '拠点の処理ノードで解析ジョブを実行するための申請。',
    'new.kind.help.inquiry': '申請前の相談や質問を受付事務局に送ります。',
    'detail.back': '申請一覧へ戻る',
    'detail.queue': '審査一覧へ戻る',
    'detail.summary': '申請内容',
    'detail.applicant': '申請者',
    'detail.kind': '種類',
    'detail.state': '状態',
    'detail.version': '版',
    'detail.institution': '所属機関',
    'detail.purpose': '研究目的',
    'detail.question': '問い合わせ内容',
    'detail.plan': '研究計画',
    'detail.datasets': 'データセット',
    'detail.sites': '拠点',
    'detail.use': '利用目的の区分 (DUO)',
    'detail.flags': '条件',
    'detail.period': '利用期間',
    'detail.members': '共同利用者',
    'detail.edit': '申請内容の編集',
    'detail.amend': '変更申請',
    'detail.amend.help': '期間・データセット・共同利用者などの変更を申請します。審査会が承認するまで、今のアクセス権はそのままです。',
    'detail.match': 'データ利用条件との照合',
    'detail.match.help': '提出時に、申請した利用目的を各データセットの登録済みデータ利用条件 (GA4GH DUO) と照合した結果です。',
    'detail.match.dataset': 'データセット',
    'detail.match.version': '条件の版',
    'detail.match.decision': '結果',
    'detail.match.review': '審査会が確認する条件',
    'detail.feas': '実現可能性(コホートごと・拠点ごとの人数)',
    'detail.feas.none': 'まだ集計されていません。受付事務局が確認時に集計します。',
    'detail.feas.caption': '受付事務局の確認時に申請者の権限で集計した人数',
    'detail.timeline': '経過',
    'detail.messages': '受付事務局・審査会とのやりとり',
    'detail.messages.none': 'まだメッセージはありません。',
    'detail.reviews': '審査(第{round}ラウンド)',
    'detail.reviews.none': 'まだ投票はありません。',
    'detail.conflicts': '利益相反の申告',
    'detail.contracts': '三者契約',
    'detail.grants': 'アクセス権',
    'detail.grant.until': '{site} / {dataset}: {expiry} まで',
    'detail.grant.revoked': '(取り消し済み)',
    'detail.saved': '下書きを保存しました。',
    'detail.submitted': '提出しました。受付事務局が確認します。',
    'detail.amended': '変更申請を送りました。審査会が審査します。',
    'detail.reload': '再読み込み',
    'flag.methods_development': '手法開発',
    'flag.commercial_use': '商用利用',
    'flag.for_profit_organisation': '営利組織',
    'flag.genetic_study': '遺伝学的研究',
    'flag.clinical_care': '臨床利用',
    'a.vote.approve': '承認',
    'a.vote.reject': '不承認',
    'a.vote.abstain': '棄権',
    'a.party.user': '利用者の所属機関',
    'a.party.site': 'データ提供拠点',
    'a.party.operator': 'プラットフォーム運営者',
    'a.document': '契約書の参照',
    'detail.denied': '提出できませんでした。申請した利用目的を許可しないデータセットがあります。利用目的かデータセットを変更して、もう一度提出してください。',
  },
  en: {
    'list.title': 'Applications',
    'list.intro': 'A data use application is checked by the secretariat, reviewed by the data access committee and followed by a three-party contract; access is then granted per site.',
    'list.new': 'New application',
    'list.none': 'You have no applications yet.',
    'list.caption': 'Your applications (most recently changed first)',
    'list.more': 'Show more',
    'col.id': 'Number',
    'col.title': 'Title',
    'col.kind': 'Kind',
    'col.state': 'State',
    'col.sites': 'Sites',
    'col.updated': 'Last changed',
    'new.title': 'New application',
    'new.kind': 'Kind of application',
    'new.kind.help.data_use': 'Use of whole-genome data held at the sites (datasets, sites, purpose, period and cohorts for the feasibility check).',
    'new.kind.help.platform_use': 'Use of the platform (registered-tier cross-search and allele frequencies).',
    'new.kind.help.processing_node_use': 'Running analysis jobs on a site’s processing node.',
    'new.kind.help.inquiry': 'A question to the secretariat before you apply.',
    'detail.back': 'Back to your applications',
    'detail.queue': 'Back to the review queue',
    'detail.summary': 'What was applied for',
    'detail.applicant': 'Applicant',
    'detail.kind': 'Kind',
    'detail.state': 'State',
    'detail.version': 'Version',
    'detail.institution': 'Institution',
    'detail.purpose': 'Purpose',
    'detail.question': 'Question',
    'detail.plan': 'Research plan',
    'detail.datasets': 'Datasets',
    'detail.sites': 'Sites',
    'detail.use': 'Intended use (DUO)',
    'detail.flags': 'Conditions',
    'detail.period': 'Period of use',
    'detail.members': 'Members',
    'detail.edit': 'Edit the application',
    'detail.amend': 'Propose an amendment',
    'detail.amend.help': 'Propose a change of period, datasets, members or the like. Your current access stays as it is until the committee approves.',
    'detail.match': 'Match against the datasets’ data-use conditions',
    'detail.match.help': 'At submission the intended use was matched against each dataset’s registered data-use conditions (GA4GH DUO).',
    'detail.match.dataset': 'Dataset',
    'detail.match.version': 'Conditions version',
    'detail.match.decision': 'Result',
    'detail.match.review': 'For the committee to check',
    'detail.feas': 'Feasibility (people per cohort and site)',
    'detail.feas.none': 'Not counted yet: the secretariat counts them when it checks the application.',
    'detail.feas.caption': 'Counts made at the secretariat’s check, as the applicant may see them',
    'detail.timeline': 'Timeline',
    'detail.messages': 'Messages with the secretariat and the committee',
    'detail.messages.none': 'No messages yet.',
    'detail.reviews': 'Review (round {round})',
    'detail.reviews.none': 'No votes yet.',
    'detail.conflicts': 'Conflicts of interest declared',
    'detail.contracts': 'Three-party contracts',
    'detail.grants': 'Access',
    'detail.grant.until': '{site} / {dataset}: until {expiry}',
    'detail.grant.revoked': '(revoked)',
    'detail.saved': 'Draft saved.',
    'detail.submitted': 'Submitted. The secretariat will check it.',
    'detail.amended': 'Amendment proposed. The committee will review it.',
    'detail.reload': 'Reload',
    'flag.methods_development': 'methods development',
    'flag.commercial_use': 'commercial use',
    'flag.for_profit_organisation': 'for-profit organisation',
    'flag.genetic_study': 'genetic study',
    'flag.clinical_care': 'clinical care',
    'a.vote.approve': 'approve',
    'a.vote.reject': 'reject',
    'a.vote.abstain': 'abstain',
    'a.party.user': 'User institution',
    'a.party.site': 'Providing site',
    'a.party.operator': 'Platform operator',
    'a.document': 'Document',
    'detail.denied': 'Not submitted: a requested dataset’s conditions do not allow this use. Change the intended use or the datasets, then submit again.',
  },
});

const appPath = (id) => `/applications/${encodeURIComponent(id)}`;
const actionsPath = (id) => `/v1/applications/${encodeURIComponent(id)}/actions`;

// A table of applications (the researcher's list and the queues share it).
export function ApplicationTable({ apps, caption }) {
  const t = useT(M);
  const lang = useLang();
  return html`<table class="apps">
    <caption>${caption}</caption>
    <thead><tr>
      <th scope="col">${t('col.id')}</th><th scope="col">${t('col.title')}</th>
      <th scope="col">${t('col.kind')}</th><th scope="col">${t('col.state')}</th>
      <th scope="col">${t('col.sites')}</th><th scope="col">${t('col.updated')}</th>
    </tr></thead>
    <tbody>${apps.map((a) => html`<tr>
      <th scope="row"><a href=${'#' + appPath(a.id)}>${a.id}</a></th>
      <td>${a.title || '—'}</td>
      <td>${t('kind.' + a.kind)}</td>
      <td><${StateBadge} state=${a.state} /></td>
      <td>${(a.sites || []).join(', ') || '—'}</td>
      <td>${formatTime(lang, a.updated_at)}</td>
    </tr>`)}</tbody>
  </table>`;
}

// A paged list from GET /v1/applications with `query` (view, state …).
export function useApplicationList(query) {
  const [apps, setApps] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const load = async (after) => {
    setError(null);
    try {
      const q = new URLSearchParams(query);
      if (after) q.set('cursor', after);
      const r = await get(`/v1/applications?${q}`);
      setApps((old) => (after && old ? [...old, ...r.applications] : r.applications));
      setCursor(r.next_cursor || null);
    } catch (e) {
      setError(e);
      setApps((old) => old || []);
    }
  };
  useEffect(() => {
    setApps(null);
    load(null);
  }, [JSON.stringify(query)]);
  return { apps, cursor, error, more: () => load(cursor) };
}

export function Applications() {
  const t = useT(M);
  const { apps, cursor, error, more } = useApplicationList({ view: 'mine' });
  return html`<section>
    <h1 tabindex="-1">${t('list.title')}</h1>
    <p class="lead">${t('list.intro')}</p>
    <p><a class="button" href="#/applications/new">${t('list.new')}</a></p>
    <${ErrorBox} error=${error} />
    ${apps === null ? html`<${Loading} />`
      : apps.length === 0 ? html`<p>${t('list.none')}</p>`
      : html`<${ApplicationTable} apps=${apps} caption=${t('list.caption')} />`}
    ${cursor && html`<button type="button" class="secondary" onClick=${more}>${t('list.more')}</button>`}
  </section>`;
}

// A sentence carried from the new-application page to the detail page it opens.
let flash = null;

export function NewApplication() {
  const t = useT(M);
  const [kind, setKind] = useState('data_use');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  const create = async (content) => {
    const created = await post('/v1/applications', { kind, content });
    return created;
  };
  const save = async (content) => {
    setBusy(true);
    setError(null);
    try {
      const a = await create(content);
      flash = { notice: t('detail.saved') };
      navigate(appPath(a.id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const submit = async (content) => {
    setBusy(true);
    setError(null);
    let a;
    try {
      a = await create(content);
    } catch (e) {
      setError(e);
      setBusy(false);
      return;
    }
    if (kind === 'inquiry') {
      navigate(appPath(a.id)); // an inquiry starts open: it is already with the secretariat
      return;
    }
    try {
      await post(actionsPath(a.id), { action: 'submit', version: a.version });
      flash = { notice: t('detail.submitted') };
    } catch (e) {
      flash = { error: e }; // the draft is kept: its page shows why and lets it be fixed
    }
    setBusy(false);
    navigate(appPath(a.id));
  };

  return html`<section>
    <h1 tabindex="-1">${t('new.title')}</h1>
    <fieldset class="kinds">
      <legend>${t('new.kind')}</legend>
      ${KINDS.map((k) => html`<label class="check"><input type="radio" name="kind" value=${k}
        id=${'kind-' + k} checked=${kind === k} onChange=${() => setKind(k)} />
        <strong>${t('kind.' + k)}</strong> — <span class="muted">${t('new.kind.help.' + k)}</span></label>`)}
    </fieldset>
    <${ApplicationForm} key=${kind} kind=${kind} mode="new" onSave=${save} onSubmit=${submit}
      busy=${busy} error=${error} />
  </section>`;
}

function DataUseMatch({ matches }) {
  const t = useT(M);
  if (!matches || matches.length === 0) return null;
  return html`<section aria-labelledby="match-h">
    <h2 id="match-h">${t('detail.match')}</h2>
    <p class="hint">${t('detail.match.help')}</p>
    <table class="match">
      <caption class="app-hidden">${t('detail.match')}</caption>
      <thead><tr><th scope="col">${t('detail.match.dataset')}</th><th scope="col">${t('detail.match.version')}</th>
        <th scope="col">${t('detail.match.decision')}</th><th scope="col">${t('detail.match.review')}</th></tr></thead>
      <tbody>${matches.map((m) => html`<tr>
        <th scope="row">${m.dataset}</th>
        <td>${m.dataset_version}</td>
        <td><span class=${'decision decision-' + m.decision}>${t('decision.' + m.decision)}</span>
          ${(m.reasons || []).length > 0 && html`<ul class="reasons">${m.reasons.map((r) => html`<li>${r}</li>`)}</ul>`}</td>
        <td>${(m.review || []).length === 0 ? '—'
          : html`<ul class="plain">${m.review.map((r) => html`<li><strong>${r.shorthand}</strong> ${r.label}${r.parameter ? `: ${r.parameter}` : ''}</li>`)}</ul>`}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}

function Summary({ app }) {
  const t = useT(M);
  const lang = useLang();
  const { user } = useSession();
  const c = app.content || {};
  const use = c.intended_use || {};
  const inquiry = app.kind === 'inquiry';
  const flags = ['methods_development', 'commercial_use', 'for_profit_organisation', 'genetic_study', 'clinical_care']
    .filter((k) => use[k]).map((k) => t('flag.' + k));
  const row = (label, value) => (value ? html`<dt>${t(label)}</dt><dd>${value}</dd>` : null);
  return html`<section aria-labelledby="summary-h">
    <h2 id="summary-h">${t('detail.summary')}</h2>
    <dl class="pairs">
      ${row('detail.kind', t('kind.' + app.kind))}
      ${row('detail.state', html`<${StateBadge} state=${app.state} />`)}
      ${row('detail.applicant', actorText(t, app.applicant, null, user))}
      ${row('detail.version', String(app.version))}
      ${!inquiry && row('detail.institution', c.institution)}
      ${row(inquiry ? 'detail.question' : 'detail.purpose', c.purpose && html`<span class="prewrap">${c.purpose}</span>`)}
      ${row('detail.plan', c.research_plan && html`<span class="prewrap">${c.research_plan}</span>`)}
      ${row('detail.datasets', (c.datasets || []).join(', '))}
      ${row('detail.sites', (c.sites || []).join(', '))}
      ${app.kind === 'data_use' && row('detail.use', use.category && `${duoLabel(lang, use.category)}${(use.diseases || []).length ? ` (${use.diseases.join(', ')})` : ''}`)}
      ${app.kind === 'data_use' && row('detail.flags', flags.join(', '))}
      ${row('detail.period', c.period_start && `${c.period_start} – ${c.period_end || ''}`)}
      ${row('detail.members', (c.members || []).map((m) => `${m.name || ''} (${m.user_id})`).join(', '))}
    </dl>
  </section>`;
}

function Timeline({ app }) {
  const t = useT(M);
  const lang = useLang();
  const { user } = useSession();
  return html`<section aria-labelledby="timeline-h">
    <h2 id="timeline-h">${t('detail.timeline')}</h2>
    <ol class="timeline">${(app.history || []).map((e) => html`<li>
      <p><time datetime=${e.time}>${formatTime(lang, e.time)}</time> — <strong>${t('action.' + e.action)}</strong>
        ${' '}${actorText(t, e.actor, e.role, user)}
        ${e.from !== e.to && html` · ${t('state.' + e.from)} → ${t('state.' + e.to)}`}</p>
      ${e.detail && html`<p class="hint">${e.detail}</p>`}
      ${e.comment && html`<blockquote>${e.comment}</blockquote>`}
    </li>`)}</ol>
  </section>`;
}

// Comments the people involved wrote: in the history (return, answer, follow-up, forward …)
// and in the reviews the caller may read.
function Messages({ app }) {
  const t = useT(M);
  const lang = useLang();
  const { user } = useSession();
  const items = (app.history || []).filter((e) => e.comment)
    .map((e) => ({ time: e.time, who: actorText(t, e.actor, e.role, user), what: t('action.' + e.action), text: e.comment }));
  for (const r of app.reviews || []) {
    if (r.comment && !items.some((i) => i.time === r.time && i.text === r.comment)) {
      items.push({ time: r.time, who: actorText(t, r.reviewer, 'reviewer', user), what: t('action.comment'), text: r.comment });
    }
  }
  items.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return html`<section aria-labelledby="messages-h">
    <h2 id="messages-h">${t('detail.messages')}</h2>
    ${items.length === 0 ? html`<p>${t('detail.messages.none')}</p>`
      : html`<ul class="messages">${items.map((m) => html`<li class="card">
          <p class="hint">${formatTime(lang, m.time)} · ${m.who} · ${m.what}</p>
          <p class="prewrap">${m.text}</p></li>`)}</ul>`}
  </section>`;
}

function Review({ app }) {
  const t = useT(M);
  const lang = useLang();
  const { user } = useSession();
  const votes = (app.reviews || []).filter((r) => r.vote && r.vote !== 'none' && r.round === app.review_round);
  if (!app.review_round && votes.length === 0 && (app.conflicts || []).length === 0) return null;
  return html`<section aria-labelledby="review-h">
    <h2 id="review-h">${t('detail.reviews', { round: app.review_round || 1 })}</h2>
    ${votes.length === 0 ? html`<p>${t('detail.reviews.none')}</p>`
      : html`<ul class="plain">${votes.map((r) => html`<li>${actorText(t, r.reviewer, 'reviewer', user)}:
          <strong>${t('a.vote.' + r.vote)}</strong>
          <span class="hint"> ${formatTime(lang, r.time)}</span></li>`)}</ul>`}
    ${(app.conflicts || []).length > 0 && html`<p>${t('detail.conflicts')}: ${app.conflicts.map((c) => actorText(t, c, 'reviewer', user)).join(', ')}</p>`}
  </section>`;
}

function ContractsAndGrants({ app }) {
  const t = useT(M);
  if (!(app.contracts || []).length && !(app.grants || []).length) return null;
  return html`<section aria-labelledby="grants-h">
    <h2 id="grants-h">${t('detail.contracts')} · ${t('detail.grants')}</h2>
    ${(app.contracts || []).length > 0 && html`<table>
      <caption>${t('detail.contracts')}</caption>
      <thead><tr><th scope="col">${t('detail.sites')}</th><th scope="col">${t('a.party.user')}</th>
        <th scope="col">${t('a.party.site')}</th><th scope="col">${t('a.party.operator')}</th><th scope="col">${t('a.document')}</th></tr></thead>
      <tbody>${app.contracts.map((c) => html`<tr><th scope="row">${c.site}</th>
        ${['user_institution', 'providing_site', 'platform_operator'].map((p) => html`<td>${c[p] && c[p].name} (${c[p] && (c[p].signed_on || '—')})</td>`)}
        <td>${c.document_ref}</td></tr>`)}</tbody>
    </table>`}
    ${(app.grants || []).length > 0 && html`<ul class="plain grants">${app.grants.map((g) => html`<li>
      ${t('detail.grant.until', { site: g.site, dataset: g.dataset, expiry: (g.expiry || '').slice(0, 10) })}
      ${g.revoked_at && html` <span class="suppressed">${t('detail.grant.revoked')}</span>`}</li>`)}</ul>`}
  </section>`;
}


export function ApplicationDetail({ params }) {
  const t = useT(M);
  const { user } = useSession();
  const [app, setApp] = useState(null);
  const [error, setError] = useState(null);
  const [formError, setFormError] = useState(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const [formKey, setFormKey] = useState(0);

  const load = async () => {
    setError(null);
    try {
      setApp(await get(`/v1/applications/${encodeURIComponent(params.id)}`));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    setApp(null);
    if (flash) {
      if (flash.notice) setNotice(flash.notice);
      if (flash.error) setFormError(flash.error);
      flash = null;
    } else {
      setNotice('');
      setFormError(null);
    }
    load();
  }, [params.id]);

  const act = async (body) => post(actionsPath(app.id), { version: app.version, ...body });

  const save = async (content) => {
    setBusy(true);
    setFormError(null);
    setNotice('');
    try {
      setApp(await act({ action: 'edit', content }));
      setNotice(t('detail.saved'));
    } catch (e) {
      setFormError(e);
    } finally {
      setBusy(false);
    }
  };
  const submit = async (content) => {
    setBusy(true);
    setFormError(null);
    setNotice('');
    try {
      const edited = await act({ action: 'edit', content });
      setApp(edited);
      const submitted = await post(actionsPath(app.id), { action: 'submit', version: edited.version });
      setApp(submitted);
      setNotice(t('detail.submitted'));
    } catch (e) {
      setFormError(e);
    } finally {
      setBusy(false);
    }
  };
  const amend = async (content) => {
    setBusy(true);
    setFormError(null);
    try {
      setApp(await act({ action: 'amend', content }));
      setNotice(t('detail.amended'));
    } catch (e) {
      setFormError(e);
    } finally {
      setBusy(false);
    }
  };

  if (error) {
    return html`<section><h1 tabindex="-1">${params.id}</h1><${ErrorBox} error=${error} />
      <p><a href="#/applications">${t('detail.back')}</a></p></section>`;
  }
  if (!app) return html`<section><h1 tabindex="-1">${params.id}</h1><${Loading} /></section>`;

  const actions = app.actions || [];
  const mine = app.applicant === `user:${user.id}`;
  const canEdit = actions.includes('edit');
  const canAmend = actions.includes('amend');
  const denied = formError instanceof ApiError && formError.status === 400 && /does not allow|not registered/i.test(formError.detail);
  const feas = app.feasibility || [];

  return html`<section class="application">
    <p><a href=${mine ? '#/applications' : '#/queue'}>${t(mine ? 'detail.back' : 'detail.queue')}</a></p>
    <h1 tabindex="-1">${app.id}: ${(app.content && app.content.title) || t('kind.' + app.kind)}</h1>
    <p><${StateBadge} state=${app.state} /> · ${t('kind.' + app.kind)}</p>
    ${notice && html`<div class="notice" role="status">${notice}</div>`}
    ${!canEdit && !canAmend && formError && html`<${ErrorBox} error=${formError} />`}
    ${canAmend && !canEdit && html`<details class="card amend">
      <summary>${t('detail.amend')}</summary>
      <p class="hint">${t('detail.amend.help')}</p>
      <${ApplicationForm} key=${String(formKey) + app.id + 'a'} kind=${app.kind} content=${app.content}
        mode="amend" onSave=${amend} onSubmit=${amend} busy=${busy} error=${formError} />
    </details>`}
    ${canEdit && html`<section aria-labelledby="edit-h" class="card">
      <h2 id="edit-h">${t('detail.edit')}</h2>
      ${denied && html`<div class="error" role="alert" data-testid="use-denied"><p>${t('detail.denied')}</p></div>`}
      <${ApplicationForm} key=${String(formKey) + app.id + 'e'} kind=${app.kind} content=${app.content}
        mode="edit" onSave=${save} onSubmit=${submit} busy=${busy} error=${denied ? null : formError} />
      ${denied && html`<div class="error detail-only"><p class="detail">${t('err.detail')}: ${formError.detail}</p></div>`}
    </section>`}
    ${formError instanceof ApiError && formError.status === 409 && html`<button type="button" class="secondary"
      onClick=${() => { setFormError(null); setFormKey(formKey + 1); load(); }}>${t('detail.reload')}</button>`}
    <${ActionPanel} app=${app} onDone=${(next) => { setApp(next); setNotice(''); }} />
    <${Summary} app=${app} />
    <${DataUseMatch} matches=${app.data_use_match} />
    ${app.kind === 'data_use' && html`<section aria-labelledby="feas-h">
      <h2 id="feas-h">${t('detail.feas')}</h2>
      ${feas.length === 0 ? html`<p>${t('detail.feas.none')}</p>`
        : html`<${FeasibilityTable} cohorts=${app.content && app.content.cohorts} counts=${feas}
            caption=${t('detail.feas.caption')} />`}
    </section>`}
    <${Review} app=${app} />
    <${ContractsAndGrants} app=${app} />
    <${Messages} app=${app} />
    <${Timeline} app=${app} />
  </section>`;
}
