//! Serving an exported PMTiles archive with no database: the stateless scale-out path
//! (many replicas, or the same file in object storage behind a CDN).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use pmtiles::{AsyncPmTilesReader, MmapBackend, TileCoord as PmCoord};
use serde_json::{json, Value};

use super::coord::TileCoord;
use super::{TileError, MVT_CONTENT_TYPE};
use crate::error::AppError;

/// An open archive and what it describes.
pub struct Archive {
    reader: AsyncPmTilesReader<MmapBackend>,
    metadata: Value,
    /// Layer set name in URLs (`wales`, `lsoa`, …).
    pub layers: String,
    /// Data version the archive was exported from.
    pub version: String,
    public_url: Option<String>,
}

/// Why an archive could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("{path}: not a readable PMTiles archive: {reason}")]
pub struct ArchiveError {
    path: String,
    reason: String,
}

impl Archive {
    /// Opens (memory-maps) an archive written by `cluster-atlas export --format pmtiles`.
    pub async fn open(path: &Path, public_url: Option<String>) -> Result<Archive, ArchiveError> {
        let err = |reason: String| ArchiveError {
            path: path.display().to_string(),
            reason,
        };
        let reader = AsyncPmTilesReader::new_with_path(path)
            .await
            .map_err(|e| err(e.to_string()))?;
        let metadata: Value = serde_json::from_str(
            &reader
                .get_metadata()
                .await
                .map_err(|e| err(e.to_string()))?,
        )
        .map_err(|e| err(format!("metadata is not JSON: {e}")))?;
        let layers = metadata["layers"].as_str().unwrap_or("wales").to_owned();
        let version = metadata["version"]
            .as_str()
            .unwrap_or("1.0.0")
            .split('.')
            .next()
            .unwrap_or("1")
            .to_owned();
        Ok(Archive {
            reader,
            metadata,
            layers,
            version,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
        })
    }
}

type Shared = Arc<Archive>;

/// The routes of archive mode: tiles, TileJSON and health.
pub fn router(archive: Archive) -> Router {
    Router::new()
        .route("/tiles/{layers}", get(tilejson))
        .route("/tiles/{layers}/{z}/{x}/{y}", get(tile))
        .route("/health", get(health))
        .with_state(Arc::new(archive))
        .layer(tower_http::cors::CorsLayer::new().allow_origin(tower_http::cors::Any))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

fn check_layers(archive: &Archive, layers: &str) -> Result<(), AppError> {
    let name = layers.strip_suffix(".json").unwrap_or(layers);
    if name == archive.layers {
        Ok(())
    } else {
        Err(TileError::UnknownLayer(name.chars().take(64).collect()).into())
    }
}

async fn tile(
    State(archive): State<Shared>,
    headers: HeaderMap,
    path: Result<UrlPath<(String, String, String, String)>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, AppError> {
    let UrlPath((layers, z, x, y)) = path.map_err(|e| TileError::BadPath(e.body_text()))?;
    let Query(q) = query.map_err(|e| TileError::BadPath(e.body_text()))?;
    check_layers(&archive, &layers)?;
    let coord = TileCoord::parse(&z, &x, &y).map_err(TileError::from)?;
    let cache_control = if q.get("v") == Some(&archive.version) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let id =
        PmCoord::new(coord.z, coord.x, coord.y).map_err(|e| AppError::Internal(e.to_string()))?;
    let gzip = archive
        .reader
        .get_tile(id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut out = HeaderMap::new();
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let Some(gzip) = gzip else {
        return Ok((StatusCode::NO_CONTENT, out).into_response());
    };
    let etag = format!(
        "\"v{}-{:016x}\"",
        archive.version,
        xxhash_rust::xxh3::xxh3_64(&gzip)
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, v);
    }
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(MVT_CONTENT_TYPE),
    );
    let accepts_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    if accepts_gzip {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return Ok((out, gzip).into_response());
    }
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut raw)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((out, raw).into_response())
}

async fn tilejson(
    State(archive): State<Shared>,
    headers: HeaderMap,
    path: Result<UrlPath<String>, PathRejection>,
) -> Result<Json<Value>, AppError> {
    let UrlPath(layers) = path.map_err(|e| TileError::BadPath(e.body_text()))?;
    check_layers(&archive, &layers)?;
    let base = archive.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1:8080");
        format!("http://{host}")
    });
    let h = archive.reader.get_header();
    let m = &archive.metadata;
    Ok(Json(json!({
        "tilejson": "3.0.0",
        "name": m["name"],
        "description": m["description"],
        "version": m["version"],
        "attribution": m["attribution"],
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}?v={}", archive.layers, archive.version)],
        "minzoom": h.min_zoom,
        "maxzoom": h.max_zoom,
        "bounds": [h.min_longitude, h.min_latitude, h.max_longitude, h.max_latitude],
        "center": [h.center_longitude, h.center_latitude, h.center_zoom],
        "vector_layers": m["vector_layers"],
    })))
}

async fn health(State(archive): State<Shared>) -> Json<Value> {
    Json(
        json!({"status": "ok", "mode": "pmtiles", "database": "none", "data_version": archive.version}),
    )
}
