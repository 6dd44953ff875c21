//! `export` writes PMTiles, MBTiles and folders with the same tiles the server renders, and
//! `serve --pmtiles` serves them with no database.

mod common;

use axum::body::Body;
use axum::http::Request;
use cluster_atlas::export::{export, TileFormat};
use cluster_atlas::server::archive_app;
use cluster_atlas::server::AppState;
use cluster_atlas::tiles::archive::Archive;
use common::{decode_tile, get, loaded_pool};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn pmtiles_export_serves_the_same_tiles_without_a_database() {
    let pool = loaded_pool("export").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wales.pmtiles");
    let state = AppState::new(pool.clone(), None).with_tile_cache_bytes(0);
    let report = export(&state, "wales", 0, 8, TileFormat::Pmtiles, &path)
        .await
        .unwrap();
    assert!(report.tiles_written > 10 && report.tiles_written <= report.tiles_rendered);
    // No tile in the pyramid over 500 KB; the all-Wales LSOA tile at z6 is checked below.
    assert!(
        report
            .largest_tile_by_zoom
            .iter()
            .all(|(_, bytes)| *bytes <= 500_000),
        "{:?}",
        report.largest_tile_by_zoom
    );

    let app = archive_app(Archive::open(&path, None).await.unwrap());
    let fetch = |uri: &'static str| {
        let app = app.clone();
        async move {
            let r = app
                .oneshot(
                    Request::get(uri)
                        .header("host", "archive.test")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let status = r.status();
            (
                status,
                r.into_body().collect().await.unwrap().to_bytes().to_vec(),
            )
        }
    };
    let (status, from_archive) = fetch("/tiles/wales/7/62/42").await;
    assert_eq!(status, 200);
    let from_db = get(&pool, "/tiles/wales/7/62/42").await.body;
    assert_eq!(
        from_archive, from_db,
        "the archive holds exactly the rendered tile"
    );
    let (status, _) = fetch("/tiles/wales/7/40/40").await;
    assert_eq!(status, 204);
    let (status, _) = fetch("/tiles/lsoa/7/62/42").await;
    assert_eq!(status, 404);
    let (_, tilejson) = fetch("/tiles/wales").await;
    let tj: serde_json::Value = serde_json::from_slice(&tilejson).unwrap();
    assert_eq!(tj["maxzoom"], 8);
    assert!(tj["tiles"][0]
        .as_str()
        .unwrap()
        .starts_with("http://archive.test/tiles/wales/{z}/{x}/{y}?v="));
    assert!(tj["attribution"].as_str().unwrap().contains("APPROXIMATE"));
}

#[tokio::test]
#[ignore = "needs PostGIS and GDAL's ogrinfo: scripts/test.sh runs it"]
async fn mbtiles_and_folders_hold_the_pyramid_and_z6_lsoa_tiles_stay_small() {
    let pool = loaded_pool("export").await;
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(pool.clone(), None).with_tile_cache_bytes(0);
    let mbtiles = dir.path().join("wales.mbtiles");
    let report = export(&state, "wales", 0, 6, TileFormat::Mbtiles, &mbtiles)
        .await
        .unwrap();
    let out = tokio::process::Command::new("ogrinfo")
        .args(["-ro", "-so"])
        .arg(&mbtiles)
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("lsoa") && text.contains("clusters"),
        "{text}"
    );
    let db = rusqlite::Connection::open(&mbtiles).unwrap();
    let n: usize = db
        .query_row("select count(*) from tiles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, report.tiles_written);
    // TMS rows: z7 is not exported; at z6 the row for XYZ y=21 is 64 - 1 - 21 = 42.
    let tms: usize = db
        .query_row("select count(*) from tiles where zoom_level = 6 and tile_column = 31 and tile_row = 42", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tms, 1);

    let folder = dir.path().join("tiles");
    let report = export(&state, "lsoa", 6, 6, TileFormat::Dir, &folder)
        .await
        .unwrap();
    let (_, largest) = report.largest_tile_by_zoom[0];
    assert!(
        largest <= 250_000,
        "the full-Wales LSOA tile at z6 is {largest} bytes"
    );
    let raw = std::fs::read(folder.join("6/31/21.mvt")).unwrap();
    assert!(decode_tile(&raw).len() > 1000);
}
