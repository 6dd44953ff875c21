#!/usr/bin/env node
// Browser test of choosing a cluster by name on the map page, and of what marks it
// (issue 26).
//
//   node tests/e2e/map_choose.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Needs playwright-core from tests/js and Debian's Chromium (as tests/e2e/map_e2e.mjs).
// Prints a JSON summary; exits 0 on success, 1 on a failed check, 2 on bad usage or
// missing tools, 3 when the overall time limit is hit.
//
// What it checks (laptop 1366×768 unless said):
//  1. Named findings: in a board view the key findings hold the board's `named_text` from
//     /findings, word for word, in English and in Welsh; every cluster named there is a
//     button (24 × 24 px or more, as every control), and pressing one pins that cluster
//     (state, URL, card title) and moves the map to it. With no board chosen, each board's named findings fold under its name.
//  2. Choosing a cluster from the list (the picker) and from the search moves the map to
//     it: the zoom changes, the centre is within (or next to) the cluster's extent, and the
//     extent is in view; the card then has the same rows as the card of the same cluster
//     clicked on the map, the LSOA count, population and WIMD share among them.
//  3. The selection mark: its colour is none of the colours the server's styles and
//     legends use (every palette at every class count, WIMD quintiles, significance by
//     polarity, no data), far from each, and its casing makes one of its colours stand out
//     3:1 against every one of them.
//  4. A board view (Betsi Cadwaladr) draws every cluster name of the board and its board
//     name at most once: on a laptop with the board chosen in the panel, on a phone
//     (390×844) with the board in the link.
// Screenshots: <dir>/map-board-labels-laptop.png, <dir>/map-board-labels-phone.png.
import path from 'node:path';

import { PLACE, check, launch, run, smallTargets, summary, waitReady } from './harness.mjs';

const BOARD = 'W11000023'; // Betsi Cadwaladr: 14 clusters, the one the planner tried

// The extent of a cluster in the loaded tiles [w, s, e, n] (all of Wales in view: whole).
function clusterExtent(page, code) {
  return page.evaluate((c) => {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = (x) => { if (typeof x[0] === 'number') { b[0] = Math.min(b[0], x[0]); b[1] = Math.min(b[1], x[1]); b[2] = Math.max(b[2], x[0]); b[3] = Math.max(b[3], x[1]); } else x.forEach(walk); };
    for (const f of window.atlas.map.querySourceFeatures('atlas', { sourceLayer: 'clusters', filter: ['==', ['get', 'code'], c] })) walk(f.geometry.coordinates);
    return Number.isFinite(b[0]) ? b : null;
  }, code);
}

function camera(page) {
  return page.evaluate(() => {
    const m = window.atlas.map, c = m.getCenter(), v = m.getBounds();
    return { z: m.getZoom(), lng: c.lng, lat: c.lat, view: [v.getWest(), v.getSouth(), v.getEast(), v.getNorth()] };
  });
}

/** Whether the map moved to the extent `b`: zoomed from `before`, centred within the
 *  extent widened by its own size each way (the card's padding sets the centre aside),
 *  and the whole extent in view. */
function movedTo(before, after, b) {
  const [w, s, e, n] = b, dx = e - w, dy = n - s;
  const near = after.lng >= w - dx && after.lng <= e + dx && after.lat >= s - dy && after.lat <= n + dy;
  const inView = after.view[0] <= w && after.view[1] <= s && after.view[2] >= e && after.view[3] >= n;
  return { ok: Math.abs(after.z - before.z) > 0.25 && near && inView, zoomChanged: after.z - before.z, near, inView };
}

// The card's rows (labels and values) and title, once a pinned card has restated its
// population rows at its charts' period (card.js profilePeriod).
async function card(page) {
  await page.waitForFunction(() => document.getElementById('info-body').dataset.period, null, { timeout: 30_000 });
  return page.evaluate(() => ({
    title: document.getElementById('info-title').textContent,
    labels: [...document.querySelectorAll('#info-body dl dt')].map((d) => d.textContent),
    values: [...document.querySelectorAll('#info-body dl dd')].map((d) => d.textContent),
  }));
}

const settled = (page, code) => page.waitForFunction((c) => window.atlas.ready && window.atlas.state.area === c, code, { timeout: 30_000 });

// Relative luminance and contrast (WCAG 2.x).
const lum = (hex) => hex.match(/[0-9a-f]{2}/gi).map((h) => parseInt(h, 16) / 255)
  .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  .reduce((sum, c, i) => sum + [0.2126, 0.7152, 0.0722][i] * c, 0);
