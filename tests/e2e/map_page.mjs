#!/usr/bin/env node
// Browser test of the map page's labels, requests and shareable state (issue 14).
//
//   node tests/e2e/map_page.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Needs playwright-core from tests/js and Debian's Chromium (as tests/e2e/map_e2e.mjs).
// Prints a JSON summary; exits 0 on success, 1 on a failed check, 2 on bad usage or
// missing tools, 3 when the overall time limit is hit.
//
// What it checks:
//  1. Labels are drawn: the style's label layers (board names over all of Wales, cluster
//     names at a cluster zoom, LSOA names at z11.5 in Cardiff) have rendered features, in
//     the page's language (Welsh names with lang=cy), and hiding them changes the canvas
//     pixels (so the glyphs really drew).
//  2. Smaller requests: an indicator map never asks for /tiles/wales tiles; its tiles are
//     clusters,health_boards ones, and LSOA name tiles only from z11.
//  3. URL state: selecting a cluster by clicking it and zooming with the mouse wheel put
//     `area` and z/lat/lng in the URL; a fresh page at that URL restores the indicator,
//     the camera and the selected cluster (its card and outline).
//  4. A link with bad parameters (unknown indicator, board, out-of-range classes, an
//     unknown parameter) shows a visible role="alert" warning naming each, which the
//     Dismiss button hides.
//  5. One meaning per colour: for an indicator of every polarity, on the significance map
//     of one board, each findings pill's swatch is the legend's colour for its flag, the
//     selected cluster's card markers are too, the map pixel of that cluster is its
//     legend colour, and the legend counts are the board's (they equal the pills and sum
//     to the board's clusters in /data).
// Screenshots: <dir>/map-labels-en.png, <dir>/map-labels-cy.png.
import path from 'node:path';

import { CARDIFF, CheckFailed, PLACE, check, labelPixels, labels, launch, params, run, summary, waitReady } from './harness.mjs';

