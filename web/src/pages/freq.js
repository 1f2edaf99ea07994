// Allele frequencies (層別アレル頻度): look up a variant (chr:pos:ref:alt) or a region
// (chr:start-end); the preset strata of POST /v1/strata as charts (AF per age band, sex, region,
// disease group, biobank) and a table, AF per site from POST /v1/freq for everyone, and an
// on-demand panel for the cohort built on the cross-search page (POST /v1/freq with it).
// Suppressed values are shown as suppressed, partial answers as partial; both answers can be
// saved as TSV (made in the browser from the answer).
import { html, useState, useEffect, useRef } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';
import { post, ApiError } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Loading } from '../components/forms.js';
import { BarChart } from '../components/charts.js';
import {
  useCohort, valueLabel, Count, ChartWithTable, downloadText, formatAf, unavailableSites,
} from '../components/cohort.js';

const M = {
  ja: {
    'freq.title': '層別アレル頻度',
    'freq.lead': '変異または領域を座標で指定すると、年齢階級・性別・地域・疾患群・拠点ごとのアレル頻度(事前計算)と、横断検索で作ったコホートのアレル頻度(オンデマンド)を表示します。',
    'freq.input': '変異または領域',
    'freq.input.hint': '変異は 染色体:位置:参照塩基:代替塩基(例 chr1:1234567:A:G)、領域は 染色体:開始-終了(例 chr1:1000000-1100000)。遺伝子はその座標で指定してください。',
    'freq.lookup': '調べる',
    'freq.bad': '「{text}」は変異(例 chr1:1234567:A:G)または領域(例 chr1:1000000-1100000)の形になっていません。形を確かめて、もう一度入力してください。',
    'freq.err.404': 'この変異・領域はどの拠点にも記録がありません。染色体名・位置・塩基を確かめてください。',
    'freq.err.403': 'この問い合わせは現在のアクセスレベルではできません。サインインするか、領域を狭めてください。',
    'freq.err.409': 'このコホートは、以前に回答した問い合わせとの差が小さすぎるため回答できません(個人の特定を防ぐため)。横断検索で条件を広げてください。',
    'freq.variants': '領域内の変異',
    'freq.variant.col': '変異',
    'freq.variants.count': '{n} 件の変異',
    'freq.pos': '位置',
    'freq.ref': '参照',
    'freq.alt': '代替',
    'freq.af': 'アレル頻度 (AF)',
    'freq.ac': 'AC',
    'freq.an': 'AN',
    'freq.ns': '検体数 (NS)',
    'freq.het': 'ヘテロ',
    'freq.hom': 'ホモ',
    'freq.hemi': 'ヘミ',
    'freq.show': '層別を表示',
    'freq.showing': '表示中',
    'freq.strata': '事前計算の層別頻度',
    'freq.strata.of': '{variant} の層別アレル頻度',
    'freq.attr.age': '年齢階級',
    'freq.attr.sex': '性別',
    'freq.attr.region': '地域',
    'freq.attr.disease': '疾患群',
    'freq.attr.icd10_chapter': 'ICD-10 章',
    'freq.attr.biobank': 'バイオバンク',
    'freq.attr.site': '拠点',
    'freq.chart': '{attr}ごとのアレル頻度',
    'freq.table': '層別頻度の表',
    'freq.stratum': '層',
    'freq.export.strata': '層別頻度を TSV で保存',
    'freq.export.cohort': 'コホートの頻度を TSV で保存',
    'freq.partial': '一部の拠点が応答しなかったため、応答した拠点だけの集計です。応答しなかった拠点: {sites}',
    'freq.norecord': '記録のない拠点: {sites}',
    'freq.ondemand': 'コホートのアレル頻度(オンデマンド)',
    'freq.cohort': '対象のコホート',
    'freq.cohort.everyone': '全員(横断検索でコホートを作ると、ここに反映されます)',
    'freq.cohort.edit': '横断検索でコホートを変える',
    'freq.cohort.signin': 'コホートごとの頻度を求めるにはサインインしてください。',
    'freq.cohort.size': 'コホートの人数',
    'freq.cohort.first': '上で変異または領域を調べると、このコホートの頻度を計算します。',
    'freq.by_site': '拠点別',
    'freq.by_biobank': 'バイオバンク別',
    'freq.site': '拠点',
    'freq.biobank': 'バイオバンク',
    'freq.everyone': '全体',
  },
  en: {
    'freq.title': 'Allele frequencies',
    'freq.lead': 'Give a variant or a region by its coordinates to see allele frequencies per age band, sex, region, disease group and site (precomputed), and for the cohort you built in cross-search (on demand).',
    'freq.input': 'Variant or region',
    'freq.input.hint': 'A variant as chromosome:position:ref:alt (chr1:1234567:A:G), a region as chromosome:start-end (chr1:1000000-1100000). Give a gene by its coordinates.',
    'freq.lookup': 'Look up',
    'freq.bad': '"{text}" is not a variant (such as chr1:1234567:A:G) or a region (such as chr1:1000000-1100000). Check its form and enter it again.',
    'freq.err.404': 'No site has a record of this variant or region. Check the chromosome name, the position and the bases.',
    'freq.err.403': 'Your access tier does not allow this query. Sign in, or narrow the region.',
    'freq.err.409': 'This cohort differs too little from one answered before, so it is not answered (this protects individuals). Widen it in cross-search.',
    'freq.variants': 'Variants in the region',
    'freq.variant.col': 'Variant',
    'freq.variants.count': '{n} variants',
    'freq.pos': 'Position',
    'freq.ref': 'Ref',
    'freq.alt': 'Alt',
    'freq.af': 'Allele frequency (AF)',
    'freq.ac': 'AC',
    'freq.an': 'AN',
    'freq.ns': 'Samples (NS)',
    'freq.het': 'Het',
    'freq.hom': 'Hom',
    'freq.hemi': 'Hemi',
    'freq.show': 'Show strata',
    'freq.showing': 'shown',
    'freq.strata': 'Preset strata',
    'freq.strata.of': 'Allele frequencies of {variant} by stratum',
    'freq.attr.age': 'age band',
    'freq.attr.sex': 'sex',
    'freq.attr.region': 'region',
    'freq.attr.disease': 'disease group',
    'freq.attr.icd10_chapter': 'ICD-10 chapter',
    'freq.attr.biobank': 'biobank',
    'freq.attr.site': 'site',
    'freq.chart': 'Allele frequency per {attr}',
    'freq.table': 'Strata as a table',
    'freq.stratum': 'Stratum',
    'freq.export.strata': 'Save strata as TSV',
    'freq.export.cohort': "Save the cohort's frequencies as TSV",
    'freq.partial': 'Some sites did not answer: these figures cover the sites that did. Not answering: {sites}',
    'freq.norecord': 'Sites without a record: {sites}',
    'freq.ondemand': 'Frequencies in your cohort (on demand)',
    'freq.cohort': 'Cohort',
    'freq.cohort.everyone': 'everyone (build a cohort in cross-search and it appears here)',
    'freq.cohort.edit': 'Change the cohort in cross-search',
    'freq.cohort.signin': 'Sign in to compute frequencies for a cohort.',
    'freq.cohort.size': 'People in the cohort',
    'freq.cohort.first': 'Look up a variant or region above to compute its frequencies in this cohort.',
    'freq.by_site': 'Per site',
    'freq.by_biobank': 'Per biobank',
    'freq.site': 'Site',
    'freq.biobank': 'Biobank',
    'freq.everyone': 'everyone',
  },
};

