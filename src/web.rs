//! The embeddable map page (`/`, `/map`) and the static assets it needs, served from the
//! binary itself: no CDN, so the page works offline and behind NHS firewalls.

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;

use crate::error::AppError;
use crate::state::AppState;

/// Files under `static/`: embedded in release builds, read from disk in debug builds (so
/// the page can be edited without recompiling).
#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// Routes of this module. `/` is shared with the OGC API landing page; see
/// [`crate::ogc`] for the content negotiation.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/map", get(map_page))
        .route("/static/{*path}", get(asset))
}

/// The map page's HTML.
pub fn map_page_response() -> Response {
    match Assets::get("map.html") {
        Some(file) => {
            let mut response = (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                file.data.into_owned(),
            )
                .into_response();
            // Only our own assets, API and tiles; no inline script; frames allowed so
            // dashboards can embed it. Blob workers are how MapLibre starts its worker.
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; \
                     img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; \
                     font-src 'self'; object-src 'none'; base-uri 'self'",
                ),
            );
            response
        }
        None => (StatusCode::NOT_FOUND, "map page missing from the build").into_response(),
    }
}

async fn map_page(_q: Query<std::collections::HashMap<String, String>>) -> Response {
    map_page_response()
}

/// `GET /static/{path}`: an embedded asset, cached for an hour (revalidated by ETag).
async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let file = Assets::get(&path).ok_or_else(|| AppError::NotFound(format!("/static/{path}")))?;
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..12]));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
