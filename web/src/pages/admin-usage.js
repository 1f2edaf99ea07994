// Administration › usage (利用状況): queries over a period, by day as a chart over time and by
// user, project or site as a table (GET /v1/admin/usage, docs/usage.md), with a CSV download.
import { html, useState, useEffect } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';
import { get } from '../api.js';
import { Select, ErrorBox, Loading } from '../components/forms.js';
import { TableScroll } from '../components/admin-ui.js';
import { TimeChart } from '../components/admin-charts.js';

const M = {
  ja: {
    'usage.period': '期間',
    'usage.from': '開始日 (UTC)',
    'usage.to': '終了日 (UTC、この日を含む)',
    'usage.preset': 'よく使う期間',
    'usage.preset.7': '直近7日',
    'usage.preset.30': '直近30日',
    'usage.preset.90': '直近90日',
    'usage.preset.365': '直近1年',
    'usage.show': '表示する',
    'usage.by': '集計単位',
    'usage.by.user': '利用者ごと',
    'usage.by.project': '利用申請(プロジェクト)ごと',
    'usage.by.site': '拠点ごと',
    'usage.by.day': '日ごと',
    'usage.csv': 'CSV をダウンロード',
    'usage.csv.by': '{by}の CSV をダウンロード',
    'usage.chart': '日ごとの問い合わせ数({from}〜{to})',
    'usage.chart.summary': '合計 {total} 件、最多は {max} 件({day})',
    'usage.table.day': '日ごとの問い合わせ数(表)',
    'usage.day.h': '日ごとの推移',
    'usage.table.group': '{by}の利用状況',
    'usage.key': '対象',
    'usage.key.user': '利用者',
    'usage.key.project': '利用申請',
    'usage.key.site': '拠点',
    'usage.key.day': '日付',
    'usage.key.empty': '(なし)',
    'usage.queries': '問い合わせ',
    'usage.answered': '回答',
    'usage.refused': '拒否',
    'usage.failed': '失敗',
    'usage.public': '公開',
    'usage.registered': '登録',
    'usage.controlled': '制限',
    'usage.cohorts': '異なるコホート',
    'usage.site_answers': '拠点の回答',
    'usage.data': '参照されたデータ(制限)',
    'usage.total': '期間の合計',
    'usage.entries': '監査ログ {n} 件から集計',
    'usage.none': 'この期間の問い合わせはありません。',
    'usage.bad.period': '開始日は終了日より前にしてください(最長366日)。',
  },
  en: {
    'usage.period': 'Period',
    'usage.from': 'From (UTC)',
    'usage.to': 'To (UTC, inclusive)',
    'usage.preset': 'Common periods',
    'usage.preset.7': 'Last 7 days',
    'usage.preset.30': 'Last 30 days',
    'usage.preset.90': 'Last 90 days',
    'usage.preset.365': 'Last year',
    'usage.show': 'Show',
    'usage.by': 'Group by',
    'usage.by.user': 'by user',
    'usage.by.project': 'by application (project)',
    'usage.by.site': 'by site',
    'usage.by.day': 'by day',
    'usage.csv': 'Download CSV',
    'usage.csv.by': 'Download CSV {by}',
    'usage.chart': 'Queries per day ({from} to {to})',
    'usage.chart.summary': '{total} in all; the busiest day had {max} ({day})',
    'usage.table.day': 'Queries per day (table)',
    'usage.day.h': 'Over time',
    'usage.table.group': 'Usage {by}',
    'usage.key': 'Group',
    'usage.key.user': 'User',
    'usage.key.project': 'Application',
    'usage.key.site': 'Site',
    'usage.key.day': 'Day',
    'usage.key.empty': '(none)',
    'usage.queries': 'Queries',
    'usage.answered': 'Answered',
    'usage.refused': 'Refused',
    'usage.failed': 'Failed',
    'usage.public': 'Public',
    'usage.registered': 'Registered',
    'usage.controlled': 'Controlled',
    'usage.cohorts': 'Distinct cohorts',
    'usage.site_answers': 'Site answers',
    'usage.data': 'Data accessed (controlled)',
    'usage.total': 'Whole period',
    'usage.entries': 'Counted from {n} audit log entries',
    'usage.none': 'No queries in this period.',
    'usage.bad.period': 'Make the first day earlier than the last (at most 366 days).',
  },
};

