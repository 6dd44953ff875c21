// The legend card: drawn from the server's /legends document, the same one the style's
// colours come from, so the card and the map cannot disagree. Its counts are the server's
// for Wales; with a board chosen they are the board's areas, counted from the same /data
// rows the findings and the cluster picker use (so legend and pills agree).
import { $, el } from './dom.js';
import { app } from './store.js';
import { clusterApproximate, isApproximateNote } from './vocabulary.js';

const ROW_LEVEL = { clusters: 'cluster', lsoa: 'lsoa', lsoa21: 'lsoa', health_boards: 'health_board' };

/** Legend key → areas of the chosen board, or null where the page cannot count them. */
function boardCounts(legend) {
  const s = app.state;
  if (!s.hb || !app.data) return null;
  const level = ROW_LEVEL[legend.layer];
  const keyOf = s.view === 'significance' ? (r) => r[s.vs === 'hb' ? 'sig_vs_hb' : 'sig_vs_wales'] : (r) => r.class;
  const counts = new Map(legend.entries.map((e) => [String(e.key), 0]));
  for (const r of app.data.rows) {
    if (r.level !== level || r.hb_code !== s.hb) continue;
    const k = String(keyOf(r));
    if (counts.has(k)) counts.set(k, counts.get(k) + 1);
  }
  return counts;
}

/**
 * The count to show beside each legend entry (key -> count or null). Wales-wide counts
 * would contradict a board's pills; with a board and no rows to count (the deprivation
 * map), none are shown. The PNG export draws the same counts.
 */
export function shownCounts(legend) {
  const byBoard = boardCounts(legend);
  return (e) => {
    if (app.state.hb) return byBoard ? byBoard.get(String(e.key)) : null;
    return e.count;
  };
}

export function renderLegend(legend) {
  const countOf = shownCounts(legend);
  $('legend-title').textContent = legend.title;
  $('legend-subtitle').textContent = legend.subtitle || '';
  const items = legend.entries.map((e) => el('li', { 'data-key': String(e.key) },
    el('span', { class: 'swatch', style: `background:${e.color}`, 'aria-hidden': 'true' }),
    el('span', { class: 'label' }, e.label),
    countOf(e) !== undefined && countOf(e) !== null ? el('span', { class: 'count', title: legend.layer }, String(countOf(e))) : null));
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
