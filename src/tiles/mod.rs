//! Vector tiles: `GET /tiles/{layers}/{z}/{x}/{y}` (MVT) and `GET /tiles/{layers}` (TileJSON 3.0.0).
//!
//! A request's path to SQL: [`get_tile`] parses the layer list ([`LayerSet`]) and the
//! address ([`TileCoord`]), picks each layer's pre-built statement for the zoom band
//! ([`sql::TileQueries`]), runs them concurrently with z/x/y bound as integers, and
//! concatenates the layers' MVT bytes (a valid MVT, as layers are a repeated field).

pub mod archive;
pub mod cache;
pub mod coord;
pub mod sql;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use futures::future::try_join_all;
use serde_json::{json, Value};

pub use coord::{TileCoord, TileCoordError};

use crate::catalog::{self, LayerId, ALL_LAYERS_ALIAS, MAX_SERVED_ZOOM};
use crate::error::AppError;
use crate::server::AppState;

/// MVT media type (IANA-registered).
pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// Why a tile or TileJSON request was refused.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// A layer id that is not in the catalogue.
    #[error("unknown layer `{0}`")]
    UnknownLayer(String),
    /// An empty or repeated layer list.
    #[error("bad layer list `{0}`: name one or more layers separated by commas, each once")]
    BadLayerList(String),
    /// A bad z/x/y.
    #[error(transparent)]
    Coord(#[from] TileCoordError),
    /// A zoom outside every requested layer's range.
    #[error("zoom {z} is outside the zoom range of {layers}")]
    ZoomOutsideLayers {
        /// The zoom asked for.
        z: u8,
        /// The layers and their ranges.
        layers: String,
    },
    /// A path or query string that axum could not decode.
    #[error("bad path or query: {0}")]
    BadPath(String),
    /// A load committed while a tile (or another answer read at a snapshot) was being
    /// built (retried internally; seen by a client only if loads keep committing).
    #[error("the data changed from version {expected} to {found} while the answer was built")]
    DataChanged {
        /// The snapshot's version.
        expected: i64,
        /// The version a layer statement saw.
        found: i64,
    },
    /// `indicator=` on a tile request without the clusters layer.
    #[error("indicator values are carried by the clusters layer: request /tiles/clusters/... or a list that includes clusters")]
    IndicatorNeedsClusters,
}

impl TileError {
    /// Status, stable code and allowed values.
    pub fn parts(&self) -> (StatusCode, &'static str, Option<Vec<String>>) {
        match self {
            TileError::UnknownLayer(_) | TileError::BadLayerList(_) => (
                StatusCode::NOT_FOUND,
                "unknown_layer",
                Some(allowed_layer_names()),
            ),
            TileError::Coord(_) => (StatusCode::BAD_REQUEST, "bad_tile", None),
            TileError::ZoomOutsideLayers { .. } => {
                (StatusCode::NOT_FOUND, "zoom_out_of_range", None)
            }
            TileError::BadPath(_) => (StatusCode::BAD_REQUEST, "bad_path", None),
            TileError::IndicatorNeedsClusters => (StatusCode::BAD_REQUEST, "bad_parameter", None),
            TileError::DataChanged { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "data_changing", None)
            }
        }
    }
}

fn allowed_layer_names() -> Vec<String> {
    LayerId::ALL
        .iter()
        .map(|l| l.as_str().to_owned())
        .chain([ALL_LAYERS_ALIAS.to_owned()])
        .collect()
}

/// A non-empty, ordered, duplicate-free list of layers, as named in a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSet(Vec<LayerId>);

impl LayerSet {
    /// Parses `lsoa`, `lsoa,clusters` or `wales` (every layer).
    pub fn parse(text: &str) -> Result<LayerSet, TileError> {
        if text == ALL_LAYERS_ALIAS {
            return Ok(LayerSet(LayerId::ALL.to_vec()));
        }
        let mut layers = Vec::new();
        for part in text.split(',') {
            let id = LayerId::parse(part).ok_or_else(|| {
                if part.is_empty() {
                    TileError::BadLayerList(text.chars().take(64).collect())
                } else {
                    TileError::UnknownLayer(part.chars().take(64).collect())
                }
            })?;
            if layers.contains(&id) {
                return Err(TileError::BadLayerList(text.chars().take(64).collect()));
            }
            layers.push(id);
        }
        Ok(LayerSet(layers))
    }

