//! Prometheus metrics at `/metrics`: requests by route and status, tile latency by layer
//! and zoom, tile cache hits and misses, pool usage, and the data version.

use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::error::AppError;
use crate::server::AppState;

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    tile_seconds: HistogramVec,
}

/// The one registry.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let registry = Registry::new_custom(Some("cluster_atlas".into()), None).expect("valid prefix");
    let requests = IntCounterVec::new(
        Opts::new(
            "http_requests_total",
            "HTTP requests by route template and status",
        ),
        &["route", "status"],
    )
    .expect("valid metric");
    let tile_seconds = HistogramVec::new(
        HistogramOpts::new(
            "tile_seconds",
            "Time to answer a tile request, by layer set and zoom",
        )
        .buckets(vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        ]),
        &["layers", "zoom"],
    )
    .expect("valid metric");
    registry
        .register(Box::new(requests.clone()))
        .expect("registered once");
    registry
        .register(Box::new(tile_seconds.clone()))
        .expect("registered once");
    Metrics {
        registry,
        requests,
        tile_seconds,
    }
});

/// Records a finished tile request.
pub fn observe_tile(layers: &str, zoom: u8, started: Instant) {
    METRICS
        .tile_seconds
        .with_label_values(&[layers, &zoom.to_string()])
        .observe(started.elapsed().as_secs_f64());
}

/// Middleware counting every request by its route template (never the raw path, so
/// junk URLs cannot create unbounded label values).
pub async fn count_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    METRICS
        .requests
        .with_label_values(&[&route, response.status().as_str()])
        .inc();
    response
}

/// `GET /metrics` in the Prometheus text format. When an admin token is configured, it
/// is required here too.
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
        f64::from(state.pool.size()),
    );
    gauge(
        "db_pool_idle",
        "Idle database connections",
        "gauge",
        state.pool.num_idle() as f64,
    );
    let up = if state.db_health.is_down() { 0.0 } else { 1.0 };
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
    let mut body = Vec::new();
    TextEncoder::new()
        .encode(&METRICS.registry.gather(), &mut body)
        .map_err(|e| AppError::Internal(e.to_string()))?;
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
