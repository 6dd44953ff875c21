// The MapLibre map: creating it, adding the page's own layers to the server's styles
// (health-board dimming, selection outline), waiting for it to draw, and the camera.
import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { app, atlas } from './store.js';
import { bounds } from './vocabulary.js';
import { ZOOM } from './state.js';
import { resolveSiteStyle } from './site.js';

/** The fill layer of each server style, which hover and click query. */
export const FILL_LAYER = { deprivation: 'deprivation-fill', indicator: 'indicator-fill', significance: 'significance-fill' };
const STYLE_GENERATION = 'cluster-atlas:page-generation';

/** Creates the map, fitted to the data's bounds from the vocabulary. */
export function createMap() {
  const map = new maplibregl.Map({
    container: 'map',
    style: { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#ffffff' } }] },
    bounds: bounds(),
    fitBoundsOptions: { padding: fitPadding() },
    attributionControl: false,
    // Tests read the drawn pixels back, which needs the drawing buffer kept.
    canvasContextAttributes: { preserveDrawingBuffer: true, antialias: true },
    maxZoom: ZOOM.max,
    minZoom: ZOOM.min,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    cooperativeGestures: false,
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  // On a narrow screen the attribution folds to its (i) button instead of covering the map.
  map.addControl(new maplibregl.AttributionControl({ compact: window.matchMedia('(max-width: 720px)').matches }), 'bottom-right');
  app.map = map;
  atlas.map = map;
  atlas.maplibreVersion = maplibregl.getVersion();
  return map;
}

// ---------------------------------------------------------------------------------------
// Waiting for the map
// ---------------------------------------------------------------------------------------
export function waitForMap(event, predicate = () => true, timeoutMs = 60000) {
  const map = app.map;
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

/**
 * Sets a server style. With a style basemap (serve --basemap <style URL>), the basemap's
 * style is loaded and the atlas's sources and layers are drawn over it; its own labels
 * are left out (the atlas's labels replace them, drawn with the atlas's glyphs).
 */
export function setAtlasStyle(style) {
  resolveSiteStyle(style);
  const b = style.metadata?.['cluster-atlas:basemap'];
  if (b?.kind !== 'style') { app.map.setStyle(style, { diff: false }); return; }
  app.map.setStyle(b.url, {
    diff: false,
    transformStyle: (_previous, base) => ({
      ...base,
      glyphs: style.glyphs,
      metadata: style.metadata,
      sources: { ...base.sources, ...style.sources },
      layers: [...base.layers.filter((l) => l.type !== 'symbol'), ...style.layers.filter((l) => l.id !== 'background')],
    }),
  });
}

/** The page generation stamped on the style now set, to tell our style from an old one. */
export function styleGeneration() {
  try { return app.map.getStyle()?.metadata?.[STYLE_GENERATION]; } catch { return undefined; }
}

/** Resolves when the map is idle with the style of generation `gen.style` loaded. */
export async function waitIdle(gen) {
  const p = waitForMap('idle', () => app.map.isStyleLoaded() && styleGeneration() === gen.style);
  app.map.triggerRepaint();
  await p;
}

// ---------------------------------------------------------------------------------------
// Style preparation: add health-board dimming and selection highlight layers.
// ---------------------------------------------------------------------------------------
export function prepareStyle(style, s, gen) {
  style.metadata = { ...(style.metadata || {}), [STYLE_GENERATION]: gen };
  const fill = style.layers.find((l) => l.id === FILL_LAYER[s.view]);
  const idx = style.layers.indexOf(fill);
  const boardFilter = hbFilters(s.hb);
  // Dimming goes just above the fill, so outlines stay crisp over it; the page's own lines
  // go below the labels, so names stay readable over the selection.
  style.layers.splice(idx + 1, 0, {
    id: 'hb-dim', type: 'fill', source: 'atlas', 'source-layer': 'health_boards',
    filter: boardFilter.others,
    layout: { visibility: s.hb ? 'visible' : 'none' },
    paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.72 },
  });
  const firstLabel = style.layers.findIndex((l) => l.type === 'symbol');
  style.layers.splice(firstLabel < 0 ? style.layers.length : firstLabel, 0,
    {
      id: 'hb-focus', type: 'line', source: 'atlas', 'source-layer': 'health_boards',
      filter: boardFilter.self,
      layout: { visibility: s.hb ? 'visible' : 'none', 'line-join': 'round' },
      paint: { 'line-color': '#000000', 'line-width': 3.2 },
    },
    ...SELECTION_MARK.map(({ id, color, width }) => ({
      id, type: 'line', source: 'atlas', 'source-layer': fill['source-layer'],
      filter: ['==', ['get', 'code'], ''], layout: { 'line-join': 'round' },
      paint: { 'line-color': color, 'line-width': width },
    })),
  );
  placeBoardLabels(style.layers, s.hb);
  return style;
}

/**
 * The selection's outline, drawn outermost first. Its core is magenta, a colour no map of
 * the server uses (ColorBrewer, WIMD and significance colours are all far from it), so a
 * selected cluster is never read as "significantly lower" (orange) or as a class. Its
 * black and white casing keeps it seen on every fill: black stands out 3:1 on any fill of
 * luminance 0.1 or more, white on any of 0.3 or less.
 */
export const SELECTION_MARK = [
  { id: 'selection-casing-outer', color: '#000000', width: 8 },
  { id: 'selection-casing', color: '#ffffff', width: 5.5 },
  { id: 'selection', color: '#ff00ff', width: 3 },
];

/**
 * Labels inside a board view: the board's own cluster names, all of them, from the zoom
 * the board is fitted at (a phone fits a board below the styles' cluster-label zoom), and
 * no board names: the chosen board is outlined and named in the panel, and its name,
 * drawn over its clusters, would push theirs out. Elsewhere the server's labels as they
 * come. A cluster name is drawn even where no anchor keeps it clear of another (a phone
 * has no room for all 14 of Betsi Cadwaladr's apart): text-overlap 'cooperative' first
 * tries each of the style's anchors for a clear place, and only then overlaps; the halo
 * keeps the names readable.
 */
function boardLabels(hb) {
  const server = serverLabels;
  if (!server) return null;
  return hb
    ? { minzoom: 0, filter: ['all', server.filter, ['==', ['get', 'hb_code'], hb]], overlap: 'cooperative', boards: 'none' }
    : { ...server, boards: 'visible' };
}
// The server's cluster-label settings, kept when its style is set, to restore outside a board.
let serverLabels = null;

function placeBoardLabels(layers, hb) {
  const cluster = layers.find((l) => l.id === 'cluster-label');
  const board = layers.find((l) => l.id === 'health-board-label');
  if (!cluster || !board) { serverLabels = null; return; }
  serverLabels = { minzoom: cluster.minzoom ?? 0, filter: cluster.filter, overlap: cluster.layout['text-overlap'] };
  const want = boardLabels(hb);
  cluster.minzoom = want.minzoom;
  cluster.filter = want.filter;
  if (want.overlap === undefined) delete cluster.layout['text-overlap'];
  else cluster.layout['text-overlap'] = want.overlap;
  board.layout.visibility = want.boards;
}

function hbFilters(hb) {
  return {
    others: ['!=', ['get', 'code'], hb || ''],
    self: ['==', ['get', 'code'], hb || ''],
  };
}

/** Re-applies the health-board filter to the current style without reloading it. */
export function applyBoardLayers() {
  const map = app.map, hb = app.state.hb;
  if (!map.getLayer('hb-dim')) return;
  const f = hbFilters(hb);
  map.setFilter('hb-dim', f.others);
  map.setFilter('hb-focus', f.self);
  map.setLayoutProperty('hb-dim', 'visibility', hb ? 'visible' : 'none');
  map.setLayoutProperty('hb-focus', 'visibility', hb ? 'visible' : 'none');
  const want = boardLabels(hb);
  if (!want || !map.getLayer('cluster-label')) return;
  map.setLayerZoomRange('cluster-label', want.minzoom, map.getLayer('cluster-label').maxzoom ?? 24);
  map.setFilter('cluster-label', want.filter);
  map.setLayoutProperty('cluster-label', 'text-overlap', want.overlap);
  map.setLayoutProperty('health-board-label', 'visibility', want.boards);
}

/** Outlines the feature with this code (none for a falsy code). */
export function highlight(code) {
  for (const { id } of SELECTION_MARK) if (app.map.getLayer(id)) app.map.setFilter(id, ['==', ['get', 'code'], code || '']);
}

// ---------------------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------------------
/** The area of the current view under a screen point (outside the chosen board: none). */
export function featureAt(point) {
  const layer = FILL_LAYER[app.state.view];
  if (!app.map.getLayer(layer)) return null;
  const f = app.map.queryRenderedFeatures(point, { layers: [layer] })[0];
  if (!f) return null;
  if (app.state.hb && f.properties.hb_code !== app.state.hb) return null;
  return { layer: f.sourceLayer, properties: f.properties };
}

/** The area of the current view's fill with this code from the loaded tiles, as
 *  featureAt gives it (outside the chosen board: none). */
export function featureByCode(code) {
  const layer = app.map.getLayer(FILL_LAYER[app.state.view]);
  if (!layer) return null;
  const f = app.map.querySourceFeatures('atlas', { sourceLayer: layer.sourceLayer, filter: ['==', ['get', 'code'], code] })[0];
  if (!f || (app.state.hb && f.properties.hb_code !== app.state.hb)) return null;
  return { layer: layer.sourceLayer, properties: f.properties };
}

/** A cluster's feature from the loaded tiles, if any tile holding it is loaded. */
export function clusterTileFeature(code) {
  return app.map.querySourceFeatures('atlas', { sourceLayer: 'clusters', filter: ['==', ['get', 'code'], code] })[0];
}

// ---------------------------------------------------------------------------------------
// Camera
// ---------------------------------------------------------------------------------------
/** Padding for fits: keeps the legend / details cards off the fitted area (on a phone,
 *  the details sheet over the bottom of the map). */
export function fitPadding() {
  const el = document.getElementById('map');
  const w = el ? el.clientWidth : 800;
  // The overlay's box is as wide as its widest card may be: measure the cards themselves.
  const cards = ['legend', 'info'].map((id) => document.getElementById(id)?.offsetWidth || 0);
  const overlay = w > 560 ? Math.min(Math.max(232, ...cards), w / 2) + 18 : 20;
  let bottom = 76;
  const sheet = document.getElementById('info');
  if (el && sheet && w <= 560 && getComputedStyle(sheet).position === 'fixed' && sheet.offsetHeight > 0) {
    const mapBox = el.getBoundingClientRect();
    const covered = mapBox.bottom - sheet.getBoundingClientRect().top;
    bottom = Math.max(bottom, Math.min(covered + 12, mapBox.height - 120));
  }
  return { top: 36, bottom, left: 36, right: overlay };
}

// Board and cluster extents, measured from the tiles once all of Wales has been in view
// (the low-zoom tiles then hold every area whole, generalised, which is fine for a camera).
const boardBounds = {};
const clusterBounds = {};
function measure(sourceLayer, into) {
  const acc = {};
  for (const f of app.map.querySourceFeatures('atlas', { sourceLayer })) {
    const code = f.properties.code;
    if (!code) continue;
    const b = acc[code] || (acc[code] = [Infinity, Infinity, -Infinity, -Infinity]);
    walkCoords(f.geometry.coordinates, (x, y) => {
      if (x < b[0]) b[0] = x; if (y < b[1]) b[1] = y;
      if (x > b[2]) b[2] = x; if (y > b[3]) b[3] = y;
    });
  }
  for (const [code, b] of Object.entries(acc)) if (Number.isFinite(b[0])) into[code] = b;
}
function computeBoardBounds() {
  measure('health_boards', boardBounds);
  measure('clusters', clusterBounds);
}
function walkCoords(c, fn) {
  if (typeof c[0] === 'number') fn(c[0], c[1]);
  else for (const x of c) walkCoords(x, fn);
}

// True when all of Wales is in view, so the loaded tiles hold every board whole.
function walesInView() {
  const b = app.map.getBounds();
  const [[w, s], [e, n]] = bounds();
  return b.getWest() <= w && b.getSouth() <= s && b.getEast() >= e && b.getNorth() >= n;
}

// Our own camera moves carry `atlasFit`, so main.js does not take them for the user's.
const OURS = { atlasFit: true };
function fitWales() { app.map.fitBounds(bounds(), { padding: fitPadding(), animate: false }, OURS); }
function fitBoard(b) { app.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: fitPadding(), animate: false, maxZoom: 11 }, OURS); }

/** Moves the camera for an update: to the state's camera, or fitted to the board / Wales. */
export async function placeCamera(gen, reason) {
  const s = app.state;
  if (reason.camera && s.camera) {
    app.map.jumpTo({ center: [s.camera.lng, s.camera.lat], zoom: s.camera.z }, OURS);
    return;
  }
  if (!reason.fit) return;
  if (!s.hb) { fitWales(); return; }
  if (!boardBounds[s.hb]) {
    if (!walesInView()) {
      fitWales();
      await waitIdle(gen);
    }
    computeBoardBounds();
  }
  const b = boardBounds[s.hb];
  if (b) fitBoard(b);
}

/**
 * Moves the camera to a cluster (chosen from the list, the search, the table or a named
 * finding), animated unless the reader asked for less motion; resolves once the map is
 * idle there, so that the cluster's tiles (and its card's rows) are loaded. False when
 * its extent is not known (no such cluster in the tiles).
 */
export async function flyToCluster(code, gen) {
  if (!clusterBounds[code]) {
    if (!walesInView()) {
      fitWales();
      await waitIdle(gen);
    }
    computeBoardBounds();
  }
  const b = clusterBounds[code];
  if (!b) return false;
  const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const moved = waitForMap('moveend');
  app.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: fitPadding(), maxZoom: 12, animate: !still, duration: 700 }, OURS);
  await moved;
  await waitIdle(gen);
  return true;
}

/** After a resize, refits a view the user has not moved themselves. */
export function refit() {
  const s = app.state;
  if (!s || s.camera) return;
  if (s.hb && boardBounds[s.hb]) fitBoard(boardBounds[s.hb]);
  else if (!s.hb) fitWales();
}
