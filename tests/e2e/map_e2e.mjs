#!/usr/bin/env node
// End-to-end browser test of the embeddable map page (/map).
//
//   node tests/e2e/map_e2e.mjs http://127.0.0.1:PORT [screenshot-dir] [http://127.0.0.1:PORT2/atlas]
//
// The optional third argument is the same app mounted under a path prefix (tests/map_e2e.rs
// nests the router under /atlas, with --public-url set to match); without it the prefix
// checks (9) are skipped.
//
// Needs: playwright-core from tests/js (cd tests/js && npm ci) and Debian's Chromium at
// /usr/bin/chromium (apt-get install -y chromium; override with CHROMIUM=...). It never
// downloads a browser. Prints a JSON summary; exits 0 on success, 1 on a failed check,
// 2 on bad usage / missing tools, 3 when the overall time limit is hit.
//
// What it checks (against the live server):
//  1. /map?indicator=patients_most_deprived_20pct&classes=5 becomes ready (window.atlas.ready).
//  2. The choropleth is really drawn: at fixed lon/lat places well inside known clusters, the
//     rendered canvas pixel equals the legend colour of that cluster's class (class from
//     /data/{indicator}, colour from /legends/indicator.json), blended as the style draws it
//     (fill-opacity 0.9 over white), within 12 per channel; the places cover >= 2 classes.
//  3. Clicking a cluster fills the info panel (value, 95% CI, significance in words).
//  4. Switching the indicator in the UI (to copd) and the language (to Cymraeg) updates the
//     legend, the URL and the pixels; Welsh text appears in the banner, legend and UI.
//  5. While /tiles/wales says the cluster geography is approximate, the banner saying so is
//     visible (in English and in Welsh); the TileJSON attribution is visible.
//  6. Choosing a health board zooms to it, shows its findings and is kept in the URL; a
//     fresh page at an embed URL (?indicator=copd&hb=W11000028&lang=cy) restores that state.
//  7. The page's lists are the server's vocabulary (/vocabulary): the board select lists
//     exactly its health boards, in the page's language; with lang=cy the WIMD domain
//     select shows the server's Welsh names ("Mynediad at wasanaethau"); the method select
//     shows the server's method names.
//  8. Significance colours follow the indicator's polarity: for a neutral indicator, the
//     findings pills and the details card's significance swatches are
//     vocabulary.significance.colors.neutral (purple/orange, not red/blue), as the legend,
//     and the card's words are the vocabulary's labels.
//  9. (with a prefixed base) Under a path prefix, /atlas/map draws the choropleth (pixels
//     as in 2), loads the charts and links under the prefix, switches language, and no
//     request the browser makes leaves /atlas/.
// Screenshots: <dir>/map-en.png and <dir>/map-cy.png (default dir tests/artifacts/).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OVERALL_TIMEOUT_MS = 200_000; // below the 240 s of the cargo wrapper (tests/map_e2e.rs)
const READY_TIMEOUT_MS = 60_000;
const TOLERANCE = 12;       // per RGB channel
const FILL_OPACITY = 0.9;   // the styles' fill-opacity, drawn over a white background

// Fixed places, each well inside (>= 2 km from the edge of) one cluster of the bundled
// geography. The test reads the cluster actually drawn there (queryRenderedFeatures) and
// reports when it is not the expected one, so a change of geography shows clearly.
const PLACES = [
  { id: 'blaenau-gwent-west', lng: -3.2356, lat: 51.7875, cluster: '7A6:blaenau-gwent-west' },
  { id: 'bridgend-north', lng: -3.6060, lat: 51.5931, cluster: '7A5:bridgend-north-network' },
  { id: 'mid-powys', lng: -3.4994, lat: 52.2292, cluster: '7A7:mid-powys' },
  { id: 'north-powys', lng: -3.5805, lat: 52.5538, cluster: '7A7:north-powys' },
  { id: 'anglesey', lng: -4.4013, lat: 53.2873, cluster: '7A1:anglesey' },
  { id: 'north-pembrokeshire', lng: -5.0122, lat: 51.8903, cluster: '7A2:north-pembrokeshire' },
];
const BOARD = { code: 'W11000028', bbox: [-3.45, 51.45, -2.6, 52.05] }; // Aneurin Bevan, loose box

const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

class CheckFailed extends Error {}

