// The details card: what the hovered, clicked or chosen area is. For an LSOA its WIMD
// bands; for a cluster its value, interval, significance in words (coloured by the
// indicator's polarity, as on the map) and, once pinned, its population charts.
// Also the pinned selection itself, which the card, the map outline and the cluster
// picker share.
import { $, el } from './dom.js';
import { getJson, linkPath } from './api.js';
import { app, atlas, t, indicatorMeta } from './store.js';
import { clusterTileFeature, featureByCode, highlight } from './mapview.js';
import { writeUrl } from './state.js';
import { markTableSelection } from './table.js';
import { boardName, fieldLabel, noDataLabel, sigColor, sigLabel, vintageLsoaCount } from './vocabulary.js';

function fmtValue(v, unit) {
  if (v === null || v === undefined || v === '') return noDataLabel(app.state.lang);
  const n = Number(v);
  const s = Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(1);
  return unit === '%' ? `${s}%` : `${s}${unit ? ` ${unit}` : ''}`;
}

// A flag against a benchmark ('wales' | 'hb') in the server's words, with its map colour.
function sigWords(benchmark, flag, polarity) {
  const lang = app.state.lang;
  if (!flag) return noDataLabel(lang);
  return el('span', { class: 'sig', 'data-flag': flag },
    el('i', { style: `background:${sigColor(polarity, flag)}` }), sigLabel(polarity, benchmark, lang, flag));
}

