// The static-site mode: the page running from the files `cluster-atlas export --format
// site` wrote, with no server behind it. It reads the export's manifest (site.json),
// checks that the host answers HTTP Range requests (the one thing the folder needs of its
// server), registers the pmtiles:// protocol so MapLibre reads the one tile archive in
// ranges, and resolves the archive and glyph URLs of the exported styles, which are
// relative to the style (the export cannot know where it will be hosted), or absolute when
// it was made with --public-url.
import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { STATIC_SITE, apiUrl, getJson } from './api.js';
import { strings } from './strings.js';

let manifest = null;

/** On a static site: reads site.json, checks the host reads the archive in ranges, and
 *  registers pmtiles://. Resolves to the manifest, or null when the page is served by
 *  cluster-atlas itself. Rejects, after saying so on the page, when the host ignores
 *  Range: the map cannot be drawn there. */
export async function loadSite() {
  if (!STATIC_SITE) return null;
  const [doc, { Protocol }] = await Promise.all([getJson('site'), import('../vendor/pmtiles/pmtiles.mjs')]);
  await checkRanges(new URL(doc.archive, apiUrl('site')));
  maplibregl.addProtocol('pmtiles', new Protocol().tile);
  manifest = doc;
  return manifest;
}

/** Asks for the archive's first bytes as the pmtiles reader does. A host that supports
 *  ranges answers 206 Partial Content; one that ignores the header (Python's
 *  `http.server`) answers 200 with the whole file, which the reader refuses, leaving the
 *  map blank: that is said on the page, with the fix, and the page stops. */
async function checkRanges(archive) {
  const res = await fetch(archive, { headers: { Range: 'bytes=0-126' }, cache: 'no-store' });
  if (res.status === 206) { await res.body?.cancel(); return; }
  await res.body?.cancel();
  if (!res.ok) throw new Error(`${archive.pathname}: ${res.status} ${res.statusText}`);
  // The vocabulary (the page's languages) may not have loaded: the URL's language, whose
  // words strings.js has (English otherwise).
  const asked = new URLSearchParams(location.search).get('lang');
  const lang = asked === 'cy' ? 'cy' : 'en';
  const T = strings(lang);
  const box = document.getElementById('url-warning');
  if (box) {
    box.lang = lang;
    const title = document.createElement('strong');
    title.textContent = T.siteNoRangeTitle;
    const text = document.createElement('p');
    text.textContent = T.siteNoRange;
    box.replaceChildren(title, text);
    box.dataset.problem = 'range-ignored';
    box.hidden = false;
  }
  throw new Error(T.siteNoRange);
}

/** The manifest (null when served by cluster-atlas). */
export function site() { return manifest; }

/** A style with its relative `pmtiles://` and glyph URLs made absolute (static site only):
 *  the export stores every style in `styles/` and writes them relative to it. Plain
 *  concatenation, not `new URL`, which would escape the glyph template's braces. */
export function resolveSiteStyle(style) {
  if (!STATIC_SITE) return style;
  const dir = new URL('styles/', apiUrl('site')).href;
  const abs = (u) => (/^[a-z]+:/i.test(u) ? u : new URL(u.replace(/[{}]/g, (c) => (c === '{' ? '%7B' : '%7D')), dir).href
    .replace(/%7B/gi, '{').replace(/%7D/gi, '}'));
  for (const src of Object.values(style.sources || {})) {
    if (typeof src.url === 'string' && src.url.startsWith('pmtiles://')) src.url = `pmtiles://${abs(src.url.slice('pmtiles://'.length))}`;
  }
  if (typeof style.glyphs === 'string') style.glyphs = abs(style.glyphs);
  return style;
}
