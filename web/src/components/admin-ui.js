// Small pieces shared by the administration pages.
import { html } from '../html.js';

// A wide table's horizontal scroller: focusable and named, so keyboard users can scroll it.
export function TableScroll({ label, children }) {
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label=${label}>${children}</div>`;
}

// A status word with a coloured badge: kind ok, warn or bad.
export function Badge({ kind, children }) {
  return html`<span class=${'badge badge-' + kind}>${children}</span>`;
}
