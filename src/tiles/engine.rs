//! `TileEngine`: a [`TileSource`] behind the tile cache. Every tile, from either source,
//! goes through [`TileEngine::tile`] (cache, coalescing, the retry when a load commits) and
//! leaves through [`TileEngine::respond`] (validators, encodings, cache lifetimes).

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::Response;

use super::cache::{CachedTile, TileCache, TileKey};
use super::coord::TileCoord;
use super::layers::LayerSet;
use super::request::TileQuery;
use super::source::TileSource;
use crate::catalog::store::retry_while_data_changes;
use crate::error::AppError;

/// Default tile cache size: 512 MiB of finished tiles, room for two versions' default
/// pyramids (about 110 MiB each with their compressed copies) while a new one is warmed.
pub const DEFAULT_TILE_CACHE_BYTES: u64 = 512 * 1024 * 1024;

/// A tile source, its cache and the public base URL.
pub struct TileEngine<S> {
    /// Where tiles come from.
    pub source: S,
    /// Finished tiles.
    pub cache: Arc<TileCache>,
    /// Public base URL without a trailing slash, when configured.
    pub public_url: Option<Arc<str>>,
}

impl<S: TileSource> TileEngine<S> {
    /// An engine with a cache of `cache_bytes`.
    pub fn new(source: S, cache: Arc<TileCache>, public_url: Option<Arc<str>>) -> TileEngine<S> {
        TileEngine {
            source,
            cache,
            public_url,
        }
    }

    /// The base URL for absolute links in TileJSON.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        crate::http::base_url(self.public_url.as_deref(), headers)
    }

    /// One finished tile (from the cache, or rendered once for all concurrent askers) and
    /// the data version it belongs to: the engine behind HTTP, warm-up and export.
    pub async fn tile(
        &self,
        set: &LayerSet,
        coord: TileCoord,
        q: &TileQuery,
    ) -> Result<(Arc<CachedTile>, i64), AppError> {
        let encoding = q.encoding;
        retry_while_data_changes(
            || async {
                let (key, plan) = self.source.plan(set, coord, q).await?;
                let version = key.version;
                if encoding == crate::params::TileEncoding::Mvt {
                    return Ok((self.mvt(key, plan, set).await?, version));
                }
                let mlt_key = TileKey {
                    encoding,
                    ..key.clone()
                };
                if let Some(tile) = self.cache.get(&mlt_key).await {
                    return Ok((tile, version));
                }
                let render = async {
                    // Boxed: the MVT's render future nested in this one overflowed a
                    // worker's stack in debug builds.
                    let mvt = Box::pin(self.mvt(key, plan, set)).await?;
                    let mlt = super::mlt::mvt_to_mlt_off_thread(mvt.raw.clone())
                        .await
                        .map_err(|e| AppError::Internal(format!("MLT encoder: {e}")))?;
                    Ok(Arc::new(CachedTile::mlt(mlt, version)))
                };
                Ok((self.cache.get_or_render(mlt_key, render).await?, version))
            },
            || self.source.refresh(),
        )
        .await
    }

    /// The MVT of a planned tile: from the cache, or rendered once for all concurrent askers.
    async fn mvt(
        &self,
        key: TileKey,
        plan: S::Plan,
        set: &LayerSet,
    ) -> Result<Arc<CachedTile>, AppError> {
        // A hit needs neither the render future nor a copy of the key.
        if let Some(tile) = self.cache.get(&key).await {
            return Ok(tile);
        }
        let render = async {
            // An indicator tile is the plain tile (from the cache, which the warm-up
            // fills, or rendered once for every indicator) with the values added:
            // no database round trip of its own.
            let tile = match self.source.base_of(&key, &plan) {
                Some((base_key, base_plan)) => {
                    let base_render = async {
                        let base = self.source.render(&base_key, &base_plan, set).await?;
                        Ok(Arc::new(base))
                    };
                    let base = self
                        .cache
                        .get_or_render(base_key.clone(), base_render)
                        .await?;
                    self.source.decorate(&base, &key, &plan)?
                }
                None => self.source.render(&key, &plan, set).await?,
            };
            Ok(Arc::new(tile))
        };
        self.cache.get_or_render(key.clone(), render).await
    }

    /// A tile as an HTTP response: 304 when the client has it, 204 when empty, else the
    /// best encoding the client accepts; immutable when the URL names the data version.
    pub async fn respond(
        &self,
        set: &LayerSet,
        coord: TileCoord,
        q: &TileQuery,
        request: &HeaderMap,
    ) -> Result<Response, AppError> {
        let started = std::time::Instant::now();
        let (tile, version) = self.tile(set, coord, q).await?;
        crate::telemetry::observe_tile(&set.url_name(), coord.z, started);
        let cache_control = crate::http::cache_control_for(q.v.as_deref(), version);
        Ok(tile.response(request, cache_control))
    }
}
