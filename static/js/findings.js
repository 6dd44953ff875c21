// The "Key findings" box: the server's /findings sentences for Wales or the chosen board,
// with pills counting clusters by significance flag, coloured like the significance map,
// and the board's named findings (the server's `named_text`: which clusters are higher or
// lower than Wales and the board, the highest and lowest), each cluster name a button that
// pins that cluster and moves the map to it. With no board chosen, each board's named
// findings fold under its name.
import { $, el } from './dom.js';
import { app, t, indicatorMeta } from './store.js';
import { clusterApproximate, isApproximateNote, sigColor, vocabulary } from './vocabulary.js';

/** Draws the findings; `chooseCluster(code)` is what a cluster's name does when pressed. */
export function renderFindings(findings, chooseCluster) {
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
      parts.push(namedFindings(hb, chooseCluster));
    }
  } else {
    parts.push(el('p', {}, findings.summary));
    parts.push(el('p', { class: 'note' }, t().findingsVs), countPills(walesCounts(findings), polarity));
    for (const hb of findings.health_boards) {
      if (!hb.named_text?.length) continue;
      parts.push(el('details', { class: 'board-findings', 'data-hb': hb.hb_code },
        el('summary', {}, hb.name), namedFindings(hb, chooseCluster)));
    }
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

/** A board's named sentences, as the server words them, each cluster name a button. */
function namedFindings(hb, chooseCluster) {
  const names = namedClusters(hb.named);
  return el('ul', { class: 'named', 'data-hb': hb.hb_code },
    ...(hb.named_text || []).map((sentence) => el('li', {}, ...withNameButtons(sentence, names, chooseCluster))));
}

/** Every cluster a board's finding names: name -> code, longest name first, so that
 *  "Central & South Denbighshire" is found whole before any shorter name inside it. */
function namedClusters(named) {
  const all = new Map();
  for (const v of Object.values(named || {})) for (const n of [v].flat()) if (n?.name && n.code) all.set(n.name, n.code);
  return [...all].sort((a, b) => b[0].length - a[0].length);
}

const LETTER = /[\p{L}\p{N}]/u;

/** The sentence split into text and one button per cluster name in it (a name counts only
 *  as a whole word, not inside a longer one). */
function withNameButtons(sentence, names, chooseCluster) {
  const out = [];
  let text = '', i = 0;
  while (i < sentence.length) {
    const hit = names.find(([name]) => sentence.startsWith(name, i)
      && !LETTER.test(sentence[i - 1] || '') && !LETTER.test(sentence[i + name.length] || ''));
    if (!hit) { text += sentence[i]; i += 1; continue; }
    if (text) out.push(text);
    text = '';
    const [name, code] = hit;
    const button = el('button', { type: 'button', class: 'name-link', 'data-code': code }, name);
    button.addEventListener('click', () => chooseCluster(code));
    out.push(button);
    i += name.length;
  }
  if (text) out.push(text);
  return out;
}
