//! The map page's labels, requests and shareable state in a real browser: the page, served
//! by the real router on a loopback socket, is driven in Debian's headless Chromium by
//! tests/e2e/map_page.mjs (playwright-core; see its header for every check). Screenshots
//! are kept in tests/artifacts/.

mod common;

use std::time::Duration;

use common::{loaded_pool, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_page_labels_requests_and_url_state_in_chromium() {
    let pool = loaded_pool("map_page_e2e").await;
    let base = serve(&pool).await;
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/artifacts");
    std::fs::create_dir_all(artifacts).unwrap();
    let run = tokio::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/map_page.mjs"
        ))
        .arg(&base)
        .arg(artifacts)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the browser test finished within 4 minutes")
        .expect("node (installed by scripts/test.sh) runs tests/e2e/map_page.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    for shot in ["map-labels-en.png", "map-labels-cy.png"] {
        let bytes = std::fs::metadata(format!("{artifacts}/{shot}"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(bytes > 10_000, "{shot} missing or empty");
    }
    println!("{stdout}");
}
