// The static-site export (`cluster-atlas export --format site`) in Debian's headless
// Chromium, served by nginx with no cluster-atlas behind it, under a sub-path (/atlas/, as
// a site published below a larger one); tests/site.rs starts both, and a live server on
// the same database to compare with.
//
//   node tests/e2e/site.mjs http://127.0.0.1:SITE/atlas [screenshot-dir] http://127.0.0.1:SERVER
//
// Checks:
// 1. Same map: for five maps (deprivation, a cluster indicator, an LSOA indicator, a
//    significance map against the board, and the cluster indicator in Welsh) the static
//    page, reading the PMTiles archive with range requests, draws the same pixels as the
//    server's page at the same camera (at Wales zoom and zoomed in past the archive's
//    deepest zoom), and a cluster's pixel is the colour of its class in /data's legend.
// 2. Nothing but the site was asked (no CDN, no server), the archive was read in HTTP
//    ranges (206), and no request failed.
// 3. What a static copy cannot do, it says: the classification note shows and the
//    classification controls are disabled; a URL asking for another method is warned of.
// 4. The rest of the page works from files: a clicked cluster's card (value, class,
//    charts), the cluster search, the board table, and the legend and data links.
import path from 'node:path';
import { CAMERA, canvasSample, check, compareSamples, launch, pagePair, PLACE, run, showsItsUrl, summary, waitReady } from './harness.mjs';

const SERVER = (process.argv[4] || '').replace(/\/+$/, '');

// The drawn colour of a cluster well inside it (labels and outlines hidden), as map_page.mjs.
async function clusterPixel(page, layer, code) {
  return page.evaluate(async ({ layer, code }) => {
    const { map } = window.atlas;
    for (const l of map.getStyle().layers) if (l.type === 'symbol' || l.type === 'line') map.setLayoutProperty(l.id, 'visibility', 'none');
    await new Promise((r) => { map.once('idle', r); map.triggerRepaint(); });
    const c = map.getCanvas();
    const at = (x, y) => map.queryRenderedFeatures([x, y], { layers: [layer] })[0]?.properties.code;
    for (let y = 5; y < c.clientHeight; y += 6) for (let x = 5; x < c.clientWidth; x += 6) {
      if (at(x, y) !== code || ![[x - 4, y], [x + 4, y], [x, y - 4], [x, y + 4]].every(([a, b]) => at(a, b) === code)) continue;
      const copy = document.createElement('canvas'); copy.width = c.width; copy.height = c.height;
      const ctx = copy.getContext('2d'); ctx.drawImage(c, 0, 0);
      const ratio = c.width / c.clientWidth;
      const d = ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;
      return [d[0], d[1], d[2]];
    }
    return null;
  }, { layer, code });
}

