// cluster-atlas embeddable map page.
//
// Everything the page shows is derived from `state`, which lives in the URL query string
// (view, domain, indicator, period, method, classes, palette, breaks, vs, hb, lang and,
// after the user pans or zooms, z/lat/lng), so a dashboard can embed e.g.
//   /map?indicator=copd&hb=W11000028&lang=cy
// in an iframe and get the same view.
//
// Test hooks: window.atlas = { map, ready, state, legend }. `ready` is false while the
// state is being applied and becomes true once the style and legend for the current state
// are loaded and the map has fired 'idle' after that.
import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';

// ---------------------------------------------------------------------------------------
// UI strings.
// NOTE: the Welsh (cy) UI strings below are DRAFTS written without a Welsh speaker and
// NEED REVIEW BY A WELSH SPEAKER before publication. (Legend and findings text in Welsh
// comes from the server.)
// ---------------------------------------------------------------------------------------
const STRINGS = {
  en: {
    zoomForNames: 'Zoom in to see LSOA names.',
    appTitle: 'Primary care cluster atlas',
    appSubtitle: 'NHS Wales primary care clusters',
    mapType: 'Map',
    viewDeprivation: 'Deprivation',
    viewIndicator: 'Indicator',
    viewSignificance: 'Significance',
    hintDeprivation: 'LSOAs by Welsh Index of Multiple Deprivation 2019 quintile.',
    hintIndicator: 'Clusters coloured by their value, in classes.',
    hintSignificance: 'Clusters that differ significantly (95% confidence) from a benchmark.',
    domain: 'WIMD 2019 domain',
    indicator: 'Indicator',
    period: 'Period',
    classes: 'Classes',
    method: 'Classification',
    palette: 'Colours',
    breaks: 'Class breaks',
    breaksHint: 'Increasing numbers separated by commas; press Enter to apply.',
    compareWith: 'Compare each cluster with',
    vsWales: 'Wales',
    vsHb: 'Its health board',
    area: 'Area',
    allWales: 'All Wales',
    findCluster: 'Cluster details',
    chooseCluster: 'Choose a cluster…',
    findings: 'Key findings',
    findingsDeprivation: 'Choose the Indicator or Significance map to see key findings for an indicator.',
    linkData: 'Data (JSON)',
    linkLegend: 'Legend (SVG)',
    mapLabel: 'Map of Wales',
    bannerTitle: 'Cluster boundaries are approximate:',
    bannerText: 'each LSOA is assigned to the cluster of its nearest GP main surgery, not by the official Public Health Wales / Welsh Government lookup. Boundaries are wrong near their edges.',
    infoTitle: 'Details',
    infoHint: 'Hover over or click an area on the map, or choose a cluster in the panel.',
    close: 'Close details',
    value: 'Value',
    ci: '95% CI',
    noCi: 'not available (no counts published)',
    significance: 'Significance (95%)',
    class: 'Class',
    healthBoard: 'Health board',
    walesValue: 'Wales',
    boardValue: 'Board',
    lsoas: 'LSOAs',
    cluster: 'Cluster',
    lsoa: 'LSOA',
    wimdRank: 'WIMD rank',
    rankOf: 'of 1,909 (1 = most deprived)',
    decile: 'Decile',
    quintile: 'Quintile',
    domainQuintile: 'Domain quintile',
    noData: 'No data',
    approxNote: 'This cluster’s boundary is approximate.',
    population: 'Population (mid-2020)',
    residentsQ1: 'Residents in WIMD quintile 1',
    whoLivesHere: 'Who lives here',
    pyramidAlt: 'Population pyramid, mid-2024: males and females by broad age band (ONS)',
    deprivationAlt: 'Deprivation profile: residents and LSOAs by WIMD 2019 quintile',
    profileData: 'Profile data (JSON)',
    loadError: 'Could not load the map data:',
    sig: {
      wales: {
        higher: 'Significantly higher than Wales',
        similar: 'Not significantly different from Wales',
        lower: 'Significantly lower than Wales',
        not_tested: 'Not tested (no counts published)',
      },
      hb: {
        higher: 'Significantly higher than its health board',
        similar: 'Not significantly different from its health board',
        lower: 'Significantly lower than its health board',
        not_tested: 'Not tested (no counts published)',
      },
      worse: 'worse', better: 'better',
    },
    findingsCounts: { higher: 'higher', similar: 'similar', lower: 'lower', not_tested: 'not tested' },
    findingsVs: 'Clusters vs Wales:',
    domains: {
      overall: 'Overall', income: 'Income', employment: 'Employment', health: 'Health',
      education: 'Education', access_to_services: 'Access to services', housing: 'Housing',
      community_safety: 'Community safety', physical_environment: 'Physical environment',
    },
    methods: {
      quantile: 'Quantiles', equal_interval: 'Equal intervals',
      fisher_jenks: 'Natural breaks (Fisher–Jenks)', manual: 'Manual breaks',
    },
    boards: {
      W11000023: 'Betsi Cadwaladr', W11000024: 'Powys', W11000025: 'Hywel Dda',
      W11000028: 'Aneurin Bevan', W11000029: 'Cardiff and Vale',
      W11000030: 'Cwm Taf Morgannwg', W11000031: 'Swansea Bay',
    },
  },
  // DRAFT Welsh UI strings: need review by a Welsh speaker.
  cy: {
    zoomForNames: 'Chwyddwch i mewn i weld enwau ACEHI.',
    appTitle: 'Atlas clystyrau gofal sylfaenol',
    appSubtitle: 'Clystyrau gofal sylfaenol GIG Cymru',
    mapType: 'Map',
    viewDeprivation: 'Amddifadedd',
    viewIndicator: 'Dangosydd',
    viewSignificance: 'Arwyddocâd',
    hintDeprivation: 'ACEHI yn ôl cwintel Mynegai Amddifadedd Lluosog Cymru 2019.',
    hintIndicator: 'Clystyrau wedi’u lliwio yn ôl eu gwerth, mewn dosbarthiadau.',
    hintSignificance: 'Clystyrau sy’n wahanol yn sylweddol (hyder 95%) i feincnod.',
    domain: 'Parth MALlC 2019',
    indicator: 'Dangosydd',
    period: 'Cyfnod',
    classes: 'Dosbarthiadau',
    method: 'Dosbarthu',
    palette: 'Lliwiau',
    breaks: 'Torbwyntiau',
    breaksHint: 'Rhifau cynyddol wedi’u gwahanu gan atalnodau; pwyswch Enter.',
    compareWith: 'Cymharu pob clwstwr â',
    vsWales: 'Cymru',
    vsHb: 'Ei fwrdd iechyd',
    area: 'Ardal',
    allWales: 'Cymru gyfan',
    findCluster: 'Manylion clwstwr',
    chooseCluster: 'Dewiswch glwstwr…',
    findings: 'Prif ganfyddiadau',
    findingsDeprivation: 'Dewiswch y map Dangosydd neu Arwyddocâd i weld prif ganfyddiadau dangosydd.',
    linkData: 'Data (JSON)',
    linkLegend: 'Allwedd (SVG)',
    mapLabel: 'Map o Gymru',
    bannerTitle: 'Mae ffiniau’r clystyrau yn frasamcan:',
    bannerText: 'neilltuir pob ACEHI i glwstwr y brif feddygfa agosaf, nid drwy dabl chwilio swyddogol Iechyd Cyhoeddus Cymru / Llywodraeth Cymru. Mae’r ffiniau’n anghywir ger eu hymylon.',
    infoTitle: 'Manylion',
    infoHint: 'Hofranwch dros ardal ar y map neu cliciwch arni, neu dewiswch glwstwr yn y panel.',
    close: 'Cau’r manylion',
    value: 'Gwerth',
    ci: 'CH 95%',
    noCi: 'dim ar gael (dim cyfrifon wedi’u cyhoeddi)',
    significance: 'Arwyddocâd (95%)',
    class: 'Dosbarth',
    healthBoard: 'Bwrdd iechyd',
    walesValue: 'Cymru',
    boardValue: 'Bwrdd',
    lsoas: 'ACEHI',
    cluster: 'Clwstwr',
    lsoa: 'ACEHI',
    wimdRank: 'Safle MALlC',
    rankOf: 'o 1,909 (1 = mwyaf difreintiedig)',
    decile: 'Degradd',
    quintile: 'Cwintel',
    domainQuintile: 'Cwintel y parth',
    noData: 'Dim data',
    approxNote: 'Mae ffin y clwstwr hwn yn frasamcan.',
    population: 'Poblogaeth (canol 2020)',
    residentsQ1: 'Trigolion yng nghwintel 1 MALlC',
    whoLivesHere: 'Pwy sy’n byw yma',
    pyramidAlt: 'Pyramid poblogaeth, canol 2024: gwrywod a benywod yn ôl band oedran eang (ONS)',
    deprivationAlt: 'Proffil amddifadedd: trigolion ac LSOAau yn ôl cwintel MALlC 2019',
    profileData: 'Data’r proffil (JSON)',
    loadError: 'Methu llwytho data’r map:',
    sig: {
      wales: {
        higher: 'Sylweddol uwch na Chymru',
        similar: 'Dim gwahaniaeth sylweddol o Gymru',
        lower: 'Sylweddol is na Chymru',
        not_tested: 'Heb ei brofi (dim cyfrifon wedi’u cyhoeddi)',
      },
      hb: {
        higher: 'Sylweddol uwch na’i fwrdd iechyd',
        similar: 'Dim gwahaniaeth sylweddol o’i fwrdd iechyd',
        lower: 'Sylweddol is na’i fwrdd iechyd',
        not_tested: 'Heb ei brofi (dim cyfrifon wedi’u cyhoeddi)',
      },
      worse: 'gwaeth', better: 'gwell',
    },
    findingsCounts: { higher: 'uwch', similar: 'tebyg', lower: 'is', not_tested: 'heb eu profi' },
    findingsVs: 'Clystyrau o’u cymharu â Chymru:',
    domains: {
      overall: 'Cyffredinol', income: 'Incwm', employment: 'Cyflogaeth', health: 'Iechyd',
      education: 'Addysg', access_to_services: 'Mynediad i wasanaethau', housing: 'Tai',
      community_safety: 'Diogelwch cymunedol', physical_environment: 'Amgylchedd ffisegol',
    },
    methods: {
      quantile: 'Cwantelau', equal_interval: 'Cyfyngau hafal',
      fisher_jenks: 'Toriadau naturiol (Fisher–Jenks)', manual: 'Torbwyntiau â llaw',
    },
    boards: {
      W11000023: 'Betsi Cadwaladr', W11000024: 'Powys', W11000025: 'Hywel Dda',
      W11000028: 'Aneurin Bevan', W11000029: 'Caerdydd a’r Fro',
      W11000030: 'Cwm Taf Morgannwg', W11000031: 'Bae Abertawe',
    },
  },
};

