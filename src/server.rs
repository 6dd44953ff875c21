//! The HTTP server: the router of every face with the shared middleware, `/health`,
//! `/catalog`, and `serve` with its graceful shutdown. The top of the layers.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::catalog::indicators::Lang;
use crate::catalog::{self, LayerId, ALL_LAYERS_ALIAS, MAX_SERVED_ZOOM};
use crate::error::AppError;
use crate::http::BaseUrl;
use crate::http::Routes;
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
    // The tile route's state is the engine alone: axum clones a route's state for every
    // request, and the engine is one Arc where the whole AppState is a dozen.
    let tiles = tile_routes()
        .into_router()
        .with_state(std::sync::Arc::clone(&state.tiles));
    let documents = routes().into_router().with_state(state);
    with_middleware(documents, tiles, cors, max_in_flight)
}

type Engine = std::sync::Arc<crate::tiles::engine::TileEngine<PostgisSource>>;

/// The tile route (`/tiles/{layers}/{z}/{x}/{y}`), routed apart from [`routes`] for its
/// lean middleware stack.
pub fn tile_routes() -> Routes<Engine> {
    crate::tiles::http::tile_route::<PostgisSource, Engine>()
}

/// Method and template of every route of the main server: [`routes`] and [`tile_routes`].
pub fn route_templates() -> Vec<(&'static str, &'static str)> {
    let mut all = routes().templates().to_vec();
    all.extend_from_slice(tile_routes().templates());
    all
}

/// Every route of the main server but the tile route ([`tile_routes`]). Both sets of
/// templates ([`Routes::templates`]) are what tests/openapi.rs checks against the OpenAPI
/// document, both ways.
pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/", crate::ogc::landing)
        .get("/api", get_api)
        .get("/catalog", get_catalog)
        .get("/health", get_health)
        .get("/metrics", crate::metrics::get_metrics)
        .merge(crate::tiles::http::tilejson_route::<PostgisSource, AppState>())
        .merge(crate::api::router())
        .merge(crate::ogc::router())
        .merge(crate::profiles::router())
        .merge(crate::summary::router())
        .merge(crate::web::router())
        .merge(crate::admin::router())
        .merge(crate::fonts::router())
}

/// Routes left out of `/api`, and why: the public document is what clients (and
/// schemathesis) may call; `POST /admin/reload` is the operator's, behind the admin token.
pub const UNDOCUMENTED_ROUTES: &[(&str, &str)] = &[("post", "/admin/reload")];

/// The routes routed here, in `/api`'s document.
#[derive(OpenApi)]
#[openapi(
    paths(
        get_api,
        get_catalog,
        get_health,
        crate::metrics::get_metrics,
        crate::tiles::http::get_tile,
        crate::tiles::http::get_tilejson,
        crate::web::map_page,
        crate::web::api_page,
        crate::web::asset,
        crate::web::favicon,
    ),
    components(schemas(
        Health,
        Catalog,
        crate::tiles::http::TileJSON,
        crate::error::ErrorEnvelope,
        crate::error::ErrorBody
    ))
)]
struct ServerDoc;

/// The OpenAPI document generated from the handlers' `#[utoipa::path]` annotations and
/// the response types, before [`crate::openapi::finish`] adds what comes from the
/// data. Built once.
pub fn generated_document() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = crate::ogc::OgcDoc::openapi();
        doc.merge(ServerDoc::openapi());
        doc.merge(crate::api::ApiDoc::openapi());
        doc.merge(crate::profiles::doc::ProfilesDoc::openapi());
        doc.merge(crate::summary::SummaryDoc::openapi());
        doc.merge(crate::fonts::FontsDoc::openapi());
        doc.info.title = "cluster-atlas".into();
        doc.info.version = env!("CARGO_PKG_VERSION").into();
        let mut value = serde_json::to_value(&doc).unwrap_or_default();
        // utoipa 4 writes OpenAPI 3.0.3; say so explicitly, as clients check it.
        value["openapi"] = json!("3.0.3");
        value
    })
}

/// `GET /health`'s body.
#[allow(dead_code)] // Described, never built: the handler assembles the same fields.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok`, `no_data` or `degraded`.
    status: String,
    /// `up` or `down`.
    database: String,
    #[schema(nullable)]
    data_version: Option<i64>,
    #[schema(nullable)]
    loaded_at: Option<String>,
    #[schema(nullable)]
    cluster_approximate: Option<bool>,
}

