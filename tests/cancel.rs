//! A tile query is cancelled in PostgreSQL when its client hangs up, instead of running on
//! to the statement timeout.

mod common;

use std::time::Duration;

use common::{loaded_pool, serve};
use tokio::io::AsyncWriteExt;

async fn waiting_tile_queries(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar(
        "select count(*) from pg_stat_activity where application_name = 'cluster-atlas' \
         and state = 'active' and query like '%ST_AsMVT%' and pid <> pg_backend_pid()",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn a_client_hanging_up_cancels_its_tile_query() {
    let pool = loaded_pool("cancel").await;
    let base = serve(&pool).await;
    // Hold a lock that makes any tile query on atlas.lsoa wait.
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("lock table atlas.lsoa in access exclusive mode")
        .execute(&mut *blocker)
        .await
        .unwrap();
    // Version and catalogue are read first; the tile query itself then blocks. A filtered
    // tile: those are rendered by PostGIS (plain tiles are cut in the process, from
    // geometry read once per version).
    let addr = base.trim_start_matches("http://").to_owned();
    let mut client = tokio::net::TcpStream::connect(&addr).await.unwrap();
    client
        .write_all(
            b"GET /tiles/lsoa/12/2008/1328?filter=wimd_quintile%3D1 HTTP/1.1\r\nHost: test\r\n\r\n",
        )
        .await
        .unwrap();
    let mut blocked = 0;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        blocked = waiting_tile_queries(&pool).await;
        if blocked > 0 {
            break;
        }
    }
    assert_eq!(blocked, 1, "the tile query is waiting on the lock");
    drop(client); // the user panned away
    let mut remaining = 1;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        remaining = waiting_tile_queries(&pool).await;
        if remaining == 0 {
            break;
        }
    }
    blocker.rollback().await.unwrap();
    assert_eq!(
        remaining, 0,
        "the abandoned query was cancelled, not left to the 20 s timeout"
    );
}
