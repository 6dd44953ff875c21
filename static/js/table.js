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

// The text colour for a fill: the page's ink where it reaches WCAG AA's 4.5:1, else black
// or white, whichever contrasts more (a mid orange such as #e66101 gives ink only 4.4:1).
function ink(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || '');
  if (!m) return '#1d2733';
  const luminance = (rgb) => rgb.map((x) => parseInt(x, 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((sum, c, i) => sum + [0.2126, 0.7152, 0.0722][i] * c, 0);
  const fill = luminance(m.slice(1));
  const contrast = (other) => (Math.max(fill, other) + 0.05) / (Math.min(fill, other) + 0.05);
  const INK = luminance(['1d', '27', '33']);
  if (contrast(INK) >= 4.5) return '#1d2733';
  return contrast(1) >= contrast(0) ? '#ffffff' : '#000000';
}

/** Loads the summary for the chosen board (or Wales) when the table is showing. */
export async function renderTable(onChoose) {
  if ($('table-panel').hidden) return;
  const s = app.state;
  const area = s.hb || WALES;
  const key = `${area}|${s.lang}|${s.level}`;
  // The placeholder below takes the focus away while the summary loads: remember it.
  pendingFocus = focusedInTable() || pendingFocus;
  if (key !== docKey) {
    $('table-body').replaceChildren(el('p', { class: 'placeholder' }, '…'));
    const d = await getJson(`summary/${encodeURIComponent(area)}?lang=${s.lang}&level=${s.level}`);
    if (`${app.state.hb || WALES}|${app.state.lang}|${app.state.level}` !== key) return;
    doc = d;
    docKey = key;
    sort = { col: -1, ascending: true };
  }
  draw(onChoose);
}

// Which of the table's controls has the keyboard focus, so that a redraw (a sort, a board
// chosen) puts it back instead of dropping a keyboard user at the top of the page.
let pendingFocus = null;
function focusedInTable() {
  const a = document.activeElement;
  if (!a || !$('table-body').contains(a)) return null;
  if (a.dataset.col !== undefined) return `button[data-col="${a.dataset.col}"]`;
  if (a.dataset.code) return `.area-button[data-code="${CSS.escape(a.dataset.code)}"]`;
  return '#board-table';
}

function draw(onChoose) {
  const refocus = focusedInTable() || pendingFocus;
  pendingFocus = null;
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
    el('div', { class: 'table-scroll' }, el('table', { id: 'board-table', tabindex: '-1' },
      el('caption', {}, doc.area?.name || ''), el('thead', {}, head), el('tbody', {}, ...body))),
    el('ul', { class: 'table-key' }, ...doc.legend.map((l) => el('li', {}, el('i', { style: `background:${l.color}` }), l.label))),
    ...doc.notes.map((n) => el('p', { class: 'note' }, n)));
  // The same control again, or the table itself when it was a board's row (now gone).
  if (refocus) ($('table-body').querySelector(refocus) || $('board-table')).focus();
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
  // The map stays laid out under the table (so its size and camera hold), inert meanwhile:
  // out of the Tab order and hidden from assistive technology. (A bare aria-hidden="" is
  // ignored, and would leave the zoom buttons focusable under the table.)
  for (const id of ['map', 'overlay']) {
    $(id).inert = table;
    if (table) $(id).setAttribute('aria-hidden', 'true'); else $(id).removeAttribute('aria-hidden');
  }
  onShow?.(table);
}