/// `GET /catalog`'s body.
#[allow(dead_code)] // Described, never built: the handler assembles the same fields.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Catalog {
    /// Each tile layer: id, title, zooms, fields, TileJSON and tile URLs.
    #[schema(value_type = Vec<Object>)]
    layers: Vec<Value>,
    #[schema(value_type = Object)]
    composites: Value,
    /// The loaded data version, or null before the first load.
    #[schema(value_type = Object, nullable)]
    data: Value,
    #[schema(value_type = Object)]
    links: Value,
    attribution: String,
}

/// Archive mode (`serve --pmtiles`): the shared tile routes over the archive, with the
/// same middleware as the main server.
pub fn archive_app(archive: crate::tiles::archive::Archive) -> Router {
    let cors = CorsLayer::new().allow_origin(Any).allow_methods(Any);
    let (documents, tiles) = crate::tiles::archive::routers(archive);
    with_middleware(documents, tiles, cors, DEFAULT_MAX_IN_FLIGHT)
}

/// The middleware of every server, outermost last: tracing, the request timeout, the
/// bound on requests in flight (one bound, shared by both stacks), CORS, then for
/// documents their representation tags, compression, `nosniff`, request metrics and
/// validators.
///
/// Tiles get a lean stack: they arrive compressed, with per-coding ETags, `Vary` and their
/// 304s from the tile cache ([`crate::tiles::cache::CachedTile::response`]), so the
/// compression, tagging and validator layers would only inspect and pass them through. On
/// the warm path those layers were a measurable share of each request (BENCHMARKS.md).
fn with_middleware(
    documents: Router,
    tiles: Router,
    cors: CorsLayer,
    max_in_flight: usize,
) -> Router {
    // Inside the timeout, so time spent waiting for a slot counts against it.
    let in_flight = tower::limit::GlobalConcurrencyLimitLayer::new(max_in_flight);
    let timeout =
        TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30));
    let nosniff = SetResponseHeaderLayer::if_not_present(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let tiles = tiles
        .layer(axum::middleware::from_fn(crate::telemetry::count_requests))
        .layer(nosniff.clone())
        .layer(cors.clone())
        .layer(in_flight.clone())
        .layer(timeout)
        .layer(TraceLayer::new_for_http());
    documents
        .fallback(not_found)
        .layer(axum::middleware::from_fn(crate::http::add_validators))
        .layer(axum::middleware::from_fn(crate::telemetry::count_requests))
        .layer(nosniff)
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(crate::http::tag_representations))
        .layer(cors)
        .layer(in_flight)
        .layer(timeout)
        .layer(TraceLayer::new_for_http())
        .merge(tiles)
}

async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::NotFound(uri.path().chars().take(200).collect())
}

/// `GET /api`: the OpenAPI document, generated from the handlers' annotations
/// ([`generated_document`]) and finished with what only the loaded data and the catalogue
/// know ([`crate::openapi::finish`]). Without data (no load yet, or the database
/// unreachable) it still answers, with indicator ids and periods as plain strings.
#[utoipa::path(get, path = "/api", tag = "Operations",
    responses(
        (status = 200, description = "OpenAPI 3.0", body = Object, content_type = "application/vnd.oai.openapi+json;version=3.0")))]
async fn get_api(State(state): State<AppState>, BaseUrl(base): BaseUrl) -> Response {
    use crate::ogc::doc::OPENAPI_CONTENT_TYPE;
    use crate::openapi::{finish, DataEnums};
    let vocabulary = match state.snapshot().await {
        Ok(snapshot) => DataEnums::of(&snapshot.catalog),
        Err(_) => DataEnums::default(),
    };
    (
        [(header::CONTENT_TYPE, OPENAPI_CONTENT_TYPE)],
        Json(finish(generated_document().clone(), &base, &vocabulary)),
    )
        .into_response()
}

/// `GET /health`: database reachability and the data version.
#[utoipa::path(get, path = "/health", tag = "Operations",
    responses(
        (status = 200, description = "Healthy", body = Health),
        (status = 503, description = "Degraded", body = Health)))]
