// Administration › metadata registration (メタデータ登録) for site staff (docs/metadata.md): pick a
// dataset of your site or a new id, describe it (JGA-style fields and DUO data-use conditions),
// read a samples file in the browser, check it (POST /v1/datasets/{id}/check: every problem line
// by line), then register the next version (POST /v1/datasets/{id}/versions) and follow it in
// the version history until the site's node has applied it.
import { html, useState, useEffect, useRef } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';
import { get, post, ApiError } from '../api.js';
import { useSession, hasRole } from '../session.js';
import { Field, Select, ErrorBox, Loading, Notice } from '../components/forms.js';
import { TableScroll } from '../components/admin-ui.js';

const M = {
  ja: {
    'md.intro': '拠点が保有するデータセットの説明と検体メタデータ(4属性)を登録します。登録した版は拠点のノードに送られ、再起動なしで反映されます。',
    'md.platform.only': 'メタデータの登録は各拠点の拠点管理者が行います。登録済みのデータセットの一覧を表示しています。',
    'md.site': '拠点',
    'md.dataset': 'データセット',
    'md.dataset.choose': '選択してください',
    'md.dataset.registered': '{id}(第{v}版、{n} 検体)',
    'md.dataset.unregistered': '{id}(ノードにあり・未登録)',
    'md.dataset.new': '新しいデータセット ID を入力…',
    'md.newid': '新しいデータセット ID',
    'md.newid.hint': '半角英小文字・数字・_・- のみ(例: tmm-tohoku)。最初に登録した拠点のものになります。',
    'md.description.h': 'データセットの説明(JGA 形式)',
    'md.title': 'データセット名',
    'md.description': '説明',
    'md.study.title': '研究名',
    'md.study.abstract': '研究の概要',
    'md.study.type': '研究の種類(例: cohort)',
    'md.policy': 'データ利用ポリシー',
    'md.dac.name': 'データ利用審査会(DAC)の名称',
    'md.dac.contact': 'DAC の連絡先',
    'md.sequencing': 'シーケンス',
    'md.seq.platform': '機器',
    'md.seq.strategy': '手法(例: WGS)',
    'md.seq.coverage': 'カバレッジ(例: 30x)',
    'md.analysis': '解析',
    'md.an.reference': '参照配列(例: GRCh38)',
    'md.an.pipeline': 'パイプライン',
    'md.optional': '任意',
    'md.duo.h': 'データ利用条件(GA4GH DUO)',
    'md.duo.permission': '利用目的の範囲(1つ選択)',
    'md.duo.diseases': '対象疾患(ICD-10、カンマ区切り、例: F00-F03, E11)',
    'md.duo.modifiers': '追加の条件',
    'md.duo.parameter': '{term} の内容',
    'md.samples.h': '検体ファイル',
    'md.samples.file': '検体ファイル(タブ区切り: sample_id, biobank, age_band, sex, prefecture, icd10)',
    'md.samples.hint': 'ファイルはこのブラウザで読み込まれ、確認と登録のときだけハブに送られます。最大 16 MiB。',
    'md.samples.read': '{name}: {lines} 行、{size}',
    'md.check': '内容を確認する',
    'md.register': '第{v}版として登録する',
    'md.register.needs': '登録するには、まず内容を確認し、問題がないことを確かめてください。',
    'md.report.h': '確認結果',
    'md.report.ok': '問題はありません。{n} 検体を登録できます。',
    'md.report.bad': '{n} 件の問題があります。ファイルまたは説明を修正して、もう一度確認してください。',
    'md.report.where': '場所',
    'md.report.content': '該当行の内容',
    'md.report.problem': '問題',
    'md.report.line': '{line} 行目',
    'md.report.file': 'ファイル全体',
    'md.report.biobanks': 'バイオバンク別',
    'md.report.changes': '現在の版からの変更',
    'md.changes.fields': '変更された項目: {fields}',
    'md.changes.samples': '追加 {a} 件・削除 {r} 件・変更 {c} 件',
    'md.changes.none': '変更なし',
    'md.registered': '第{v}版を登録しました。拠点のノードへの反映状況は下の版の履歴に表示されます。',
    'md.stale': '確認した後に内容を変えました。もう一度確認してください。',
    'md.versions.h': '版の履歴',
    'md.versions.none': 'まだ登録された版はありません。',
    'md.v.version': '版',
    'md.v.when': '登録日時 (UTC)',
    'md.v.who': '登録者',
    'md.v.samples': '検体数',
    'md.v.changes': '変更内容',
    'md.v.node': 'ノードへの反映',
    'md.node.pending': '送信中',
    'md.node.applied': '反映済み',
    'md.node.failed': '失敗',
    'md.list.h': '登録済みのデータセット',
    'md.list.none': '登録済みのデータセットはありません。',
  },
  en: {
    'md.intro': "Describe your site's datasets and keep their sample metadata (the four attributes) up to date. Each version you register is sent to your site's node and takes effect without a restart.",
    'md.platform.only': "Metadata are registered by each site's administrators. These are the registered datasets.",
    'md.site': 'Site',
    'md.dataset': 'Dataset',
    'md.dataset.choose': 'Choose…',
    'md.dataset.registered': '{id} (version {v}, {n} samples)',
    'md.dataset.unregistered': '{id} (on the node, not registered yet)',
    'md.dataset.new': 'Enter a new dataset id…',
    'md.newid': 'New dataset id',
    'md.newid.hint': 'Lower-case letters, digits, _ and - only (e.g. tmm-tohoku). It belongs to the site that registers it first.',
    'md.description.h': 'Description (JGA style)',
    'md.title': 'Dataset title',
    'md.description': 'Description',
    'md.study.title': 'Study title',
    'md.study.abstract': 'Study abstract',
    'md.study.type': 'Study type (e.g. cohort)',
    'md.policy': 'Data use policy',
    'md.dac.name': 'Data access committee (DAC) name',
    'md.dac.contact': 'DAC contact',
    'md.sequencing': 'Sequencing',
    'md.seq.platform': 'Platform',
    'md.seq.strategy': 'Strategy (e.g. WGS)',
    'md.seq.coverage': 'Coverage (e.g. 30x)',
    'md.analysis': 'Analysis',
    'md.an.reference': 'Reference (e.g. GRCh38)',
    'md.an.pipeline': 'Pipeline',
    'md.optional': 'optional',
    'md.duo.h': 'Data-use conditions (GA4GH DUO)',
    'md.duo.permission': 'Permitted use (choose one)',
    'md.duo.diseases': 'Diseases (ICD-10, comma-separated, e.g. F00-F03, E11)',
    'md.duo.modifiers': 'Further conditions',
    'md.duo.parameter': 'Details of {term}',
    'md.samples.h': 'Samples file',
    'md.samples.file': 'Samples file (tab-separated: sample_id, biobank, age_band, sex, prefecture, icd10)',
    'md.samples.hint': 'The file is read in this browser and sent to the hub only to check and register it. At most 16 MiB.',
    'md.samples.read': '{name}: {lines} lines, {size}',
    'md.check': 'Check',
    'md.register': 'Register as version {v}',
    'md.register.needs': 'Check first: you can register once the check finds no problems.',
    'md.report.h': 'Check result',
    'md.report.ok': 'No problems: {n} samples are ready to register.',
    'md.report.bad': 'Problems found: {n}. Correct the file or the description and check again.',
    'md.report.where': 'Where',
    'md.report.content': 'Line as written',
    'md.report.problem': 'Problem',
    'md.report.line': 'line {line}',
    'md.report.file': 'whole file',
    'md.report.biobanks': 'Per biobank',
    'md.report.changes': 'Changes from the current version',
    'md.changes.fields': 'Fields changed: {fields}',
    'md.changes.samples': '{a} added, {r} removed, {c} changed',
    'md.changes.none': 'no changes',
    'md.registered': "Version {v} is registered. The version history below shows when the site's node has applied it.",
    'md.stale': 'You changed something since the check. Check again.',
    'md.versions.h': 'Version history',
    'md.versions.none': 'No version registered yet.',
    'md.v.version': 'Version',
    'md.v.when': 'Registered (UTC)',
    'md.v.who': 'By',
    'md.v.samples': 'Samples',
    'md.v.changes': 'Changes',
    'md.v.node': 'Node',
    'md.node.pending': 'sending',
    'md.node.applied': 'applied',
    'md.node.failed': 'failed',
    'md.list.h': 'Registered datasets',
    'md.list.none': 'No dataset is registered yet.',
  },
};

