//! A circuit breaker for the database: after a connection failure, requests that need
//! PostGIS fail at once with 503 instead of each waiting out the pool's timeout, and a
//! background probe closes the breaker as soon as the database answers again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::PgPool;

/// How often the probe tries a down database.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);

/// Shared database state.
#[derive(Debug, Default)]
pub struct DbHealth {
    down: AtomicBool,
}

impl DbHealth {
    /// Whether the last attempt found the database unreachable.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// Records a connection failure (logged once per outage).
    pub fn mark_down(&self) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!("database unreachable: answering 503 until it is back");
        }
    }

    /// Records a success (logged once per recovery).
    pub fn mark_up(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("database reachable again");
        }
    }

    /// Runs for ever: while the breaker is open, tries `select 1` every [`PROBE_EVERY`].
    pub async fn probe(&self, pool: PgPool) {
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            if !self.is_down() {
                continue;
            }
            let ok = tokio::time::timeout(
                Duration::from_secs(2),
                sqlx::query("select 1").execute(&pool),
            )
            .await
            .is_ok_and(|r| r.is_ok());
            if ok {
                self.mark_up();
            }
        }
    }
}

/// Whether an error means the database cannot be reached (as opposed to a bad query, or
/// a busy pool). A pool timeout counts only when the pool has room for more connections,
/// i.e. it could not open one: with every connection open and busy it is overload, which
/// must not open the breaker and turn a traffic spike into an outage.
pub fn is_outage(e: &sqlx::Error, pool: &PgPool) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => pool.size() < pool.options().get_max_connections(),
        sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    }
}
