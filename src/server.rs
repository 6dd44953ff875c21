//! The HTTP server: shared state, the router with its middleware, and `serve`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use sqlx::PgPool;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::catalog::snapshot::{Snapshot, SnapshotCache};
use crate::catalog::{self, LayerId, ALL_LAYERS_ALIAS, MAX_SERVED_ZOOM};
use crate::error::AppError;
use crate::tiles::cache::TileCache;
use crate::tiles::sql::TileQueries;

/// How many times an answer is rebuilt when loads keep committing under it, before a
/// `503 data_changing`.
pub const MAX_VERSION_RETRIES: u32 = 4;

/// Default tile cache size: 256 MiB of finished tiles.
pub const DEFAULT_TILE_CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub pool: PgPool,
    /// Tile statements, built once.
    pub tile_queries: Arc<TileQueries>,
    /// Public base URL without a trailing slash, when configured.
    pub public_url: Option<Arc<str>>,
    /// The loaded data's indicators and classifications, per data version.
    pub snapshots: Arc<SnapshotCache>,
    /// Finished tiles.
    pub tile_cache: Arc<TileCache>,
    /// Circuit breaker for the database.
    pub db_health: Arc<crate::db::health::DbHealth>,
    /// Token for `/admin/*`; admin routes are off without one.
    pub admin_token: Option<Arc<str>>,
    /// Loader inputs used by `POST /admin/reload`.
    pub reload_inputs: Option<Arc<crate::config::InputArgs>>,
    /// Browser origins allowed by CORS; `None` allows any (`*`).
    pub cors_origins: Option<Arc<Vec<HeaderValue>>>,
    /// Requests handled at once; more wait in line (within the request timeout).
    pub max_in_flight: usize,
    /// Permits for database work, fewer than the pool's connections: requests queue here,
    /// without a deadline of their own, instead of timing out in the pool, so a pool
    /// timeout means the database cannot be reached, never that the server is busy. The
    /// spare connections keep the snapshot check, query cancels and reloads moving under
    /// full load.
    pub db_slots: Arc<tokio::sync::Semaphore>,
}

/// Connections kept out of [`AppState::db_slots`] for background work.
const SPARE_CONNECTIONS: u32 = 2;

/// Default bound on requests handled at once: far above what the pool can feed, so it
/// only bites under a flood, where waiting in line beats running out of memory.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;

impl AppState {
    /// Builds the state for a pool.
    pub fn new(pool: PgPool, public_url: Option<String>) -> AppState {
        AppState {
            tile_queries: Arc::new(TileQueries::build()),
            public_url: public_url.map(|u| Arc::from(u.trim_end_matches('/'))),
            snapshots: Arc::new(SnapshotCache::default()),
            tile_cache: Arc::new(TileCache::new(DEFAULT_TILE_CACHE_BYTES)),
            db_health: Arc::new(crate::db::health::DbHealth::default()),
            admin_token: None,
            reload_inputs: None,
            cors_origins: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            db_slots: Arc::new(tokio::sync::Semaphore::new(db_slot_count(&pool))),
            pool,
        }
    }

