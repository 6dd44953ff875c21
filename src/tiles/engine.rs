//! `TileEngine`: a [`TileSource`] behind the tile cache. Every tile, from either source,
//! goes through [`TileEngine::tile`] (cache, coalescing, the retry when a load commits) and
//! leaves through [`TileEngine::respond`] (validators, encodings, cache lifetimes).

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::Response;

use super::cache::{CachedTile, TileCache};
use super::coord::TileCoord;
use super::layers::LayerSet;
use super::source::{Query, TileSource};
use crate::catalog::store::retry_while_data_changes;
use crate::error::AppError;

/// Default tile cache size: 256 MiB of finished tiles.
pub const DEFAULT_TILE_CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// A tile source, its cache and the public base URL.
pub struct TileEngine<S> {
    /// Where tiles come from.
    pub source: S,
    /// Finished tiles.
    pub cache: Arc<TileCache>,
    /// Public base URL without a trailing slash, when configured.
    pub public_url: Option<Arc<str>>,
}

impl<S> crate::http::PublicUrl for Arc<TileEngine<S>> {
    fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }
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
        q: &Query,
    ) -> Result<(Arc<CachedTile>, i64), AppError> {
        retry_while_data_changes(
            || async {
                let (key, plan) = self.source.plan(set, coord, q).await?;
                let version = key.version;
                let render = async {
                    let tile = self.source.render(&key, &plan, set).await?;
                    Ok(Arc::new(tile))
                };
                let tile = self.cache.get_or_render(key.clone(), render).await?;
                Ok((tile, version))
            },
            || self.source.refresh(),
        )
        .await
    }

    /// A tile as an HTTP response: 304 when the client has it, 204 when empty, else the
    /// best encoding the client accepts; immutable when the URL names the data version.
    pub async fn respond(
        &self,
        set: &LayerSet,
        coord: TileCoord,
        q: &Query,
        request: &HeaderMap,
    ) -> Result<Response, AppError> {
        let started = std::time::Instant::now();
        let (tile, version) = self.tile(set, coord, q).await?;
        crate::telemetry::observe_tile(&set.url_name(), coord.z, started);
        let cache_control = crate::http::cache_control_for(q.get("v").map(String::as_str), version);
        Ok(tile.response(request, cache_control))
    }

    /// Seeds the cache with every tile of the default layer set covering the data, z0 to
    /// z14. Returns the number of tiles and the seconds it took.
    pub async fn warm(&self) -> Result<(usize, f64), AppError> {
        use futures::stream::{self, StreamExt, TryStreamExt};
        let started = std::time::Instant::now();
        let (set, bounds) = self.source.warm_extent().await?;
        let coords: Vec<TileCoord> = (0..=14)
            .flat_map(|z| TileCoord::covering(z, bounds))
            .collect();
        let count = coords.len();
        let none = Query::new();
        stream::iter(coords)
            .map(|coord| {
                let (set, none) = (&set, &none);
                async move { self.tile(set, coord, none).await.map(drop) }
            })
            .buffer_unordered(8)
            .try_collect::<Vec<()>>()
            .await?;
        Ok((count, started.elapsed().as_secs_f64()))
    }
}