const VIEWS = ['deprivation', 'indicator', 'significance'];
const DOMAINS = ['overall', 'income', 'employment', 'health', 'education', 'access_to_services',
  'housing', 'community_safety', 'physical_environment'];
const BOARDS = ['W11000023', 'W11000024', 'W11000025', 'W11000028', 'W11000029', 'W11000030', 'W11000031'];
const FILL_LAYER = { deprivation: 'deprivation-fill', indicator: 'indicator-fill', significance: 'significance-fill' };
const SIG_COLORS = { higher: '#ca0020', similar: '#f7f7f7', lower: '#0571b0', not_tested: '#bababa' };
const DEFAULT_INDICATOR = 'patients_most_deprived_20pct';
const WALES_BOUNDS = [[-5.67, 51.375], [-2.65, 53.436]];

// ---------------------------------------------------------------------------------------
// Map and test hooks
// ---------------------------------------------------------------------------------------
const $ = (id) => document.getElementById(id);
const map = new maplibregl.Map({
  container: 'map',
  style: { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#ffffff' } }] },
  bounds: WALES_BOUNDS,
  fitBoundsOptions: { padding: fitPadding() },
  attributionControl: false,
  canvasContextAttributes: { preserveDrawingBuffer: true, antialias: true },
  maxZoom: 14,
  minZoom: 4,
  dragRotate: false,
  pitchWithRotate: false,
  touchPitch: false,
  cooperativeGestures: false,
});
map.touchZoomRotate.disableRotation();
map.keyboard.disableRotation();
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
map.addControl(new maplibregl.AttributionControl({ compact: false }), 'bottom-right');

const atlas = { map, ready: false, state: null, legend: null, error: null, maplibreVersion: maplibregl.getVersion() };
window.atlas = atlas;

// ---------------------------------------------------------------------------------------
// State <-> URL
// ---------------------------------------------------------------------------------------
let indicatorsMeta = null;           // /indicators response for the current language
const indicatorsCache = {};          // lang -> response
let tileJson = null;
let state = null;

function num(v) { const n = Number(v); return v !== null && v !== '' && Number.isFinite(n) ? n : null; }

function readState(meta) {
  const p = new URLSearchParams(location.search);
  const ids = meta.indicators.map((i) => i.id);
  const s = {};
  s.lang = p.get('lang') === 'cy' ? 'cy' : 'en';
  const view = p.get('view');
  s.view = VIEWS.includes(view) ? view : (p.get('indicator') ? 'indicator' : 'deprivation');
  s.domain = DOMAINS.includes(p.get('domain')) ? p.get('domain') : 'overall';
  s.indicator = ids.includes(p.get('indicator')) ? p.get('indicator')
    : (ids.includes(DEFAULT_INDICATOR) ? DEFAULT_INDICATOR : ids[0]);
  const ind = meta.indicators.find((i) => i.id === s.indicator);
  s.period = ind.periods.includes(p.get('period')) ? p.get('period') : ind.default_period;
  s.method = meta.methods.includes(p.get('method')) ? p.get('method') : 'quantile';
  const c = Math.round(num(p.get('classes')) ?? meta.classes.default);
  s.classes = Math.min(meta.classes.max, Math.max(meta.classes.min, c));
  s.palette = meta.palettes.includes(p.get('palette')) ? p.get('palette') : (meta.default_palette || 'YlGnBu');
  s.breaks = /^-?[\d.]+(,-?[\d.]+)*$/.test(p.get('breaks') || '') ? p.get('breaks') : '';
  if (s.method === 'manual' && !s.breaks) s.method = 'quantile';
  s.vs = p.get('vs') === 'hb' ? 'hb' : 'wales';
  s.hb = BOARDS.includes(p.get('hb')) ? p.get('hb') : '';
  const z = num(p.get('z')), lat = num(p.get('lat')), lng = num(p.get('lng'));
  s.camera = (z !== null && lat !== null && lng !== null && Math.abs(lat) <= 85 && Math.abs(lng) <= 180)
    ? { z: Math.min(14, Math.max(4, z)), lat, lng } : null;
  return s;
}

function urlParams(s) {
  const p = new URLSearchParams();
  p.set('view', s.view);
  if (s.view === 'deprivation') {
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
  }
  if (s.hb) p.set('hb', s.hb);
  p.set('lang', s.lang);
  if (s.camera) {
    p.set('z', s.camera.z.toFixed(2));
    p.set('lat', s.camera.lat.toFixed(4));
    p.set('lng', s.camera.lng.toFixed(4));
  }
  return p;
}

function writeUrl() {
  const qs = urlParams(state).toString().replace(/%2C/g, ',');
  history.replaceState(null, '', `${location.pathname}?${qs}`);
}

// The query string for the style / legend endpoints of the current state.
function styleQuery(s) {
  const p = new URLSearchParams();
  if (s.view === 'deprivation') {
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
  }
  p.set('lang', s.lang);
  return p.toString();
}

function styleKey(s) { return `${s.view}?${styleQuery(s)}`; }
function t() { return STRINGS[state?.lang || 'en']; }
function indicatorMeta(id = state.indicator) { return indicatorsMeta.indicators.find((i) => i.id === id); }

// ---------------------------------------------------------------------------------------
// Fetch helpers
// ---------------------------------------------------------------------------------------
async function getJson(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const msg = body?.error?.message || `${res.status} ${res.statusText}`;
    throw new Error(`${url.split('?')[0]}: ${msg}`);
  }
  return body;
}

