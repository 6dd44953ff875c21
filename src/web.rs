//! The embeddable map page (`/`, `/map`), the API viewer (`/api.html`), the static assets
//! they need and the site's icon (`/favicon.ico`), served from the binary itself: no CDN,
//! so the pages work offline and behind NHS firewalls.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::AppError;
use crate::http::Routes;
use crate::state::AppState;

/// Files under `static/`: embedded in release builds, read from disk in debug builds (so
/// the page can be edited without recompiling).
#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// Routes of this module. `/` is shared with the OGC API landing page; see
/// the OGC landing page (the `ogc` module, a face above) for the content negotiation.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/map", map_page)
        .get("/api.html", api_page)
        .get("/static/{*path}", asset)
        .get("/favicon.ico", favicon)
}

/// Every embedded asset's path under `/static/` (for the static-site export).
pub fn asset_paths() -> impl Iterator<Item = String> {
    Assets::iter().map(|p| p.into_owned())
}

/// The map page's HTML.
pub fn map_page_response() -> Response {
    // Only our own assets, API and tiles; no inline script; frames allowed so dashboards
    // can embed it. Blob workers are how MapLibre starts its worker.
    // With a --basemap, its origin (and only it) may be fetched too.
    let extra = crate::basemap::configured()
        .map(|b| format!(" {}", b.origin))
        .unwrap_or_default();
    html_page(
        "map.html",
        &format!(
            "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; \
             img-src 'self' data: blob:{extra}; style-src 'self' 'unsafe-inline'; connect-src 'self'{extra}; \
             font-src 'self'; object-src 'none'; base-uri 'self'"
        ),
        "map page missing from the build",
    )
}

/// An embedded HTML page with its Content-Security-Policy, or 404 if the build lacks it.
fn html_page(name: &str, csp: &str, missing: &'static str) -> Response {
    match Assets::get(name) {
        Some(file) => {
            let mut response = (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                file.data.into_owned(),
            )
                .into_response();
            // The basemap origin in it was checked for header-safe characters at start-up;
            // were it not valid, the strictest policy is sent.
            let value = HeaderValue::from_str(csp)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
            response
        }
        None => (StatusCode::NOT_FOUND, missing).into_response(),
    }
}

/// `GET /api.html`: the OpenAPI document in Swagger UI, from `static/vendor/swagger-ui/`
/// (no CDN); `static/api.js` starts it, as the CSP allows no inline script.
#[utoipa::path(get, path = "/api.html", tag = "Operations",
    responses((status = 200, description = "HTML", body = String, content_type = "text/html")))]
async fn api_page() -> Response {
    html_page(
        "api.html",
        "default-src 'self'; script-src 'self'; img-src 'self' data:; \
         style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'self'",
        "API page missing from the build",
    )
}

#[utoipa::path(get, path = "/map", tag = "Map",
    responses((status = 200, description = "HTML", body = String, content_type = "text/html")))]
// The page reads its own state from the URL (static/js/state.js); the server ignores the
// query, as it does for every static document.
async fn map_page() -> Response {
    map_page_response()
}

/// `GET /static/{path}`: an embedded asset, cached for an hour (revalidated by ETag).
#[utoipa::path(get, path = "/static/{path}", tag = "Map",
    params(
        ("path" = String, Path, description = "An asset of the map page or the API viewer, e.g. map.css", example = "map.css")),
    responses(
        (status = 200, description = "The file", content(("*/*" = String))),
        (status = 304, description = "Not modified (If-None-Match matched the ETag)"),
        crate::error::responses::NotFound))]
async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let file = Assets::get(&path).ok_or_else(|| AppError::NotFound(format!("/static/{path}")))?;
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..12]));
    if let Some(tag) = crate::http::matching_etag(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response());
    }
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let content_type = if mime.type_() == mime_guess::mime::TEXT
        || path.ends_with(".mjs")
        || path.ends_with(".js")
    {
        let essence = if path.ends_with(".mjs") || path.ends_with(".js") {
            "text/javascript"
        } else {
            mime.essence_str()
        };
        format!("{essence}; charset=utf-8")
    } else {
        mime.essence_str().to_owned()
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
            (header::ETAG, etag),
        ],
        file.data.into_owned(),
    )
        .into_response())
}

/// `GET /favicon.ico`: the site's icon, `static/favicon.svg`, served as SVG under the name
/// browsers ask for by themselves (every current browser draws an SVG icon; a page that
/// names its icon with `<link rel="icon">` uses `/static/favicon.svg` directly).
#[utoipa::path(get, path = "/favicon.ico", tag = "Map",
    responses(
        (status = 200, description = "The icon (SVG)", content(("image/svg+xml" = String))),
        (status = 304, description = "Not modified (If-None-Match matched the ETag)")))]
async fn favicon(headers: HeaderMap) -> Result<Response, AppError> {
    asset(Path("favicon.svg".to_owned()), headers).await
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
