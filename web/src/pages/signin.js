// Sign-in (with the second factor when the account has one) and sign-up.
import { html, useState } from '../html.js';
import { useT } from '../i18n.js';
import { post, setCsrfToken } from '../api.js';
import { useSession } from '../session.js';
import { navigate } from '../router.js';
import { Field, Select, ErrorBox } from '../components/forms.js';

const M = {
  ja: {
    'signin.title': 'サインイン',
    'signin.email': 'メールアドレス',
    'signin.password': 'パスワード',
    'signin.code': '確認コード(認証アプリの6桁、またはリカバリーコード)',
    'signin.code.needed': 'このアカウントには二要素認証が設定されています。認証アプリの確認コードを入力してください。',
    'signin.code.wrong': '確認コードが受け付けられませんでした。認証アプリに次のコードが表示されるのを待って入力するか、リカバリーコードを使ってください。',
    'signin.wrong': 'メールアドレスまたはパスワードが違います。確認してもう一度お試しください。5回続けて間違えると15分間ロックされます。',
    'signin.submit': 'サインイン',
    'signin.new': 'アカウントをお持ちでない方',
    'signin.signup': '研究者として登録',
    'signup.title': '研究者アカウントの登録',
    'signup.name': '氏名',
    'signup.institution': '所属機関',
    'signup.kind': '所属の種類',
    'signup.kind.academic': '大学・研究機関',
    'signup.kind.company': '企業',
    'signup.password.hint': '12文字以上。メールアドレスや氏名を含めないでください。',
    'signup.submit': '登録する',
    'signup.have': 'すでにアカウントをお持ちの方は',
  },
  en: {
    'signin.title': 'Sign in',
    'signin.email': 'Email',
    'signin.password': 'Password',
    'signin.code': 'Code (6 digits from your authenticator app, or a recovery code)',
    'signin.code.needed': 'This account has a second factor. Enter the code from your authenticator app.',
    'signin.code.wrong': 'The code was not accepted. Wait for the next code in your authenticator app and enter it, or use a recovery code.',
    'signin.wrong': 'The email or password is wrong. Check them and try again; five failures in a row lock the account for 15 minutes.',
    'signin.submit': 'Sign in',
    'signin.new': 'No account yet?',
    'signin.signup': 'Register as a researcher',
    'signup.title': 'Register a researcher account',
    'signup.name': 'Name',
    'signup.institution': 'Institution',
    'signup.kind': 'Kind of institution',
    'signup.kind.academic': 'University or research institute',
    'signup.kind.company': 'Company',
    'signup.password.hint': 'At least 12 characters, not containing your email or name.',
    'signup.submit': 'Register',
    'signup.have': 'Already registered?',
  },
};

async function signIn(email, password, secondFactor, refresh) {
  const body = { email, password };
  if (secondFactor) body.second_factor = secondFactor.replace(/\s+/g, '');
  const r = await post('/v1/auth/sign-in', body);
  setCsrfToken(r.csrf_token);
  await refresh();
  return r;
}

export function SignIn({ returnTo }) {
  const t = useT(M);
  const { refresh } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await signIn(email, password, code, refresh);
      navigate(r.mfa_enrolment_required ? '/account' : returnTo && returnTo !== '/signin' ? returnTo : '/search');
    } catch (err) {
      if (err.status === 401 && /second factor required/.test(err.detail) && !needCode) {
        setNeedCode(true);
        requestAnimationFrame(() => document.getElementById('signin-code')?.focus());
      } else if (err.status === 401) {
        // Say which part to fix; the hub's own sentence stays beneath it.
        setError(Object.assign(err, { sentence: t(needCode ? 'signin.code.wrong' : 'signin.wrong') }));
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="narrow">
    <h1 tabindex="-1">${t('signin.title')}</h1>
    <form onSubmit=${submit}>
      <${Field} id="signin-email" label=${t('signin.email')} type="email" value=${email}
        onInput=${setEmail} autocomplete="username" required />
      <${Field} id="signin-password" label=${t('signin.password')} type="password"
        value=${password} onInput=${setPassword} autocomplete="current-password" required />
      ${needCode && html`<p role="status">${t('signin.code.needed')}</p>
        <${Field} id="signin-code" label=${t('signin.code')} value=${code} onInput=${setCode}
          autocomplete="one-time-code" inputmode="numeric" required />`}
      <${ErrorBox} error=${error} />
      <button type="submit" disabled=${busy}>${t('signin.submit')}</button>
    </form>
    <p>${t('signin.new')} <a href="#/signup">${t('signin.signup')}</a></p>
  </section>`;
}

export function SignUp() {
  const t = useT(M);
  const { refresh } = useSession();
  const [f, setF] = useState({ email: '', display_name: '', institution: '', kind: 'academic', password: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (v) => setF({ ...f, [k]: v });

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/v1/auth/sign-up', f);
      await signIn(f.email, f.password, '', refresh);
      navigate('/account');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="narrow">
    <h1 tabindex="-1">${t('signup.title')}</h1>
    <form onSubmit=${submit}>
      <${Field} id="signup-email" label=${t('signin.email')} type="email" value=${f.email}
        onInput=${set('email')} autocomplete="email" required />
      <${Field} id="signup-name" label=${t('signup.name')} value=${f.display_name}
        onInput=${set('display_name')} autocomplete="name" required />
      <${Field} id="signup-institution" label=${t('signup.institution')} value=${f.institution}
        onInput=${set('institution')} autocomplete="organization" />
      <${Select} id="signup-kind" label=${t('signup.kind')} value=${f.kind} onChange=${set('kind')}
        options=${[
          { value: 'academic', label: t('signup.kind.academic') },
          { value: 'company', label: t('signup.kind.company') },
        ]} />
      <${Field} id="signup-password" label=${t('signin.password')} type="password"
        value=${f.password} onInput=${set('password')} hint=${t('signup.password.hint')}
        autocomplete="new-password" minlength="12" required />
      <${ErrorBox} error=${error} />
      <button type="submit" disabled=${busy}>${t('signup.submit')}</button>
    </form>
    <p>${t('signup.have')} <a href="#/signin">${t('signin.title')}</a></p>
  </section>`;
}
