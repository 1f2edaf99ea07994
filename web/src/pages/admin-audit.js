// Administration › audit log (監査ログ): the hash chain's verification first and prominently
// (GET /v1/admin/audit/verify), then the entries, newest first, with the route's filters and
// paging by sequence number (GET /v1/admin/audit).
import { html, useState, useEffect } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';
import { get } from '../api.js';
import { ErrorBox, Loading } from '../components/forms.js';
import { TableScroll } from '../components/admin-ui.js';

const M = {
  ja: {
    'audit.verify.h': '改ざん検証',
    'audit.verify.ok': '検証済み: 監査ログ {n} 件のハッシュチェーンと署名付き先頭はすべて正しく、改ざんはありません。',
    'audit.verify.bad': '検証に失敗しました: 監査ログが改ざんされたか壊れています(最初の不一致: {seq})。すぐに運用責任者に連絡してください。',
    'audit.verify.problem': '問題',
    'audit.verify.again': 'もう一度検証する',
    'audit.verify.at': '検証時刻: {time}',
    'audit.filters': '絞り込み',
    'audit.actor': '実行者(例: user:7)',
    'audit.action': '操作(前方一致、例: auth.)',
    'audit.action.any': 'すべての操作',
    'audit.from': '開始日時',
    'audit.to': '終了日時(この時刻を含まない)',
    'audit.limit': '1ページの件数',
    'audit.apply': '絞り込む',
    'audit.clear': '条件をクリア',
    'audit.entries': '記録',
    'audit.seq': '番号',
    'audit.time': '日時 (UTC)',
    'audit.who': '実行者',
    'audit.what': '操作',
    'audit.target': '対象',
    'audit.outcome': '結果',
    'audit.address': '接続元',
    'audit.detail': '詳細',
    'audit.outcome.ok': '成功',
    'audit.outcome.denied': '拒否',
    'audit.outcome.failed': '失敗',
    'audit.newer': '最新に戻る',
    'audit.older': 'さらに古い記録',
    'audit.page': '番号 {first}〜{last} を表示',
    'audit.none': '条件に合う記録はありません。',
  },
  en: {
    'audit.verify.h': 'Tamper check',
    'audit.verify.ok': 'Verified: the hash chain and signed head of all {n} audit log entries are intact; nothing has been altered.',
    'audit.verify.bad': 'Verification failed: the audit log has been altered or damaged (first bad entry: {seq}). Tell the operator in charge at once.',
    'audit.verify.problem': 'Problem',
    'audit.verify.again': 'Verify again',
    'audit.verify.at': 'Checked at {time}',
    'audit.filters': 'Filters',
    'audit.actor': 'Actor (e.g. user:7)',
    'audit.action': 'Action (starts with, e.g. auth.)',
    'audit.action.any': 'Any action',
    'audit.from': 'From',
    'audit.to': 'Until (exclusive)',
    'audit.limit': 'Entries per page',
    'audit.apply': 'Filter',
    'audit.clear': 'Clear filters',
    'audit.entries': 'Entries',
    'audit.seq': 'No.',
    'audit.time': 'Time (UTC)',
    'audit.who': 'Actor',
    'audit.what': 'Action',
    'audit.target': 'Target',
    'audit.outcome': 'Outcome',
    'audit.address': 'Address',
    'audit.detail': 'Detail',
    'audit.outcome.ok': 'ok',
    'audit.outcome.denied': 'denied',
    'audit.outcome.failed': 'failed',
    'audit.newer': 'Back to newest',
    'audit.older': 'Older entries',
    'audit.page': 'Showing entries {first} to {last}',
    'audit.none': 'No entries match.',
  },
};

const ACTIONS = ['auth.', 'user.', 'token.', 'query.', 'application.', 'dataset.', 'visa.', 'oidc.'];
const EMPTY = { actor: '', action: '', from: '', to: '', limit: '50' };

// A datetime-local value ("2026-04-01T09:30") as UTC ISO 8601, which the route compares with.
const toIso = (v) => (v ? `${v.length === 16 ? v + ':00' : v}Z` : '');

// An entry's detail as short "key: value" pairs (nested values compactly), not a JSON dump.
function detailText(d) {
  if (!d || typeof d !== 'object') return '';
  return Object.entries(d)
    .map(([k, v]) => {
      let s;
      if (v === null || typeof v !== 'object') s = String(v);
      else if (Array.isArray(v))
        s = v.map((x) => (x && typeof x === 'object' ? Object.values(x).join('/') : String(x))).join(', ');
      else s = Object.entries(v).map(([a, b]) => `${a}=${typeof b === 'object' ? JSON.stringify(b) : b}`).join(', ');
      return `${k}: ${s}`;
    })
    .join(' · ');
}

function Verify() {
  const t = useT(M);
  const lang = useLang();
  const [result, setResult] = useState(null);
  const [at, setAt] = useState(null);
  const [error, setError] = useState(null);
  const run = async () => {
    setError(null);
    setResult(null);
    try {
      setResult(await get('/v1/admin/audit/verify'));
      setAt(new Date());
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    run();
  }, []);
  return html`<section aria-labelledby="audit-verify-h" class="verify">
    <h2 id="audit-verify-h">${t('audit.verify.h')}</h2>
    <${ErrorBox} error=${error} />
    ${!result && !error && html`<${Loading} />`}
    ${result &&
    (result.intact
      ? html`<p class="status-line status-ok" role="status" data-testid="audit-verified">
          <strong>✓ ${t('audit.verify.ok', { n: formatNumber(lang, result.entries) })}</strong></p>`
      : html`<div class="status-line status-bad" role="alert" data-testid="audit-verified">
          <p><strong>✗ ${t('audit.verify.bad', { seq: result.first_bad ?? '—' })}</strong></p>
          ${result.problem && html`<p>${t('audit.verify.problem')}: ${result.problem}</p>`}
        </div>`)}
    <p><button type="button" class="secondary" onClick=${run}>${t('audit.verify.again')}</button>
      ${at && html` <span class="hint">${t('audit.verify.at', { time: at.toLocaleTimeString(lang === 'ja' ? 'ja-JP' : 'en-GB') })}</span>`}</p>
  </section>`;
}