const ATTR_ORDER = ['age', 'sex', 'region', 'disease', 'icd10_chapter', 'biobank'];

// {variant} or {region} for the API, or null when `text` is neither.
export function parseSelector(text) {
  const s = text.trim().replace(/\s+/g, '');
  const region = s.match(/^([A-Za-z0-9_.]+):([\d,]+)-([\d,]+)$/);
  if (region) {
    const a = Number(region[2].replace(/,/g, ''));
    const b = Number(region[3].replace(/,/g, ''));
    if (a >= 1 && b >= a) return { region: `${region[1]}:${a}-${b}` };
    return null;
  }
  if (/^[A-Za-z0-9_.]+:[1-9]\d*:[ACGTNacgtn]+(:[ACGTNacgtn*]+)?$/.test(s)) {
    return { variant: s.toUpperCase().replace(/^CHR/, 'chr') };
  }
  return null;
}

const variantName = (v) => `${v.contig}:${v.pos}:${v.ref}:${v.alt}`;

// A guarded value as TSV text: "suppressed", never 0.
const cell = (v) => (v === null || v === undefined ? 'suppressed' : String(v));

function alt0(counts) {
  return (counts && counts.alts && counts.alts[0]) || {};
}

// TSV of a /v1/freq answer: one row per variant and alternate allele.
export function freqTsv(answer) {
  const head = ['contig', 'pos', 'id', 'ref', 'alt', 'ac', 'an', 'af', 'ns', 'ac_het', 'ac_hom',
    'ac_hemi'];
  const rows = [head.join('\t')];
  for (const v of answer.variants || []) {
    for (const a of v.total.alts || []) {
      rows.push([v.contig, v.pos, v.id || '.', v.ref, a.alt, cell(a.ac), cell(v.total.an), cell(a.af),
        cell(v.total.ns), cell(a.ac_het), cell(a.ac_hom), cell(a.ac_hemi)].join('\t'));
    }
  }
  return rows.join('\n') + '\n';
}

