// Cross-search (横断検索): a cohort builder over the four attributes and biobank, composing the
// cohort language (editable by experts); live counts per site and per biobank from
// POST /v1/search; the cohort's make-up as charts (an age pyramid by sex, regions, top
// diseases); feasibility at a glance. Signed-out visitors see the whole population, as the
// public tier allows.
import { html, useState, useEffect, useRef } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';
import { get, post, ApiError, errorSentence } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Loading, Notice } from '../components/forms.js';
import { BarChart, Pyramid } from '../components/charts.js';
import {
  AGE_BANDS, SEXES, REGIONS, PREFECTURES, EMPTY_CONTROLS, useCohort, composeCohort, valueLabel,
  Count, ChartWithTable, unavailableSites,
} from '../components/cohort.js';

const M = {
  ja: {
    'search.title': '横断検索',
    'search.lead': 'すべての連携拠点の検体を、年齢・性別・地域・疾患とバイオバンクで絞り込み、研究が実施可能な人数かを確かめます。',
    'search.public': 'サインインしていないため、公開レベルの情報(全検体の内訳)だけを表示しています。コホートを作って人数を調べるには、サインインしてください。',
    'search.signin': 'サインインする',
    'search.builder': 'コホートの条件',
    'search.builder.help': '同じ項目の中で複数選ぶと「いずれか」、項目どうしは「かつ」で組み合わせます。何も選ばなければ全員です。',
    'search.age': '年齢(10歳階級)',
    'search.sex': '性別',
    'search.region': '地域(居住地または出生地)',
    'search.prefecture': '都道府県で絞り込む',
    'search.prefecture.help': '選んだ地域と都道府県は「いずれか」として扱います。',
    'search.disease': '疾患',
    'search.disease.input': '病名・ICD-10 コード・範囲・章',
    'search.disease.hint': '例: 認知症、糖尿病、E11、F00-F03、V。候補から選んでください(↑↓で移動、Enter で決定)。',
    'search.disease.list': '疾患の候補',
    'search.disease.none': '候補がありません。別の病名やコードをお試しください。',
    'search.disease.remove': '条件から外す',
    'search.disease.chosen': '選んだ疾患',
    'search.biobank': 'バイオバンク',
    'search.kind.chapter': '章',
    'search.kind.block': 'ブロック',
    'search.kind.range': '範囲',
    'search.kind.category': '分類',
    'search.kind.group': '疾患群',
    'search.kind.name': '病名',
    'search.expr': 'コホート式(上級者向け:直接編集できます)',
    'search.expr.hint': 'コホート言語で書かれた条件です。上の項目を変えると式は作り直されます。',
    'search.expr.edited': '式を直接編集しています。上の項目はこの式に反映されていません。',
    'search.expr.reset': '項目から式を作り直す',
    'search.clear': '条件をすべて消す',
    'search.results': '結果',
    'search.updating': '更新中…',
    'search.everyone': '全員',
    'search.glance': '実施可能性の概観',
    'search.total': 'コホートの人数',
    'search.per_site': '拠点ごとの人数',
    'search.per_biobank': 'バイオバンクごとの人数',
    'search.site': '拠点',
    'search.biobank.col': 'バイオバンク',
    'search.count': '人数',
    'search.answered': '{m} 拠点中 {n} 拠点が応答しました。',
    'search.status': '状態',
    'search.status.ok': '応答あり',
    'search.status.no_record': '該当なし',
    'search.status.unavailable': '応答なし',
    'search.partial': '一部の拠点が応答しなかったため、合計は応答した拠点だけの人数です。応答しなかった拠点: {sites}',
    'search.tier.public': '公開レベル: 少人数の値は秘匿されます。',
    'search.tier.registered': '登録研究者レベル: 少人数の値は秘匿され、検索はすべて記録されます。',
    'search.tier.controlled': '承認済みレベル: 承認されたデータセットについて正確な人数を表示しています。',
    'search.makeup': 'コホートの内訳',
    'search.pyramid': '年齢階級・性別の人口ピラミッド',
    'search.pyramid.unavailable': '性別ごとの年齢構成は表示できません。{reason}',
    'search.pyramid.half': '一方の性別の検索は、以前の検索との差が小さすぎるため断られました。その側は秘匿として表示しています。',
    'search.pyramid.ask': '年齢構成を性別に分けて見る(ピラミッド)',
    'search.pyramid.why': '男女別に 2 件の検索を追加で行います。検索はすべて記録され、少人数の差を生む検索は断られるため、必要なときだけ使ってください。',
    'search.age.chart': '年齢階級別の人数',
    'search.sex.chart': '性別の人数',
    'search.region.chart': '地域別の人数',
    'search.disease.chart': '多い疾患(疾患群)',
    'search.band': '年齢階級',
    'search.male': '男性',
    'search.female': '女性',
    'search.region.col': '地域',
    'search.disease.col': '疾患群',
    'search.err.409': 'この条件は、以前に回答した検索との差が小さすぎるため回答できません(個人の特定を防ぐため)。条件を広げるか別の条件でお試しください。',
    'search.err.403': 'この検索は現在のアクセスレベルでは実行できません。サインインしてからお試しください。',
    'search.freq': 'このコホートのアレル頻度を調べる',
  },
  en: {
    'search.title': 'Cross-search',
    'search.lead': 'Narrow the samples of every site by age, sex, region, disease and biobank, and see whether your study is feasible.',
    'search.public': 'You are not signed in, so you see what the public tier allows: the make-up of all samples. Sign in to build a cohort and count it.',
    'search.signin': 'Sign in',
    'search.builder': 'Cohort',
    'search.builder.help': 'Several choices within one attribute mean "any of them"; attributes are combined with "and". Choose nothing for everyone.',
    'search.age': 'Age (10-year bands)',
    'search.sex': 'Sex',
    'search.region': 'Region (residence or birthplace)',
    'search.prefecture': 'Narrow by prefecture',
    'search.prefecture.help': 'Chosen regions and prefectures are alternatives.',
    'search.disease': 'Disease',
    'search.disease.input': 'Disease name, ICD-10 code, range or chapter',
    'search.disease.hint': 'For example dementia, 糖尿病, E11, F00-F03, V. Pick from the suggestions (↑↓ to move, Enter to choose).',
    'search.disease.list': 'Disease suggestions',
    'search.disease.none': 'No suggestions. Try another name or code.',
    'search.disease.remove': 'Remove from the cohort',
    'search.disease.chosen': 'Chosen diseases',
    'search.biobank': 'Biobank',
    'search.kind.chapter': 'chapter',
    'search.kind.block': 'block',
    'search.kind.range': 'range',
    'search.kind.category': 'code',
    'search.kind.group': 'disease group',
    'search.kind.name': 'disease name',
    'search.expr': 'Cohort expression (for experts: you may edit it)',
    'search.expr.hint': 'The cohort in the cohort language. Changing the choices above rewrites it.',
    'search.expr.edited': 'You are editing the expression; the choices above are not part of it.',
    'search.expr.reset': 'Rebuild from the choices',
    'search.clear': 'Clear every choice',
    'search.results': 'Results',
    'search.updating': 'Updating…',
    'search.everyone': 'everyone',
    'search.glance': 'Feasibility at a glance',
    'search.total': 'People in the cohort',
    'search.per_site': 'People per site',
    'search.per_biobank': 'People per biobank',
    'search.site': 'Site',
    'search.biobank.col': 'Biobank',
    'search.count': 'People',
    'search.answered': '{n} of {m} sites answered.',
    'search.status': 'Status',
    'search.status.ok': 'answered',
    'search.status.no_record': 'no record',
    'search.status.unavailable': 'unavailable',
    'search.partial': 'Some sites did not answer: the totals count the sites that did. Not answering: {sites}',
    'search.tier.public': 'Public tier: small counts are suppressed.',
    'search.tier.registered': 'Registered tier: small counts are suppressed and every search is recorded.',
    'search.tier.controlled': 'Controlled tier: exact counts for the datasets you are approved for.',
    'search.makeup': "The cohort's make-up",
    'search.pyramid': 'Age pyramid by sex',
    'search.pyramid.unavailable': 'Ages by sex cannot be shown. {reason}',
    'search.pyramid.half': 'The search for one sex was refused because it differs too little from an earlier one; that side is shown as suppressed.',
    'search.pyramid.ask': 'Split the ages by sex (pyramid)',
    'search.pyramid.why': 'This asks two more searches, one per sex. Every search is recorded, and searches that would differ by a few people are refused, so use it when you need it.',
    'search.age.chart': 'People per age band',
    'search.sex.chart': 'People per sex',
    'search.region.chart': 'People per region',
    'search.disease.chart': 'Most common diseases (disease groups)',
    'search.band': 'Age band',
    'search.male': 'Male',
    'search.female': 'Female',
    'search.region.col': 'Region',
    'search.disease.col': 'Disease group',
    'search.err.409': 'This cohort differs too little from one answered before, so it is not answered (this protects individuals). Widen it or try other choices.',
    'search.err.403': 'Your access tier does not allow this search. Sign in and try again.',
    'search.freq': "Look up this cohort's allele frequencies",
  },
};

