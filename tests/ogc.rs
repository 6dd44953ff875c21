//! OGC API – Features and Tiles: GDAL's OAPIF driver reads every collection with the right
//! counts and attributes, and the API honours paging, filters, formats and errors.

mod common;

use std::collections::HashMap;

use common::{decode_tile, get, loaded_pool, serve};
use serde_json::Value;

const DB: &str = "ogc";

async fn gdal(args: &[&str]) -> String {
    let out = tokio::process::Command::new(args[0])
        .args(&args[1..])
        .output()
        .await
        .expect("GDAL command-line tools (gdal-bin, installed by scripts/test.sh)");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_oapif_reads_every_collection() {
    let pool = loaded_pool(DB).await;
    let base = serve(&pool).await;
    let source = format!("OAPIF:{base}/");
    for (collection, table, expected) in [
        ("lsoa", "lsoa", 1909),
        ("clusters", "cluster", 63),
        ("health_boards", "health_board", 7),
    ] {
        let info = gdal(&[
            "ogrinfo",
            "-ro",
            "-so",
            "-oo",
            "PAGE_SIZE=1000",
            &source,
            collection,
        ])
        .await;
        assert!(
            info.contains(&format!("Feature Count: {expected}")),
            "{collection}: {info}"
        );
        assert!(
            info.contains("Geometry: Multi Polygon"),
            "{collection}: {info}"
        );
        // Read every feature (following `next` links) and compare attributes with PostGIS.
        let csv = gdal(&[
            "ogr2ogr",
            "-f",
            "CSV",
            "/vsistdout/",
            "-oo",
            "PAGE_SIZE=1000",
            &source,
            collection,
        ])
        .await;
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("{collection}: no {name} in {headers:?}"))
        };
        let (code, name_en, name_cy) = (col("code"), col("name_en"), col("name_cy"));
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), expected, "{collection}");
        let db: HashMap<String, (String, String)> = sqlx::query_as::<_, (String, String, String)>(
            sqlx::AssertSqlSafe(format!("select code, name_en, name_cy from atlas.{table}")),
        )
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(c, e, w)| (c, (e, w)))
        .collect();
        for r in &rows {
            let (e, w) = &db[&r[code]];
            assert_eq!(
                (&r[name_en], &r[name_cy]),
                (e.as_str(), w.as_str()),
                "{collection} {}",
                &r[code]
            );
        }
        if collection == "lsoa" {
            let rank = col("wimd_rank");
            let rhyl = rows.iter().find(|r| &r[code] == "W01000240").unwrap();
            assert_eq!(&rhyl[rank], "1");
        }
    }
}

#[tokio::test]
async fn landing_conformance_collections_and_api() {
    let pool = loaded_pool(DB).await;
    let landing = get(&pool, "/?f=json").await.json();
    let rels: Vec<&str> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(&rel), "{rel}");
    }
    // A browser gets the map page at the same URL.
    let html = get(&pool, "/").await;
    assert!(html.content_type().starts_with("text/html"));
    let conformance = get(&pool, "/conformance").await.json();
    assert!(conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c
            .as_str()
            .unwrap()
            .ends_with("ogcapi-features-1/1.0/conf/geojson")));
    let collections = get(&pool, "/collections").await.json();
    let ids: Vec<&str> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["lsoa", "clusters", "health_boards"]);
    let clusters = get(&pool, "/collections/clusters").await.json();
    assert!(clusters["description"]
        .as_str()
        .unwrap()
        .contains("APPROXIMATE"));
    assert_eq!(
        clusters["extent"]["spatial"]["bbox"][0]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let api = get(&pool, "/api").await;
    assert!(api
        .content_type()
        .starts_with("application/vnd.oai.openapi+json"));
    let api = api.json();
    assert_eq!(api["openapi"], "3.0.3");
    for id in ["lsoa", "clusters", "health_boards"] {
        assert!(api["paths"][format!("/collections/{id}/items")]["get"]["parameters"].is_array());
    }
    assert!(get(&pool, "/collections/roads").await.status == 404);
}