function strataTsv(answer) {
  const rows = [['contig', 'pos', 'ref', 'alt', 'attribute', 'value', 'ac', 'an', 'af', 'ns'].join('\t')];
  for (const v of answer.variants || []) {
    for (const s of v.strata || []) {
      for (const a of s.total.alts || []) {
        rows.push([v.contig, v.pos, v.ref, a.alt, s.attribute, s.value, cell(a.ac), cell(s.total.an),
          cell(a.af), cell(s.total.ns)].join('\t'));
      }
    }
  }
  return rows.join('\n') + '\n';
}

const fileName = (sel, what) =>
  `renkei-${what}-${(sel.variant || sel.region).replace(/[^A-Za-z0-9_.-]+/g, '_')}.tsv`;

function FreqError({ error }) {
  const t = useT(M);
  if (!error) return null;
  if (error instanceof ApiError && [403, 404, 409].includes(error.status)) {
    return html`<div class="error" role="alert">
      <p>${t(`freq.err.${error.status}`)}</p>
      ${error.detail && html`<p class="detail">${t('err.detail')}: ${error.detail}</p>`}
    </div>`;
  }
  return html`<${ErrorBox} error=${error} />`;
}

function AfText({ af }) {
  const t = useT();
  const lang = useLang();
  const s = formatAf(lang, af);
  return s === null
    ? html`<span class="suppressed" title=${t('common.suppressed.help')}>${t('common.suppressed')}</span>`
    : html`<span>${s}</span>`;
}

function SiteNotes({ answer, variant }) {
  const t = useT(M);
  const names = new Map((answer.sites || []).map((s) => [s.id, s.name || s.id]));
  const missing = (variant?.sites_without_record || []).map((id) => names.get(id) || id);
  return html`${answer.partial && html`<p class="partial" role="status">${t('freq.partial', { sites: unavailableSites(answer).join(', ') })}</p>`}
    ${missing.length > 0 && html`<p class="hint">${t('freq.norecord', { sites: missing.join(', ') })}</p>`}`;
}