async function loadIndicators(lang) {
  if (!indicatorsCache[lang]) indicatorsCache[lang] = await getJson(`/indicators?lang=${lang}`);
  return indicatorsCache[lang];
}

function showError(err) {
  const el = $('error');
  if (!err) { el.hidden = true; el.textContent = ''; atlas.error = null; return; }
  console.error(err);
  atlas.error = String(err.message || err);
  el.textContent = `${t().loadError} ${atlas.error}`;
  el.hidden = false;
}

// ---------------------------------------------------------------------------------------
// Waiting for the map
// ---------------------------------------------------------------------------------------
function waitForMap(event, predicate = () => true, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { map.off(event, handler); reject(new Error(`timed out waiting for map '${event}'`)); }, timeoutMs);
    function handler() {
      if (!predicate()) return;
      clearTimeout(timer);
      map.off(event, handler);
      resolve();
    }
    map.on(event, handler);
  });
}

function styleGeneration() {
  try { return map.getStyle()?.metadata?.['cluster-atlas:page-generation']; } catch { return undefined; }
}

async function waitIdle(gen) {
  const p = waitForMap('idle', () => map.isStyleLoaded() && styleGeneration() === gen.style);
  map.triggerRepaint();
  await p;
}

// ---------------------------------------------------------------------------------------
// Style preparation: add health-board dimming and selection highlight layers.
// ---------------------------------------------------------------------------------------
function prepareStyle(style, s, gen) {
  style.metadata = { ...(style.metadata || {}), 'cluster-atlas:page-generation': gen };
  const fillId = FILL_LAYER[s.view];
  const fill = style.layers.find((l) => l.id === fillId);
  const idx = style.layers.indexOf(fill);
  const boardFilter = hbFilters(s.hb);
  const extra = [
    {
      id: 'hb-dim', type: 'fill', source: 'atlas', 'source-layer': 'health_boards',
      filter: boardFilter.others,
      layout: { visibility: s.hb ? 'visible' : 'none' },
      paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.72 },
    },
  ];
  style.layers.splice(idx + 1, 0, ...extra);
  style.layers.push(
    {
      id: 'hb-focus', type: 'line', source: 'atlas', 'source-layer': 'health_boards',
      filter: boardFilter.self,
      layout: { visibility: s.hb ? 'visible' : 'none', 'line-join': 'round' },
      paint: { 'line-color': '#000000', 'line-width': 3.2 },
    },
    {
      id: 'selection-casing', type: 'line', source: 'atlas', 'source-layer': fill['source-layer'],
      filter: ['==', ['get', 'code'], ''], layout: { 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-width': 5 },
    },
    {
      id: 'selection', type: 'line', source: 'atlas', 'source-layer': fill['source-layer'],
      filter: ['==', ['get', 'code'], ''], layout: { 'line-join': 'round' },
      paint: { 'line-color': '#e8590c', 'line-width': 2.6 },
    },
  );
  return style;
}