async fn get_health(State(state): State<AppState>) -> Response {
    let mut response = match state
        .with_db(crate::db::current_version(state.pool()))
        .await
    {
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
    };
    // A probe must see the state now, never a cached answer.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// `GET /catalog`: layers, their fields and URLs, and what data is loaded.
#[utoipa::path(get, path = "/catalog", tag = "Operations",
    responses((status = 200, description = "OK", body = Catalog), crate::error::responses::DataErrors))]
async fn get_catalog(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
) -> Result<Json<Value>, AppError> {
    // From the snapshot: no query per request, and the same version the tiles carry.
    let snapshot = state.store.snapshot_if_loaded().await?;
    Ok(Json(catalog_json(
        &base,
        snapshot.as_ref().map(|s| &s.data),
    )))
}

fn catalog_json(base: &str, data: Option<&crate::db::DataVersion>) -> Value {
    let layers: Vec<Value> = LayerId::TILES
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
                "layers": LayerId::COMPOSITE.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
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
        "attribution": catalog::attribution(data.is_none_or(|d| d.cluster_approximate), Lang::En),
    })
}

/// Runs the server until SIGINT or SIGTERM, finishing in-flight requests first.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    spawn_health_probe(&state);
    // Every server on the database switches to a load as soon as it commits.
    state.spawn_version_listener();
    serve_router(router(state), listener).await
}

/// Runs the server on `workers` event loops, one thread and one single-threaded runtime
/// each, as nginx runs one worker process per core: each worker accepts on its own socket
/// bound to the same address with `SO_REUSEPORT` (so the kernel spreads connections across
/// them) and runs its connections start to finish, with no work stealing or cross-thread
/// wake-ups on the way. Background work (refreshing the data version, warming a new one)
/// stays on the calling runtime ([`crate::db::background`]). `workers` ≤ 1 is [`serve`]:
/// one multi-threaded runtime.
///
/// `listener` must have been bound with `SO_REUSEPORT` ([`bind_listener`]).
pub async fn serve_on_workers(
    state: AppState,
    listener: tokio::net::TcpListener,
    workers: usize,
) -> std::io::Result<()> {
    spawn_health_probe(&state);
    // Every server on the database switches to a load as soon as it commits.
    state.spawn_version_listener();
    serve_router_on_workers(router(state), listener, workers).await
}

/// [`serve_on_workers`] for a complete router (archive mode's too).
pub async fn serve_router_on_workers(
    app: Router,
    listener: tokio::net::TcpListener,
    workers: usize,
) -> std::io::Result<()> {
    if workers <= 1 {
        return serve_router(app, listener).await;
    }
    crate::db::background::use_current_runtime();
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut first = Some(listener.into_std()?);
    let mut threads = Vec::with_capacity(workers);
    for worker in 0..workers {
        let (app, mut stopped) = (app.clone(), stopped.clone());
        let inherited = first.take();
        let thread = std::thread::Builder::new()
            .name(format!("http-worker-{worker}"))
            // As much stack as the main thread: deep futures (a tile's render inside its
            // cache lookup) outgrow the 2 MiB of a default thread in debug builds.
            .stack_size(8 * 1024 * 1024)
            .spawn(move || -> std::io::Result<()> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let listener = match inherited {
                        Some(std) => tokio::net::TcpListener::from_std(std)?,
                        None => bind_reuseport(addr)?,
                    };
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = stopped.wait_for(|s| *s).await;
                        })
                        .await
                })
            })?;
        threads.push(thread);
    }
    shutdown_signal().await;
    let _ = stop.send(true);
    tokio::task::spawn_blocking(move || {
        for t in threads {
            match t.join() {
                Ok(Err(e)) => tracing::warn!(error = %e, "an HTTP worker stopped with an error"),
                Err(_) => tracing::warn!("an HTTP worker panicked"),
                Ok(Ok(())) => {}
            }
        }
    })
    .await
    .map_err(std::io::Error::other)
}

/// A listening socket on `addr`, with `SO_REUSEPORT` when `workers` > 1 so that every
/// worker of [`serve_on_workers`] can bind its own.
pub fn bind_listener(
    addr: std::net::SocketAddr,
    workers: usize,
) -> std::io::Result<tokio::net::TcpListener> {
    if workers > 1 {
        bind_reuseport(addr)
    } else {
        let socket = socket_for(addr)?;
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(1024)
    }
}

fn socket_for(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpSocket> {
    if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
}

fn bind_reuseport(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = socket_for(addr)?;
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
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
