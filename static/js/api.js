// Every request the page makes goes through here, as a URL *relative to the page*.
//
// Why: the app may be mounted under a path prefix behind a proxy (e.g. served as
// https://host/atlas/map with `--public-url https://host/atlas`). A leading "/" would
// escape the prefix, so paths here never start with one; they are resolved against
// document.baseURI, which is the page's own address. The page is served at both `/` and
// `/map`, and both resolve "indicators" to the same <prefix>/indicators.

/** The absolute URL of a server path such as 'indicators?lang=cy'. */
export function apiUrl(path) {
  // A leading slash is a bug, not a style choice: it would break the page under a prefix.
  if (path.startsWith('/')) throw new Error(`api path must be relative: ${path}`);
  return new URL(path, document.baseURI);
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
