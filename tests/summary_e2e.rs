//! The summary page (`/summary/{board}.html`) in a real browser: the page, served by the
//! real router on a loopback socket, is driven in Debian's headless Chromium by
//! tests/e2e/summary_page.mjs (playwright-core and axe-core; see its header for its checks):
//! WCAG 2.2 AA in English and Welsh for every board and Wales, printed intervals that agree
//! with their colours in every cell, the laptop (1366×768) and phone (390×844) layouts, and
//! the icon. Screenshots are kept in tests/artifacts/.

mod common;

use std::time::Duration;

use common::{loaded_pool, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and Chromium (node + playwright-core): scripts/test.sh runs it"]
async fn summary_page_is_accessible_agrees_with_its_colours_and_fits_in_chromium() {
    let pool = loaded_pool("summary_e2e").await;
    let base = serve(&pool).await;
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/artifacts");
    std::fs::create_dir_all(artifacts).unwrap();
    let run = tokio::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/summary_page.mjs"
        ))
        .arg(&base)
        .arg(artifacts)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the browser test finished within 4 minutes")
        .expect("node (installed by scripts/test.sh) runs the browser test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "summary_page.mjs failed:\n{stdout}\n{stderr}"
    );
    // The script's own summary, decoded: every check passed and the cells were counted.
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON summary");
    assert_eq!(report["ok"], true);
    let cells = report["figures"]["cells checked (value, interval, colour against Wales)"]
        .as_u64()
        .unwrap_or(0);
    assert!(cells > 1000, "only {cells} cells checked");
    for shot in ["summary-laptop.png", "summary-phone.png"] {
        let bytes = std::fs::metadata(format!("{artifacts}/{shot}"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(bytes > 10_000, "{shot} missing or empty");
    }
    println!("{stdout}");
}
