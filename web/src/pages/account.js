// Account settings: who you are, the second factor (TOTP enrolment with a QR code, recovery
// codes shown once) and API tokens for scripts.
import { html, useState, useEffect } from '../html.js';
import qrcode from 'qrcode-generator';
import { useT } from '../i18n.js';
import { get, post, del } from '../api.js';
import { useSession } from '../session.js';
import { Field, ErrorBox, Loading, Notice } from '../components/forms.js';

const M = {
  ja: {
    'account.title': 'アカウント設定',
    'account.profile': 'プロフィール',
    'account.email': 'メールアドレス',
    'account.name': '氏名',
    'account.institution': '所属機関',
    'account.roles': '役割',
    'totp.title': '二要素認証 (TOTP)',
    'totp.on': '二要素認証は有効です。',
    'totp.off': '二要素認証は未設定です。管理や承認済みデータの利用には必須です。',
    'totp.start': '設定を始める',
    'totp.scan': '認証アプリ(Google Authenticator など)でこの QR コードを読み取ってください。読み取れない場合は次の鍵を入力してください:',
    'totp.qr': '認証アプリ用の QR コード',
    'totp.code': '認証アプリに表示された6桁のコード',
    'totp.confirm': '確認して有効にする',
    'totp.recovery': 'リカバリーコード(各1回だけ使えます)。今すぐ安全な場所に保存してください。再表示はできません。',
    'tokens.title': 'API トークン',
    'tokens.help': 'スクリプトからハブの API を使うためのトークンです。秘密の値は作成時に一度だけ表示されます。',
    'tokens.name': 'トークン名',
    'tokens.scopes': '範囲',
    'tokens.scope.query': '検索・頻度 (query)',
    'tokens.scope.applications': '利用申請 (applications)',
    'tokens.scope.admin': '管理 (admin)',
    'tokens.days': '有効日数 (1〜365)',
    'tokens.create': 'トークンを作成',
    'tokens.secret': '新しいトークン(今だけ表示されます):',
    'tokens.none': 'トークンはありません。',
    'tokens.revoke': '失効させる',
    'tokens.revoked': '失効済み',
    'tokens.expires': '有効期限',
    'tokens.last_used': '最終使用',
  },
  en: {
    'account.title': 'Account settings',
    'account.profile': 'Profile',
    'account.email': 'Email',
    'account.name': 'Name',
    'account.institution': 'Institution',
    'account.roles': 'Roles',
    'totp.title': 'Second factor (TOTP)',
    'totp.on': 'Your second factor is on.',
    'totp.off': 'No second factor yet. It is required for administration and for approved data.',
    'totp.start': 'Set it up',
    'totp.scan': 'Scan this QR code with an authenticator app (Google Authenticator, for example). If you cannot scan it, enter this key:',
    'totp.qr': 'QR code for your authenticator app',
    'totp.code': 'The 6-digit code your app shows',
    'totp.confirm': 'Confirm and turn on',
    'totp.recovery': 'Recovery codes (each works once). Save them somewhere safe now: they are not shown again.',
    'tokens.title': 'API tokens',
    'tokens.help': 'Tokens let scripts use the hub API as you. The secret is shown once, when the token is made.',
    'tokens.name': 'Token name',
    'tokens.scopes': 'Scopes',
    'tokens.scope.query': 'Search and frequencies (query)',
    'tokens.scope.applications': 'Applications (applications)',
    'tokens.scope.admin': 'Administration (admin)',
    'tokens.days': 'Valid for days (1–365)',
    'tokens.create': 'Make token',
    'tokens.secret': 'Your new token (shown only now):',
    'tokens.none': 'No tokens.',
    'tokens.revoke': 'Revoke',
    'tokens.revoked': 'revoked',
    'tokens.expires': 'Expires',
    'tokens.last_used': 'Last used',
  },
};

function qrDataUrl(text) {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  return qr.createDataURL(5, 8);
}

