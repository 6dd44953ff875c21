#!/usr/bin/env node
// Browser test of the map page's layout on a phone and on a laptop (issue 14).
//
//   node tests/e2e/map_layout.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Needs playwright-core from tests/js and Debian's Chromium (as tests/e2e/map_e2e.mjs).
// Prints a JSON summary; exits 0 on success, 1 on a failed check, 2 on bad usage or
// missing tools, 3 when the overall time limit is hit.
//
// What it checks:
//  1. Phone (390×844): the map fills at least half the screen; the panel's controls and
//     the key are folded (their buttons open and close them); the attribution is compact;
//     no details sheet until an area is tapped, then a bottom sheet within the screen
//     and at most half its height, with a close button that folds it again. With the
//     sheet open the Map/Table tabs are still what a tap at their centre reaches (and
//     a tap there opens the table), and the charts' text in the sheet is 12 px or more.
//     A cluster found by the search with the options open: the options fold (the focus
//     going to their button), the map is seen between the tabs and the sheet, and so it
//     stays when the options open again.
//     Every control shown is at least 24 × 24 px (WCAG 2.2 2.5.8; exempt, as WCAG
//     exempts them: links inside the attribution's sentence), folded, with the options
//     open and with the sheet open.
//  2. Laptop (1366×768), a pinned cluster with its charts: the details card is within the
//     viewport and either fits or scrolls with a visible scrollbar, the charts' text is
//     drawn at 12 px or more (the SVG's smallest font size times its drawn scale), every
//     control is at least 24 × 24 px, and loading the page shifts its layout by less than
//     0.1 (cumulative layout shift, measured by a PerformanceObserver), the map not at all.
// Screenshots: <dir>/map-phone.png, <dir>/map-phone-details.png, <dir>/map-laptop-card.png.
import path from 'node:path';

import {
  CheckFailed, PLACE, boxOf, check, countLayoutShifts, launch, layoutShifts, run, smallTargets, summary, waitReady,
} from './harness.mjs';

/** Fails naming every control under 24 × 24 px. */
async function targetsAreBigEnough(page, label) {
  const t = await smallTargets(page);
  summary.figures[`targets ${label}`] = t.seen;
  check(`${label}: every control shown is at least 24 × 24 px`, t.seen > 5 && t.small.length === 0, t);
}

/** The Map/Table tabs are what a tap at their centre reaches. */
async function tabsReachable(page, label) {
  const hit = await page.evaluate(() => ['tab-map', 'tab-table'].map((id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return { id, hit: at?.id || at?.className || null, top: r.top, bottom: r.bottom };
  }));
  check(`${label}: the Map/Table tabs are seen and tappable`, hit.every((h) => h.hit === h.id), { hit });
}

/** How much of the map is seen between the tabs and the details sheet, and whether the
 *  middle of that band is the map (at a quarter of its width: the key sits on the right,
 *  the zoom buttons at the far left). */
function mapSeen(page) {
  return page.evaluate(() => {
    const map = document.getElementById('map').getBoundingClientRect();
    const sheet = document.getElementById('info');
    const sheetTop = getComputedStyle(sheet).display === 'none' ? window.innerHeight : sheet.getBoundingClientRect().top;
    const top = Math.max(map.top, 0), bottom = Math.min(map.bottom, sheetTop, window.innerHeight);
    const at = bottom > top ? document.elementFromPoint(map.left + map.width / 4, (top + bottom) / 2) : null;
    return { seen: Math.max(0, bottom - top), mapTop: map.top, sheetTop, hit: at ? (at.className || at.id) : null };
  });
}

/** The smallest text of each chart in the card, as drawn (its SVG font size × its scale). */
function chartText(page) {
  return page.evaluate(async () => Promise.all([...document.querySelectorAll('#info img.chart')].map(async (img) => {
    const svg = await (await fetch(img.src)).text();
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const root = doc.documentElement;
    const vbWidth = Number((root.getAttribute('viewBox') || '').split(/\s+/)[2]) || Number(root.getAttribute('width'));
    const sizes = [root, ...root.querySelectorAll('[font-size]')].map((e) => Number(e.getAttribute('font-size'))).filter((n) => n > 0);
    const scale = img.getBoundingClientRect().width / vbWidth;
    return { id: img.id, minFont: Math.min(...sizes), scale, drawnPx: Math.min(...sizes) * scale };
  })));
}

