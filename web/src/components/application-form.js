// The form for an application's content, one shape per kind (docs/applications.md): used to
// start one, to edit a draft or a returned one, and to propose an amendment. It checks what it
// can before sending (required fields, dates, ICD-10 codes); the hub checks everything again and
// its sentence is shown if it disagrees.
import { html, useState, useEffect } from '../html.js';
import { useT, useLang } from '../i18n.js';
import { get, post } from '../api.js';
import { Field, Select, ErrorBox } from './forms.js';
import { getCohort } from './cohort.js';
import {
  withCommon, PURPOSE_CATEGORIES, duoId, duoShort, duoLabel, conditionsText, FeasibilityTable,
} from './application-common.js';

const M = withCommon({
  ja: {
    'f.title': '課題名',
    'f.question': '件名',
    'f.institution': '所属機関(契約当事者)',
    'f.organisation': '組織の種類',
    'f.org.academic': '学術機関',
    'f.org.company': '企業',
    'f.purpose': '研究目的',
    'f.question.body': '問い合わせ内容',
    'f.plan': '研究計画',
    'f.plan.hint': '解析方法と、結果をどの形で拠点の外に出すかを書いてください。',
    'f.datasets': '利用を希望するデータセット',
    'f.datasets.none': '登録済みのデータセットがありません。',
    'f.datasets.conditions': 'データ利用条件',
    'f.sites': '利用を希望する拠点',
    'f.use': '利用目的の区分 (GA4GH DUO)',
    'f.category': '研究の区分',
    'f.category.choose': '選んでください',
    'f.diseases': '対象疾患 (ICD-10。複数はカンマ区切り)',
    'f.diseases.hint': '例: I10 または I10-I15。特定疾患の研究 (DS) のときだけ入力します。',
    'f.methods': '手法(ソフトウェア・アルゴリズム)の開発を含む',
    'f.commercial': '結果を商用に利用する',
    'f.forprofit': '申請者の組織は営利組織である',
    'f.genetic': '遺伝型データを使う(表現型のみの研究ではない)',
    'f.clinical': '臨床での利用を含む',
    'f.period_start': '利用開始日',
    'f.period_end': '利用終了日',
    'f.members': '共同利用者',
    'f.member.id': '利用者 ID (user:番号)',
    'f.member.name': '氏名',
    'f.member.add': '共同利用者を追加',
    'f.member.remove': '削除',
    'f.cohorts': '実現可能性確認用のコホート(1行に1つ)',
    'f.cohorts.hint': '例: age=60-69 & sex=male & disease=hypertension。横断検索で作った条件を貼り付けられます。',
    'f.cohorts.check': '今の人数を確認',
    'f.cohorts.fromsearch': '横断検索で作ったコホートを追加: {expr}',
    'f.cohorts.preview': '現在の人数(あなたの権限で見える値)',
    'f.save': '下書きを保存',
    'f.submit': '提出する',
    'f.submit.inquiry': '問い合わせを送る',
    'f.amend': '変更を申請する',
    'f.saved': '下書きを保存しました。',
    'v.summary': '入力を確認してください:',
    'v.required': '{field}を入力してください。',
    'v.one': '{field}を1つ以上選んでください。',
    'v.date_order': '利用終了日は利用開始日より後にしてください。',
    'v.icd': '{value} は ICD-10 コード(例: I10, C50.9)または範囲(例: I10-I15)ではありません。',
    'v.ds': '特定疾患の研究 (DS) では対象疾患を1つ以上入力してください。',
    'v.company': '企業からの申請では「営利組織である」にチェックしてください。',
    'v.member': '{n}行目の共同利用者の ID を入力してください。',
  },
  en: {
    'f.title': 'Project title',
    'f.question': 'Subject',
    'f.institution': 'Institution (party to the contract)',
    'f.organisation': 'Kind of organisation',
    'f.org.academic': 'Academic',
    'f.org.company': 'Company',
    'f.purpose': 'Purpose of the research',
    'f.question.body': 'Your question',
    'f.plan': 'Research plan',
    'f.plan.hint': 'How you will analyse the data, and in what form results leave the sites.',
    'f.datasets': 'Datasets requested',
    'f.datasets.none': 'No dataset is registered.',
    'f.datasets.conditions': 'data-use conditions',
    'f.sites': 'Sites requested',
    'f.use': 'Intended use (GA4GH DUO)',
    'f.category': 'Kind of research',
    'f.category.choose': 'Choose one',
    'f.diseases': 'Diseases studied (ICD-10, comma-separated)',
    'f.diseases.hint': 'For example I10 or I10-I15. Only for disease-specific research (DS).',
    'f.methods': 'Includes developing methods (software, algorithms)',
    'f.commercial': 'Results will be used commercially',
    'f.forprofit': 'My organisation is for-profit',
    'f.genetic': 'Uses genotypes (not phenotype-only research)',
    'f.clinical': 'Includes use in clinical care',
    'f.period_start': 'Start of use',
    'f.period_end': 'End of use',
    'f.members': 'Members',
    'f.member.id': 'User id (user:number)',
    'f.member.name': 'Name',
    'f.member.add': 'Add a member',
    'f.member.remove': 'Remove',
    'f.cohorts': 'Cohorts for the feasibility check (one per line)',
    'f.cohorts.hint': 'For example age=60-69 & sex=male & disease=hypertension. Paste a cohort built in cross-search.',
    'f.cohorts.check': 'Check counts now',
    'f.cohorts.fromsearch': 'Add the cohort built in cross-search: {expr}',
    'f.cohorts.preview': 'Counts now (as your account may see them)',
    'f.save': 'Save draft',
    'f.submit': 'Submit',
    'f.submit.inquiry': 'Send the question',
    'f.amend': 'Propose the amendment',
    'f.saved': 'Draft saved.',
    'v.summary': 'Please check the form:',
    'v.required': 'Fill in “{field}”.',
    'v.one': 'Choose at least one in “{field}”.',
    'v.date_order': 'The end of use must be after its start.',
    'v.icd': '{value} is not an ICD-10 code (such as I10 or C50.9) or range (such as I10-I15).',
    'v.ds': 'Disease-specific research (DS) needs at least one disease.',
    'v.company': 'An application from a company must tick “My organisation is for-profit”.',
    'v.member': 'Fill in the user id of member {n}.',
  },
});

