//! `Store`: the database and the current snapshot together, and the one loop that re-runs a
//! read when a load commits underneath it, so that no answer pairs rows of one load with the
//! catalogue (indicator values, classes) of another. Tiles, items and profiles all use it.

use std::future::Future;
use std::sync::Arc;

use super::snapshot::{Snapshot, SnapshotCache};
use crate::db::Db;
use crate::error::{AppError, TileError};

/// How many times an answer is rebuilt when loads keep committing under it, before a
/// `503 data_changing`.
pub const MAX_VERSION_RETRIES: u32 = 4;

/// The database and the snapshot of the data it holds.
#[derive(Debug, Clone)]
pub struct Store {
    /// The pool, its breaker and queue.
    pub db: Db,
    /// The loaded data's indicators and classifications, per data version.
    pub snapshots: Arc<SnapshotCache>,
}

impl Store {
    /// A store over a database handle, with no snapshot read yet.
    pub fn new(db: Db) -> Store {
        Store {
            db,
            snapshots: Arc::new(SnapshotCache::default()),
        }
    }

    /// The current data snapshot; `NoData` before the first load.
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, AppError> {
        match self.snapshots.get(&self.db.pool, &self.db.health).await {
            Ok(s) => s.ok_or(AppError::NoData),
            Err(_) if self.db.health.is_down() => Err(AppError::DatabaseDown),
            Err(e) => Err(e.into()),
        }
    }

    /// The current snapshot, or `None` before the first load.
    pub async fn snapshot_if_loaded(&self) -> Result<Option<Arc<Snapshot>>, AppError> {
        match self.snapshot().await {
            Ok(s) => Ok(Some(s)),
            Err(AppError::NoData) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Re-reads the data version now (and the catalogue, if it changed): used when a read
    /// saw a newer load than the snapshot.
    pub async fn refresh_snapshot(&self) -> Result<(), AppError> {
        self.db.run(self.snapshots.refresh(&self.db.pool)).await
    }

    /// Re-reads the data version now (and the catalogue, if it changed) for background
    /// work, the new-version listener: like the requests' own 2-second recheck it takes no
    /// request slot, so it is not queued behind a burst of tiles, and it opens the breaker
    /// when the database cannot be reached. Returns the snapshot's version before and after.
    pub async fn refresh_in_background(&self) -> Result<(Option<i64>, Option<i64>), sqlx::Error> {
        let before = self.version_now().await;
        self.snapshots
            .refresh(&self.db.pool)
            .await
            .inspect_err(|e| {
                if crate::db::health::is_outage(e, &self.db.pool) {
                    self.db.health.mark_down();
                }
            })?;
        Ok((before, self.version_now().await))
    }

    /// The data version of the current snapshot, without touching the database.
    pub async fn version_now(&self) -> Option<i64> {
        self.snapshots.peek().await.map(|s| s.data.version)
    }

    /// Runs `read` against the current snapshot. `read` does its database work in one
    /// consistent-read transaction and fails with [`data_changed`] when that transaction
    /// saw another data version than the snapshot's; then the snapshot is refreshed and
    /// `read` runs again, up to [`MAX_VERSION_RETRIES`] times.
    pub async fn read_at_snapshot<T, F, Fut>(&self, read: F) -> Result<(Arc<Snapshot>, T), AppError>
    where
        F: Fn(Arc<Snapshot>) -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        retry_while_data_changes(
            || async {
                let snapshot = self.snapshot().await?;
                let value = read(Arc::clone(&snapshot)).await?;
                Ok((snapshot, value))
            },
            || self.refresh_snapshot(),
        )
        .await
    }
}

/// The error a read returns when its transaction saw data version `found` but its snapshot
/// is `expected`.
pub fn data_changed(expected: i64, found: i64) -> AppError {
    TileError::DataChanged { expected, found }.into()
}

/// Checks that a read saw the snapshot's version.
pub fn check_version(snapshot: &Snapshot, seen: i64) -> Result<(), AppError> {
    if seen == snapshot.data.version {
        Ok(())
    } else {
        Err(data_changed(snapshot.data.version, seen))
    }
}

/// The retry loop: runs `attempt`; when it fails because a load committed meanwhile
/// (possibly reported through a coalesced tile render), runs `refresh` and tries again.
pub async fn retry_while_data_changes<T, A, AFut, R, RFut>(
    attempt: A,
    refresh: R,
) -> Result<T, AppError>
where
    A: Fn() -> AFut,
    AFut: Future<Output = Result<T, AppError>>,
    R: Fn() -> RFut,
    RFut: Future<Output = Result<(), AppError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(e) if e.is_data_changed() && tries < MAX_VERSION_RETRIES => {
                tracing::debug!(error = %e, "data version moved during a read; retrying");
                refresh().await?;
            }
            other => return other,
        }
    }
}
