// The secretariat's and the committee's queues (受付事務局 / データ利用審査会), and the site and
// platform administrators' lists: GET /v1/applications with the view of one of the caller's
// staff roles. Each application opens on its detail page, where the actions the hub allows are
// forms (check, return, forward, comment, vote, decide, contract, grant).
import { html, useState } from '../html.js';
import { useT } from '../i18n.js';
import { useSession, hasRole } from '../session.js';
import { ErrorBox, Loading, Select } from '../components/forms.js';
import { withCommon } from '../components/application-common.js';
import { ApplicationTable, useApplicationList } from './applications.js';

const M = withCommon({
  ja: {
    'q.title': '審査・受付',
    'q.views': '一覧の種類',
    'q.view.secretariat': '受付事務局: 確認待ち',
    'q.view.reviewer': 'データ利用審査会: 審査中',
    'q.view.site_admin': '拠点管理者: 自拠点の申請',
    'q.view.platform_admin': 'プラットフォーム管理者: すべて',
    'q.help.secretariat': '提出された申請と未回答の問い合わせです。実現可能性を集計し、差し戻すか審査会へ送付します。契約の記録もここから行います。',
    'q.help.reviewer': '審査中の申請です。利益相反があれば申告し、コメント・投票し、定足数に達したら判定します。',
    'q.help.site_admin': 'あなたの拠点へのアクセス権を求める・持つ申請です。契約が記録されたらアクセス権を設定します。',
    'q.help.platform_admin': '下書きを除くすべての申請です。',
    'q.state': '状態で絞り込む',
    'q.state.all': 'すべて',
    'q.none': 'この一覧に申請はありません。',
    'q.more': 'さらに表示',
    'q.noroles': 'この一覧を使う役割(受付事務局・審査委員・管理者)がありません。',
  },
  en: {
    'q.title': 'Review and secretariat',
    'q.views': 'Lists',
    'q.view.secretariat': 'Secretariat: to check',
    'q.view.reviewer': 'Committee: under review',
    'q.view.site_admin': 'Site administrator: my site',
    'q.view.platform_admin': 'Platform administrator: all',
    'q.help.secretariat': 'Submitted applications and open inquiries. Count feasibility, return for revision or forward to the committee; record contracts here too.',
    'q.help.reviewer': 'Applications under review. Declare a conflict of interest if you have one; comment, vote, and decide once the quorum is reached.',
    'q.help.site_admin': 'Applications that request or hold access at your site. Grant access once a contract is recorded.',
    'q.help.platform_admin': 'Every application except drafts.',
    'q.state': 'Filter by state',
    'q.state.all': 'All',
    'q.none': 'No applications in this list.',
    'q.more': 'Show more',
    'q.noroles': 'You have no role that uses these lists (secretariat, reviewer, administrator).',
  },
});

const VIEWS = ['secretariat', 'reviewer', 'site_admin', 'platform_admin'];
const STATES = ['submitted', 'open', 'under_review', 'amendment_review', 'approved', 'contracted', 'granted',
  'returned', 'rejected', 'answered', 'expired', 'revoked', 'closed'];

function QueueList({ view, state }) {
  const t = useT(M);
  const query = { view };
  if (state) query.state = state;
  const { apps, cursor, error, more } = useApplicationList(query);
  return html`<div>
    <${ErrorBox} error=${error} />
    ${apps === null ? html`<${Loading} />`
      : apps.length === 0 ? html`<p>${t('q.none')}</p>`
      : html`<${ApplicationTable} apps=${apps} caption=${t('q.view.' + view)} />`}
    ${cursor && html`<button type="button" class="secondary" onClick=${more}>${t('q.more')}</button>`}
  </div>`;
}

export function Queue() {
  const t = useT(M);
  const { user } = useSession();
  const views = VIEWS.filter((v) => hasRole(user, v));
  const [view, setView] = useState(views[0] || '');
  const [state, setState] = useState('');
  if (!user) return html`<${Loading} />`;
  return html`<section>
    <h1 tabindex="-1">${t('q.title')}</h1>
    ${views.length === 0 ? html`<p>${t('q.noroles')}</p>` : html`
      ${views.length > 1 && html`<div class="tabs" role="group" aria-label=${t('q.views')}>
        ${views.map((v) => html`<button type="button" class=${v === view ? '' : 'secondary'}
          aria-pressed=${v === view ? 'true' : 'false'} onClick=${() => setView(v)}>${t('q.view.' + v)}</button>`)}
      </div>`}
      <h2>${t('q.view.' + view)}</h2>
      <p class="hint">${t('q.help.' + view)}</p>
      <${Select} id="queue-state" label=${t('q.state')} value=${state} onChange=${setState}
        options=${[{ value: '', label: t('q.state.all') }, ...STATES.map((s) => ({ value: s, label: t('state.' + s) }))]} />
      <${QueueList} key=${view + state} view=${view} state=${state} />`}
  </section>`;
}