// GA4GH Data Use Ontology terms the hub accepts (src/workflow/duo.cc), shorthand → id.
const PERMISSIONS = [
  ['NRES', 'DUO:0000004', '制限なし', 'no restriction'],
  ['GRU', 'DUO:0000042', '一般研究利用', 'general research use'],
  ['HMB', 'DUO:0000006', '健康・医療・生物医学研究', 'health, medical or biomedical research'],
  ['DS', 'DUO:0000007', '特定疾患の研究', 'disease-specific research'],
  ['POA', 'DUO:0000011', '集団の起源・祖先の研究のみ', 'population origins or ancestry research only'],
];
const MODIFIERS = [
  ['IRB', 'DUO:0000021', '倫理審査の承認が必要', 'ethics approval required'],
  ['PUB', 'DUO:0000019', '成果の公表が必要', 'publication required'],
  ['COL', 'DUO:0000020', '共同研究が必要', 'collaboration required'],
  ['GS', 'DUO:0000022', '地理的制限', 'geographical restriction', true],
  ['MOR', 'DUO:0000024', '公表の猶予期間', 'publication moratorium', true],
  ['TS', 'DUO:0000025', '利用期限', 'time limit on use', true],
  ['NCU', 'DUO:0000046', '非商用のみ', 'non-commercial use only'],
  ['NPU', 'DUO:0000045', '非営利団体のみ', 'not-for-profit organisation use only'],
  ['NPUNCU', 'DUO:0000018', '非営利団体・非商用のみ', 'not-for-profit, non-commercial use only'],
  ['GSO', 'DUO:0000016', '遺伝学的研究のみ', 'genetic studies only'],
  ['NMDS', 'DUO:0000015', '一般的な手法開発研究は不可', 'no general methods research'],
  ['NPOA', 'DUO:0000044', '集団の起源・祖先の研究は不可', 'population origins or ancestry research prohibited'],
  ['RS', 'DUO:0000012', '研究内容の制限あり', 'research-specific restrictions', true],
  ['US', 'DUO:0000026', '利用者の限定', 'user-specific restriction', true],
  ['PS', 'DUO:0000027', 'プロジェクトの限定', 'project-specific restriction', true],
  ['IS', 'DUO:0000028', '機関の限定', 'institution-specific restriction', true],
  ['RTN', 'DUO:0000029', 'データの還元が必要', 'return to database or resource'],
  ['CC', 'DUO:0000043', '臨床での利用', 'clinical care use'],
];
const SHORT = Object.fromEntries([...PERMISSIONS, ...MODIFIERS].map((x) => [x[1], x[0]]));
const short = (term) => SHORT[term] || (term || '').toUpperCase();

