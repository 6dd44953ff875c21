//! The map page in a real browser: the page, served by the real router on a loopback
//! socket, is driven in Debian's headless Chromium by scripts in tests/e2e/
//! (playwright-core; see each script's header for its checks):
//! - map_page.mjs: labels drawn (en and cy), only the tile layers drawn are requested,
//!   the URL round trip (selected cluster, wheel zoom), the bad-parameter warning, and one
//!   meaning per colour (pills, card markers, legend and map for every polarity);
//! - map_layout.mjs: the phone (390×844) and laptop (1366×768) layouts;
//! - map_tools.mjs: cluster search (Welsh name, English name, code), the CSV and PNG
//!   exports, and the board table tab (built on /summary, selection shared with the map);
//! - map_access.mjs: keyboard use and WCAG 2.2 AA: axe-core in every state of the page,
//!   Tab order, focus rings of 3:1 contrast, the map and the table driven by keys alone;
//! - map_choose.mjs: a cluster chosen by name (named findings in en and cy, the list, the
//!   search) is pinned, flown to and given the clicked card's rows; the selection's colour
//!   is no data colour; a board view draws all its cluster names (laptop and phone);
//! - map_mlt.mjs: `encoding=mlt`: MapLibre draws the same colours from MapLibre Tiles as
//!   from MVT, every tile it got was MLT, and features keep their properties.
//!
//! Screenshots are kept in tests/artifacts/.

mod common;

use std::time::Duration;

use common::{loaded_pool, serve};

/// One browser at a time: two Chromiums on a small machine make both slow.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `tests/e2e/{script}` against a fresh server; checks its screenshots were written.
async fn run_script(script: &str, shots: &[&str]) {
    let pool = loaded_pool("map_page_e2e").await;
    let base = serve(&pool).await;
    let _one = BROWSER.lock().await;
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/artifacts");
    std::fs::create_dir_all(artifacts).unwrap();
    let run = tokio::process::Command::new("node")
        .arg(format!("{}/tests/e2e/{script}", env!("CARGO_MANIFEST_DIR")))
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
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    for shot in shots {
        let bytes = std::fs::metadata(format!("{artifacts}/{shot}"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(bytes > 10_000, "{shot} missing or empty");
    }
    println!("{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and Chromium (node + playwright-core): scripts/test.sh runs it"]
async fn map_page_labels_requests_url_state_and_colours_in_chromium() {
    run_script("map_page.mjs", &["map-labels-en.png", "map-labels-cy.png"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and Chromium (node + playwright-core): scripts/test.sh runs it"]
async fn map_page_layout_on_a_phone_and_a_laptop_in_chromium() {
    run_script(
        "map_layout.mjs",
        &[
            "map-phone.png",
            "map-phone-details.png",
            "map-laptop-card.png",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and Chromium (node + playwright-core): scripts/test.sh runs it"]
async fn map_page_search_and_exports_in_chromium() {
    run_script("map_tools.mjs", &["map-export.png", "map-table.png"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and Chromium (node + playwright-core): scripts/test.sh runs it"]
async fn map_page_keyboard_focus_and_wcag_aa_in_chromium() {
    run_script("map_access.mjs", &["map-focus.png"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and Chromium (node + playwright-core): scripts/test.sh runs it"]
async fn map_page_draws_the_same_map_from_maplibre_tiles_in_chromium() {
    run_script("map_mlt.mjs", &["map-mlt-copd.png"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and Chromium (node + playwright-core): scripts/test.sh runs it"]
async fn map_page_choosing_a_cluster_by_name_and_board_labels_in_chromium() {
    run_script(
        "map_choose.mjs",
        &["map-board-labels-laptop.png", "map-board-labels-phone.png"],
    )
    .await;
}
