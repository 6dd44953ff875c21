//! The tile routes, `GET /tiles/{layers}/{z}/{x}/{y}` (MVT) and `GET /tiles/{layers}`
//! (TileJSON 3.0.0), for any [`TileSource`]: the main server and archive mode mount the same
//! handlers.

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRef, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::coord::TileCoord;
use super::engine::TileEngine;
use super::source::{self, TileSource};
use crate::error::{AppError, TileError};

type TilePath = (String, String, String, String);

/// The tile and TileJSON routes over the engine that `St` holds.
pub fn router<S, St>() -> Router<St>
where
    S: TileSource,
    St: Clone + Send + Sync + 'static,
    Arc<TileEngine<S>>: FromRef<St>,
{
    Router::new()
        .route("/tiles/{layers}", get(get_tilejson::<S>))
        .route("/tiles/{layers}/{z}/{x}/{y}", get(get_tile::<S>))
}

/// Step 1 of a tile's path: the layer list and z/x/y are parsed and checked (bad input
/// answers 4xx here, before any SQL), then the engine answers from its cache or its source.
pub async fn get_tile<S: TileSource>(
    State(engine): State<Arc<TileEngine<S>>>,
    headers: HeaderMap,
    path: Result<Path<TilePath>, PathRejection>,
    query: Result<Query<source::Query>, QueryRejection>,
) -> Result<Response, AppError> {
    let Path((layers, z, x, y)) = path.map_err(|e| TileError::BadPath(e.body_text()))?;
    let Query(q) = query.map_err(|e| TileError::BadPath(e.body_text()))?;
    let set = engine.source.layer_set(&layers)?;
    let coord = TileCoord::parse(&z, &x, &y).map_err(TileError::from)?;
    engine.respond(&set, coord, &q, &headers).await
}

/// TileJSON 3.0.0 for one or more layers; `/tiles/lsoa` and `/tiles/lsoa.json` both work.
pub async fn get_tilejson<S: TileSource>(
    State(engine): State<Arc<TileEngine<S>>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<source::Query>, QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Path(layers) = path.map_err(|e| TileError::BadPath(e.body_text()))?;
    let Query(q) = query.map_err(|e| TileError::BadPath(e.body_text()))?;
    let layers = layers.strip_suffix(".json").unwrap_or(&layers);
    let set = engine.source.layer_set(layers)?;
    let base = engine.base_url(&headers);
    Ok(Json(engine.source.tilejson(&set, &q, &base).await?))
}