const BLANK = {
  title: '', description: '', study_title: '', study_abstract: '', study_type: '', policy: '',
  dac_name: '', dac_contact: '', seq_platform: '', seq_strategy: '', seq_coverage: '',
  an_reference: '', an_pipeline: '', permission: 'HMB', diseases: '', modifiers: {},
};

// DatasetDescription → the form's flat state.
function toForm(d) {
  if (!d) return { ...BLANK, modifiers: {} };
  const mods = {};
  for (const m of (d.data_use && d.data_use.modifiers) || []) mods[short(m.term)] = m.parameter || '';
  return {
    title: d.title || '', description: d.description || '',
    study_title: (d.study && d.study.title) || '', study_abstract: (d.study && d.study.abstract) || '',
    study_type: (d.study && d.study.type) || '', policy: d.policy || '',
    dac_name: (d.dac && d.dac.name) || '', dac_contact: (d.dac && d.dac.contact) || '',
    seq_platform: (d.sequencing && d.sequencing.platform) || '',
    seq_strategy: (d.sequencing && d.sequencing.strategy) || '',
    seq_coverage: (d.sequencing && d.sequencing.coverage) || '',
    an_reference: (d.analysis && d.analysis.reference) || '',
    an_pipeline: (d.analysis && d.analysis.pipeline) || '',
    permission: short(d.data_use && d.data_use.permission) || 'HMB',
    diseases: ((d.data_use && d.data_use.diseases) || []).join(', '),
    modifiers: mods,
  };
}

