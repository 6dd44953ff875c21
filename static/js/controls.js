// The side panel: filling the controls from the state and the server's lists, the banner
// and download links, and turning control events into state changes.
import { $, fillSelect } from './dom.js';
import { STATIC_SITE, linkPath } from './api.js';
import { app, atlas, t, indicatorMeta } from './store.js';
import { dataQuery, PAGE_VIEWS, styleQuery, validBreaks } from './state.js';
import { boards, clusterApproximate, domains, fieldLabel, methodLabel, vintages, vocabulary } from './vocabulary.js';
import { clearSelection } from './card.js';

/** Fills every control from the current state, in the current language. */
export function renderControls() {
  const s = app.state, T = t(), V = vocabulary(), meta = app.indicators;
  document.documentElement.lang = s.lang;
  document.title = `${T.appTitle} – ${T.titleSuffix}`;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = T[e.dataset.i18n];
  for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = T[e.dataset.i18nPlaceholder];
  // Labels that name a data field use the server's field label.
  for (const e of document.querySelectorAll('[data-field-label]')) e.textContent = fieldLabel(e.dataset.fieldLabel, s.lang);
  $('map').setAttribute('aria-label', T.mapLabel);
  $('info-close').setAttribute('aria-label', T.close);
  $('info-close').title = T.close;
  for (const b of document.querySelectorAll('#lang-switch button')) b.setAttribute('aria-pressed', String(b.dataset.lang === s.lang));

  for (const v of PAGE_VIEWS) $(`view-${v}`).checked = v === s.view;
  $('view-hint').textContent = { deprivation: T.hintDeprivation, indicator: T.hintIndicator, significance: T.hintSignificance }[s.view];
  for (const e of document.querySelectorAll('[data-views]')) e.hidden = !e.dataset.views.split(' ').includes(s.view);

  fillSelect($('vintage'), vintages(s.lang), s.vintage);
  fillSelect($('domain'), domains(s.lang), s.domain);
  // WIMD 2025 has the overall index only: say so beside the domains, which are 2019's.
  const withDomains = (V.wimd_vintages || []).find((v) => v.id === s.vintage)?.domains !== false;
  $('domain-note').hidden = withDomains;
  $('domain-note').textContent = withDomains ? '' : T.noDomains;
  fillSelect($('indicator'), meta.indicators.map((i) => [i.id, i.title]), s.indicator);
  const periods = indicatorMeta().periods;
  fillSelect($('period'), periods.map((p) => [p, p]), s.period);
  $('period').disabled = periods.length < 2;
  fillSelect($('method'), V.methods.map((m) => [m.id, methodLabel(m.id, s.lang)]), s.method);
  const cls = [];
  for (let c = V.classes.min; c <= V.classes.max; c++) cls.push([c, String(c)]);
  fillSelect($('classes'), cls, s.classes);
  $('classes').disabled = s.method === 'manual';
  fillSelect($('palette'), V.palettes.map((p) => [p, p]), s.palette);
  $('breaks-field').hidden = s.view !== 'indicator' || s.method !== 'manual';
  // A static site holds one classification per map, so its choices are shown, not offered.
  for (const id of ['method', 'classes', 'palette', 'level']) if (STATIC_SITE) $(id).disabled = true;
  $('site-note').hidden = !STATIC_SITE || s.view !== 'indicator';
  $('site-note').textContent = T.siteFixed;
  if (document.activeElement !== $('breaks')) $('breaks').value = s.breaks;
  fillSelect($('level'), (V.confidence_levels || []).map((l) => [l.id, l.label]), s.level);
  $('vs-wales').checked = s.vs === 'wales';
  $('vs-hb').checked = s.vs === 'hb';
  fillSelect($('hb'), [['', T.allWales], ...boards(s.lang)], s.hb);

  renderBanner();
}

function renderBanner() {
  $('banner').hidden = !clusterApproximate();
  $('banner-title').textContent = t().bannerTitle;
  $('banner-text').textContent = t().bannerText;
}

/** The panel's download links for the current view (relative to the page). */
export function renderLinks() {
  const s = app.state;
  $('link-legend').href = linkPath(`legends/${s.view}.svg?${styleQuery(s)}`);
  const dataLink = $('link-data');
  dataLink.hidden = s.view === 'deprivation';
  if (s.view !== 'deprivation') dataLink.href = linkPath(`data/${s.indicator}?${dataQuery(s)}`);
}

