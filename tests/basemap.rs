//! `serve --basemap`: a raster XYZ template is drawn by every style as a raster layer under
//! the fill (the style still passes the MapLibre validator), with its credit, and the map
//! page's Content-Security-Policy allows that origin and no other. (The setting is
//! process-wide, so this binary sets it once; without it, tests/styles.rs sees none.)

mod common;

use std::process::Command;

use cluster_atlas::basemap::{self, Basemap};
use common::{get, loaded_pool};

const TEMPLATE: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

#[tokio::test]
#[ignore = "needs PostGIS and the MapLibre style validator (gl-style-validate from tests/js): scripts/test.sh runs it"]
async fn a_raster_basemap_goes_under_the_fill_and_into_the_csp() {
    basemap::set(Some(Basemap {
        attribution: Some("© OpenStreetMap contributors".into()),
        ..Basemap::parse(TEMPLATE).unwrap()
    }));
    let pool = loaded_pool("basemap").await;
    for url in [
        "/styles/deprivation.json",
        "/styles/indicator.json?indicator=copd",
        "/styles/significance.json?indicator=copd&lang=cy",
    ] {
        let style = get(&pool, url).await.json();
        let layers = style["layers"].as_array().unwrap();
        assert_eq!(layers[0]["id"], "background", "{url}");
        assert_eq!(layers[1]["id"], "basemap", "{url}");
        assert_eq!(layers[1]["type"], "raster");
        assert!(
            layers[2]["id"].as_str().unwrap().ends_with("-fill"),
            "{url}"
        );
        let source = &style["sources"]["basemap"];
        assert_eq!(source["type"], "raster");
        assert_eq!(source["tiles"][0], TEMPLATE);
        assert_eq!(source["attribution"], "© OpenStreetMap contributors");
        assert_eq!(style["metadata"]["cluster-atlas:basemap"]["kind"], "raster");
        let path = std::env::temp_dir().join(format!("basemap-style-{}.json", std::process::id()));
        std::fs::write(&path, style.to_string()).unwrap();
        let validator = std::env::var("CLUSTER_ATLAS_STYLE_VALIDATOR").unwrap_or_else(|_| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/js/node_modules/.bin/gl-style-validate"
            )
            .into()
        });
        let out = Command::new(validator)
            .arg(&path)
            .output()
            .expect("gl-style-validate");
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).trim().is_empty(),
            "{url}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let page = get(&pool, "/map").await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("connect-src 'self' https://tile.openstreetmap.org;"),
        "{csp}"
    );
    assert!(csp.contains("img-src 'self' data: blob: https://tile.openstreetmap.org;"));
    assert_eq!(csp.matches("https://").count(), 2, "{csp}");
}