// The preset strata of one variant as charts (AF per value of each attribute) and one table.
function Strata({ variant, everyone, sites }) {
  const t = useT(M);
  const lang = useLang();
  const groups = new Map();
  for (const s of variant.strata || []) {
    if (!groups.has(s.attribute)) groups.set(s.attribute, []);
    groups.get(s.attribute).push(s);
  }
  const attrs = [...groups.keys()].sort(
    (a, b) => (ATTR_ORDER.indexOf(a) + 1 || 99) - (ATTR_ORDER.indexOf(b) + 1 || 99));
  const fmt = (v) => formatAf(lang, v);
  const attrName = (a) => {
    const k = `freq.attr.${a}`;
    const s = t(k);
    return s === k ? a : s;
  };
  const charts = attrs.map((a) => {
    const rows = groups.get(a).map((s) => ({ label: valueLabel(lang, a, s.value), value: alt0(s.total).af ?? null }));
    const title = t('freq.chart', { attr: attrName(a) });
    return html`<div data-testid=${`strata-${a}`}><${ChartWithTable} caption=${title}
      chart=${html`<${BarChart} title=${title} rows=${rows} format=${fmt} />`}
      head=${[attrName(a), t('freq.af')]}
      rows=${rows.map((r) => [r.label, fmt(r.value) ?? t('common.suppressed')])} /></div>`;
  });
  // AF per site, from the everyone answer of /v1/freq (public).
  const ev = everyone && (everyone.variants || []).find((v) =>
    v.contig === variant.contig && v.pos === variant.pos && v.ref === variant.ref && v.alt === variant.alt);
  if (ev) {
    // Site ids on the chart (names are long), full names in its table.
    const answered = (sites || []).filter((s) => ev.by_site && s.id in ev.by_site);
    const rows = answered.map((s) => ({ label: s.id.toUpperCase(), name: s.name || s.id, value: alt0(ev.by_site[s.id]).af ?? null }));
    const title = t('freq.chart', { attr: attrName('site') });
    charts.push(html`<div data-testid="strata-site"><${ChartWithTable} caption=${title}
      chart=${html`<${BarChart} title=${title} rows=${rows} format=${fmt} />`}
      head=${[attrName('site'), t('freq.af')]}
      rows=${rows.map((r) => [`${r.name} (${r.label})`, fmt(r.value) ?? t('common.suppressed')])} /></div>`);
  }
  return html`<div class="grid">${charts}</div>
    <details>
      <summary>${t('freq.table')}</summary>
      <table data-testid="strata-table">
        <caption class="visually-hidden">${t('freq.table')}</caption>
        <thead><tr><th scope="col">${t('freq.stratum')}</th><th scope="col" class="num">${t('freq.ac')}</th>
          <th scope="col" class="num">${t('freq.an')}</th><th scope="col" class="num">${t('freq.af')}</th>
          <th scope="col" class="num">${t('freq.ns')}</th></tr></thead>
        <tbody>${attrs.flatMap((a) => groups.get(a).map((s) => html`<tr>
          <th scope="row">${attrName(a)}: ${valueLabel(lang, a, s.value)}</th>
          <td class="num"><${Count} value=${alt0(s.total).ac} /></td>
          <td class="num"><${Count} value=${s.total.an} /></td>
          <td class="num"><${AfText} af=${alt0(s.total).af} /></td>
          <td class="num"><${Count} value=${s.total.ns} /></td>
        </tr>`))}</tbody>
      </table>
    </details>`;
}

function CountsRow({ label, counts, header }) {
  const a = alt0(counts);
  return html`<tr>
    ${header ? html`<th scope="row">${label}</th>` : html`<td>${label}</td>`}
    <td class="num"><${Count} value=${a.ac} /></td>
    <td class="num"><${Count} value=${counts.an} /></td>
    <td class="num"><${AfText} af=${a.af} /></td>
    <td class="num"><${Count} value=${counts.ns} /></td>
    <td class="num"><${Count} value=${a.ac_het} /></td>
    <td class="num"><${Count} value=${a.ac_hom} /></td>
    <td class="num"><${Count} value=${a.ac_hemi} /></td>
  </tr>`;
}

