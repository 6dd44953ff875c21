//! `AppState`: what every handler of the main server shares. The store (database and
//! snapshot), the PostGIS tile engine, and the settings of the admin and CORS faces; and
//! the task that switches the server to each new data version when its load commits.

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::{HeaderMap, HeaderValue};
use sqlx::PgPool;

use crate::catalog::snapshot::Snapshot;
use crate::catalog::store::Store;
use crate::config::{InputArgs, TileRenderer, DEFAULT_MAX_IN_FLIGHT};
use crate::db::listen::VersionSignal;
use crate::db::Db;
use crate::error::AppError;
use crate::tiles::cache::TileCache;
use crate::tiles::engine::DEFAULT_TILE_CACHE_BYTES;
use crate::tiles::{PostgisSource, TileEngine};

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The database (with breaker and queue) and the current snapshot.
    pub store: Store,
    /// The PostGIS tile engine; its cache is [`AppState::tile_cache`].
    pub tiles: Arc<TileEngine<PostgisSource>>,
    /// Finished tiles.
    pub tile_cache: Arc<TileCache>,
    /// Public base URL without a trailing slash, when configured.
    pub public_url: Option<Arc<str>>,
    /// Token for `/admin/*`; admin routes are off without one.
    pub admin_token: Option<Arc<str>>,
    /// Loader inputs used by `POST /admin/reload`.
    pub reload_inputs: Option<Arc<InputArgs>>,
    /// Browser origins allowed by CORS; `None` allows any (`*`).
    pub cors_origins: Option<Arc<Vec<HeaderValue>>>,
    /// Requests handled at once; more wait in line (within the request timeout).
    pub max_in_flight: usize,
}

impl FromRef<AppState> for Arc<TileEngine<PostgisSource>> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.tiles)
    }
}