const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const distance = (a, b) => { const p = a.match(/[0-9a-f]{2}/gi).map((h) => parseInt(h, 16)), q = b.match(/[0-9a-f]{2}/gi).map((h) => parseInt(h, 16)); return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]); };

async function main() {
  const { base, shotDir, context, problems, noProblems } = await launch('map_choose.mjs', 'choose', { width: 1366, height: 768 });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

  // 1. Named findings, English and Welsh ----------------------------------------------------
  for (const lang of ['en', 'cy']) {
    await page.goto(`${base}/map?view=indicator&indicator=copd&hb=${BOARD}&lang=${lang}`, { waitUntil: 'load' });
    await waitReady(page, `named findings ${lang}`);
    const findings = await page.evaluate(async (l) => (await (await fetch(`findings/copd?lang=${l}`)).json()), lang);
    const board = findings.health_boards.find((h) => h.hb_code === BOARD);
    const named = new Map();
    for (const v of Object.values(board.named)) for (const n of [v].flat()) if (n) named.set(n.code, n.name);
    const shown = await page.evaluate(() => [...document.querySelectorAll('#findings-body .named li')].map((li) => {
      const plain = li.cloneNode(true);
      for (const b of plain.querySelectorAll('button')) b.replaceWith(' ');
      return {
        text: li.textContent,
        plain: plain.textContent,
        buttons: [...li.querySelectorAll('button.name-link')].map((b) => ({ code: b.dataset.code, name: b.textContent })),
      };
    }));
    summary.figures[`named ${lang}`] = { sentences: board.named_text.length, clusters: named.size, shown: shown.map((s) => s.buttons.length) };
    check(`${lang}: the board's named findings are shown word for word`, board.named_text.length >= 3
      && JSON.stringify(shown.map((s) => s.text)) === JSON.stringify(board.named_text), { want: board.named_text, shown: shown.map((s) => s.text) });
    const buttons = shown.flatMap((s) => s.buttons);
    check(`${lang}: every named cluster is a button, and every button a named cluster`, [...named].every(([code, name]) => buttons.some((b) => b.code === code && b.name === name))
      && buttons.every((b) => named.get(b.code) === b.name), { named: [...named], buttons });
    // What is left of each sentence once its buttons are taken out names no cluster.
    const whole = (text, name) => new RegExp(`(^|[^\\p{L}\\p{N}])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}])`, 'u').test(text);
    const leftOver = shown.flatMap((s) => [...named.values()].filter((n) => whole(s.plain, n)).map((n) => ({ name: n, in: s.text })));
    check(`${lang}: no cluster name is left as plain text`, leftOver.length === 0, { leftOver });
    if (lang === 'en') {
      const t = await smallTargets(page);
      check('the named findings\' buttons, and every other control, are at least 24 × 24 px', t.small.length === 0 && t.seen > 20, t);
    }
    // Press the lowest cluster's name: it is pinned and flown to.
    const pick = board.named.lowest;
    const before = await camera(page);
    const extent = await clusterExtent(page, pick.code);
    await page.click(`#findings-body .named button.name-link[data-code="${pick.code}"]`);
    await settled(page, pick.code);
    const after = await camera(page);
    const got = { ...(await card(page)), url: new URL(page.url()).searchParams.get('area') };
    check(`${lang}: pressing a named cluster pins it`, got.title === pick.name && got.url === pick.code, got);
    const moved = movedTo(before, after, extent);
    summary.figures[`named move ${lang}`] = { before, after, extent, moved };
    check(`${lang}: and moves the map to it`, moved.ok, { moved, extent, after });
  }
  await page.goto(`${base}/map?view=indicator&indicator=copd`, { waitUntil: 'load' });
  await waitReady(page, 'named findings, Wales');
  const folded = await page.evaluate(() => [...document.querySelectorAll('#findings-body details.board-findings')].map((d) => ({
    hb: d.dataset.hb, open: d.open, buttons: d.querySelectorAll('button.name-link').length,
  })));
  check('with no board chosen, each board\'s named findings fold under its name', folded.length >= 7 && folded.every((d) => !d.open && d.buttons > 0), { folded });
  noProblems('named findings');

  // 2. The list and the search move the map; the card is the clicked card --------------------
  // The clicked card first: PLACE's cluster, clicked where it is drawn.
  await page.goto(`${base}/map?view=indicator&indicator=copd&z=10&lat=${PLACE.lat}&lng=${PLACE.lng}`, { waitUntil: 'load' });
  await waitReady(page, 'clicked card');
  await page.waitForFunction(({ lng, lat, cluster }) => {
    const m = window.atlas.map;
    return m.areTilesLoaded() && m.queryRenderedFeatures(m.project([lng, lat])).some((f) => f.properties?.code === cluster);
  }, PLACE);
  const pt = await page.evaluate(({ lng, lat }) => {
    const m = window.atlas.map, p = m.project([lng, lat]), r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, PLACE);
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction((c) => window.atlas.state.area === c, PLACE.cluster);
  const clicked = await card(page);
  const labels = await page.evaluate(async () => (await (await fetch('vocabulary')).json()).field_labels.en);
  // One period per card: the population rows are stated at the charts' period (mid-2024).
  const rowsWanted = [labels.lsoa_count, 'Population (mid-2024)', 'Residents in WIMD 2025 quintile 1 (mid-2024), %'];
  check('the clicked card has the LSOA, population and WIMD rows', rowsWanted.every((l) => clicked.labels.includes(l)), { clicked, rowsWanted });
  const captions = await page.evaluate(() => [...document.querySelectorAll('#info-body figcaption, #info-body img.chart')]
    .map((e) => e.textContent || e.alt).join(' '));
  check('the card\'s charts are of the same period as its rows', /mid-2024/.test(captions) && !/mid-2020/.test(captions), { captions });

  // The list: from all of Wales.
  await page.goto(`${base}/map?view=indicator&indicator=copd`, { waitUntil: 'load' });
  await waitReady(page, 'list');
  let before = await camera(page);
  let extent = await clusterExtent(page, PLACE.cluster);
  await page.selectOption('#cluster', PLACE.cluster);
  await settled(page, PLACE.cluster);
  let after = await camera(page);
  let moved = movedTo(before, after, extent);
  summary.figures.list = { before, after, extent, moved };
  check('a cluster chosen from the list moves the map to it', moved.ok, { moved, extent, after });
  const listed = await card(page);
  check('its card has the clicked card\'s rows', JSON.stringify(listed.labels) === JSON.stringify(clicked.labels) && listed.title === clicked.title, { listed, clicked });
  check('and the same values', JSON.stringify(listed.values) === JSON.stringify(clicked.values), { listed, clicked });
  check('the move is kept in the URL', await page.evaluate(() => Number(new URL(location.href).searchParams.get('z')) > 0));

  // The search: a cluster at the other end of Wales, from where the list left the map.
  const data = await page.evaluate(async () => (await (await fetch('data/copd?lang=en')).json()).rows);
  const far = data.find((r) => r.level === 'cluster' && r.hb_code === BOARD);
  await page.evaluate(() => { window.atlas.map.jumpTo({ center: [-3.75, 52.35], zoom: 6.9 }); });
  await page.evaluate(() => new Promise((r) => { window.atlas.map.once('idle', r); window.atlas.map.triggerRepaint(); }));
  before = await camera(page);
  extent = await clusterExtent(page, far.code);
  await page.fill('#search', far.name);
  await page.press('#search', 'Enter');
  await settled(page, far.code);
  after = await camera(page);
  moved = movedTo(before, after, extent);
  summary.figures.search = { code: far.code, before, after, extent, moved };
  check('a cluster found by the search moves the map to it', moved.ok, { moved, extent, after });
  const searched = await card(page);
  check('its card has the same rows as a clicked card', JSON.stringify(searched.labels) === JSON.stringify(clicked.labels) && searched.title === far.name, { searched, clicked });
  noProblems('choose and move');

  // 3. The selection mark ---------------------------------------------------------------------
  const used = await page.evaluate(async () => {
    const get = async (u) => (await fetch(u)).json();
    const vocab = await get('vocabulary');
    const out = new Set([vocab.no_data.color, ...vocab.wimd_quintile_colors]);
    for (const byFlag of Object.values(vocab.significance.colors)) for (const c of Object.values(byFlag)) out.add(c);
    const docs = [];
    for (const palette of vocab.palettes) for (let n = vocab.classes.min; n <= vocab.classes.max; n++) docs.push(`legends/indicator.json?indicator=copd&palette=${palette}&classes=${n}`);
    for (const view of vocab.map_kinds) docs.push(`styles/${view}.json?indicator=copd`, `legends/${view}.json?indicator=copd`);
    for (const d of docs) for (const m of JSON.stringify(await get(d)).matchAll(/#[0-9a-fA-F]{6}\b/g)) out.add(m[0]);
    return [...out].map((c) => c.toLowerCase());
  });
  const mark = await page.evaluate(() => ['selection-casing-outer', 'selection-casing', 'selection']
    .map((id) => ({ id, color: window.atlas.map.getPaintProperty(id, 'line-color'), width: window.atlas.map.getPaintProperty(id, 'line-width') })));
  const core = mark.at(-1).color.toLowerCase();
  const nearest = Math.min(...used.map((c) => distance(c, core)));
  summary.figures.selection = { mark, colours: used.length, nearest: Math.round(nearest) };
  check('the selection\'s colour is none of the server\'s data colours, nor near one', used.length > 100 && !used.includes(core) && nearest >= 60, summary.figures.selection);
  check('its casing is wider than its core', mark[0].width > mark[1].width && mark[1].width > mark[2].width, { mark });
  const weak = used.filter((c) => Math.max(...mark.map((m) => contrast(m.color, c))) < 3);
  check('one of its colours stands out 3:1 against every data colour', weak.length === 0, { weak });
  noProblems('selection mark');

  // 4. Board labels, laptop and phone ---------------------------------------------------------
  const boardClusters = data.filter((r) => r.level === 'cluster' && r.hb_code === BOARD).map((r) => r.code);
  for (const [device, viewport] of [['laptop', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }]]) {
    await page.setViewportSize(viewport);
    if (device === 'laptop') {
      // The board chosen in the panel (the same style, its labels changed in place).
      await page.goto(`${base}/map?view=indicator&indicator=copd`, { waitUntil: 'load' });
      await waitReady(page, 'Wales, before a board');
      await page.selectOption('#hb', BOARD);
      await page.waitForFunction((hb) => window.atlas.ready && window.atlas.state.hb === hb, BOARD);
    } else {
      // The board in a link (a new style).
      await page.goto(`${base}/map?view=indicator&indicator=copd&hb=${BOARD}`, { waitUntil: 'load' });
      await waitReady(page, `board labels ${device}`);
    }
    const drawn = await page.evaluate((hb) => {
      const m = window.atlas.map;
      const q = (l) => (m.getLayer(l) ? m.queryRenderedFeatures({ layers: [l] }) : []);
      return {
        zoom: m.getZoom(),
        clusters: [...new Set(q('cluster-label').map((f) => f.properties.code))],
        boards: q('health-board-label').filter((f) => f.properties.code === hb).length,
        otherBoards: q('health-board-label').length,
      };
    }, BOARD);
    summary.figures[`board labels ${device}`] = { zoom: drawn.zoom, clusters: drawn.clusters.length, of: boardClusters.length, boards: drawn.boards };
    check(`${device}: every cluster name of the board is drawn`, boardClusters.length >= 10 && boardClusters.every((c) => drawn.clusters.includes(c)),
      { missing: boardClusters.filter((c) => !drawn.clusters.includes(c)), zoom: drawn.zoom });
    check(`${device}: the board's name at most once`, drawn.boards <= 1 && drawn.otherBoards <= 1, drawn);
    await page.screenshot({ path: path.join(shotDir, `map-board-labels-${device}.png`) });
    summary.screenshots.push(`map-board-labels-${device}.png`);
  }
  noProblems('board labels');

  // 5. Welsh: English-only names say so; periods and charts in Welsh -------------------------
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`${base}/map?view=indicator&indicator=diabetes_17plus&lang=cy&area=${encodeURIComponent(PLACE.cluster)}`, { waitUntil: 'load' });
  await waitReady(page, 'welsh card');
  const cy = await card(page);
  const welsh = await page.evaluate(() => ({
    note: document.getElementById('welsh-name-note')?.textContent || '',
    titleLang: document.getElementById('info-title').getAttribute('lang'),
    pickerNote: document.getElementById('cluster-name-note').hidden ? '' : document.getElementById('cluster-name-note').textContent,
    englishOptions: [...document.querySelectorAll('#cluster option')].filter((o) => o.lang === 'en').length,
    sig: [...document.querySelectorAll('#info-body .sig-list li')].map((li) => li.textContent),
  }));
  summary.figures.welsh = { ...welsh, labels: cy.labels };
  check('cy: an English-only cluster name is marked as such', /Nid oes enw Cymraeg/.test(welsh.note) && welsh.titleLang === 'en', welsh);
  check('cy: the picker says cluster names are English, and marks them', /enwau Cymraeg/.test(welsh.pickerNote) && welsh.englishOptions >= 60, welsh);
  check('cy: the card states its period in Welsh', cy.labels.includes('Poblogaeth (canol 2024)') && !cy.labels.some((l) => /mid-20/.test(l)), cy);
  // An indicator never tested: one line for both comparisons, its reason once.
  check('cy: a never-tested indicator gives one reason, naming both comparisons', welsh.sig.length === 1
    && /Cymru na’i fwrdd iechyd/.test(welsh.sig[0]), welsh);
  noProblems('welsh');
}

run(main, 230_000);
