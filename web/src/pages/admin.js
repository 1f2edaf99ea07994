// Administration (管理): users and roles, sites and their health, usage over time, the audit log
// with its verification, and metadata registration for site staff. One page with tabs as links
// (#/admin/users …); platform administrators see every tab, site administrators the metadata tab.
import { html, useState, useEffect } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';
import { get, post, del } from '../api.js';
import { useSession, hasRole } from '../session.js';
import { Select, ErrorBox, Loading, Notice } from '../components/forms.js';
import { TableScroll, Badge } from '../components/admin-ui.js';
import { AdminUsage } from './admin-usage.js';
import { AdminAudit } from './admin-audit.js';
import { AdminMetadata } from './admin-metadata.js';

const M = {
  ja: {
    'admin.title': '管理',
    'admin.tabs': '管理メニュー',
    'admin.tab.users': '利用者と役割',
    'admin.tab.sites': '拠点と稼働状況',
    'admin.tab.usage': '利用状況',
    'admin.tab.audit': '監査ログ',
    'admin.tab.metadata': 'メタデータ登録',
    'admin.denied': 'このページは基盤管理者と拠点管理者のためのものです。必要な場合は基盤管理者に役割を申請してください。',
    'admin.denied.tab': 'このタブは基盤管理者だけが使えます。上のメニューから使えるタブを選んでください。',
    'role.researcher': '研究者',
    'role.secretariat': '受付事務局',
    'role.reviewer': 'データ利用審査会 委員',
    'role.site_admin': '拠点管理者',
    'role.platform_admin': '基盤管理者',
    'users.filter': '絞り込み(メールアドレス・氏名・所属)',
    'users.count': '{shown} 件を表示(全 {total} 件)',
    'users.id': 'ID',
    'users.email': 'メールアドレス',
    'users.name': '氏名',
    'users.institution': '所属機関',
    'users.roles': '役割',
    'users.totp': '二要素認証',
    'users.totp.on': '設定済み',
    'users.totp.off': '未設定',
    'users.created': '登録日時',
    'users.revoke': '{role} を外す: {email}',
    'users.grant.title': '役割を付与する',
    'users.grant.user': '利用者',
    'users.grant.role': '役割',
    'users.grant.site': '拠点',
    'users.grant.submit': '付与する',
    'users.granted': '{email} に {role} を付与しました。',
    'users.revoked': '{email} から {role} を外しました。',
    'users.mfa': '研究者以外の役割には二要素認証が必要です。未設定の利用者は次回サインイン時に登録を求められます。',
    'users.none': '該当する利用者はいません。',
    'sites.summary.ok': 'すべての拠点({n})が応答しています。',
    'sites.summary.partial': '応答していない拠点があります。検索結果はその拠点を除いた一部の結果になります。',
    'sites.refresh': '再確認',
    'sites.checked': '確認時刻: {time}',
    'sites.id': '拠点 ID',
    'sites.name': '名称',
    'sites.status': '状態',
    'sites.elapsed': '応答時間 (ms)',
    'sites.message': 'メッセージ',
    'sites.samples': '検体数',
    'sites.status.ok': '正常',
    'sites.status.no_record': '該当なし',
    'sites.status.unavailable': '応答なし',
    'sites.catalog': 'カタログ(拠点ごとのデータセット)',
    'sites.dataset': 'データセット',
    'sites.biobanks': 'バイオバンク',
    'sites.variants': 'バリアント数',
    'sites.site': '拠点',
    'sites.total': '全拠点の検体数: ',
  },
  en: {
    'admin.title': 'Administration',
    'admin.tabs': 'Administration menu',
    'admin.tab.users': 'Users and roles',
    'admin.tab.sites': 'Sites and health',
    'admin.tab.usage': 'Usage',
    'admin.tab.audit': 'Audit log',
    'admin.tab.metadata': 'Metadata registration',
    'admin.denied': 'This page is for platform and site administrators. Ask a platform administrator for the role if you need it.',
    'admin.denied.tab': 'Only platform administrators can use this tab. Choose one of your tabs above.',
    'role.researcher': 'Researcher',
    'role.secretariat': 'Secretariat',
    'role.reviewer': 'Data access committee member',
    'role.site_admin': 'Site administrator',
    'role.platform_admin': 'Platform administrator',
    'users.filter': 'Filter (email, name or institution)',
    'users.count': 'Showing {shown} of {total}',
    'users.id': 'ID',
    'users.email': 'Email',
    'users.name': 'Name',
    'users.institution': 'Institution',
    'users.roles': 'Roles',
    'users.totp': 'Second factor',
    'users.totp.on': 'on',
    'users.totp.off': 'not set up',
    'users.created': 'Registered',
    'users.revoke': 'Remove {role} from {email}',
    'users.grant.title': 'Grant a role',
    'users.grant.user': 'User',
    'users.grant.role': 'Role',
    'users.grant.site': 'Site',
    'users.grant.submit': 'Grant',
    'users.granted': 'Granted {role} to {email}.',
    'users.revoked': 'Removed {role} from {email}.',
    'users.mfa': 'Every role beyond researcher needs a second factor; a user without one is asked to set it up at the next sign-in.',
    'users.none': 'No users match.',
    'sites.summary.ok': 'All {n} sites are answering.',
    'sites.summary.partial': 'Some sites are not answering: search results leave them out and are marked partial.',
    'sites.refresh': 'Check again',
    'sites.checked': 'Checked at {time}',
    'sites.id': 'Site id',
    'sites.name': 'Name',
    'sites.status': 'Status',
    'sites.elapsed': 'Response time (ms)',
    'sites.message': 'Message',
    'sites.samples': 'Samples',
    'sites.status.ok': 'healthy',
    'sites.status.no_record': 'no record',
    'sites.status.unavailable': 'not answering',
    'sites.catalog': 'Catalog (datasets per site)',
    'sites.dataset': 'Dataset',
    'sites.biobanks': 'Biobanks',
    'sites.variants': 'Variants',
    'sites.site': 'Site',
    'sites.total': 'Samples at all sites: ',
  },
};