async function main() {
  const { base, shotDir, context, problems, noProblems } = await launch('map_page.mjs', 'page', { width: 1366, height: 768 });
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  const watch = (page) => {
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/GL Driver Message/.test(m.text())) problems.push(`console error: ${m.text()}`);
    });
  };

  // 1 + 2. Labels and requests -----------------------------------------------------------
  const page = context.pages()[0] || await context.newPage();
  watch(page);
  await page.goto(`${base}/map?view=indicator&indicator=copd`, { waitUntil: 'load' });
  await waitReady(page, 'Wales');
  const boards = await labels(page, 'health-board-label');
  check('board names are drawn over all of Wales', boards && boards.length >= 5, { boards });
  // Issue 23: names come from one label point per area, so each board is drawn once at z7.
  await page.evaluate(() => window.atlas.map.jumpTo({ center: [-3.75, 52.35], zoom: 7 }));
  await page.evaluate(() => new Promise((r) => { window.atlas.map.once('idle', r); window.atlas.map.triggerRepaint(); }));
  const atZ7 = await labels(page, 'health-board-label');
  const perBoard = {};
  for (const b of atZ7 || []) perBoard[b.code] = (perBoard[b.code] || 0) + 1;
  summary.figures.boardLabelsAtZ7 = perBoard;
  check('each board name is drawn once at z7 over Wales', Object.keys(perBoard).length === 7 && Object.values(perBoard).every((n) => n === 1), { perBoard });
  const px = await labelPixels(page);
  summary.figures.labelPixelsWales = px;
  check('hiding the labels changes the canvas (the glyphs drew)', px.changed > 500 && px.dark > 100, px);

  await page.evaluate(({ lng, lat }) => window.atlas.map.jumpTo({ center: [lng, lat], zoom: 9.2 }), PLACE);
  await page.evaluate(() => new Promise((r) => { window.atlas.map.once('idle', r); window.atlas.map.triggerRepaint(); }));
  const clusters = await labels(page, 'cluster-label');
  check('cluster names are drawn at a cluster zoom', clusters && clusters.length >= 3 && clusters.every((c) => c.en), { clusters });
  await page.screenshot({ path: path.join(shotDir, 'map-labels-en.png') });
  summary.screenshots.push('map-labels-en.png');

  await page.evaluate(({ lng, lat }) => window.atlas.map.jumpTo({ center: [lng, lat], zoom: 11.5 }), CARDIFF);
  await page.evaluate(() => new Promise((r) => { window.atlas.map.once('idle', r); window.atlas.map.triggerRepaint(); }));
  const lsoas = await labels(page, 'lsoa-label');
  check('LSOA names are drawn at z11.5 in Cardiff', lsoas && lsoas.length >= 3, { lsoas: lsoas?.slice(0, 5) });
  summary.figures.rendered = { boards: boards.length, clusters: clusters.length, lsoas: lsoas.length };

  const tileUrls = requests.filter((u) => u.includes('/tiles/'));
  const wales = tileUrls.filter((u) => /\/tiles\/wales\/\d+\//.test(u));
  check('an indicator map requests no /tiles/wales tiles', wales.length === 0, { wales: wales.slice(0, 5) });
  const clusterTiles = tileUrls.filter((u) => /\/tiles\/clusters,health_boards,labels\/\d+\//.test(u));
  check('it requests clusters,health_boards,labels tiles', clusterTiles.length > 0, { tileUrls: tileUrls.slice(0, 10) });
  const lsoaZooms = tileUrls.map((u) => /\/tiles\/lsoa\/(\d+)\//.exec(u)).filter(Boolean).map((m) => Number(m[1]));
  check('LSOA name tiles only from z11', lsoaZooms.length > 0 && lsoaZooms.every((z) => z >= 11), { lsoaZooms });
  noProblems('labels');

  // Welsh names in Welsh.
  await page.goto(`${base}/map?view=indicator&indicator=copd&lang=cy`, { waitUntil: 'load' });
  await waitReady(page, 'Welsh');
  const layout = await page.evaluate(() => window.atlas.map.getLayoutProperty('health-board-label', 'text-field'));
  check('Welsh page labels boards with label_cy', JSON.stringify(layout) === JSON.stringify(['get', 'label_cy']), { layout });
  const cyBoards = await labels(page, 'health-board-label');
  check('Welsh board names are drawn', cyBoards.length >= 5 && cyBoards.some((b) => b.cy && b.cy !== b.en), { cyBoards });
  await page.screenshot({ path: path.join(shotDir, 'map-labels-cy.png') });
  summary.screenshots.push('map-labels-cy.png');
  noProblems('Welsh labels');

  // WIMD edition (issue 22): 2025 on 2021 LSOAs by default; 2019 on request and for a
  // domain; the choice round-trips through the URL and the legend says which.
  await page.goto(`${base}/map?view=deprivation`, { waitUntil: 'load' });
  await waitReady(page, 'deprivation default');
  const dep = await page.evaluate(() => ({
    vintage: window.atlas.state.vintage,
    title: window.atlas.legend.title,
    sourceLayer: window.atlas.map.getLayer('deprivation-fill')?.sourceLayer,
    note: document.getElementById('domain-note').textContent,
  }));
  check('the deprivation map is WIMD 2025 on 2021 LSOAs by default', dep.vintage === '2025' && dep.title.startsWith('WIMD 2025')
    && dep.sourceLayer === 'lsoa21' && /domains are 2019/.test(dep.note), dep);
  check('the default edition is in the URL', params(page).vintage === '2025', { url: page.url() });
  await page.selectOption('#domain', 'income');
  await page.waitForFunction(() => window.atlas.ready && window.atlas.state.domain === 'income', null, { timeout: 15_000 });
  const income = await page.evaluate(() => ({ vintage: window.atlas.state.vintage, title: window.atlas.legend.title, sourceLayer: window.atlas.map.getLayer('deprivation-fill')?.sourceLayer }));
  check('choosing a domain switches to WIMD 2019 (2025 has no domains)', income.vintage === '2019' && income.title.startsWith('WIMD 2019')
    && income.sourceLayer === 'lsoa' && params(page).vintage === '2019' && params(page).domain === 'income', { income, url: page.url() });
  await page.goto(`${base}/map?view=deprivation&vintage=2019`, { waitUntil: 'load' });
  await waitReady(page, 'deprivation 2019');
  const d2019 = await page.evaluate(() => ({ vintage: window.atlas.state.vintage, sourceLayer: window.atlas.map.getLayer('deprivation-fill')?.sourceLayer,
    warned: !document.getElementById('url-warning').hidden }));
  check('vintage=2019 in a link is kept', d2019.vintage === '2019' && d2019.sourceLayer === 'lsoa' && !d2019.warned, d2019);
  noProblems('WIMD edition');

  // The 99.8% switch (issue 23): in the URL, the legend, the card's interval and the table.
  await page.goto(`${base}/map?view=significance&indicator=copd`, { waitUntil: 'load' });
  await waitReady(page, 'significance 95');
  check('95% by default, and said so', params(page).level === '95' && /95%/.test(await page.evaluate(() => window.atlas.legend.subtitle)), { url: page.url() });
  const asked = [];
  const onRequest = (r) => asked.push(r.url());
  page.on('request', onRequest);
  await page.selectOption('#level', '99.8');
  await page.waitForFunction(() => window.atlas.ready && window.atlas.state.level === '99.8', null, { timeout: 15_000 });
  const at998 = await page.evaluate(() => ({ subtitle: window.atlas.legend.subtitle, level: window.atlas.state.level }));
  check('the 99.8% switch reaches the URL and the legend', params(page).level === '99.8' && /99\.8%/.test(at998.subtitle), { at998, url: page.url() });
  check('data and findings are asked at 99.8%', asked.some((u) => /\/data\/copd\?.*level=99\.8/.test(u)) && asked.some((u) => /\/findings\/copd\?.*level=99\.8/.test(u)),
    { asked: asked.filter((u) => /data|findings/.test(u)).slice(0, 6) });
  page.off('request', onRequest);
  await page.reload({ waitUntil: 'load' });
  await waitReady(page, 'significance 99.8 reloaded');
  check('a 99.8% link round-trips', await page.evaluate(() => window.atlas.state.level) === '99.8' && params(page).level === '99.8', { url: page.url() });
  noProblems('99.8% switch');

  // 3. URL state: click a cluster, wheel-zoom, round trip ------------------------------------
  await page.goto(`${base}/map?view=indicator&indicator=copd&classes=4`, { waitUntil: 'load' });
  await waitReady(page, 'before selection');
  const pt = await page.evaluate(({ lng, lat }) => {
    const p = window.atlas.map.project([lng, lat]);
    const r = window.atlas.map.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, PLACE);
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction((code) => new URL(location.href).searchParams.get('area') === code, PLACE.cluster, { timeout: 10_000 });
  check('a clicked cluster is in the URL', params(page).area === PLACE.cluster, { url: page.url() });
  const zBefore = await page.evaluate(() => window.atlas.map.getZoom());
  // Wheel over open map (the pinned cluster's card now covers the right of the map).
  const open = await page.evaluate(() => {
    const r = window.atlas.map.getCanvas().getBoundingClientRect();
    return { x: r.left + 120, y: r.top + r.height / 2 };
  });
  await page.mouse.move(open.x, open.y);
  await page.mouse.wheel(0, -600);
  await page.waitForFunction((z0) => {
    const z = Number(new URL(location.href).searchParams.get('z'));
    return Number.isFinite(z) && z > z0 + 0.3 && window.atlas.map.isMoving() === false;
  }, zBefore, { timeout: 15_000 });
  await waitReady(page, 'after wheel');
  const shared = params(page);
  const camera = await page.evaluate(() => {
    const m = window.atlas.map; const c = m.getCenter();
    return { z: m.getZoom(), lat: c.lat, lng: c.lng };
  });
  summary.figures.wheel = { zBefore, zAfter: camera.z, url: page.url() };
  check('a wheel zoom is in the URL', Math.abs(Number(shared.z) - camera.z) < 0.01
    && Math.abs(Number(shared.lat) - camera.lat) < 0.001 && Math.abs(Number(shared.lng) - camera.lng) < 0.001, { shared, camera });
  const sharedUrl = page.url();
  noProblems('selection and wheel zoom');

  const page2 = await context.newPage();
  watch(page2);
  await page2.goto(sharedUrl, { waitUntil: 'load' });
  await waitReady(page2, 'shared URL');
  const restored = await page2.evaluate(() => {
    const m = window.atlas.map; const c = m.getCenter();
    return {
      state: window.atlas.state, z: m.getZoom(), lat: c.lat, lng: c.lng,
      title: document.getElementById('info-title').textContent,
      closeShown: !document.getElementById('info-close').hidden,
      outline: JSON.stringify(m.getFilter('selection')),
      warning: !document.getElementById('url-warning').hidden,
    };
  });
  const names = await page2.evaluate(async (code) => {
    const d = await (await fetch(`data/copd?lang=en`)).json();
    return d.rows.find((r) => r.code === code)?.name;
  }, PLACE.cluster);
  check('the shared URL restores the indicator and classes', restored.state.indicator === 'copd' && restored.state.classes === 4, restored);
  check('the shared URL restores the camera', Math.abs(restored.z - camera.z) < 0.02
    && Math.abs(restored.lat - camera.lat) < 0.001 && Math.abs(restored.lng - camera.lng) < 0.001, { restored, camera });
  check('the shared URL restores the selected cluster', restored.state.area === PLACE.cluster && restored.title === names
    && restored.closeShown && restored.outline.includes(PLACE.cluster), { restored, names });
  check('a good URL shows no warning', !restored.warning, restored);
  noProblems('round trip');

  // 4. Bad parameters -------------------------------------------------------------------------
  await page2.goto(`${base}/map?indicator=diabetes&hb=W11000099&classes=12&colour=red`, { waitUntil: 'load' });
  await waitReady(page2, 'bad link');
  const warn = await page2.evaluate(() => {
    const box = document.getElementById('url-warning');
    const r = box.getBoundingClientRect();
    return {
      role: box.getAttribute('role'), hidden: box.hidden, height: r.height, inViewport: r.top >= 0 && r.bottom <= innerHeight,
      params: [...box.querySelectorAll('li')].map((li) => li.dataset.param), text: box.textContent,
      classes: window.atlas.state.classes,
    };
  });
  check('a bad link gets a visible role="alert" warning', warn.role === 'alert' && !warn.hidden && warn.height > 10 && warn.inViewport, warn);
  for (const p of ['indicator', 'hb', 'classes', 'colour']) {
    check(`the warning names ${p}`, warn.params.includes(p) && warn.text.includes(p), warn);
  }
  // classes=12 is clamped, not reset: the warning says what is shown, not "the default".
  check('the warning says what the map shows instead', warn.text.includes(`classes=${warn.classes} instead`)
    && !/default/.test(warn.text), warn);
  await page2.click('#url-warning-close');
  const gone = await page2.evaluate(() => document.getElementById('url-warning').hidden);
  check('the warning can be dismissed', gone);
  // The unknown area of a link is named too.
  await page2.goto(`${base}/map?view=indicator&indicator=copd&area=7A6:nowhere`, { waitUntil: 'load' });
  await waitReady(page2, 'bad area');
  const areaWarn = await page2.evaluate(() => [...document.querySelectorAll('#url-warning li')].map((li) => li.dataset.param));
  check('an unknown area is named', areaWarn.includes('area'), { areaWarn });
  problems.splice(0, problems.length, ...problems.filter((p) => !/\/data\/diabetes|W11000099/.test(p)));
  noProblems('bad parameters');

  // 5. One meaning per colour -------------------------------------------------------------------
  const meta = await page2.evaluate(async () => (await fetch('indicators?lang=en')).json());
  const byPolarity = {};
  for (const i of meta.indicators) if (!byPolarity[i.polarity] && /\/tiles\/clusters\?/.test(i.links?.tiles || '')) byPolarity[i.polarity] = i.id;
  summary.figures.polarities = byPolarity;
  check('indicators of several polarities to compare', Object.keys(byPolarity).length >= 2, { byPolarity });
  const HB = 'W11000028';
  for (const [polarity, id] of Object.entries(byPolarity)) {
    const data = await page2.evaluate(async (i) => (await fetch(`data/${i}?lang=en`)).json(), id);
    const boardRows = data.rows.filter((r) => r.level === 'cluster' && r.hb_code === HB);
    const pick = boardRows.find((r) => r.sig_vs_wales) || boardRows[0];
    await page2.goto(`${base}/map?view=significance&indicator=${id}&vs=wales&hb=${HB}&area=${encodeURIComponent(pick.code)}`, { waitUntil: 'load' });
    await waitReady(page2, `significance ${id}`);
    const seen = await page2.evaluate(() => {
      const rgb = (e) => getComputedStyle(e).backgroundColor;
      return {
        legend: Object.fromEntries([...document.querySelectorAll('#legend-entries li[data-key]')].map((li) => [li.dataset.key, {
          color: rgb(li.querySelector('.swatch')), count: li.querySelector('.count') ? Number(li.querySelector('.count').textContent) : null,
        }])),
        pills: [...document.querySelectorAll('#findings .pill')].map((p) => ({ flag: p.dataset.flag, color: rgb(p.querySelector('i')), count: parseInt(p.textContent, 10) })),
        card: [...document.querySelectorAll('#info .sig[data-flag]')].map((x) => ({ flag: x.dataset.flag, color: rgb(x.querySelector('i')) })),
      };
    });
    const where = { polarity, id, seen };
    // An indicator never tested has one card line for both comparisons; a tested one, two.
    const markers = meta.indicators.find((i) => i.id === id).untested_reason ? 1 : 2;
    check(`${polarity}: there are pills and card markers`, seen.pills.length > 0 && seen.card.length === markers, where);
    for (const p of seen.pills) {
      check(`${polarity}: pill ${p.flag} has the legend's colour`, seen.legend[p.flag]?.color === p.color, where);
      check(`${polarity}: pill ${p.flag} counts what the legend counts`, seen.legend[p.flag]?.count === p.count, where);
    }
    for (const c of seen.card) check(`${polarity}: card marker ${c.flag} has the legend's colour`, seen.legend[c.flag]?.color === c.color, where);
    const total = Object.values(seen.legend).reduce((a, e) => a + (e.count || 0), 0);
    check(`${polarity}: legend counts are the board's clusters`, total === boardRows.length, { total, board: boardRows.length, ...where });
    // The map draws the selected cluster in its legend colour (under a 0.9 fill over white).
    const px = await page2.evaluate(async (code) => {
      const { map } = window.atlas;
      for (const l of map.getStyle().layers) if (l.type === 'symbol' || l.id.startsWith('selection')) map.setLayoutProperty(l.id, 'visibility', 'none');
      await new Promise((r) => { map.once('idle', r); map.triggerRepaint(); });
      const f = map.queryRenderedFeatures({ layers: ['significance-fill'] }).find((x) => x.properties.code === code);
      if (!f) return null;
      // A point inside the feature: probe a grid for one whose top feature is it.
      const c = map.getCanvas();
      for (let y = 5; y < c.clientHeight; y += 6) for (let x = 5; x < c.clientWidth; x += 6) {
        const g = map.queryRenderedFeatures([x, y], { layers: ['significance-fill'] })[0];
        if (g?.properties.code !== code) continue;
        const all = [[x - 4, y], [x + 4, y], [x, y - 4], [x, y + 4]].every(([a, b]) => map.queryRenderedFeatures([a, b], { layers: ['significance-fill'] })[0]?.properties.code === code);
        if (!all) continue;
        const copy = document.createElement('canvas'); copy.width = c.width; copy.height = c.height;
        const ctx = copy.getContext('2d'); ctx.drawImage(c, 0, 0);
        const ratio = c.width / c.clientWidth;
        const d = ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;
        return { flag: g.properties.sig_vs_wales, rgb: [d[0], d[1], d[2]] };
      }
      return null;
    }, pick.code);
    const legendRgb = px && seen.legend[px.flag]?.color.match(/\d+/g).map(Number).map((v) => Math.round(0.9 * v + 0.1 * 255));
    check(`${polarity}: the map draws the cluster in the legend's colour`, px && legendRgb
      && px.rgb.every((v, k) => Math.abs(v - legendRgb[k]) <= 12), { px, legendRgb, ...where });
  }
  noProblems('colours');
}

run(main, 225_000);