function hbFilters(hb) {
  return {
    others: ['!=', ['get', 'code'], hb || ''],
    self: ['==', ['get', 'code'], hb || ''],
  };
}

function applyBoardLayers() {
  if (!map.getLayer('hb-dim')) return;
  const f = hbFilters(state.hb);
  map.setFilter('hb-dim', f.others);
  map.setFilter('hb-focus', f.self);
  map.setLayoutProperty('hb-dim', 'visibility', state.hb ? 'visible' : 'none');
  map.setLayoutProperty('hb-focus', 'visibility', state.hb ? 'visible' : 'none');
}

// ---------------------------------------------------------------------------------------
// Camera
// ---------------------------------------------------------------------------------------
function fitPadding() {
  const el = document.getElementById('map');
  const w = el ? el.clientWidth : 800;
  const overlay = w > 560 ? 250 : 20;
  return { top: 36, bottom: 76, left: 36, right: overlay };
}

const boardBounds = {};
function computeBoardBounds() {
  const feats = map.querySourceFeatures('atlas', { sourceLayer: 'health_boards' });
  const acc = {};
  for (const f of feats) {
    const code = f.properties.code;
    if (!code) continue;
    const b = acc[code] || (acc[code] = [Infinity, Infinity, -Infinity, -Infinity]);
    walkCoords(f.geometry.coordinates, (x, y) => {
      if (x < b[0]) b[0] = x; if (y < b[1]) b[1] = y;
      if (x > b[2]) b[2] = x; if (y > b[3]) b[3] = y;
    });
  }
  for (const [code, b] of Object.entries(acc)) if (Number.isFinite(b[0])) boardBounds[code] = b;
}
function walkCoords(c, fn) {
  if (typeof c[0] === 'number') fn(c[0], c[1]);
  else for (const x of c) walkCoords(x, fn);
}

// True when all of Wales is in view, so the loaded tiles hold every board whole.
function walesInView() {
  const b = map.getBounds();
  return b.getWest() <= WALES_BOUNDS[0][0] && b.getSouth() <= WALES_BOUNDS[0][1]
    && b.getEast() >= WALES_BOUNDS[1][0] && b.getNorth() >= WALES_BOUNDS[1][1];
}

async function placeCamera(gen, reason) {
  if (reason.camera && state.camera) {
    map.jumpTo({ center: [state.camera.lng, state.camera.lat], zoom: state.camera.z });
    return;
  }
  if (!reason.fit) return;
  if (!state.hb) {
    map.fitBounds(WALES_BOUNDS, { padding: fitPadding(), animate: false });
    return;
  }
  if (!boardBounds[state.hb]) {
    if (!walesInView()) {
      map.fitBounds(WALES_BOUNDS, { padding: fitPadding(), animate: false });
      await waitIdle(gen);
    }
    computeBoardBounds();
  }
  const b = boardBounds[state.hb];
  if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: fitPadding(), animate: false, maxZoom: 11 });
}