const TABS = ['users', 'sites', 'usage', 'audit', 'metadata'];
const ROLES = ['researcher', 'secretariat', 'reviewer', 'site_admin', 'platform_admin'];

// "site_admin:tohoku" → "Site administrator (tohoku)".
export function roleLabel(t, role) {
  const [name, site] = role.split(':');
  const key = 'role.' + name;
  const label = t(key) === key ? name : t(key);
  return site ? `${label} (${site})` : label;
}

function Users() {
  const t = useT(M);
  const [users, setUsers] = useState(null);
  const [sites, setSites] = useState([]);
  const [filter, setFilter] = useState('');
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState('secretariat');
  const [site, setSite] = useState('');
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      const r = await get('/v1/admin/users');
      setUsers(r.users);
      setUserId((id) => id || (r.users[0] ? String(r.users[0].id) : ''));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
    get('/v1/sites').then(
      (r) => {
        setSites(r.sites || []);
        setSite((s) => s || (r.sites && r.sites[0] ? r.sites[0].id : ''));
      },
      () => {},
    );
  }, []);

  const grant = async (e) => {
    e.preventDefault();
    const full = role === 'site_admin' ? `site_admin:${site}` : role;
    const u = users.find((x) => String(x.id) === userId);
    setError(null);
    setNotice('');
    setBusy(true);
    try {
      await post(`/v1/admin/users/${encodeURIComponent(userId)}/roles`, { role: full });
      setNotice(t('users.granted', { role: roleLabel(t, full), email: u ? u.email : userId }));
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (u, r) => {
    setError(null);
    setNotice('');
    try {
      await del(`/v1/admin/users/${u.id}/roles/${encodeURIComponent(r)}`);
      setNotice(t('users.revoked', { role: roleLabel(t, r), email: u.email }));
      await load();
    } catch (err) {
      setError(err);
    }
  };

  if (!users) return html`<${ErrorBox} error=${error} />${!error && html`<${Loading} />`}`;
  const q = filter.trim().toLowerCase();
  const shown = users.filter(
    (u) => !q || [u.email, u.display_name, u.institution || ''].some((s) => s.toLowerCase().includes(q)),
  );
  return html`<section aria-labelledby="users-grant-h">
      <h2 id="users-grant-h">${t('users.grant.title')}</h2>
      <p class="hint">${t('users.mfa')}</p>
      <form class="inline-form" onSubmit=${grant}>
        <${Select} id="grant-user" label=${t('users.grant.user')} value=${userId} onChange=${setUserId}
          options=${users.map((u) => ({ value: String(u.id), label: `${u.email} (${u.display_name})` }))} />
        <${Select} id="grant-role" label=${t('users.grant.role')} value=${role} onChange=${setRole}
          options=${ROLES.map((r) => ({ value: r, label: t('role.' + r) }))} />
        ${role === 'site_admin' &&
        html`<${Select} id="grant-site" label=${t('users.grant.site')} value=${site} onChange=${setSite}
          options=${sites.map((s) => ({ value: s.id, label: `${s.name} (${s.id})` }))} />`}
        <div class="field"><button type="submit" disabled=${busy}>${t('users.grant.submit')}</button></div>
      </form>
      ${notice && html`<${Notice}><p>${notice}</p><//>`}
      <${ErrorBox} error=${error} />
    </section>
    <section aria-labelledby="users-list-h">
      <h2 id="users-list-h">${t('admin.tab.users')}</h2>
      <div class="field narrow">
        <label for="users-filter">${t('users.filter')}</label>
        <input id="users-filter" type="search" value=${filter}
          onInput=${(e) => setFilter(e.currentTarget.value)} />
      </div>
      <p role="status">${t('users.count', { shown: shown.length, total: users.length })}</p>
      ${shown.length === 0
        ? html`<p>${t('users.none')}</p>`
        : html`<${TableScroll} label=${t('admin.tab.users')}><table data-testid="users-table">
        <thead><tr>
          <th scope="col" class="num">${t('users.id')}</th><th scope="col">${t('users.email')}</th>
          <th scope="col">${t('users.name')}</th><th scope="col">${t('users.institution')}</th>
          <th scope="col">${t('users.roles')}</th><th scope="col">${t('users.totp')}</th>
          <th scope="col">${t('users.created')}</th>
        </tr></thead>
        <tbody>${shown.map((u) => html`<tr data-email=${u.email}>
          <td class="num">${u.id}</td>
          <th scope="row">${u.email}</th>
          <td>${u.display_name}</td>
          <td>${u.institution || '—'}</td>
          <td><ul class="role-list">${u.roles.map((r) => html`<li>
            <span>${roleLabel(t, r)}</span>
            <button type="button" class="small secondary" aria-label=${t('users.revoke', { role: roleLabel(t, r), email: u.email })}
              title=${t('users.revoke', { role: roleLabel(t, r), email: u.email })}
              onClick=${() => revoke(u, r)}>×</button></li>`)}</ul></td>
          <td>${u.totp_enabled
            ? html`<${Badge} kind="ok">${t('users.totp.on')}<//>`
            : html`<${Badge} kind="warn">${t('users.totp.off')}<//>`}</td>
          <td>${(u.created_at || '').replace('T', ' ').replace(/\.\d+/, '').replace('Z', ' UTC')}</td>
        </tr>`)}</tbody>
      </table><//>`}
    </section>`;
}

const statusKind = (s) => (s === 'ok' ? 'ok' : s === 'no_record' ? 'warn' : 'bad');

function Sites() {
  const t = useT(M);
  const lang = useLang();
  const [sites, setSites] = useState(null);
  const [catalog, setCatalog] = useState(null);
  const [checked, setChecked] = useState(null);
  const [error, setError] = useState(null);
  const load = async () => {
    setError(null);
    try {
      const [s, c] = await Promise.all([get('/v1/sites'), get('/v1/catalog')]);
      setSites(s);
      setCatalog(c);
      setChecked(new Date());
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, []);
  if (!sites) return html`<${ErrorBox} error=${error} />${!error && html`<${Loading} />`}`;
  const bySite = (catalog && catalog.samples && catalog.samples.by_site) || {};
  const count = (c) => {
    const v = c && typeof c === 'object' ? (c.value ?? c.count) : c;
    if (c === undefined || c === null) return '—';
    return typeof v === 'number'
      ? formatNumber(lang, v)
      : html`<span class="suppressed">${t('common.suppressed')}</span>`;
  };
  const datasets = (catalog && catalog.datasets) || [];
  return html`<section aria-labelledby="sites-h">
    <h2 id="sites-h">${t('admin.tab.sites')}</h2>
    ${sites.partial
      ? html`<p class="status-line status-bad" role="status">${t('sites.summary.partial')}</p>`
      : html`<p class="status-line status-ok" role="status" data-testid="sites-summary">${t('sites.summary.ok', { n: sites.sites.length })}</p>`}
    <p><button type="button" class="secondary" onClick=${load}>${t('sites.refresh')}</button>
      ${checked && html` <span class="hint">${t('sites.checked', { time: checked.toLocaleTimeString(lang === 'ja' ? 'ja-JP' : 'en-GB') })}</span>`}</p>
    <${ErrorBox} error=${error} />
    <${TableScroll} label=${t('admin.tab.sites')}><table data-testid="sites-table">
      <thead><tr><th scope="col">${t('sites.id')}</th><th scope="col">${t('sites.name')}</th>
        <th scope="col">${t('sites.status')}</th><th scope="col" class="num">${t('sites.elapsed')}</th>
        <th scope="col" class="num">${t('sites.samples')}</th><th scope="col">${t('sites.message')}</th></tr></thead>
      <tbody>${sites.sites.map((s) => html`<tr data-site=${s.id}>
        <th scope="row">${s.id}</th><td>${s.name}</td>
        <td><${Badge} kind=${statusKind(s.status)}>${t('sites.status.' + s.status)}<//></td>
        <td class="num">${formatNumber(lang, s.elapsed_ms, 1)}</td>
        <td class="num">${count(bySite[s.id])}</td>
        <td>${s.message || ''}</td>
      </tr>`)}</tbody>
    </table><//>
    ${catalog && html`<h3>${t('sites.catalog')}</h3>
      ${catalog.samples && catalog.samples.total !== undefined &&
      html`<p>${t('sites.total')}${count(catalog.samples.total)}</p>`}
      <${TableScroll} label=${t('sites.catalog')}><table>
        <thead><tr><th scope="col">${t('sites.dataset')}</th><th scope="col">${t('sites.site')}</th>
          <th scope="col">${t('sites.biobanks')}</th><th scope="col" class="num">${t('sites.variants')}</th></tr></thead>
        <tbody>${datasets.map((d) => html`<tr><th scope="row">${d.id}</th><td>${d.site}</td>
          <td>${d.biobanks.join(', ')}</td><td class="num">${formatNumber(lang, d.variants)}</td></tr>`)}</tbody>
      </table><//>`}
  </section>`;
}

export function Admin({ params }) {
  const t = useT(M);
  const { user } = useSession();
  if (!user) return html`<${Loading} />`;
  const platform = hasRole(user, 'platform_admin');
  const site = hasRole(user, 'site_admin');
  const allowed = TABS.filter((k) => platform || (site && k === 'metadata'));
  const tab = params.tab || allowed[0];
  if (allowed.length === 0) {
    return html`<section><h1 tabindex="-1">${t('admin.title')}</h1>
      <div class="error" role="alert"><p>${t('admin.denied')}</p></div></section>`;
  }
  let body;
  if (!TABS.includes(tab)) body = html`<p>${t('err.404')}</p>`;
  else if (!allowed.includes(tab)) body = html`<div class="error" role="alert"><p>${t('admin.denied.tab')}</p></div>`;
  else if (tab === 'users') body = html`<${Users} />`;
  else if (tab === 'sites') body = html`<${Sites} />`;
  else if (tab === 'usage') body = html`<${AdminUsage} />`;
  else if (tab === 'audit') body = html`<${AdminAudit} />`;
  else body = html`<${AdminMetadata} />`;
  return html`<section>
    <h1 tabindex="-1">${t('admin.title')}${TABS.includes(tab) ? ` — ${t('admin.tab.' + tab)}` : ''}</h1>
    <nav aria-label=${t('admin.tabs')}>
      <ul class="tabs">${allowed.map((k) => html`<li><a href=${'#/admin/' + k}
        aria-current=${k === tab ? 'page' : undefined}>${t('admin.tab.' + k)}</a></li>`)}</ul>
    </nav>
    ${body}
  </section>`;
}
