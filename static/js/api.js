// Every request the page makes goes through here, as a URL *relative to the page*.
//
// Why: the app may be mounted under a path prefix behind a proxy (e.g. served as
// https://host/atlas/map with `--public-url https://host/atlas`). A leading "/" would
// escape the prefix, so paths here never start with one; they are resolved against
// document.baseURI, which is the page's own address. The page is served at both `/` and
// `/map`, and both resolve "indicators" to the same <prefix>/indicators.
//
// The same page also runs with no server at all, from the files that
// `cluster-atlas export --format site` writes (nginx, object storage, any CDN). Its
// index.html then carries <meta name="cluster-atlas:site">, and every request is mapped
// to the file the export stored it in (sitePath, the twin of the exporter's
// `site::site_path`): a static host cannot answer query strings.

/** True when the page runs from a static-site export rather than from the server. */
export const STATIC_SITE = document.querySelector('meta[name="cluster-atlas:site"]') !== null;

// Query values a static site can hold in a file name (the exporter writes no others).
const SITE_VALUE = /^[A-Za-z0-9_.:-]+$/;

/**
 * The file of a static-site export that holds a server path such as
 * 'styles/indicator.json?lang=en&indicator=copd': the query's pairs, sorted by name, go
 * into the file name before its extension ('styles/indicator~indicator=copd~lang=en.json');
 * a path without an extension is a JSON document ('data/copd~lang=en.json').
 */
export function sitePath(path) {
  const [p, q = ''] = path.split('?');
  const pairs = [...new URLSearchParams(q)].sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : (av < bv ? -1 : av > bv ? 1 : 0)));
  for (const [k, v] of pairs) {
    if (!SITE_VALUE.test(k) || !SITE_VALUE.test(v)) throw new Error(`not in this static copy of the atlas: ${path}`);
  }
  const slash = p.lastIndexOf('/');
  const name = decodeURIComponent(p.slice(slash + 1));
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '.json'];
  const suffix = pairs.map(([k, v]) => `~${k}=${v}`).join('');
  // File names hold no ':' (Windows cannot store one): '7A1:anglesey' is '7A1_anglesey',
  // in folders too, as `portable_name` in src/site.rs writes them.
  const segment = (s) => encodeURIComponent(decodeURIComponent(s).replace(/:/g, '_')).replace(/%3D/gi, '=');
  const dir = p.slice(0, slash + 1).split('/').map(segment).join('/');
  return `${dir}${segment(`${stem}${suffix}${ext}`)}`;
}

/** The absolute URL of a server path such as 'indicators?lang=cy'. */
export function apiUrl(path) {
  // A leading slash is a bug, not a style choice: it would break the page under a prefix.
  if (path.startsWith('/')) throw new Error(`api path must be relative: ${path}`);
  return new URL(STATIC_SITE ? sitePath(path) : path, document.baseURI);
}

/**
 * The same URL as a path ("/atlas/profiles/…?lang=cy") for href/src attributes: derived
 * from document.baseURI (so it keeps the prefix) but without the origin, so links stay
 * origin-free and read the same in the DOM wherever the page is served from.
 */
export function linkPath(path) {
  const u = apiUrl(path);
  return `${u.pathname}${u.search}${u.hash}`;
}

/** GET a JSON document; a failed request throws with the server's error message. */
export async function getJson(path) {
  const res = await fetch(apiUrl(path), { headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const msg = body?.error?.message || `${res.status} ${res.statusText}`;
    throw new Error(`${path.split('?')[0]}: ${msg}`);
  }
  return body;
}