// ---------------------------------------------------------------------------------------
// Applying state
// ---------------------------------------------------------------------------------------
let generation = 0;
let currentStyleKey = null;
let currentData = null;      // /data response for indicator views
let selected = null;         // pinned feature { code, layer }

// changes: partial state; opts.fit: refit the camera to hb/Wales.
async function update(changes = {}, opts = {}) {
  const prevLang = state.lang;
  Object.assign(state, changes);
  if ('hb' in changes || opts.fit) state.camera = null;
  const gen = ++generation;
  atlas.ready = false;
  atlas.state = publicState();
  document.body.classList.add('is-loading');
  writeUrl();
  showError(null);
  try {
    if (state.lang !== prevLang || !indicatorsMeta) {
      indicatorsMeta = await loadIndicators(state.lang);
      if (gen !== generation) return;
    }
    renderControls();
    const key = styleKey(state);
    const gens = { style: gen };
    const q = styleQuery(state);
    const needStyle = key !== currentStyleKey;
    const [style, legend, data, findings] = await Promise.all([
      needStyle ? getJson(`/styles/${state.view}.json?${q}`) : null,
      needStyle ? getJson(`/legends/${state.view}.json?${q}`) : atlas.legend,
      state.view === 'deprivation' ? null : getJson(`/data/${state.indicator}?${dataQuery()}`),
      state.view === 'deprivation' ? null : getJson(`/findings/${state.indicator}?period=${encodeURIComponent(state.period)}&lang=${state.lang}`),
    ]);
    if (gen !== generation) return;
    currentData = data;
    renderLegend(legend);
    renderFindings(findings);
    renderClusterPicker();
    renderLinks();
    if (needStyle) {
      selected = null;
      renderInfo(null);
      const loaded = waitForMap('style.load', () => styleGeneration() === gen);
      map.setStyle(prepareStyle(style, state, gen), { diff: false });
      await loaded;
      currentStyleKey = key;
      atlas.styleGeneration = gen;
    } else {
      gens.style = atlas.styleGeneration;
      applyBoardLayers();
    }
    if (gen !== generation) return;
    await waitIdle(gens);
    if (gen !== generation) return;
    await placeCamera(gens, opts);
    if (gen !== generation) return;
    await waitIdle(gens);
    if (gen !== generation) return;
    if (selected) highlight(selected.code);
    atlas.legend = legend;
    atlas.state = publicState();
    atlas.ready = true;
    document.body.classList.remove('is-loading');
  } catch (err) {
    if (gen !== generation) return;
    document.body.classList.remove('is-loading');
    showError(err);
  }
}

function dataQuery() {
  const p = new URLSearchParams({ period: state.period, lang: state.lang });
  if (state.view === 'indicator') {
    p.set('method', state.method);
    if (state.method === 'manual') p.set('breaks', state.breaks); else p.set('classes', String(state.classes));
  }
  return p.toString();
}

function publicState() {
  const s = { ...state };
  if (s.camera) { s.z = s.camera.z; s.lat = s.camera.lat; s.lng = s.camera.lng; }
  delete s.camera;
  return s;
}

// ---------------------------------------------------------------------------------------
// Rendering: controls
// ---------------------------------------------------------------------------------------
function option(value, label, selectedValue) {
  const o = document.createElement('option');
  o.value = value; o.textContent = label;
  if (String(value) === String(selectedValue)) o.selected = true;
  return o;
}
function fillSelect(el, items, value) {
  el.replaceChildren(...items.map(([v, l]) => option(v, l, value)));
  el.value = String(value);
}

function renderControls() {
  const s = state, T = t();
  document.documentElement.lang = s.lang;
  document.title = `${T.appTitle} – ${s.lang === 'cy' ? 'Cymru' : 'Wales'}`;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = T[el.dataset.i18n];
  $('map').setAttribute('aria-label', T.mapLabel);
  $('info-close').setAttribute('aria-label', T.close);
  $('info-close').title = T.close;
  for (const b of document.querySelectorAll('#lang-switch button')) b.setAttribute('aria-pressed', String(b.dataset.lang === s.lang));

  for (const v of VIEWS) $(`view-${v}`).checked = v === s.view;
  $('view-hint').textContent = { deprivation: T.hintDeprivation, indicator: T.hintIndicator, significance: T.hintSignificance }[s.view];
  for (const el of document.querySelectorAll('[data-views]')) el.hidden = !el.dataset.views.split(' ').includes(s.view);

  fillSelect($('domain'), DOMAINS.map((d) => [d, T.domains[d]]), s.domain);
  fillSelect($('indicator'), indicatorsMeta.indicators.map((i) => [i.id, i.title]), s.indicator);
  fillSelect($('period'), indicatorMeta().periods.map((p) => [p, p]), s.period);
  $('period').disabled = indicatorMeta().periods.length < 2;
  fillSelect($('method'), indicatorsMeta.methods.map((m) => [m, T.methods[m] || m]), s.method);
  const cls = [];
  for (let c = indicatorsMeta.classes.min; c <= indicatorsMeta.classes.max; c++) cls.push([c, String(c)]);
  fillSelect($('classes'), cls, s.classes);
  $('classes').disabled = s.method === 'manual';
  fillSelect($('palette'), indicatorsMeta.palettes.map((p) => [p, p]), s.palette);
  $('breaks-field').hidden = s.view !== 'indicator' || s.method !== 'manual';
  if (document.activeElement !== $('breaks')) $('breaks').value = s.breaks;
  $('vs-wales').checked = s.vs === 'wales';
  $('vs-hb').checked = s.vs === 'hb';
  fillSelect($('hb'), [['', T.allWales], ...BOARDS.map((b) => [b, T.boards[b]])], s.hb);

  renderBanner();
}

