//! `GET /metrics`: the registry in [`crate::telemetry`] (requests by route and status, tile
//! latency by layer and zoom) plus tile cache hits and misses, pool usage and the data version.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

/// `GET /metrics` in the Prometheus text format. When an admin token is configured, it
/// is required here too.
#[utoipa::path(get, path = "/metrics", tag = "Operations",
    responses(
        (status = 200, description = "Metrics", body = String, content_type = "text/plain"),
        crate::error::responses::MetricsErrors))]
pub async fn get_metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if state.admin_token.is_some() {
        crate::admin::authorised(&state, &headers)?;
    }
    let (hits, misses, entries, bytes) = state.tile_cache.stats();
    let version = state.snapshots_version().await;
    let mut extra = String::new();
    let mut gauge = |name: &str, help: &str, kind: &str, value: f64| {
        extra.push_str(&format!(
            "# HELP cluster_atlas_{name} {help}\n# TYPE cluster_atlas_{name} {kind}\ncluster_atlas_{name} {value}\n"
        ));
    };
    let ratio = if hits + misses == 0 {
        0.0
    } else {
        hits as f64 / (hits + misses) as f64
    };
    gauge(
        "tile_cache_hits_total",
        "Tile requests answered from the cache",
        "counter",
        hits as f64,
    );
    gauge(
        "tile_cache_misses_total",
        "Tile requests that rendered the tile",
        "counter",
        misses as f64,
    );
    gauge(
        "tile_cache_hit_ratio",
        "Hits / (hits + misses) since start",
        "gauge",
        ratio,
    );
    gauge(
        "tile_cache_entries",
        "Tiles in the cache",
        "gauge",
        entries as f64,
    );
    gauge(
        "tile_cache_bytes",
        "Weighted bytes in the cache",
        "gauge",
        bytes as f64,
    );
    gauge(
        "db_pool_size",
        "Open database connections",
        "gauge",
        f64::from(state.pool().size()),
    );
    gauge(
        "db_pool_idle",
        "Idle database connections",
        "gauge",
        state.pool().num_idle() as f64,
    );
    let up = if state.store.db.health.is_down() {
        0.0
    } else {
        1.0
    };
    gauge(
        "db_up",
        "1 while the database answers, 0 while the circuit breaker is open",
        "gauge",
        up,
    );
    gauge(
        "data_version",
        "The data version being served",
        "gauge",
        version.map_or(0.0, |v| v as f64),
    );
    let mut body =
        crate::telemetry::encode_metrics().map_err(|e| AppError::Internal(e.to_string()))?;
    body.extend_from_slice(extra.as_bytes());
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response())
}
