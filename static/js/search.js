// Cluster search: by English or Welsh name, or by code, over the clusters of the current
// indicator's /data (the same rows as the cluster picker), in both languages whatever the
// page's language. Accents and case are ignored ("Ystwyth" finds "Ystwyth", "ystwyth").
import { $, el } from './dom.js';
import { getJson } from './api.js';
import { app, t } from './store.js';

const otherNames = {}; // "indicator|period|lang" -> Map(code -> name)

const fold = (s) => String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();

function clusterRows() {
  const s = app.state;
  return (app.data?.rows || []).filter((r) => r.level === 'cluster' && (!s.hb || r.hb_code === s.hb));
}

/** Every name each cluster goes by: code -> [names]. */
function namesByCode() {
  const s = app.state;
  const other = otherNames[`${s.indicator}|${s.period}|${s.lang === 'cy' ? 'en' : 'cy'}`];
  const out = new Map();
  for (const r of clusterRows()) out.set(r.code, [r.name, other?.get(r.code)].filter(Boolean));
  return out;
}

/** The cluster a query names: a code, a whole name, or the only name containing it. */
export function findCluster(query) {
  const q = fold(query);
  if (!q) return null;
  const all = namesByCode();
  for (const [code, names] of all) if (fold(code) === q || names.some((n) => fold(n) === q || fold(`${n} (${code})`) === q)) return code;
  const partial = [...all].filter(([code, names]) => fold(code).includes(q) || names.some((n) => fold(n).includes(q)));
  return partial.length === 1 ? partial[0][0] : null;
}

/** Fills the suggestions (current language first, then the other one's names). */
export async function renderSearch() {
  const s = app.state;
  const list = $('search-list');
  const fill = () => {
    const items = [];
    for (const [code, names] of namesByCode()) for (const n of new Set(names)) items.push(el('option', { value: `${n} (${code})` }));
    list.replaceChildren(...items);
  };
  fill();
  if (!app.data) return;
  const otherLang = s.lang === 'cy' ? 'en' : 'cy';
  const key = `${s.indicator}|${s.period}|${otherLang}`;
  if (!otherNames[key]) {
    try {
      const d = await getJson(`data/${encodeURIComponent(s.indicator)}?period=${encodeURIComponent(s.period)}&lang=${otherLang}&level=${s.level}`);
      otherNames[key] = new Map(d.rows.filter((r) => r.level === 'cluster').map((r) => [r.code, r.name]));
    } catch { return; } // suggestions in one language only
    fill();
  }
}

/** Wires the search box: Enter or a chosen suggestion pins the cluster it names
 *  (`chooseCluster`, which also moves the map to it). */
export function wireSearch(chooseCluster) {
  const input = $('search');
  const go = () => {
    const code = findCluster(input.value);
    input.setAttribute('aria-invalid', String(!code && !!input.value.trim()));
    $('search-hint').textContent = !code && input.value.trim() ? t().searchNone : '';
    if (code) chooseCluster(code);
  };
  input.addEventListener('change', go);
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); go(); } });
}