function renderBanner() {
  const approx = tileJson?.cluster_geography?.approximate === true;
  $('banner').hidden = !approx;
  $('banner-title').textContent = t().bannerTitle;
  $('banner-text').textContent = t().bannerText;
}

function renderLinks() {
  const q = styleQuery(state);
  $('link-legend').href = `/legends/${state.view}.svg?${q}`;
  const dataLink = $('link-data');
  dataLink.hidden = state.view === 'deprivation';
  if (state.view !== 'deprivation') dataLink.href = `/data/${state.indicator}?${dataQuery()}`;
}

function renderClusterPicker() {
  const el = $('cluster');
  if (!currentData) { el.replaceChildren(); return; }
  const rows = currentData.rows.filter((r) => r.level === 'cluster' && (!state.hb || r.hb_code === state.hb))
    .sort((a, b) => a.name.localeCompare(b.name, state.lang));
  fillSelect(el, [['', t().chooseCluster], ...rows.map((r) => [r.code, r.name])], selected?.code || '');
}

// ---------------------------------------------------------------------------------------
// Rendering: legend, findings, info
// ---------------------------------------------------------------------------------------
function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'style') e.style.cssText = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function renderLegend(legend) {
  $('legend-title').textContent = legend.title;
  $('legend-subtitle').textContent = legend.subtitle || '';
  const items = legend.entries.map((e) => el('li', { 'data-key': String(e.key) },
    el('span', { class: 'swatch', style: `background:${e.color}`, 'aria-hidden': 'true' }),
    el('span', { class: 'label' }, e.label),
    e.count !== undefined && e.count !== null ? el('span', { class: 'count', title: legend.layer }, String(e.count)) : null));
  if (legend.no_data) {
    items.push(el('li', { class: 'no-data', 'data-key': 'no_data' },
      el('span', { class: 'swatch', style: `background:${legend.no_data.color}`, 'aria-hidden': 'true' }),
      el('span', { class: 'label' }, legend.no_data.label)));
  }
  $('legend-entries').replaceChildren(...items);
  // The approximate-geography note is already in the banner; keep the others.
  const notes = (legend.notes || []).filter((n) => !(tileJson?.cluster_geography?.approximate && /APPROXIMATE|FRASAMCAN/.test(n)));
  $('legend-notes').replaceChildren(...notes.map((n) => el('li', {}, n)));
  $('legend-notes').hidden = notes.length === 0;
}

function renderFindings(findings) {
  const body = $('findings-body');
  if (!findings) { body.replaceChildren(el('p', { class: 'note' }, t().findingsDeprivation)); return; }
  const parts = [];
  if (state.hb) {
    const hb = findings.health_boards.find((h) => h.hb_code === state.hb);
    if (hb) {
      parts.push(el('p', {}, hb.text));
      const vs = state.view === 'significance' && state.vs === 'hb' ? hb.vs_hb : hb.vs_wales;
      parts.push(countPills(vs));
    }
  } else {
    parts.push(el('p', {}, findings.summary));
    const tot = { higher: 0, similar: 0, lower: 0, not_tested: 0 };
    for (const h of findings.health_boards) for (const k of Object.keys(tot)) tot[k] += h.vs_wales?.[k] || 0;
    parts.push(el('p', { class: 'note' }, t().findingsVs), countPills(tot));
  }
  for (const n of findings.notes || []) {
    if (tileJson?.cluster_geography?.approximate && /APPROXIMATE|FRASAMCAN/i.test(n)) continue;
    parts.push(el('p', { class: 'note' }, n));
  }
  body.replaceChildren(...parts);
}

function countPills(c) {
  const T = t();
  return el('div', { class: 'counts' }, ...['higher', 'similar', 'lower', 'not_tested']
    .filter((k) => (c?.[k] || 0) > 0)
    .map((k) => el('span', { class: 'pill' }, el('i', { style: `background:${SIG_COLORS[k]}` }), `${c[k]} ${T.findingsCounts[k]}`)));
}

function fmtValue(v, unit) {
  if (v === null || v === undefined || v === '') return t().noData;
  const n = Number(v);
  const s = Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(1);
  const local = state.lang === 'cy' ? s : s;
  return unit === '%' ? `${local}%` : `${local}${unit ? ` ${unit}` : ''}`;
}

function sigWords(kind, flag, polarity) {
  const T = t();
  if (!flag) return T.noData;
  let words = T.sig[kind][flag] || flag;
  if (polarity === 'higher_is_worse' && (flag === 'higher' || flag === 'lower')) words += ` (${flag === 'higher' ? T.sig.worse : T.sig.better})`;
  if (polarity === 'higher_is_better' && (flag === 'higher' || flag === 'lower')) words += ` (${flag === 'higher' ? T.sig.better : T.sig.worse})`;
  return el('span', { class: 'sig' }, el('i', { style: `background:${SIG_COLORS[flag] || '#d9d9d9'}` }), words);
}

