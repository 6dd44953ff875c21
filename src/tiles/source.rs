//! `TileSource`: where finished tiles come from. PostGIS renders them per request
//! (`postgis.rs`); an exported PMTiles archive reads them (`archive.rs`). Both share one
//! engine (`engine.rs`): the cache, validators, headers and base URL. The sources depend on
//! this trait, never the other way round.

use std::future::Future;

use serde_json::Value;

use super::cache::{CachedTile, TileKey};
use super::coord::TileCoord;
use super::layers::LayerSet;
use super::request::{TileJsonQuery, TileQuery};
use crate::error::{AppError, TileError};

/// A source of tiles and their TileJSON.
pub trait TileSource: Send + Sync + 'static {
    /// What a render needs beyond the cache key (for PostGIS, an indicator's values).
    type Plan: Send + Sync;

    /// Parses a URL's layer list against what this source serves.
    fn layer_set(&self, text: &str) -> Result<LayerSet, TileError>;

    /// Validates a request against the source's current data and says what identifies
    /// the tile (the cache key, with the data version) and what rendering it needs.
    fn plan(
        &self,
        set: &LayerSet,
        coord: TileCoord,
        q: &TileQuery,
    ) -> impl Future<Output = Result<(TileKey, Self::Plan), AppError>> + Send;

    /// Renders (or reads) the tile. Fails with `DataChanged` when the data it read is not
    /// the version in the key, so that no cache entry ever carries the wrong version.
    fn render(
        &self,
        key: &TileKey,
        plan: &Self::Plan,
        set: &LayerSet,
    ) -> impl Future<Output = Result<CachedTile, AppError>> + Send;

    /// A tile that is another tile with values added: for PostGIS, an indicator map's tile
    /// is the plain tile of the same layers with each area's value, class and flags. The
    /// base tile's key and plan, or `None` to render the tile from scratch.
    fn base_of(&self, _key: &TileKey, _plan: &Self::Plan) -> Option<(TileKey, Self::Plan)> {
        None
    }

    /// The tile of `key`: `base` (the tile that [`TileSource::base_of`] named) with the
    /// plan's values added. Only called where `base_of` gave a base.
    fn decorate(
        &self,
        _base: &CachedTile,
        key: &TileKey,
        _plan: &Self::Plan,
    ) -> Result<CachedTile, AppError> {
        Err(AppError::Internal(format!(
            "no base tile for {:?}",
            key.coord
        )))
    }

    /// Catches up with a load that committed after [`TileSource::plan`] (a no-op for a
    /// source whose data never changes).
    fn refresh(&self) -> impl Future<Output = Result<(), AppError>> + Send;

    /// The TileJSON 3.0.0 document of a layer set; `base` is the public base URL.
    fn tilejson(
        &self,
        set: &LayerSet,
        q: &TileJsonQuery,
        base: &str,
    ) -> impl Future<Output = Result<Value, AppError>> + Send;
}
