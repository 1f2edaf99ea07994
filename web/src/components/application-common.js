// What the application pages (利用申請) and the queues share: the words for kinds, states and
// actions, the DUO terms the hub accepts (src/workflow/duo.h), and small display pieces (state
// badge, who did something, the data-use match, feasibility counts).
import { html } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';

export const KINDS = ['data_use', 'platform_use', 'processing_node_use', 'inquiry'];

// Permissions a research purpose may be coded with (NRES is a dataset's permission only).
export const PURPOSE_CATEGORIES = ['GRU', 'HMB', 'DS', 'POA'];

// id → [shorthand, Japanese label, English label] (labels from the published ontology).
export const DUO = {
  'DUO:0000004': ['NRES', '制限なし', 'no restriction'],
  'DUO:0000042': ['GRU', '一般研究利用', 'general research use'],
  'DUO:0000006': ['HMB', '健康・医学・生物医学研究', 'health or medical or biomedical research'],
  'DUO:0000007': ['DS', '特定疾患の研究', 'disease specific research'],
  'DUO:0000011': ['POA', '集団の起源・祖先の研究', 'population origins or ancestry research only'],
  'DUO:0000012': ['RS', '特定の研究種別のみ', 'research specific restrictions'],
  'DUO:0000015': ['NMDS', '手法開発の禁止', 'no general methods research'],
  'DUO:0000016': ['GSO', '遺伝学的研究のみ', 'genetic studies only'],
  'DUO:0000018': ['NPUNCU', '非営利組織・非商用のみ', 'not for profit, non commercial use only'],
  'DUO:0000019': ['PUB', '成果の公表が必要', 'publication required'],
  'DUO:0000020': ['COL', '共同研究が必要', 'collaboration required'],
  'DUO:0000021': ['IRB', '倫理審査の承認が必要', 'ethics approval required'],
  'DUO:0000022': ['GS', '地域の制限', 'geographical restriction'],
  'DUO:0000024': ['MOR', '公表の猶予期間', 'publication moratorium'],
  'DUO:0000025': ['TS', '期間の制限', 'time limit on use'],
  'DUO:0000026': ['US', '利用者の限定', 'user specific restriction'],
  'DUO:0000027': ['PS', 'プロジェクトの限定', 'project specific restriction'],
  'DUO:0000028': ['IS', '機関の限定', 'institution specific restriction'],
  'DUO:0000029': ['RTN', 'データの返却が必要', 'return to database or resource'],
  'DUO:0000043': ['CC', '臨床での利用', 'clinical care use'],
  'DUO:0000044': ['NPOA', '集団の起源・祖先の研究の禁止', 'population origins or ancestry research prohibited'],
  'DUO:0000045': ['NPU', '非営利組織のみ', 'not for profit organisation use only'],
  'DUO:0000046': ['NCU', '非商用のみ', 'non-commercial use only'],
};
const BY_SHORTHAND = Object.fromEntries(Object.entries(DUO).map(([id, v]) => [v[0], id]));

export function duoId(idOrShorthand) {
  if (!idOrShorthand) return '';
  if (DUO[idOrShorthand]) return idOrShorthand;
  return BY_SHORTHAND[String(idOrShorthand).toUpperCase()] || idOrShorthand;
}

export function duoShort(idOrShorthand) {
  const id = duoId(idOrShorthand);
  return DUO[id] ? DUO[id][0] : idOrShorthand;
}

export function duoLabel(lang, idOrShorthand) {
  const id = duoId(idOrShorthand);
  if (!DUO[id]) return idOrShorthand;
  return `${DUO[id][0]} — ${lang === 'ja' ? DUO[id][1] : DUO[id][2]}`;
}

// A dataset's data-use conditions as one line: "HMB + IRB", "DS (C00-D48) + IRB".
export function conditionsText(dataUse) {
  if (!dataUse) return '';
  let s = duoShort(dataUse.permission);
  if (dataUse.diseases && dataUse.diseases.length) s += ` (${dataUse.diseases.join(', ')})`;
  for (const m of dataUse.modifiers || []) {
    s += ` + ${duoShort(m.term)}${m.parameter ? `: ${m.parameter}` : ''}`;
  }
  return s;
}