function CountsHead({ first }) {
  const t = useT(M);
  return html`<thead><tr><th scope="col">${first}</th>
    ${['ac', 'an', 'af', 'ns', 'het', 'hom', 'hemi'].map((k) => html`<th scope="col" class="num">${t(`freq.${k}`)}</th>`)}
  </tr></thead>`;
}

// The on-demand panel: the shared cohort's frequencies for the looked-up selector.
function OnDemand({ selector, sitesById }) {
  const t = useT(M);
  const { user } = useSession();
  const [cohort] = useCohort();
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);
  const expression = cohort.expression.trim();

  useEffect(() => {
    if (!user || !selector) return;
    const mine = ++seq.current;
    setBusy(true);
    setError(null);
    post('/v1/freq', { ...selector, ...(expression ? { cohort: expression } : {}) })
      .then((r) => mine === seq.current && setAnswer(r), (e) => {
        if (mine !== seq.current) return;
        setAnswer(null);
        setError(e);
      })
      .finally(() => mine === seq.current && setBusy(false));
  }, [user, selector, expression]);

  return html`<section aria-labelledby="ondemand-h" class="panel" data-testid="ondemand"
    data-state=${busy ? 'busy' : answer ? 'ready' : 'idle'}>
    <h2 id="ondemand-h">${t('freq.ondemand')}</h2>
    <p>${t('freq.cohort')}: ${expression ? html`<code data-testid="ondemand-cohort">${expression}</code>` : t('freq.cohort.everyone')}
      ${' '}<a href="#/search">${t('freq.cohort.edit')}</a></p>
    ${!user && html`<p>${t('freq.cohort.signin')} <a href="#/signin">${t('nav.signin')}</a></p>`}
    ${user && !selector && html`<p class="hint">${t('freq.cohort.first')}</p>`}
    ${busy && html`<${Loading} />`}
    <${FreqError} error=${error} />
    ${user && answer && !busy && html`
      <${SiteNotes} answer=${answer} />
      <p>${t('freq.cohort.size')}: <strong><${Count} value=${answer.cohort_size.total} testid="ondemand-size" /></strong></p>
      <table data-testid="ondemand-table">
        <caption class="visually-hidden">${t('freq.ondemand')}</caption>
        <${CountsHead} first=${t('freq.variant.col')} />
        <tbody>${(answer.variants || []).map((v) => html`<${CountsRow} header=${true}
          label=${variantName(v)} counts=${v.total} />`)}</tbody>
      </table>
      ${answer.variants.length === 1 && html`<div>
        <table>
          <caption>${t('freq.by_site')}</caption>
          <${CountsHead} first=${t('freq.site')} />
          <tbody>${Object.entries(answer.variants[0].by_site || {}).map(([id, c]) =>
            html`<${CountsRow} header=${true} label=${sitesById.get(id) || id} counts=${c} />`)}</tbody>
        </table>
        <table>
          <caption>${t('freq.by_biobank')}</caption>
          <${CountsHead} first=${t('freq.biobank')} />
          <tbody>${Object.entries(answer.variants[0].by_biobank || {}).map(([id, c]) =>
            html`<${CountsRow} header=${true} label=${id} counts=${c} />`)}</tbody>
        </table>
      </div>`}
      <p><button type="button" class="secondary" data-testid="export-cohort"
        onClick=${() => downloadText(fileName(selector, 'freq'), freqTsv(answer))}>${t('freq.export.cohort')}</button></p>`}
  </section>`;
}

