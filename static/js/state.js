// The page state and its URL form. Everything the page shows is derived from one state
// object that lives in the query string (view, domain, indicator, period, method,
// classes, palette, breaks, vs, hb, lang, the selected area and, after the user pans or
// zooms in any way, z/lat/lng), so a dashboard can embed e.g.
// map?indicator=copd&hb=W11000028&lang=cy&area=… and get that view. A parameter that is
// unknown or whose value is not valid is reported (readState's `problems`), so the page
// can say so instead of silently showing another map.
//
// Pure functions only: what counts as a valid value comes from the server's vocabulary
// and /indicators, passed in, never from lists kept here.

// The page's own defaults (choices of this page, not facts about the data).
const DEFAULT_INDICATOR = 'patients_most_deprived_20pct';
const DEFAULT_METHOD = 'quantile';
// The map kinds this page has controls for (the view radios in map.html).
export const PAGE_VIEWS = ['deprivation', 'indicator', 'significance'];
// The camera zoom range the page allows (also the map's min/max zoom).
export const ZOOM = { min: 4, max: 14 };

const BREAKS = /^-?[\d.]+(,-?[\d.]+)*$/;

function num(v) { const n = Number(v); return v !== null && v !== '' && Number.isFinite(n) ? n : null; }

/** The language asked for in a query string, if the server speaks it (else its first). */
export function langFrom(search, vocab) {
  const codes = vocab.languages.map((l) => l.code);
  const lang = new URLSearchParams(search).get('lang');
  return codes.includes(lang) ? lang : codes[0];
}

/** Whether a breaks string is well formed (increasing order is the server's check). */
export function validBreaks(v) { return BREAKS.test(v); }

/** Every parameter the page's URL may carry. */
export const URL_PARAMS = ['view', 'vintage', 'domain', 'indicator', 'period', 'method', 'classes', 'palette', 'breaks',
  'vs', 'level', 'hb', 'lang', 'area', 'tab', 'z', 'lat', 'lng', 'encoding'];

/**
 * What in a query string the page could not use: `{ param, value, reason }` with reason
 * 'unknown' (not a parameter of this page) or 'invalid' (a value it cannot show; the
 * state then has another value instead, `shown`, or none: ''). `s` is readState's result for the same string.
 */
export function urlProblems(search, vocab, s) {
  const p = new URLSearchParams(search);
  const out = [];
  const seen = new Set();
  for (const [k, v] of p) {
    if (seen.has(k)) continue;
    seen.add(k);
    if (!URL_PARAMS.includes(k)) { out.push({ param: k, value: v, reason: 'unknown' }); continue; }
    let ok = true;
    switch (k) {
      case 'view': case 'vintage': case 'domain': case 'indicator': case 'period': case 'method': case 'palette':
      case 'vs': case 'level': case 'hb': case 'lang': case 'tab': case 'encoding': ok = s[k] === v; break;
      case 'classes': ok = s.view !== 'indicator' || s.method === 'manual' || String(s.classes) === v; break;
      case 'breaks': ok = validBreaks(v); break;
      case 'z': case 'lat': case 'lng': ok = !!s.camera && Number(v) === s.camera[k]; break;
      default: ok = true; // area: checked once the data is loaded
    }
    if (!ok) out.push({ param: k, value: v, reason: 'invalid', shown: shownInstead(k, s) });
  }
  return out;
}

// What the page shows in place of a value it could not use, so that the warning can say
// it ("classes=99" shows 9 classes, not "the default"); '' when the parameter was dropped.
function shownInstead(k, s) {
  if (k === 'z' || k === 'lat' || k === 'lng') return s.camera ? String(s.camera[k]) : '';
  if (k === 'breaks') return '';
  const v = s[k];
  return v === undefined || v === null ? '' : String(v);
}

/**
 * The state in a query string; anything unknown or invalid falls back to a default
 * (urlProblems says which). `vocab` is /vocabulary, `meta` is /indicators. `fixed`
 * ({ method, classes, palette }, a static site's only classification) overrides the URL's.
 */
