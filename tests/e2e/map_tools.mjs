#!/usr/bin/env node
// Browser test of the map page's layout on a phone and on a laptop (issue 14).
//
//   node tests/e2e/map_tools.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Needs playwright-core from tests/js and Debian's Chromium (as tests/e2e/map_e2e.mjs).
// Prints a JSON summary; exits 0 on success, 1 on a failed check, 2 on bad usage or
// missing tools, 3 when the overall time limit is hit.
//
// What it checks:
//  1. Search: a cluster's Welsh name, its English name and its code (typed, then Enter)
//     each select that cluster (state, URL and card); a query matching nothing says so.
//  2. CSV export: with a board chosen, the downloaded CSV has a header and exactly the
//     board's clusters, the board and Wales from /data, values as /data gives them.
//  3. PNG export: the download is a PNG as wide as the map canvas and taller (the
//     attribution is drawn below), its map part is the canvas's picture (not blank: many
//     colours), and the legend's swatch colours appear in its top-right corner.
//  4. Board table tab (tab=table&hb=…): one row per area of /summary/{board}, each cell on
//     the summary's colour; choosing a cluster's row selects it (state, URL, map outline
//     after switching to the map) and a cluster chosen elsewhere is marked in the table;
//     a heading sorts by that indicator.
// Screenshots: <dir>/map-export.png (the exported picture itself), <dir>/map-table.png.
import fs from 'node:fs';
import path from 'node:path';

import { CheckFailed, check, launch, run, summary, waitReady } from './harness.mjs';

