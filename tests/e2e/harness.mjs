// What the headless-Chromium scripts map_page.mjs, map_layout.mjs and map_tools.mjs share:
// launching Chromium, the checks and their JSON summary, the time limit, and page probes.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
// Well inside this cluster of the bundled geography (as in map_e2e.mjs).
export const PLACE = { lng: -3.2356, lat: 51.7875, cluster: '7A6:blaenau-gwent-west' };
export const CARDIFF = { lng: -3.1791, lat: 51.4816 };

export class CheckFailed extends Error {}
export const summary = { ok: false, checks: [], figures: {}, screenshots: [] };
let context = null;
let userDataDir = null;

export function check(name, ok, details = {}) {
  if (ok) { summary.checks.push(name); return; }
  summary.checks.push({ failed: name, ...details });
  throw new CheckFailed(`${name}: ${JSON.stringify(details)}`);
}

async function finish(code, message) {
  clearTimeout(watchdog);
  try { if (context) await Promise.race([context.close(), new Promise((r) => setTimeout(r, 10_000))]); } catch { /* ignore */ }
  try { if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true }); } catch { /* ignore */ }
  summary.ok = code === 0;
  if (message) summary.failure = message;
  console.log(JSON.stringify(summary, null, 2));
  if (code !== 0) console.error(`FAIL: ${message}`);
  process.exit(code);
}
let watchdog = null;

export async function waitReady(page, what) {
  try {
    await page.waitForFunction(() => window.atlas?.ready === true, null, { timeout: READY_TIMEOUT_MS, polling: 100 });
  } catch (err) {
    const info = await page.evaluate(() => ({ error: window.atlas?.error, state: window.atlas?.state })).catch(() => ({}));
    throw new CheckFailed(`page not ready (${what}): ${JSON.stringify(info)}; ${String(err?.message || err).split('\n')[0]}`);
  }
}

// Rendered label features of a layer, with their text.
export async function labels(page, layer) {
  return page.evaluate((l) => {
    const { map } = window.atlas;
    if (!map.getLayer(l)) return null;
    return map.queryRenderedFeatures({ layers: [l] }).map((f) => ({
      en: f.properties.name_en, cy: f.properties.name_cy, code: f.properties.code,
    }));
  }, layer);
}

// How many canvas pixels change when the label layers are hidden (then shown again).
export async function labelPixels(page) {
  return page.evaluate(async () => {
    const { map } = window.atlas;
    const ids = ['health-board-label', 'cluster-label', 'lsoa-label'].filter((id) => map.getLayer(id));
    const grab = () => {
      const c = map.getCanvas();
      const copy = document.createElement('canvas');
      copy.width = c.width; copy.height = c.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(c, 0, 0);
      return ctx.getImageData(0, 0, c.width, c.height).data;
    };
    const idle = () => new Promise((r) => { map.once('idle', r); map.triggerRepaint(); });
    await idle();
    const withLabels = grab();
    for (const id of ids) map.setLayoutProperty(id, 'visibility', 'none');
    await idle();
    const without = grab();
    for (const id of ids) map.setLayoutProperty(id, 'visibility', 'visible');
    await idle();
    let changed = 0, dark = 0;
    for (let i = 0; i < withLabels.length; i += 4) {
      const d = Math.abs(withLabels[i] - without[i]) + Math.abs(withLabels[i + 1] - without[i + 1]) + Math.abs(withLabels[i + 2] - without[i + 2]);
      if (d > 30) changed++;
      if (d > 30 && withLabels[i] < 80 && withLabels[i + 1] < 80 && withLabels[i + 2] < 80) dark++;
    }
    return { changed, dark };
  });
}

// A sample of the canvas (every 3rd pixel each way), RGB, as base64.
export async function canvasSample(page) {
  return page.evaluate(async () => {
    const { map } = window.atlas;
    await new Promise((r) => { map.once('idle', r); map.triggerRepaint(); });
    const c = map.getCanvas();
    const copy = document.createElement('canvas');
    copy.width = c.width; copy.height = c.height;
    const ctx = copy.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(c, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const out = [];
    for (let y = 0; y < c.height; y += 3) for (let x = 0; x < c.width; x += 3) {
      const i = (y * c.width + x) * 4;
      out.push(String.fromCharCode(d[i], d[i + 1], d[i + 2]));
    }
    return btoa(out.join(''));
  });
}

/** How alike two canvasSample()s are: the share of pixels within 10 per channel, and the
 *  share of the first that is coloured (not grey), so a blank map cannot pass. */
export function compareSamples(a, b) {
  const x = Buffer.from(a, 'base64'), y = Buffer.from(b, 'base64');
  if (x.length !== y.length) return { same: 0, pixels: 0, sizes: [x.length, y.length] };
  let same = 0, coloured = 0;
  for (let i = 0; i < x.length; i += 3) {
    const d = Math.max(Math.abs(x[i] - y[i]), Math.abs(x[i + 1] - y[i + 1]), Math.abs(x[i + 2] - y[i + 2]));
    if (d <= 10) same++;
    if (Math.abs(x[i] - x[i + 1]) + Math.abs(x[i + 1] - x[i + 2]) > 30) coloured++;
  }
  const pixels = x.length / 3;
  return { same: +(same / pixels).toFixed(4), coloured: +(coloured / pixels).toFixed(4), pixels };
}

/** Two pages side by side (one map against another): each reports its errors into
 *  `problems`. Returns the pages. */
export async function pagePair(context, problems) {
  const first = context.pages()[0] || await context.newPage();
  const second = await context.newPage();
  for (const p of [first, second]) {
    p.setDefaultTimeout(30_000);
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error' && !/GL Driver Message/.test(m.text())) problems.push(`console error: ${m.text()}`);
    });
  }
  return [first, second];
}