    /// Restricts CORS to these origins (comma-separated); `*` or empty allows any.
    pub fn with_cors_origins(mut self, origins: &str) -> AppState {
        let list: Vec<HeaderValue> = origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty() && *o != "*")
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        self.cors_origins = (!list.is_empty()).then(|| Arc::new(list));
        self
    }

    /// Sets the tile cache size in bytes (0 caches nothing but still coalesces).
    pub fn with_tile_cache_bytes(mut self, bytes: u64) -> AppState {
        self.tile_cache = Arc::new(TileCache::new(bytes));
        self
    }

    /// Enables `/admin/reload` with this token, reloading these inputs.
    pub fn with_admin(mut self, token: String, inputs: crate::config::InputArgs) -> AppState {
        self.admin_token = Some(Arc::from(token));
        self.reload_inputs = Some(Arc::new(inputs));
        self
    }

    /// The current data snapshot; `NoData` before the first load.
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, AppError> {
        match self.snapshots.get(&self.pool, &self.db_health).await {
            Ok(s) => s.ok_or(AppError::NoData),
            Err(_) if self.db_health.is_down() => Err(AppError::DatabaseDown),
            Err(e) => Err(e.into()),
        }
    }

    /// Re-reads the data version now (and the catalogue, if it changed): used when a tile
    /// statement saw a newer load than the snapshot.
    pub async fn refresh_snapshot(&self) -> Result<(), AppError> {
        self.with_db(self.snapshots.refresh(&self.pool)).await
    }

    /// Runs `read` against the current snapshot. `read` does its database work in one
    /// consistent-read transaction and returns the data version that transaction saw; if a
    /// load committed after the snapshot was taken, the snapshot is refreshed and `read`
    /// runs again, so an answer never pairs rows of one load with the catalogue (indicator
    /// values, classes) of another. Tiles do the same inside the tile cache.
    pub async fn read_at_snapshot<T, F, Fut>(&self, read: F) -> Result<(Arc<Snapshot>, T), AppError>
    where
        F: Fn(Arc<Snapshot>) -> Fut,
        Fut: std::future::Future<Output = Result<(T, i64), AppError>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let snapshot = self.snapshot().await?;
            let (value, seen) = read(snapshot.clone()).await?;
            if seen == snapshot.data.version {
                return Ok((snapshot, value));
            }
            if attempt >= MAX_VERSION_RETRIES {
                return Err(crate::tiles::TileError::DataChanged {
                    expected: snapshot.data.version,
                    found: seen,
                }
                .into());
            }
            tracing::debug!(
                expected = snapshot.data.version,
                found = seen,
                "data version moved during a read; retrying"
            );
            self.refresh_snapshot().await?;
        }
    }

    /// The data version of the current snapshot, without touching the database.
    pub async fn snapshots_version(&self) -> Option<i64> {
        self.snapshots.peek().await.map(|s| s.data.version)
    }

    /// Fails at once while the database is known to be down; otherwise runs `f` and
    /// opens the breaker if it fails to reach the database.
    pub async fn with_db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: std::future::Future<Output = Result<T, sqlx::Error>>,
    {
        if self.db_health.is_down() {
            return Err(AppError::DatabaseDown);
        }
        let _slot = self
            .db_slots
            .acquire()
            .await
            .map_err(|_| AppError::DatabaseDown)?;
        // The breaker may have opened while this request waited in line.
        if self.db_health.is_down() {
            return Err(AppError::DatabaseDown);
        }
        f.await.map_err(|e| {
            if crate::db::health::is_outage(&e, &self.pool) {
                self.db_health.mark_down();
            }
            e.into()
        })
    }

    /// The base URL for absolute links: the configured one, else from the Host header.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        base_url(self.public_url.as_deref(), headers)
    }
}

/// The base URL for absolute links: the configured public URL, else `http://` and the
/// request's Host header, which is used only if it looks like a host (so a forged header
/// cannot inject text into TileJSON and style URLs).
pub fn base_url(public_url: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(url) = public_url {
        return url.to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// How many requests may use the database at once for a pool.
fn db_slot_count(pool: &PgPool) -> usize {
    let max = pool.options().get_max_connections();
    usize::try_from(max.saturating_sub(SPARE_CONNECTIONS).max(1)).unwrap_or(1)
}

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
    Router::new()
        .route("/", get(crate::ogc::landing))
        .route("/catalog", get(get_catalog))
        .route("/health", get(get_health))
        .route("/metrics", get(crate::metrics::get_metrics))
        .merge(crate::tiles::router())
        .merge(crate::style::router())
        .merge(crate::ogc::router())
        .merge(crate::profiles::router())
        .merge(crate::web::router())
        .merge(crate::admin::router())
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(crate::metrics::count_requests))
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
    let snapshot = match state.snapshot().await {
        Ok(s) => Some(s),
        Err(AppError::NoData) => None,
        Err(e) => return Err(e),
    };
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
    let (health, pool) = (Arc::clone(&state.db_health), state.pool.clone());
    tokio::spawn(async move { health.probe(pool).await });
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
