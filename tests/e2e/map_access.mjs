#!/usr/bin/env node
// Browser test of the map page's accessibility (issue 14): keyboard use, visible focus and
// WCAG 2.2 AA, checked with axe-core, the engine behind Lighthouse's and most CI audits.
//
//   node tests/e2e/map_access.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Needs playwright-core and axe-core from tests/js and Debian's Chromium (as map_e2e.mjs).
// Prints a JSON summary; exits 0 on success, 1 on a failed check, 2 on bad usage or
// missing tools, 3 when the overall time limit is hit.
//
// What it checks:
//  1. axe-core finds no WCAG 2.0/2.1/2.2 A or AA violation (contrast included) in each of
//     the page's states: the indicator map, a cluster's card with its charts, the
//     significance map, the board table, the page in Welsh, a bad-link warning, and the
//     phone layout with its bottom sheet open.
//  2. Tab reaches every control, in an order that follows the page, and every focused
//     element shows a focus ring at least 2 px wide that contrasts 3:1 with what is
//     behind it (WCAG 2.4.7 and 1.4.11), on the light panel and on the dark header alike.
//  3. Everything works from the keyboard: a select changes the map, the map pans and zooms
//     with the arrow and +/- keys (and the URL follows), the table tab opens with Enter, a
//     cluster is chosen from the table with Enter, and Escape clears it again.
//  4. Map labels: the text and its halo contrast at least 4.5:1 (the halo is what keeps a
//     name readable over every palette).
// Screenshot: <dir>/map-focus.png (a focused control on the laptop layout).
import { createRequire } from 'node:module';
import path from 'node:path';

import { CheckFailed, HERE, PLACE, check, launch, params, run, summary, waitReady } from './harness.mjs';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Runs axe-core on the page and fails with every violation, each with its nodes. */
async function audit(page, axeSource, label) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async (tags) => {
    // The map canvas holds no text for axe to read; what is drawn on it is checked below.
    const r = await window.axe.run({ exclude: [['.maplibregl-canvas']] }, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return {
      violations: r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      })),
      passes: r.passes.length,
      incomplete: r.incomplete.map((v) => v.id),
    };
  }, WCAG_TAGS);
  summary.figures[`axe ${label}`] = { passes: result.passes, incomplete: result.incomplete };
  check(`${label}: axe-core finds no WCAG A/AA violation`, result.violations.length === 0, { violations: result.violations });
}

/** What has the keyboard focus, and the focus ring drawn for it. */
function focusInfo(page) {
  return page.evaluate(() => {
    const parse = (c) => {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c || '');
      return m ? { rgb: [Number(m[1]), Number(m[2]), Number(m[3])], a: m[4] === undefined ? 1 : Number(m[4]) } : null;
    };
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (x, y) => { const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
    // The colour behind an element's ring: the nearest ancestor's opaque background.
    const behind = (e) => {
      for (let n = e.parentElement; n; n = n.parentElement) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c && c.a >= 0.9) return c.rgb;
      }
      return [255, 255, 255];
    };
    let e = document.activeElement;
    if (!e || e === document.body) return null;
    const id = e.id || (e.className && String(e.className)) || e.tagName.toLowerCase();
    // A segmented radio button is drawn by its label: the ring is on the label.
    if (e.matches('.segmented input')) e = document.querySelector(`label[for="${e.id}"]`);
    const s = getComputedStyle(e);
    const tones = [];
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) tones.push(parse(s.outlineColor));
    // Rings drawn as solid box-shadows (spread, no blur) count as well.
    for (const m of (s.boxShadow || '').matchAll(/(rgba?\([^)]*\))\s+0px\s+0px\s+0px\s+([\d.]+)px/g)) {
      if (parseFloat(m[2]) >= 2) tones.push(parse(m[1]));
    }
    const back = behind(e);
    const best = Math.max(0, ...tones.filter(Boolean).map((t) => ratio(t.rgb, back)));
    const r = e.getBoundingClientRect();
    return { id, level: e.closest('tr')?.dataset.level, ring: tones.length > 0, contrast: Math.round(best * 100) / 100, top: r.top, left: r.left, shown: r.width > 0 && r.height > 0 };
  });
}

/** Presses Tab until `pred(focus)` holds, at most `limit` times; returns the focus reached. */
async function tabTo(page, pred, limit = 80, key = 'Tab') {
  const passed = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(key);
    const f = await focusInfo(page);
    if (f && pred(f)) return f;
    passed.push(f?.id);
  }
  summary.figures.lastTabSearch = passed;
  return null;
}

const settle = (page) => page.evaluate(() => new Promise((r) => {
  const { map } = window.atlas;
  if (!map.isMoving()) { r(); return; }
  map.once('moveend', () => r());
})).then(() => page.waitForTimeout(400));

