//! A pooled connection that cancels its query when the request holding it goes away.

/// A pooled connection that cancels its running query if dropped before [`Self::finish`]:
/// when a client goes away, axum drops the request's future, and without this the query
/// would run on to its statement timeout, holding a connection and a core. The guard owns
/// the connection and returns it to the pool only after the cancel has been sent, so a
/// cancel can never reach another request's query on a reused connection.
pub struct CancellableConnection {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
    pool: sqlx::PgPool,
    pid: i32,
}

impl CancellableConnection {
    /// Takes a connection from the pool, learning its backend process id.
    pub async fn acquire(pool: &sqlx::PgPool) -> Result<Self, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        // sqlx keeps the backend's process id private, so ask for it (one short round trip).
        let pid: i32 = sqlx::query_scalar("select pg_backend_pid()")
            .fetch_one(&mut *conn)
            .await?;
        Ok(CancellableConnection {
            conn: Some(conn),
            pool: pool.clone(),
            pid,
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
        let (pool, pid) = (self.pool.clone(), self.pid);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let cancelled = sqlx::query_scalar::<_, bool>("select pg_cancel_backend($1)")
                    .bind(pid)
                    .fetch_one(&pool)
                    .await;
                tracing::debug!(
                    pid,
                    ?cancelled,
                    "cancelled the query of a client that went away"
                );
                drop(conn);
            });
        }
    }
}
