// The current cohort, shared by the cross-search page (which builds it) and the frequencies page
// (which asks for its on-demand frequencies), kept for the tab's life in sessionStorage; the
// attribute vocabularies with Japanese and English names; composing the cohort language
// (docs/cohort-language.md) from the builder's controls; and the small pieces both pages show
// (guarded counts, a chart with its table, a TSV download).
import { html, useState, useEffect } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';

// ---- vocabularies -------------------------------------------------------------------------

export const AGE_BANDS = ['0-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69', '70-79',
  '80-89', '90+'];

export const SEXES = [
  { value: 'male', ja: '男性', en: 'Male' },
  { value: 'female', ja: '女性', en: 'Female' },
  { value: 'unknown', ja: '不明', en: 'Unknown' },
];

export const REGIONS = [
  { value: 'hokkaido', ja: '北海道', en: 'Hokkaido' },
  { value: 'tohoku', ja: '東北', en: 'Tohoku' },
  { value: 'kanto', ja: '関東', en: 'Kanto' },
  { value: 'chubu', ja: '中部', en: 'Chubu' },
  { value: 'kinki', ja: '近畿', en: 'Kinki' },
  { value: 'chugoku', ja: '中国', en: 'Chugoku' },
  { value: 'shikoku', ja: '四国', en: 'Shikoku' },
  { value: 'kyushu-okinawa', ja: '九州・沖縄', en: 'Kyushu-Okinawa' },
];

// JIS X 0401 order: code = index + 1. [Japanese, English, region]
const PREF = [
  ['北海道', 'Hokkaido', 'hokkaido'], ['青森県', 'Aomori', 'tohoku'], ['岩手県', 'Iwate', 'tohoku'],
  ['宮城県', 'Miyagi', 'tohoku'], ['秋田県', 'Akita', 'tohoku'], ['山形県', 'Yamagata', 'tohoku'],
  ['福島県', 'Fukushima', 'tohoku'], ['茨城県', 'Ibaraki', 'kanto'], ['栃木県', 'Tochigi', 'kanto'],
  ['群馬県', 'Gunma', 'kanto'], ['埼玉県', 'Saitama', 'kanto'], ['千葉県', 'Chiba', 'kanto'],
  ['東京都', 'Tokyo', 'kanto'], ['神奈川県', 'Kanagawa', 'kanto'], ['新潟県', 'Niigata', 'chubu'],
  ['富山県', 'Toyama', 'chubu'], ['石川県', 'Ishikawa', 'chubu'], ['福井県', 'Fukui', 'chubu'],
  ['山梨県', 'Yamanashi', 'chubu'], ['長野県', 'Nagano', 'chubu'], ['岐阜県', 'Gifu', 'chubu'],
  ['静岡県', 'Shizuoka', 'chubu'], ['愛知県', 'Aichi', 'chubu'], ['三重県', 'Mie', 'kinki'],
  ['滋賀県', 'Shiga', 'kinki'], ['京都府', 'Kyoto', 'kinki'], ['大阪府', 'Osaka', 'kinki'],
  ['兵庫県', 'Hyogo', 'kinki'], ['奈良県', 'Nara', 'kinki'], ['和歌山県', 'Wakayama', 'kinki'],
  ['鳥取県', 'Tottori', 'chugoku'], ['島根県', 'Shimane', 'chugoku'], ['岡山県', 'Okayama', 'chugoku'],
  ['広島県', 'Hiroshima', 'chugoku'], ['山口県', 'Yamaguchi', 'chugoku'], ['徳島県', 'Tokushima', 'shikoku'],
  ['香川県', 'Kagawa', 'shikoku'], ['愛媛県', 'Ehime', 'shikoku'], ['高知県', 'Kochi', 'shikoku'],
  ['福岡県', 'Fukuoka', 'kyushu-okinawa'], ['佐賀県', 'Saga', 'kyushu-okinawa'],
  ['長崎県', 'Nagasaki', 'kyushu-okinawa'], ['熊本県', 'Kumamoto', 'kyushu-okinawa'],
  ['大分県', 'Oita', 'kyushu-okinawa'], ['宮崎県', 'Miyazaki', 'kyushu-okinawa'],
  ['鹿児島県', 'Kagoshima', 'kyushu-okinawa'], ['沖縄県', 'Okinawa', 'kyushu-okinawa'],
];
export const PREFECTURES = PREF.map(([ja, en, region], i) => ({ value: String(i + 1), ja, en, region }));