function dl(pairs) {
  return el('dl', {}, ...pairs.filter(Boolean).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function present(v) { return v !== null && v !== undefined; }

/** Whether a cluster's Welsh name is only its English one (tile property or /data row). */
function englishOnly(p, row) {
  const flag = p.name_cy_fallback ?? row?.name_cy_fallback;
  return flag === true || flag === 'true';
}

function clusterNameFor(code) {
  if (!code) return noDataLabel(app.state.lang);
  const f = clusterTileFeature(code);
  if (f) return (app.state.lang === 'cy' ? f.properties.name_cy : f.properties.name_en) || code;
  return code;
}

/** Whether a tile layer holds LSOAs (2011 with WIMD 2019, or 2021 with WIMD 2025). */
function isLsoa(layer) { return layer === 'lsoa' || layer === 'lsoa21'; }

/** Shows `feature` ({ layer, properties }) in the card, or the hint for none. */
export function renderInfo(feature) {
  const T = t(), s = app.state, lang = s.lang;
  const label = (name) => fieldLabel(name, lang);
  $('info-close').hidden = !app.selected;
  // Phones show the card as a bottom sheet only while it has something to show.
  document.body.classList.toggle('has-details', !!feature);
  $('overlay').classList.toggle('wide', !!feature && !!app.selected && app.selected.code === feature.properties.code
    && !isLsoa(feature.layer));
  if (!feature) {
    $('info-title').textContent = T.infoTitle;
    $('info-body').replaceChildren(el('p', { class: 'placeholder' }, T.infoHint));
    return;
  }
  const p = feature.properties;
  const name = (lang === 'cy' ? p.name_cy : p.name_en) || p.name_en || p.code;
  if (isLsoa(feature.layer)) {
    $('info-title').textContent = p.name_wimd || name;
    const domainQuintile = `${s.domain}_quintile`;
    const wimd = feature.layer === 'lsoa21' ? 'wimd2025' : 'wimd';
    const pairs = [
      // Overview tiles carry no names: the code alone, not "W01000710 (W01000710)".
      [fieldLabel('lsoa', lang), name && name !== p.code ? `${name} (${p.code})` : p.code],
      // The 2021 layer's wimd_* columns are WIMD 2025's, and labelled so.
      [label(`${wimd}_rank`), `${p.wimd_rank} ${T.rankOf(vintageLsoaCount(feature.layer === 'lsoa21' ? '2025' : '2019'))}`],
      [label(`${wimd}_decile`), String(p.wimd_decile)],
      [label(`${wimd}_quintile`), String(p.wimd_quintile)],
      s.domain !== 'overall' ? [label(domainQuintile), String(p[domainQuintile] ?? noDataLabel(lang))] : null,
      [fieldLabel('cluster', lang), clusterNameFor(p.cluster_code)],
      [fieldLabel('health_board', lang), boardName(p.hb_code, lang)],
    ];
    const body = [dl(pairs)];
    // Overview tiles (below zoom 8) carry codes and WIMD bands but not LSOA names.
    if (!p.name_en) body.push(el('p', { class: 'placeholder' }, T.zoomForNames));
    $('info-body').replaceChildren(...body);
    return;
  }
  // cluster
  $('info-title').textContent = name;
  $('info-title').removeAttribute('lang');
  const meta = indicatorMeta();
  const rows = app.data?.rows || [];
  const row = rows.find((r) => r.level === 'cluster' && r.code === p.code);
  const boardRow = rows.find((r) => r.level === 'health_board' && r.code === p.hb_code);
  const walesRow = rows.find((r) => r.level === 'wales');
  const value = p.value ?? row?.value;
  const lo = p.lower_ci ?? row?.lower_ci, hi = p.upper_ci ?? row?.upper_ci;
  // A static site's tiles hold geometry and names only: the values come from /data.
  const cls = p.class ?? row?.class;
  const entry = atlas.legend?.entries?.find((e) => String(e.key) === String(cls));
  const pairs = [
    [label('value'), el('span', { class: 'big' }, fmtValue(value, meta.unit))],
    // "95% CI" from the server, at the page's confidence level.
    // An indicator never tested gives its reason once, below, with both comparisons.
    [fieldLabel('confidence_interval', lang).replace('95%', `${s.level}%`), present(lo) && present(hi) ? `${fmtValue(lo, meta.unit)} – ${fmtValue(hi, meta.unit)}` : (meta.untested_reason_text ? T.noCiNone : T.noCi)],
    s.view === 'indicator' && entry ? [label('class'), `${cls} (${entry.label})`] : null,
    [fieldLabel('health_board', lang), boardName(p.hb_code, lang)],
    boardRow ? [T.boardValue, fmtValue(boardRow.value, meta.unit)] : null,
    walesRow ? [T.walesValue, fmtValue(walesRow.value, meta.unit)] : null,
    p.lsoa_count ? [label('lsoa_count'), String(p.lsoa_count)] : null,
    // Marked so that a pinned card can restate them at its charts' period (profilePeriod).
    p.population ? [el('span', { id: 'card-population-label' }, label('population')),
      el('span', { id: 'card-population' }, Number(p.population).toLocaleString(lang === 'cy' ? 'cy-GB' : 'en-GB'))] : null,
    present(p.wimd_q1_residents_pct) ? [el('span', { id: 'card-q1-label' }, label('wimd_q1_residents_pct')),
      el('span', { id: 'card-q1' }, fmtValue(p.wimd_q1_residents_pct, '%'))] : null,
  ];
  const sig = el('ul', { class: 'sig-list', 'aria-label': T.significance(s.level) },
    ...(meta.untested_reason_text
      ? [el('li', { class: 'sig', 'data-flag': 'not_tested' },
        el('i', { style: `background:${sigColor(meta.polarity, 'not_tested')}` }), `${T.notTestedEither}: ${meta.untested_reason_text}.`)]
      : [el('li', {}, sigWords('hb', p.sig_vs_hb ?? row?.sig_vs_hb, meta.polarity)),
        el('li', {}, sigWords('wales', p.sig_vs_wales ?? row?.sig_vs_wales, meta.polarity))]));
  const children = [el('p', { class: 'sub' }, meta.title), dl(pairs), sig];
  // The README's promise: an English name on a Welsh page says it is one.
  if (lang === 'cy' && englishOnly(p, row)) {
    $('info-title').setAttribute('lang', 'en');
    children.unshift(el('p', { class: 'sub name-note', id: 'welsh-name-note' }, T.welshNameMissing));
  }
  if (p.approximate === true || p.approximate === 'true') children.push(el('p', { class: 'approx' }, T.approxNote));
  // The charts come from /profiles only for a pinned cluster, not on every hover.
  if (app.selected && app.selected.code === p.code) {
    const profile = `profiles/${encodeURIComponent(p.code)}`;
    const q = lang === 'cy' ? '?lang=cy' : '';
    children.push(el('section', { class: 'profile', 'aria-label': T.whoLivesHere },
      el('h3', {}, T.whoLivesHere),
      // The caption names the charts' period in words, as the population row does once
      // profilePeriod has restated it at that period.
      el('figure', { class: 'chart-figure' },
        chartScroll(el('img', { class: 'chart', id: 'pyramid-chart', src: linkPath(`${profile}/pyramid.svg${q}`), alt: T.pyramidAlt, width: '480', height: '178' })),
        el('figcaption', { class: 'sub' }, T.pyramidAlt)),
      chartScroll(el('img', { class: 'chart', id: 'deprivation-chart', src: linkPath(`${profile}/deprivation.svg${q}`), alt: T.deprivationAlt, width: '480', height: '150' })),
      el('p', { class: 'sub' }, el('a', { href: linkPath(`${profile}${q}`) }, T.profileData))));
  }
  $('info-body').replaceChildren(...children);
  // data-period: the period the rows are stated at, once settled (tests wait for it).
  delete $('info-body').dataset.period;
  if (app.selected && app.selected.code === p.code) profilePeriod(p.code, lang);
}

/**
 * One period per card: the tiles' population and WIMD share are mid-2020 (2011 LSOAs,
 * WIMD 2019) while the pinned card's charts are the profile's newest period (mid-2024,
 * 2021 LSOAs, WIMD 2025). Once the profile arrives, both rows are restated at the charts'
 * period, from the same document the charts are drawn from, with the period in their
 * labels. A profile that fails to load leaves the rows as they were, labelled mid-2020.
 */
async function profilePeriod(code, lang) {
  let prof;
  try {
    prof = await getJson(`profiles/${encodeURIComponent(code)}${lang === 'cy' ? '?lang=cy' : ''}`);
  } catch { $('info-body').dataset.period = 'tiles'; return; }
  if (app.selected?.code !== code || app.state.lang !== lang) return;
  const T = t();
  const pyramid = prof.population?.pyramids?.[0];
  const residents = prof.deprivation?.population_weighted?.find((r) => r.period === pyramid?.period);
  const set = (id, text) => { const e = $(id); if (e) e.textContent = text; };
  if (pyramid) {
    set('card-population-label', T.populationAt(pyramid.period));
    set('card-population', Number(pyramid.total).toLocaleString(lang === 'cy' ? 'cy-GB' : 'en-GB'));
  }
  const q1 = residents?.quintiles?.find((x) => x.quintile === 1);
  if (q1) {
    set('card-q1-label', T.q1ResidentsAt(residents.index, residents.period));
    set('card-q1', fmtValue(q1.share_pct, '%'));
  }
  $('info-body').dataset.period = pyramid?.period || 'tiles';
}

/**
 * A chart in a box that scrolls sideways where the card is narrower than the chart's
 * 528 px (a phone), rather than shrinking its text below 12 px. A box that does scroll is
 * reachable by Tab (named by the chart), so the keyboard can scroll it too.
 */
function chartScroll(img) {
  const box = el('div', { class: 'chart-scroll', role: 'group', 'aria-label': img.alt }, img);
  const reachable = () => {
    if (box.scrollWidth > box.clientWidth + 1) box.tabIndex = 0; else box.removeAttribute('tabindex');
  };
  img.addEventListener('load', reachable);
  new ResizeObserver(reachable).observe(box);
  return box;
}

// The selection is part of the page's state, and so of its URL (`area`).
function keepInUrl(code) {
  if (!app.state) return;
  app.state.area = code || '';
  atlas.state = { ...atlas.state, area: app.state.area };
  writeUrl(app.state);
  markTableSelection();
}

/** Pins a feature: outlined on the map, shown in the card until cleared. */
export function selectFeature(f) {
  app.selected = { code: f.properties.code, feature: f };
  highlight(app.selected.code);
  renderInfo(f);
  keepInUrl(app.selected.code);
}

export function clearSelection() {
  app.selected = null;
  highlight(null);
  renderInfo(null);
  $('cluster').value = '';
  keepInUrl('');
}

/**
 * Pins the area of `code` in the current view after a style change or a page load: a
 * cluster from /data (indicator views) or an area from the loaded tiles. False when the
 * view has no such area.
 */
export function restoreSelection(code) {
  const fromData = app.data?.rows.some((r) => r.level === 'cluster' && r.code === code);
  if (fromData) {
    selectCluster(code);
    if ($('cluster').querySelector(`option[value="${CSS.escape(code)}"]`)) $('cluster').value = code;
    return true;
  }
  const f = featureByCode(code);
  if (!f) return false;
  selectFeature(f);
  return true;
}

/**
 * A cluster as its card shows it: its /data row, completed by its tile feature (which
 * carries the LSOA count, population and WIMD share), so that a cluster chosen by code
 * (picker, search, table, a named finding) gets the same rows as one clicked on the map
 * once its tiles are loaded.
 */
function clusterFeature(code) {
  const row = app.data?.rows.find((r) => r.level === 'cluster' && r.code === code);
  const tileFeature = clusterTileFeature(code);
  const props = { ...(row ? { code: row.code, name_en: row.name, name_cy: row.name, hb_code: row.hb_code, value: row.value,
    lower_ci: row.lower_ci, upper_ci: row.upper_ci, sig_vs_wales: row.sig_vs_wales, sig_vs_hb: row.sig_vs_hb, class: row.class } : {}),
  ...(tileFeature ? tileFeature.properties : {}) };
  return { layer: 'clusters', properties: props };
}

/** Pins a cluster chosen by code (the picker): its /data row, completed from the tiles. */
export function selectCluster(code) {
  if (!code) { clearSelection(); return; }
  const f = clusterFeature(code);
  app.selected = { code, feature: f };
  highlight(code);
  renderInfo(f);
  keepInUrl(code);
}

/** Redraws the pinned cluster's card from the tiles now loaded (after the map moved to it). */
export function refreshSelectedCluster(code) {
  if (app.selected?.code !== code || app.selected.feature.layer !== 'clusters') return;
  const f = clusterFeature(code);
  app.selected = { code, feature: f };
  renderInfo(f);
}