// An error of the search: the differencing refusal (409) and tier refusals (403) get their
// own sentences; everything else goes through the shared ErrorBox.
function SearchError({ error }) {
  const t = useT(M);
  if (!error) return null;
  if (error instanceof ApiError && (error.status === 409 || error.status === 403)) {
    return html`<div class="error" role="alert">
      <p>${t(`search.err.${error.status}`)}</p>
      ${error.detail && html`<p class="detail">${t('err.detail')}: ${error.detail}</p>`}
    </div>`;
  }
  return html`<${ErrorBox} error=${error} />`;
}

// ---- the builder --------------------------------------------------------------------------

function Checks({ legend, name, options, chosen, onChange, help }) {
  const toggle = (value, on) =>
    onChange(on ? [...chosen, value] : chosen.filter((v) => v !== value));
  return html`<fieldset class="checks">
    <legend>${legend}</legend>
    ${help && html`<p class="hint">${help}</p>`}
    ${options.map((o) => html`<label class="check-inline">
      <input type="checkbox" name=${name} value=${o.value} checked=${chosen.includes(o.value)}
        onChange=${(e) => toggle(o.value, e.currentTarget.checked)} />
      ${o.label}</label>`)}
  </fieldset>`;
}

function suggestionLabel(lang, s) {
  const title = lang === 'ja' ? s.title_ja || s.title_en : s.title_en || s.title_ja;
  if (s.kind === 'name') return `${title} (${s.code})`;
  return s.kind === 'group' ? title : `${s.code} ${title}`.trim();
}

