//! Logging set-up (`tracing` with `RUST_LOG` filtering, as text or JSON) and the process's
//! Prometheus registry: what every layer may record into, so it sits at the bottom.

use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};
use tracing_subscriber::EnvFilter;

/// Starts logging to stderr. `CLUSTER_ATLAS_LOG_FORMAT=json` gives one JSON object per line.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("cluster_atlas=info,tower_http=warn,sqlx=warn"));
    let json = std::env::var("CLUSTER_ATLAS_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests start several servers in one process) is harmless: ignore it.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

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
    // Zoom labels without a String per tile (served zooms are 0 to 22).
    const ZOOMS: [&str; 23] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19", "20", "21", "22",
    ];
    let deeper;
    let zoom_label = match ZOOMS.get(usize::from(zoom)) {
        Some(label) => *label,
        None => {
            deeper = zoom.to_string();
            deeper.as_str()
        }
    };
    METRICS
        .tile_seconds
        .with_label_values(&[layers, zoom_label])
        .observe(started.elapsed().as_secs_f64());
}

/// Middleware counting every request by its route template (never the raw path, so
/// junk URLs cannot create unbounded label values).
pub async fn count_requests(request: Request, next: Next) -> Response {
    // MatchedPath holds an Arc<str>: a clone, not a copy of the template, per request.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    METRICS
        .requests
        .with_label_values(&[route, response.status().as_str()])
        .inc();
    response
}

/// Every registered metric in the Prometheus text format.
pub fn encode_metrics() -> Result<Vec<u8>, prometheus::Error> {
    let mut body = Vec::new();
    TextEncoder::new().encode(&METRICS.registry.gather(), &mut body)?;
    Ok(body)
}
