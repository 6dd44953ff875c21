//! The database: connection pool, breaker and queue ([`Db`]), migrations, the data-version
//! record and its announcement to every server ([`listen`]), consistent reads, query
//! cancellation and SQL quoting.

pub mod background;
pub mod cancel;
pub mod health;
pub mod listen;
pub mod quote;

use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::ConnectOptions;
use sqlx::{PgPool, Row};

use std::sync::Arc;

use crate::config::DbArgs;
use crate::error::AppError;

pub use cancel::CancellableConnection;
pub use quote::quote_ident;

/// Connections kept out of [`Db`]'s request slots for background work.
const SPARE_CONNECTIONS: u32 = 2;

/// The pool with its circuit breaker and its queue: how every request reaches PostgreSQL.
#[derive(Debug, Clone)]
pub struct Db {
    /// Database pool.
    pub pool: PgPool,
    /// Circuit breaker for the database.
    pub health: Arc<health::DbHealth>,
    /// Permits for database work, fewer than the pool's connections: requests queue here,
    /// without a deadline of their own, instead of timing out in the pool, so a pool
    /// timeout means the database cannot be reached, never that the server is busy. The
    /// spare connections keep the snapshot check, query cancels and reloads moving under
    /// full load.
    slots: Arc<tokio::sync::Semaphore>,
}

impl Db {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Db {
        let max = pool.options().get_max_connections();
        let slots = usize::try_from(max.saturating_sub(SPARE_CONNECTIONS).max(1)).unwrap_or(1);
        Db {
            pool,
            health: Arc::new(health::DbHealth::default()),
            slots: Arc::new(tokio::sync::Semaphore::new(slots)),
        }
    }

    /// Fails at once while the database is known to be down; otherwise waits for a slot,
    /// runs `f`, and opens the breaker if it fails to reach the database.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: std::future::Future<Output = Result<T, sqlx::Error>>,
    {
        if self.health.is_down() {
            return Err(AppError::DatabaseDown);
        }
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| AppError::DatabaseDown)?;
        // The breaker may have opened while this request waited in line.
        if self.health.is_down() {
            return Err(AppError::DatabaseDown);
        }
        f.await.map_err(|e| {
            if health::is_outage(&e, &self.pool) {
                self.health.mark_down();
            }
            e.into()
        })
    }

    /// Starts the background probe that closes the circuit breaker on recovery.
    pub fn spawn_health_probe(&self) {
        let (health, pool) = (Arc::clone(&self.health), self.pool.clone());
        tokio::spawn(async move { health.probe(pool).await });
    }
}

/// Migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// Failures while connecting or migrating.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No URL was given.
    #[error(
        "no database: set DATABASE_URL or --database-url (postgres://user@host:port/database)"
    )]
    NoUrl,
    /// The URL could not be parsed.
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    BadUrl(#[source] sqlx::Error),
    /// The server could not be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// PostGIS is missing or too old.
    #[error("PostGIS is required (3.1 or later, for ST_TileEnvelope with a margin): {0}")]
    PostGis(String),
    /// Any other query failure.
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
}

/// How often a busy backend checks that its client is still there, in milliseconds: sent
/// as `client_connection_check_interval` when each connection opens ([`connect`]). It
/// bounds how long an abandoned query runs on once its connection is closed, which is how
/// a dropped cancellable connection ends its query. It lives here, with the connection
/// options, so that `cancel.rs` uses this file and this file does not use `cancel.rs`.
pub const CLIENT_CHECK_INTERVAL_MS: u32 = 250;

/// Opens a pool. Every connection gets a statement timeout, so no query can hang a
/// request or hold a connection for ever.
pub async fn connect(args: &DbArgs) -> Result<PgPool, DbError> {
    let timeout_ms = args.statement_timeout_secs.saturating_mul(1000).to_string();
    let check_ms = CLIENT_CHECK_INTERVAL_MS.to_string();
    let url = args.database_url.as_deref().ok_or(DbError::NoUrl)?;
    let options = PgConnectOptions::from_str(url)
        .map_err(DbError::BadUrl)?
        .application_name("cluster-atlas")
        // The client check is how an abandoned tile query ends (see CancellableConnection).
        .options([
            ("statement_timeout", timeout_ms.as_str()),
            ("client_connection_check_interval", check_ms.as_str()),
        ])
        // Loads run multi-second statements on purpose; only log really slow ones.
        .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(30));
    PgPoolOptions::new()
        .max_connections(args.pool_size.max(1))
        // Short: when the database is down, the circuit breaker answers; this only bounds
        // the first failure.
        .acquire_timeout(Duration::from_secs(2))
        .connect_with(options)
        .await
        .map_err(DbError::Connect)
}

/// Applies pending migrations (creating PostGIS if needed) and checks the PostGIS version.
pub async fn migrate(pool: &PgPool) -> Result<String, DbError> {
    MIGRATOR.run(pool).await?;
    let version: String = sqlx::query_scalar("select postgis_lib_version()")
        .fetch_one(pool)
        .await
        .map_err(|e| DbError::PostGis(e.to_string()))?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (3, 1) {
        return Err(DbError::PostGis(format!("found {version}")));
    }
    Ok(version)
}

/// What was loaded, and when: the newest row of `atlas.data_version`.
#[derive(Debug, Clone, Serialize)]
pub struct DataVersion {
    /// Increases by one with every successful load.
    pub version: i64,
    /// When the load committed (RFC 3339).
    pub loaded_at: String,
    /// Whether the cluster geography is a model rather than the official lookup.
    pub cluster_approximate: bool,
    /// How LSOAs were assigned to clusters.
    pub cluster_provenance: String,
    /// LSOAs loaded.
    pub lsoa_count: i32,
    /// Clusters loaded.
    pub cluster_count: i32,
    /// Health boards loaded.
    pub health_board_count: i32,
    /// Extent of the data in EPSG:4326: west, south, east, north.
    pub bounds: [f64; 4],
}

/// A read-only transaction whose statements all see one snapshot (REPEATABLE READ), so
/// that several reads cannot straddle a load's commit.
pub async fn begin_consistent_read(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The newest data version this connection or transaction sees (0 before the first load):
/// read inside a consistent-read transaction, it names the load its other rows came from.
pub async fn visible_version<'e>(db: impl sqlx::PgExecutor<'e>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select coalesce(max(version), 0)::bigint from atlas.data_version")
        .fetch_one(db)
        .await
}

/// The current data version, or `None` before the first load.
pub async fn current_version<'e>(
    db: impl sqlx::PgExecutor<'e>,
) -> Result<Option<DataVersion>, sqlx::Error> {
    let row = sqlx::query(
        "select version, to_char(loaded_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') as loaded_at, \
         cluster_approximate, cluster_provenance, lsoa_count, cluster_count, health_board_count, \
         west, south, east, north \
         from atlas.data_version order by version desc limit 1",
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(DataVersion {
            version: r.try_get("version")?,
            loaded_at: r.try_get("loaded_at")?,
            cluster_approximate: r.try_get("cluster_approximate")?,
            cluster_provenance: r.try_get("cluster_provenance")?,
            lsoa_count: r.try_get("lsoa_count")?,
            cluster_count: r.try_get("cluster_count")?,
            health_board_count: r.try_get("health_board_count")?,
            bounds: [
                r.try_get("west")?,
                r.try_get("south")?,
                r.try_get("east")?,
                r.try_get("north")?,
            ],
        })
    })
    .transpose()
}