    /// The layers.
    pub fn layers(&self) -> &[LayerId] {
        &self.0
    }

    /// The URL form, e.g. `lsoa,clusters`.
    pub fn url_name(&self) -> String {
        if self.0 == LayerId::ALL {
            return ALL_LAYERS_ALIAS.to_owned();
        }
        self.0
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The layers that serve zoom `z`; an error when none does.
    pub fn at_zoom(&self, z: u8) -> Result<Vec<LayerId>, TileError> {
        let layers: Vec<LayerId> = self
            .0
            .iter()
            .copied()
            .filter(|l| l.layer().serves_zoom(z))
            .collect();
        if layers.is_empty() {
            return Err(TileError::ZoomOutsideLayers {
                z,
                layers: self
                    .0
                    .iter()
                    .map(|l| format!("{l} ({}-{MAX_SERVED_ZOOM})", l.layer().minzoom))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(layers)
    }

    /// Shallowest zoom any layer serves.
    pub fn minzoom(&self) -> u8 {
        self.0.iter().map(|l| l.layer().minzoom).min().unwrap_or(0)
    }

    /// Deepest advertised zoom.
    pub fn maxzoom(&self) -> u8 {
        self.0.iter().map(|l| l.layer().maxzoom).max().unwrap_or(14)
    }
}

/// Routes for tiles and TileJSON.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tiles/{layers}", get(get_tilejson))
        .route("/tiles/{layers}/{z}/{x}/{y}", get(get_tile))
}

type TilePath = (String, String, String, String);

/// One request's indicator values for the cluster layer, as the bind arrays `$4..$10`.
#[derive(Debug, Default)]
pub struct IndicatorArrays {
    codes: Vec<String>,
    values: Vec<f64>,
    classes: Vec<i32>,
    lower: Vec<Option<f64>>,
    upper: Vec<Option<f64>>,
    sig_vs_wales: Vec<&'static str>,
    sig_vs_hb: Vec<&'static str>,
}

/// Validates `indicator`, `period`, `method`, `classes` (and `breaks`, `palette`) and
/// builds the cluster values with their classes from the shared classification.
fn indicator_arrays(
    snapshot: &crate::catalog::snapshot::Snapshot,
    q: &HashMap<String, String>,
) -> Result<(IndicatorArrays, String), AppError> {
    use crate::catalog::indicators::Level;
    use crate::style::{classify, params, StyleError};
    let ip = params::indicator(q, &snapshot.catalog).map_err(StyleError::from)?;
    let c = params::classification(q).map_err(StyleError::from)?;
    let choropleth = classify(snapshot, &ip, &c)?;
    let mut arrays = IndicatorArrays::default();
    for v in snapshot.catalog.values(&ip.indicator.id, &ip.period) {
        if v.level != Level::Cluster {
            continue;
        }
        arrays.codes.push(v.code.clone());
        arrays.values.push(v.value);
        let class = choropleth.classes.get(&v.code).copied().unwrap_or(0);
        arrays.classes.push(i32::try_from(class).unwrap_or(0));
        arrays.lower.push(v.lower_ci);
        arrays.upper.push(v.upper_ci);
        arrays.sig_vs_wales.push(v.sig_vs_wales.as_str());
        arrays.sig_vs_hb.push(v.sig_vs_hb.as_str());
    }
    Ok((arrays, params::indicator_query(&ip, &c)))
}

/// Renders one tile of one or more layers. With `?indicator=` the cluster layer also
/// carries `value`, `class`, `lower_ci`, `upper_ci`, `sig_vs_wales` and `sig_vs_hb`.
pub async fn get_tile(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<TilePath>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, AppError> {
    let Path((layers, z, x, y)) = path.map_err(|e| TileError::BadPath(e.body_text()))?;
    let Query(q) = query.map_err(|e| TileError::BadPath(e.body_text()))?;
    let set = LayerSet::parse(&layers)?;
    let coord = TileCoord::parse(&z, &x, &y).map_err(TileError::from)?;
    render(&state, &set, coord, &q, &headers).await
}

/// Renders a validated tile address for a layer set, through the tile cache, as an HTTP
/// response: shared by `/tiles` and the OGC API Tiles routes.
pub async fn render(
    state: &AppState,
    set: &LayerSet,
    coord: TileCoord,
    q: &HashMap<String, String>,
    request: &HeaderMap,
) -> Result<Response, AppError> {
    let started = std::time::Instant::now();
    let (tile, version) = tile(state, set, coord, q).await?;
    crate::metrics::observe_tile(&set.url_name(), coord.z, started);
    // A URL carrying the current data version never changes: let browsers and CDNs keep it.
    let cache_control = if q.get("v").is_some_and(|v| *v == version.to_string()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    Ok(tile.response(request, cache_control))
}

/// One finished tile (from the cache, or rendered once for all concurrent askers) and the
/// data version it belongs to: the engine behind HTTP, warm-up and export.
pub async fn tile(
    state: &AppState,
    set: &LayerSet,
    coord: TileCoord,
    q: &HashMap<String, String>,
) -> Result<(Arc<cache::CachedTile>, i64), AppError> {
    let layers = set.at_zoom(coord.z)?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match tile_at_snapshot(state, set, &layers, coord, q).await {
            Err(AppError::Shared(e))
                if matches!(*e, AppError::Tile(TileError::DataChanged { .. })) =>
            {
                // A load committed between reading the snapshot and running the tile
                // statements: catch up with it and render again, so no answer (and no
                // cache entry) ever mixes two versions or carries the wrong one.
                if attempt >= crate::server::MAX_VERSION_RETRIES {
                    return Err(AppError::Shared(e));
                }
                tracing::debug!(error = %e, "data version moved during a tile render; retrying");
                state.refresh_snapshot().await?;
            }
            other => return other,
        }
    }
}

/// One render attempt against the current snapshot. Every layer statement reports the data
/// version it read; the tile is accepted (and cached under that version) only when all of
/// them match the snapshot the cache key and the indicator classes came from.
async fn tile_at_snapshot(
    state: &AppState,
    set: &LayerSet,
    layers: &[LayerId],
    coord: TileCoord,
    q: &HashMap<String, String>,
) -> Result<(Arc<cache::CachedTile>, i64), AppError> {
    let snapshot = state.snapshot().await?;
    let version = snapshot.data.version;
    let indicator = if q.contains_key("indicator") {
        if !set.layers().contains(&LayerId::Clusters) {
            return Err(TileError::IndicatorNeedsClusters.into());
        }
        Some(indicator_arrays(&snapshot, q)?)
    } else {
        crate::style::params::indicator_options_without_indicator(q, &snapshot.catalog)
            .map_err(crate::style::StyleError::from)?;
        None
    };
    let key = cache::TileKey {
        version,
        layers: set.url_name(),
        coord,
        indicator: indicator.as_ref().map(|(_, query)| query.clone()),
    };
    let arrays = indicator.map(|(arrays, _)| Arc::new(arrays));
    let tile = state
        .tile_cache
        .get_or_render(key, async {
            let parts = try_join_all(
                layers
                    .iter()
                    .map(|&layer| fetch_layer(state, layer, coord, arrays.as_deref())),
            )
            .await?;
            if let Some(moved) = parts.iter().find(|p| p.version != version) {
                return Err(TileError::DataChanged {
                    expected: version,
                    found: moved.version,
                }
                .into());
            }
            let bytes: Vec<u8> = parts.into_iter().flat_map(|p| p.bytes).collect();
            Ok(Arc::new(cache::CachedTile::new(bytes, version)))
        })
        .await?;
    Ok((tile, version))
}

/// A pooled connection that cancels its running query if dropped before [`Self::finish`]:
/// when a client goes away, axum drops the request's future, and without this the query
/// would run on to its statement timeout, holding a connection and a core. The guard owns
/// the connection and returns it to the pool only after the cancel has been sent, so a
/// cancel can never reach another request's query on a reused connection.
struct CancellableConnection {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
    pool: sqlx::PgPool,
    pid: i32,
}

impl CancellableConnection {
    async fn acquire(pool: &sqlx::PgPool) -> Result<Self, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        // sqlx keeps the backend's process id private, so ask for it (one short round trip).
        let pid: i32 = sqlx::query_scalar("select pg_backend_pid()")
            .fetch_one(&mut *conn)
            .await?;
        Ok(CancellableConnection {
            conn: Some(conn),
            pool: pool.clone(),
            pid,
        })
    }

    /// The connection, while the guard holds it.
    fn conn(&mut self) -> &mut sqlx::PgConnection {
        self.conn.as_deref_mut().expect("held until finish or drop")
    }

    /// The query completed (or failed by itself): return the connection normally.
    fn finish(mut self) {
        self.conn.take();
    }
}

impl Drop for CancellableConnection {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let (pool, pid) = (self.pool.clone(), self.pid);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let cancelled = sqlx::query_scalar::<_, bool>("select pg_cancel_backend($1)")
                    .bind(pid)
                    .fetch_one(&pool)
                    .await;
                tracing::debug!(
                    pid,
                    ?cancelled,
                    "cancelled the tile query of a client that went away"
                );
                drop(conn);
            });
        }
    }
}