async function main() {
  const { base, shotDir, context, problems, noProblems } = await launch('map_tools.mjs', 'tools', { width: 1366, height: 768 });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

  // 1. Search ------------------------------------------------------------------------------
  await page.goto(`${base}/map?view=indicator&indicator=copd`, { waitUntil: 'load' });
  await waitReady(page, 'search');
  const [en, cy] = await page.evaluate(async () => Promise.all(['en', 'cy'].map(async (l) => (await (await fetch(`data/copd?lang=${l}`)).json()).rows)));
  const target = cy.find((r) => r.level === 'cluster' && r.name !== en.find((e) => e.code === r.code)?.name) || cy.find((r) => r.level === 'cluster');
  const enName = en.find((r) => r.code === target.code).name;
  summary.figures.search = { code: target.code, en: enName, cy: target.name };
  const other = en.find((r) => r.level === 'cluster' && r.code !== target.code);
  for (const [what, query, code] of [['Welsh name', target.name, target.code], ['code', other.code, other.code], ['English name', enName.toLowerCase(), target.code]]) {
    await page.fill('#search', query);
    await page.press('#search', 'Enter');
    await page.waitForFunction((c) => window.atlas.state.area === c, code, { timeout: 10_000 }).catch(() => {});
    const got = await page.evaluate(() => ({ area: window.atlas.state.area, url: new URL(location.href).searchParams.get('area'), title: document.getElementById('info-title').textContent }));
    check(`search by ${what} selects the cluster`, got.area === code && got.url === code, { query, code, got });
  }
  await page.fill('#search', 'zzzz no such cluster');
  await page.press('#search', 'Enter');
  const none = await page.evaluate(() => ({ invalid: document.getElementById('search').getAttribute('aria-invalid'), hint: document.getElementById('search-hint').textContent }));
  check('a query matching no cluster says so', none.invalid === 'true' && none.hint.length > 10, none);
  noProblems('search');

  // 2. CSV -----------------------------------------------------------------------------------
  const HB = 'W11000028';
  await page.goto(`${base}/map?view=indicator&indicator=copd&hb=${HB}`, { waitUntil: 'load' });
  await waitReady(page, 'csv');
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csvText = fs.readFileSync(await csvDownload.path(), 'utf8').replace(/^\ufeff/, '');
  const lines = csvText.trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const codeCol = header.indexOf('code'), valueCol = header.indexOf('value');
  const csvRows = lines.slice(1).map((l) => l.split(','));
  const want = en.filter((r) => r.hb_code === HB || r.code === HB || r.level === 'wales');
  summary.figures.csv = { name: csvDownload.suggestedFilename(), rows: csvRows.length, header };
  check('the CSV has the board\'s rows and no others', codeCol >= 0 && csvRows.length === want.length
    && want.every((r) => csvRows.some((c) => c[codeCol] === r.code)), { want: want.length, got: csvRows.length });
  const sample = want.find((r) => r.value !== null);
  const sampleRow = csvRows.find((c) => c[codeCol] === sample.code);
  check('the CSV values are /data\'s', Number(sampleRow[valueCol]) === sample.value, { sample, sampleRow });

  // 3. PNG -----------------------------------------------------------------------------------
  const canvasSize = await page.evaluate(() => ({ w: window.atlas.map.getCanvas().width, h: window.atlas.map.getCanvas().height }));
  const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
  const png = fs.readFileSync(await pngDownload.path());
  fs.copyFileSync(await pngDownload.path(), path.join(shotDir, 'map-export.png'));
  summary.screenshots.push('map-export.png');
  const sig = png.subarray(0, 8).toString('hex');
  const width = png.readUInt32BE(16), height = png.readUInt32BE(20);
  summary.figures.png = { bytes: png.length, width, height, canvas: canvasSize };
  check('the export is a PNG', sig === '89504e470d0a1a0a' && png.subarray(12, 16).toString() === 'IHDR', { sig });
  check('the PNG is the map canvas with the attribution below', width === canvasSize.w && height > canvasSize.h, summary.figures.png);
  const legendColors = await page.evaluate(() => window.atlas.legend.entries.map((e) => e.color));
  const picture = await page.evaluate(async ({ b64, legendColors }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
    const ctx = c.getContext('2d', { willReadFrequently: true }); ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4 * 7) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    // The legend box: the top-right 270 x 260 px.
    const corner = ctx.getImageData(c.width - 270, 0, 270, 260).data;
    const hex = (i) => `#${[corner[i], corner[i + 1], corner[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    const inCorner = new Set();
    for (let i = 0; i < corner.length; i += 4) inCorner.add(hex(i));
    return { colours: colours.size, legendSwatches: legendColors.filter((col) => inCorner.has(col.toLowerCase())).length };
  }, { b64: png.toString('base64'), legendColors });
  summary.figures.picture = picture;
  check('the PNG is not blank', picture.colours > 50, picture);
  check('the PNG has the legend\'s swatches', picture.legendSwatches === legendColors.length, { picture, legendColors });
  noProblems('exports');

  // 4. Board table ------------------------------------------------------------------------------
  await page.goto(`${base}/map?view=indicator&indicator=copd&hb=${HB}&tab=table`, { waitUntil: 'load' });
  await waitReady(page, 'table');
  await page.waitForSelector('#board-table tbody tr');
  const summaryDoc = await page.evaluate(async (hb) => (await fetch(`summary/${hb}?lang=en`)).json(), HB);
  const table = await page.evaluate(() => ({
    mapHidden: (() => {
      const t = document.getElementById('table-panel').getBoundingClientRect(), m = document.getElementById('map-wrap').getBoundingClientRect();
      return !document.getElementById('table-panel').hidden && t.top <= m.top && t.bottom >= m.bottom && t.left <= m.left && t.right >= m.right;
    })(),
    rows: [...document.querySelectorAll('#board-table tbody tr')].map((tr) => ({
      code: tr.dataset.code,
      copd: (() => { const td = tr.querySelector('td[data-indicator="copd"]'); return td ? { bg: getComputedStyle(td).backgroundColor, text: td.textContent } : null; })(),
    })),
  }));
  const copdRow = summaryDoc.rows.findIndex((r) => r.indicator === 'copd');
  const rgb = (hex) => `rgb(${hex.match(/[0-9a-f]{2}/gi).map((h) => parseInt(h, 16)).join(', ')})`;
  check('the table tab replaces the map', table.mapHidden, table);
  check('the table has a row per area of /summary', table.rows.length === summaryDoc.columns.length
    && summaryDoc.columns.every((c) => table.rows.some((r) => r.code === c.code)), { rows: table.rows.length, columns: summaryDoc.columns.length });
  for (const [i, col] of summaryDoc.columns.entries()) {
    const cell = summaryDoc.rows[copdRow].cells[i];
    const row = table.rows.find((r) => r.code === col.code);
    if (cell.color_vs_wales) check(`table: ${col.code} is on the summary's colour`, row.copd?.bg === rgb(cell.color_vs_wales), { cell, row });
  }
  await page.screenshot({ path: path.join(shotDir, 'map-table.png') });
  summary.screenshots.push('map-table.png');
  const chosen = summaryDoc.columns.find((c) => c.level === 'cluster');
  await page.click(`#board-table .area-button[data-code="${chosen.code}"]`);
  const afterChoose = await page.evaluate(() => ({
    area: window.atlas.state.area, url: new URL(location.href).searchParams.get('area'),
    selected: [...document.querySelectorAll('#board-table tr.selected')].map((tr) => tr.dataset.code),
  }));
  check('choosing a table row selects the cluster', afterChoose.area === chosen.code && afterChoose.url === chosen.code
    && afterChoose.selected.length === 1 && afterChoose.selected[0] === chosen.code, afterChoose);
  await page.click('#board-table thead th[data-indicator="copd"] button');
  const sorted = await page.evaluate(() => [...document.querySelectorAll('#board-table tbody tr')].map((tr) => tr.dataset.code));
  const byValue = summaryDoc.columns.map((c, i) => ({ code: c.code, v: summaryDoc.rows[copdRow].cells[i].value }))
    .filter((x) => x.v !== null).sort((a, b) => a.v - b.v).map((x) => x.code);
  check('a heading sorts the table by that indicator', JSON.stringify(sorted.slice(0, byValue.length)) === JSON.stringify(byValue), { sorted, byValue });
  await page.click('#tab-map');
  await page.evaluate(() => new Promise((r) => { window.atlas.map.once('idle', r); window.atlas.map.triggerRepaint(); }));
  const onMap = await page.evaluate(() => ({
    shown: document.getElementById('table-panel').hidden, tab: new URL(location.href).searchParams.get('tab'),
    outline: JSON.stringify(window.atlas.map.getFilter('selection')), height: document.getElementById('map').clientHeight,
  }));
  check('back on the map, the table\'s choice is selected there', onMap.shown && onMap.tab === null && onMap.height > 300
    && onMap.outline.includes(chosen.code), onMap);
  const another = summaryDoc.columns.find((c) => c.level === 'cluster' && c.code !== chosen.code);
  await page.fill('#search', another.code);
  await page.press('#search', 'Enter');
  await page.click('#tab-table');
  await page.waitForSelector('#board-table tbody tr');
  const marked = await page.evaluate(() => [...document.querySelectorAll('#board-table tr.selected')].map((tr) => tr.dataset.code));
  check('a cluster chosen on the map side is marked in the table', marked.length === 1 && marked[0] === another.code, { marked, another: another.code });
  noProblems('table');
}

run(main, 200_000);