function dl(pairs) {
  return el('dl', {}, ...pairs.filter(Boolean).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function renderInfo(feature) {
  const T = t();
  $('info-close').hidden = !selected;
  if (!feature) {
    $('info-title').textContent = T.infoTitle;
    $('info-body').replaceChildren(el('p', { class: 'placeholder' }, T.infoHint));
    return;
  }
  const p = feature.properties;
  const name = (state.lang === 'cy' ? p.name_cy : p.name_en) || p.name_en || p.code;
  if (feature.layer === 'lsoa') {
    $('info-title').textContent = p.name_wimd || name;
    const clusterName = clusterNameFor(p.cluster_code);
    const pairs = [
      [T.lsoa, `${name} (${p.code})`],
      [T.wimdRank, `${p.wimd_rank} ${T.rankOf}`],
      [T.decile, String(p.wimd_decile)],
      [T.quintile, String(p.wimd_quintile)],
      state.domain !== 'overall' ? [`${T.domainQuintile}: ${T.domains[state.domain]}`, String(p[`${state.domain}_quintile`] ?? T.noData)] : null,
      [T.cluster, clusterName],
      [T.healthBoard, T.boards[p.hb_code] || p.hb_code],
    ];
    const body = [dl(pairs)];
    // Overview tiles (below zoom 8) carry codes and WIMD bands but not LSOA names.
    if (!p.name_en) body.push(el('p', { class: 'placeholder' }, T.zoomForNames));
    $('info-body').replaceChildren(...body);
    return;
  }
  // cluster
  $('info-title').textContent = name;
  const meta = indicatorMeta();
  const row = currentData?.rows.find((r) => r.level === 'cluster' && r.code === p.code);
  const boardRow = currentData?.rows.find((r) => r.level === 'health_board' && r.code === p.hb_code);
  const walesRow = currentData?.rows.find((r) => r.level === 'wales');
  const value = p.value ?? row?.value;
  const lo = p.lower_ci ?? row?.lower_ci, hi = p.upper_ci ?? row?.upper_ci;
  const entry = atlas.legend?.entries?.find((e) => String(e.key) === String(p.class));
  const pairs = [
    [T.value, el('span', { class: 'big' }, fmtValue(value, meta.unit))],
    [T.ci, lo !== null && lo !== undefined && hi !== null && hi !== undefined ? `${fmtValue(lo, meta.unit)} – ${fmtValue(hi, meta.unit)}` : T.noCi],
    state.view === 'indicator' && entry ? [T.class, `${p.class} (${entry.label})`] : null,
    [T.healthBoard, T.boards[p.hb_code] || p.hb_code],
    boardRow ? [T.boardValue, fmtValue(boardRow.value, meta.unit)] : null,
    walesRow ? [T.walesValue, fmtValue(walesRow.value, meta.unit)] : null,
    p.lsoa_count ? [T.lsoas, String(p.lsoa_count)] : null,
    p.population ? [T.population, Number(p.population).toLocaleString(state.lang === 'cy' ? 'cy-GB' : 'en-GB')] : null,
    p.wimd_q1_residents_pct !== undefined && p.wimd_q1_residents_pct !== null ? [T.residentsQ1, fmtValue(p.wimd_q1_residents_pct, '%')] : null,
  ];
  const sig = el('ul', { class: 'sig-list', 'aria-label': T.significance },
    el('li', {}, sigWords('hb', p.sig_vs_hb ?? row?.sig_vs_hb, meta.polarity)),
    el('li', {}, sigWords('wales', p.sig_vs_wales ?? row?.sig_vs_wales, meta.polarity)));
  const children = [el('p', { class: 'sub' }, meta.title), dl(pairs), sig];
  if (p.approximate === true || p.approximate === 'true') children.push(el('p', { class: 'approx' }, T.approxNote));
  // The charts come from /profiles only for a pinned cluster, not on every hover.
  if (selected && selected.code === p.code) {
    const profile = `/profiles/${encodeURIComponent(p.code)}`;
    const lang = state.lang === 'cy' ? '?lang=cy' : '';
    children.push(el('section', { class: 'profile', 'aria-label': T.whoLivesHere },
      el('h3', {}, T.whoLivesHere),
      el('img', { class: 'chart', id: 'pyramid-chart', src: `${profile}/pyramid.svg${lang}`, alt: T.pyramidAlt, width: '480', height: '178' }),
      el('img', { class: 'chart', id: 'deprivation-chart', src: `${profile}/deprivation.svg${lang}`, alt: T.deprivationAlt, width: '480', height: '150' }),
      el('p', { class: 'sub' }, el('a', { href: `${profile}${lang}` }, T.profileData))));
  }
  $('info-body').replaceChildren(...children);
}

function clusterNameFor(code) {
  if (!code) return t().noData;
  const f = map.querySourceFeatures('atlas', { sourceLayer: 'clusters', filter: ['==', ['get', 'code'], code] })[0];
  if (f) return (state.lang === 'cy' ? f.properties.name_cy : f.properties.name_en) || code;
  return code;
}

function highlight(code) {
  for (const id of ['selection', 'selection-casing']) if (map.getLayer(id)) map.setFilter(id, ['==', ['get', 'code'], code || '']);
}

// ---------------------------------------------------------------------------------------
// Map interaction
// ---------------------------------------------------------------------------------------
let hoverFrame = 0;
function featureAt(point) {
  const layer = FILL_LAYER[state.view];
  if (!map.getLayer(layer)) return null;
  const f = map.queryRenderedFeatures(point, { layers: [layer] })[0];
  if (!f) return null;
  if (state.hb && f.properties.hb_code !== state.hb) return null;
  return { layer: f.sourceLayer, properties: f.properties };
}

map.on('mousemove', (e) => {
  if (hoverFrame) return;
  hoverFrame = requestAnimationFrame(() => {
    hoverFrame = 0;
    if (selected) return;
    const f = featureAt(e.point);
    map.getCanvas().style.cursor = f ? 'pointer' : '';
    highlight(f?.properties.code);
    renderInfo(f);
  });
});
map.on('mouseout', () => { if (!selected) { highlight(null); renderInfo(null); } });
map.on('click', (e) => {
  const f = featureAt(e.point);
  if (!f) { clearSelection(); return; }
  selected = { code: f.properties.code, feature: f };
  highlight(selected.code);
  renderInfo(f);
  if ($('cluster').querySelector(`option[value="${CSS.escape(f.properties.code)}"]`)) $('cluster').value = f.properties.code;
});
function clearSelection() {
  selected = null;
  highlight(null);
  renderInfo(null);
  $('cluster').value = '';
}

// Remember a view the user chose by panning / zooming (not our own fits).
// This is a state change too: `ready` goes false until the map is idle again.
map.on('moveend', (e) => {
  if (!e.originalEvent || !state) return;
  const c = map.getCenter();
  state.camera = { z: map.getZoom(), lat: c.lat, lng: c.lng };
  atlas.state = publicState();
  writeUrl();
  if (!atlas.ready) return;            // an update() is in progress and will set ready itself
  atlas.ready = false;
  const gen = generation;
  map.once('idle', () => { if (gen === generation) atlas.ready = true; });
  map.triggerRepaint();
});

// ---------------------------------------------------------------------------------------
// Control events
// ---------------------------------------------------------------------------------------
function wireControls() {
  for (const v of VIEWS) $(`view-${v}`).addEventListener('change', () => update({ view: v }));
  $('domain').addEventListener('change', (e) => update({ domain: e.target.value }));
  $('indicator').addEventListener('change', (e) => {
    const ind = indicatorMeta(e.target.value);
    update({ indicator: ind.id, period: ind.default_period });
  });
  $('period').addEventListener('change', (e) => update({ period: e.target.value }));
  $('method').addEventListener('change', (e) => {
    if (e.target.value === 'manual' && !state.breaks) {
      // Seed manual breaks from the current classification so the map stays meaningful.
      const bins = atlas.legend?.entries?.map((x) => x.upper).filter((x) => typeof x === 'number').slice(0, -1);
      state.breaks = bins?.length ? bins.map((b) => +b.toPrecision(3)).join(',') : '';
      if (!state.breaks) { renderControls(); return; }
    }
    update({ method: e.target.value });
  });
  $('classes').addEventListener('change', (e) => update({ classes: Number(e.target.value) }));
  $('palette').addEventListener('change', (e) => update({ palette: e.target.value }));
  const applyBreaks = () => {
    const v = $('breaks').value.replace(/\s+/g, '');
    if (v === state.breaks) return;
    if (!/^-?[\d.]+(,-?[\d.]+)*$/.test(v)) { $('breaks').setAttribute('aria-invalid', 'true'); return; }
    $('breaks').removeAttribute('aria-invalid');
    update({ breaks: v });
  };
  $('breaks').addEventListener('change', applyBreaks);
  $('breaks').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); applyBreaks(); } });
  $('vs-wales').addEventListener('change', () => update({ vs: 'wales' }));
  $('vs-hb').addEventListener('change', () => update({ vs: 'hb' }));
  $('hb').addEventListener('change', (e) => { clearSelection(); update({ hb: e.target.value }, { fit: true }); });
  $('cluster').addEventListener('change', (e) => selectCluster(e.target.value));
  $('info-close').addEventListener('click', clearSelection);
  for (const b of document.querySelectorAll('#lang-switch button')) {
    b.addEventListener('click', () => { if (state.lang !== b.dataset.lang) update({ lang: b.dataset.lang }); });
  }
  $('controls').addEventListener('submit', (e) => e.preventDefault());
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && selected) clearSelection(); });
}

