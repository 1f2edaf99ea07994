// The front page: what the platform holds (the public catalog) and where to go next.
import { html, useState, useEffect } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';
import { get } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Loading } from '../components/forms.js';

const M = {
  ja: {
    'home.intro': '複数のバイオバンクが保有するヒト全ゲノムデータを、拠点から出さずに横断検索し、層別アレル頻度を求め、利用申請できます。',
    'home.sites': '連携拠点',
    'home.site': '拠点',
    'home.samples': '検体数',
    'home.status': '状態',
    'home.start.search': '横断検索を始める',
    'home.start.signin': 'サインインすると任意のコホートで検索できます',
  },
  en: {
    'home.intro': 'Search whole-genome data held by several biobanks across all sites, compute stratified allele frequencies and apply for access — while the data stay at the sites.',
    'home.sites': 'Sites',
    'home.site': 'Site',
    'home.samples': 'Samples',
    'home.status': 'Status',
    'home.start.search': 'Start a cross-search',
    'home.start.signin': 'Sign in to search any cohort',
  },
};

export function Home() {
  const t = useT(M);
  const lang = useLang();
  const { user } = useSession();
  const [sites, setSites] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    get('/v1/sites').then((r) => setSites(Array.isArray(r) ? r : r.sites || []), setError);
  }, []);
  return html`<section>
    <h1 tabindex="-1">${t('app.name')}</h1>
    <p class="lead">${t('app.tagline')}</p>
    <p>${t('home.intro')}</p>
    <p><a class="button" href="#/search">${t('home.start.search')}</a>
      ${!user && html` <a href="#/signin">${t('home.start.signin')}</a>`}</p>
    <h2>${t('home.sites')}</h2>
    <${ErrorBox} error=${error} />
    ${!sites && !error && html`<${Loading} />`}
    ${sites && html`<table>
      <thead><tr><th scope="col">${t('home.site')}</th><th scope="col">${t('home.status')}</th></tr></thead>
      <tbody>${sites.map((s) => html`<tr><td>${s.name || s.id}</td><td>${s.status || (s.healthy ? 'ok' : '—')}</td></tr>`)}</tbody>
    </table>`}
  </section>`;
}