// The disease groups of the cohort language (src/cohort/disease_terms.cc), for facet labels.
export const DISEASE_GROUPS = {
  dementia: ['認知症', 'Dementia'],
  alzheimers: ['アルツハイマー病', "Alzheimer's disease"],
  'type2-diabetes': ['2型糖尿病', 'Type 2 diabetes'],
  'type1-diabetes': ['1型糖尿病', 'Type 1 diabetes'],
  diabetes: ['糖尿病', 'Diabetes mellitus'],
  hypertension: ['高血圧', 'Hypertensive diseases'],
  'ischaemic-heart-disease': ['虚血性心疾患', 'Ischaemic heart disease'],
  stroke: ['脳卒中', 'Stroke'],
  'heart-failure': ['心不全', 'Heart failure'],
  'atrial-fibrillation': ['心房細動', 'Atrial fibrillation'],
  asthma: ['喘息', 'Asthma'],
  copd: ['慢性閉塞性肺疾患', 'COPD'],
  ckd: ['慢性腎臓病', 'Chronic kidney disease'],
  depression: ['うつ病', 'Depression'],
  schizophrenia: ['統合失調症', 'Schizophrenia'],
  parkinsons: ['パーキンソン病', "Parkinson's disease"],
  epilepsy: ['てんかん', 'Epilepsy'],
  obesity: ['肥満症', 'Obesity'],
  dyslipidaemia: ['脂質異常症', 'Dyslipidaemia'],
  gout: ['痛風', 'Gout'],
  'rheumatoid-arthritis': ['関節リウマチ', 'Rheumatoid arthritis'],
  osteoporosis: ['骨粗鬆症', 'Osteoporosis'],
  cancer: ['がん', 'Malignant neoplasms'],
  'gastric-cancer': ['胃癌', 'Gastric cancer'],
  'colorectal-cancer': ['大腸癌', 'Colorectal cancer'],
  'lung-cancer': ['肺癌', 'Lung cancer'],
  'breast-cancer': ['乳癌', 'Breast cancer'],
  'prostate-cancer': ['前立腺癌', 'Prostate cancer'],
  'liver-cancer': ['肝癌', 'Liver cancer'],
  'pancreatic-cancer': ['膵癌', 'Pancreatic cancer'],
  'oesophageal-cancer': ['食道癌', 'Oesophageal cancer'],
};

// The label of an attribute's value (a facet or stratum) in `lang`.
export function valueLabel(lang, attribute, value) {
  const pick = (list) => {
    const v = list.find((x) => x.value === value);
    return v ? v[lang] : value;
  };
  if (attribute === 'age') return lang === 'ja' ? `${value}歳` : value;
  if (attribute === 'sex') return pick(SEXES);
  if (attribute === 'region') return pick(REGIONS);
  if (attribute === 'prefecture') return pick(PREFECTURES);
  if (attribute === 'disease' || attribute === 'disease_group') {
    const g = DISEASE_GROUPS[value];
    return g ? g[lang === 'ja' ? 0 : 1] : value;
  }
  if (attribute === 'icd10_chapter') return lang === 'ja' ? `第${value}章` : `Chapter ${value}`;
  return value;
}

// ---- the shared cohort --------------------------------------------------------------------

const STORAGE_KEY = 'renkei.cohort';
export const EMPTY_CONTROLS = { age: [], sex: [], region: [], prefecture: [], disease: [], biobank: [] };
const EMPTY = { controls: EMPTY_CONTROLS, expression: '', edited: false };