const ICD = /^[A-Z]\d{2}(\.\d{1,2})?(-[A-Z]\d{2}(\.\d{1,2})?)?$/;

// The form's state from an application's content (or nothing, for a new one).
export function formState(content) {
  const c = content || {};
  const use = c.intended_use || {};
  return {
    title: c.title || '',
    institution: c.institution || '',
    organisation: c.organisation || 'academic',
    purpose: c.purpose || '',
    research_plan: c.research_plan || '',
    datasets: c.datasets || [],
    sites: c.sites || [],
    category: use.category ? duoShort(use.category) : '',
    diseases: (use.diseases || []).join(', '),
    methods_development: !!use.methods_development,
    commercial_use: !!use.commercial_use,
    for_profit_organisation: !!use.for_profit_organisation,
    genetic_study: use.genetic_study !== false,
    clinical_care: !!use.clinical_care,
    period_start: c.period_start || '',
    period_end: c.period_end || '',
    members: (c.members || []).map((m) => ({ user_id: m.user_id, name: m.name || '' })),
    cohorts: (c.cohorts || []).join('\n'),
  };
}

function diseaseList(text) {
  return text.split(/[,、\s]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
}

// The content to send for `kind`: only the fields the kind takes, empty ones left out (a draft
// may be incomplete).
export function contentOf(kind, s) {
  const c = { title: s.title.trim(), purpose: s.purpose.trim() };
  if (kind === 'inquiry') return c;
  c.institution = s.institution.trim();
  c.organisation = s.organisation;
  if (s.research_plan.trim()) c.research_plan = s.research_plan.trim();
  c.members = s.members.filter((m) => m.user_id.trim() || m.name.trim())
    .map((m) => ({ user_id: m.user_id.trim(), name: m.name.trim() }));
  if (s.period_start) c.period_start = s.period_start;
  if (s.period_end) c.period_end = s.period_end;
  if (kind === 'data_use' || kind === 'processing_node_use') c.sites = s.sites;
  if (kind === 'data_use') {
    c.datasets = s.datasets;
    if (s.category) {
      c.intended_use = {
        category: duoId(s.category),
        diseases: s.category === 'DS' ? diseaseList(s.diseases) : [],
        methods_development: s.methods_development,
        commercial_use: s.commercial_use,
        for_profit_organisation: s.for_profit_organisation,
        genetic_study: s.genetic_study,
        clinical_care: s.clinical_care,
      };
    }
    c.cohorts = s.cohorts.split('\n').map((x) => x.trim()).filter(Boolean);
  }
  return c;
}

// Every problem the form can see before submitting, as [fieldId, sentence].
export function validate(kind, s, t) {
  const out = [];
  const req = (id, key, value) => {
    if (!String(value).trim()) out.push([id, t('v.required', { field: t(key) })]);
  };
  if (kind === 'inquiry') {
    req('app-title', 'f.question', s.title);
    req('app-purpose', 'f.question.body', s.purpose);
    return out;
  }
  req('app-title', 'f.title', s.title);
  req('app-institution', 'f.institution', s.institution);
  req('app-purpose', 'f.purpose', s.purpose);
  if (kind === 'data_use' || kind === 'processing_node_use') req('app-plan', 'f.plan', s.research_plan);
  if (kind === 'data_use' && s.datasets.length === 0) out.push(['app-datasets', t('v.one', { field: t('f.datasets') })]);
  if ((kind === 'data_use' || kind === 'processing_node_use') && s.sites.length === 0) {
    out.push(['app-sites', t('v.one', { field: t('f.sites') })]);
  }
  if (kind === 'data_use') {
    if (!s.category) out.push(['app-category', t('v.required', { field: t('f.category') })]);
    if (s.category === 'DS') {
      const ds = diseaseList(s.diseases);
      if (ds.length === 0) out.push(['app-diseases', t('v.ds')]);
      for (const d of ds) if (!ICD.test(d)) out.push(['app-diseases', t('v.icd', { value: d })]);
    }
    if (s.organisation === 'company' && !s.for_profit_organisation) out.push(['app-forprofit', t('v.company')]);
  }
  req('app-period-start', 'f.period_start', s.period_start);
  req('app-period-end', 'f.period_end', s.period_end);
  if (s.period_start && s.period_end && s.period_end <= s.period_start) out.push(['app-period-end', t('v.date_order')]);
  s.members.forEach((m, i) => {
    if (!m.user_id.trim() && m.name.trim()) out.push([`member-id-${i}`, t('v.member', { n: i + 1 })]);
  });
  return out;
}

// Live counts for the cohorts typed, from cross-search at the caller's tier: the same numbers
// the secretariat's feasibility check will attach.
function CohortPreview({ cohorts }) {
  const t = useT(M);
  const [counts, setCounts] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setError(null);
    setBusy(true);
    const rows = [];
    try {
      for (let i = 0; i < cohorts.length; i++) {
        const r = await post('/v1/search', { cohort: cohorts[i] });
        const bySite = (r.cohort_size && r.cohort_size.by_site) || {};
        const status = Object.fromEntries((r.sites || []).map((x) => [x.id, x.status]));
        for (const [site, v] of Object.entries(bySite)) {
          const down = status[site] && status[site] !== 'ok';
          rows.push({ site, cohort: i, count: v ?? 0, suppressed: !down && v === null, unavailable: down });
        }
      }
      setCounts(rows);
    } catch (e) {
      setError(e);
      setCounts(null);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="cohort-preview">
    <button type="button" class="secondary" onClick=${run} disabled=${busy || cohorts.length === 0}>
      ${t('f.cohorts.check')}</button>
    <${ErrorBox} error=${error} />
    ${counts && html`<${FeasibilityTable} cohorts=${cohorts} counts=${counts} caption=${t('f.cohorts.preview')} />`}
  </div>`;
}

// <ApplicationForm kind content mode="new|edit|amend" onSave onSubmit busy error notice/>:
// onSave(content) keeps a draft; onSubmit(content) is called only when the form is valid.
export function ApplicationForm({ kind, content, mode, onSave, onSubmit, busy, error, notice }) {
  const t = useT(M);
  const lang = useLang();
  const [s, setS] = useState(() => formState(content));
  const [problems, setProblems] = useState([]);
  const [datasets, setDatasets] = useState(null);
  const [sites, setSites] = useState(null);
  const set = (k) => (v) => setS((old) => ({ ...old, [k]: v }));
  const needsSites = kind === 'data_use' || kind === 'processing_node_use';

  useEffect(() => {
    if (kind === 'data_use') {
      get('/v1/datasets').then((r) => setDatasets(r.datasets || []), () => setDatasets([]));
    }
    if (needsSites) get('/v1/sites').then((r) => setSites(r.sites || []), () => setSites([]));
  }, [kind]);

  const toggle = (key, id, on) =>
    setS((old) => {
      const list = old[key].filter((x) => x !== id);
      if (on) list.push(id);
      const next = { ...old, [key]: list };
      // A dataset is held at one site: requesting it requests that site too.
      if (key === 'datasets' && on && datasets) {
        const d = datasets.find((x) => x.dataset_id === id);
        if (d && !next.sites.includes(d.site)) next.sites = [...next.sites, d.site];
      }
      return next;
    });

  const problemFor = (id) => problems.filter((p) => p[0] === id).map((p) => p[1]);
  const invalid = (id) => (problemFor(id).length ? 'true' : undefined);
  const errText = (id) =>
    problemFor(id).length ? html`<p class="field-error" id=${id + '-error'}>${problemFor(id).join(' ')}</p>` : null;

  const submit = (e) => {
    e.preventDefault();
    const found = validate(kind, s, t);
    setProblems(found);
    if (found.length) {
      requestAnimationFrame(() => document.getElementById('app-problems')?.focus());
      return;
    }
    onSubmit(contentOf(kind, s));
  };
  const save = () => {
    const found = String(s.title).trim() ? [] : [['app-title', t('v.required', { field: t(kind === 'inquiry' ? 'f.question' : 'f.title') })]];
    setProblems(found);
    if (found.length) return;
    onSave(contentOf(kind, s));
  };

  const check = (id, key, label) => html`<label class="check"><input type="checkbox" id=${id}
    checked=${s[key]} onChange=${(e) => set(key)(e.currentTarget.checked)}
    aria-invalid=${invalid(id)} /> ${t(label)}</label>`;

  const cohorts = s.cohorts.split('\n').map((x) => x.trim()).filter(Boolean);
  const built = ((getCohort() || {}).expression || '').trim();
  const inquiry = kind === 'inquiry';

  return html`<form class="app-form" onSubmit=${submit} novalidate>
    ${problems.length > 0 && html`<div class="error" id="app-problems" tabindex="-1" role="alert">
      <p>${t('v.summary')}</p>
      <ul>${problems.map(([id, msg]) => html`<li><a href=${'#' + id} onClick=${(e) => {
        e.preventDefault();
        document.getElementById(id)?.focus();
      }}>${msg}</a></li>`)}</ul>
    </div>`}
    <${Field} id="app-title" label=${t(inquiry ? 'f.question' : 'f.title')} value=${s.title}
      onInput=${set('title')} required aria-invalid=${invalid('app-title')} />
    ${errText('app-title')}
    ${!inquiry && html`
      <${Field} id="app-institution" label=${t('f.institution')} value=${s.institution}
        onInput=${set('institution')} required aria-invalid=${invalid('app-institution')} />
      ${errText('app-institution')}
      <${Select} id="app-organisation" label=${t('f.organisation')} value=${s.organisation}
        onChange=${set('organisation')}
        options=${[{ value: 'academic', label: t('f.org.academic') }, { value: 'company', label: t('f.org.company') }]} />`}
    <${Field} id="app-purpose" label=${t(inquiry ? 'f.question.body' : 'f.purpose')} rows="4"
      value=${s.purpose} onInput=${set('purpose')} required aria-invalid=${invalid('app-purpose')} />
    ${errText('app-purpose')}
    ${!inquiry && html`
      <${Field} id="app-plan" label=${t('f.plan')} hint=${t('f.plan.hint')} rows="6"
        value=${s.research_plan} onInput=${set('research_plan')} required=${needsSites}
        aria-invalid=${invalid('app-plan')} />
      ${errText('app-plan')}`}
    ${kind === 'data_use' && html`<fieldset id="app-datasets" tabindex="-1" aria-invalid=${invalid('app-datasets')}>
      <legend>${t('f.datasets')}</legend>
      ${datasets === null ? html`<p class="loading">${t('common.loading')}</p>`
        : datasets.length === 0 ? html`<p>${t('f.datasets.none')}</p>`
        : datasets.map((d) => html`<label class="check"><input type="checkbox" id=${'ds-' + d.dataset_id}
            checked=${s.datasets.includes(d.dataset_id)}
            onChange=${(e) => toggle('datasets', d.dataset_id, e.currentTarget.checked)} />
            <strong>${d.dataset_id}</strong> — ${(d.description && d.description.title) || ''}
            <span class="muted"> (${d.site}; ${t('f.datasets.conditions')}: ${conditionsText(d.description && d.description.data_use)})</span>
          </label>`)}
      ${s.datasets.filter((id) => datasets && !datasets.some((d) => d.dataset_id === id)).map((id) =>
        html`<label class="check"><input type="checkbox" id=${'ds-' + id} checked
          onChange=${(e) => toggle('datasets', id, e.currentTarget.checked)} /> <strong>${id}</strong></label>`)}
      ${errText('app-datasets')}
    </fieldset>`}
    ${needsSites && html`<fieldset id="app-sites" tabindex="-1" aria-invalid=${invalid('app-sites')}>
      <legend>${t('f.sites')}</legend>
      ${sites === null ? html`<p class="loading">${t('common.loading')}</p>`
        : sites.map((x) => html`<label class="check"><input type="checkbox" id=${'site-' + x.id}
            checked=${s.sites.includes(x.id)}
            onChange=${(e) => toggle('sites', x.id, e.currentTarget.checked)} />
            ${x.name} (${x.id})</label>`)}
      ${errText('app-sites')}
    </fieldset>`}
    ${kind === 'data_use' && html`<fieldset>
      <legend>${t('f.use')}</legend>
      <${Select} id="app-category" label=${t('f.category')} value=${s.category} onChange=${set('category')}
        aria-invalid=${invalid('app-category')}
        options=${[{ value: '', label: t('f.category.choose') },
          ...PURPOSE_CATEGORIES.map((c) => ({ value: c, label: duoLabel(lang, c) }))]} />
      ${errText('app-category')}
      ${s.category === 'DS' && html`
        <${Field} id="app-diseases" label=${t('f.diseases')} hint=${t('f.diseases.hint')}
          value=${s.diseases} onInput=${set('diseases')} aria-invalid=${invalid('app-diseases')} />
        ${errText('app-diseases')}`}
      ${check('app-methods', 'methods_development', 'f.methods')}
      ${check('app-commercial', 'commercial_use', 'f.commercial')}
      ${check('app-forprofit', 'for_profit_organisation', 'f.forprofit')}
      ${errText('app-forprofit')}
      ${check('app-genetic', 'genetic_study', 'f.genetic')}
      ${check('app-clinical', 'clinical_care', 'f.clinical')}
    </fieldset>`}
    ${!inquiry && html`<div class="grid">
      <div>
        <${Field} id="app-period-start" type="date" label=${t('f.period_start')} value=${s.period_start}
          onInput=${set('period_start')} required aria-invalid=${invalid('app-period-start')} />
        ${errText('app-period-start')}
      </div>
      <div>
        <${Field} id="app-period-end" type="date" label=${t('f.period_end')} value=${s.period_end}
          onInput=${set('period_end')} required aria-invalid=${invalid('app-period-end')} />
        ${errText('app-period-end')}
      </div>
    </div>
    <fieldset>
      <legend>${t('f.members')}</legend>
      ${s.members.map((m, i) => html`<div class="member-row">
        <${Field} id=${'member-id-' + i} label=${t('f.member.id')} value=${m.user_id}
          aria-invalid=${invalid('member-id-' + i)}
          onInput=${(v) => set('members')(s.members.map((x, j) => (j === i ? { ...x, user_id: v } : x)))} />
        <${Field} id=${'member-name-' + i} label=${t('f.member.name')} value=${m.name}
          onInput=${(v) => set('members')(s.members.map((x, j) => (j === i ? { ...x, name: v } : x)))} />
        <button type="button" class="secondary small" aria-label=${`${t('f.member.remove')}: ${m.name || m.user_id || i + 1}`}
          onClick=${() => set('members')(s.members.filter((_, j) => j !== i))}>${t('f.member.remove')}</button>
        ${errText('member-id-' + i)}
      </div>`)}
      <button type="button" class="secondary small"
        onClick=${() => set('members')([...s.members, { user_id: '', name: '' }])}>${t('f.member.add')}</button>
    </fieldset>`}
    ${kind === 'data_use' && html`
      <${Field} id="app-cohorts" label=${t('f.cohorts')} hint=${t('f.cohorts.hint')} rows="3"
        value=${s.cohorts} onInput=${set('cohorts')} />
      ${built && !cohorts.includes(built) && html`<p><button type="button" class="secondary small" data-testid="add-search-cohort"
        onClick=${() => set('cohorts')([...cohorts, built].join('\n'))}>${t('f.cohorts.fromsearch', { expr: built })}</button></p>`}
      <${CohortPreview} cohorts=${cohorts} />`}
    <${ErrorBox} error=${error} />
    ${notice && html`<div class="notice" role="status">${notice}</div>`}
    <div class="buttons">
      ${mode !== 'amend' && !inquiry && html`<button type="button" class="secondary" onClick=${save}
        disabled=${busy}>${t('f.save')}</button>`}
      <button type="submit" disabled=${busy}>
        ${t(mode === 'amend' ? 'f.amend' : inquiry ? 'f.submit.inquiry' : 'f.submit')}</button>
    </div>
  </form>`;
}

export { M as FORM_MESSAGES };
