// A column chart over time for the administration pages (plain SVG, like components/charts.js):
// one column per day, stacked by series (answered, refused, failed …), with a title, a legend and
// a text alternative. The caller puts a table of the same numbers beside it.
import { html } from '../html.js';
import { useLang, formatNumber } from '../i18n.js';

// days: [{label ('2026-04-01'), values: {series: number}}]; series: [{key, label, className}].
export function TimeChart({ title, days, series, summary }) {
  const lang = useLang();
  const totals = days.map((d) => series.reduce((s, x) => s + (d.values[x.key] || 0), 0));
  const max = Math.max(1, ...totals);
  const left = 44;
  const top = 10;
  const plotH = 180;
  const width = 720;
  const plotW = width - left - 10;
  const colW = plotW / Math.max(1, days.length);
  const gap = colW > 6 ? Math.min(4, colW * 0.2) : 0;
  const every = Math.max(1, Math.ceil(days.length / 8));
  const ticks = [0, Math.round(max / 2), max].filter((v, i, a) => a.indexOf(v) === i);
  const y = (v) => top + plotH - (v / max) * plotH;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg role="img" aria-label=${summary ? `${title}: ${summary}` : title}
      viewBox=${`0 0 ${width} ${top + plotH + 34}`} width="100%" preserveAspectRatio="xMinYMin meet">
      ${ticks.map((v) => html`<g>
        <line x1=${left} x2=${width - 10} y1=${y(v)} y2=${y(v)} class="chart-grid" />
        <text x=${left - 6} y=${y(v) + 4} text-anchor="end" class="chart-label">${formatNumber(lang, v)}</text>
      </g>`)}
      ${days.map((d, i) => {
        let base = 0;
        const x = left + i * colW + gap / 2;
        return html`<g>
          ${series.map((s) => {
            const v = d.values[s.key] || 0;
            if (v <= 0) return null;
            const y0 = y(base + v);
            const h = (v / max) * plotH;
            base += v;
            return html`<rect x=${x} y=${y0} width=${Math.max(1, colW - gap)} height=${h}
              class=${'bar ' + s.className}><title>${`${d.label} ${s.label}: ${formatNumber(lang, v)}`}</title></rect>`;
          })}
          ${i % every === 0 &&
          html`<text x=${x + (colW - gap) / 2} y=${top + plotH + 16} text-anchor="middle"
            class="chart-label">${d.label.slice(5)}</text>`}
        </g>`;
      })}
    </svg>
    <ul class="legend">${series.map((s) => html`<li><span class=${'swatch ' + s.className}></span>${s.label}</li>`)}</ul>
  </figure>`;
}