const chartsLoaded = (page) => page.waitForFunction(() => [...document.querySelectorAll('#info img.chart')].length === 2
  && [...document.querySelectorAll('#info img.chart')].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 20_000 });

async function main() {
  const { base, shotDir, context, problems, noProblems } = await launch('map_layout.mjs', 'layout', { width: 390, height: 844 });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const box = (sel) => boxOf(page, sel);

  // 1. Phone ------------------------------------------------------------------------------
  await page.goto(`${base}/map?view=indicator&indicator=copd`, { waitUntil: 'load' });
  await waitReady(page, 'phone');
  const map = await box('#map');
  summary.figures.phoneMap = map;
  check('phone: the map is at least half the screen tall and full width', map.height >= 844 / 2 && map.width >= 389, map);
  check('phone: the controls are folded', !(await box('#controls')).shown && !(await box('#findings')).shown);
  check('phone: the key is folded to its title', !(await box('#legend-entries')).shown && (await box('#legend-title')).shown);
  const attrib = await page.evaluate(() => {
    const a = document.querySelector('.maplibregl-ctrl-attrib');
    return { compact: a.classList.contains('maplibregl-compact'), height: a.getBoundingClientRect().height };
  });
  check('phone: the attribution is compact', attrib.compact && attrib.height <= 32, attrib);
  check('phone: no details sheet before a tap', !(await box('#info')).shown);
  await page.screenshot({ path: path.join(shotDir, 'map-phone.png') });
  summary.screenshots.push('map-phone.png');
  await targetsAreBigEnough(page, 'phone, folded');
  await page.click('#panel-toggle');
  check('phone: the options button opens the controls', (await box('#controls')).shown
    && await page.evaluate(() => document.getElementById('panel-toggle').getAttribute('aria-expanded') === 'true'));
  await targetsAreBigEnough(page, 'phone, options open');
  await page.click('#panel-toggle');
  check('phone: and folds them again', !(await box('#controls')).shown);
  await page.click('#legend-toggle');
  check('phone: the key button opens the key', (await box('#legend-entries')).shown);
  await page.click('#legend-toggle');
  const pt = await page.evaluate(({ lng, lat }) => {
    const m = window.atlas.map;
    m.jumpTo({ center: [lng, lat], zoom: 8 });
    const p = m.project([lng, lat]);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, PLACE);
  await page.evaluate(() => new Promise((r) => { window.atlas.map.once('idle', r); window.atlas.map.triggerRepaint(); }));
  // Tap only once the cluster is drawn under the finger: on a busy machine 'idle' can come
  // before the z8 tiles have arrived, and a tap on an empty map opens nothing.
  await page.waitForFunction(({ lng, lat, cluster }) => {
    const m = window.atlas.map;
    const p = m.project([lng, lat]);
    return m.areTilesLoaded() && m.queryRenderedFeatures(p).some((f) => f.properties && f.properties.code === cluster);
  }, PLACE, { timeout: 30_000 });
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(() => document.body.classList.contains('has-details'), null, { timeout: 30_000 });
  await page.waitForTimeout(300);
  const sheet = await box('#info');
  summary.figures.phoneSheet = sheet;
  check('phone: a tapped cluster opens a bottom sheet within the screen', sheet.shown && sheet.top >= 0 && sheet.left >= 0
    && sheet.right <= 390.5 && Math.abs(sheet.bottom - 844) <= 1 && sheet.height <= 844 / 2 + 1, sheet);
  check('phone: the sheet shows the cluster', await page.evaluate((c) => window.atlas.state.area === c, PLACE.cluster));
  await page.screenshot({ path: path.join(shotDir, 'map-phone-details.png') });
  summary.screenshots.push('map-phone-details.png');
  await tabsReachable(page, 'phone, sheet open');
  await chartsLoaded(page);
  const phoneCharts = await chartText(page);
  summary.figures.phoneCharts = phoneCharts;
  for (const c of phoneCharts) check(`phone: ${c.id} text is at least 12 px`, c.drawnPx >= 11.99, c);
  await targetsAreBigEnough(page, 'phone, sheet open');
  await page.click('#info-close');
  check('phone: closing folds the sheet', !(await box('#info')).shown);
  noProblems('phone');

  // A search with the options open, on a phone.
  await page.click('#panel-toggle');
  const far = await page.evaluate(async () => (await (await fetch('data/copd?lang=en')).json()).rows.find((r) => r.level === 'cluster' && r.hb_code === 'W11000023'));
  await page.fill('#search', far.name);
  await page.press('#search', 'Enter');
  await page.waitForFunction((c) => window.atlas.ready && window.atlas.state.area === c, far.code, { timeout: 30_000 });
  let seen = await mapSeen(page);
  summary.figures.phoneSearch = { code: far.code, ...seen, folded: !(await box('#controls')).shown };
  check('phone: after a search with the options open, the options fold', !(await box('#controls')).shown && (await box('#info')).shown);
  check('phone: and the keyboard focus goes to the button that opens them', await page.evaluate(() => document.activeElement?.id === 'panel-toggle'));
  check('phone: and the map is seen between the tabs and the sheet', seen.seen >= 200 && /maplibregl-canvas/.test(seen.hit || ''), seen);
  await tabsReachable(page, 'phone, found by search');
  await page.click('#panel-toggle');
  seen = await mapSeen(page);
  summary.figures.phoneOptionsAndSheet = seen;
  check('phone: with the options opened again over a selection, some map is still seen', seen.seen >= 80 && /maplibregl-canvas/.test(seen.hit || ''), seen);
  await tabsReachable(page, 'phone, options and sheet open');
  await page.click('#panel-toggle');
  const tab = await boxOf(page, '#tab-table');
  await page.mouse.click(tab.left + tab.width / 2, tab.top + tab.height / 2);
  await page.waitForFunction(() => !document.getElementById('table-panel').hidden);
  check('phone: a tap on the Table tab with a cluster selected opens the table', await page.evaluate(() => document.getElementById('tab-table').getAttribute('aria-selected') === 'true'));
  await page.click('#tab-map');
  noProblems('phone search');

  // 2. Laptop -----------------------------------------------------------------------------
  await page.setViewportSize({ width: 1366, height: 768 });
  await countLayoutShifts(page);
  await page.goto(`${base}/map?view=indicator&indicator=copd&area=${encodeURIComponent(PLACE.cluster)}`, { waitUntil: 'load' });
  await waitReady(page, 'laptop');
  await chartsLoaded(page);
  const shifts = await layoutShifts(page);
  summary.figures.layoutShift = shifts;
  check('laptop: loading the page shifts its layout by less than 0.1', shifts.cls < 0.1, shifts);
  check('laptop: and the map not at all', shifts.shifts.every((x) => !x.sources.includes('map') && !x.sources.includes('map-wrap')), shifts);
  const card = await page.evaluate(() => {
    const e = document.getElementById('info');
    const r = e.getBoundingClientRect();
    return {
      top: r.top, bottom: r.bottom, left: r.left, right: r.right,
      scrollHeight: e.scrollHeight, clientHeight: e.clientHeight, scrollbar: e.offsetWidth - e.clientWidth,
      overflowY: getComputedStyle(e).overflowY,
    };
  });
  summary.figures.laptopCard = card;
  check('laptop: the card is within the viewport', card.top >= 0 && card.bottom <= 768 && card.left >= 0 && card.right <= 1366, card);
  check('laptop: the card fits, or scrolls with a visible scrollbar', card.scrollHeight <= card.clientHeight + 1
    || (card.overflowY === 'auto' && card.scrollbar >= 8), card);
  const charts = await chartText(page);
  summary.figures.charts = charts;
  for (const c of charts) check(`laptop: ${c.id} text is at least 12 px`, c.drawnPx >= 11.99, c);
  await targetsAreBigEnough(page, 'laptop, card open');
  await page.screenshot({ path: path.join(shotDir, 'map-laptop-card.png') });
  summary.screenshots.push('map-laptop-card.png');
  noProblems('laptop');
}

run(main, 200_000);
