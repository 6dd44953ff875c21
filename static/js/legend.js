// The legend card: drawn from the server's /legends document, the same one the style's
// colours come from, so the card and the map cannot disagree.
import { $, el } from './dom.js';
import { app } from './store.js';
import { clusterApproximate, isApproximateNote } from './vocabulary.js';

export function renderLegend(legend) {
  $('legend-title').textContent = legend.title;
  $('legend-subtitle').textContent = legend.subtitle || '';
  const items = legend.entries.map((e) => el('li', { 'data-key': String(e.key) },
    el('span', { class: 'swatch', style: `background:${e.color}`, 'aria-hidden': 'true' }),
    el('span', { class: 'label' }, e.label),
    e.count !== undefined && e.count !== null ? el('span', { class: 'count', title: legend.layer }, String(e.count)) : null));
  if (legend.no_data) {
    items.push(el('li', { class: 'no-data', 'data-key': 'no_data' },
      el('span', { class: 'swatch', style: `background:${legend.no_data.color}`, 'aria-hidden': 'true' }),
      el('span', { class: 'label' }, legend.no_data.label)));
  }
  $('legend-entries').replaceChildren(...items);
  // The approximate-geography note is already in the banner; keep the others.
  const notes = (legend.notes || []).filter((n) => !(clusterApproximate() && isApproximateNote(n, app.state.lang)));
  $('legend-notes').replaceChildren(...notes.map((n) => el('li', {}, n)));
  $('legend-notes').hidden = notes.length === 0;
}
