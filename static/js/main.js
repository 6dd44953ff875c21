// Entry point of the map page (loaded by map.html as an ES module; the
// Content-Security-Policy forbids inline script, so there is none).
//
// Start-up: read the server's vocabulary (and, for the language it allows, /indicators),
// read the state from the URL, create the map, then apply the state. Every later change
// (a control, the language switch) goes through update(), which fetches the style,
// legend, data and findings for the new state, draws them, and sets window.atlas.ready
// once the map is idle with them.
import { $ } from './dom.js';
import { getJson } from './api.js';
import { app, atlas, t } from './store.js';
import { langFrom, publicState, readState, styleKey, styleQuery, dataQuery, urlProblems, writeUrl } from './state.js';
import { loadVocabulary } from './vocabulary.js';
import {
  applyBoardLayers, createMap, featureAt, flyToCluster, highlight, placeCamera, prepareStyle, refit, setAtlasStyle,
  styleGeneration, waitForMap, waitIdle,
} from './mapview.js';
import { renderControls, renderClusterPicker, renderLinks, wireControls } from './controls.js';
import { renderLegend } from './legend.js';
import { renderFindings } from './findings.js';
import { clearSelection, refreshSelectedCluster, renderInfo, restoreSelection, selectCluster, selectFeature } from './card.js';
import { addUrlWarnings, renderUrlWarnings } from './warnings.js';
import { foldAttribution, foldPanelForMap, renderLayout, wireLayout } from './layout.js';
import { renderSearch, wireSearch } from './search.js';
import { renderExport, wireExport } from './export.js';
import { markTableSelection, renderTable, showTab } from './table.js';
import { loadSite } from './site.js';

async function loadIndicators(lang) {
  if (!app.indicatorsCache[lang]) app.indicatorsCache[lang] = await getJson(`indicators?lang=${encodeURIComponent(lang)}`);
  return app.indicatorsCache[lang];
}

function showError(err) {
  const box = $('error');
  if (!err) { box.hidden = true; box.textContent = ''; atlas.error = null; return; }
  console.error(err);
  atlas.error = String(err.message || err);
  box.textContent = `${t().loadError} ${atlas.error}`;
  box.hidden = false;
}

// ---------------------------------------------------------------------------------------
// Applying state
// ---------------------------------------------------------------------------------------
let currentStyleKey = null;

// changes: partial state; opts.fit: refit the camera to hb/Wales; opts.camera: jump to
// the state's camera.
async function update(changes = {}, opts = {}) {
  const state = app.state;
  const prevLang = state.lang;
  Object.assign(state, changes);
  if ('hb' in changes || opts.fit) state.camera = null;
  const gen = ++app.generation;
  atlas.ready = false;
  atlas.state = publicState(state);
  document.body.classList.add('is-loading');
  writeUrl(state);
  showError(null);
  try {
    if (state.lang !== prevLang || !app.indicators) {
      app.indicators = await loadIndicators(state.lang);
      if (gen !== app.generation) return;
    }
    renderControls();
    renderUrlWarnings();
    renderLayout();
    const key = styleKey(state);
    const gens = { style: gen };
    const q = styleQuery(state);
    const needStyle = key !== currentStyleKey;
    const indicatorView = state.view !== 'deprivation';
    const [style, legend, data, findings] = await Promise.all([
      needStyle ? getJson(`styles/${state.view}.json?${q}`) : null,
      needStyle ? getJson(`legends/${state.view}.json?${q}`) : atlas.legend,
      indicatorView ? getJson(`data/${state.indicator}?${dataQuery(state)}`) : null,
      indicatorView ? getJson(`findings/${state.indicator}?period=${encodeURIComponent(state.period)}&lang=${state.lang}&level=${state.level}`) : null,
    ]);
    if (gen !== app.generation) return;
    app.data = data;
    renderLegend(legend);
    renderFindings(findings, chooseCluster);
    renderClusterPicker();
    renderSearch();
    renderExport();
    renderTable(chooseFromTable).catch(showError);
    renderLinks();
    if (needStyle) {
      // The new style's tiles hold the selection again once loaded (restored below).
      app.selected = null;
      renderInfo(null);
      const loaded = waitForMap('style.load', () => styleGeneration() === gen);
      setAtlasStyle(prepareStyle(style, state, gen));
      await loaded;
      currentStyleKey = key;
      atlas.styleGeneration = gen;
    } else {
      gens.style = atlas.styleGeneration;
      applyBoardLayers();
    }
    if (gen !== app.generation) return;
    await waitIdle(gens);
    if (gen !== app.generation) return;
    await placeCamera(gens, opts);
    if (gen !== app.generation) return;
    await waitIdle(gens);
    if (gen !== app.generation) return;
    if (app.selected) highlight(app.selected.code);
    else if (state.area && !restoreSelection(state.area)) {
      // A selection the new view has no such area for (or a mistyped link): say so once.
      addUrlWarnings([{ param: 'area', value: state.area, reason: 'invalid' }]);
      state.area = '';
      writeUrl(state);
    }
    markTableSelection();
    // The card is shown from here on: after the key above it, and in the shape of the
    // selection a link asked for, so neither moves it once shown (a layout shift).
    document.body.classList.add('drawn');
    atlas.legend = legend;
    atlas.state = publicState(state);
    atlas.ready = true;
    document.body.classList.remove('is-loading');
  } catch (err) {
    if (gen !== app.generation) return;
    document.body.classList.remove('is-loading');
    showError(err);
  }
}

