// The static-site mode: the page running from the files `cluster-atlas export --format
// site` wrote, with no server behind it. It reads the export's manifest (site.json),
// registers the pmtiles:// protocol so MapLibre reads the one tile archive with HTTP range
// requests, and resolves the archive and glyph URLs of the exported styles, which are
// relative (the export cannot know where it will be hosted), against the page.
import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { STATIC_SITE, getJson } from './api.js';

let manifest = null;

/** On a static site: reads site.json and registers pmtiles://. Resolves to the manifest,
 *  or null when the page is served by cluster-atlas itself. */
export async function loadSite() {
  if (!STATIC_SITE) return null;
  const [doc, { Protocol }] = await Promise.all([getJson('site'), import('../vendor/pmtiles/pmtiles.mjs')]);
  maplibregl.addProtocol('pmtiles', new Protocol().tile);
  manifest = doc;
  return manifest;
}

/** The manifest (null when served by cluster-atlas). */
export function site() { return manifest; }

/** A style with its relative `pmtiles://` and glyph URLs made absolute (static site only).
 *  Plain concatenation, not `new URL`, which would escape the glyph template's braces. */
export function resolveSiteStyle(style) {
  if (!STATIC_SITE) return style;
  const dir = new URL('.', document.baseURI).href;
  const abs = (u) => (/^[a-z]+:/i.test(u) ? u : `${dir}${u}`);
  for (const src of Object.values(style.sources || {})) {
    if (typeof src.url === 'string' && src.url.startsWith('pmtiles://')) src.url = `pmtiles://${abs(src.url.slice('pmtiles://'.length))}`;
  }
  if (typeof style.glyphs === 'string') style.glyphs = abs(style.glyphs);
  return style;
}
