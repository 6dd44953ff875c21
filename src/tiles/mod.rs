//! The tile engine: vector tiles (`GET /tiles/{layers}/{z}/{x}/{y}`, MVT) and TileJSON 3.0.0
//! (`GET /tiles/{layers}`), from PostGIS or from an exported PMTiles archive.
//!
//! A tile's path from URL to SQL, in reading order:
//! 1. [`http::get_tile`] parses the layer list ([`LayerSet`], checked against the catalogue)
//!    and the address ([`TileCoord`]); bad input answers 4xx here.
//! 2. [`engine::TileEngine::tile`] asks the source to [`source::TileSource::plan`] the tile
//!    (for PostGIS: the zoom check, the snapshot, and an indicator's classes), then looks the
//!    key up in the [`cache::TileCache`]; concurrent misses for one key render once.
//! 3. [`postgis::PostgisSource::render`] cuts a plain tile in the process: the version's
//!    geometry, read once per data version by [`geometry::TileGeometry::load`] (the
//!    statement from [`sql::layer_features_sql`]), is clipped, simplified and encoded by
//!    [`mvt`] as `ST_AsMVTGeom`/`ST_AsMVT` would. A filtered tile (or every tile with
//!    `--tile-renderer postgis`) runs each layer's statement, generated once at start-up by
//!    [`sql::TileQueries`], with z/x/y (and a filtered indicator map's values) as typed
//!    binds. An unfiltered indicator tile is the plain tile with its values added
//!    ([`decorate`]), with no statement of its own.
//! 4. A load that commits meanwhile is caught by the version every statement (and the
//!    geometry read) returns; the engine then refreshes the snapshot and renders again.
//! 5. With `encoding=mlt`, the finished MVT is re-encoded as a MapLibre Tile ([`mlt`]),
//!    cached beside it.
//! 6. [`engine::TileEngine::respond`] answers with validators, the client's encoding and a
//!    cache lifetime ([`cache::CachedTile::response`]).

pub mod archive;
pub mod cache;
pub mod coord;
pub mod decorate;
pub mod engine;
pub mod geometry;
pub mod http;
pub mod layers;
pub mod mlt;
pub mod mvt;
pub mod postgis;
pub mod request;
pub mod source;
pub mod sql;
pub mod tilejson;

pub use coord::{TileCoord, TileCoordError};
pub use engine::TileEngine;
pub use layers::LayerSet;
pub use postgis::PostgisSource;
pub use source::TileSource;

pub use crate::error::TileError;

pub use cache::MVT_CONTENT_TYPE;