/**
 * A cluster chosen by name or code (the list, the search, the table, a named finding):
 * pinned at once, then the map moves to it (on a phone the options fold away first, so
 * the map is seen), and once its tiles are loaded the card is drawn again from them, with
 * the same rows as a cluster clicked on the map. The move is the page's own and is kept in
 * the URL as the camera. `ready` is false until the map is idle there.
 */
let chosen = 0;           // clusters chosen so far: a later choice supersedes an earlier move
let moving = false;       // a chosen cluster's move is under way (and holds `ready` false)
async function chooseCluster(code) {
  selectCluster(code);
  if ($('cluster').querySelector(`option[value="${CSS.escape(code)}"]`)) $('cluster').value = code;
  markTableSelection();
  foldPanelForMap();
  const gen = app.generation, mine = ++chosen;
  if (!atlas.ready && !moving) return;  // an update() is in progress: it restores the selection itself
  moving = true;
  atlas.ready = false;
  let arrived = false;
  try {
    arrived = await flyToCluster(code, { style: atlas.styleGeneration });
  } catch (err) {
    if (gen === app.generation) showError(err);
  }
  if (mine !== chosen) return;
  moving = false;
  if (gen !== app.generation) return;
  if (arrived) {
    refreshSelectedCluster(code);
    const c = app.map.getCenter();
    app.state.camera = { z: app.map.getZoom(), lat: c.lat, lng: c.lng };
    atlas.state = publicState(app.state);
    writeUrl(app.state);
  }
  atlas.ready = true;
}

// A row of the board table: a cluster is selected (as on the map); on the Wales table, a
// board is chosen.
function chooseFromTable(area) {
  if (area.level === 'health_board') {
    clearSelection();
    update({ hb: area.code }, { fit: true });
    return;
  }
  chooseCluster(area.code);
}

function switchTab(which) {
  app.state.tab = which;
  atlas.state = publicState(app.state);
  writeUrl(app.state);
  showTab(which, (table) => {
    if (table) renderTable(chooseFromTable).then(markTableSelection).catch(showError);
    else app.map.triggerRepaint();
  });
}

// ---------------------------------------------------------------------------------------
// Map interaction
// ---------------------------------------------------------------------------------------
function wireMap(map) {
  let hoverFrame = 0;
  map.on('mousemove', (e) => {
    if (hoverFrame) return;
    hoverFrame = requestAnimationFrame(() => {
      hoverFrame = 0;
      if (app.selected) return;
      const f = featureAt(e.point);
      map.getCanvas().style.cursor = f ? 'pointer' : '';
      highlight(f?.properties.code);
      renderInfo(f);
    });
  });
  map.on('mouseout', () => { if (!app.selected) { highlight(null); renderInfo(null); } });
  map.on('click', (e) => {
    const f = featureAt(e.point);
    if (!f) { clearSelection(); return; }
    selectFeature(f);
    if ($('cluster').querySelector(`option[value="${CSS.escape(f.properties.code)}"]`)) $('cluster').value = f.properties.code;
  });

  // Remember a view the user chose by panning / zooming (not our own fits, which carry
  // `atlasFit`). A wheel zoom's moveend carries no originalEvent, so a wheel turn is noted.
  // This is a state change too: `ready` goes false until the map is idle again.
  let wheeled = false;
  map.getCanvasContainer().addEventListener('wheel', () => { wheeled = true; }, { passive: true });
  map.on('moveend', (e) => {
    const byUser = !e.atlasFit && (e.originalEvent || wheeled);
    wheeled = false;
    if (!byUser || !app.state) return;
    const c = map.getCenter();
    app.state.camera = { z: map.getZoom(), lat: c.lat, lng: c.lng };
    atlas.state = publicState(app.state);
    writeUrl(app.state);
    if (!atlas.ready) return;            // an update() is in progress and will set ready itself
    atlas.ready = false;
    const gen = app.generation;
    map.once('idle', () => { if (gen === app.generation) atlas.ready = true; });
    map.triggerRepaint();
  });
}

// ---------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------
async function start() {
  try {
    const [vocab, site] = await Promise.all([loadVocabulary(), loadSite()]);
    app.indicators = await loadIndicators(langFrom(location.search, vocab));
    // A static site holds one classification per map: its own, whatever the URL asks.
    app.state = readState(location.search, vocab, app.indicators, site?.classification);
    renderUrlWarnings(urlProblems(location.search, vocab, app.state));
    wireMap(createMap());
    wireControls(update, chooseCluster);
    wireLayout();
    wireSearch(chooseCluster);
    wireExport();
    $('tab-map').addEventListener('click', () => switchTab('map'));
    $('tab-table').addEventListener('click', () => switchTab('table'));
    showTab(app.state.tab);
    renderInfo(null);
    const camera = !!app.state.camera;
    await update({}, { fit: !camera, camera });
    foldAttribution();
  } catch (err) {
    document.body.classList.remove('is-loading');
    showError(err);
  }
}

let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(refit, 150);
});

start();