function Totp() {
  const t = useT(M);
  const { user, refresh } = useSession();
  const [enrolment, setEnrolment] = useState(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(null);
  const [error, setError] = useState(null);

  const start = async () => {
    setError(null);
    try {
      setEnrolment(await post('/v1/me/totp'));
    } catch (e) {
      setError(e);
    }
  };
  const confirm = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await post('/v1/me/totp/confirm', { code: code.replace(/\s+/g, '') });
      setRecovery(r.recovery_codes);
      setEnrolment(null);
      await refresh();
    } catch (err) {
      setError(err);
    }
  };

  return html`<section aria-labelledby="totp-h">
    <h2 id="totp-h">${t('totp.title')}</h2>
    ${recovery &&
    html`<${Notice}>
      <p>${t('totp.recovery')}</p>
      <ul class="codes" data-testid="recovery-codes">${recovery.map((c) => html`<li><code>${c}</code></li>`)}</ul>
    <//>`}
    ${!recovery && user.totp_enabled && html`<p>${t('totp.on')}</p>`}
    ${!user.totp_enabled && !enrolment && html`<p>${t('totp.off')}</p>
      <button type="button" onClick=${start}>${t('totp.start')}</button>`}
    ${enrolment &&
    html`<div class="totp">
      <p>${t('totp.scan')}</p>
      <img src=${qrDataUrl(enrolment.otpauth_uri)} alt=${t('totp.qr')} width="200" height="200" />
      <p><code data-testid="totp-secret">${enrolment.secret}</code></p>
      <form onSubmit=${confirm}>
        <${Field} id="totp-code" label=${t('totp.code')} value=${code} onInput=${setCode}
          inputmode="numeric" autocomplete="one-time-code" required />
        <button type="submit">${t('totp.confirm')}</button>
      </form>
    </div>`}
    <${ErrorBox} error=${error} />
  </section>`;
}

function Tokens() {
  const t = useT(M);
  const [tokens, setTokens] = useState(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState({ query: true, applications: false, admin: false });
  const [days, setDays] = useState('90');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState(null);

  const load = async () => {
    try {
      setTokens((await get('/v1/me/tokens')).tokens);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
  }, []);

  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await post('/v1/me/tokens', {
        name,
        scopes: Object.keys(scopes).filter((k) => scopes[k]),
        days: Number.parseInt(days, 10),
      });
      setSecret(r.token);
      setName('');
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (id) => {
    setError(null);
    try {
      await del(`/v1/me/tokens/${encodeURIComponent(id)}`);
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return html`<section aria-labelledby="tokens-h">
    <h2 id="tokens-h">${t('tokens.title')}</h2>
    <p>${t('tokens.help')}</p>
    ${secret && html`<${Notice}><p>${t('tokens.secret')}</p><p><code data-testid="token-secret">${secret}</code></p><//>`}
    <form onSubmit=${create}>
      <${Field} id="token-name" label=${t('tokens.name')} value=${name} onInput=${setName} required />
      <fieldset>
        <legend>${t('tokens.scopes')}</legend>
        ${['query', 'applications', 'admin'].map(
          (s) => html`<label class="check"><input type="checkbox" checked=${scopes[s]}
            onChange=${(e) => setScopes({ ...scopes, [s]: e.currentTarget.checked })} />
            ${t('tokens.scope.' + s)}</label>`,
        )}
      </fieldset>
      <${Field} id="token-days" label=${t('tokens.days')} type="number" min="1" max="365"
        value=${days} onInput=${setDays} required />
      <button type="submit">${t('tokens.create')}</button>
    </form>
    <${ErrorBox} error=${error} />
    ${tokens === null
      ? html`<${Loading} />`
      : tokens.length === 0
        ? html`<p>${t('tokens.none')}</p>`
        : html`<table>
            <thead><tr><th scope="col">${t('tokens.name')}</th><th scope="col">${t('tokens.scopes')}</th>
              <th scope="col">${t('tokens.expires')}</th><th scope="col">${t('tokens.last_used')}</th><th scope="col"></th></tr></thead>
            <tbody>${tokens.map((k) => html`<tr>
              <td>${k.name}</td><td>${k.scopes.join(', ')}</td><td>${k.expires_at}</td>
              <td>${k.last_used_at || '—'}</td>
              <td>${k.revoked ? t('tokens.revoked') : html`<button type="button" class="small"
                aria-label=${t('tokens.revoke') + ': ' + k.name}
                onClick=${() => revoke(k.id)}>${t('tokens.revoke')}</button>`}</td>
            </tr>`)}</tbody>
          </table>`}
  </section>`;
}

export function Account() {
  const t = useT(M);
  const { user } = useSession();
  if (!user) return html`<${Loading} />`;
  return html`<section>
    <h1 tabindex="-1">${t('account.title')}</h1>
    <section aria-labelledby="profile-h">
      <h2 id="profile-h">${t('account.profile')}</h2>
      <dl class="pairs">
        <dt>${t('account.email')}</dt><dd>${user.email}</dd>
        <dt>${t('account.name')}</dt><dd>${user.display_name}</dd>
        <dt>${t('account.institution')}</dt><dd>${user.institution || '—'}</dd>
        <dt>${t('account.roles')}</dt><dd>${(user.roles || []).join(', ') || '—'}</dd>
      </dl>
    </section>
    <${Totp} />
    <${Tokens} />
  </section>`;
}
