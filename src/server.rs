//! The HTTP server: the router of every face with the shared middleware, `/health`,
//! `/catalog`, and `serve` with its graceful shutdown. The top of the layers.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::catalog::{self, LayerId, ALL_LAYERS_ALIAS, MAX_SERVED_ZOOM};
use crate::error::AppError;
use crate::tiles::PostgisSource;

pub use crate::catalog::store::MAX_VERSION_RETRIES;
pub use crate::config::DEFAULT_MAX_IN_FLIGHT;
pub use crate::state::AppState;
pub use crate::tiles::engine::DEFAULT_TILE_CACHE_BYTES;

/// The whole application router with middleware; tests call it directly.
pub fn router(state: AppState) -> Router {
    // tower-http adds `Vary: Origin` (and the preflight request headers) for a list.
    let cors = match &state.cors_origins {
        Some(list) => CorsLayer::new()
            .allow_origin(tower_http::cors::AllowOrigin::list(list.iter().cloned()))
            .allow_methods(Any),
        None => CorsLayer::new().allow_origin(Any).allow_methods(Any),
    };
    let max_in_flight = state.max_in_flight.max(1);
    let app = Router::new()
        .route("/", get(crate::ogc::landing))
        .route("/catalog", get(get_catalog))
        .route("/health", get(get_health))
        .route("/metrics", get(crate::metrics::get_metrics))
        .merge(crate::tiles::http::router::<PostgisSource, AppState>())
        .merge(crate::api::router())
        .merge(crate::ogc::router())
        .merge(crate::profiles::router())
        .merge(crate::summary::router())
        .merge(crate::web::router())
        .merge(crate::admin::router())
        .with_state(state);
    with_middleware(app, cors, max_in_flight)
}

/// Archive mode (`serve --pmtiles`): the shared tile routes over the archive, with the
/// same middleware as the main server.
pub fn archive_app(archive: crate::tiles::archive::Archive) -> Router {
    let cors = CorsLayer::new().allow_origin(Any).allow_methods(Any);
    with_middleware(
        crate::tiles::archive::router(archive),
        cors,
        DEFAULT_MAX_IN_FLIGHT,
    )
}

/// The middleware of every server, outermost last: tracing, the request timeout, the
/// bound on requests in flight, CORS, compression, `nosniff`, request metrics.
fn with_middleware(app: Router, cors: CorsLayer, max_in_flight: usize) -> Router {
    app.fallback(not_found)
        .layer(axum::middleware::from_fn(crate::telemetry::count_requests))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(CompressionLayer::new())
        .layer(cors)
        // Inside the timeout, so time spent waiting for a slot counts against it.
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            max_in_flight,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
}

async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::NotFound(uri.path().chars().take(200).collect())
}

/// `GET /health`: database reachability and the data version.
async fn get_health(State(state): State<AppState>) -> Response {
    match state.with_db(crate::db::current_version(&state.pool)).await {
        Ok(data) => Json(json!({
            "status": if data.is_some() { "ok" } else { "no_data" },
            "database": "up",
            "data_version": data.as_ref().map(|d| d.version),
            "loaded_at": data.as_ref().map(|d| d.loaded_at.clone()),
            "cluster_approximate": data.as_ref().map(|d| d.cluster_approximate),
        }))
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                Json(json!({"status": "degraded", "database": "down"})),
            )
                .into_response()
        }
    }
}

/// `GET /catalog`: layers, their fields and URLs, and what data is loaded.
async fn get_catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    // From the snapshot: no query per request, and the same version the tiles carry.
    let snapshot = state.store.snapshot_if_loaded().await?;
    let base = state.base_url(&headers);
    Ok(Json(catalog_json(
        &base,
        snapshot.as_ref().map(|s| &s.data),
    )))
}

fn catalog_json(base: &str, data: Option<&crate::db::DataVersion>) -> Value {
    let layers: Vec<Value> = LayerId::ALL
        .iter()
        .map(|id| {
            let l = id.layer();
            json!({
                "id": id.as_str(),
                "title": l.title,
                "description": l.description,
                "minzoom": l.minzoom,
                "maxzoom": l.maxzoom,
                "max_served_zoom": MAX_SERVED_ZOOM,
                "fields": l.fields,
                "tilejson": format!("{base}/tiles/{id}"),
                "tiles": format!("{base}/tiles/{id}/{{z}}/{{x}}/{{y}}"),
            })
        })
        .collect();
    json!({
        "layers": layers,
        "composites": {
            ALL_LAYERS_ALIAS: {
                "layers": LayerId::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
                "tilejson": format!("{base}/tiles/{ALL_LAYERS_ALIAS}"),
            },
            "any": "join layer ids with commas, e.g. /tiles/lsoa,clusters/{z}/{x}/{y}",
        },
        "data": data,
        "links": {
            "map": format!("{base}/map"),
            "indicators": format!("{base}/indicators"),
            "styles": {
                "deprivation": format!("{base}/styles/deprivation.json"),
                "indicator": format!("{base}/styles/indicator.json?indicator={{id}}"),
                "significance": format!("{base}/styles/significance.json?indicator={{id}}"),
            },
            "ogc_api": format!("{base}/?f=json"),
            "openapi": format!("{base}/api"),
            "downloads": LayerId::ALL.iter().map(|l| format!("{base}/downloads/{l}.geojson")).collect::<Vec<_>>(),
        },
        "attribution": catalog::attribution(data.is_none_or(|d| d.cluster_approximate)),
    })
}

/// Runs the server until SIGINT or SIGTERM, finishing in-flight requests first.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    spawn_health_probe(&state);
    serve_router(router(state), listener).await
}

/// Starts the background probe that closes the database circuit breaker on recovery.
pub fn spawn_health_probe(state: &AppState) {
    state.store.db.spawn_health_probe();
}

/// Runs a complete router (middleware included) until SIGINT or SIGTERM.
pub async fn serve_router(app: Router, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