/// One layer's MVT bytes for one tile: the one place a tile statement runs.
async fn fetch_layer(
    state: &AppState,
    layer: LayerId,
    coord: TileCoord,
    indicator: Option<&IndicatorArrays>,
) -> Result<LayerBytes, AppError> {
    let with_values = indicator.filter(|_| layer == LayerId::Clusters);
    let statement = state
        .tile_queries
        .get(layer, coord.z, with_values.is_some());
    let mut query =
        sqlx::query_as::<_, (Option<i64>, Option<Vec<u8>>)>(sqlx::AssertSqlSafe(statement))
            .bind(i32::from(coord.z))
            .bind(i32::try_from(coord.x).unwrap_or(i32::MAX))
            .bind(i32::try_from(coord.y).unwrap_or(i32::MAX));
    if let Some(a) = with_values {
        query = query
            .bind(&a.codes)
            .bind(&a.values)
            .bind(&a.classes)
            .bind(&a.lower)
            .bind(&a.upper)
            .bind(&a.sig_vs_wales)
            .bind(&a.sig_vs_hb);
    }
    let (version, bytes) = state
        .with_db(async {
            let mut guard = CancellableConnection::acquire(&state.pool).await?;
            let result = query.fetch_one(guard.conn()).await;
            guard.finish();
            result
        })
        .await?;
    Ok(LayerBytes {
        version: version.unwrap_or(0),
        bytes: bytes.unwrap_or_default(),
    })
}