async function main() {
  if (!/^https?:\/\//.test(SERVER)) throw new Error('usage: node tests/e2e/site.mjs SITE_URL SHOT_DIR SERVER_URL');
  const { base, shotDir, context, problems, noProblems } = await launch('site.mjs', 'site', { width: 1100, height: 720 });
  const siteOrigin = new URL(base).origin;
  const asked = [];
  const ranges = [];
  context.on('request', (r) => asked.push(r.url()));
  context.on('response', (r) => { if (r.url().endsWith('/tiles/wales.pmtiles')) ranges.push(r.status()); });
  const [site, live] = await pagePair(context, problems);

  // 1. The same map from files as from the server --------------------------------------
  const { wales, near } = CAMERA;
  const views = [
    ['deprivation', `view=deprivation&domain=overall&lang=en&${wales}`],
    ['deprivation-2019', `view=deprivation&vintage=2019&domain=overall&lang=en&${wales}`],
    ['copd', `view=indicator&indicator=copd&lang=en&${wales}`],
    ['copd-near', `view=indicator&indicator=copd&lang=en&${near}`],
    ['lsoa-indicator', `view=indicator&indicator=wimd_premature_death_rate&lang=en&${wales}`],
    ['significance-hb', `view=significance&indicator=hypertension&vs=hb&lang=en&${wales}`],
    ['copd-cy', `view=indicator&indicator=copd&lang=cy&${wales}`],
  ];
  summary.figures.sameMap = {};
  for (const [name, q] of views) {
    await site.goto(`${base}/?${q}`, { waitUntil: 'load' });
    await live.goto(`${SERVER}/map?${q}`, { waitUntil: 'load' });
    await waitReady(site, `site ${name}`);
    await waitReady(live, `server ${name}`);
    for (const [who, page] of [['site', site], ['server', live]]) {
      const shown = await showsItsUrl(page);
      check(`${name}: the ${who}'s page shows the map its URL asks for`, shown.ok, shown);
    }
    const cmp = compareSamples(await canvasSample(site), await canvasSample(live));
    summary.figures.sameMap[name] = cmp;
    check(`${name}: the static page draws the server's map (>= 98% of pixels alike)`, cmp.same >= 0.98 && cmp.coloured > 0.05, cmp);
    if (name === 'copd' || name === 'deprivation') await site.screenshot({ path: path.join(shotDir, `site-${name}.png`) });
  }

  // The colour of one cluster is its class's, by /data (the page's own documents).
  await site.goto(`${base}/?view=indicator&indicator=copd&lang=en&${near}`, { waitUntil: 'load' });
  await waitReady(site, 'site near');
  const code = PLACE.cluster;
  const expected = await site.evaluate(async (code) => {
    const { legend, state } = window.atlas;
    const api = await import('./static/js/api.js');
    const data = await (await fetch(api.apiUrl(`data/${state.indicator}?period=${state.period}&lang=${state.lang}&level=${state.level}&method=${state.method}&classes=${state.classes}`))).json();
    const row = data.rows.find((r) => r.level === 'cluster' && r.code === code);
    const entry = legend.entries.find((e) => String(e.key) === String(row?.class));
    return entry ? { cls: row.class, color: entry.color, value: row.value } : null;
  }, code);
  const px = await clusterPixel(site, 'indicator-fill', code);
  const want = expected && expected.color.match(/[0-9a-f]{2}/gi).map((h) => Math.round(0.9 * parseInt(h, 16) + 0.1 * 255));
  check('a cluster is drawn in its class colour from /data', px && want && px.every((v, k) => Math.abs(v - want[k]) <= 12), { px, want, expected });

  // 2. Only the site, the archive in ranges -----------------------------------------------
  const foreign = [...new Set(asked.filter((u) => !u.startsWith(siteOrigin) && !u.startsWith(SERVER) && !u.startsWith('data:') && !u.startsWith('blob:')))];
  check('the pages asked nothing of any other origin (no CDN)', foreign.length === 0, { foreign });
  const siteAsked = asked.filter((u) => u.startsWith(siteOrigin));
  check('the static page never asked the server', !siteAsked.some((u) => u.startsWith(SERVER)), {});
  const outside = [...new Set(siteAsked.filter((u) => !new URL(u).pathname.startsWith(new URL(`${base}/`).pathname)))];
  check('the static page asked nothing outside its sub-path', outside.length === 0, { outside });
  summary.figures.archiveResponses = ranges.length;
  check('the archive was read with range requests (206)', ranges.length >= 3 && ranges.every((s) => s === 206), { statuses: [...new Set(ranges)] });
  noProblems('same map');

  // 3. What a static copy cannot do, it says ----------------------------------------------
  const controls = await site.evaluate(() => ({
    note: document.getElementById('site-note').hidden ? null : document.getElementById('site-note').textContent,
    method: document.getElementById('method').disabled,
    classes: document.getElementById('classes').disabled,
    palette: document.getElementById('palette').disabled,
  }));
  check('the fixed classification is said and its controls are disabled', /static copy/.test(controls.note || '') && controls.method && controls.classes && controls.palette, controls);
  await site.goto(`${base}/?view=indicator&indicator=copd&method=jenks&lang=en`, { waitUntil: 'load' });
  await waitReady(site, 'site jenks');
  const warned = await site.evaluate(() => ({ text: document.getElementById('url-warning')?.textContent || '', method: window.atlas.state.method }));
  check('a link asking for another method is warned of and the site\'s method is shown', /method/.test(warned.text) && warned.method === 'quantile', warned);

  // 4. Card, charts, search, table and links from files --------------------------------------
  await site.goto(`${base}/?view=indicator&indicator=copd&lang=en&area=${encodeURIComponent(code)}&${near}`, { waitUntil: 'load' });
  await waitReady(site, 'site card');
  const card = await site.evaluate(async () => {
    const imgs = [...document.querySelectorAll('#info-body img.chart')];
    await Promise.all(imgs.map((i) => (i.complete ? null : new Promise((r) => { i.onload = r; i.onerror = r; }))));
    return { title: document.getElementById('info-title').textContent, body: document.getElementById('info-body').textContent,
      charts: imgs.map((i) => i.naturalWidth), links: [...document.querySelectorAll('#link-legend, #link-data, #info-body a')].map((a) => a.href) };
  });
  check('the card of a cluster shows its value and class from /data', card.title.length > 3 && card.body.includes(String(expected?.cls))
    && card.body.includes(Number(expected?.value).toFixed(1)), card);
  check('the card\'s population charts load from files', card.charts.length === 2 && card.charts.every((w) => w > 100), card);
  for (const href of card.links) {
    const status = await site.evaluate(async (u) => (await fetch(u)).status, href);
    check(`link ${new URL(href).pathname} is a file of the site`, status === 200 && href.startsWith(siteOrigin), { href, status });
  }
  await site.fill('#search', 'Anglesey');
  await site.press('#search', 'Enter');
  await site.waitForFunction(() => window.atlas.state.area === '7A1:anglesey', null, { timeout: 10_000 }).catch(() => {});
  const found = await site.evaluate(() => window.atlas.state.area);
  check('the cluster search finds a cluster by name from the site\'s /data', found === '7A1:anglesey', { found });
  await site.goto(`${base}/?view=indicator&indicator=copd&lang=cy&tab=table`, { waitUntil: 'load' });
  await waitReady(site, 'site table');
  await site.waitForSelector('#board-table tbody tr');
  const rows = await site.evaluate(() => document.querySelectorAll('#board-table tbody tr').length);
  check('the board table (Wales and its boards, in Welsh) is built from the site\'s summaries', rows >= 7, { rows });
  await site.screenshot({ path: path.join(shotDir, 'site-table-cy.png') });
  noProblems('card, search, table');
}

run(main, 225_000);