export const AM = {
  ja: {
    'kind.data_use': '全ゲノムデータ利用',
    'kind.platform_use': 'プラットフォーム利用',
    'kind.processing_node_use': '処理ノード利用',
    'kind.inquiry': '受付事務局への問い合わせ',
    'state.draft': '下書き',
    'state.submitted': '受付事務局確認中',
    'state.returned': '差し戻し',
    'state.under_review': 'データ利用審査中',
    'state.approved': '承認',
    'state.rejected': '不承認',
    'state.contracted': '三者契約締結',
    'state.granted': 'アクセス権設定済み',
    'state.amendment_review': '変更審査中',
    'state.expired': '期間終了',
    'state.revoked': 'アクセス権取り消し',
    'state.closed': '終了',
    'state.open': '回答待ち',
    'state.answered': '回答済み',
    'action.create': '作成',
    'action.edit': '編集',
    'action.submit': '提出',
    'action.record_feasibility': '実現可能性の集計',
    'action.return': '差し戻し',
    'action.forward': '審査会へ送付',
    'action.declare_conflict': '利益相反の申告',
    'action.comment': 'コメント',
    'action.vote': '投票',
    'action.decide': '判定',
    'action.record_contract': '三者契約の記録',
    'action.grant': 'アクセス権の設定',
    'action.revoke': 'アクセス権の取り消し',
    'action.amend': '変更申請',
    'action.close': '終了',
    'action.answer': '回答',
    'action.follow_up': '追加の問い合わせ',
    'action.expire': '期間終了',
    'role.researcher': '申請者',
    'role.secretariat': '受付事務局',
    'role.reviewer': 'データ利用審査会',
    'role.site_admin': '拠点管理者',
    'role.platform_admin': 'プラットフォーム管理者',
    'role.system': 'システム',
    'who.you': 'あなた',
    'decision.allowed': '利用可',
    'decision.needs_review': '審査会で確認が必要',
    'decision.denied': '利用不可',
    'feas.cohort': 'コホート',
    'feas.site': '拠点',
    'feas.unavailable': '応答なし(不明)',
  },
  en: {
    'kind.data_use': 'Whole-genome data use',
    'kind.platform_use': 'Platform use',
    'kind.processing_node_use': 'Processing node use',
    'kind.inquiry': 'Inquiry to the secretariat',
    'state.draft': 'Draft',
    'state.submitted': 'With the secretariat',
    'state.returned': 'Returned for revision',
    'state.under_review': 'Under committee review',
    'state.approved': 'Approved',
    'state.rejected': 'Rejected',
    'state.contracted': 'Contract recorded',
    'state.granted': 'Access granted',
    'state.amendment_review': 'Amendment under review',
    'state.expired': 'Expired',
    'state.revoked': 'Access revoked',
    'state.closed': 'Closed',
    'state.open': 'Awaiting answer',
    'state.answered': 'Answered',
    'action.create': 'Created',
    'action.edit': 'Edit',
    'action.submit': 'Submit',
    'action.record_feasibility': 'Compute feasibility counts',
    'action.return': 'Return for revision',
    'action.forward': 'Forward to the committee',
    'action.declare_conflict': 'Declare a conflict of interest',
    'action.comment': 'Comment',
    'action.vote': 'Vote',
    'action.decide': 'Decide',
    'action.record_contract': 'Record the three-party contract',
    'action.grant': 'Grant access',
    'action.revoke': 'Revoke access',
    'action.amend': 'Propose an amendment',
    'action.close': 'Close',
    'action.answer': 'Answer',
    'action.follow_up': 'Follow-up question',
    'action.expire': 'Expired',
    'role.researcher': 'Applicant',
    'role.secretariat': 'Secretariat',
    'role.reviewer': 'Data access committee',
    'role.site_admin': 'Site administrator',
    'role.platform_admin': 'Platform administrator',
    'role.system': 'System',
    'who.you': 'you',
    'decision.allowed': 'allowed',
    'decision.needs_review': 'needs committee review',
    'decision.denied': 'denied',
    'feas.cohort': 'Cohort',
    'feas.site': 'Site',
    'feas.unavailable': 'no answer (unknown)',
  },
};

// Merges a page's messages with the shared ones above (the page's win).
export function withCommon(M) {
  return { ja: { ...AM.ja, ...M.ja }, en: { ...AM.en, ...M.en } };
}

export function StateBadge({ state }) {
  const t = useT(AM);
  return html`<span class=${'state state-' + state}>${t('state.' + state)}</span>`;
}

// "Secretariat (user:2)", or "you" for the caller.
export function actorText(t, actor, role, me) {
  if (actor === 'system') return t('role.system');
  const base = role ? String(role).split(':')[0] : '';
  const roleText = base ? t('role.' + base) : '';
  const site = role && String(role).includes(':') ? ` ${String(role).split(':')[1]}` : '';
  const who = me && actor === `user:${me.id}` ? t('who.you') : actor;
  return roleText ? `${roleText}${site} (${who})` : who;
}

export function formatTime(lang, iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    timeZone: 'UTC', timeZoneName: 'short',
  });
}

// A count cell: the number, "suppressed" (withheld by the privacy guard, never 0) or
// "unavailable" (the site did not answer: unknown, not 0).
export function CountCell({ entry }) {
  const t = useT(AM);
  const lang = useLang();
  if (!entry) return html`<td class="num">—</td>`;
  if (entry.unavailable) return html`<td class="num unavailable">${t('feas.unavailable')}</td>`;
  if (entry.suppressed || entry.count === null) {
    return html`<td class="num suppressed" title=${t('common.suppressed.help')}>${t('common.suppressed')}</td>`;
  }
  return html`<td class="num">${formatNumber(lang, entry.count)}</td>`;
}

// Feasibility counts: cohorts as rows, sites as columns.
export function FeasibilityTable({ cohorts, counts, caption }) {
  const t = useT(AM);
  const sites = [...new Set(counts.map((c) => c.site))];
  const idx = [...new Set(counts.map((c) => c.cohort))].sort((a, b) => a - b);
  return html`<table class="feasibility">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${t('feas.cohort')}</th>
      ${sites.map((s) => html`<th scope="col" class="num">${s}</th>`)}</tr></thead>
    <tbody>${idx.map((i) => html`<tr>
      <th scope="row"><code>${(cohorts && cohorts[i]) || `#${i + 1}`}</code></th>
      ${sites.map((s) => html`<${CountCell} entry=${counts.find((c) => c.site === s && c.cohort === i)} />`)}
    </tr>`)}</tbody>
  </table>`;
}
