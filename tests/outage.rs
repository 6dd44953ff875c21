//! A database outage under a running server: cached tiles keep coming, uncached requests
//! get a fast 503 with Retry-After, /health says degraded, and service returns by itself
//! once PostgreSQL is back, with no restart. Uses a throwaway PostgreSQL cluster of its
//! own, so stopping it disturbs no other test.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{bundled_inputs, db_args};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// Runs a PostgreSQL tool as user `postgres` when we are root (PostgreSQL refuses root).
fn pg(tool: &str, args: &[&str]) {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let program = format!("{PG_BIN}/{tool}");
    let status = if root {
        Command::new("runuser")
            .args(["-u", "postgres", "--", &program])
            .args(args)
            .status()
    } else {
        Command::new(&program).args(args).status()
    }
    .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(status.success(), "{tool} {args:?} failed");
}

struct Cluster {
    data: PathBuf,
    options: String,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn start(&self) {
        pg(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-o",
                &self.options,
                "-l",
                "/dev/null",
                "-w",
                "start",
            ],
        );
    }
    fn stop(&self) {
        pg(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                &format!("{PG_BIN}/pg_ctl"),
                "-D",
                self.data.to_str().unwrap(),
                "-m",
                "immediate",
                "stop",
            ])
            .status();
    }
}

fn throwaway_cluster(port: u16) -> Cluster {
    let dir = tempfile::Builder::new()
        .prefix("ca-outage")
        .tempdir_in("/tmp")
        .unwrap();
    let _ = Command::new("chown")
        .args(["postgres", dir.path().to_str().unwrap()])
        .status();
    let data = dir.path().join("data");
    pg(
        "initdb",
        &[
            "-D",
            data.to_str().unwrap(),
            "--auth=trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
        ],
    );
    let options = format!(
        "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
        dir.path().display()
    );
    let cluster = Cluster {
        data,
        options,
        _dir: dir,
    };
    cluster.start();
    cluster
}

/// A raw HTTP/1.1 GET; returns the status, the Retry-After header, and the time taken.
async fn http_get(base: &str, path: &str) -> (u16, Option<String>, Duration) {
    let started = Instant::now();
    let mut s = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf);
    let status = text[9..12].parse().unwrap();
    let retry = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("retry-after:"))
        .map(|l| l[12..].trim().to_owned());
    (status, retry, started.elapsed())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL 15 + PostGIS installed (initdb, pg_ctl) for a throwaway server: scripts/test.sh runs it"]
async fn survives_a_database_outage_and_recovers_by_itself() {
    let port = free_port();
    let cluster = throwaway_cluster(port);
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let pool = cluster_atlas::db::connect(&db_args(&url)).await.unwrap();
    cluster_atlas::etl::load(&pool, &bundled_inputs())
        .await
        .unwrap();
    let base = common::serve(&pool).await;

    let cached = "/tiles/wales/7/62/42";
    let uncached = "/tiles/wales/9/250/169";
    let filtered = "/tiles/lsoa/9/250/169?filter=wimd_quintile%3D1";
    assert_eq!(http_get(&base, cached).await.0, 200);
    assert_eq!(http_get(&base, "/health").await.0, 200);

    cluster.stop();
    // Cached tiles keep being served, quickly.
    for _ in 0..3 {
        let (status, _, took) = http_get(&base, cached).await;
        assert_eq!(status, 200);
        assert!(
            took < Duration::from_secs(1),
            "cached tile took {took:?} during the outage"
        );
    }
    // An uncached plain tile is cut in the process from the geometry read with the version:
    // no database needed.
    let (status, _, took) = http_get(&base, uncached).await;
    assert_eq!(
        status, 200,
        "a plain tile renders from memory during the outage"
    );
    assert!(
        took < Duration::from_secs(1),
        "uncached plain tile took {took:?}"
    );
    // A filtered tile needs PostGIS: 503 with Retry-After. The first attempt detects the
    // outage (bounded by the pool's 2 s acquire timeout); after that the breaker answers at once.
    let (status, retry, took) = http_get(&base, filtered).await;
    assert_eq!((status, retry.as_deref()), (503, Some("5")));
    assert!(took < Duration::from_secs(4), "first 503 took {took:?}");
    let (status, _, took) = http_get(&base, filtered).await;
    assert_eq!(status, 503);
    assert!(
        took < Duration::from_millis(500),
        "503 with the breaker open took {took:?}"
    );
    let (status, _, _) = http_get(&base, "/health").await;
    assert_eq!(status, 503, "/health reports degraded");

    cluster.start();
    let back = Instant::now();
    let mut status = 0;
    while back.elapsed() < Duration::from_secs(5) {
        status = http_get(&base, filtered).await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status, 200,
        "no recovery within 5 s of the database coming back"
    );
    assert_eq!(http_get(&base, "/health").await.0, 200);
}