// The form → DatasetDescription (optional text left out when empty).
function toDescription(f) {
  const opt = (o) => {
    const r = {};
    for (const [k, v] of Object.entries(o)) if (v.trim()) r[k] = v.trim();
    return Object.keys(r).length ? r : undefined;
  };
  const dataUse = { permission: f.permission };
  if (f.permission === 'DS') {
    dataUse.diseases = f.diseases.split(/[,、\s]+/).map((s) => s.trim()).filter(Boolean);
  }
  const mods = Object.entries(f.modifiers).map(([term, p]) => (p.trim() ? { term, parameter: p.trim() } : { term }));
  if (mods.length) dataUse.modifiers = mods;
  const d = {
    title: f.title.trim(),
    description: f.description.trim(),
    study: { title: f.study_title.trim(), ...opt({ abstract: f.study_abstract, type: f.study_type }) },
    policy: f.policy.trim(),
    data_use: dataUse,
    dac: { name: f.dac_name.trim(), ...opt({ contact: f.dac_contact }) },
  };
  const seq = opt({ platform: f.seq_platform, strategy: f.seq_strategy, coverage: f.seq_coverage });
  if (seq) d.sequencing = seq;
  const an = opt({ reference: f.an_reference, pipeline: f.an_pipeline });
  if (an) d.analysis = an;
  return d;
}

const FIELD_KEYS = {
  dataset: 'md.dataset',
  'description.title': 'md.title', 'description.description': 'md.description',
  'description.study.title': 'md.study.title', 'description.study': 'md.study.title',
  'description.policy': 'md.policy', 'description.dac.name': 'md.dac.name', 'description.dac': 'md.dac.name',
  'description.data_use': 'md.duo.h', 'description.data_use.permission': 'md.duo.permission',
  'description.data_use.diseases': 'md.duo.diseases', 'description.data_use.modifiers': 'md.duo.modifiers',
};