function load() {
  try {
    const s = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
    if (s && typeof s.expression === 'string' && s.controls) {
      return { ...EMPTY, ...s, controls: { ...EMPTY_CONTROLS, ...s.controls } };
    }
  } catch {
    // A broken saved cohort is forgotten.
  }
  return EMPTY;
}

let current = load();
const listeners = new Set();

export function getCohort() {
  return current;
}

export function setCohort(next) {
  current = next;
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  } catch {
    // Storage full or off: the cohort still lives for this page.
  }
  for (const f of listeners) f(next);
}

// [cohort, setCohort]: {controls, expression, edited}. Every page using it re-renders on change.
export function useCohort() {
  const [state, setState] = useState(current);
  useEffect(() => {
    listeners.add(setState);
    setState(current);
    return () => listeners.delete(setState);
  }, []);
  return [state, setCohort];
}

// A value as the cohort language reads it: quoted when it has a space or an operator.
export function quoteValue(v) {
  if (/^[^\s&|,()!"=\\]+$/.test(v)) return v;
  return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

// The expression for the builder's controls ('' = everyone). Within an attribute values are
// alternatives; attributes are combined with &; a region and a prefecture are alternatives too
// (where someone lives).
export function composeCohort(c) {
  const parts = [];
  const list = (attr, values) => `${attr}=${values.map(quoteValue).join(',')}`;
  if (c.age.length) parts.push(list('age', c.age));
  if (c.sex.length) parts.push(list('sex', c.sex));
  const place = [];
  if (c.region.length) place.push(list('region', c.region));
  if (c.prefecture.length) place.push(list('prefecture', c.prefecture));
  if (place.length === 1) parts.push(place[0]);
  if (place.length === 2) parts.push(`(${place.join(' | ')})`);
  if (c.disease.length) parts.push(`disease=${c.disease.map((d) => d.term).join(',')}`);
  if (c.biobank.length) parts.push(list('biobank', c.biobank));
  return parts.join(' & ');
}

// ---- shared display pieces ----------------------------------------------------------------

// A guarded count: a number, or "suppressed" (never 0) when the privacy guard withheld it.
export function Count({ value, testid }) {
  const t = useT();
  const lang = useLang();
  if (typeof value !== 'number') {
    return html`<span class="suppressed" title=${t('common.suppressed.help')} data-testid=${testid}
      data-value="suppressed">${t('common.suppressed')}</span>`;
  }
  return html`<span data-testid=${testid} data-value=${value}>${formatNumber(lang, value)}</span>`;
}

// An allele frequency as text: 4 significant digits, or "suppressed".
export function formatAf(lang, af) {
  if (typeof af !== 'number') return null;
  if (af === 0) return '0';
  return af < 0.001 ? af.toExponential(2) : formatNumber(lang, af, 4);
}

// A chart with its data as a table beneath (the text alternative), folded by default.
export function ChartWithTable({ chart, caption, head, rows }) {
  const t = useT(M);
  return html`<div class="chart-block">
    ${chart}
    <details class="chart-table">
      <summary>${t('chart.table')}: ${caption}</summary>
      <table>
        <caption class="visually-hidden">${caption}</caption>
        <thead><tr>${head.map((h, i) => html`<th scope="col" class=${i ? 'num' : ''}>${h}</th>`)}</tr></thead>
        <tbody>${rows.map((r) => html`<tr>
          <th scope="row">${r[0]}</th>
          ${r.slice(1).map((c) => html`<td class="num">${c}</td>`)}
        </tr>`)}</tbody>
      </table>
    </details>
  </div>`;
}

const M = {
  ja: { 'chart.table': '表で見る' },
  en: { 'chart.table': 'As a table' },
};

// Offers `text` as a file download made in the browser (no request to the hub).
export function downloadText(filename, text, type = 'text/tab-separated-values') {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// The sites of an answer that did not answer, by name.
export function unavailableSites(answer) {
  return (answer?.sites || []).filter((s) => s.status === 'unavailable').map((s) => s.name || s.id);
}
