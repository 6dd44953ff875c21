// The page on a narrow screen (a phone, a small embed): the panel's controls and the key
// fold away so the map keeps most of the screen, and open with a button each. On a wide
// screen nothing folds (the CSS shows no toggles there).
import { $ } from './dom.js';
import { t } from './store.js';

const NARROW = window.matchMedia('(max-width: 720px)');

/** Whether the page is laid out for a narrow screen. */
export function isNarrow() { return NARROW.matches; }

function setPanel(open) {
  document.body.classList.toggle('panel-collapsed', !open);
  const b = $('panel-toggle');
  b.setAttribute('aria-expanded', String(open));
  b.textContent = open ? t().hideOptions : t().showOptions;
  // At once, not only when the resize observer next reports: a tap that follows at once
  // must find the sheet already clear of the tabs.
  placeSheet();
}

function setKey(open) {
  document.body.classList.toggle('legend-collapsed', !open);
  const b = $('legend-toggle');
  b.setAttribute('aria-expanded', String(open));
  b.setAttribute('aria-label', open ? t().hideKey : t().showKey);
  b.textContent = open ? '−' : '+';
}

/**
 * How tall the details sheet may be on a narrow screen: half the screen, but never so tall
 * that it covers the Map/Table tabs or leaves less than MAP_SEEN px of map above it (the
 * panel above the tabs grows when the options are open).
 */
const MAP_SEEN = 96;
function placeSheet() {
  if (!isNarrow()) return;
  const tabsBottom = $('tabs').getBoundingClientRect().bottom;
  const h = window.innerHeight;
  const max = Math.max(120, Math.min(h / 2, h - tabsBottom - MAP_SEEN));
  document.documentElement.style.setProperty('--sheet-max', `${Math.floor(max)}px`);
}

/** Folds the panel and the key on a narrow screen, and wires their buttons. */
export function wireLayout() {
  setPanel(!isNarrow());
  setKey(!isNarrow());
  // The tabs move when the panel, a warning or the screen changes size.
  const watch = new ResizeObserver(placeSheet);
  for (const id of ['panel', 'map-wrap']) watch.observe($(id));
  placeSheet();
  $('panel-toggle').addEventListener('click', () => setPanel(document.body.classList.contains('panel-collapsed')));
  $('legend-toggle').addEventListener('click', () => setKey(document.body.classList.contains('legend-collapsed')));
}

/** On a narrow screen, folds the options away so that the map (moving to a cluster just
 *  chosen in them) is seen rather than covered by them and the details sheet. A keyboard
 *  focus inside them goes to the button that opens them again, not to the page's start. */
export function foldPanelForMap() {
  if (!isNarrow() || document.body.classList.contains('panel-collapsed')) return;
  const focusInside = ['controls', 'findings', 'panel-foot'].some((id) => $(id).contains(document.activeElement));
  setPanel(false);
  if (focusInside) $('panel-toggle').focus();
}

/** Re-labels the toggles (after a language change). */
export function renderLayout() {
  setPanel(!document.body.classList.contains('panel-collapsed'));
  setKey(!document.body.classList.contains('legend-collapsed'));
}

/** On a narrow screen, folds the attribution to its (i) button, as MapLibre does after
 *  the first drag (it starts unfolded). */
export function foldAttribution() {
  if (!isNarrow()) return;
  const a = document.querySelector('.maplibregl-ctrl-attrib.maplibregl-compact');
  if (a) a.classList.remove('maplibregl-compact-show');
}