const summary = { ok: false, base: null, browser: null, maplibre: null, checks: [], screenshots: [], errors: [] };
const checks = summary.checks;
let context = null;
let userDataDir = null;
let currentPage = null;

// Passed checks are listed by name; a failed one carries its details and stops the run.
function check(name, ok, details = {}) {
  if (ok) { checks.push(name); return; }
  checks.push({ failed: name, ...details });
  throw new CheckFailed(`${name}: ${JSON.stringify(details)}`);
}

async function cleanup() {
  try { if (context) await Promise.race([context.close(), new Promise((r) => setTimeout(r, 10_000))]); } catch { /* ignore */ }
  context = null;
  try { if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true }); } catch { /* ignore */ }
}

async function finish(code, message) {
  clearTimeout(watchdog);
  if (code !== 0 && currentPage && summary.shotDir) {
    try {
      const p = path.join(summary.shotDir, 'map-failure.png');
      await Promise.race([currentPage.screenshot({ path: p }), new Promise((r) => setTimeout(r, 5000))]);
      summary.screenshots.push(p);
    } catch { /* ignore */ }
  }
  await cleanup();
  summary.ok = code === 0;
  if (message) summary.failure = message;
  console.log(JSON.stringify(summary, null, 2));
  if (code !== 0) console.error(`FAIL: ${message}`);
  else console.error(`map e2e: ${checks.length} passed, 0 failed`);
  process.exit(code);
}

const watchdog = setTimeout(() => {
  finish(3, `overall time limit of ${OVERALL_TIMEOUT_MS / 1000} s reached`);
}, OVERALL_TIMEOUT_MS);

// ---------------------------------------------------------------------------------------
async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new CheckFailed(`GET ${url} -> ${res.status}: ${await res.text()}`);
  return res.json();
}