// The two cameras both comparisons use: all of Wales, and inside PLACE's cluster.
export const CAMERA = { wales: 'z=6.9&lat=52.3500&lng=-3.7500', near: `z=10.6&lat=${PLACE.lat}&lng=${PLACE.lng}` };

/** Whether the page shows what its URL asks for: no bad-link warning, and the state's
 *  view and indicator are the URL's. */
export async function showsItsUrl(page) {
  return page.evaluate(() => {
    const q = new URL(location.href).searchParams, s = window.atlas.state, w = document.getElementById('url-warning');
    const ok = w.hidden && (!q.get('view') || q.get('view') === s.view) && (!q.get('indicator') || q.get('indicator') === s.indicator);
    return { ok, warning: w.hidden ? null : w.textContent, view: s.view, indicator: s.indicator };
  });
}

export const params = (page) => Object.fromEntries(new URL(page.url()).searchParams);


/** Parses the command line, launches Debian's Chromium with a fresh profile at `viewport`
 *  and counts failed responses: what every script does first. */
export async function launch(script, prefix, viewport) {
  const base = (process.argv[2] || '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) {
    console.error(`usage: node tests/e2e/${script} http://127.0.0.1:PORT [screenshot-dir]`);
    process.exit(2);
  }
  const shotDir = path.resolve(process.argv[3] || path.join(HERE, '..', 'artifacts'));
  fs.mkdirSync(shotDir, { recursive: true });
  const require = createRequire(path.join(HERE, '..', 'js', 'package.json'));
  let chromium;
  try { ({ chromium } = require('playwright-core')); } catch {
    console.error('FAIL: playwright-core is missing: run `npm ci` in tests/js');
    process.exit(2);
  }
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.error(`FAIL: no Chromium at ${executablePath}`);
    process.exit(2);
  }
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), `cluster-atlas-${prefix}-`));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, headless: false, args: CHROMIUM_ARGS,
    viewport, deviceScaleFactor: 1, timeout: 30_000,
  });
  const problems = [];
  context.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  const noProblems = (label) => check(`${label}: no page errors or failed requests`, problems.length === 0, { problems: problems.splice(0) });
  return { base, shotDir, context, problems, noProblems };
}

/** The layout box of `sel` on `page`, and whether it is shown. */
export function boxOf(page, sel) {
  return page.evaluate((s) => {
    const e = document.querySelector(s);
    if (!e) return null;
    const r = e.getBoundingClientRect();
    const shown = getComputedStyle(e).display !== 'none' && r.width > 0 && r.height > 0;
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height, shown };
  }, sel);
}

/** Runs `main` under an overall time limit and prints the summary as JSON; exit 0 when
 *  every check passed. */
export function run(main, overallMs) {
  watchdog = setTimeout(() => finish(3, `overall time limit of ${overallMs / 1000} s reached`), overallMs);
  main().then(() => finish(0)).catch((err) => finish(1, err instanceof CheckFailed ? err.message : (err?.stack || String(err))));
}

/** Every control shown on `page` (buttons, links, inputs, selects, summaries; a segmented
 *  radio button by its label, which is what is pressed) that is smaller than 24 × 24 CSS
 *  px, WCAG 2.2's smallest target (2.5.8). Exempt, as WCAG exempts inline targets: links
 *  inside a sentence of text (the map's attribution). */
export function smallTargets(page) {
  return page.evaluate(() => {
    const INLINE_IN_TEXT = '.maplibregl-ctrl-attrib-inner a';
    const out = [];
    let seen = 0;
    for (const e of document.querySelectorAll('button, a[href], input:not([type="hidden"]), select, textarea, summary')) {
      const target = e.matches('.segmented input') ? document.querySelector(`label[for="${e.id}"]`) : e;
      const r = target.getBoundingClientRect(), s = getComputedStyle(target);
      if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || Number(s.opacity) === 0 || e.closest('[inert]')) continue;
      if (e.matches(INLINE_IN_TEXT)) continue;
      seen++;
      if (r.width < 23.99 || r.height < 23.99) {
        out.push({ what: e.id || `${e.tagName.toLowerCase()}.${String(e.className).split(' ')[0]}`, text: (target.textContent || '').trim().slice(0, 30),
          width: +r.width.toFixed(1), height: +r.height.toFixed(1) });
      }
    }
    return { seen, small: out };
  });
}

/** Starts counting layout shifts (Layout Instability API) in every document `page` loads;
 *  read them with layoutShifts(). */
export function countLayoutShifts(page) {
  return page.addInitScript(() => {
    window.layoutShifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        window.layoutShifts.push({ value: e.value, sources: e.sources.map((s) => s.node?.id || s.node?.nodeName || '?') });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

/** The layout shifts counted so far: their sum (CLS, one session) and each with its sources. */
export function layoutShifts(page) {
  return page.evaluate(() => ({
    cls: window.layoutShifts.reduce((sum, s) => sum + s.value, 0),
    shifts: window.layoutShifts.map((s) => ({ value: +s.value.toFixed(4), sources: s.sources })),
  }));
}