function selectCluster(code) {
  if (!code) { clearSelection(); return; }
  const row = currentData?.rows.find((r) => r.level === 'cluster' && r.code === code);
  const tileFeature = map.querySourceFeatures('atlas', { sourceLayer: 'clusters', filter: ['==', ['get', 'code'], code] })[0];
  const props = { ...(row ? { code: row.code, name_en: row.name, name_cy: row.name, hb_code: row.hb_code, value: row.value,
    lower_ci: row.lower_ci, upper_ci: row.upper_ci, sig_vs_wales: row.sig_vs_wales, sig_vs_hb: row.sig_vs_hb, class: row.class } : {}),
  ...(tileFeature ? tileFeature.properties : {}) };
  const f = { layer: 'clusters', properties: props };
  selected = { code, feature: f };
  highlight(code);
  renderInfo(f);
}

// ---------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------
async function start() {
  try {
    const lang = new URLSearchParams(location.search).get('lang') === 'cy' ? 'cy' : 'en';
    [tileJson, indicatorsMeta] = await Promise.all([getJson('/tiles/wales'), loadIndicators(lang)]);
    state = readState(indicatorsMeta);
    atlas.tileJson = { cluster_geography: tileJson.cluster_geography };
    wireControls();
    renderInfo(null);
    const camera = !!state.camera;
    await update({}, { fit: !camera, camera });
  } catch (err) {
    document.body.classList.remove('is-loading');
    showError(err);
  }
}

let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (!state || state.camera) return;
    if (state.hb && boardBounds[state.hb]) {
      const b = boardBounds[state.hb];
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: fitPadding(), animate: false, maxZoom: 11 });
    } else if (!state.hb) {
      map.fitBounds(WALES_BOUNDS, { padding: fitPadding(), animate: false });
    }
  }, 150);
});

start();
