// Charts as plain SVG (no chart library: the portal stays small and nothing is loaded from
// elsewhere). Every chart has a title and a text alternative; suppressed values are drawn as a
// short grey bar labelled "suppressed", never as 0.
import { html } from '../html.js';
import { useT, useLang, formatNumber } from '../i18n.js';

// rows: [{label, value (number | null when suppressed), note?}]; `format` turns a value into
// text (default: a count). Horizontal bars, longest = full width.
export function BarChart({ title, rows, format, unit }) {
  const t = useT();
  const lang = useLang();
  const fmt = format || ((v) => formatNumber(lang, v));
  const max = Math.max(1e-12, ...rows.map((r) => (typeof r.value === 'number' ? r.value : 0)));
  const rowH = 22;
  const labelW = 150;
  const barW = 260;
  const height = rows.length * rowH + 8;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg role="img" aria-label=${title} viewBox=${`0 0 ${labelW + barW + 110} ${height}`}
      width="100%" preserveAspectRatio="xMinYMin meet">
      ${rows.map((r, i) => {
        const y = i * rowH + 4;
        const suppressed = typeof r.value !== 'number';
        const w = suppressed ? 6 : Math.max(1, (r.value / max) * barW);
        return html`<g>
          <text x=${labelW - 6} y=${y + 14} text-anchor="end" class="chart-label">${r.label}</text>
          <rect x=${labelW} y=${y + 2} width=${w} height=${rowH - 6}
            class=${suppressed ? 'bar bar-suppressed' : 'bar'} />
          <text x=${labelW + w + 6} y=${y + 14} class="chart-value">${suppressed
            ? t('common.suppressed')
            : fmt(r.value) + (unit || '')}${r.note ? ` ${r.note}` : ''}</text>
        </g>`;
      })}
    </svg>
  </figure>`;
}

// An age pyramid: rows [{label (age band), male, female}] (null = suppressed), men left.
export function Pyramid({ title, rows, maleLabel, femaleLabel }) {
  const t = useT();
  const lang = useLang();
  const values = rows.flatMap((r) => [r.male, r.female]).filter((v) => typeof v === 'number');
  const max = Math.max(1, ...values);
  const rowH = 20;
  const half = 180;
  const mid = 60;
  const height = rows.length * rowH + 30;
  const bar = (v, left, y) => {
    const suppressed = typeof v !== 'number';
    const w = suppressed ? 6 : Math.max(1, (v / max) * (half - 60));
    const x = left ? half - w : half + mid;
    const tx = left ? x - 4 : x + w + 4;
    return html`<rect x=${x} y=${y} width=${w} height=${rowH - 5}
        class=${suppressed ? 'bar bar-suppressed' : left ? 'bar bar-male' : 'bar bar-female'} />
      <text x=${tx} y=${y + 12} text-anchor=${left ? 'end' : 'start'} class="chart-value">${suppressed
        ? t('common.suppressed')
        : formatNumber(lang, v)}</text>`;
  };
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg role="img" aria-label=${title} viewBox=${`0 0 ${2 * half + mid} ${height}`} width="100%">
      <text x=${half - 10} y="14" text-anchor="end" class="chart-label">${maleLabel}</text>
      <text x=${half + mid + 10} y="14" class="chart-label">${femaleLabel}</text>
      ${rows.map((r, i) => {
        const y = i * rowH + 24;
        return html`<g>
          ${bar(r.male, true, y)}
          <text x=${half + mid / 2} y=${y + 12} text-anchor="middle" class="chart-label">${r.label}</text>
          ${bar(r.female, false, y)}
        </g>`;
      })}
    </svg>
  </figure>`;
}