const DAY = 86400000;
const iso = (d) => d.toISOString().slice(0, 10);
const todayUtc = () => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
const addDays = (s, n) => iso(new Date(Date.parse(s + 'T00:00:00Z') + n * DAY));

function lastDays(n) {
  const to = iso(todayUtc());
  return { from: addDays(to, -(n - 1)), to };
}

// The API's `to` is exclusive; the picker's last day is inclusive.
function query(period, by, format) {
  const p = new URLSearchParams({ from: period.from, to: addDays(period.to, 1), by });
  if (format) p.set('format', format);
  return `/v1/admin/usage?${p}`;
}

function UsageTable({ t, lang, by, report, users }) {
  const n = (v) => formatNumber(lang, v || 0);
  const keyLabel = (k) => {
    if (!k) return t('usage.key.empty');
    const email = by === 'user' && (users[k] || users[k.replace(/^user:/, '')]);
    if (email) return `${email} (${k})`;
    return k;
  };
  const cells = (r) => html`
    <td class="num">${n(r.queries)}</td><td class="num">${n(r.answered)}</td>
    <td class="num">${n(r.refused)}</td><td class="num">${n(r.failed)}</td>
    <td class="num">${n(r.tiers.public)}</td><td class="num">${n(r.tiers.registered)}</td>
    <td class="num">${n(r.tiers.controlled)}</td><td class="num">${n(r.distinct_cohorts)}</td>
    <td class="num">${n(r.site_answers)}</td>
    <td>${Object.entries(r.data_accessed || {}).map(([d, c]) => `${d}: ${n(c)}`).join(', ') || '—'}</td>`;
  return html`<${TableScroll} label=${by === 'day' ? t('usage.table.day') : t('usage.table.group', { by: t('usage.by.' + by) })}><table data-testid=${'usage-table-' + by}>
    <caption>${by === 'day' ? t('usage.table.day') : t('usage.table.group', { by: t('usage.by.' + by) })}</caption>
    <thead><tr>
      <th scope="col">${t('usage.key.' + by)}</th>
      <th scope="col" class="num">${t('usage.queries')}</th><th scope="col" class="num">${t('usage.answered')}</th>
      <th scope="col" class="num">${t('usage.refused')}</th><th scope="col" class="num">${t('usage.failed')}</th>
      <th scope="col" class="num">${t('usage.public')}</th><th scope="col" class="num">${t('usage.registered')}</th>
      <th scope="col" class="num">${t('usage.controlled')}</th><th scope="col" class="num">${t('usage.cohorts')}</th>
      <th scope="col" class="num">${t('usage.site_answers')}</th><th scope="col">${t('usage.data')}</th>
    </tr></thead>
    <tbody>${report.rows.map((r) => html`<tr><th scope="row">${keyLabel(r.key)}</th>${cells(r)}</tr>`)}</tbody>
    <tfoot><tr><th scope="row">${t('usage.total')}</th>${cells(report.total)}</tr></tfoot>
  </table><//>`;
}

