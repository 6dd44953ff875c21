//! The tile routes, `GET /tiles/{layers}/{z}/{x}/{y}` (MVT) and `GET /tiles/{layers}`
//! (TileJSON 3.0.0), for any [`TileSource`]: the main server and archive mode mount the same
//! handlers.

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde_json::Value;

use super::coord::TileCoord;
use super::engine::TileEngine;
use super::request::{TileJsonQuery, TileQuery};
use super::source::TileSource;
use crate::error::{AppError, TileError};
use crate::params::{Params, PathParams};

type TilePath = (String, String, String, String);

/// The tile route alone: servers give it the lean middleware stack (see
/// `server::with_middleware`), so it is routed apart from the documents.
pub fn tile_route<S, St>() -> crate::http::Routes<St>
where
    S: TileSource,
    St: Clone + Send + Sync + 'static,
    Arc<TileEngine<S>>: FromRef<St>,
{
    crate::http::Routes::new().get("/tiles/{layers}/{z}/{x}/{y}", get_tile::<S>)
}

/// The TileJSON route alone.
pub fn tilejson_route<S, St>() -> crate::http::Routes<St>
where
    S: TileSource,
    St: Clone + Send + Sync + 'static,
    Arc<TileEngine<S>>: FromRef<St>,
{
    crate::http::Routes::new().get("/tiles/{layers}", get_tilejson::<S>)
}

/// TileJSON 3.0.0, as the OpenAPI document describes it (the sources build it as JSON).
#[allow(dead_code)] // Described, never built.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(clippy::upper_case_acronyms)]
pub struct TileJSON {
    /// `3.0.0`.
    tilejson: String,
    #[schema(nullable = false)]
    name: Option<String>,
    #[schema(nullable = false)]
    description: Option<String>,
    /// The data version, as `{version}.0.0`.
    #[schema(nullable = false)]
    version: Option<String>,
    /// HTML.
    #[schema(nullable = false)]
    attribution: Option<String>,
    /// Always `xyz`.
    #[schema(nullable = false)]
    scheme: Option<String>,
    /// Tile URL templates.
    #[schema(min_items = 1)]
    tiles: Vec<String>,
    #[schema(nullable = false)]
    minzoom: Option<u8>,
    #[schema(nullable = false)]
    maxzoom: Option<u8>,
    /// West, south, east, north in degrees.
    #[schema(nullable = false, min_items = 4, max_items = 4)]
    bounds: Option<Vec<f64>>,
    /// Longitude, latitude and zoom.
    #[schema(nullable = false, min_items = 3, max_items = 3)]
    center: Option<Vec<f64>>,
    /// One entry per layer, with its fields.
    #[schema(value_type = Vec<Object>)]
    vector_layers: Vec<serde_json::Value>,
    /// `mlt` when the tiles are MapLibre Tiles (`encoding=mlt`); absent for MVT.
    #[schema(nullable = false)]
    encoding: Option<String>,
    /// The loaded data version (the main server; not in archive mode).
    #[schema(nullable = false)]
    data_version: Option<i64>,
    /// `approximate` (boolean) and `provenance` (text or null) of the cluster boundaries
    /// (the main server; not in archive mode).
    #[schema(value_type = Object, nullable = false)]
    cluster_geography: Option<serde_json::Value>,
    /// The map's legend as HTML, for an indicator or a set with LSOAs.
    #[schema(nullable = false)]
    legend: Option<String>,
}

/// What a tile request answers besides its errors, for the OpenAPI document of both tile
/// routes (`/tiles/...` and the OGC API's `.../tiles/WebMercatorQuad/...`).
#[allow(dead_code)] // Described, never built: `TileEngine::respond` answers.
#[derive(utoipa::IntoResponses)]
pub enum TileResponses {
    /// The tile.
    #[response(
        status = 200,
        description = "Mapbox Vector Tile, or MapLibre Tile with encoding=mlt",
        content_type = ["application/vnd.mapbox-vector-tile", "application/vnd.maplibre-tile"]
    )]
    Tile(String),
    /// No features there.
    #[response(status = 204, description = "Empty tile: no features there")]
    Empty,
    /// The client's copy is current.
    #[response(
        status = 304,
        description = "Not modified (If-None-Match matched the ETag)"
    )]
    NotModified,
}

/// Step 1 of a tile's path: the layer list and z/x/y are parsed and checked (bad input
/// answers 4xx here, before any SQL), then the engine answers from its cache or its source.
#[utoipa::path(get, path = "/tiles/{layers}/{z}/{x}/{y}", tag = "Tiles",
    params(
        ("layers" = String, Path, description = "lsoa, clusters, health_boards, a comma-separated list of them (each once), or wales"),
        ("z" = u32, Path, description = "Zoom"),
        ("x" = u32, Path, description = "Column, 0 to 2^z - 1"),
        ("y" = String, Path, description = "Row, 0 to 2^z - 1, optionally followed by .pbf or .mvt"),
        TileQuery),
    responses(TileResponses, crate::error::responses::FeatureErrors))]
pub async fn get_tile<S: TileSource>(
    State(engine): State<Arc<TileEngine<S>>>,
    PathParams((layers, z, x, y)): PathParams<TilePath>,
    Params(q): Params<TileQuery>,
    // The request itself, last, for its headers by reference: a `HeaderMap` extractor
    // would copy every request header on the hot path.
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let set = engine.source.layer_set(&layers)?;
    let coord = TileCoord::parse(&z, &x, &y).map_err(TileError::from)?;
    engine.respond(&set, coord, &q, request.headers()).await
}

/// TileJSON 3.0.0 for one or more layers; `/tiles/lsoa` and `/tiles/lsoa.json` both work.
#[utoipa::path(get, path = "/tiles/{layers}", tag = "Tiles",
    params(
        ("layers" = String, Path, description = "lsoa (2011, WIMD 2019), lsoa21 (2021, WIMD 2025), clusters, health_boards, a comma-separated list (each once) or wales (lsoa, clusters and health_boards), optionally ending in .json"),
        TileJsonQuery),
    responses(
        (status = 200, description = "OK", body = TileJSON),
        crate::error::responses::FeatureErrors))]
pub async fn get_tilejson<S: TileSource>(
    State(engine): State<Arc<TileEngine<S>>>,
    headers: HeaderMap,
    PathParams(layers): PathParams<String>,
    Params(q): Params<TileJsonQuery>,
) -> Result<Json<Value>, AppError> {
    let layers = layers.strip_suffix(".json").unwrap_or(&layers);
    let set = engine.source.layer_set(layers)?;
    let encoding = q.encoding;
    let base = engine.base_url(&headers);
    let mut doc = engine.source.tilejson(&set, &q, &base).await?;
    super::tilejson::set_encoding(&mut doc, encoding);
    Ok(Json(doc))
}
