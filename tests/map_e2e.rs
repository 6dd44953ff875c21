//! End to end in a real browser: the map page, served by the real router on a loopback
//! socket, is driven in Debian's headless Chromium by tests/e2e/map_e2e.mjs
//! (playwright-core). It checks rendered pixel colours against the legend, switches
//! indicator and language, checks the page's lists and significance colours against
//! `/vocabulary`, and loads the page from a second server that mounts the app under
//! `/atlas` (as behind a proxy) to prove no request leaves the prefix. Screenshots are
//! kept in tests/artifacts/.

mod common;

use std::time::Duration;

use cluster_atlas::server::{router, AppState};
use common::{loaded_pool, serve};
use sqlx::PgPool;

/// The whole app nested under `prefix` on its own loopback socket, with the public URL
/// set to match (as `--public-url http://host/atlas` behind a proxy would); returns the
/// prefixed base URL.
async fn serve_under_prefix(pool: &PgPool, prefix: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(pool.clone(), Some(format!("{base}{prefix}")));
    cluster_atlas::server::spawn_health_probe(&state);
    let app = axum::Router::new().nest(prefix, router(state));
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    format!("{base}{prefix}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and Chromium (node + playwright-core): scripts/test.sh runs it"]
async fn map_page_draws_the_choropleth_in_chromium() {
    let pool = loaded_pool("map_e2e").await;
    let base = serve(&pool).await;
    let prefixed = serve_under_prefix(&pool, "/atlas").await;
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/artifacts");
    std::fs::create_dir_all(artifacts).unwrap();
    let run = tokio::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/map_e2e.mjs"
        ))
        .arg(&base)
        .arg(artifacts)
        .arg(&prefixed)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the browser test finished within 4 minutes")
        .expect("node (installed by scripts/test.sh) runs tests/e2e/map_e2e.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    for shot in ["map-en.png", "map-cy.png"] {
        let bytes = std::fs::metadata(format!("{artifacts}/{shot}"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(bytes > 10_000, "{shot} missing or empty");
    }
    println!("{stdout}");
}