function bytes(lang, n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${formatNumber(lang, n / 1024, 1)} KiB`;
  return `${formatNumber(lang, n / 1024 / 1024, 1)} MiB`;
}

function Changes({ t, changes }) {
  if (!changes) return '—';
  const parts = [];
  if (changes.fields && changes.fields.length) parts.push(t('md.changes.fields', { fields: changes.fields.join(', ') }));
  if (changes.samples_added || changes.samples_removed || changes.samples_changed) {
    parts.push(t('md.changes.samples', { a: changes.samples_added, r: changes.samples_removed, c: changes.samples_changed }));
  }
  return parts.length ? parts.join('; ') : t('md.changes.none');
}

function Report({ report, lines }) {
  const t = useT(M);
  const lang = useLang();
  if (report.ok) {
    return html`<div class="notice" role="status" data-testid="md-report">
      <p><strong>${t('md.report.ok', { n: formatNumber(lang, report.samples) })}</strong></p>
      <p>${t('md.report.biobanks')}: ${Object.entries(report.biobanks || {})
        .map(([b, n]) => `${b} ${formatNumber(lang, n)}`).join(', ') || '—'}</p>
      <p>${t('md.report.changes')}: <${Changes} t=${t} changes=${report.changes} /></p>
    </div>`;
  }
  return html`<div data-testid="md-report">
    <div class="error" role="alert"><p>${t('md.report.bad', { n: report.problems.length })}</p></div>
    <${TableScroll} label=${t('md.report.h')}><table class="report">
      <thead><tr><th scope="col">${t('md.report.where')}</th><th scope="col">${t('md.report.content')}</th>
        <th scope="col">${t('md.report.problem')}</th></tr></thead>
      <tbody>${report.problems.map((p) => {
        const m = /^samples\.tsv:(\d+)$/.exec(p.where);
        const line = m ? Number(m[1]) : null;
        let where = p.where;
        if (line) where = t('md.report.line', { line });
        else if (p.where === 'samples.tsv') where = t('md.report.file');
        else if (FIELD_KEYS[p.where]) where = t(FIELD_KEYS[p.where]);
        return html`<tr data-line=${line || undefined}>
          <th scope="row">${where}</th>
          <td>${line && lines && lines[line - 1] !== undefined
            ? html`<code class="tsv-line">${lines[line - 1].replace(/\t/g, ' ⇥ ')}</code>` : ''}</td>
          <td>${p.message}</td></tr>`;
      })}</tbody>
    </table><//>
  </div>`;
}

function Versions({ versions }) {
  const t = useT(M);
  const lang = useLang();
  if (versions.length === 0) return html`<p>${t('md.versions.none')}</p>`;
  return html`<${TableScroll} label=${t('md.versions.h')}><table data-testid="md-versions">
    <thead><tr><th scope="col" class="num">${t('md.v.version')}</th><th scope="col">${t('md.v.when')}</th>
      <th scope="col">${t('md.v.who')}</th><th scope="col" class="num">${t('md.v.samples')}</th>
      <th scope="col">${t('md.v.changes')}</th><th scope="col">${t('md.v.node')}</th></tr></thead>
    <tbody>${versions.map((v) => html`<tr data-version=${v.version}>
      <th scope="row" class="num">${v.version}</th>
      <td class="nowrap">${(v.created_at || '').replace('T', ' ').replace(/\.\d+/, '').replace('Z', '')}</td>
      <td>${!v.created_by ? '—' : /^\d+$/.test(v.created_by) ? `user:${v.created_by}` : v.created_by}</td>
      <td class="num">${formatNumber(lang, v.sample_count)}</td>
      <td><${Changes} t=${t} changes=${v.changes} /></td>
      <td><span class=${'badge badge-' + (v.node_status === 'applied' ? 'ok' : v.node_status === 'failed' ? 'bad' : 'warn')}
        data-testid="md-node-status">${t('md.node.' + v.node_status)}</span>
        ${v.node_message && html`<br /><span class="hint">${v.node_message}</span>`}</td>
    </tr>`)}</tbody>
  </table><//>`;
}