async function main() {
  const require = createRequire(path.join(HERE, '..', 'js', 'package.json'));
  let axeSource;
  try { axeSource = require('axe-core').source; } catch {
    console.error('FAIL: axe-core is missing: run `npm ci` in tests/js');
    process.exit(2);
  }
  const { base, shotDir, context, problems, noProblems } = await launch('map_access.mjs', 'access', { width: 1366, height: 768 });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const open = async (query, label) => {
    await page.goto(`${base}/map?${query}`, { waitUntil: 'load' });
    await waitReady(page, label);
  };

  // 1. axe-core in every state -------------------------------------------------------------
  await open('view=indicator&indicator=copd', 'indicator');
  await audit(page, axeSource, 'indicator map');

  // 4. Label contrast, from the style the page drew.
  const labelPaint = await page.evaluate(() => ['health-board-label', 'cluster-label', 'lsoa-label']
    .filter((id) => window.atlas.map.getLayer(id))
    .map((id) => ({ id, text: window.atlas.map.getPaintProperty(id, 'text-color'), halo: window.atlas.map.getPaintProperty(id, 'text-halo-color'), width: window.atlas.map.getPaintProperty(id, 'text-halo-width') })));
  const hex = (c) => (typeof c === 'string' && /^#[0-9a-f]{6}$/i.test(c) ? [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) : null);
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  function lin(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }
  check('labels: the style has label layers', labelPaint.length >= 2, { labelPaint });
  for (const l of labelPaint) {
    const [t, h] = [hex(l.text), hex(l.halo)];
    const ratio = t && h ? (Math.max(lum(t), lum(h)) + 0.05) / (Math.min(lum(t), lum(h)) + 0.05) : 0;
    summary.figures[`label contrast ${l.id}`] = Math.round(ratio * 10) / 10;
    check(`labels: ${l.id} text and halo contrast 4.5:1 or more, with a halo of 1 px or more`, ratio >= 4.5 && Number(l.width) >= 1, { ...l, ratio });
  }

  await open(`view=indicator&indicator=copd&area=${encodeURIComponent(PLACE.cluster)}`, 'card');
  await page.waitForFunction(() => document.querySelectorAll('#info img.chart').length === 2, null, { timeout: 20_000 });
  await audit(page, axeSource, 'cluster card');

  await open('view=significance&indicator=diabetes&vs=hb', 'significance');
  await audit(page, axeSource, 'significance map');

  await open('view=indicator&indicator=copd&tab=table', 'table');
  await page.waitForSelector('#board-table tbody tr', { timeout: 20_000 });
  await audit(page, axeSource, 'board table');

  await open('view=indicator&indicator=copd&lang=cy', 'Welsh');
  check('Welsh: the document language follows the page', await page.evaluate(() => document.documentElement.lang) === 'cy');
  await audit(page, axeSource, 'Welsh page');

  await open('view=indicator&indicator=nosuch&classes=12', 'bad link');
  check('bad link: the warning is shown', await page.evaluate(() => !document.getElementById('url-warning').hidden));
  await audit(page, axeSource, 'bad-link warning');
  problems.splice(0); // the bad link's own 4xx answers are the point of this state

  // 2. Tab order and focus rings -------------------------------------------------------------
  await open('view=indicator&indicator=copd', 'keyboard');
  const seen = [];
  const weak = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const f = await focusInfo(page);
    if (!f) continue;
    if (seen.length && seen[0].id === f.id) break; // back at the start: the cycle is complete
    seen.push(f);
    if (!f.shown || !f.ring || f.contrast < 3) weak.push(f);
    if (f.id === 'indicator') {
      await page.screenshot({ path: path.join(shotDir, 'map-focus.png') });
      summary.screenshots.push('map-focus.png');
    }
  }
  summary.figures.tabOrder = seen.map((f) => `${f.id} ${f.contrast}`);
  check('keyboard: every focused element shows a ring of 3:1 contrast or more', weak.length === 0, { weak });
  const ids = seen.map((f) => f.id);
  // Every control on show, by id, must have been reached: the list comes from the page.
  const wanted = await page.evaluate(() => [...document.querySelectorAll('button[id], select[id], input[id]:not([type="radio"]), a[id][href]')].filter((e) => !e.disabled)
    .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; })
    .map((e) => e.id));
  const missing = wanted.filter((w) => !ids.includes(w));
  summary.figures.controlsOnShow = wanted.length;
  check('keyboard: Tab reaches every control on show, the map and its zoom buttons too', wanted.length >= 12 && missing.length === 0
    && ['maplibregl-canvas', 'maplibregl-ctrl-zoom-in'].every((c) => ids.some((id) => id.includes(c))), { missing, ids });
  check('keyboard: the panel comes before the map', ids.indexOf('lang-en') < ids.indexOf('tab-map'), { ids });

  // 3. Operating the page from the keyboard ---------------------------------------------------
  const before = await page.evaluate(() => window.atlas.state.indicator);
  await page.focus('#indicator');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction((b) => window.atlas.state.indicator !== b && window.atlas.ready, before, { timeout: 20_000 });
  check('keyboard: an arrow key in the indicator list changes the map', params(page).indicator !== before, { url: page.url() });

  await page.focus('.maplibregl-canvas');
  const z0 = await page.evaluate(() => window.atlas.map.getZoom());
  const c0 = await page.evaluate(() => window.atlas.map.getCenter());
  await page.keyboard.press('Equal'); // '=' / '+' zooms in
  await settle(page);
  await page.keyboard.press('ArrowRight');
  await settle(page);
  const z1 = await page.evaluate(() => window.atlas.map.getZoom());
  const c1 = await page.evaluate(() => window.atlas.map.getCenter());
  check('keyboard: + zooms the focused map in', z1 > z0 + 0.5, { z0, z1 });
  check('keyboard: an arrow key pans it', Math.abs(c1.lng - c0.lng) > 1e-4, { c0, c1 });
  await page.waitForFunction((z) => Math.abs(Number(new URL(location.href).searchParams.get('z')) - z) < 0.05, z1, { timeout: 5_000 })
    .catch(() => { throw new CheckFailed(`keyboard: the URL did not record the keyboard zoom ${z1}: ${page.url()}`); });
  check('keyboard: the URL records the keyboard zoom', true);

  const tab = await tabTo(page, (f) => f.id === 'tab-table');
  check('keyboard: Tab reaches the table tab from the map', !!tab);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#board-table tbody tr .area-button', { timeout: 20_000 });
  check('keyboard: Enter opens the table', await page.evaluate(() => !document.getElementById('table-panel').hidden));
  check('keyboard: the map under the table is inert (out of the Tab order, hidden from screen readers)', await page.evaluate(() =>
    ['map', 'overlay'].every((id) => document.getElementById(id).inert && document.getElementById(id).getAttribute('aria-hidden') === 'true')));
  // Wales's table lists the boards: Enter on one narrows the map and the table to it.
  const boardRow = await tabTo(page, (f) => String(f.id).includes('area-button'));
  check('keyboard: Tab reaches a board in the table', !!boardRow);
  const board = await page.evaluate(() => document.activeElement.dataset.code);
  await page.keyboard.press('Enter');
  await page.waitForFunction((b) => window.atlas.state.hb === b
    && document.querySelector('#board-table tbody tr[data-level="cluster"]'), board, { timeout: 20_000 });
  check('keyboard: Enter on a board selects it', params(page).hb === board, { board, url: page.url() });
  check('keyboard: the focus stays in the table when it is redrawn', await page.evaluate(() => document.getElementById('table-panel').contains(document.activeElement)),
    { focus: await focusInfo(page) });
  // The board's own row comes last, below its clusters; the column heads are above.
  const sortButton = await tabTo(page, (f) => f.id === 'button', 120, 'Shift+Tab');
  check('keyboard: Shift+Tab reaches a column to sort by', !!sortButton);
  const col = await page.evaluate(() => document.activeElement.dataset.col);
  await page.keyboard.press('Enter');
  check('keyboard: Enter sorts, and the focus stays on that column', await page.evaluate((c) => document.activeElement.dataset.col === c
    && document.activeElement.closest('th').getAttribute('aria-sort') === 'ascending', col));
  const row = await tabTo(page, (f) => String(f.id).includes('area-button') && f.level === 'cluster');
  check('keyboard: Tab reaches a cluster in the table', !!row);
  const chosen = await page.evaluate(() => document.activeElement.closest('tr').dataset.code);
  await page.keyboard.press('Enter');
  await page.waitForFunction((c) => window.atlas.state.area === c, chosen, { timeout: 10_000 });
  check('keyboard: Enter on a cluster row selects it', params(page).area === chosen, { chosen, url: page.url() });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !window.atlas.state.area, null, { timeout: 10_000 });
  check('keyboard: Escape clears the selection', !params(page).area, { url: page.url() });
  noProblems('desktop');

  // Phone: the folded layout and the bottom sheet.
  await page.setViewportSize({ width: 390, height: 844 });
  await open(`view=indicator&indicator=copd&area=${encodeURIComponent(PLACE.cluster)}`, 'phone');
  await page.waitForFunction(() => document.body.classList.contains('has-details'), null, { timeout: 20_000 });
  await audit(page, axeSource, 'phone with its sheet');
  const toggle = await tabTo(page, (f) => f.id === 'panel-toggle');
  check('phone: Tab reaches the options button, with a visible ring', !!toggle && toggle.contrast >= 3, { toggle });
  await page.keyboard.press('Enter');
  check('phone: Enter opens the options', await page.evaluate(() => document.getElementById('panel-toggle').getAttribute('aria-expanded') === 'true'));
  noProblems('phone');
}

run(main, 220_000);