/// One layer's MVT bytes and the data version its statement saw.
struct LayerBytes {
    version: i64,
    bytes: Vec<u8>,
}

/// TileJSON 3.0.0 for one or more layers; `/tiles/lsoa` and `/tiles/lsoa.json` both work.
/// With `?indicator=…` the tile URLs carry the normalised indicator query and the
/// `legend` field shows its classes.
pub async fn get_tilejson(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, AppError> {
    use crate::style::{legend::MapKind, render};
    let Path(layers) = path.map_err(|e| TileError::BadPath(e.body_text()))?;
    let Query(q) = query.map_err(|e| TileError::BadPath(e.body_text()))?;
    let layers = layers.strip_suffix(".json").unwrap_or(&layers);
    let set = LayerSet::parse(layers)?;
    let snapshot = state.snapshot().await?;
    let base = state.base_url(&headers);
    let (legend, tile_query) = if q.contains_key("indicator") {
        if !set.layers().contains(&LayerId::Clusters) {
            return Err(TileError::IndicatorNeedsClusters.into());
        }
        let rendered = render(MapKind::Indicator, &q, &snapshot)?;
        (Some(rendered.legend), Some(rendered.tile_query))
    } else {
        crate::style::params::indicator_options_without_indicator(&q, &snapshot.catalog)
            .map_err(crate::style::StyleError::from)?;
        if set.layers().contains(&LayerId::Lsoa) {
            (
                Some(render(MapKind::Deprivation, &q, &snapshot)?.legend),
                None,
            )
        } else {
            (None, None)
        }
    };
    let mut doc = tilejson(&set, &snapshot.data, &base, tile_query.as_deref());
    if let Some(legend) = legend {
        doc["legend"] = json!(legend.to_html());
    }
    Ok(Json(doc))
}

/// Builds the TileJSON document.
pub fn tilejson(
    set: &LayerSet,
    data: &crate::db::DataVersion,
    base: &str,
    indicator_query: Option<&str>,
) -> Value {
    let [w, s, e, n] = data.bounds;
    let vector_layers: Vec<Value> = set
        .layers()
        .iter()
        .map(|id| {
            let layer = id.layer();
            let mut fields: serde_json::Map<String, Value> = layer
                .fields
                .iter()
                .map(|f| {
                    let description = if f.min_zoom > layer.minzoom {
                        format!("{} (in tiles from zoom {})", f.description, f.min_zoom)
                    } else {
                        f.description.to_owned()
                    };
                    (f.name.to_owned(), json!(description))
                })
                .collect();
            if *id == LayerId::Clusters && indicator_query.is_some() {
                for (name, description) in INDICATOR_FIELD_DESCRIPTIONS {
                    fields.insert(name.to_owned(), json!(description));
                }
            }
            json!({
                "id": id.as_str(),
                "description": layer.description,
                "minzoom": layer.minzoom,
                "maxzoom": layer.maxzoom,
                "fields": fields,
            })
        })
        .collect();
    let name = set.url_name();
    // The data version in tile URLs makes them immutable: a reload changes every URL.
    let suffix = match indicator_query {
        Some(q) => format!("?{q}&v={}", data.version),
        None => format!("?v={}", data.version),
    };
    json!({
        "tilejson": "3.0.0",
        "name": format!("cluster-atlas: {name}"),
        "description": set.layers().iter().map(|l| l.layer().title).collect::<Vec<_>>().join("; "),
        "version": format!("{}.0.0", data.version),
        "attribution": catalog::attribution(data.cluster_approximate),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{name}/{{z}}/{{x}}/{{y}}{suffix}")],
        "minzoom": set.minzoom(),
        "maxzoom": set.maxzoom(),
        "bounds": [w, s, e, n],
        "center": [(w + e) / 2.0, (s + n) / 2.0, 7],
        "vector_layers": vector_layers,
        "data_version": data.version,
        "cluster_geography": {
            "approximate": data.cluster_approximate,
            "provenance": data.cluster_provenance,
        },
    })
}

/// Descriptions of the properties indicator tiles add to clusters.
pub const INDICATOR_FIELD_DESCRIPTIONS: [(&str, &str); 6] = [
    ("value", "The indicator's value for the cluster"),
    ("class", "Class of the value under the requested classification (1 = lowest); the style colours by it"),
    ("lower_ci", "Lower 95% confidence limit (absent when no counts are published)"),
    ("upper_ci", "Upper 95% confidence limit (absent when no counts are published)"),
    ("sig_vs_wales", "higher, similar, lower or not_tested, compared with Wales"),
    ("sig_vs_hb", "higher, similar, lower or not_tested, compared with the cluster's health board"),
];

/// Seeds the cache with every tile of the default composite (`wales`) covering the loaded
/// data, z0 to z14. Returns the number of tiles and the seconds it took.
pub async fn warm(state: &AppState) -> Result<(usize, f64), AppError> {
    use futures::stream::{self, StreamExt, TryStreamExt};
    let started = std::time::Instant::now();
    let snapshot = state.snapshot().await?;
    let set = LayerSet::parse(ALL_LAYERS_ALIAS)?;
    let coords: Vec<TileCoord> = (0..=14)
        .flat_map(|z| TileCoord::covering(z, snapshot.data.bounds))
        .collect();
    let count = coords.len();
    let none = HashMap::new();
    stream::iter(coords)
        .map(|coord| {
            let set = &set;
            let none = &none;
            async move { tile(state, set, coord, none).await.map(drop) }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<()>>()
        .await?;
    Ok((count, started.elapsed().as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_sets_parse_composites_and_alias() {
        assert_eq!(LayerSet::parse("lsoa").unwrap().layers(), &[LayerId::Lsoa]);
        assert_eq!(
            LayerSet::parse("clusters,lsoa").unwrap().layers(),
            &[LayerId::Clusters, LayerId::Lsoa]
        );
        assert_eq!(LayerSet::parse("wales").unwrap().layers(), &LayerId::ALL);
        assert_eq!(LayerSet::parse("wales").unwrap().url_name(), "wales");
        assert!(matches!(
            LayerSet::parse("roads"),
            Err(TileError::UnknownLayer(_))
        ));
        assert!(matches!(
            LayerSet::parse("lsoa,,clusters"),
            Err(TileError::BadLayerList(_))
        ));
        assert!(matches!(
            LayerSet::parse("lsoa,lsoa"),
            Err(TileError::BadLayerList(_))
        ));
    }

    #[test]
    fn zoom_filter_drops_layers_below_their_minzoom() {
        let set = LayerSet::parse("wales").unwrap();
        assert_eq!(
            set.at_zoom(3).unwrap(),
            vec![LayerId::Clusters, LayerId::HealthBoards]
        );
        assert_eq!(set.at_zoom(7).unwrap().len(), 3);
        assert!(LayerSet::parse("lsoa").unwrap().at_zoom(2).is_err());
    }
}