function hexToRgb(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`bad colour ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}
const blend = (rgb) => rgb.map((c) => Math.round(FILL_OPACITY * c + (1 - FILL_OPACITY) * 255));
const rgbHex = (rgb) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

// The query the page uses for /legends and /data, from window.atlas.state.
function legendQuery(s) {
  const p = new URLSearchParams({ indicator: s.indicator, period: s.period, lang: s.lang });
  if (s.view === 'indicator') {
    p.set('method', s.method);
    if (s.method === 'manual') p.set('breaks', s.breaks); else p.set('classes', String(s.classes));
    p.set('palette', s.palette);
  } else if (s.view === 'significance') {
    p.set('vs', s.vs);
  }
  return p.toString();
}

// Wait for window.atlas.ready and, optionally, for window.atlas.state to contain `want`.
// (A function predicate: the page's CSP forbids evaluating strings.)
async function waitReady(page, want = {}, what = 'ready') {
  const t0 = Date.now();
  try {
    await page.waitForFunction((w) => {
      const a = window.atlas;
      return !!a && a.ready === true && !!a.state && Object.entries(w).every(([k, v]) => a.state[k] === v);
    }, want, { timeout: READY_TIMEOUT_MS, polling: 100 });
  } catch (err) {
    const info = await page.evaluate(() => ({ ready: window.atlas?.ready, error: window.atlas?.error, state: window.atlas?.state }))
      .catch(() => ({}));
    throw new CheckFailed(`page not ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s (limit ${READY_TIMEOUT_MS / 1000} s): `
      + `${JSON.stringify(info)}; ${String(err?.message || err).split('\n')[0]}`);
  }
  return Date.now() - t0;
}

// Read the rendered colour at each place from the map's WebGL canvas (drawn with
// preserveDrawingBuffer) via a 2D canvas copy, with the feature drawn there. The label
// layers are hidden meanwhile (a name may sit on a place); map_page.mjs checks labels.
async function samplePlaces(page) {
  return page.evaluate(async (places) => {
    const { map, state } = window.atlas;
    const labels = map.getStyle().layers.filter((l) => l.type === 'symbol').map((l) => l.id);
    for (const id of labels) map.setLayoutProperty(id, 'visibility', 'none');
    await new Promise((r) => { map.once('idle', r); map.triggerRepaint(); });
    try {
      const layer = { deprivation: 'deprivation-fill', indicator: 'indicator-fill', significance: 'significance-fill' }[state.view];
      const canvas = map.getCanvas();
      const copy = document.createElement('canvas');
      copy.width = canvas.width; copy.height = canvas.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(canvas, 0, 0);
      const ratio = canvas.width / canvas.clientWidth;
      const rect = canvas.getBoundingClientRect();
      return places.map((p) => {
        const pt = map.project([p.lng, p.lat]);
        const inView = pt.x >= 3 && pt.y >= 3 && pt.x < canvas.clientWidth - 3 && pt.y < canvas.clientHeight - 3;
        const f = map.queryRenderedFeatures([pt.x, pt.y], { layers: [layer] })[0];
        const x = Math.round(pt.x * ratio), y = Math.round(pt.y * ratio);
        const d = ctx.getImageData(x - 1, y - 1, 3, 3).data;
        const centre = [d[16], d[17], d[18]];
        let spread = 0;
        for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) spread = Math.max(spread, Math.abs(d[i + k] - centre[k]));
        const top = document.elementFromPoint(rect.left + pt.x, rect.top + pt.y);
        return {
          id: p.id, expectedCluster: p.cluster, x: Math.round(pt.x), y: Math.round(pt.y), inView,
          cluster: f?.properties?.code ?? null, tileClass: f?.properties?.class ?? null,
          rgb: centre, spread, visibleToUser: top === canvas,
        };
      });
    } finally {
      for (const id of labels) map.setLayoutProperty(id, 'visibility', 'visible');
    }
  }, PLACES);
}

// Pixel check for the indicator view: each place's pixel is the legend colour of its
// cluster's class (from /data), blended like the style draws it.
async function checkPixels(page, base, label) {
  const s = await page.evaluate(() => window.atlas.state);
  const q = legendQuery(s);
  const [legend, data] = await Promise.all([
    getJson(`${base}/legends/indicator.json?${q}`),
    getJson(`${base}/data/${s.indicator}?${q}`),
  ]);
  const pageLegend = await page.evaluate(() => window.atlas.legend);
  check(`${label}: page legend = /legends/indicator.json`, JSON.stringify(pageLegend.entries) === JSON.stringify(legend.entries)
    && pageLegend.title === legend.title, { title: legend.title });
  const classOf = new Map(data.rows.filter((r) => r.level === 'cluster').map((r) => [r.code, r.class]));
  const colourOf = new Map(legend.entries.map((e) => [e.key, e.color]));
  const samples = await samplePlaces(page);
  const results = [];
  for (const smp of samples) {
    const cls = classOf.get(smp.cluster);
    const legendHex = colourOf.get(cls) ?? legend.no_data.color;
    const expected = blend(hexToRgb(legendHex));
    const diff = Math.max(...expected.map((c, k) => Math.abs(c - smp.rgb[k])));
    const r = {
      place: smp.id, lngLat: [PLACES.find((p) => p.id === smp.id).lng, PLACES.find((p) => p.id === smp.id).lat],
      px: [smp.x, smp.y], cluster: smp.cluster, class: cls, legend: legendHex,
      expected: rgbHex(expected), found: rgbHex(smp.rgb), maxDiff: diff,
    };
    if (smp.cluster !== smp.expectedCluster) r.note = `expected cluster ${smp.expectedCluster}: the cluster geography changed`;
    results.push(r);
    check(`${label}: ${smp.id}: in view, uncovered, cluster drawn, tile class = /data class, pixel = blended legend colour (±${TOLERANCE})`,
      smp.inView && smp.visibleToUser && smp.cluster !== null && cls !== undefined && Number(smp.tileClass) === Number(cls)
      && diff <= TOLERANCE && smp.spread <= TOLERANCE,
      { ...r, inView: smp.inView, visibleToUser: smp.visibleToUser, tileClass: smp.tileClass, spread3x3: smp.spread });
  }
  const classes = new Set(results.map((r) => r.class));
  check(`${label}: places cover at least 2 classes`, classes.size >= 2, { classes: [...classes] });
  return {
    label, state: { indicator: s.indicator, period: s.period, method: s.method, classes: s.classes, lang: s.lang },
    legendTitle: legend.title, pixels: results,
  };
}

async function textOf(page, selector) {
  return page.locator(selector).innerText({ timeout: 10_000 });
}

async function isVisible(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return !el.hidden && cs.display !== 'none' && cs.visibility !== 'hidden' && Number(cs.opacity) > 0.5
      && r.width > 50 && r.height > 10 && r.top >= 0 && r.bottom <= innerHeight + 1 && r.left >= 0 && r.right <= innerWidth + 1;
  }, selector);
}

function urlParams(page) { return Object.fromEntries(new URL(page.url()).searchParams); }

// ---------------------------------------------------------------------------------------
async function main() {
  const base = (process.argv[2] || '').replace(/\/+$/, '');
  const prefixed = (process.argv[4] || '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base) || (prefixed && !/^https?:\/\/[^/]+\/./.test(prefixed))) {
    console.error('usage: node tests/e2e/map_e2e.mjs http://127.0.0.1:PORT [screenshot-dir] [http://127.0.0.1:PORT2/prefix]');
    process.exit(2);
  }
  summary.base = base;
  summary.prefixedBase = prefixed || null;
  const shotDir = path.resolve(process.argv[3] || path.join(HERE, '..', 'artifacts'));
  fs.mkdirSync(shotDir, { recursive: true });
  summary.shotDir = shotDir;

  const require = createRequire(path.join(HERE, '..', 'js', 'package.json'));
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch {
    console.error('FAIL: playwright-core is missing: run `npm ci` in tests/js');
    process.exit(2);
  }
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.error(`FAIL: no Chromium at ${executablePath}: apt-get install -y chromium`);
    process.exit(2);
  }

  // Server-side facts the page must show.
  const tileJson = await getJson(`${base}/tiles/wales`);
  const approximate = tileJson.cluster_geography?.approximate === true;

  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-atlas-e2e-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, headless: false, args: CHROMIUM_ARGS,
    viewport: { width: 1024, height: 768 }, deviceScaleFactor: 1, timeout: 30_000,
  });
  summary.browser = context.browser()?.version() ?? 'chromium';
  const problems = [];
  const watch = (page) => {
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      const text = m.text();
      if (/Content.Security.Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
      else if (m.type() === 'error' && !/GL Driver Message/.test(text)) problems.push(`console error: ${text} ${m.location()?.url || ''}`);
    });
  };
  context.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  const noProblems = (label) => check(`${label}: no page errors, CSP violations or failed requests`, problems.length === 0, { problems: problems.splice(0) });

  // 1. Initial load -------------------------------------------------------------------
  const page = context.pages()[0] || await context.newPage();
  currentPage = page;
  watch(page);
  const startUrl = `${base}/map?indicator=patients_most_deprived_20pct&classes=5`;
  await page.goto(startUrl, { waitUntil: 'load', timeout: 30_000 });
  const readyMs = await waitReady(page, {}, 'ready after load');
  summary.maplibre = await page.evaluate(() => window.atlas.maplibreVersion);
  const s0 = await page.evaluate(() => window.atlas.state);
  check('initial state from URL', s0.view === 'indicator' && s0.indicator === 'patients_most_deprived_20pct' && s0.classes === 5 && s0.lang === 'en',
    { state: s0, readyMs });
  check('initial URL reflects state', urlParams(page).indicator === 'patients_most_deprived_20pct' && urlParams(page).view === 'indicator'
    && urlParams(page).classes === '5', { url: page.url() });

  // 5. Banner and attribution ---------------------------------------------------------
  // The banner shows exactly while the server says the cluster geography is approximate.
  summary.clusterGeographyApproximate = approximate;
  const bannerEn = await textOf(page, '#banner').catch(() => '');
  if (approximate) {
    check('approximate-geography banner visible (en)', await isVisible(page, '#banner') && /Cluster boundaries are approximate/.test(bannerEn), { banner: bannerEn });
  } else {
    check('no approximate-geography banner (official geography)', !(await isVisible(page, '#banner')), { banner: bannerEn });
  }
  const attrib = await textOf(page, '.maplibregl-ctrl-attrib');
  check('attribution visible (TileJSON attribution)', await isVisible(page, '.maplibregl-ctrl-attrib') && /Crown copyright/.test(attrib)
    && (!approximate || /APPROXIMATE/.test(attrib)), { attribution: attrib.slice(0, 80) });

  // 2. Pixels ------------------------------------------------------------------------
  const pixelsEn = await checkPixels(page, base, 'patients_most_deprived_20pct/en');
  const legendTitle0 = await textOf(page, '#legend-title');
  check('legend panel shows the legend title', legendTitle0 === pixelsEn.legendTitle, { legendTitle0 });

  // 3. Click a cluster -> info panel ---------------------------------------------------
  const bg = pixelsEn.pixels.find((p) => p.place === 'blaenau-gwent-west');
  const row = (await getJson(`${base}/data/patients_most_deprived_20pct?classes=5`)).rows.find((r) => r.code === bg.cluster);
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + bg.px[0], box.y + bg.px[1]);
  await page.waitForFunction((name) => document.getElementById('info-title').textContent === name, row.name, { timeout: 10_000 });
  // A pinned card restates its population rows at its charts' period once the profile is in.
  await page.waitForFunction(() => document.getElementById('info-body').dataset.period, null, { timeout: 30_000 });
  const info = await textOf(page, '#info');
  // A complete count (issue 22): no interval, no flag, and the card says why.
  check('info panel for a clicked cluster', info.includes(row.name) && info.includes('95% CI') && info.includes(`${row.value.toFixed(1)}%`)
    && row.sig_vs_wales === 'not_tested' && row.lower_ci === null && info.includes('Not tested') && info.includes('a complete count, not a sample'),
    { info: info.replace(/\n/g, ' | ') });
  // The pinned cluster's population pyramid and deprivation profile (issue 7).
  await page.waitForFunction(() => ['pyramid-chart', 'deprivation-chart'].every((id) => {
    const img = document.getElementById(id);
    return img && img.complete && img.naturalWidth > 0;
  }), null, { timeout: 10_000 });
  const charts = await page.evaluate(() => ['pyramid-chart', 'deprivation-chart'].map((id) => {
    const img = document.getElementById(id);
    return { src: img.getAttribute('src'), alt: img.alt, width: img.naturalWidth, height: img.naturalHeight };
  }));
  const profile = await getJson(`${base}/profiles/${encodeURIComponent(bg.cluster)}`);
  check('population charts shown for the selected cluster', charts.every((c) => c.width > 0 && c.alt.length > 10 && c.src.startsWith(`/profiles/${encodeURIComponent(bg.cluster)}/`))
    && info.includes('Population (mid-2024)') && !info.includes('mid-2020') && profile.area.code === bg.cluster, { charts, info: info.replace(/\n/g, ' | ') });

  const shotEn = path.join(shotDir, 'map-en.png');
  await page.screenshot({ path: shotEn });
  summary.screenshots.push(shotEn);
  await page.keyboard.press('Escape');
  noProblems('initial page');

  // 4a. Switch indicator via the UI ----------------------------------------------------
  await page.selectOption('#indicator', 'copd');
  await waitReady(page, { indicator: 'copd' }, 'ready after switching indicator');
  const u1 = urlParams(page);
  check('URL reflects indicator switch', u1.indicator === 'copd' && u1.view === 'indicator' && u1.classes === '5' && u1.period === '2023-24', { url: page.url() });
  const pixelsCopd = await checkPixels(page, base, 'copd/en');
  const legendTitle1 = await textOf(page, '#legend-title');
  check('legend title changed with the indicator', legendTitle1 !== legendTitle0 && legendTitle1 === pixelsCopd.legendTitle,
    { before: legendTitle0, after: legendTitle1 });
  noProblems('after indicator switch');

  // 4b. Switch language via the UI -----------------------------------------------------
  await page.click('#lang-cy');
  await waitReady(page, { lang: 'cy' }, 'ready after switching language');
  const u2 = urlParams(page);
  check('URL reflects language switch', u2.lang === 'cy' && u2.indicator === 'copd', { url: page.url() });
  const sCy = await page.evaluate(() => window.atlas.state);
  const legendCy = await getJson(`${base}/legends/indicator.json?${legendQuery(sCy)}`);
  const legendDom = await page.evaluate(() => ({
    title: document.getElementById('legend-title').textContent,
    subtitle: document.getElementById('legend-subtitle').textContent,
    labels: [...document.querySelectorAll('#legend-entries li .label')].map((e) => e.textContent),
  }));
  const expectedLabels = [...legendCy.entries.map((e) => e.label), legendCy.no_data.label];
  check('legend is the Welsh legend', legendCy.lang === 'cy' && legendDom.subtitle === legendCy.subtitle
    && JSON.stringify(legendDom.labels) === JSON.stringify(expectedLabels) && legendDom.labels.includes('Dim data'),
  { subtitle: legendDom.subtitle, labels: legendDom.labels });
  const bannerCy = await textOf(page, '#banner').catch(() => '');
  const uiCy = await page.evaluate(() => ({ lang: document.documentElement.lang, indicatorLabel: document.querySelector('label[for=indicator]').textContent }));
  check('Welsh UI strings', uiCy.lang === 'cy' && uiCy.indicatorLabel === 'Dangosydd', uiCy);
  if (approximate) {
    check('approximate-geography banner visible (cy)', await isVisible(page, '#banner') && /Mae ffiniau.r clystyrau yn frasamcan/.test(bannerCy), { banner: bannerCy });
  }
  const pixelsCy = await checkPixels(page, base, 'copd/cy');
  const shotCy = path.join(shotDir, 'map-cy.png');
  await page.screenshot({ path: shotCy });
  summary.screenshots.push(shotCy);
  noProblems('after language switch');

  // 6. Health board filter, then an embed URL in a fresh page --------------------------
  await page.selectOption('#hb', BOARD.code);
  await waitReady(page, { hb: BOARD.code }, 'ready after choosing a health board');
  const findingsCy = await getJson(`${base}/findings/copd?period=2023-24&lang=cy`);
  const boardText = findingsCy.health_boards.find((h) => h.hb_code === BOARD.code).text;
  const hbView = await page.evaluate(() => {
    const c = window.atlas.map.getCenter();
    return { lng: c.lng, lat: c.lat, zoom: window.atlas.map.getZoom(), findings: document.getElementById('findings-body').innerText };
  });
  const inBox = (v) => v.lng > BOARD.bbox[0] && v.lng < BOARD.bbox[2] && v.lat > BOARD.bbox[1] && v.lat < BOARD.bbox[3];
  check('health board: zoomed to it, findings shown, in URL', urlParams(page).hb === BOARD.code && inBox(hbView) && hbView.zoom > 8.5
    && hbView.findings.includes(boardText), { center: [hbView.lng.toFixed(3), hbView.lat.toFixed(3)], zoom: hbView.zoom.toFixed(2), url: page.url() });

  const embedUrl = `${base}/map?indicator=copd&hb=${BOARD.code}&lang=cy`;
  const page2 = await context.newPage();
  currentPage = page2;
  watch(page2);
  await page2.goto(embedUrl, { waitUntil: 'load', timeout: 30_000 });
  await waitReady(page2, {}, 'ready at the embed URL');
  const restored = await page2.evaluate(() => {
    const c = window.atlas.map.getCenter();
    return { state: window.atlas.state, lng: c.lng, lat: c.lat, lang: document.documentElement.lang, hbSelect: document.getElementById('hb').value };
  });
  check('embed URL restores the state', restored.state.view === 'indicator' && restored.state.indicator === 'copd'
    && restored.state.hb === BOARD.code && restored.state.lang === 'cy' && restored.lang === 'cy' && restored.hbSelect === BOARD.code && inBox(restored),
  { url: embedUrl, state: restored.state, center: [restored.lng.toFixed(3), restored.lat.toFixed(3)] });
  noProblems('embed page');

  // 7. Lists from the vocabulary -------------------------------------------------------
  const vocab = await getJson(`${base}/vocabulary`);
  const page3 = await context.newPage();
  currentPage = page3;
  watch(page3);
  await page3.goto(`${base}/map?view=deprivation&domain=access_to_services&lang=cy`, { waitUntil: 'load', timeout: 30_000 });
  await waitReady(page3, { view: 'deprivation', domain: 'access_to_services', lang: 'cy' }, 'ready at the Welsh deprivation URL');
  const selects = await page3.evaluate(() => Object.fromEntries(['hb', 'domain', 'method'].map((id) => {
    const sel = document.getElementById(id);
    return [id, { value: sel.value, selectedText: sel.selectedOptions[0]?.textContent,
      options: [...sel.options].map((o) => [o.value, o.textContent]) }];
  })));
  const boardsCy = vocab.health_boards.map((b) => [b.code, b.name_cy]);
  check('board select lists exactly the /vocabulary health boards (cy)', vocab.health_boards.length > 0
    && JSON.stringify(selects.hb.options.filter(([v]) => v !== '')) === JSON.stringify(boardsCy)
    && selects.hb.options[0][0] === '', { page: selects.hb.options, vocabulary: boardsCy });
  const domainsCy = vocab.wimd_domains.map((d) => [d.id, d.cy]);
  check('domain select shows the server\'s Welsh WIMD domains ("Mynediad at wasanaethau")',
    selects.domain.value === 'access_to_services' && selects.domain.selectedText === 'Mynediad at wasanaethau'
    && JSON.stringify(selects.domain.options) === JSON.stringify(domainsCy), { page: selects.domain, vocabulary: domainsCy });
  const cap = (x) => x.charAt(0).toUpperCase() + x.slice(1);
  const methodsCy = vocab.methods.map((m) => [m.id, cap(m.cy)]);
  check('method select shows the server\'s method names (cy)', JSON.stringify(selects.method.options) === JSON.stringify(methodsCy),
    { page: selects.method.options, vocabulary: methodsCy });
  // The same in English, after the language switch.
  await page3.click('#lang-en');
  await waitReady(page3, { lang: 'en' }, 'ready after switching to English');
  const hbEn = await page3.evaluate(() => [...document.getElementById('hb').options].filter((o) => o.value).map((o) => [o.value, o.textContent]));
  const boardsEn = vocab.health_boards.map((b) => [b.code, b.name_en]);
  check('board select lists exactly the /vocabulary health boards (en)', JSON.stringify(hbEn) === JSON.stringify(boardsEn),
    { page: hbEn, vocabulary: boardsEn });
  noProblems('vocabulary page');

  // 8. Significance colours by polarity ------------------------------------------------
  // A neutral indicator with clusters significantly higher and lower than Wales. (The
  // recorded prevalences are neutral but publish no counts, so all their flags are
  // "not tested", whose colour is the same for every polarity: they cannot tell.)
  const indicatorsEn = await getJson(`${base}/indicators?lang=en`);
  let neutral = null;
  let neutralFindings = null;
  for (const ind of indicatorsEn.indicators.filter((i) => i.polarity === 'neutral')) {
    const f = await getJson(`${base}/findings/${ind.id}?period=${encodeURIComponent(ind.default_period)}&lang=en`);
    if (f.wales.higher > 0 && f.wales.lower > 0) { neutral = ind; neutralFindings = f; break; }
  }
  check('a neutral-polarity indicator with tested flags exists', !!neutral,
    { neutral: indicatorsEn.indicators.filter((i) => i.polarity === 'neutral').map((i) => i.id) });
  summary.neutralIndicator = neutral.id;
  const colours = vocab.significance.colors;
  const toCss = (hex) => `rgb(${hexToRgb(hex).join(', ')})`;
  check('neutral significance colours differ from higher_is_worse (the check below can fail)',
    colours.neutral.higher !== colours.higher_is_worse.higher && colours.neutral.lower !== colours.higher_is_worse.lower, { colours });
  await page3.goto(`${base}/map?view=significance&indicator=${neutral.id}&vs=wales&lang=en`, { waitUntil: 'load', timeout: 30_000 });
  await waitReady(page3, { view: 'significance', indicator: neutral.id }, 'ready at the neutral significance map');
  const sigLegend = await page3.evaluate(() => window.atlas.legend.entries.map((e) => [e.key, e.color]));
  check('significance legend colours = vocabulary.significance.colors.neutral', sigLegend.length === vocab.significance.flags.length
    && sigLegend.every(([k, c]) => c === colours.neutral[k]), { legend: sigLegend, vocabulary: colours.neutral });
  const expectedPills = vocab.significance.flags.filter((k) => neutralFindings.wales[k] > 0).map((k) => toCss(colours.neutral[k]));
  const pills = await page3.evaluate(() => [...document.querySelectorAll('#findings-body .pill i')].map((i) => getComputedStyle(i).backgroundColor));
  check('findings pills use the neutral significance colours', JSON.stringify(pills) === JSON.stringify(expectedPills),
    { pills, expected: expectedPills });
  const neutralData = await getJson(`${base}/data/${neutral.id}?period=${encodeURIComponent(neutral.default_period)}&lang=en`);
  const tested = neutralData.rows.find((r) => r.level === 'cluster' && ['higher', 'lower'].includes(r.sig_vs_wales) && r.sig_vs_hb);
  await page3.selectOption('#cluster', tested.code);
  await page3.waitForFunction((name) => document.getElementById('info-title').textContent === name, tested.name, { timeout: 10_000 });
  const card = await page3.evaluate(() => [...document.querySelectorAll('#info-body .sig-list li')].map((li) => ({
    text: li.innerText.trim(), colour: li.querySelector('i') ? getComputedStyle(li.querySelector('i')).backgroundColor : null,
  })));
  const labels = vocab.significance.labels.neutral;
  const expectedCard = [
    { text: labels.hb.en[tested.sig_vs_hb], colour: toCss(colours.neutral[tested.sig_vs_hb]) },
    { text: labels.wales.en[tested.sig_vs_wales], colour: toCss(colours.neutral[tested.sig_vs_wales]) },
  ];
  check('details card: significance in the vocabulary\'s words and neutral colours', JSON.stringify(card) === JSON.stringify(expectedCard),
    { cluster: tested.code, card, expected: expectedCard });
  await page3.keyboard.press('Escape');
  noProblems('polarity page');

  // 9. Under a path prefix ----------------------------------------------------------------
  if (prefixed) {
    const prefixPath = new URL(prefixed).pathname;
    // Only this page runs now, so every request seen is one it made (the context also
    // sees its worker's and its images' requests).
    for (const p of [page, page2, page3]) await p.close();
    const requests = [];
    context.on('request', (r) => requests.push(r.url()));
    const page4 = await context.newPage();
    currentPage = page4;
    watch(page4);
    await page4.goto(`${prefixed}/map?indicator=patients_most_deprived_20pct&classes=5`, { waitUntil: 'load', timeout: 30_000 });
    await waitReady(page4, {}, 'ready under the path prefix');
    const pixelsPrefix = await checkPixels(page4, prefixed, `prefix ${prefixPath}`);
    await page4.selectOption('#cluster', bg.cluster);
    await page4.waitForFunction(() => ['pyramid-chart', 'deprivation-chart'].every((id) => {
      const img = document.getElementById(id);
      return img && img.complete && img.naturalWidth > 0;
    }), null, { timeout: 10_000 });
    const prefixLinks = await page4.evaluate(() => ({
      charts: ['pyramid-chart', 'deprivation-chart'].map((id) => document.getElementById(id).getAttribute('src')),
      data: document.getElementById('link-data').href,
      legend: document.getElementById('link-legend').href,
    }));
    check('under the prefix: charts and links point inside it', prefixLinks.charts.every((c) => c.startsWith(`${prefixPath}/profiles/`))
      && prefixLinks.data.startsWith(`${prefixed}/data/`) && prefixLinks.legend.startsWith(`${prefixed}/legends/`), prefixLinks);
    await page4.click('#lang-cy');
    await waitReady(page4, { lang: 'cy' }, 'ready under the prefix after switching language');
    check('under the prefix: Welsh page', (await page4.evaluate(() => document.querySelector('label[for=indicator]').textContent)) === 'Dangosydd');
    const web = requests.filter((u) => /^https?:/.test(u));
    const outside = web.filter((u) => !u.startsWith(`${prefixed}/`));
    const seen = (path) => web.some((u) => u.startsWith(`${prefixed}/${path}`));
    summary.prefixRequests = { total: requests.length, http: web.length, outside };
    check(`under the prefix: no request leaves ${prefixPath}/`, outside.length === 0, { outside });
    check('under the prefix: modules, vocabulary, indicators, styles, tiles and profiles were requested there',
      ['static/js/main.js', 'static/vendor/maplibre-gl/maplibre-gl.mjs', 'vocabulary', 'indicators?lang=cy', 'styles/', 'tiles/', 'profiles/']
        .every(seen), { requests: web.map((u) => u.slice(prefixed.length)).slice(0, 60) });
    noProblems('prefix page');
    summary.pixelChecks = [pixelsEn, pixelsCopd, pixelsCy, pixelsPrefix];
  } else {
    summary.pixelChecks = [pixelsEn, pixelsCopd, pixelsCy];
  }
  summary.readyMs = readyMs;
  await finish(0);
}

main().catch((err) => finish(1, err instanceof CheckFailed ? err.message : (err?.stack || String(err))));
