//! New data versions announced through PostgreSQL, so every server on one database (the
//! replicas behind a load balancer) learns of a load at once: the loader's `pg_notify`
//! inside its load transaction ([`notify_new_version`], delivered only if it commits), and
//! [`follow_new_versions`], a `LISTEN` that reconnects with backoff and never gives up.

use std::future::Future;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::PgPool;

/// The channel a committed load is announced on; the payload is the new version number.
/// `NOTIFY` is scoped to one database, so atlases on other databases of the same
/// PostgreSQL server never hear each other.
pub const DATA_VERSION_CHANNEL: &str = "cluster_atlas_data_version";

/// The first wait before connecting again after a failure; it doubles up to
/// [`RECONNECT_MAX`].
pub const RECONNECT_FIRST: Duration = Duration::from_millis(200);
/// The longest wait between attempts: a database that comes back is heard within this.
pub const RECONNECT_MAX: Duration = Duration::from_secs(5);
/// How long the listener waits in silence before checking that its connection is alive:
/// a connection cut without a reset (a host gone, a NAT forgetting it) would otherwise
/// wait for a notification that can never come.
const IDLE_CHECK_EVERY: Duration = Duration::from_secs(30);
/// How long that check, or a connection attempt, may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Announces `version` on [`DATA_VERSION_CHANNEL`]. Call it inside the load's
/// transaction: PostgreSQL delivers the notice when, and only if, that transaction
/// commits, so a failed load announces nothing and a listener never hears of a version it
/// cannot yet read.
pub async fn notify_new_version(
    load: &mut sqlx::PgConnection,
    version: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("select pg_notify($1, $2)")
        .bind(DATA_VERSION_CHANNEL)
        .bind(version.to_string())
        .execute(load)
        .await?;
    Ok(())
}

/// What the listener tells its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSignal {
    /// The listener has just (re)connected: a load may have committed while it was not
    /// listening, so the version should be read again.
    Listening,
    /// A load committed this version (`None` if the payload was not a number, which no
    /// cluster-atlas loader sends: read the version anyway).
    Loaded(Option<i64>),
}

/// Listens on [`DATA_VERSION_CHANNEL`] for ever, calling `on_signal` on every (re)connect
/// and every notice. On any failure it drops the connection and opens a new one, waiting
/// [`RECONNECT_FIRST`], doubling up to [`RECONNECT_MAX`], between attempts. It logs once
/// per change of state (listening, lost, listening again), never once per attempt, and
/// never returns. `on_signal` runs before the next notice is read; notices arriving
/// meanwhile wait on the connection.
///
/// It has a connection of its own (not one of `pool`'s, which serve requests), opened with
/// `pool`'s settings and named `cluster-atlas listener (pid N)` in `pg_stat_activity`.
pub async fn follow_new_versions<F, Fut>(pool: &PgPool, mut on_signal: F)
where
    F: FnMut(VersionSignal) -> Fut,
    Fut: Future<Output = ()>,
{
    let name = format!("cluster-atlas listener (pid {})", std::process::id());
    let options = pool
        .connect_options()
        .as_ref()
        .clone()
        .application_name(&name);
    // One connection, kept for as long as it lives; a lost one is replaced by a new pool.
    let own_pool = || {
        PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(CHECK_TIMEOUT)
            // A slow connect is expected while the database is coming back, and the
            // listener logs its own changes of state: no warning per attempt.
            .acquire_slow_level(log::LevelFilter::Debug)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_lazy_with(options.clone())
    };
    let mut wait = RECONNECT_FIRST;
    // For logging once per change of state: whether a connection ever listened, and
    // whether the current outage (a failed first attempt, or a lost connection) has been
    // reported.
    let (mut listened_before, mut reported) = (false, false);
    loop {
        let mut listener = match listen(&own_pool()).await {
            Ok(listener) => listener,
            Err(e) => {
                if reported {
                    tracing::debug!(error = %e, "listener: still cannot connect");
                } else {
                    tracing::warn!(error = %e, channel = DATA_VERSION_CHANNEL,
                        "cannot listen for new data versions; retrying (requests still \
                         check the version every 2 s)");
                    reported = true;
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RECONNECT_MAX);
                continue;
            }
        };
        if listened_before {
            tracing::info!("listening for new data versions again");
        } else {
            tracing::info!(
                channel = DATA_VERSION_CHANNEL,
                "listening for new data versions"
            );
        }
        listened_before = true;
        wait = RECONNECT_FIRST;
        // Whatever committed while nobody listened (or before the first connection).
        on_signal(VersionSignal::Listening).await;
        let reason = loop {
            match tokio::time::timeout(IDLE_CHECK_EVERY, listener.try_recv()).await {
                Ok(Ok(Some(notice))) => {
                    on_signal(VersionSignal::Loaded(notice.payload().parse().ok())).await;
                }
                // try_recv's own reconnect is off (see `listen`): this loop reconnects, so
                // that every new connection is followed by a `Listening` signal.
                Ok(Ok(None)) => break "connection closed".to_owned(),
                Ok(Err(e)) => break e.to_string(),
                // try_recv is cancel-safe: a notice half read stays in the buffer.
                Err(_idle) => {
                    let alive = tokio::time::timeout(
                        CHECK_TIMEOUT,
                        sqlx::query("select 1").execute(&mut listener),
                    )
                    .await;
                    match alive {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => break e.to_string(),
                        Err(_) => break "no answer to a liveness check".to_owned(),
                    }
                }
            }
        };
        tracing::warn!(reason = %reason,
            "lost the connection listening for new data versions; reconnecting (requests \
             still check the version every 2 s)");
        reported = true;
        drop(listener);
        tokio::time::sleep(wait).await;
    }
}

/// Opens the listener's connection and subscribes to [`DATA_VERSION_CHANNEL`].
async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // A lost connection is reported (`Ok(None)`) rather than silently replaced.
    listener.eager_reconnect(false);
    tokio::time::timeout(CHECK_TIMEOUT, listener.listen(DATA_VERSION_CHANNEL))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    Ok(listener)
}
