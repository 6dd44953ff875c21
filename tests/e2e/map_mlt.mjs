// MapLibre Tiles in Debian's headless Chromium: the map page with `encoding=mlt` against
// the same page with MVT, on the same server (tests/map_page_e2e.rs starts it).
//
//   node tests/e2e/map_mlt.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Checks:
// 1. MapLibre GL JS draws the same colours from MLT tiles as from MVT tiles: for a cluster
//    indicator (at Wales zoom and zoomed in), the significance map and the LSOA deprivation
//    map, at least 98% of the canvas is alike, and the map is coloured.
// 2. The MLT page really read MLT: its style's sources say `encoding: mlt`, and every tile
//    it was sent is `application/vnd.maplibre-tile` (none MVT); the MVT page got none.
// 3. Features from MLT tiles keep their properties: a clicked cluster's card shows its
//    class, and the rendered fill features carry the class the /data rows give them.
// The tile bytes each page was sent are reported (figures.bytes).
import path from 'node:path';
import { CAMERA, canvasSample, check, compareSamples, launch, pagePair, PLACE, run, showsItsUrl, summary, waitReady } from './harness.mjs';

async function main() {
  const { base, shotDir, context, problems, noProblems } = await launch('map_mlt.mjs', 'mlt', { width: 1100, height: 720 });
  const tiles = { mvt: [], mlt: [] };
  context.on('response', async (r) => {
    if (!/\/tiles\/[^/]+\/\d+\/\d+\/\d+/.test(r.url()) || r.status() !== 200) return;
    const which = new URL(r.url()).searchParams.get('encoding') === 'mlt' ? 'mlt' : 'mvt';
    const type = r.headers()['content-type'] || '';
    let bytes = 0;
    try { bytes = (await r.body()).length; } catch { /* navigated away */ }
    tiles[which].push({ type, bytes });
  });
  const [mvt, mlt] = await pagePair(context, problems);

  // 1. The same map from MLT as from MVT ----------------------------------------------------
  const { wales, near } = CAMERA;
  const views = [
    ['copd', `view=indicator&indicator=copd&lang=en&${wales}`],
    ['copd-near', `view=indicator&indicator=copd&lang=en&${near}`],
    ['significance', `view=significance&indicator=hypertension&vs=wales&lang=cy&${wales}`],
    ['deprivation-near', `view=deprivation&domain=overall&lang=en&${near}`],
  ];
  summary.figures.sameMap = {};
  for (const [name, q] of views) {
    await mvt.goto(`${base}/map?${q}`, { waitUntil: 'load' });
    await mlt.goto(`${base}/map?${q}&encoding=mlt`, { waitUntil: 'load' });
    await waitReady(mvt, `mvt ${name}`);
    await waitReady(mlt, `mlt ${name}`);
    for (const [who, page] of [['MVT', mvt], ['MLT', mlt]]) {
      const shown = await showsItsUrl(page);
      check(`${name}: the ${who} page shows the map its URL asks for`, shown.ok, shown);
    }
    const cmp = compareSamples(await canvasSample(mlt), await canvasSample(mvt));
    summary.figures.sameMap[name] = cmp;
    check(`${name}: MapLibre draws the same map from MLT as from MVT (>= 98% of pixels alike)`, cmp.same >= 0.98 && cmp.coloured > 0.05, cmp);
    if (name === 'copd-near') await mlt.screenshot({ path: path.join(shotDir, 'map-mlt-copd.png') });
  }

  // 2. It really was MLT --------------------------------------------------------------------
  const sources = await mlt.evaluate(() => Object.values(window.atlas.map.getStyle().sources).filter((s) => s.type === 'vector').map((s) => s.encoding));
  check('the MLT page\'s vector sources say encoding mlt', sources.length >= 1 && sources.every((e) => e === 'mlt'), { sources });
  const state = await mlt.evaluate(() => ({ encoding: window.atlas.state.encoding, url: new URL(location.href).searchParams.get('encoding') }));
  check('the page keeps encoding=mlt in its state and URL', state.encoding === 'mlt' && state.url === 'mlt', state);
  const types = (list) => [...new Set(list.map((t) => t.type.split(';')[0]))];
  check('every tile the MLT page got is a MapLibre Tile', tiles.mlt.length >= 10 && types(tiles.mlt).join() === 'application/vnd.maplibre-tile', { types: types(tiles.mlt), n: tiles.mlt.length });
  check('every tile the MVT page got is a Mapbox Vector Tile', tiles.mvt.length >= 10 && types(tiles.mvt).join() === 'application/vnd.mapbox-vector-tile', { types: types(tiles.mvt), n: tiles.mvt.length });
  const sum = (list) => list.reduce((a, t) => a + t.bytes, 0);
  summary.figures.bytes = { mvt: { tiles: tiles.mvt.length, bytes: sum(tiles.mvt) }, mlt: { tiles: tiles.mlt.length, bytes: sum(tiles.mlt) } };

  // 3. Properties survive ---------------------------------------------------------------------
  await mlt.goto(`${base}/map?view=indicator&indicator=copd&lang=en&${near}&encoding=mlt`, { waitUntil: 'load' });
  await waitReady(mlt, 'mlt classes');
  const classes = await mlt.evaluate(async () => {
    const { map, state } = window.atlas;
    const data = await (await fetch(`data/copd?period=${state.period}&lang=en&method=${state.method}&classes=${state.classes}`)).json();
    const byCode = Object.fromEntries(data.rows.filter((r) => r.level === 'cluster').map((r) => [r.code, r.class]));
    const feats = map.queryRenderedFeatures({ layers: ['indicator-fill'] });
    const wrong = feats.filter((f) => String(f.properties.class ?? null) !== String(byCode[f.properties.code] ?? null))
      .map((f) => ({ code: f.properties.code, tile: f.properties.class, data: byCode[f.properties.code] }));
    return { n: feats.length, wrong: wrong.slice(0, 5) };
  });
  check('MLT features carry the class /data gives each cluster', classes.n >= 3 && classes.wrong.length === 0, classes);
  const pt = await mlt.evaluate(({ lng, lat }) => window.atlas.map.project([lng, lat]), PLACE);
  const box = await mlt.evaluate(() => document.getElementById('map').getBoundingClientRect().toJSON());
  await mlt.mouse.click(box.x + pt.x, box.y + pt.y);
  await mlt.waitForFunction(() => window.atlas.state.area, null, { timeout: 10_000 }).catch(() => {});
  const card = await mlt.evaluate(() => ({ area: window.atlas.state.area, body: document.getElementById('info-body').textContent }));
  check('a cluster clicked on an MLT map shows its card with its class', card.area === PLACE.cluster && /\d \(/.test(card.body), card);
  noProblems('mlt');
}

run(main, 200_000);
