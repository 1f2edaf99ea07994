// The actions the caller may take now on an application, each as a small form. Which actions
// appear comes from the hub (GET /v1/applications/{id} answers `actions`): the page does not know
// the state machine. `edit`, `submit` and `amend` take the content form and are handled by the
// detail page.
import { html, useState } from '../html.js';
import { useT } from '../i18n.js';
import { post } from '../api.js';
import { useSession, hasRole } from '../session.js';
import { Field, Select, ErrorBox } from './forms.js';
import { withCommon } from './application-common.js';

const M = withCommon({
  ja: {
    'a.title': '今できる操作',
    'a.none': '今あなたが行える操作はありません。',
    'a.comment': 'コメント',
    'a.comment.required': 'コメント(必須)',
    'a.reason': '理由',
    'a.vote.choice': '投票',
    'a.vote.approve': '承認',
    'a.vote.reject': '不承認',
    'a.vote.abstain': '棄権',
    'a.decide.help': '現在の審査ラウンドの投票(定足数 2、承認が不承認より多ければ承認)に従って判定します。',
    'a.feas.help': '申請者の権限でコホートごと・拠点ごとの人数をハブが集計して添付します。',
    'a.site': '拠点',
    'a.dataset': 'データセット',
    'a.expiry': '有効期限',
    'a.party.user': '利用者の所属機関',
    'a.party.site': 'データ提供拠点',
    'a.party.operator': 'プラットフォーム運営者',
    'a.party.name': '名称',
    'a.party.signed': '署名日',
    'a.document': '契約書の参照 (保管場所)',
    'a.done': '「{action}」を行いました。',
    'a.need_comment': 'コメントを入力してください。',
    'coi.you': 'あなたはこの申請について利益相反を申告しているため、コメント・投票・判定はできません。',
    'coi.applicant': 'あなたはこの申請の申請者または共同利用者のため、審査(コメント・投票・判定)はできません。',
  },
  en: {
    'a.title': 'What you can do now',
    'a.none': 'There is nothing for you to do on this application now.',
    'a.comment': 'Comment',
    'a.comment.required': 'Comment (required)',
    'a.reason': 'Reason',
    'a.vote.choice': 'Your vote',
    'a.vote.approve': 'Approve',
    'a.vote.reject': 'Reject',
    'a.vote.abstain': 'Abstain',
    'a.decide.help': 'Decides by the votes of the current round (a quorum of 2; approved when approvals outnumber rejections).',
    'a.feas.help': 'The hub counts each cohort at each requested site as the applicant would see it, and attaches the counts.',
    'a.site': 'Site',
    'a.dataset': 'Dataset',
    'a.expiry': 'Expires on',
    'a.party.user': 'User institution',
    'a.party.site': 'Providing site',
    'a.party.operator': 'Platform operator',
    'a.party.name': 'Name',
    'a.party.signed': 'Signed on',
    'a.document': 'Contract document reference',
    'a.done': '“{action}” done.',
    'a.need_comment': 'Write a comment first.',
    'coi.you': 'You declared a conflict of interest on this application, so you cannot comment, vote or decide.',
    'coi.applicant': 'You are the applicant or a member of this application, so you cannot review it (comment, vote or decide).',
  },
});

// Actions whose comment is required (the hub refuses them without one).
const COMMENT_REQUIRED = new Set(['return', 'comment', 'answer', 'follow_up', 'declare_conflict']);
const FORM_ACTIONS = new Set(['edit', 'submit', 'amend']);
const today = () => new Date().toISOString().slice(0, 10);

