#!/usr/bin/env node
// Browser test of the summary page, /summary/{board}.html (issue 26): accessibility, numbers
// that agree with their colours, and a layout that fits a laptop and a phone.
//
//   node tests/e2e/summary_page.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Needs playwright-core and axe-core from tests/js and Debian's Chromium (as map_access.mjs).
// Prints a JSON summary; exits 0 on success, 1 on a failed check, 2 on bad usage or
// missing tools, 3 when the overall time limit is hit.
//
// What it checks, for every board's summary and Wales's, in English and in Welsh:
//  1. axe-core finds no WCAG 2.0/2.1/2.2 A or AA violation (contrast, landmarks and regions
//     included), at 1366×768 and at 390×844, and for the largest board at 99.8% too.
//  2. In every cell with an interval, what is printed agrees with what is drawn: the cell is
//     coloured as significant (its computed background is neither the "similar" grey, the
//     "not tested" grey nor Wales's white) exactly when its printed interval excludes the
//     printed Wales value of its row; and it carries ▲/▼ exactly when its printed interval
//     lies above/below the printed board value (at 95%, and for the largest board at 99.8%).
//     The count of cells checked is reported.
//  3. No horizontal page scroll at 1366×768: the table scrolls in its own box, its indicator
//     column stays put when that box is scrolled sideways, and the caption stays in view.
//  4. At 390×844 the page offers the cluster chooser and shows one cluster beside the board
//     and Wales (on Wales's summary, one board beside Wales), in a table that fits its box and a page that does not scroll sideways;
//     choosing another cluster shows that one instead.
//  5. /favicon.ico and the page's <link rel="icon"> resolve (no failed request anywhere).
// Screenshots: <dir>/summary-laptop.png, <dir>/summary-phone.png.
import { createRequire } from 'node:module';
import path from 'node:path';

import { HERE, check, launch, run, summary } from './harness.mjs';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const LARGEST = 'W11000023';
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

/** Runs axe-core on the page and fails with every violation, each with its nodes. */
async function audit(page, axeSource, label) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return {
      violations: r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
        nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      })),
      passes: r.passes.length,
    };
  }, WCAG_TAGS);
  summary.figures[`axe ${label}`] = { passes: result.passes, violations: result.violations.length };
  check(`${label}: axe-core finds no WCAG 2.2 A/AA violation`, result.violations.length === 0, { violations: result.violations });
}

/** Every cell with a printed interval, against its row's printed Wales and board values:
 *  the cells where colour or mark and print disagree, and how many were checked. */
function printedAgainstColours(page) {
  return page.evaluate(() => {
    const number = (text) => Number(text.replace(/[^0-9.\-]/g, ''));
    const headings = [...document.querySelectorAll('#summary thead th')];
    const walesAt = headings.findIndex((th) => th.dataset.level === 'wales');
    // The board's own column (a board's summary only; Wales's summary has no board mark).
    const boardAt = headings.findIndex((th) => th.dataset.level === 'health_board' && th.dataset.choice === undefined);
    const unflagged = new Set(['rgb(247, 247, 247)', 'rgb(186, 186, 186)', 'rgb(255, 255, 255)']);
    const wrong = [];
    let cells = 0, coloured = 0, marked = 0;
    for (const row of document.querySelectorAll('#summary tbody tr')) {
      const printedAt = (i) => {
        const v = i >= 0 ? row.cells[i]?.querySelector('.v') : null;
        return v ? number(v.textContent) : null;
      };
      const wales = printedAt(walesAt), board = printedAt(boardAt);
      [...row.cells].forEach((cell, i) => {
        const ci = cell.querySelector('.ci');
        if (!ci || i === walesAt || wales === null) return;
        const [lower, upper] = ci.textContent.split('–').map(number);
        cells += 1;
        const significant = !unflagged.has(getComputedStyle(cell).backgroundColor);
        const excludes = lower > wales || upper < wales;
        if (significant) coloured += 1;
        const what = { indicator: row.cells[0].textContent.slice(0, 40), area: headings[i].textContent, printed: cell.textContent, wales };
        if (significant !== excludes) wrong.push({ ...what, significant, excludes });
        if (i !== boardAt && board !== null && cell.dataset.level === 'cluster') {
          const text = cell.textContent;
          const mark = text.includes('▲') ? 'higher' : text.includes('▼') ? 'lower' : 'none';
          const printed = lower > board ? 'higher' : upper < board ? 'lower' : 'none';
          if (mark !== 'none') marked += 1;
          if (mark !== printed) wrong.push({ ...what, board, mark, printed });
        }
      });
    }
    return { cells, coloured, marked, wrong: wrong.slice(0, 10), wrongCount: wrong.length };
  });
}

