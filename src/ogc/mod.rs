//! OGC API – Features (Part 1 Core, GeoJSON) and OGC API – Tiles over the same catalogue.

use axum::extract::Query;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::server::AppState;

/// Routes of this module (filled in below).
pub fn router() -> Router<AppState> {
    Router::new()
}

/// `GET /`: the OGC API landing page as JSON when asked for (`?f=json` or an Accept
/// header preferring JSON, as GDAL and QGIS send), otherwise the map page.
pub async fn landing(
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let wants_json = match q.get("f").map(String::as_str) {
        Some("json") => true,
        Some(_) => false,
        None => headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("json") && !a.contains("text/html")),
    };
    if wants_json {
        return axum::Json(serde_json::json!({})).into_response();
    }
    crate::web::map_page_response()
}
