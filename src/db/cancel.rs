//! A pooled connection that stops its query when the request holding it goes away.

/// A pooled connection that ends its running query if dropped before [`Self::finish`]:
/// when a client goes away, axum drops the request's future, and without this the query
/// would run on to its statement timeout, holding a connection and a core.
///
/// Why a close and not `pg_cancel_backend`: a cancel needs the backend's process id, which
/// sqlx keeps private, so learning it cost a round trip on every tile query; the close
/// costs nothing until it is needed. The dropped connection is detached from the pool
/// (never reused, so nothing can reach another request's query), its socket closes, and
/// the backend, checking its client every [`super::CLIENT_CHECK_INTERVAL_MS`], ends the query.
pub struct CancellableConnection {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
}

impl CancellableConnection {
    /// Takes a connection from the pool.
    pub async fn acquire(pool: &sqlx::PgPool) -> Result<Self, sqlx::Error> {
        Ok(CancellableConnection {
            conn: Some(pool.acquire().await?),
        })
    }

    /// The connection, while the guard holds it.
    pub fn conn(&mut self) -> &mut sqlx::PgConnection {
        self.conn.as_deref_mut().expect("held until finish or drop")
    }

    /// The query completed (or failed by itself): return the connection normally.
    pub fn finish(mut self) {
        self.conn.take();
    }
}

impl Drop for CancellableConnection {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // Out of the pool (which opens a replacement when it needs one), then closed by
        // dropping it: its socket shuts, and the backend sees its client gone.
        drop(conn.detach());
        tracing::debug!("closed the connection of a client that went away, ending its query");
    }
}