#[tokio::test]
async fn items_page_filter_and_link() {
    let pool = loaded_pool(DB).await;
    let page = get(
        &pool,
        "/collections/lsoa/items?limit=50&offset=100&wimd_quintile=1",
    )
    .await;
    assert_eq!(page.content_type(), "application/geo+json");
    let page = page.json();
    assert_eq!(page["numberMatched"], 382);
    assert_eq!(page["numberReturned"], 50);
    let next = page["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap();
    assert_eq!(
        next["href"],
        "http://atlas.test/collections/lsoa/items?wimd_quintile=1&limit=50&offset=150"
    );
    assert!(page["features"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["properties"]["wimd_quintile"] == 1));
    // Coordinates are EPSG:4326 with 6 decimals.
    let first = &page["features"][0]["geometry"]["coordinates"][0][0][0];
    let lon = first[0].as_f64().unwrap();
    assert!((-5.7..-2.6).contains(&lon));
    assert!(first[0].to_string().split('.').nth(1).unwrap().len() <= 6);

    let ab: i64 = sqlx::query_scalar("select count(*) from atlas.lsoa where hb_code = 'W11000028'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let by_board = get(
        &pool,
        "/collections/lsoa/items?health_board=W11000028&limit=1",
    )
    .await
    .json();
    assert_eq!(by_board["numberMatched"], ab);
    // bbox: the LSOAs PostGIS finds intersecting the same box.
    let in_box: i64 = sqlx::query_scalar(
        "select count(*) from atlas.lsoa where ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(-3.3, 51.4, -3.1, 51.6, 4326), 3857))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let boxed = get(
        &pool,
        "/collections/lsoa/items?bbox=-3.3,51.4,-3.1,51.6&limit=1",
    )
    .await
    .json();
    assert_eq!(boxed["numberMatched"], in_box);
    assert!(in_box > 50);
    let last = get(&pool, "/collections/clusters/items?offset=60")
        .await
        .json();
    assert_eq!(last["numberReturned"], 3);
    assert!(!last["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["rel"] == "next"));
}

#[tokio::test]
async fn items_with_indicator_values_csv_and_welsh_labels() {
    let pool = loaded_pool(DB).await;
    let fc = get(
        &pool,
        "/collections/clusters/items?indicator=patients_most_deprived_20pct&limit=100",
    )
    .await
    .json();
    let anglesey = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "7A1:anglesey")
        .unwrap();
    let p = &anglesey["properties"];
    assert!((p["value"].as_f64().unwrap() - 100.0 * 9771.0 / 66055.0).abs() < 1e-9);
    assert_eq!(p["numerator"], 9771.0);
    assert!(p["lower_ci"].as_f64().unwrap() < p["value"].as_f64().unwrap());
    assert!(p["class"].is_number() && p["sig_vs_hb"].is_string());
    let boards = get(&pool, "/collections/health_boards/items?indicator=copd")
        .await
        .json();
    assert!(boards["features"][0]["properties"]["value"].is_number());

    let csv = get(
        &pool,
        // bom=false: the header is read as text (the default starts with a byte order mark).
        "/collections/clusters/items?f=csv&indicator=copd&limit=100&bom=false",
    )
    .await;
    assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
    let text = String::from_utf8(csv.body).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("code,name_en,name_cy,name_cy_fallback,hb_code"),
        "{header}"
    );
    assert!(header.ends_with("indicator,period,value,numerator,denominator,lower_ci,upper_ci,sig_vs_wales,sig_vs_hb,class"), "{header}");
    assert!(!header.contains("geometry"));
    assert_eq!(text.lines().count(), 64);
    let wkt = String::from_utf8(
        get(&pool, "/collections/health_boards/items?f=csv&geometry=wkt")
            .await
            .body,
    )
    .unwrap();
    assert!(wkt.lines().next().unwrap().ends_with("geometry_wkt"));
    assert!(wkt.contains("MULTIPOLYGON((("));
    let cy = String::from_utf8(
        get(
            &pool,
            "/collections/clusters/items?f=csv&lang=cy&indicator=copd&limit=1&bom=false",
        )
        .await
        .body,
    )
    .unwrap();
    let header = cy.lines().next().unwrap();
    assert!(
        header.starts_with("Cod,Enw (Saesneg),Enw (Cymraeg)"),
        "{header}"
    );
    assert!(header.contains("Gwerth"), "{header}");
    let en = get(&pool, "/collections/lsoa/items?lang=en&limit=1")
        .await
        .json();
    assert!(en["features"][0]["properties"]["WIMD 2019 rank"].is_number());
}

#[tokio::test]
async fn one_item_tiles_and_errors() {
    let pool = loaded_pool(DB).await;
    let rhyl = get(&pool, "/collections/lsoa/items/W01000240").await.json();
    assert_eq!(rhyl["properties"]["name_wimd"], "Rhyl West 2");
    assert_eq!(
        get(&pool, "/collections/lsoa/items/W01999999").await.status,
        404
    );
    let anglesey = get(&pool, "/collections/clusters/items/7A1:anglesey")
        .await
        .json();
    assert_eq!(anglesey["properties"]["name_en"], "Anglesey");

    // OGC order is z/row/col = z/y/x.
    let ogc = get(&pool, "/collections/lsoa/tiles/WebMercatorQuad/7/42/62").await;
    let xyz = get(&pool, "/tiles/lsoa/7/62/42").await;
    assert_eq!(ogc.status, 200);
    assert_eq!(decode_tile(&ogc.body).len(), decode_tile(&xyz.body).len());
    let tms = get(&pool, "/tileMatrixSets/WebMercatorQuad").await.json();
    assert_eq!(tms["tileMatrices"][0]["matrixWidth"], 1);
    assert_eq!(tms["tileMatrices"][14]["matrixWidth"], 16384);
    let sets = get(&pool, "/collections/clusters/tiles").await.json();
    assert!(sets["tilesets"][0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["rel"] == "item"));

    for (url, param) in [
        ("/collections/lsoa/items?bbox=1,2,3", "bbox"),
        ("/collections/lsoa/items?bbox=-3,52,-4,51", "bbox"),
        ("/collections/lsoa/items?limit=0", "limit"),
        ("/collections/lsoa/items?limit=100000", "limit"),
        ("/collections/lsoa/items?offset=-1", "offset"),
        ("/collections/lsoa/items?wimd_quintile=one", "filter"),
        ("/collections/lsoa/items?f=xml", "f"),
        ("/collections/lsoa/items?indicator=copd", "indicator"),
        ("/collections/clusters/items?indicator=nope", "indicator"),
    ] {
        let reply = get(&pool, url).await;
        assert_eq!(reply.status, 400, "{url}");
        let body: Value = reply.json();
        assert!(
            body["error"]["message"].as_str().unwrap().contains(param),
            "{url}: {body}"
        );
    }
}

#[tokio::test]
async fn whole_collection_downloads_in_one_request() {
    let pool = loaded_pool(DB).await;
    let geojson = get(&pool, "/downloads/lsoa.geojson").await;
    assert_eq!(
        geojson.headers["content-disposition"],
        "attachment; filename=\"lsoa.geojson\""
    );
    assert_eq!(geojson.json()["features"].as_array().unwrap().len(), 1909);
    let csv = get(
        &pool,
        "/downloads/clusters.csv?indicator=patients_most_deprived_20pct&lang=cy",
    )
    .await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let text = String::from_utf8(csv.body).unwrap();
    assert_eq!(text.lines().count(), 64);
    assert!(text.lines().next().unwrap().contains("CH 95% isaf"));
    let bad = get(&pool, "/downloads/lsoa.xlsx").await;
    assert_eq!(bad.status, 404);
    assert!(bad.json()["error"]["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "clusters.csv"));
}

/// Runs a QGIS check script (tests/reference/qgis_*.py) with arguments; returns its JSON report.
async fn run_qgis(script: &str, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let python =
        std::env::var("CLUSTER_ATLAS_QGIS_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    let out = tokio::process::Command::new(python)
        .arg(format!(
            "{}/tests/reference/{script}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(args)
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("XDG_RUNTIME_DIR", dir.path())
        .output()
        .await
        .expect("python3 with QGIS (python3-qgis, installed by scripts/test.sh)");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap()
}

/// QGIS's own "OGC API – Features" provider (QGIS 3.22, Debian 12) loads every collection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qgis_oapif_provider_loads_every_collection() {
    let pool = loaded_pool(DB).await;
    let base = serve(&pool).await;
    let report = run_qgis("qgis_oapif_check.py", &[&base]).await;
    for (collection, count, code, name_cy) in [
        ("lsoa", 1909, "W01000240", "Sir Ddinbych 004E"),
        ("clusters", 63, "7A1:anglesey", "Anglesey"),
        (
            "health_boards",
            7,
            "W11000028",
            "Bwrdd Iechyd Prifysgol Aneurin Bevan",
        ),
    ] {
        let c = &report["collections"][collection];
        assert_eq!(c["valid"], true, "{collection}: {c}");
        assert_eq!(c["features"], count, "{collection}");
        assert_eq!(c["crs"], "EPSG:4326");
        assert_eq!(c["geometry_ok"], true);
        assert_eq!(c["sample"]["code"], code);
        assert_eq!(c["sample"]["name_cy"], name_cy);
    }
}

/// A QGIS "Vector Tiles" connection (XYZ URL, zoom 0–14, style URL) opens, and QGIS loads
/// the style from the style URL with every layer of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qgis_vector_tile_connection_loads_the_style_url() {
    let pool = loaded_pool(DB).await;
    let base = serve(&pool).await;
    let report = run_qgis(
        "qgis_vectortile_check.py",
        &[&base, "/styles/indicator.json?indicator=copd&classes=5"],
    )
    .await;
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["style_loaded"], true, "{report}");
    assert_eq!(
        (
            report["source_min_zoom"].as_i64(),
            report["source_max_zoom"].as_i64()
        ),
        (Some(0), Some(14))
    );
    let names: Vec<&str> = report["styles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "background",
            "indicator-fill",
            "cluster-outline",
            "health-board-outline"
        ]
    );
}

/// Issue 13, item 9: items and downloads CSVs start with a UTF-8 byte order mark (Excel),
/// not with `bom=false`; counts are integers and values rounded to the unit's precision.
#[tokio::test]
async fn items_and_downloads_csv_are_spreadsheet_ready() {
    let pool = loaded_pool(DB).await;
    for uri in [
        "/collections/clusters/items?f=csv",
        "/downloads/clusters.csv",
        "/downloads/lsoa.csv?lang=cy",
    ] {
        let with = get(&pool, uri).await;
        assert_eq!(with.status, 200, "{uri}");
        assert!(with.body.starts_with(b"\xEF\xBB\xBF"), "{uri}");
        let without = get(
            &pool,
            &format!("{uri}&bom=false").replacen(".csv&", ".csv?", 1),
        )
        .await;
        assert!(!without.body.starts_with(b"\xEF\xBB\xBF"), "{uri}");
        assert_eq!(&with.body[3..], &without.body[..], "{uri}");
    }
    let bad = get(&pool, "/downloads/clusters.csv?bom=no").await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json()["error"]["allowed"],
        serde_json::json!(["true", "false"])
    );

    let csv = get(
        &pool,
        "/collections/clusters/items?f=csv&indicator=patients_most_deprived_20pct&limit=100&bom=false",
    )
    .await;
    let mut reader = csv::Reader::from_reader(&csv.body[..]);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let anglesey = rows
        .iter()
        .find(|r| &r[col("code")] == "7A1:anglesey")
        .unwrap();
    assert_eq!(&anglesey[col("numerator")], "9771");
    assert_eq!(&anglesey[col("denominator")], "66055");
    assert_eq!(&anglesey[col("value")], "14.79");
    assert!(anglesey[col("lsoa_count")].parse::<i64>().is_ok());
}
