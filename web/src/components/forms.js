// Form pieces with labels tied to their controls (accessibility check), and the one way errors
// are shown: a sentence saying what to do, the hub's own detail beneath it, never raw JSON.
import { html } from '../html.js';
import { errorSentence } from '../api.js';
import { useT } from '../i18n.js';

let nextId = 0;
export function newId(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

// <Field label="…" id="…" value onInput type hint required autocomplete/>; textarea when rows.
export function Field({ id, label, hint, rows, value, onInput, ...rest }) {
  const hintId = hint ? `${id}-hint` : undefined;
  const control = rows
    ? html`<textarea id=${id} rows=${rows} value=${value} aria-describedby=${hintId}
        onInput=${(e) => onInput(e.currentTarget.value)} ...${rest}></textarea>`
    : html`<input id=${id} value=${value} aria-describedby=${hintId}
        onInput=${(e) => onInput(e.currentTarget.value)} ...${rest} />`;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${control}
    ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
  </div>`;
}

// <Select id label value onChange options=[{value, label}]/>
export function Select({ id, label, value, onChange, options, ...rest }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)} ...${rest}>
      ${options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
    </select>
  </div>`;
}

// Shows an API error (or nothing): `error.sentence` if the page set one (it knows what to fix),
// else the sentence for its HTTP status. role=alert: screen readers announce it.
export function ErrorBox({ error }) {
  const t = useT();
  if (!error) return null;
  const detail = error.detail && !error.detail.trim().startsWith('{') ? error.detail : '';
  return html`<div class="error" role="alert">
    <p>${error.sentence || errorSentence(t, error)}</p>
    ${detail && html`<p class="detail">${t('err.detail')}: ${detail}</p>`}
  </div>`;
}

export function Notice({ children }) {
  return html`<div class="notice" role="status">${children}</div>`;
}

export function Loading() {
  const t = useT();
  return html`<p class="loading" role="status">${t('common.loading')}</p>`;
}
