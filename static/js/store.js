// The page's shared runtime: the current state and the server documents it was drawn
// from. One plain object that the modules read and main.js writes, so no module keeps a
// private copy of something another module may change.
import { strings } from './strings.js';

export const app = {
  state: null,          // the current state (see state.js)
  indicators: null,     // /indicators for the current language
  indicatorsCache: {},  // lang -> /indicators
  data: null,           // /data/{indicator} for indicator views, else null
  selected: null,       // the pinned feature { code, feature }, or null
  generation: 0,        // bumped by every update(); stale async work checks it and stops
  map: null,            // the MapLibre map (mapview.js)
};

/** The page's UI strings in the current language. */
export function t() { return strings(app.state?.lang || 'en'); }

/** The /indicators entry of an indicator (the current one by default). */
export function indicatorMeta(id = app.state.indicator) {
  return app.indicators.indicators.find((i) => i.id === id);
}

/**
 * Test and embedding hooks, on window.atlas: { map, ready, state, legend, error, … }.
 * `ready` is false while a state is being applied and becomes true once the style and
 * legend for the current state are loaded and the map has fired 'idle' after that.
 */
export const atlas = { map: null, ready: false, state: null, legend: null, error: null, maplibreVersion: null };
window.atlas = atlas;
