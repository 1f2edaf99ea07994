// The portal's frame: header with navigation and language switch, the signed-in account, and the
// page for the current route.
import { html, useState, useEffect, useCallback } from './html.js';
import { LangContext, initialLang, saveLang, translator, common } from './i18n.js';
import { SessionContext, hasRole } from './session.js';
import { useRoute, match, navigate } from './router.js';
import { get, post, setCsrfToken, ApiError } from './api.js';
import { SignIn, SignUp } from './pages/signin.js';
import { Account } from './pages/account.js';
import { Home } from './pages/home.js';
import { Search } from './pages/search.js';
import { Freq } from './pages/freq.js';
import { Applications, NewApplication, ApplicationDetail } from './pages/applications.js';
import { Queue } from './pages/queue.js';
import { Admin } from './pages/admin.js';

// [pattern, component, needs sign-in]
const ROUTES = [
  ['/', Home, false],
  ['/signin', SignIn, false],
  ['/signup', SignUp, false],
  ['/account', Account, true],
  ['/search', Search, false],
  ['/freq', Freq, false],
  ['/applications', Applications, true],
  ['/applications/new', NewApplication, true],
  ['/applications/:id', ApplicationDetail, true],
  ['/queue', Queue, true],
  ['/admin', Admin, true],
  ['/admin/:tab', Admin, true],
];

function NotFound() {
  const t = translator(document.documentElement.lang, null);
  return html`<section><h1 tabindex="-1">404</h1><p>${t('err.404')}</p></section>`;
}

function Header({ lang, setLang, user, signOut }) {
  const t = translator(lang, null);
  const staff = hasRole(user, 'secretariat') || hasRole(user, 'reviewer');
  const admin = hasRole(user, 'platform_admin') || hasRole(user, 'site_admin');
  const link = (href, key) => html`<li><a href=${'#' + href}>${t(key)}</a></li>`;
  return html`<header class="top">
    <a class="brand" href="#/">${t('app.name')}</a>
    <nav aria-label=${t('nav.main')}>
      <ul>
        ${link('/search', 'nav.search')}
        ${link('/freq', 'nav.freq')}
        ${user && link('/applications', 'nav.applications')}
        ${user && (staff || admin) && link('/queue', 'nav.queue')}
        ${user && admin && link('/admin', 'nav.admin')}
      </ul>
    </nav>
    <div class="account-bar">
      ${user
        ? html`<a href="#/account">${user.display_name || user.email}</a>
            <button type="button" class="link" onClick=${signOut}>${t('nav.signout')}</button>`
        : html`<a href="#/signin">${t('nav.signin')}</a>`}
      <button type="button" class="lang" lang=${lang === 'ja' ? 'en' : 'ja'}
        aria-label=${t('lang.label') + ': ' + t('lang.switch')}
        onClick=${() => setLang(lang === 'ja' ? 'en' : 'ja')}>${t('lang.switch')}</button>
    </div>
  </header>`;
}

export function App() {
  const [lang, setLangState] = useState(initialLang());
  const [user, setUser] = useState(null);
  const [loading, setLoading] = useState(true);
  const path = useRoute();

  const setLang = (l) => {
    saveLang(l);
    setLangState(l);
  };
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = common[lang]['app.name'];
  }, [lang]);

  const refresh = useCallback(async () => {
    try {
      const me = await get('/v1/me');
      setCsrfToken(me.csrf_token);
      setUser(me);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) console.warn('GET /v1/me', e);
      setCsrfToken('');
      setUser(null);
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    refresh();
  }, [refresh]);

  const signOut = async () => {
    try {
      await post('/v1/auth/sign-out');
    } catch {
      // The session may already have ended; either way the browser is signed out below.
    }
    setCsrfToken('');
    setUser(null);
    navigate('/');
  };

  let page = null;
  for (const [pattern, Component, needsUser] of ROUTES) {
    const params = match(pattern, path);
    if (!params) continue;
    if (needsUser && !loading && !user) {
      page = html`<${SignIn} returnTo=${path} />`;
    } else if (needsUser && loading) {
      page = null;
    } else {
      page = html`<${Component} params=${params} path=${path} />`;
    }
    break;
  }
  if (page === null && !loading) page = html`<${NotFound} />`;

  return html`<${LangContext.Provider} value=${lang}>
    <${SessionContext.Provider} value=${{ user, loading, refresh, signOut }}>
      <a class="skip" href="#main" onClick=${(e) => {
        e.preventDefault();
        document.getElementById('main').focus();
      }}>${lang === 'ja' ? '本文へ移動' : 'Skip to content'}</a>
      <${Header} lang=${lang} setLang=${setLang} user=${user} signOut=${signOut} />
      ${user && user.mfa_enrolment_required && path !== '/account' &&
        html`<div class="banner" role="status">
          ${lang === 'ja'
            ? html`あなたの役割には二要素認証が必要です。<a href="#/account">アカウント</a>で登録してください。`
            : html`Your role needs a second factor. Set it up on your <a href="#/account">account</a> page.`}
        </div>`}
      <main id="main" tabindex="-1">${page}</main>
    <//>
  <//>`;
}
