// Export of the current view: a CSV of the rows shown (the indicator's /data rows, of the
// chosen board only when one is chosen), and a PNG of the map with its legend and
// attribution drawn in, so a picture pasted into a report still says what it shows and
// whose data it is.
import { $ } from './dom.js';
import { app, atlas } from './store.js';
import { shownCounts } from './legend.js';

function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

// A spreadsheet cell: quoted when needed, and a leading = + - @ defused (CSV injection).
function cell(v) {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows the page shows: every area of /data, or the chosen board's and its own. */
export function shownRows() {
  const s = app.state;
  const rows = app.data?.rows || [];
  return s.hb ? rows.filter((r) => r.hb_code === s.hb || r.code === s.hb || r.level === 'wales') : rows;
}

export function exportCsv() {
  const rows = shownRows();
  if (!rows.length) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const s = app.state;
  const lines = [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))];
  // The BOM makes Excel read the Welsh letters as UTF-8.
  download(new Blob(['\ufeff', lines.join('\r\n'), '\r\n'], { type: 'text/csv;charset=utf-8' }),
    `${s.indicator}_${s.period}${s.hb ? `_${s.hb}` : ''}.csv`);
}

function wrap(ctx, text, width) {
  const out = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    const next = line ? `${line} ${w}` : w;
    if (ctx.measureText(next).width > width && line) { out.push(line); line = w; } else line = next;
  }
  if (line) out.push(line);
  return out;
}

/** The map as drawn, with the legend (top right) and the attribution (below) drawn in. */
export function mapPicture() {
  const map = app.map;
  const src = map.getCanvas();
  const ratio = src.width / src.clientWidth;
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  const font = (px, weight = 400) => `${weight} ${Math.round(px * ratio)}px sans-serif`;
  const attribution = [...document.querySelectorAll('.maplibregl-ctrl-attrib-inner')].map((e) => e.textContent).join(' ')
    || map.getStyle().sources?.atlas?.attribution || '';
  ctx.font = font(11);
  const attrLines = wrap(ctx, attribution.replace(/<[^>]*>/g, ''), src.width - 20 * ratio);
  const footer = Math.round((attrLines.length * 14 + 12) * ratio);
  out.width = src.width;
  out.height = src.height + footer;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(src, 0, 0);
  // Legend box.
  const legend = atlas.legend;
  if (legend) {
    const entries = [...legend.entries, ...(legend.no_data ? [legend.no_data] : [])];
    const countOf = shownCounts(legend);
    const w = 250 * ratio, pad = 10 * ratio, row = 18 * ratio;
    ctx.font = font(13, 700);
    const titleLines = wrap(ctx, legend.title, w - 2 * pad);
    const h = pad * 2 + titleLines.length * 16 * ratio + 16 * ratio + entries.length * row;
    const x = out.width - w - 10 * ratio, y = 10 * ratio;
    ctx.fillStyle = 'rgba(255,255,255,0.95)';
    ctx.fillRect(x, y, w, h);
    ctx.strokeStyle = '#9aa5b1';
    ctx.strokeRect(x, y, w, h);
    ctx.fillStyle = '#1d2733';
    let ty = y + pad + 12 * ratio;
    for (const l of titleLines) { ctx.fillText(l, x + pad, ty); ty += 16 * ratio; }
    ctx.font = font(11);
    ctx.fillStyle = '#5a6675';
    ctx.fillText(legend.subtitle || '', x + pad, ty, w - 2 * pad);
    ty += 6 * ratio;
    for (const e of entries) {
      ctx.fillStyle = e.color;
      ctx.fillRect(x + pad, ty, 22 * ratio, 13 * ratio);
      ctx.strokeStyle = 'rgba(0,0,0,.35)';
      ctx.strokeRect(x + pad, ty, 22 * ratio, 13 * ratio);
      ctx.fillStyle = '#1d2733';
      ctx.font = font(12);
      const n = e === legend.no_data ? null : countOf(e);
      ctx.fillText(`${e.label}${n !== undefined && n !== null ? `  (${n})` : ''}`, x + pad + 30 * ratio, ty + 11 * ratio, w - 2 * pad - 30 * ratio);
      ty += row;
    }
  }
  // Attribution.
  ctx.fillStyle = '#333333';
  ctx.font = font(11);
  let ay = src.height + 16 * ratio;
  for (const l of attrLines) { ctx.fillText(l, 10 * ratio, ay); ay += 14 * ratio; }
  return out;
}

export async function exportPng() {
  const map = app.map;
  // Draw a fresh frame first: the picture is what is on screen now.
  await new Promise((r) => { map.once('idle', r); map.triggerRepaint(); });
  const canvas = mapPicture();
  canvas.toBlob((blob) => download(blob, `${app.state.view}-${app.state.indicator || app.state.domain}.png`), 'image/png');
}

export function wireExport() {
  $('export-csv').addEventListener('click', exportCsv);
  $('export-png').addEventListener('click', () => { exportPng(); });
}

/** The CSV button only where there are rows (not the deprivation map). */
export function renderExport() {
  $('export-csv').hidden = !app.data;
}
