//! Tiles, TileJSON and the catalogue against a real PostGIS loaded with the bundled Wales data.

mod common;

use std::collections::{HashMap, HashSet};

use cluster_atlas::catalog::WALES_BOUNDS;
use cluster_atlas::tiles::TileCoord;
use common::{decode_tile, get, loaded_pool};

const DB: &str = "tiles";

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn full_wales_composite_at_z7_holds_every_feature() {
    let pool = loaded_pool(DB).await;
    let mut codes: HashMap<String, HashSet<String>> = HashMap::new();
    for coord in TileCoord::covering(7, WALES_BOUNDS) {
        let reply = get(&pool, &format!("/tiles/wales/{coord}")).await;
        if reply.status == 204 {
            continue;
        }
        assert_eq!(reply.status, 200, "{coord}");
        assert_eq!(reply.content_type(), "application/vnd.mapbox-vector-tile");
        for f in decode_tile(&reply.body) {
            let code = f.properties["code"]
                .as_str()
                .expect("code is a string")
                .to_owned();
            assert!(f.id.is_some(), "every feature has an integer id");
            codes.entry(f.layer).or_default().insert(code);
        }
    }
    assert_eq!(codes["lsoa"].len(), 1909);
    assert_eq!(codes["clusters"].len(), 63);
    assert_eq!(codes["health_boards"].len(), 7);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn known_lsoa_carries_its_properties() {
    let pool = loaded_pool(DB).await;
    // Rhyl West 2 (W01000240), Denbighshire: WIMD 2019 rank 1.
    let reply = get(&pool, "/tiles/lsoa/12/2008/1328").await;
    assert_eq!(reply.status, 200);
    let features = decode_tile(&reply.body);
    let rhyl = features
        .iter()
        .find(|f| f.properties["code"] == "W01000240")
        .expect("W01000240 is in its tile");
    let p = &rhyl.properties;
    assert_eq!(p["name_wimd"], "Rhyl West 2");
    assert_eq!(p["name_en"], "Denbighshire 004E");
    assert_eq!(p["wimd_rank"], 1);
    assert_eq!(p["wimd_quintile"], 1);
    assert_eq!(p["wimd_decile"], 1);
    assert_eq!(p["income_quintile"], 1);
    assert_eq!(p["la_code"], "W06000004");
    assert_eq!(p["hb_code"], "W11000023");
    assert_eq!(p["cluster_code"], "7A1:north-denbighshire");
    assert!(p["cluster_provenance"]
        .as_str()
        .unwrap()
        .contains("APPROXIMATE"));
    assert_eq!(p["name_cy_fallback"], false);
    assert_eq!(rhyl.geometry_type, 3, "polygon");
    // The integer id is the feature's fid; the code stays a property, so promoteId works.
    let fid: i32 = sqlx::query_scalar("select fid from atlas.lsoa where code = 'W01000240'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rhyl.id, Some(u64::try_from(fid).unwrap()));
    for field in &cluster_atlas::catalog::LSOA.fields {
        assert!(
            p.contains_key(field.name),
            "missing property {}",
            field.name
        );
    }
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn cluster_and_board_features_carry_profiles_and_welsh_fallback() {
    let pool = loaded_pool(DB).await;
    let reply = get(&pool, "/tiles/clusters,health_boards/6/31/20").await;
    assert_eq!(reply.status, 200);
    let features = decode_tile(&reply.body);
    let cluster = features
        .iter()
        .find(|f| f.layer == "clusters" && f.properties["code"] == "7A1:north-denbighshire")
        .expect("North Denbighshire");
    let p = &cluster.properties;
    assert_eq!(p["name_en"], "North Denbighshire");
    // No Welsh cluster names are published in the bundled data: English, flagged.
    assert_eq!(p["name_cy"], "North Denbighshire");
    assert_eq!(p["name_cy_fallback"], true);
    assert_eq!(p["approximate"], true);
    assert_eq!(p["hb_code"], "W11000023");
    let count = p["lsoa_count"].as_i64().unwrap();
    let quintiles: i64 = (1..=5)
        .map(|q| p[&format!("wimd_q{q}_lsoas")].as_i64().unwrap())
        .sum();
    assert_eq!(quintiles, count);
    let board = features
        .iter()
        .find(|f| f.layer == "health_boards" && f.properties["code"] == "W11000023")
        .expect("Betsi Cadwaladr");
    assert_eq!(
        board.properties["name_cy"],
        "Bwrdd Iechyd Prifysgol Betsi Cadwaladr"
    );
    assert_eq!(board.properties["name_cy_fallback"], false);
    assert_eq!(board.properties["ods_code"], "7A1");
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn error_statuses_are_json_and_specific() {
    let pool = loaded_pool(DB).await;
    let cases = [
        ("/tiles/roads/7/62/42", 404, "unknown_layer"),
        ("/tiles/lsoa,lsoa/7/62/42", 404, "unknown_layer"),
        ("/tiles/lsoa/x/62/42", 400, "bad_tile"),
        ("/tiles/lsoa/7/128/42", 400, "bad_tile"),
        ("/tiles/lsoa/7/62/-1", 400, "bad_tile"),
        ("/tiles/lsoa/23/0/0", 400, "bad_tile"),
        ("/tiles/lsoa/3/3/2", 404, "zoom_out_of_range"),
        ("/tiles/roads", 404, "unknown_layer"),
        ("/nowhere", 404, "not_found"),
    ];
    for (uri, status, code) in cases {
        let reply = get(&pool, uri).await;
        assert_eq!(reply.status, status, "{uri}");
        assert!(
            reply.content_type().starts_with("application/json"),
            "{uri}"
        );
        let body = reply.json();
        assert_eq!(body["error"]["code"], code, "{uri}");
        assert_eq!(body["error"]["status"], status, "{uri}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let body = get(&pool, "/tiles/roads/1/1/1").await.json();
    assert_eq!(
        body["error"]["allowed"],
        serde_json::json!([
            "lsoa",
            "lsoa21",
            "clusters",
            "health_boards",
            "labels",
            "wales"
        ])
    );
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn empty_tiles_are_204_and_deep_zooms_overzoom() {
    let pool = loaded_pool(DB).await;
    // Mid-Atlantic: nothing there.
    let reply = get(&pool, "/tiles/wales/7/40/40").await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    // z16 is beyond the advertised maxzoom 14 but still served, from full detail.
    let reply = get(&pool, "/tiles/lsoa/16/32132/21251.pbf").await;
    assert_eq!(reply.status, 200);
    assert!(!decode_tile(&reply.body).is_empty());
    // Low zooms leave out the LSOA layer but keep the others.
    let reply = get(&pool, "/tiles/wales/3/3/2").await;
    assert_eq!(reply.status, 200);
    let layers: HashSet<String> = decode_tile(&reply.body)
        .into_iter()
        .map(|f| f.layer)
        .collect();
    assert_eq!(
        layers,
        HashSet::from(["clusters".into(), "health_boards".into(), "labels".into()])
    );
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn tilejson_describes_layers_bounds_and_attribution() {
    let pool = loaded_pool(DB).await;
    for uri in ["/tiles/wales", "/tiles/wales.json"] {
        let reply = get(&pool, uri).await;
        assert_eq!(reply.status, 200);
        let tj = reply.json();
        assert_eq!(tj["tilejson"], "3.0.0");
        // Tile URLs carry the data version, so they can be cached as immutable.
        let version = tj["data_version"].as_i64().unwrap();
        assert_eq!(
            tj["tiles"][0],
            format!("http://atlas.test/tiles/wales/{{z}}/{{x}}/{{y}}?v={version}")
        );
        assert_eq!(tj["minzoom"], 0);
        assert_eq!(tj["maxzoom"], 14);
        assert_eq!(tj["scheme"], "xyz");
        let bounds: Vec<f64> = serde_json::from_value(tj["bounds"].clone()).unwrap();
        assert!(
            (bounds[0] - -5.67).abs() < 0.01 && (bounds[3] - 53.436).abs() < 0.01,
            "{bounds:?}"
        );
        assert_eq!(tj["center"][2], 7);
        let layers = tj["vector_layers"].as_array().unwrap();
        let ids: Vec<&str> = layers.iter().map(|l| l["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["lsoa", "clusters", "health_boards", "labels"]);
        assert_eq!(layers[0]["minzoom"], 5);
        assert!(layers[0]["fields"]["wimd_quintile"]
            .as_str()
            .unwrap()
            .contains("most deprived"));
        let attribution = tj["attribution"].as_str().unwrap();
        assert!(attribution.contains("Open Government Licence v3.0"));
        assert!(attribution.contains("Office for National Statistics"));
        assert!(attribution.contains("APPROXIMATE"));
        assert_eq!(tj["cluster_geography"]["approximate"], true);
    }
    let tj = get(&pool, "/tiles/lsoa").await.json();
    assert_eq!(tj["minzoom"], 5);
    assert_eq!(tj["vector_layers"].as_array().unwrap().len(), 1);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn catalog_and_health_report_the_data() {
    let pool = loaded_pool(DB).await;
    let health = get(&pool, "/health").await;
    assert_eq!(health.status, 200);
    let h = health.json();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["database"], "up");
    assert!(h["data_version"].as_i64().unwrap() >= 1);

    let catalog = get(&pool, "/catalog").await.json();
    let layers = catalog["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 5);
    assert_eq!(catalog["data"]["lsoa_count"], 1909);
    assert_eq!(catalog["data"]["cluster_count"], 63);
    assert_eq!(catalog["data"]["health_board_count"], 7);
    assert_eq!(catalog["data"]["cluster_approximate"], true);
    assert!(layers[2]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "provenance"));
}

#[tokio::test]
async fn health_is_503_when_the_database_is_gone() {
    // A pool pointing at a closed port: the server must answer, not hang or panic.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(1))
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .unwrap();
    let reply = get(&pool, "/health").await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.json()["status"], "degraded");
    let reply = get(&pool, "/tiles/lsoa/7/62/42").await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.headers["retry-after"], "5");
    assert_eq!(reply.json()["error"]["code"], "database_unavailable");
}

/// An independent decoder: GDAL's MVT driver (`ogrinfo`, from gdal-bin) must read the same
/// layers and feature counts as our geozero-based decoding.
#[tokio::test]
#[ignore = "needs PostGIS and GDAL's ogrinfo: scripts/test.sh runs it"]
async fn gdal_reads_the_same_tile() {
    let pool = loaded_pool(DB).await;
    let reply = get(&pool, "/tiles/wales/7/62/42").await;
    assert_eq!(reply.status, 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tile.mvt");
    std::fs::write(&path, &reply.body).unwrap();
    let out = std::process::Command::new("ogrinfo")
        .args([
            "-ro", "-so", "-al", "-oo", "X=62", "-oo", "Y=42", "-oo", "Z=7",
        ])
        .arg(format!("MVT:{}", path.display()))
        .output()
        .expect("ogrinfo (gdal-bin) is installed by scripts/test.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut gdal_counts = HashMap::new();
    let mut layer = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("Layer name: ") {
            layer = name.trim().to_owned();
        } else if let Some(n) = line.strip_prefix("Feature Count: ") {
            gdal_counts.insert(layer.clone(), n.trim().parse::<usize>().unwrap());
        }
    }
    let mut ours: HashMap<String, usize> = HashMap::new();
    for f in decode_tile(&reply.body) {
        *ours.entry(f.layer).or_default() += 1;
    }
    assert_eq!(gdal_counts, ours);
    assert!(text.contains("wimd_quintile: Integer"), "{text}");
}

/// Issue 23: one label point per cluster and board, inside its area, in exactly one tile of a
/// zoom: labelling from them draws each name once (polygons were labelled once per tile).
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn each_area_has_one_label_point_in_one_tile() {
    let pool = loaded_pool(DB).await;
    let outside: i64 = sqlx::query_scalar(
        "select (select count(*) from atlas.cluster where label_point is null or not ST_Intersects(label_point, geom)) \
         + (select count(*) from atlas.health_board where label_point is null or not ST_Intersects(label_point, geom))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(outside, 0, "every label point lies inside its area");
    let tj = get(&pool, "/tiles/labels.json").await.json();
    assert_eq!(tj["vector_layers"][0]["id"], "labels");
    for z in [6u32, 7] {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let n = 1u32 << z;
        for x in 0..n {
            for y in 0..n {
                // Wales lies within x 60–66, y 40–45 at z7 (half that at z6).
                if !(x * 128 / n >= 60
                    && x * 128 / n <= 66
                    && y * 128 / n >= 40
                    && y * 128 / n <= 45)
                {
                    continue;
                }
                let reply = get(&pool, &format!("/tiles/labels/{z}/{x}/{y}")).await;
                if reply.status != 200 {
                    continue;
                }
                for f in decode_tile(&reply.body) {
                    // Points in the clip buffer of a neighbour tile are not that tile's.
                    let (px, py) = f.point().expect("label features are points");
                    if (0..4096).contains(&px) && (0..4096).contains(&py) {
                        *seen
                            .entry(f.properties["code"].as_str().unwrap().to_owned())
                            .or_default() += 1;
                    }
                }
            }
        }
        let boards = seen.keys().filter(|c| c.starts_with("W11")).count();
        assert_eq!(boards, 7, "z{z}: {seen:?}");
        assert_eq!(seen.len(), 70, "z{z}: 63 clusters and 7 boards");
        assert!(seen.values().all(|&n| n == 1), "z{z}: {seen:?}");
    }
}