// Platform administrators without a site: the registered datasets, read-only.
function DatasetList() {
  const t = useT(M);
  const lang = useLang();
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    get('/v1/datasets').then((r) => setList(r.datasets), setError);
  }, []);
  return html`<section aria-labelledby="md-list-h">
    <p>${t('md.platform.only')}</p>
    <h2 id="md-list-h">${t('md.list.h')}</h2>
    <${ErrorBox} error=${error} />
    ${!list && !error && html`<${Loading} />`}
    ${list && list.length === 0 && html`<p>${t('md.list.none')}</p>`}
    ${list && list.length > 0 && html`<${TableScroll} label=${t('md.list.h')}><table>
      <thead><tr><th scope="col">${t('md.dataset')}</th><th scope="col">${t('md.site')}</th>
        <th scope="col">${t('md.title')}</th><th scope="col" class="num">${t('md.v.version')}</th>
        <th scope="col" class="num">${t('md.v.samples')}</th><th scope="col">${t('md.v.node')}</th></tr></thead>
      <tbody>${list.map((d) => html`<tr><th scope="row">${d.dataset_id}</th><td>${d.site}</td>
        <td>${d.description.title}</td><td class="num">${d.version}</td>
        <td class="num">${formatNumber(lang, d.sample_count)}</td><td>${t('md.node.' + d.node_status)}</td></tr>`)}</tbody>
    </table><//>`}
  </section>`;
}

export function AdminMetadata() {
  const t = useT(M);
  const lang = useLang();
  const { user } = useSession();
  const mySites = (user.roles || []).filter((r) => r.startsWith('site_admin:')).map((r) => r.slice(11));
  const [site, setSite] = useState(mySites[0] || '');
  const [registered, setRegistered] = useState(null);
  const [onNode, setOnNode] = useState([]);
  const [choice, setChoice] = useState('');
  const [newId, setNewId] = useState('');
  const [versions, setVersions] = useState([]);
  const [form, setForm] = useState(toForm(null));
  const [file, setFile] = useState(null); // {name, size, text}
  const [report, setReport] = useState(null);
  const [checkedKey, setCheckedKey] = useState('');
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const poll = useRef(null);

  const datasetId = choice === '__new__' ? newId.trim() : choice;
  const current = versions[0];

  const loadList = async (s) => {
    try {
      const [r, c] = await Promise.all([
        get(`/v1/datasets?site=${encodeURIComponent(s)}`),
        get('/v1/catalog').catch(() => ({ datasets: [] })),
      ]);
      setRegistered(r.datasets);
      setOnNode((c.datasets || []).filter((d) => d.site === s).map((d) => d.id));
    } catch (e) {
      setError(e);
    }
  };
  const loadVersions = async (id) => {
    try {
      const r = await get(`/v1/datasets/${encodeURIComponent(id)}/versions`);
      setVersions(r.versions);
      return r.versions;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        setVersions([]);
        return [];
      }
      setError(e);
      return null;
    }
  };
  useEffect(() => {
    if (site) loadList(site);
  }, [site]);
  useEffect(() => () => clearTimeout(poll.current), []);

  // Follows a pending version until the node has taken it (or 30 s have passed).
  const follow = (id, tries = 15) => {
    clearTimeout(poll.current);
    poll.current = setTimeout(async () => {
      const v = await loadVersions(id);
      if (v && v[0] && v[0].node_status === 'pending' && tries > 1) follow(id, tries - 1);
      else loadList(site);
    }, 2000);
  };

  const choose = async (value) => {
    setChoice(value);
    setReport(null);
    setNotice('');
    setError(null);
    setVersions([]);
    if (value === '' || value === '__new__') {
      setForm(toForm(null));
      return;
    }
    const v = registered && registered.some((d) => d.dataset_id === value) ? await loadVersions(value) : [];
    setForm(toForm(v && v[0] ? v[0].description : null));
  };

  const readFile = async (e) => {
    const f = e.currentTarget.files && e.currentTarget.files[0];
    setReport(null);
    if (!f) {
      setFile(null);
      return;
    }
    setFile({ name: f.name, size: f.size, text: await f.text() });
  };

  const body = () => ({ site, description: toDescription(form), samples: file ? file.text : '' });
  const key = () => JSON.stringify([datasetId, body()]);

  const check = async (e) => {
    e.preventDefault();
    setError(null);
    setNotice('');
    setBusy(true);
    try {
      const r = await post(`/v1/datasets/${encodeURIComponent(datasetId)}/check`, body());
      setReport(r);
      setCheckedKey(key());
    } catch (err) {
      setReport(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const register = async () => {
    setError(null);
    setBusy(true);
    try {
      const v = await post(`/v1/datasets/${encodeURIComponent(datasetId)}/versions`, {
        ...body(),
        expected_version: current ? current.version : 0,
      });
      setNotice(t('md.registered', { v: v.version }));
      setReport(null);
      setCheckedKey('');
      if (choice === '__new__') {
        setChoice(datasetId);
        setNewId('');
      }
      await loadList(site);
      await loadVersions(datasetId);
      follow(datasetId);
    } catch (err) {
      if (err instanceof ApiError && err.body && err.body.report) setReport(err.body.report);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (mySites.length === 0) return html`<${DatasetList} />`;

  const set = (k) => (v) => setForm({ ...form, [k]: v });
  const lines = file ? file.text.replace(/^\uFEFF/, '').split(/\r?\n/) : null;
  const registeredIds = (registered || []).map((d) => d.dataset_id);
  const options = [
    { value: '', label: t('md.dataset.choose') },
    ...(registered || []).map((d) => ({
      value: d.dataset_id,
      label: t('md.dataset.registered', { id: d.dataset_id, v: d.version, n: formatNumber(lang, d.sample_count) }),
    })),
    ...onNode.filter((id) => !registeredIds.includes(id)).map((id) => ({ value: id, label: t('md.dataset.unregistered', { id }) })),
    { value: '__new__', label: t('md.dataset.new') },
  ];
  const stale = report && report.ok && checkedKey !== key();
  const canRegister = report && report.ok && !stale && !busy;
  const nextVersion = current ? current.version + 1 : 1;

  return html`<p>${t('md.intro')}</p>
    <div class="inline-form">
      ${mySites.length > 1 &&
      html`<${Select} id="md-site" label=${t('md.site')} value=${site} onChange=${(s) => {
        setSite(s);
        choose('');
      }} options=${mySites.map((s) => ({ value: s, label: s }))} />`}
      ${mySites.length === 1 && html`<div class="field"><span class="label">${t('md.site')}</span><span>${site}</span></div>`}
      <${Select} id="md-dataset" label=${t('md.dataset')} value=${choice} onChange=${choose} options=${options} />
      ${choice === '__new__' &&
      html`<${Field} id="md-newid" label=${t('md.newid')} hint=${t('md.newid.hint')} value=${newId}
        onInput=${setNewId} pattern="[a-z0-9_\\-]+" required />`}
    </div>
    <${ErrorBox} error=${error} />
    ${notice && html`<${Notice}><p>${notice}</p><//>`}
    ${datasetId &&
    html`<form onSubmit=${check} class="md-form">
      <section aria-labelledby="md-desc-h">
        <h2 id="md-desc-h">${t('md.description.h')}</h2>
        <div class="grid">
          <div>
            <${Field} id="md-title" label=${t('md.title')} value=${form.title} onInput=${set('title')} required />
            <${Field} id="md-description" label=${t('md.description')} rows="3" value=${form.description}
              onInput=${set('description')} required />
            <${Field} id="md-study-title" label=${t('md.study.title')} value=${form.study_title}
              onInput=${set('study_title')} required />
            <${Field} id="md-study-abstract" label=${`${t('md.study.abstract')} (${t('md.optional')})`} rows="3"
              value=${form.study_abstract} onInput=${set('study_abstract')} />
            <${Field} id="md-study-type" label=${`${t('md.study.type')} (${t('md.optional')})`}
              value=${form.study_type} onInput=${set('study_type')} />
          </div>
          <div>
            <${Field} id="md-policy" label=${t('md.policy')} rows="3" value=${form.policy} onInput=${set('policy')} required />
            <${Field} id="md-dac-name" label=${t('md.dac.name')} value=${form.dac_name} onInput=${set('dac_name')} required />
            <${Field} id="md-dac-contact" label=${`${t('md.dac.contact')} (${t('md.optional')})`}
              value=${form.dac_contact} onInput=${set('dac_contact')} />
            <fieldset>
              <legend>${t('md.sequencing')} (${t('md.optional')})</legend>
              <${Field} id="md-seq-platform" label=${t('md.seq.platform')} value=${form.seq_platform} onInput=${set('seq_platform')} />
              <${Field} id="md-seq-strategy" label=${t('md.seq.strategy')} value=${form.seq_strategy} onInput=${set('seq_strategy')} />
              <${Field} id="md-seq-coverage" label=${t('md.seq.coverage')} value=${form.seq_coverage} onInput=${set('seq_coverage')} />
            </fieldset>
            <fieldset>
              <legend>${t('md.analysis')} (${t('md.optional')})</legend>
              <${Field} id="md-an-reference" label=${t('md.an.reference')} value=${form.an_reference} onInput=${set('an_reference')} />
              <${Field} id="md-an-pipeline" label=${t('md.an.pipeline')} value=${form.an_pipeline} onInput=${set('an_pipeline')} />
            </fieldset>
          </div>
        </div>
      </section>
      <section aria-labelledby="md-duo-h">
        <h2 id="md-duo-h">${t('md.duo.h')}</h2>
        <fieldset>
          <legend>${t('md.duo.permission')}</legend>
          ${PERMISSIONS.map(([s, id, ja, en]) => html`<label class="check"><input type="radio" name="md-permission"
            value=${s} checked=${form.permission === s} onChange=${() => set('permission')(s)} />
            <strong>${s}</strong> ${lang === 'ja' ? ja : en} <span class="hint">${id}</span></label>`)}
        </fieldset>
        ${form.permission === 'DS' &&
        html`<${Field} id="md-diseases" label=${t('md.duo.diseases')} value=${form.diseases} onInput=${set('diseases')} required />`}
        <fieldset>
          <legend>${t('md.duo.modifiers')}</legend>
          <div class="columns">
            ${MODIFIERS.map(([s, id, ja, en, param]) => {
              const on = s in form.modifiers;
              return html`<div class="modifier">
                <label class="check"><input type="checkbox" checked=${on} onChange=${(e) => {
                  const m = { ...form.modifiers };
                  if (e.currentTarget.checked) m[s] = '';
                  else delete m[s];
                  setForm({ ...form, modifiers: m });
                }} /> <strong>${s}</strong> ${lang === 'ja' ? ja : en} <span class="hint">${id}</span></label>
                ${on && param &&
                html`<${Field} id=${'md-param-' + s} label=${t('md.duo.parameter', { term: s })}
                  value=${form.modifiers[s]} onInput=${(v) => setForm({ ...form, modifiers: { ...form.modifiers, [s]: v } })} />`}
              </div>`;
            })}
          </div>
        </fieldset>
      </section>
      <section aria-labelledby="md-samples-h">
        <h2 id="md-samples-h">${t('md.samples.h')}</h2>
        <div class="field">
          <label for="md-samples">${t('md.samples.file')}</label>
          <input id="md-samples" type="file" accept=".tsv,.txt,.tab,text/tab-separated-values,text/plain"
            aria-describedby="md-samples-hint" onChange=${readFile} required />
          <p class="hint" id="md-samples-hint">${t('md.samples.hint')}</p>
        </div>
        ${file && html`<p data-testid="md-file">${t('md.samples.read', {
          name: file.name, lines: formatNumber(lang, lines.filter((l) => l !== '').length), size: bytes(lang, file.size) })}</p>`}
        <div class="button-row">
          <button type="submit" disabled=${busy || !file}>${t('md.check')}</button>
          <button type="button" disabled=${!canRegister} onClick=${register}
            aria-describedby=${canRegister ? undefined : 'md-register-needs'}>${t('md.register', { v: nextVersion })}</button>
        </div>
        ${!canRegister && html`<p class="hint" id="md-register-needs">${stale ? t('md.stale') : t('md.register.needs')}</p>`}
      </section>
    </form>`}
    ${report && html`<section aria-labelledby="md-report-h">
      <h2 id="md-report-h">${t('md.report.h')}</h2>
      <${Report} report=${report} lines=${lines} />
    </section>`}
    ${datasetId && registeredIds.includes(datasetId) && html`<section aria-labelledby="md-versions-h">
      <h2 id="md-versions-h">${t('md.versions.h')}: ${datasetId}</h2>
      <${Versions} versions=${versions} />
    </section>`}`;
}