export function AdminAudit() {
  const t = useT(M);
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState(EMPTY);
  const [before, setBefore] = useState([]); // a stack of `before` cursors; [] = newest page
  const [entries, setEntries] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let live = true;
    const p = new URLSearchParams();
    if (filters.actor.trim()) p.set('actor', filters.actor.trim());
    if (filters.action.trim()) p.set('action', filters.action.trim());
    if (filters.from) p.set('from', toIso(filters.from));
    if (filters.to) p.set('to', toIso(filters.to));
    p.set('limit', filters.limit);
    if (before.length) p.set('before', String(before[before.length - 1]));
    setEntries(null);
    setError(null);
    get(`/v1/admin/audit?${p}`).then((r) => live && setEntries(r.entries), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [filters, before]);

  const set = (k) => (e) => setDraft({ ...draft, [k]: e.currentTarget.value });
  const limit = Number(filters.limit);
  return html`<${Verify} />
    <section aria-labelledby="audit-filter-h">
      <h2 id="audit-filter-h">${t('audit.filters')}</h2>
      <form class="inline-form" onSubmit=${(e) => {
        e.preventDefault();
        setBefore([]);
        setFilters({ ...draft });
      }}>
        <div class="field"><label for="audit-actor">${t('audit.actor')}</label>
          <input id="audit-actor" value=${draft.actor} onInput=${set('actor')} /></div>
        <div class="field"><label for="audit-action">${t('audit.action')}</label>
          <input id="audit-action" list="audit-actions" value=${draft.action} onInput=${set('action')} />
          <datalist id="audit-actions">${ACTIONS.map((a) => html`<option value=${a}></option>`)}</datalist></div>
        <div class="field"><label for="audit-from">${t('audit.from')}</label>
          <input id="audit-from" type="datetime-local" value=${draft.from} onInput=${set('from')} /></div>
        <div class="field"><label for="audit-to">${t('audit.to')}</label>
          <input id="audit-to" type="datetime-local" value=${draft.to} onInput=${set('to')} /></div>
        <div class="field"><label for="audit-limit">${t('audit.limit')}</label>
          <select id="audit-limit" value=${draft.limit} onChange=${set('limit')}>
            ${['25', '50', '100', '500'].map((n) => html`<option value=${n}>${n}</option>`)}</select></div>
        <div class="field"><button type="submit">${t('audit.apply')}</button></div>
        <div class="field"><button type="button" class="secondary" onClick=${() => {
          setDraft(EMPTY);
          setBefore([]);
          setFilters(EMPTY);
        }}>${t('audit.clear')}</button></div>
      </form>
    </section>
    <section aria-labelledby="audit-entries-h">
      <h2 id="audit-entries-h">${t('audit.entries')}</h2>
      <${ErrorBox} error=${error} />
      ${!entries && !error && html`<${Loading} />`}
      ${entries && entries.length === 0 && html`<p>${t('audit.none')}</p>`}
      ${entries && entries.length > 0 && html`<p class="hint">${t('audit.page', {
        first: entries[0].seq, last: entries[entries.length - 1].seq })}</p>
        <${TableScroll} label=${t('audit.entries')}><table data-testid="audit-table" class="audit">
          <thead><tr><th scope="col" class="num">${t('audit.seq')}</th><th scope="col">${t('audit.time')}</th>
            <th scope="col">${t('audit.who')}</th><th scope="col">${t('audit.what')} / ${t('audit.detail')}</th>
            <th scope="col">${t('audit.target')}</th><th scope="col">${t('audit.outcome')}</th>
            <th scope="col">${t('audit.address')}</th></tr></thead>
          <tbody>${entries.map((e) => html`<tr>
            <th scope="row" class="num">${e.seq}</th>
            <td class="nowrap">${(e.time || '').replace('T', ' ').replace(/\.\d+/, '').replace('Z', '')}</td>
            <td>${e.actor}</td>
            <td class="detail-cell"><code>${e.action}</code>${(() => {
              const d = detailText(e.detail);
              if (!d) return null;
              return d.length <= 120
                ? html`<div class="detail">${d}</div>`
                : html`<details class="detail"><summary>${d.slice(0, 100)}…</summary>${d}</details>`;
            })()}</td>
            <td>${e.target || ''}</td>
            <td><span class=${'badge badge-' + (e.outcome === 'ok' ? 'ok' : e.outcome === 'denied' ? 'warn' : 'bad')}>${t('audit.outcome.' + e.outcome)}</span></td>
            <td>${e.address || ''}</td>
          </tr>`)}</tbody>
        </table><//>`}
      <div class="button-row">
        ${before.length > 0 && html`<button type="button" class="secondary" onClick=${() => setBefore([])}>${t('audit.newer')}</button>`}
        ${entries && entries.length === limit && html`<button type="button" class="secondary"
          onClick=${() => setBefore([...before, entries[entries.length - 1].seq])}>${t('audit.older')}</button>`}
      </div>
    </section>`;
}