// A combobox (WAI-ARIA 1.2 pattern) over GET /v1/vocabulary/diseases, and the chosen terms as
// removable chips.
function DiseasePicker({ chosen, onChange }) {
  const t = useT(M);
  const lang = useLang();
  const [q, setQ] = useState('');
  const [items, setItems] = useState([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState(null);
  const seq = useRef(0);

  useEffect(() => {
    const text = q.trim();
    if (!text) {
      setItems([]);
      setOpen(false);
      return undefined;
    }
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      try {
        const r = await get(`/v1/vocabulary/diseases?q=${encodeURIComponent(text)}&lang=${lang}`);
        if (mine !== seq.current) return;
        setError(null);
        setItems(r.suggestions || []);
        setActive(-1);
        setOpen(true);
      } catch (e) {
        if (mine === seq.current) setError(e);
      }
    }, 200);
    return () => clearTimeout(timer);
  }, [q, lang]);

  const pick = (s) => {
    if (!chosen.some((d) => d.term === s.term)) {
      onChange([...chosen, { term: s.term, label: suggestionLabel(lang, s) }]);
    }
    setQ('');
    setItems([]);
    setOpen(false);
  };
  const onKeyDown = (e) => {
    if (e.key === 'ArrowDown' && items.length) {
      e.preventDefault();
      setOpen(true);
      setActive((active + 1) % items.length);
    } else if (e.key === 'ArrowUp' && items.length) {
      e.preventDefault();
      setActive(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (open && active >= 0 && items[active]) pick(items[active]);
      else if (open && items.length === 1) pick(items[0]);
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  };

  const listId = 'disease-listbox';
  return html`<fieldset>
    <legend>${t('search.disease')}</legend>
    ${chosen.length > 0 && html`<ul class="chips" aria-label=${t('search.disease.chosen')}>
      ${chosen.map((d) => html`<li class="chip" data-term=${d.term}>
        <span>${d.label}</span>
        <button type="button" class="small secondary" aria-label=${`${t('search.disease.remove')}: ${d.label}`}
          onClick=${() => onChange(chosen.filter((x) => x.term !== d.term))}>×</button>
      </li>`)}
    </ul>`}
    <div class="field combobox">
      <label for="disease-input">${t('search.disease.input')}</label>
      <input id="disease-input" type="text" role="combobox" autocomplete="off"
        aria-autocomplete="list" aria-expanded=${open && items.length > 0 ? 'true' : 'false'}
        aria-controls=${listId} aria-describedby="disease-hint"
        aria-activedescendant=${open && active >= 0 ? `disease-opt-${active}` : undefined}
        value=${q} maxlength="100"
        onInput=${(e) => setQ(e.currentTarget.value)} onKeyDown=${onKeyDown}
        onBlur=${() => setTimeout(() => setOpen(false), 150)} />
      <p class="hint" id="disease-hint">${t('search.disease.hint')}</p>
      <ul id=${listId} role="listbox" aria-label=${t('search.disease.list')}
        class=${open && items.length > 0 ? 'suggestions' : 'suggestions hidden'}>
        ${open && items.map((s, i) => html`<li id=${`disease-opt-${i}`} role="option"
          aria-selected=${i === active ? 'true' : 'false'} data-term=${s.term}
          onMouseDown=${(e) => {
            e.preventDefault();
            pick(s);
          }}>
          <span class="kind">${t(`search.kind.${s.kind}`)}</span> ${suggestionLabel(lang, s)}
        </li>`)}
      </ul>
      ${open && q.trim() && items.length === 0 && html`<p class="hint" role="status">${t('search.disease.none')}</p>`}
    </div>
    <${ErrorBox} error=${error} />
  </fieldset>`;
}

function Builder({ cohort, setCohort, biobanks }) {
  const t = useT(M);
  const lang = useLang();
  const c = cohort.controls;
  const setControls = (patch) => {
    const controls = { ...c, ...patch };
    setCohort({ controls, expression: composeCohort(controls), edited: false });
  };
  const byRegion = REGIONS.map((r) => ({ r, prefs: PREFECTURES.filter((p) => p.region === r.value) }));
  return html`<section aria-labelledby="builder-h" class="builder">
    <h2 id="builder-h">${t('search.builder')}</h2>
    <p class="hint">${t('search.builder.help')}</p>
    <${Checks} legend=${t('search.age')} name="age" chosen=${c.age}
      options=${AGE_BANDS.map((b) => ({ value: b, label: valueLabel(lang, 'age', b) }))}
      onChange=${(age) => setControls({ age })} />
    <${Checks} legend=${t('search.sex')} name="sex" chosen=${c.sex}
      options=${SEXES.map((s) => ({ value: s.value, label: s[lang] }))}
      onChange=${(sex) => setControls({ sex })} />
    <${Checks} legend=${t('search.region')} name="region" chosen=${c.region}
      options=${REGIONS.map((r) => ({ value: r.value, label: r[lang] }))}
      onChange=${(region) => setControls({ region })} />
    <details class="prefectures" open=${c.prefecture.length > 0}>
      <summary>${t('search.prefecture')}${c.prefecture.length ? ` (${c.prefecture.length})` : ''}</summary>
      <p class="hint">${t('search.prefecture.help')}</p>
      ${byRegion.map(({ r, prefs }) => html`<${Checks} legend=${r[lang]} name="prefecture"
        chosen=${c.prefecture}
        options=${prefs.map((p) => ({ value: p.value, label: p[lang] }))}
        onChange=${(mine) => {
          const others = c.prefecture.filter((v) => !prefs.some((p) => p.value === v));
          setControls({ prefecture: [...others, ...mine] });
        }} />`)}
    </details>
    <${DiseasePicker} chosen=${c.disease} onChange=${(disease) => setControls({ disease })} />
    ${biobanks.length > 0 && html`<${Checks} legend=${t('search.biobank')} name="biobank"
      chosen=${c.biobank} options=${biobanks.map((b) => ({ value: b, label: b }))}
      onChange=${(biobank) => setControls({ biobank })} />`}
    <div class="field">
      <label for="cohort-expr">${t('search.expr')}</label>
      <textarea id="cohort-expr" rows="2" spellcheck="false" aria-describedby="cohort-expr-hint"
        value=${cohort.expression}
        onInput=${(e) => setCohort({ ...cohort, expression: e.currentTarget.value, edited: true })}></textarea>
      <p class="hint" id="cohort-expr-hint">${cohort.edited ? t('search.expr.edited') : t('search.expr.hint')}</p>
    </div>
    <p class="actions">
      ${cohort.edited && html`<button type="button" class="secondary"
        onClick=${() => setCohort({ ...cohort, expression: composeCohort(c), edited: false })}>${t('search.expr.reset')}</button>`}
      <button type="button" class="secondary"
        onClick=${() => setCohort({ controls: EMPTY_CONTROLS, expression: '', edited: false })}>${t('search.clear')}</button>
    </p>
  </section>`;
}

// ---- the answer ---------------------------------------------------------------------------

// {"age:60-69": count, …} of an answer's facets.
function facetsOf(answer) {
  const m = new Map();
  for (const f of answer?.facets || []) m.set(`${f.attribute}:${f.value}`, f.total);
  return m;
}
// A facet's count: a number, null when suppressed, 0 when the value does not occur.
function facet(m, attribute, value) {
  const k = `${attribute}:${value}`;
  return m.has(k) ? m.get(k) : 0;
}

function Glance({ answer }) {
  const t = useT(M);
  const lang = useLang();
  const size = answer.cohort_size;
  const sites = answer.sites || [];
  const biobanks = Object.keys(size.by_biobank || {}).sort();
  const statusText = (s) => t(`search.status.${s.status}`);
  const partial = unavailableSites(answer);
  return html`<section aria-labelledby="glance-h">
    <h2 id="glance-h">${t('search.glance')}</h2>
    <p class="hint">${t(`search.tier.${answer.tier}`)}</p>
    ${answer.partial && html`<p class="partial" role="status">${t('search.partial', { sites: partial.join(', ') })}</p>`}
    <div class="glance">
      <div class="card big">
        <p class="card-label">${t('search.total')}</p>
        <p class="card-value"><${Count} value=${size.total} testid="cohort-total" /></p>
      </div>
      ${biobanks.map((b) => html`<div class="card">
        <p class="card-label">${b}</p>
        <p class="card-value"><${Count} value=${size.by_biobank[b]} testid=${`biobank-count-${b}`} /></p>
      </div>`)}
    </div>
    <div>
      <table data-testid="per-site">
        <caption>${t('search.per_site')}</caption>
        <thead><tr><th scope="col">${t('search.site')}</th><th scope="col">${t('search.status')}</th>
          <th scope="col" class="num">${t('search.count')}</th></tr></thead>
        <tbody>${sites.map((s) => html`<tr data-site=${s.id}>
          <th scope="row">${s.name || s.id}</th>
          <td class=${s.status === 'unavailable' ? 'partial' : ''}>${statusText(s)}</td>
          <td class="num">${s.status === 'unavailable'
            ? html`<span class="partial" data-testid=${`site-count-${s.id}`} data-value="unavailable">${t('common.unavailable')}</span>`
            : html`<${Count} value=${s.id in (size.by_site || {}) ? size.by_site[s.id] : 0} testid=${`site-count-${s.id}`} />`}</td>
        </tr>`)}</tbody>
        <tfoot><tr><th scope="row">${t('common.total')}</th><td></td>
          <td class="num"><${Count} value=${size.total} /></td></tr></tfoot>
      </table>
      <table data-testid="per-biobank">
        <caption>${t('search.per_biobank')}</caption>
        <thead><tr><th scope="col">${t('search.biobank.col')}</th><th scope="col" class="num">${t('search.count')}</th></tr></thead>
        <tbody>${biobanks.map((b) => html`<tr>
          <th scope="row">${b}</th><td class="num"><${Count} value=${size.by_biobank[b]} /></td>
        </tr>`)}</tbody>
      </table>
    </div>
    <p class="hint">${t('search.answered', { n: formatNumber(lang, sites.filter((s) => s.status !== 'unavailable').length), m: formatNumber(lang, sites.length) })}</p>
  </section>`;
}

const numText = (t, lang, v) => (typeof v === 'number' ? formatNumber(lang, v) : t('common.suppressed'));

// The cohort restricted to one sex, for the pyramid: the cohort's own answer when it already
// is that sex (or holds none of it). Otherwise a query per sex — only when `ask`, because every
// answered cohort is remembered by the differencing defence, and cohorts that share or differ
// by a few people with a remembered one are refused: extra queries the user did not ask for
// would make their next cohorts fail. Resolves to null when queries are needed but not asked.
async function searchBySex(expression, answer, ask) {
  const f = facetsOf(answer);
  const total = answer.cohort_size.total;
  const local = (sex) => {
    const n = facet(f, 'sex', sex);
    if (n === 0) return { facets: [] };
    if (typeof n === 'number' && n === total) return answer;
    return null;
  };
  const male = local('male');
  const female = local('female');
  if ((!male || !female) && !ask) return null;
  const query = (sex) =>
    post('/v1/search', { cohort: expression.trim() ? `(${expression}) & sex=${sex}` : `sex=${sex}` });
  // One side may be refused by the differencing defence while the other is answered: the
  // refused side is drawn as withheld, never as 0.
  const [m, w] = await Promise.allSettled([male || query('male'), female || query('female')]);
  if (m.status === 'rejected' && w.status === 'rejected') throw m.reason;
  const withheld = { facets: AGE_BANDS.map((b) => ({ attribute: 'age', value: b, total: null })) };
  return {
    male: m.status === 'fulfilled' ? m.value : withheld,
    female: w.status === 'fulfilled' ? w.value : withheld,
    refused: [m, w].find((x) => x.status === 'rejected')?.reason,
  };
}

function Makeup({ answer, expression, signedIn }) {
  const t = useT(M);
  const lang = useLang();
  const [bySex, setBySex] = useState(null);
  const [bySexError, setBySexError] = useState('');
  const [asking, setAsking] = useState(false);
  const load = async (ask) => {
    setBySexError('');
    if (ask) setAsking(true);
    try {
      setBySex(await searchBySex(expression, answer, ask));
    } catch (e) {
      setBySexError(e instanceof ApiError && e.status === 409 ? t('search.err.409') : errorSentence(t, e));
    } finally {
      setAsking(false);
    }
  };
  useEffect(() => {
    setBySex(null);
    setBySexError('');
    if (signedIn) load(false);
  }, [answer]);

  const f = facetsOf(answer);
  const bands = [...AGE_BANDS].reverse();
  let pyramid = null;
  if (bySex) {
    const male = facetsOf(bySex.male);
    const female = facetsOf(bySex.female);
    const rows = bands.map((b) => ({
      label: valueLabel(lang, 'age', b), male: facet(male, 'age', b), female: facet(female, 'age', b),
    }));
    pyramid = html`${bySex.refused && html`<p class="hint" role="status">${t('search.pyramid.half')}</p>`}
    <${ChartWithTable} caption=${t('search.pyramid')}
      chart=${html`<${Pyramid} title=${t('search.pyramid')} rows=${rows}
        maleLabel=${t('search.male')} femaleLabel=${t('search.female')} />`}
      head=${[t('search.band'), t('search.male'), t('search.female')]}
      rows=${rows.map((r) => [r.label, numText(t, lang, r.male), numText(t, lang, r.female)])} />`;
  }
  const ages = AGE_BANDS.map((b) => ({ label: valueLabel(lang, 'age', b), value: facet(f, 'age', b) }));
  const sexes = SEXES.map((s) => ({ label: s[lang], value: facet(f, 'sex', s.value) }));
  const regions = REGIONS.map((r) => ({ label: r[lang], value: facet(f, 'region', r.value) }));
  const diseases = (answer.facets || [])
    .filter((x) => x.attribute === 'disease')
    .map((x) => ({ label: valueLabel(lang, 'disease', x.value), value: x.total }))
    .sort((a, b) => (typeof b.value === 'number' ? b.value : -1) - (typeof a.value === 'number' ? a.value : -1))
    .slice(0, 8);
  const bar = (title, rows, col) => html`<${ChartWithTable} caption=${title}
    chart=${html`<${BarChart} title=${title} rows=${rows} />`}
    head=${[col, t('search.count')]} rows=${rows.map((r) => [r.label, numText(t, lang, r.value)])} />`;
  return html`<section aria-labelledby="makeup-h">
    <h2 id="makeup-h">${t('search.makeup')}</h2>
    <div class="charts">
      <div data-testid="pyramid">
        ${pyramid}
        ${!pyramid && signedIn && html`<p>
          <button type="button" class="secondary" disabled=${asking} onClick=${() => load(true)}>${t('search.pyramid.ask')}</button></p>
          <p class="hint">${t('search.pyramid.why')}</p>`}
        ${!pyramid && bySexError && html`<p class="error" role="alert">${t('search.pyramid.unavailable', { reason: bySexError })}</p>`}
        ${bar(t('search.age.chart'), ages, t('search.band'))}
        ${!pyramid && bar(t('search.sex.chart'), sexes, t('search.sex'))}
      </div>
      <div>${bar(t('search.region.chart'), regions, t('search.region.col'))}</div>
      <div>${diseases.length > 0 && bar(t('search.disease.chart'), diseases, t('search.disease.col'))}</div>
    </div>
  </section>`;
}

function Results({ expression, signedIn }) {
  const t = useT(M);
  const [answer, setAnswer] = useState(null);
  const [answered, setAnswered] = useState(null); // the expression `answer` is for
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    setBusy(true);
    // Debounced: each answered cohort is audited and remembered by the differencing defence,
    // so the cohorts passed through while ticking boxes should not all be asked.
    const timer = setTimeout(async () => {
      try {
        const r = await post('/v1/search', expression.trim() ? { cohort: expression } : {});
        if (mine !== seq.current) return;
        setError(null);
        setAnswer(r);
        setAnswered(expression);
      } catch (e) {
        if (mine === seq.current) {
          setError(e);
          setAnswer(null);
          setAnswered(expression);
        }
      } finally {
        if (mine === seq.current) setBusy(false);
      }
    }, 600);
    return () => clearTimeout(timer);
  }, [expression, signedIn]);

  const ready = !busy && answered === expression;
  return html`<section aria-labelledby="results-h" class="results" data-state=${ready ? 'ready' : 'busy'}
    data-cohort=${answered ?? ''} data-outcome=${error ? 'error' : 'answer'}>
    <h2 id="results-h" class="visually-hidden">${t('search.results')}</h2>
    <p class="live-status" role="status">${busy ? t('search.updating') : ''}</p>
    <${SearchError} error=${error} />
    ${!answer && !error && html`<${Loading} />`}
    ${answer && html`<${Glance} answer=${answer} />
      <${Makeup} answer=${answer} expression=${answered} signedIn=${signedIn} />
      ${signedIn && html`<p><a href="#/freq">${t('search.freq')}</a></p>`}`}
  </section>`;
}

export function Search() {
  const t = useT(M);
  const { user, loading } = useSession();
  const [cohort, setCohort] = useCohort();
  const [biobanks, setBiobanks] = useState([]);
  useEffect(() => {
    get('/v1/catalog')
      .then((c) => setBiobanks([...new Set((c.datasets || []).flatMap((d) => d.biobanks || []))].sort()))
      .catch(() => setBiobanks([]));
  }, []);

  let body;
  if (loading) {
    body = html`<${Loading} />`;
  } else if (!user) {
    body = html`<${Notice}><p>${t('search.public')} <a href="#/signin">${t('search.signin')}</a></p><//>
      <${Results} expression="" signedIn=${false} />`;
  } else {
    body = html`<div class="search-layout">
      <${Builder} cohort=${cohort} setCohort=${setCohort} biobanks=${biobanks} />
      <${Results} expression=${cohort.expression} signedIn=${true} />
    </div>`;
  }
  return html`<section>
    <h1 tabindex="-1">${t('search.title')}</h1>
    <p class="lead">${t('search.lead')}</p>
    ${body}
  </section>`;
}