export function AdminUsage() {
  const t = useT(M);
  const lang = useLang();
  const [draft, setDraft] = useState(lastDays(30));
  const [period, setPeriod] = useState(lastDays(30));
  const [by, setBy] = useState('user');
  const [days, setDays] = useState(null);
  const [groups, setGroups] = useState(null);
  const [users, setUsers] = useState({});
  const [error, setError] = useState(null);
  const [invalid, setInvalid] = useState(false);

  useEffect(() => {
    get('/v1/admin/users').then(
      (r) => setUsers(Object.fromEntries(r.users.map((u) => [String(u.id), u.email]))),
      () => {},
    );
  }, []);
  useEffect(() => {
    let live = true;
    setError(null);
    setDays(null);
    get(query(period, 'day')).then((r) => live && setDays(r), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [period.from, period.to]);
  useEffect(() => {
    let live = true;
    setGroups(null);
    get(query(period, by)).then((r) => live && setGroups(r), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [period.from, period.to, by]);

  const apply = (p) => {
    const span = (Date.parse(p.to) - Date.parse(p.from)) / DAY + 1;
    if (!p.from || !p.to || !(span >= 1) || span > 366) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setPeriod({ ...p });
  };
  const download = async () => {
    setError(null);
    try {
      const text = await get(query(period, by, 'csv'), { raw: true });
      const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `renkei-usage-by-${by}-${period.from}-to-${addDays(period.to, 1)}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      setError(e);
    }
  };

  const series = [
    { key: 'answered', label: t('usage.answered'), className: 'bar-answered' },
    { key: 'refused', label: t('usage.refused'), className: 'bar-refused' },
    { key: 'failed', label: t('usage.failed'), className: 'bar-failed' },
  ];
  let chart = null;
  if (days) {
    const busiest = days.rows.reduce((b, r) => (r.queries > (b ? b.queries : -1) ? r : b), null);
    chart = html`<${TimeChart}
      title=${t('usage.chart', { from: period.from, to: period.to })}
      summary=${t('usage.chart.summary', {
        total: formatNumber(lang, days.total.queries),
        max: formatNumber(lang, busiest ? busiest.queries : 0),
        day: busiest ? busiest.key : '—',
      })}
      days=${days.rows.map((r) => ({ label: r.key, values: r }))} series=${series} />`;
  }

  return html`<section aria-labelledby="usage-period-h">
      <h2 id="usage-period-h">${t('usage.period')}</h2>
      <form class="inline-form" onSubmit=${(e) => {
        e.preventDefault();
        apply(draft);
      }}>
        <div class="field"><label for="usage-from">${t('usage.from')}</label>
          <input id="usage-from" type="date" value=${draft.from} required
            onInput=${(e) => setDraft({ ...draft, from: e.currentTarget.value })} /></div>
        <div class="field"><label for="usage-to">${t('usage.to')}</label>
          <input id="usage-to" type="date" value=${draft.to} required
            onInput=${(e) => setDraft({ ...draft, to: e.currentTarget.value })} /></div>
        <div class="field"><button type="submit">${t('usage.show')}</button></div>
      </form>
      <div class="button-row" role="group" aria-label=${t('usage.preset')}>
        ${[7, 30, 90, 365].map((n) => html`<button type="button" class="secondary small"
          aria-pressed=${period.from === lastDays(n).from && period.to === lastDays(n).to ? 'true' : 'false'}
          onClick=${() => {
            setDraft(lastDays(n));
            apply(lastDays(n));
          }}>${t('usage.preset.' + n)}</button>`)}
      </div>
      ${invalid && html`<div class="error" role="alert"><p>${t('usage.bad.period')}</p></div>`}
      <${ErrorBox} error=${error} />
    </section>
    <section aria-labelledby="usage-day-h">
      <h2 id="usage-day-h">${t('usage.day.h')}</h2>
      ${!days && !error && html`<${Loading} />`}
      ${days && html`<p class="hint">${t('usage.entries', { n: formatNumber(lang, days.entries) })}</p>
        ${days.total.queries === 0 && html`<p>${t('usage.none')}</p>`}
        ${chart}
        <details><summary>${t('usage.table.day')}</summary>
          <${UsageTable} t=${t} lang=${lang} by="day" report=${days} users=${users} /></details>`}
    </section>
    <section aria-labelledby="usage-group-h">
      <h2 id="usage-group-h">${t('usage.table.group', { by: t('usage.by.' + by) })}</h2>
      <div class="inline-form">
        <${Select} id="usage-by" label=${t('usage.by')} value=${by} onChange=${setBy}
          options=${['user', 'project', 'site', 'day'].map((k) => ({ value: k, label: t('usage.by.' + k) }))} />
        <div class="field"><button type="button" class="secondary" onClick=${download}>${t('usage.csv.by', { by: t('usage.by.' + by) })}</button></div>
      </div>
      ${!groups && !error && html`<${Loading} />`}
      ${groups && groups.by === by && html`<${UsageTable} t=${t} lang=${lang} by=${by} report=${groups} users=${users} />`}
    </section>`;
}