/** The page's sideways overflow and the table box's. */
function widths(page) {
  return page.evaluate(() => {
    const box = document.querySelector('.table-scroll');
    const table = document.getElementById('summary');
    return {
      page: document.scrollingElement.scrollWidth, viewport: window.innerWidth,
      box: box.clientWidth, boxScroll: box.scrollWidth, table: table.getBoundingClientRect().width,
    };
  });
}

async function main() {
  const require = createRequire(path.join(HERE, '..', 'js', 'package.json'));
  let axeSource;
  try { axeSource = require('axe-core').source; } catch {
    console.error('FAIL: axe-core is missing: run `npm ci` in tests/js');
    process.exit(2);
  }
  const { base, shotDir, context, problems, noProblems } = await launch('summary_page.mjs', 'summary', LAPTOP);
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

  const wales = await (await page.request.get(`${base}/summary/wales.json`)).json();
  const boards = wales.columns.filter((c) => c.level === 'health_board').map((c) => c.code);
  check('Wales has 7 boards', boards.length === 7, { boards });

  // 1–3 on the laptop, every board and Wales, both languages ----------------------------------
  let checked = 0, coloured = 0, marked = 0;
  for (const area of [...boards, 'wales']) {
    for (const lang of ['en', 'cy']) {
      const label = `${area} ${lang}`;
      await page.goto(`${base}/summary/${area}.html${lang === 'cy' ? '?lang=cy' : ''}`, { waitUntil: 'load' });
      check(`${label}: the page is in ${lang}`, await page.evaluate(() => document.documentElement.lang) === lang);
      await audit(page, axeSource, label);
      const agreement = await printedAgainstColours(page);
      checked += agreement.cells; coloured += agreement.coloured; marked += agreement.marked;
      check(`${label}: every printed interval agrees with its colour and mark`, agreement.wrongCount === 0 && agreement.cells > 0, agreement);
      const w = await widths(page);
      check(`${label}: no sideways page scroll at 1366×768`, w.page <= w.viewport, w);
    }
  }
  // The 99.8% intervals are wider: fewer flags, other close calls.
  for (const lang of ['en', 'cy']) {
    const label = `${LARGEST} ${lang} at 99.8%`;
    await page.goto(`${base}/summary/${LARGEST}.html?lang=${lang}&level=99.8`, { waitUntil: 'load' });
    await audit(page, axeSource, label);
    const agreement = await printedAgainstColours(page);
    checked += agreement.cells; coloured += agreement.coloured; marked += agreement.marked;
    check(`${label}: every printed interval agrees with its colour and mark`, agreement.wrongCount === 0 && agreement.cells > 0, agreement);
  }
  summary.figures['cells checked (value, interval, colour against Wales)'] = checked;
  summary.figures['of which coloured significant'] = coloured;
  summary.figures['of which marked ▲/▼ against the board'] = marked;

  // The largest board's table: it scrolls inside its box, the indicator column stays and
  // the caption is in view.
  await page.goto(`${base}/summary/${LARGEST}.html`, { waitUntil: 'load' });
  const w = await widths(page);
  summary.figures['1366×768 widths'] = w;
  check('the table scrolls in its own box', w.boxScroll > w.box && w.page <= w.viewport, w);
  const stuck = await page.evaluate(() => {
    const box = document.querySelector('.table-scroll');
    const row = document.querySelector('#summary tbody th[scope=row]');
    const caption = document.querySelector('#summary caption span');
    const before = row.getBoundingClientRect().left;
    box.scrollLeft = box.scrollWidth;
    const after = row.getBoundingClientRect().left;
    const c = caption.getBoundingClientRect();
    return { scrolled: box.scrollLeft, before, after, caption: { left: c.left, right: c.right, height: c.height }, viewport: window.innerWidth };
  });
  check('the indicator column stays when the table is scrolled sideways',
    stuck.scrolled > 0 && Math.abs(stuck.after - stuck.before) < 1, stuck);
  check('the caption stays in view', stuck.caption.left >= 0 && stuck.caption.right <= stuck.viewport && stuck.caption.height > 0, stuck);
  await page.evaluate(() => { document.querySelector('.table-scroll').scrollLeft = 0; });
  await page.screenshot({ path: path.join(shotDir, 'summary-laptop.png') });
  summary.screenshots.push('summary-laptop.png');

  // 4. The phone: one cluster against the board and Wales (on Wales's summary, one board
  // against Wales) ----------------------------------------------------------------------------
  await page.setViewportSize(PHONE);
  for (const [area, lang] of [...boards, 'wales'].flatMap((a) => [[a, 'en'], [a, 'cy']])) {
    const label = `${area} ${lang} at 390×844`;
    await page.goto(`${base}/summary/${area}.html${lang === 'cy' ? '?lang=cy' : ''}`, { waitUntil: 'load' });
    const shown = () => page.evaluate(() => {
      const visible = [...document.querySelectorAll('#summary thead th')]
        .filter((th) => getComputedStyle(th).display !== 'none');
      return {
        chooser: getComputedStyle(document.querySelector('.chooser')).display !== 'none',
        choices: visible.filter((th) => th.dataset.choice !== undefined).map((th) => th.dataset.choice),
        others: visible.filter((th) => th.dataset.choice === undefined).map((th) => th.dataset.level || 'indicator'),
        chosen: document.getElementById('area-choice').value,
      };
    });
    const first = await shown();
    const comparators = area === 'wales' ? ['indicator', 'wales'] : ['indicator', 'health_board', 'wales'];
    check(`${label}: one cluster beside the board and Wales`,
      first.chooser && first.choices.length === 1 && first.choices[0] === first.chosen
        && JSON.stringify(first.others) === JSON.stringify(comparators), first);
    const pw = await widths(page);
    if (area === LARGEST) summary.figures[`${label} widths`] = pw;
    check(`${label}: the table fits and the page does not scroll sideways`,
      pw.page <= pw.viewport && pw.boxScroll <= pw.box, pw);
    await audit(page, axeSource, label);
    const options = await page.evaluate(() => [...document.querySelectorAll('#area-choice option')].map((o) => o.value));
    await page.selectOption('#area-choice', options[options.length - 1]);
    const second = await shown();
    check(`${label}: choosing another cluster shows it instead`,
      second.choices.length === 1 && second.choices[0] === options[options.length - 1], second);
    const agreement = await printedAgainstColours(page);
    check(`${label}: printed intervals agree with their colours`, agreement.wrongCount === 0, agreement);
    if (area === LARGEST && lang === 'en') {
      await page.screenshot({ path: path.join(shotDir, 'summary-phone.png'), fullPage: false });
      summary.screenshots.push('summary-phone.png');
    }
  }

  // 5. The icon -------------------------------------------------------------------------------
  const icon = await page.request.get(`${base}/favicon.ico`);
  check('/favicon.ico is served', icon.status() === 200 && /image\//.test(icon.headers()['content-type'] || ''),
    { status: icon.status(), type: icon.headers()['content-type'] });
  const linked = await page.evaluate(() => document.querySelector('link[rel=icon]')?.href);
  const linkedReply = await page.request.get(linked);
  check('the page\'s <link rel="icon"> resolves', linkedReply.status() === 200, { linked, status: linkedReply.status() });
  noProblems('every summary page');
}

run(main, 220_000);