export function Freq({ path }) {
  const t = useT(M);
  const lang = useLang();
  const initial = new URLSearchParams((path || '').split('?')[1] || '').get('q') || '';
  const [text, setText] = useState(initial);
  const [bad, setBad] = useState(null); // the text that was not a selector
  const [selector, setSelector] = useState(null);
  const [strata, setStrata] = useState(null);
  const [everyone, setEveryone] = useState(null);
  const [chosen, setChosen] = useState(0);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const lookup = async (e) => {
    if (e) e.preventDefault();
    setError(null);
    const sel = parseSelector(text);
    if (!sel) {
      setBad(text.trim());
      return;
    }
    setBad(null);
    setBusy(true);
    setStrata(null);
    setEveryone(null);
    setChosen(0);
    try {
      const [s, f] = await Promise.all([post('/v1/strata', sel), post('/v1/freq', sel)]);
      setStrata(s);
      setEveryone(f);
      setSelector(sel);
    } catch (err) {
      setSelector(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (initial) lookup();
  }, []);

  const variants = strata?.variants || [];
  const variant = variants[chosen];
  const sitesById = new Map((strata?.sites || []).map((s) => [s.id, s.name || s.id]));
  const evAf = (v) => {
    const e = (everyone?.variants || []).find((x) => x.pos === v.pos && x.ref === v.ref && x.alt === v.alt && x.contig === v.contig);
    return e ? alt0(e.total).af : undefined;
  };
  return html`<section>
    <h1 tabindex="-1">${t('freq.title')}</h1>
    <p class="lead">${t('freq.lead')}</p>
    <form onSubmit=${lookup} class="lookup" novalidate>
      <div class="field">
        <label for="freq-q">${t('freq.input')}</label>
        <input id="freq-q" value=${text} onInput=${(e) => setText(e.currentTarget.value)}
          aria-describedby="freq-q-hint" aria-invalid=${bad !== null ? 'true' : 'false'} spellcheck="false"
          autocomplete="off" required />
        <p class="hint" id="freq-q-hint">${t('freq.input.hint')}</p>
      </div>
      <button type="submit" disabled=${busy}>${t('freq.lookup')}</button>
    </form>
    ${bad !== null && html`<div class="error" role="alert" data-testid="freq-bad"><p>${t('freq.bad', { text: bad })}</p></div>`}
    <${FreqError} error=${error} />
    ${busy && html`<${Loading} />`}
    ${strata && html`<section aria-labelledby="strata-h" data-testid="strata">
      <h2 id="strata-h">${t('freq.strata')}</h2>
      <${SiteNotes} answer=${strata} variant=${variant} />
      ${selector?.region && html`<table data-testid="variants-table">
        <caption>${t('freq.variants')} (${t('freq.variants.count', { n: formatNumber(lang, variants.length) })})</caption>
        <thead><tr><th scope="col">${t('freq.pos')}</th><th scope="col">${t('freq.ref')}</th><th scope="col">${t('freq.alt')}</th>
          <th scope="col" class="num">${t('freq.af')} (${t('freq.everyone')})</th><th scope="col"></th></tr></thead>
        <tbody>${variants.slice(0, 200).map((v, i) => html`<tr>
          <th scope="row">${v.contig}:${v.pos}</th><td>${v.ref}</td><td>${v.alt}</td>
          <td class="num"><${AfText} af=${evAf(v)} /></td>
          <td>${i === chosen ? html`<span aria-current="true">${t('freq.showing')}</span>`
            : html`<button type="button" class="small secondary" aria-label=${`${t('freq.show')}: ${variantName(v)}`}
              onClick=${() => setChosen(i)}>${t('freq.show')}</button>`}</td>
        </tr>`)}</tbody>
      </table>`}
      ${variant && html`<h3 data-testid="strata-variant">${t('freq.strata.of', { variant: variantName(variant) })}</h3>
        <${Strata} variant=${variant} everyone=${everyone} sites=${strata.sites} />`}
      <p><button type="button" class="secondary" data-testid="export-strata"
        onClick=${() => downloadText(fileName(selector, 'strata'), strataTsv(strata))}>${t('freq.export.strata')}</button></p>
    </section>`}
    <${OnDemand} selector=${selector} sitesById=${sitesById} />
  </section>`;
}
