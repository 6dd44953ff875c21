// The board table: the accessible alternative to the map, in a tab beside it. Built on
// GET /summary/{board} (Wales and its boards when no board is chosen): one row per area,
// one column per indicator, each cell's value on its significance colour against Wales
// (the server's colours, as on the map). Sortable by any column. Choosing an area's row
// selects that cluster on the map (or, for Wales, that board), and the map's selection is
// marked in the table.
import { $, el } from './dom.js';
import { getJson } from './api.js';
import { app, t } from './store.js';

const WALES = 'W92000004';
let doc = null;      // the /summary document shown
let docKey = '';
let sort = { col: -1, ascending: true };

function fmt(v, unit) {
  if (v === null || v === undefined) return '–';
  const n = Number(v);
  const s = Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(1);
  return unit === '%' ? `${s}%` : s;
}

// Dark text on light fills and white on dark ones, for contrast on every colour.
function ink(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || '');
  if (!m) return '#1d2733';
  const [r, g, b] = m.slice(1).map((x) => parseInt(x, 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.25 ? '#ffffff' : '#1d2733';
}

/** Loads the summary for the chosen board (or Wales) when the table is showing. */
export async function renderTable(onChoose) {
  if ($('table-panel').hidden) return;
  const s = app.state;
  const area = s.hb || WALES;
  const key = `${area}|${s.lang}`;
  if (key !== docKey) {
    $('table-body').replaceChildren(el('p', { class: 'placeholder' }, '…'));
    const d = await getJson(`summary/${encodeURIComponent(area)}?lang=${s.lang}`);
    if (`${app.state.hb || WALES}|${app.state.lang}` !== key) return;
    doc = d;
    docKey = key;
    sort = { col: -1, ascending: true };
  }
  draw(onChoose);
}

function draw(onChoose) {
  const s = app.state, T = t();
  const rows = doc.columns.map((c, i) => ({ area: c, cells: doc.rows.map((r) => r.cells[i]) }));
  if (sort.col >= 0) {
    const v = (row) => row.cells[sort.col]?.value;
    rows.sort((a, b) => {
      const x = v(a), y = v(b);
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return sort.ascending ? x - y : y - x;
    });
  }
  const head = el('tr', {},
    el('th', { scope: 'col' }, doc.level === 'wales' ? T.tableBoard : T.tableCluster),
    ...doc.rows.map((r, i) => {
      const b = el('button', { type: 'button', 'data-col': String(i) }, r.title);
      b.addEventListener('click', () => { sort = { col: i, ascending: sort.col === i ? !sort.ascending : true }; draw(onChoose); });
      const th = el('th', { scope: 'col', 'data-indicator': r.indicator, class: r.indicator === s.indicator ? 'current' : '' }, b);
      if (sort.col === i) th.setAttribute('aria-sort', sort.ascending ? 'ascending' : 'descending');
      return th;
    }));
  const body = rows.map(({ area, cells }) => {
    const choosable = area.level === 'cluster' || area.level === 'health_board';
    const name = choosable
      ? el('button', { type: 'button', class: 'area-button', 'data-code': area.code }, area.name)
      : area.name;
    if (choosable) name.addEventListener('click', () => onChoose(area));
    const selected = area.code === (app.selected?.code || s.area) || (doc.level === 'wales' && area.code === s.hb);
    return el('tr', { 'data-code': area.code, 'data-level': area.level, 'aria-selected': String(!!selected), class: selected ? 'selected' : '' },
      el('th', { scope: 'row' }, name),
      ...cells.map((c, i) => el('td', {
        'data-flag': c?.sig_vs_wales || '', 'data-indicator': doc.rows[i].indicator,
        style: c?.color_vs_wales ? `background:${c.color_vs_wales};color:${ink(c.color_vs_wales)}` : '',
      }, fmt(c?.value, doc.rows[i].unit))));
  });
  $('table-body').replaceChildren(
    el('p', { class: 'sub' }, T.tableCaption),
    el('div', { class: 'table-scroll' }, el('table', { id: 'board-table' },
      el('caption', {}, doc.area?.name || ''), el('thead', {}, head), el('tbody', {}, ...body))),
    el('ul', { class: 'table-key' }, ...doc.legend.map((l) => el('li', {}, el('i', { style: `background:${l.color}` }), l.label))),
    ...doc.notes.map((n) => el('p', { class: 'note' }, n)));
}

/** Marks the map's selection in the table (without reloading it). */
export function markTableSelection() {
  const code = app.selected?.code || app.state?.area || '';
  for (const tr of document.querySelectorAll('#board-table tbody tr')) {
    const on = tr.dataset.code === code || (doc?.level === 'wales' && tr.dataset.code === app.state.hb);
    tr.classList.toggle('selected', on);
    tr.setAttribute('aria-selected', String(on));
  }
}

/** Shows the map or the table tab. */
export function showTab(which, onShow) {
  const table = which === 'table';
  $('tab-map').setAttribute('aria-selected', String(!table));
  $('tab-table').setAttribute('aria-selected', String(table));
  $('table-panel').hidden = !table;
  // The map stays laid out under the table (so its size and camera hold), hidden from
  // assistive technology meanwhile.
  for (const id of ['map', 'overlay']) $(id).toggleAttribute('aria-hidden', table);
  onShow?.(table);
}
