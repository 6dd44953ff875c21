//! The PMTiles archive tile source: serving an exported archive with no database, the
//! stateless scale-out path (many replicas, or the same file behind a CDN). It shares the
//! engine, cache, validators and headers of the PostGIS source.

use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use pmtiles::{AsyncPmTilesReader, MmapBackend, TileCoord as PmCoord};
use serde_json::{json, Value};

use super::cache::{CachedTile, TileCache, TileKey};
use super::coord::TileCoord;
use super::engine::{TileEngine, DEFAULT_TILE_CACHE_BYTES};
use super::layers::LayerSet;
use super::request::{TileJsonQuery, TileQuery};
use super::source::TileSource;
use crate::error::{AppError, TileError};

/// An open archive and what it describes.
pub struct Archive {
    reader: AsyncPmTilesReader<MmapBackend>,
    metadata: Value,
    /// Layer set name in URLs (`wales`, `lsoa`, …).
    pub layers: String,
    /// Data version the archive was exported from.
    pub version: i64,
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
        // The export writes the data version as the major part of "N.0.0".
        let version = metadata["version"]
            .as_str()
            .and_then(|v| v.split('.').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        Ok(Archive {
            reader,
            metadata,
            layers,
            version,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
        })
    }

    /// The archive behind a tile engine of its own.
    pub fn into_engine(self) -> TileEngine<Archive> {
        let public_url = self.public_url.as_deref().map(Arc::from);
        TileEngine::new(
            self,
            Arc::new(TileCache::new(DEFAULT_TILE_CACHE_BYTES)),
            public_url,
        )
    }
}

impl TileSource for Archive {
    type Plan = ();

    fn layer_set(&self, text: &str) -> Result<LayerSet, TileError> {
        match LayerSet::parse(text) {
            Ok(set) if set.url_name() == self.layers => Ok(set),
            _ => Err(TileError::UnknownLayer {
                name: text.chars().take(64).collect(),
                allowed: vec![self.layers.clone()],
            }),
        }
    }

    async fn plan(
        &self,
        set: &LayerSet,
        coord: TileCoord,
        _q: &TileQuery,
    ) -> Result<(TileKey, ()), AppError> {
        let key = TileKey {
            version: self.version,
            layers: set.url_name(),
            coord,
            indicator: None,
            filter: None,
            encoding: crate::params::TileEncoding::Mvt,
        };
        Ok((key, ()))
    }

    async fn render(
        &self,
        key: &TileKey,
        _plan: &(),
        _set: &LayerSet,
    ) -> Result<CachedTile, AppError> {
        let c = key.coord;
        let id = PmCoord::new(c.z, c.x, c.y).map_err(|e| AppError::Internal(e.to_string()))?;
        let gzip = self
            .reader
            .get_tile(id)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let Some(gzip) = gzip else {
            return Ok(CachedTile::new(Vec::new(), key.version));
        };
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut raw)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(CachedTile::with_gzip(raw, gzip.to_vec(), key.version))
    }

    async fn refresh(&self) -> Result<(), AppError> {
        Ok(())
    }

    async fn tilejson(
        &self,
        _set: &LayerSet,
        _q: &TileJsonQuery,
        base: &str,
    ) -> Result<Value, AppError> {
        let h = self.reader.get_header();
        let m = &self.metadata;
        Ok(json!({
            "tilejson": "3.0.0",
            "name": m["name"],
            "description": m["description"],
            "version": m["version"],
            "attribution": m["attribution"],
            "scheme": "xyz",
            "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}?v={}", self.layers, self.version)],
            "minzoom": h.min_zoom,
            "maxzoom": h.max_zoom,
            "bounds": [h.min_longitude, h.min_latitude, h.max_longitude, h.max_latitude],
            "center": [h.center_longitude, h.center_latitude, h.center_zoom],
            "vector_layers": m["vector_layers"],
        }))
    }
}

/// The routes of archive mode: the documents (TileJSON and health), and the tile route
/// apart, for its lean middleware stack (see `server::with_middleware`).
pub fn routers(archive: Archive) -> (Router, Router) {
    let engine = Arc::new(archive.into_engine());
    let documents = super::http::tilejson_route::<Archive, Arc<TileEngine<Archive>>>()
        .into_router()
        .route("/health", get(health))
        .with_state(Arc::clone(&engine));
    let tiles = super::http::tile_route::<Archive, Arc<TileEngine<Archive>>>()
        .into_router()
        .with_state(engine);
    (documents, tiles)
}

async fn health(State(engine): State<Arc<TileEngine<Archive>>>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "mode": "pmtiles",
        "database": "none",
        "data_version": engine.source.version.to_string(),
    }))
}