function ActionForm({ app, action, onDone }) {
  const t = useT(M);
  const { user } = useSession();
  const c = app.content || {};
  const sites = c.sites || [];
  const datasets = c.datasets || [];
  const [comment, setComment] = useState('');
  const [vote, setVote] = useState('approve');
  const [site, setSite] = useState(sites[0] || '');
  const [dataset, setDataset] = useState(datasets[0] || '');
  const [expiry, setExpiry] = useState(c.period_end || '');
  const [parties, setParties] = useState({
    user_institution: { name: c.institution || '', signed_on: today() },
    providing_site: { name: '', signed_on: today() },
    platform_operator: { name: 'renkei', signed_on: today() },
  });
  const [docRef, setDocRef] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const id = (k) => `act-${action}-${k}`;

  // A site administrator grants at their own site only.
  const grantSites = hasRole(user, 'platform_admin')
    ? sites
    : sites.filter((x) => (user.roles || []).includes(`site_admin:${x}`));

  const send = async (e) => {
    e.preventDefault();
    setError(null);
    if (COMMENT_REQUIRED.has(action) && !comment.trim()) {
      setError({ local: t('a.need_comment') });
      return;
    }
    const body = { action, version: app.version };
    if (comment.trim()) body.comment = comment.trim();
    if (action === 'vote') body.vote = vote;
    if (action === 'grant') Object.assign(body, { site, dataset, expiry });
    if (action === 'revoke') body.site = site;
    if (action === 'record_contract') {
      body.contract = { site, ...parties, document_ref: docRef.trim() };
    }
    setBusy(true);
    try {
      const next = await post(`/v1/applications/${encodeURIComponent(app.id)}/actions`, body);
      setComment('');
      onDone(next, action);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const party = (key, label) => html`<fieldset>
    <legend>${t(label)}</legend>
    <${Field} id=${id(key + '-name')} label=${t('a.party.name')} value=${parties[key].name} required
      onInput=${(v) => setParties({ ...parties, [key]: { ...parties[key], name: v } })} />
    <${Field} id=${id(key + '-signed')} type="date" label=${t('a.party.signed')} value=${parties[key].signed_on} required
      onInput=${(v) => setParties({ ...parties, [key]: { ...parties[key], signed_on: v } })} />
  </fieldset>`;
  const siteSelect = (list) => html`<${Select} id=${id('site')} label=${t('a.site')} value=${site}
    onChange=${setSite} options=${list.map((x) => ({ value: x, label: x }))} />`;

  return html`<form class="card action" onSubmit=${send} aria-labelledby=${id('h')} data-action=${action}>
    <h3 id=${id('h')}>${t('action.' + action)}</h3>
    ${action === 'record_feasibility' && html`<p class="hint">${t('a.feas.help')}</p>`}
    ${action === 'decide' && html`<p class="hint">${t('a.decide.help')}</p>`}
    ${action === 'vote' && html`<fieldset>
      <legend>${t('a.vote.choice')}</legend>
      ${['approve', 'reject', 'abstain'].map((v) => html`<label class="check"><input type="radio"
        name=${id('vote')} value=${v} checked=${vote === v} onChange=${() => setVote(v)} /> ${t('a.vote.' + v)}</label>`)}
    </fieldset>`}
    ${action === 'record_contract' && html`
      ${siteSelect(sites)}
      ${party('user_institution', 'a.party.user')}
      ${party('providing_site', 'a.party.site')}
      ${party('platform_operator', 'a.party.operator')}
      <${Field} id=${id('doc')} label=${t('a.document')} value=${docRef} onInput=${setDocRef} required />`}
    ${action === 'grant' && html`
      ${siteSelect(grantSites.length ? grantSites : sites)}
      <${Select} id=${id('dataset')} label=${t('a.dataset')} value=${dataset} onChange=${setDataset}
        options=${datasets.map((x) => ({ value: x, label: x }))} />
      <${Field} id=${id('expiry')} type="date" label=${t('a.expiry')} value=${expiry} onInput=${setExpiry} required />`}
    ${action === 'revoke' && siteSelect((app.grants || []).filter((g) => !g.revoked_at).map((g) => g.site))}
    ${action !== 'record_feasibility' && html`<${Field} id=${id('comment')} rows="2"
      label=${t(action === 'declare_conflict' ? 'a.reason' : COMMENT_REQUIRED.has(action) ? 'a.comment.required' : 'a.comment')}
      value=${comment} onInput=${setComment} required=${COMMENT_REQUIRED.has(action)} />`}
    ${error && error.local ? html`<div class="error" role="alert"><p>${error.local}</p></div>` : html`<${ErrorBox} error=${error} />`}
    <button type="submit" disabled=${busy}
      class=${action === 'close' || action === 'revoke' || action === 'return' ? 'secondary' : ''}>${t('action.' + action)}</button>
  </form>`;
}

const REVIEW_ACTIONS = new Set(['comment', 'vote', 'decide']);

// Why a reviewer may not review this application, as a message key, or ''. The hub's `actions`
// say what a role may attempt in this state; a declared conflict of interest, or being the
// applicant or a member, is checked when the action is taken (403), so the page says so first
// rather than offer a form that will be refused.
function reviewBlock(app, user) {
  if (!hasRole(user, 'reviewer')) return '';
  const me = `user:${user.id}`;
  const members = ((app.content && app.content.members) || []).map((m) => m.user_id);
  if ((app.conflicts || []).includes(me)) return 'coi.you';
  if (app.applicant === me || members.includes(me)) return 'coi.applicant';
  return '';
}

function ReviewBlocked({ app }) {
  const t = useT(M);
  const { user } = useSession();
  if (!['under_review', 'amendment_review'].includes(app.state)) return null;
  const key = reviewBlock(app, user);
  if (!key) return null;
  return html`<p class="notice blocked" data-testid="vote-blocked">${t(key)}</p>`;
}

export function ActionPanel({ app, onDone }) {
  const t = useT(M);
  const { user } = useSession();
  const [done, setDone] = useState('');
  const blocked = reviewBlock(app, user);
  const me = `user:${user.id}`;
  const actions = (app.actions || []).filter((a) => !FORM_ACTIONS.has(a) &&
    !(blocked && REVIEW_ACTIONS.has(a)) && !(a === 'declare_conflict' && (app.conflicts || []).includes(me)));
  const finished = (next, action) => {
    setDone(t('a.done', { action: t('action.' + action) }));
    onDone(next);
  };
  return html`<section aria-labelledby="actions-h" class="actions">
    <h2 id="actions-h">${t('a.title')}</h2>
    ${done && html`<div class="notice" role="status">${done}</div>`}
    <${ReviewBlocked} app=${app} />
    ${actions.length === 0 && !blocked && !(app.actions || []).some((a) => FORM_ACTIONS.has(a)) && html`<p>${t('a.none')}</p>`}
    <div class="grid">
      ${actions.map((a) => html`<${ActionForm} key=${a + app.version} app=${app} action=${a} onDone=${finished} />`)}
    </div>
  </section>`;
}