export function readState(search, vocab, meta, fixed = null) {
  const p = new URLSearchParams(search);
  const ids = meta.indicators.map((i) => i.id);
  const views = vocab.map_kinds.filter((k) => PAGE_VIEWS.includes(k));
  const domainIds = vocab.wimd_domains.map((d) => d.id);
  const methodIds = vocab.methods.map((m) => m.id);
  const s = {};
  s.lang = langFrom(search, vocab);
  const view = p.get('view');
  s.view = views.includes(view) ? view : (p.get('indicator') ? 'indicator' : 'deprivation');
  s.domain = domainIds.includes(p.get('domain')) ? p.get('domain') : domainIds[0];
  // The WIMD edition: the URL's, else the server's default (the first) for the overall
  // index and 2019 for a domain; an edition without domains shows the overall index.
  s.vintage = vintageFor(vocab, p.get('vintage'), s.domain);
  if (!vintageHasDomains(vocab, s.vintage)) s.domain = domainIds[0];
  s.indicator = ids.includes(p.get('indicator')) ? p.get('indicator')
    : (ids.includes(DEFAULT_INDICATOR) ? DEFAULT_INDICATOR : ids[0]);
  const ind = meta.indicators.find((i) => i.id === s.indicator);
  s.period = ind.periods.includes(p.get('period')) ? p.get('period') : ind.default_period;
  s.method = methodIds.includes(p.get('method')) ? p.get('method') : DEFAULT_METHOD;
  const c = Math.round(num(p.get('classes')) ?? vocab.classes.default);
  s.classes = Math.min(vocab.classes.max, Math.max(vocab.classes.min, c));
  s.palette = vocab.palettes.includes(p.get('palette')) ? p.get('palette') : vocab.default_palette;
  s.breaks = validBreaks(p.get('breaks') || '') ? p.get('breaks') : '';
  if (s.method === 'manual' && !s.breaks) s.method = DEFAULT_METHOD;
  if (fixed) Object.assign(s, { method: fixed.method, classes: fixed.classes, palette: fixed.palette, breaks: '' });
  const benchmarks = vocab.significance.benchmarks;
  s.vs = benchmarks.includes(p.get('vs')) ? p.get('vs') : benchmarks[0];
  // The confidence level of intervals and flags (95% or 99.8%); the server's first is the default.
  const levels = (vocab.confidence_levels || []).map((l) => l.id);
  s.level = !fixed && levels.includes(p.get('level')) ? p.get('level') : (levels[0] || '95');
  s.hb = vocab.health_boards.some((b) => b.code === p.get('hb')) ? p.get('hb') : '';
  s.area = p.get('area') || '';
  s.tab = p.get('tab') === 'table' ? 'table' : 'map';
  // The tiles' encoding (`encoding=mlt`: MapLibre Tiles); the vocabulary lists what the
  // server makes, its first the default. A static site's archive holds MVT only.
  const encodings = fixed ? vocab.tile_encodings.slice(0, 1) : vocab.tile_encodings;
  s.encoding = encodings.includes(p.get('encoding')) ? p.get('encoding') : encodings[0];
  const z = num(p.get('z')), lat = num(p.get('lat')), lng = num(p.get('lng'));
  s.camera = (z !== null && lat !== null && lng !== null && Math.abs(lat) <= 85 && Math.abs(lng) <= 180)
    ? { z: Math.min(ZOOM.max, Math.max(ZOOM.min, z)), lat, lng } : null;
  return s;
}

/** Whether a WIMD edition (`vocab.wimd_vintages[].id`) has domains. */
export function vintageHasDomains(vocab, id) {
  return !!(vocab.wimd_vintages || []).find((v) => v.id === id)?.domains;
}

/**
 * The WIMD edition to show: `asked` when the server offers it, else the server's default
 * (its first) for the overall index, and the first edition with domains for a domain.
 */
export function vintageFor(vocab, asked, domain) {
  const vintages = vocab.wimd_vintages || [];
  if (vintages.some((v) => v.id === asked)) return asked;
  const overall = (vocab.wimd_domains[0] || {}).id;
  const pick = domain === overall ? vintages[0] : vintages.find((v) => v.domains);
  return pick ? pick.id : '';
}

// The view-specific parameters, shared by the page URL and the style/legend query.
function setViewParams(p, s) {
  if (s.view === 'deprivation') {
    if (s.vintage) p.set('vintage', s.vintage);
    p.set('domain', s.domain);
  } else {
    p.set('indicator', s.indicator);
    p.set('period', s.period);
    if (s.view === 'indicator') {
      p.set('method', s.method);
      if (s.method === 'manual') p.set('breaks', s.breaks); else p.set('classes', String(s.classes));
      p.set('palette', s.palette);
    } else {
      p.set('vs', s.vs);
    }
    p.set('level', s.level);
  }
}

/** The page's own query string for a state (commas left readable). */
export function pageQuery(s) {
  const p = new URLSearchParams();
  p.set('view', s.view);
  setViewParams(p, s);
  if (s.hb) p.set('hb', s.hb);
  p.set('lang', s.lang);
  if (s.area) p.set('area', s.area);
  if (s.tab === 'table') p.set('tab', 'table');
  if (s.encoding !== 'mvt') p.set('encoding', s.encoding);
  if (s.camera) {
    p.set('z', s.camera.z.toFixed(2));
    p.set('lat', s.camera.lat.toFixed(4));
    p.set('lng', s.camera.lng.toFixed(4));
  }
  return p.toString().replace(/%2C/g, ',');
}

/** Puts the state in the address bar. A query-only relative URL keeps the page's path
 *  (`/`, `/map` or `<prefix>/map`) as it is. */
export function writeUrl(s) {
  history.replaceState(null, '', `?${pageQuery(s)}`);
}

/** The query string for the style / legend endpoints of a state. */
export function styleQuery(s) {
  const p = new URLSearchParams();
  setViewParams(p, s);
  p.set('lang', s.lang);
  if (s.encoding !== 'mvt') p.set('encoding', s.encoding);
  return p.toString();
}

/** Equal keys mean the same style: no need to fetch and set it again. */
export function styleKey(s) { return `${s.view}?${styleQuery(s)}`; }

/** The query string for /data/{indicator}. */
export function dataQuery(s) {
  const p = new URLSearchParams({ period: s.period, lang: s.lang, level: s.level });
  if (s.view === 'indicator') {
    p.set('method', s.method);
    if (s.method === 'manual') p.set('breaks', s.breaks); else p.set('classes', String(s.classes));
  }
  return p.toString();
}

/** The state as published on window.atlas.state (camera flattened to z/lat/lng). */
export function publicState(s) {
  const out = { ...s };
  if (out.camera) { out.z = out.camera.z; out.lat = out.camera.lat; out.lng = out.camera.lng; }
  delete out.camera;
  return out;
}
