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
//     and at most half its height, with a close button that folds it again.
//  2. Laptop (1366×768), a pinned cluster with its charts: the details card is within the
//     viewport and either fits or scrolls with a visible scrollbar, and the charts' text
//     is drawn at 11 px or more (the SVG's smallest font size times its drawn scale).
// Screenshots: <dir>/map-phone.png, <dir>/map-phone-details.png, <dir>/map-laptop-card.png.
import path from 'node:path';

import { CheckFailed, PLACE, boxOf, check, launch, run, summary, waitReady } from './harness.mjs';

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
  await page.click('#panel-toggle');
  check('phone: the options button opens the controls', (await box('#controls')).shown
    && await page.evaluate(() => document.getElementById('panel-toggle').getAttribute('aria-expanded') === 'true'));
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
  await page.click('#info-close');
  check('phone: closing folds the sheet', !(await box('#info')).shown);
  noProblems('phone');

  // 2. Laptop -----------------------------------------------------------------------------
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`${base}/map?view=indicator&indicator=copd&area=${encodeURIComponent(PLACE.cluster)}`, { waitUntil: 'load' });
  await waitReady(page, 'laptop');
  await page.waitForFunction(() => [...document.querySelectorAll('#info img.chart')].length === 2
    && [...document.querySelectorAll('#info img.chart')].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 20_000 });
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
  const charts = await page.evaluate(async () => Promise.all([...document.querySelectorAll('#info img.chart')].map(async (img) => {
    const svg = await (await fetch(img.src)).text();
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const root = doc.documentElement;
    const vbWidth = Number((root.getAttribute('viewBox') || '').split(/\s+/)[2]) || Number(root.getAttribute('width'));
    const sizes = [root, ...root.querySelectorAll('[font-size]')].map((e) => Number(e.getAttribute('font-size'))).filter((n) => n > 0);
    const scale = img.getBoundingClientRect().width / vbWidth;
    return { id: img.id, minFont: Math.min(...sizes), scale, drawnPx: Math.min(...sizes) * scale };
  })));
  summary.figures.charts = charts;
  for (const c of charts) check(`laptop: ${c.id} text is at least 11 px`, c.drawnPx >= 10.99, c);
  await page.screenshot({ path: path.join(shotDir, 'map-laptop-card.png') });
  summary.screenshots.push('map-laptop-card.png');
  noProblems('laptop');
}

run(main, 200_000);