/** The cluster picker: the clusters of /data (of the chosen board only), by name. */
export function renderClusterPicker() {
  const e = $('cluster'), s = app.state;
  if (!app.data) { e.replaceChildren(); return; }
  const rows = app.data.rows.filter((r) => r.level === 'cluster' && (!s.hb || r.hb_code === s.hb))
    .sort((a, b) => a.name.localeCompare(b.name, s.lang));
  fillSelect(e, [['', t().chooseCluster], ...rows.map((r) => [r.code, r.name])], app.selected?.code || '');
  // On a Welsh page, an English-only name is marked as English (for screen readers) and
  // the note under the picker says no Welsh names are published.
  const english = new Set(rows.filter((r) => r.name_cy_fallback).map((r) => r.code));
  const note = $('cluster-name-note');
  if (note) {
    note.hidden = s.lang !== 'cy' || english.size === 0;
    note.textContent = note.hidden ? '' : t().clusterNamesEnglish;
  }
  for (const o of e.options) if (s.lang === 'cy' && english.has(o.value)) o.lang = 'en';
}

/** Turns control events into calls of `update(changes, opts)` (main.js), and a cluster
 *  picked from the list into `chooseCluster(code)` (pinned, and the map moved to it). */
export function wireControls(update, chooseCluster) {
  for (const v of PAGE_VIEWS) $(`view-${v}`).addEventListener('change', () => update({ view: v }));
  $('vintage').addEventListener('change', (e) => {
    const v = (vocabulary().wimd_vintages || []).find((x) => x.id === e.target.value);
    // An edition without domains shows the overall index.
    update(v && !v.domains ? { vintage: v.id, domain: vocabulary().wimd_domains[0].id } : { vintage: e.target.value });
  });
  $('domain').addEventListener('change', (e) => {
    const s = app.state, overall = vocabulary().wimd_domains[0].id;
    const has = (vocabulary().wimd_vintages || []).find((x) => x.id === s.vintage)?.domains;
    // A domain is WIMD 2019's: choosing one switches an edition without domains to one with.
    const vintage = e.target.value !== overall && !has
      ? (vocabulary().wimd_vintages || []).find((x) => x.domains)?.id : s.vintage;
    update({ domain: e.target.value, vintage });
  });
  $('indicator').addEventListener('change', (e) => {
    const ind = indicatorMeta(e.target.value);
    update({ indicator: ind.id, period: ind.default_period });
  });
  $('period').addEventListener('change', (e) => update({ period: e.target.value }));
  $('method').addEventListener('change', (e) => {
    if (e.target.value === 'manual' && !app.state.breaks) {
      // Seed manual breaks from the current classification so the map stays meaningful.
      const bins = atlas.legend?.entries?.map((x) => x.upper).filter((x) => typeof x === 'number').slice(0, -1);
      app.state.breaks = bins?.length ? bins.map((b) => +b.toPrecision(3)).join(',') : '';
      if (!app.state.breaks) { renderControls(); return; }
    }
    update({ method: e.target.value });
  });
  $('classes').addEventListener('change', (e) => update({ classes: Number(e.target.value) }));
  $('palette').addEventListener('change', (e) => update({ palette: e.target.value }));
  const applyBreaks = () => {
    const v = $('breaks').value.replace(/\s+/g, '');
    if (v === app.state.breaks) return;
    if (!validBreaks(v)) { $('breaks').setAttribute('aria-invalid', 'true'); return; }
    $('breaks').removeAttribute('aria-invalid');
    update({ breaks: v });
  };
  $('breaks').addEventListener('change', applyBreaks);
  $('breaks').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); applyBreaks(); } });
  $('level').addEventListener('change', (e) => update({ level: e.target.value }));
  $('vs-wales').addEventListener('change', () => update({ vs: 'wales' }));
  $('vs-hb').addEventListener('change', () => update({ vs: 'hb' }));
  $('hb').addEventListener('change', (e) => { clearSelection(); update({ hb: e.target.value }, { fit: true }); });
  $('cluster').addEventListener('change', (e) => (e.target.value ? chooseCluster(e.target.value) : clearSelection()));
  $('info-close').addEventListener('click', clearSelection);
  for (const b of document.querySelectorAll('#lang-switch button')) {
    b.addEventListener('click', () => { if (app.state.lang !== b.dataset.lang) update({ lang: b.dataset.lang }); });
  }
  $('controls').addEventListener('submit', (e) => e.preventDefault());
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && app.selected) clearSelection(); });
}
