// The static-site export served by a host that ignores HTTP Range requests (Python's
// `python3 -m http.server`, started by tests/site.rs in the export's folder), in Debian's
// headless Chromium. The PMTiles reader cannot work there, so the page must say why and
// what to do, in the page's language, rather than show a blank map.
//
//   node tests/e2e/site_no_range.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Checks:
// 1. The premise: this host answers a Range request for the archive with 200 and the whole
//    file (if it answered 206, the test would prove nothing).
// 2. In English and in Welsh, the page shows a visible alert naming the cause (Range
//    requests ignored, the tile archive cannot be read) and the fix (a server that answers
//    Range, nginx among them), and the map draws nothing.
import path from 'node:path';
import { check, launch, run, summary } from './harness.mjs';

async function main() {
  const { base, shotDir, context } = await launch('site_no_range.mjs', 'site-no-range', { width: 1100, height: 720 });

  // 1. The host really ignores Range.
  const probe = await fetch(`${base}/tiles/wales.pmtiles`, { headers: { Range: 'bytes=0-126' } });
  const length = (await probe.arrayBuffer()).byteLength;
  summary.figures.probe = { status: probe.status, bytes: length };
  check('the host answers a Range request with the whole archive (200), as http.server does', probe.status === 200 && length > 127, summary.figures.probe);

  // 2. The page says so, in each language.
  const page = await context.newPage();
  const archiveStatuses = [];
  page.on('response', (r) => { if (r.url().endsWith('/tiles/wales.pmtiles')) archiveStatuses.push(r.status()); });
  for (const [lang, cause, fix] of [
    ['en', /ignores HTTP Range requests/, /nginx/],
    ['cy', /anwybyddu ceisiadau HTTP Range/, /nginx/],
  ]) {
    await page.goto(`${base}/?view=indicator&indicator=copd&lang=${lang}`, { waitUntil: 'load' });
    const box = page.locator('#url-warning[data-problem="range-ignored"]');
    await box.waitFor({ state: 'visible', timeout: 20_000 }).catch(() => {});
    const shown = await page.evaluate(() => {
      const b = document.querySelector('#url-warning[data-problem="range-ignored"]');
      if (!b) return null;
      const r = b.getBoundingClientRect();
      return { text: b.textContent, lang: b.lang, role: b.getAttribute('role'), visible: !b.hidden && r.width > 0 && r.height > 0 };
    });
    summary.figures[lang] = shown;
    check(`${lang}: a visible alert says the host ignores Range and the tile archive cannot be read`,
      shown?.visible && shown.role === 'alert' && shown.lang === lang && cause.test(shown.text) && /tiles\/wales\.pmtiles/.test(shown.text), shown);
    check(`${lang}: the alert gives the fix (a server that answers Range requests, such as nginx)`, fix.test(shown?.text || '') && /http\.server/.test(shown?.text || ''), shown);
    const drawn = await page.evaluate(() => !!(window.atlas && window.atlas.map));
    check(`${lang}: no map is started on a host that cannot serve it`, !drawn, { drawn });
    await page.screenshot({ path: path.join(shotDir, `site-no-range-${lang}.png`) });
  }
  check('the page asked for the archive in a range and got the whole file', archiveStatuses.length >= 2 && archiveStatuses.every((s) => s === 200), { archiveStatuses });
}

run(main, 120_000);
