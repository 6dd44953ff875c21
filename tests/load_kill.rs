//! A load killed in the middle (SIGKILL, inside its transaction) leaves the previous
//! complete version in place, and the next load works.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{bundled_inputs, fingerprint, loaded_database, loaded_pool};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn a_killed_load_changes_nothing() {
    let pool = loaded_pool("load_kill").await;
    let url = loaded_database("load_kill");
    let before = fingerprint(&pool).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cluster-atlas"))
        .args(["load", "--database-url", &url, "--data-dir"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/boundaries"))
        .env("RUST_LOG", "cluster_atlas=info")
        .env("CLUSTER_ATLAS_LOG_FORMAT", "text")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cluster-atlas binary");
    // Wait until the load is inside its transaction and writing, then kill it hard.
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut reached = false;
    for line in stderr.lines() {
        let line = line.unwrap();
        if line.contains("dissolving health boards") {
            reached = true;
            break;
        }
    }
    assert!(reached, "the load never reached its transaction");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the load was killed");

    assert_eq!(
        fingerprint(&pool).await,
        before,
        "a killed load changed the database"
    );
    // The session's advisory lock and staging tables died with it: a new load succeeds.
    let report = cluster_atlas::etl::load(&pool, &bundled_inputs())
        .await
        .expect("the next load");
    assert_eq!(report.lsoas, 1909);
    let leftovers: i64 = sqlx::query_scalar(
        "select count(*) from pg_stat_activity where application_name = 'cluster-atlas' \
         and datname = current_database() and state like 'idle in transaction%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(leftovers, 0);
}