impl AppState {
    /// Builds the state for a pool.
    pub fn new(pool: PgPool, public_url: Option<String>) -> AppState {
        let public_url: Option<Arc<str>> = public_url.map(|u| Arc::from(u.trim_end_matches('/')));
        let store = Store::new(Db::new(pool));
        let tile_cache = Arc::new(TileCache::new(DEFAULT_TILE_CACHE_BYTES));
        AppState {
            tiles: Arc::new(TileEngine::new(
                PostgisSource::new(store.clone()),
                Arc::clone(&tile_cache),
                public_url.clone(),
            )),
            store,
            tile_cache,
            public_url,
            admin_token: None,
            reload_inputs: None,
            cors_origins: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
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
        let renderer = self.tiles.source.renderer;
        self.rebuild_tiles(renderer)
    }

    /// Sets who renders unfiltered tiles (the process by default; PostGIS is the reference).
    pub fn with_tile_renderer(self, renderer: TileRenderer) -> AppState {
        self.rebuild_tiles(renderer)
    }

    /// A new tile engine over the current cache: only before serving (its geometry and
    /// tiles start empty).
    fn rebuild_tiles(mut self, renderer: TileRenderer) -> AppState {
        self.tiles = Arc::new(TileEngine::new(
            PostgisSource::new(self.store.clone()).with_renderer(renderer),
            Arc::clone(&self.tile_cache),
            self.public_url.clone(),
        ));
        self
    }

    /// Renders every new data version's default tile pyramid (see
    /// [`TileEngine::warm_snapshot`]) before switching to it, so no user meets a cold
    /// default tile after a start, a load or a reload; the old version serves meanwhile.
    /// Logs the delay before each switch. `max_zoom`: the deepest zoom rendered (the
    /// server uses `tiles::postgis::WARM_MAX_ZOOM`).
    pub fn with_warm_before_switch(self, max_zoom: u8) -> AppState {
        let engine = Arc::clone(&self.tiles);
        self.store
            .snapshots
            .set_before_switch(Arc::new(move |snapshot| {
                let engine = Arc::clone(&engine);
                Box::pin(async move {
                    let version = snapshot.data.version;
                    match engine.warm_snapshot(snapshot, max_zoom).await {
                        Ok(report) => tracing::info!(
                            version,
                            tiles = report.tiles,
                            seconds = report.seconds,
                            deepest_zoom = report.deepest_zoom,
                            cache_mb = engine.cache.weighted_bytes() / (1024 * 1024),
                            "tile pyramid warmed; switching to the new data version"
                        ),
                        Err(e) => tracing::warn!(
                            version,
                            error = %e,
                            "warming the new data version failed; switching to it cold"
                        ),
                    }
                })
            }));
        self
    }

    /// Starts the background task that switches this server to each data version as soon
    /// as its load commits, whoever ran it (`cluster-atlas load`, or `/admin/reload` on
    /// any replica): it listens on [`crate::db::listen::DATA_VERSION_CHANNEL`] through
    /// [`crate::db::listen::follow_new_versions`], which reconnects by itself, and on every
    /// notice and every (re)connect refreshes the snapshot. The refresh runs the
    /// [`AppState::with_warm_before_switch`] hook, so the new version is warmed before it
    /// is served, then the old version's tiles are dropped. The requests' 2-second recheck
    /// stays as the fallback (a listener that is reconnecting, a pooler that drops
    /// `LISTEN`). `serve` starts it; it ends with the runtime.
    pub fn spawn_version_listener(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            loop {
                let run = tokio::spawn(state.clone().follow_new_versions());
                // It never returns; a panic (in a refresh, say) ends only that run, and
                // the server listens again as after a lost connection.
                if let Err(e) = run.await {
                    tracing::error!(error = %e, "the data version listener stopped; restarting it");
                }
                tokio::time::sleep(crate::db::listen::RECONNECT_MAX).await;
            }
        });
    }

    /// The listener's run: [`crate::db::listen::follow_new_versions`] with
    /// [`AppState::take_up_new_version`] as what it does with each signal.
    async fn follow_new_versions(self) {
        let pool = self.pool().clone();
        crate::db::listen::follow_new_versions(&pool, |signal| {
            let state = self.clone();
            async move { state.take_up_new_version(signal).await }
        })
        .await;
    }

    /// What the listener does with a signal: reads the version (and, if it changed, the
    /// catalogue, warming the new version before switching), then drops the older tiles.
    async fn take_up_new_version(&self, signal: VersionSignal) {
        if let VersionSignal::Loaded(version) = signal {
            // This server's own reload, or a notice overtaken by the 2-second recheck.
            if version.is_some() && version <= self.store.version_now().await {
                return;
            }
            tracing::info!(version, "a new data version was committed; switching to it");
        }
        match self.store.refresh_in_background().await {
            Ok((before, after)) if after != before => {
                if let Some(now) = self.store.version_now().await {
                    self.tile_cache.retain_version(now).await;
                }
                match before {
                    Some(from) => {
                        tracing::info!(from, to = after, "now serving the new data version");
                    }
                    None => tracing::info!(version = after, "serving data version"),
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(
                error = %e,
                "reading the new data version failed; requests recheck it every 2 s"
            ),
        }
    }

    /// Enables `/admin/reload` with this token, reloading these inputs.
    pub fn with_admin(mut self, token: String, inputs: InputArgs) -> AppState {
        self.admin_token = Some(Arc::from(token));
        self.reload_inputs = Some(Arc::new(inputs));
        self
    }

    /// The current data snapshot; `NoData` before the first load.
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, AppError> {
        self.store.snapshot().await
    }

    /// Re-reads the data version now (and the catalogue, if it changed).
    pub async fn refresh_snapshot(&self) -> Result<(), AppError> {
        self.store.refresh_snapshot().await
    }

    /// Runs `read` against the current snapshot, again if a load commits meanwhile: see
    /// [`Store::read_at_snapshot`].
    pub async fn read_at_snapshot<T, F, Fut>(&self, read: F) -> Result<(Arc<Snapshot>, T), AppError>
    where
        F: Fn(Arc<Snapshot>) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        self.store.read_at_snapshot(read).await
    }

    /// The data version of the current snapshot, without touching the database.
    pub async fn snapshots_version(&self) -> Option<i64> {
        self.store.version_now().await
    }

    /// Runs database work through the breaker and the queue: see [`Db::run`].
    pub async fn with_db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: std::future::Future<Output = Result<T, sqlx::Error>>,
    {
        self.store.db.run(f).await
    }

    /// The database pool.
    pub fn pool(&self) -> &PgPool {
        &self.store.db.pool
    }

    /// The base URL for absolute links: the configured one, else from the Host header.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        crate::http::base_url(self.public_url.as_deref(), headers)
    }
}

impl crate::http::PublicUrl for AppState {
    fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }
}
