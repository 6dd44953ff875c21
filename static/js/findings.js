// The "Key findings" box: the server's /findings sentences for Wales or the chosen board,
// with pills counting clusters by significance flag, coloured like the significance map.
import { $, el } from './dom.js';
import { app, t, indicatorMeta } from './store.js';
import { clusterApproximate, isApproximateNote, sigColor, vocabulary } from './vocabulary.js';

export function renderFindings(findings) {
  const body = $('findings-body');
  const s = app.state;
  if (!findings) { body.replaceChildren(el('p', { class: 'note' }, t().findingsDeprivation)); return; }
  const polarity = indicatorMeta().polarity;
  const parts = [];
  if (s.hb) {
    const hb = findings.health_boards.find((h) => h.hb_code === s.hb);
    if (hb) {
      parts.push(el('p', {}, hb.text));
      const vs = s.view === 'significance' && s.vs === 'hb' ? hb.vs_hb : hb.vs_wales;
      parts.push(countPills(vs, polarity));
    }
  } else {
    parts.push(el('p', {}, findings.summary));
    parts.push(el('p', { class: 'note' }, t().findingsVs), countPills(walesCounts(findings), polarity));
  }
  for (const n of findings.notes || []) {
    if (clusterApproximate() && isApproximateNote(n, s.lang)) continue;
    parts.push(el('p', { class: 'note' }, n));
  }
  body.replaceChildren(...parts);
}

// The server's Wales totals; summed over the boards for a server that sends none.
function walesCounts(findings) {
  if (findings.wales) return findings.wales;
  const tot = Object.fromEntries(vocabulary().significance.flags.map((f) => [f, 0]));
  for (const h of findings.health_boards) for (const k of Object.keys(tot)) tot[k] += h.vs_wales?.[k] || 0;
  return tot;
}

// One pill per flag with clusters, its swatch in the indicator's polarity colours.
function countPills(c, polarity) {
  const T = t();
  return el('div', { class: 'counts' }, ...vocabulary().significance.flags
    .filter((k) => (c?.[k] || 0) > 0)
    .map((k) => el('span', { class: 'pill', 'data-flag': k },
      el('i', { style: `background:${sigColor(polarity, k)}` }), `${c[k]} ${T.findingsCounts[k] ?? k}`)));
}
