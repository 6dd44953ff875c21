//! OGC API – Features and Tiles: GDAL's OAPIF driver reads every collection with the right
//! counts and attributes, and the API honours paging, filters, formats and errors.

mod common;

use std::collections::HashMap;

use common::{decode_tile, get, loaded_pool, send, serve};
use serde_json::Value;

const DB: &str = "ogc";
/// What Firefox and Chromium send for a page.
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

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
#[ignore = "needs PostGIS and GDAL's ogrinfo and ogr2ogr: scripts/test.sh runs it"]
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
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
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
    // A browser gets the map page at the same URL; a client without Accept gets JSON.
    let state = cluster_atlas::state::AppState::new(pool.clone(), None);
    let html = send(&state, "GET", "/", &[("accept", BROWSER)]).await;
    assert!(html.content_type().starts_with("text/html"));
    assert!(get(&pool, "/")
        .await
        .content_type()
        .starts_with("application/json"));
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
    assert_eq!(ids, ["lsoa", "lsoa21", "clusters", "health_boards"]);
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
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
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
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
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
    // A complete count of whole LSOAs' patients: no interval and no flag (issue 22).
    assert!(p["lower_ci"].is_null() && p["upper_ci"].is_null(), "{p}");
    assert_eq!(p["sig_vs_wales"], "not_tested");
    assert!(p["class"].is_number() && p["sig_vs_hb"] == "not_tested");
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
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
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
        ("/collections/lsoa/items?limit=-3", "limit"),
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
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
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
#[ignore = "needs PostGIS and QGIS (python3-qgis): scripts/test.sh runs it"]
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
#[ignore = "needs PostGIS and QGIS (python3-qgis): scripts/test.sh runs it"]
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
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
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

/// Issue 16: JSON unless HTML is preferred, on every OGC endpoint; unknown query parameters
/// are a 400 naming them (tiles still ignore cache-busters); /conformance lists Parts 2 and 3.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn negotiation_strict_parameters_and_conformance() {
    let pool = loaded_pool(DB).await;
    let state = cluster_atlas::state::AppState::new(pool.clone(), None);
    for uri in [
        "/",
        "/conformance",
        "/collections",
        "/collections/lsoa",
        "/collections/lsoa/queryables",
        "/collections/lsoa/items?limit=1",
        "/collections/lsoa/items/W01000240",
    ] {
        for accept in [None, Some("*/*"), Some("application/json")] {
            let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
            let r = send(&state, "GET", uri, &headers).await;
            assert_eq!(r.status, 200, "{uri} {accept:?}");
            assert!(
                r.content_type().contains("json"),
                "{uri} {accept:?}: {}",
                r.content_type()
            );
            r.json();
        }
        let r = send(&state, "GET", uri, &[("accept", BROWSER)]).await;
        assert!(
            r.content_type().starts_with("text/html"),
            "{uri}: {}",
            r.content_type()
        );
        let sep = if uri.contains('?') { '&' } else { '?' };
        let bad = send(&state, "GET", &format!("{uri}{sep}bbbox=1"), &[]).await;
        assert_eq!(bad.status, 400, "{uri}");
        let e = bad.json();
        assert_eq!(e["error"]["code"], "query_param_unknown", "{uri}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains("bbbox"),
            "{e}"
        );
        assert!(
            e["error"]["allowed"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "f"),
            "{e}"
        );
    }
    for uri in [
        "/collections/lsoa/items/W01000240?nope=1",
        "/downloads/lsoa.geojson?limit=5",
    ] {
        assert_eq!(
            get(&pool, uri).await.json()["error"]["code"],
            "query_param_unknown",
            "{uri}"
        );
    }
    // Tiles keep ignoring cache-busting parameters.
    let tile = get(
        &pool,
        "/collections/lsoa/tiles/WebMercatorQuad/8/85/125?_=123",
    )
    .await;
    assert!(tile.status == 200 || tile.status == 204, "{}", tile.status);
    assert!(get(&pool, "/tiles/lsoa/8/125/85?cachebust=1")
        .await
        .status
        .is_success());
    let conformance = get(&pool, "/conformance").await.json();
    let classes: Vec<&str> = conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "ogcapi-features-2/1.0/conf/crs",
        "ogcapi-features-3/1.0/conf/queryables",
        "ogcapi-features-3/1.0/conf/features-filter",
        "cql2/1.0/conf/cql2-text",
        "cql2/1.0/conf/cql2-json",
    ] {
        assert!(classes.iter().any(|k| k.ends_with(c)), "{c}");
    }
}

const BNG: &str = "http://www.opengis.net/def/crs/EPSG/0/27700";

fn first_position(feature: &Value) -> (f64, f64) {
    let mut c = &feature["geometry"]["coordinates"];
    while c[0].is_array() {
        c = &c[0];
    }
    (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
}

/// Issue 16, Part 2: crs and bbox-crs in EPSG:27700, 4326 (lat, lon) and 3857, with
/// Content-Crs; a 27700 position transformed back lies within 1 m of the CRS84 one.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn items_in_british_national_grid_and_other_crs() {
    let pool = loaded_pool(DB).await;
    let crs84 = get(&pool, "/collections/lsoa/items/W01000240").await;
    assert_eq!(
        crs84.headers["content-crs"],
        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    );
    let (lon, lat) = first_position(&crs84.json());
    let bng = get(
        &pool,
        &format!("/collections/lsoa/items/W01000240?crs={BNG}"),
    )
    .await;
    assert_eq!(bng.status, 200);
    assert_eq!(bng.headers["content-crs"], format!("<{BNG}>"));
    let (x, y) = first_position(&bng.json());
    assert!(
        (200_000.0..400_000.0).contains(&x) && (150_000.0..400_000.0).contains(&y),
        "{x} {y}"
    );
    // Centimetres: at most 2 decimals.
    assert!(
        x.to_string().split('.').nth(1).map_or(0, str::len) <= 2,
        "{x}"
    );
    let metres: f64 = sqlx::query_scalar(
        "select ST_DistanceSphere(ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 27700), 4326), ST_SetSRID(ST_MakePoint($3, $4), 4326))",
    )
    .bind(x)
    .bind(y)
    .bind(lon)
    .bind(lat)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(metres < 1.0, "{metres} m");
    // EPSG:4326 is latitude first.
    let latlon = get(
        &pool,
        "/collections/lsoa/items/W01000240?crs=http://www.opengis.net/def/crs/EPSG/0/4326",
    )
    .await
    .json();
    assert_eq!(first_position(&latlon), (lat, lon));
    let merc = get(&pool, "/collections/lsoa/items?limit=1&crs=EPSG:3857").await;
    assert_eq!(
        merc.headers["content-crs"],
        "<http://www.opengis.net/def/crs/EPSG/0/3857>"
    );
    // bbox-crs: a 27700 box around that position finds the LSOA, as does its 4326 box.
    let box_bng = format!("{},{},{},{}", x - 50.0, y - 50.0, x + 50.0, y + 50.0);
    let found = get(
        &pool,
        &format!("/collections/lsoa/items?bbox={box_bng}&bbox-crs={BNG}&crs={BNG}"),
    )
    .await
    .json();
    let codes: Vec<&str> = found["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"W01000240"), "{codes:?}");
    let box_4326 = format!(
        "{},{},{},{}",
        lat - 0.0005,
        lon - 0.0005,
        lat + 0.0005,
        lon + 0.0005
    );
    let found = get(&pool, &format!("/collections/lsoa/items?bbox={box_4326}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326")).await.json();
    assert!(found["features"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "W01000240"));
    // Collections list their CRS.
    let c = get(&pool, "/collections/lsoa").await.json();
    assert!(c["crs"].as_array().unwrap().iter().any(|u| u == BNG));
    assert_eq!(
        c["storageCrs"],
        "http://www.opengis.net/def/crs/EPSG/0/3857"
    );
    // An unsupported CRS lists the supported ones.
    for uri in [
        "/collections/lsoa/items?crs=http://www.opengis.net/def/crs/EPSG/0/2157",
        "/collections/lsoa/items?bbox=1,2,3,4&bbox-crs=EPSG:2157",
        "/downloads/lsoa.geojson?crs=EPSG:2157",
    ] {
        let bad = get(&pool, uri).await;
        assert_eq!(bad.status, 400, "{uri}");
        let e = bad.json();
        assert_eq!(e["error"]["allowed"].as_array().unwrap().len(), 4, "{e}");
    }
}

const QUINTILE_1_AB: &str = "wimd_quintile = 1 AND hb_code = 'W11000028'";

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn quintile_1_ab(pool: &sqlx::PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "select code from atlas.lsoa where wimd_quintile = 1 and hb_code = 'W11000028' order by code",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn codes_of(fc: &Value) -> Vec<String> {
    let mut c: Vec<String> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c
}

/// Issue 16, Part 3: queryables as JSON Schema; one CQL2 filter in text and JSON gives the
/// same LSOAs as PostGIS through items and the GeoJSON, GeoPackage and FlatGeobuf
/// downloads; bad filters are 400s that say what and where.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and GDAL's ogrinfo: scripts/test.sh runs it"]
async fn queryables_and_cql2_filters_on_items_and_downloads() {
    let pool = loaded_pool(DB).await;
    let q = get(&pool, "/collections/lsoa/queryables").await;
    assert_eq!(q.content_type(), "application/schema+json");
    let q = q.json();
    assert_eq!(q["properties"]["wimd_quintile"]["type"], "integer");
    assert_eq!(q["properties"]["hb_code"]["type"], "string");
    assert!(q["properties"]["geometry"].is_object());
    let expected = quintile_1_ab(&pool).await;
    assert!(expected.len() > 10, "{expected:?}");
    let text = get(
        &pool,
        &format!(
            "/collections/lsoa/items?limit=1000&filter={}",
            encode(QUINTILE_1_AB)
        ),
    )
    .await;
    assert_eq!(text.status, 200, "{}", String::from_utf8_lossy(&text.body));
    let text = text.json();
    assert_eq!(codes_of(&text), expected);
    let json_filter = r#"{"op":"and","args":[{"op":"=","args":[{"property":"wimd_quintile"},1]},{"op":"=","args":[{"property":"hb_code"},"W11000028"]}]}"#;
    let json = get(
        &pool,
        &format!(
            "/collections/lsoa/items?limit=1000&filter-lang=cql2-json&filter={}",
            encode(json_filter)
        ),
    )
    .await
    .json();
    assert_eq!(codes_of(&json), expected);
    let download = get(
        &pool,
        &format!("/downloads/lsoa.geojson?filter={}", encode(QUINTILE_1_AB)),
    )
    .await
    .json();
    assert_eq!(codes_of(&download), expected);
    // More predicates, checked against PostGIS.
    for (filter, sql) in [
        ("hb_code LIKE 'W1100002%' AND NOT wimd_quintile IN (1, 2, 3)", "hb_code like 'W1100002%' and wimd_quintile not in (1, 2, 3)"),
        ("wimd_rank BETWEEN 100 AND 200 OR name_wimd IS NULL", "wimd_rank between 100 and 200 or name_wimd is null"),
        ("S_INTERSECTS(geometry, BBOX(-3.3, 51.4, -3.1, 51.6))", "ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(-3.3, 51.4, -3.1, 51.6, 4326), 3857))"),
        ("S_INTERSECTS(geometry, POINT(-3.18 51.48))", "ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_MakePoint(-3.18, 51.48), 4326), 3857))"),
        ("S_INTERSECTS(geometry, POLYGON((-3.3 51.4, -3.1 51.4, -3.1 51.6, -3.3 51.4)))", "ST_Intersects(geom, ST_Transform(ST_GeomFromText('POLYGON((-3.3 51.4, -3.1 51.4, -3.1 51.6, -3.3 51.4))', 4326), 3857))"),
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) from atlas.lsoa where {sql}")))
            .fetch_one(&pool)
            .await
            .unwrap();
        let page = get(&pool, &format!("/collections/lsoa/items?limit=1&filter={}", encode(filter))).await;
        assert_eq!(page.status, 200, "{filter}: {}", String::from_utf8_lossy(&page.body));
        assert_eq!(page.json()["numberMatched"], n, "{filter}");
        assert!(n > 0, "{filter}");
    }
    // GeoPackage and FlatGeobuf, read back by ogrinfo: layer name, fields, types, count.
    let dir = tempfile::tempdir().unwrap();
    let state = cluster_atlas::state::AppState::new(pool.clone(), None);
    for ext in ["gpkg", "fgb"] {
        // Through the whole middleware, asking for compression as clients do: the file
        // arrives whole (compression once cut these streamed bodies short).
        let uri = format!(
            "/downloads/lsoa.{ext}?filter={}&crs={BNG}",
            encode(QUINTILE_1_AB)
        );
        let r = send(&state, "GET", &uri, &[("accept-encoding", "gzip, br")]).await;
        assert_eq!(r.status, 200, "{ext}: {}", String::from_utf8_lossy(&r.body));
        assert_eq!(
            r.headers["content-length"].to_str().unwrap(),
            r.body.len().to_string()
        );
        let path = dir.path().join(format!("lsoa.{ext}"));
        std::fs::write(&path, &r.body).unwrap();
        let info = gdal(&["ogrinfo", "-ro", "-so", path.to_str().unwrap(), "lsoa"]).await;
        assert!(
            info.contains(&format!("Feature Count: {}", expected.len())),
            "{ext}: {info}"
        );
        assert!(info.contains("Multi Polygon"), "{ext}: {info}");
        assert!(
            info.contains("British_National_Grid") || info.contains("British National Grid"),
            "{ext}: {info}"
        );
        assert!(info.contains("code: String"), "{ext}: {info}");
        assert!(info.contains("wimd_quintile: Integer64"), "{ext}: {info}");
        let rows = gdal(&[
            "ogrinfo",
            "-ro",
            "-q",
            path.to_str().unwrap(),
            "-sql",
            "SELECT code FROM lsoa ORDER BY code",
        ])
        .await;
        let got: Vec<String> = rows
            .lines()
            .filter_map(|l| l.trim().strip_prefix("code (String) = "))
            .map(str::to_owned)
            .collect();
        assert_eq!(got, expected, "{ext}");
    }
    // Bad filters: each a 400 naming the problem.
    let long = format!("hb_code = '{}'", "x".repeat(5000));
    let deep = format!("{}wimd_quintile = 1{}", "(".repeat(30), ")".repeat(30));
    for (filter, code, needle) in [
        ("nope = 1", "invalid_filter", "nope"),
        ("wimd_quintile = 'one'", "invalid_filter", "integer"),
        ("hb_code = 1", "invalid_filter", "string"),
        ("wimd_quintile = ", "invalid_filter", "character 16"),
        (long.as_str(), "invalid_filter", "longer than"),
        (deep.as_str(), "invalid_filter", "nested deeper"),
    ] {
        let bad = get(
            &pool,
            &format!("/collections/lsoa/items?filter={}", encode(filter)),
        )
        .await;
        assert_eq!(bad.status, 400, "{filter}");
        let e = bad.json();
        assert_eq!(e["error"]["code"], code, "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(needle),
            "{e}"
        );
    }
    let bad = get(&pool, "/collections/lsoa/items?filter=nope%3D1")
        .await
        .json();
    assert!(bad["error"]["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "wimd_quintile"));
    let bad = get(
        &pool,
        "/collections/lsoa/items?filter=code%3D%27x%27&filter-lang=cql2-xml",
    )
    .await
    .json();
    assert_eq!(
        bad["error"]["allowed"],
        serde_json::json!(["cql2-text", "cql2-json", "cql-text"])
    );
}

/// Issue 16: OWSLib 0.35 with its default settings (Accept: */*) reads the landing page,
/// collections, items in EPSG:27700, queryables and a CQL2 filter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and Python + OWSLib (CLUSTER_ATLAS_PYTHON): scripts/test.sh runs it"]
async fn owslib_with_default_settings() {
    let pool = loaded_pool(DB).await;
    let base = serve(&pool).await;
    let python = std::env::var("CLUSTER_ATLAS_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = tokio::process::Command::new(python)
        .arg(format!(
            "{}/tests/reference/owslib_check.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .arg(&base)
        .output()
        .await
        .expect("the test venv's python with OWSLib (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap();
    for rel in ["conformance", "data", "service-desc"] {
        assert!(
            report["landing_links"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == rel),
            "{report}"
        );
    }
    assert_eq!(
        report["collections"],
        serde_json::json!(["lsoa", "lsoa21", "clusters", "health_boards"])
    );
    assert_eq!(report["bng_content_crs"], format!("<{BNG}>"));
    let x = report["bng_first_position"][0].as_f64().unwrap();
    assert!((150_000.0..400_000.0).contains(&x), "{report}");
    assert!(report["queryables"]
        .as_array()
        .unwrap()
        .iter()
        .any(|q| q == "wimd_quintile"));
    let expected = quintile_1_ab(&pool).await;
    assert_eq!(report["filter_matched"], expected.len());
    assert_eq!(report["filter_codes"], serde_json::json!(expected));
    assert_eq!(report["item_id"], "W01000240");
}

/// Issue 16: GDAL's OAPIF driver with an attribute filter finds the same LSOAs as PostGIS
/// (GDAL 3.6 sends it as the per-property query parameters /api documents, so the server
/// filters); GDAL's GeoJSON driver reads a CQL2-filtered items URL too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and GDAL's ogrinfo and ogr2ogr: scripts/test.sh runs it"]
async fn gdal_oapif_with_a_filter() {
    let pool = loaded_pool(DB).await;
    let base = serve(&pool).await;
    let source = format!("OAPIF:{base}/");
    let csv = gdal(&[
        "ogr2ogr",
        "-f",
        "CSV",
        "/vsistdout/",
        &source,
        "lsoa",
        "-where",
        QUINTILE_1_AB,
        "-select",
        "code",
    ])
    .await;
    let mut got: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.trim_matches('"').to_owned())
        .collect();
    got.sort();
    assert_eq!(got, quintile_1_ab(&pool).await);
    let expected = quintile_1_ab(&pool).await;
    let count = format!("Feature Count: {}", expected.len());
    let items = format!(
        "{base}/collections/lsoa/items?limit=10000&filter={}",
        encode(QUINTILE_1_AB)
    );
    let info = gdal(&["ogrinfo", "-ro", "-so", "-al", &items]).await;
    assert!(info.contains(&count), "{info}");
}

/// Issue 16: the same CQL2 filter on `lsoa` tiles draws exactly the LSOAs items return;
/// the filter is part of the cache key; clusters take their own queryables; a tile list
/// without lsoa or clusters refuses a filter.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn cql2_filter_on_tiles_matches_items() {
    let pool = loaded_pool(DB).await;
    let state = cluster_atlas::state::AppState::new(pool.clone(), None);
    let expected = quintile_1_ab(&pool).await;
    let filter = encode(QUINTILE_1_AB);
    let (mut filtered, mut all) = (std::collections::BTreeSet::new(), 0);
    for x in 122..=127 {
        for y in 82..=87 {
            let uri = format!("/tiles/lsoa/8/{x}/{y}?filter={filter}");
            let r = send(&state, "GET", &uri, &[]).await;
            assert!(
                r.status == 200 || r.status == 204,
                "{uri}: {}",
                String::from_utf8_lossy(&r.body)
            );
            for f in decode_tile(&r.body) {
                assert_eq!(f.properties["wimd_quintile"], 1);
                filtered.insert(f.properties["code"].as_str().unwrap().to_owned());
            }
            // The unfiltered tile at the same address is another cache entry.
            let plain = send(&state, "GET", &format!("/tiles/lsoa/8/{x}/{y}"), &[]).await;
            all += decode_tile(&plain.body).len();
        }
    }
    assert_eq!(filtered.into_iter().collect::<Vec<_>>(), expected);
    assert!(all > expected.len() * 5, "{all}");
    // The OGC tile route takes the same filter.
    let ogc = get(
        &pool,
        &format!("/collections/lsoa/tiles/WebMercatorQuad/8/85/125?filter={filter}"),
    )
    .await;
    assert!(decode_tile(&ogc.body)
        .iter()
        .all(|f| f.properties["hb_code"] == "W11000028"));
    let clusters = get(
        &pool,
        "/tiles/clusters,health_boards/7/62/42?filter=hb_code%3D%27W11000028%27",
    )
    .await;
    let features = decode_tile(&clusters.body);
    assert!(features
        .iter()
        .filter(|f| f.layer == "clusters")
        .all(|f| f.properties["hb_code"] == "W11000028"));
    assert!(features
        .iter()
        .any(|f| f.layer == "health_boards" && f.properties["code"] != "W11000028"));
    assert!(features.iter().any(|f| f.layer == "clusters"));
    let bad = get(&pool, "/tiles/clusters/7/62/42?filter=wimd_rank%3D1").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["code"], "invalid_filter");
    assert_eq!(
        get(&pool, "/tiles/health_boards/7/62/42?filter=code%3D%27x%27")
            .await
            .status,
        400
    );
}

/// Issue 16: QGIS's OAPIF provider gives a layer in EPSG:27700, and a GeoPackage download
/// opens in QGIS with the catalogue's fields and types, in British National Grid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and QGIS (python3-qgis): scripts/test.sh runs it"]
async fn qgis_british_national_grid_layer_and_geopackage() {
    let pool = loaded_pool(DB).await;
    let base = serve(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("lsoa.gpkg");
    let r = get(&pool, &format!("/downloads/lsoa.gpkg?crs={BNG}")).await;
    assert_eq!(r.status, 200);
    std::fs::write(&gpkg, &r.body).unwrap();
    let report = run_qgis("qgis_bng_check.py", &[&base, gpkg.to_str().unwrap()]).await;
    let oapif = &report["oapif"];
    assert_eq!(oapif["valid"], true, "{report}");
    assert_eq!(oapif["features"], 63, "{report}");
    let e: Vec<f64> = oapif["extent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // QGIS 3.22's provider predates Features Part 2 and reads CRS84, reprojecting on the
    // fly; newer ones request EPSG:27700 itself. Either way the layer lies in BNG metres.
    assert!(
        ["EPSG:27700", "EPSG:4326"].contains(&oapif["crs"].as_str().unwrap()),
        "{report}"
    );
    assert!(
        e[0] > 100_000.0 && e[2] < 400_000.0 && e[1] > 150_000.0 && e[3] < 420_000.0,
        "{report}"
    );
    let file = &report["gpkg"];
    assert_eq!(file["valid"], true, "{report}");
    assert_eq!(file["crs"], "EPSG:27700", "{report}");
    assert_eq!(file["features"], 1909, "{report}");
    assert_eq!(file["fields"]["code"], "String", "{report}");
    assert_eq!(file["fields"]["wimd_quintile"], "Integer64", "{report}");
    assert_eq!(file["fields"]["name_cy"], "String", "{report}");
}

/// Issue 23: what OGC API clients rely on. A limit above the maximum is capped, not refused;
/// /conformance lists Basic Spatial Functions (S_INTERSECTS) and nothing unimplemented; every
/// document links its other media types; `timeStamp` is the response's time; an unsupported
/// CQL2 function is a 400 naming those that are supported.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn ogc_details_clients_rely_on() {
    let pool = loaded_pool(DB).await;
    for limit in ["20000", "99999999999999999999999"] {
        let reply = get(&pool, &format!("/collections/lsoa/items?limit={limit}")).await;
        assert_eq!(reply.status, 200, "limit={limit}");
        let fc = reply.json();
        assert_eq!(fc["numberReturned"], 1909, "limit={limit}");
        let next = fc["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "self")
            .unwrap()["href"]
            .to_string();
        assert!(next.contains("limit=10000"), "capped in the links: {next}");
    }
    for limit in ["0", "-5", "ten", ""] {
        let reply = get(&pool, &format!("/collections/lsoa/items?limit={limit}")).await;
        assert_eq!(reply.status, 400, "limit={limit}");
    }

    let conformance = get(&pool, "/conformance").await.json();
    let classes: Vec<&str> = conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(classes.contains(&"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions"));
    for not_implemented in [
        "/conf/spatial-functions",
        "/conf/temporal-functions",
        "/conf/case-insensitive-comparison",
        "/conf/accent-insensitive-comparison",
        "/conf/arithmetic",
        "/conf/property-property",
    ] {
        assert!(
            !classes.iter().any(|c| c.ends_with(not_implemented)),
            "{not_implemented}"
        );
    }

    // Alternate links for every other media type offered.
    let alternates = |doc: &Value| -> Vec<String> {
        doc["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["rel"] == "alternate")
            .map(|l| l["type"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        alternates(&get(&pool, "/collections").await.json()),
        ["text/html"]
    );
    assert_eq!(
        alternates(&get(&pool, "/collections/clusters").await.json()),
        ["text/html"]
    );
    let items = get(&pool, "/collections/clusters/items?limit=5")
        .await
        .json();
    assert_eq!(alternates(&items), ["text/csv", "text/html"]);
    let item = get(&pool, "/collections/clusters/items/7A1%3Aanglesey")
        .await
        .json();
    assert_eq!(alternates(&item), ["text/html"]);
    for doc in [&items, &item] {
        for link in doc["links"].as_array().unwrap() {
            let href = link["href"].as_str().unwrap();
            let path = href.trim_start_matches("http://atlas.test");
            let reply = get(&pool, path).await;
            assert_eq!(reply.status, 200, "{href}");
        }
    }
    let html = get(&pool, "/collections/clusters/items?limit=5&f=html").await;
    assert_eq!(html.status, 200);

    // timeStamp: when the response was made.
    let stamp = items["timeStamp"].as_str().unwrap();
    let made = chrono::DateTime::parse_from_rfc3339(stamp).expect("RFC 3339");
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let age = now.signed_duration_since(made);
    assert!(age.num_seconds().abs() < 60, "{stamp}");

    // Unsupported functions: a 400 that names the function and lists what is supported.
    for filter in [
        "S_WITHIN(geometry, POINT(-3.2 51.6))",
        "CASEI(name_wimd) = 'rhyl west 2'",
        "T_AFTER(loaded, TIMESTAMP('2020-01-01T00:00:00Z'))",
    ] {
        let reply = get(
            &pool,
            &format!("/collections/lsoa/items?filter={}", encode(filter)),
        )
        .await;
        assert_eq!(reply.status, 400, "{filter}");
        let error = reply.json()["error"].clone();
        let message = error["message"].as_str().unwrap();
        let name = filter.split('(').next().unwrap();
        assert!(
            message.contains(name) && message.contains("not supported"),
            "{filter}: {error}"
        );
        assert_eq!(
            error["allowed"],
            serde_json::json!(["S_INTERSECTS"]),
            "{error}"
        );
    }
    let json_filter = r#"{"op":"s_within","args":[{"property":"geometry"},{"type":"Point","coordinates":[-3.2,51.6]}]}"#;
    let reply = get(
        &pool,
        &format!(
            "/collections/lsoa/items?filter-lang=cql2-json&filter={}",
            encode(json_filter)
        ),
    )
    .await;
    assert_eq!(reply.status, 400);
    let error = reply.json()["error"].clone();
    assert!(error["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "s_intersects"));
}

/// Issue 23: GDAL 3.6–3.8 push a range `-where` to the server (the items' filter-lang lists
/// the draft `cql-text`, and /queryables the draft's list), instead of fetching every page and
/// filtering in the client (192 requests for 22 features before). Measured by the requests
/// GDAL sends. (A LIKE stays in the client: OGR's LIKE is case-insensitive, CQL2's is not.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and GDAL's ogr2ogr: scripts/test.sh runs it"]
async fn gdal_pushes_range_and_like_filters_to_the_server() {
    let pool = loaded_pool(DB).await;
    let (base, seen) = common::serve_recording(&pool).await;
    let source = format!("OAPIF:{base}/");
    for (where_clause, sql) in [
        (
            "wimd_rank BETWEEN 1 AND 30",
            "select code from atlas.lsoa where wimd_rank between 1 and 30 order by code",
        ),
        (
            "wimd_quintile = 1 AND hb_code = 'W11000028' AND wimd_rank > 100",
            "select code from atlas.lsoa where wimd_quintile = 1 and hb_code = 'W11000028' \
             and wimd_rank > 100 order by code",
        ),
    ] {
        seen.lock().unwrap().clear();
        let csv = gdal(&[
            "ogr2ogr",
            "-f",
            "CSV",
            "/vsistdout/",
            &source,
            "lsoa",
            "-where",
            where_clause,
            "-select",
            "code",
        ])
        .await;
        let mut got: Vec<String> = csv
            .lines()
            .skip(1)
            .map(|l| l.trim_matches('"').to_owned())
            .collect();
        got.sort();
        let expected: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
        assert_eq!(got, expected, "{where_clause}");
        let requests = seen.lock().unwrap().clone();
        // One unfiltered first page is GDAL reading the layer's fields; every page of the
        // answer carries the filter.
        let pages: Vec<&String> = requests
            .iter()
            .filter(|r| r.starts_with("/collections/lsoa/items") && r.contains("filter="))
            .collect();
        let unfiltered = requests
            .iter()
            .filter(|r| r.starts_with("/collections/lsoa/items") && !r.contains("filter="))
            .count();
        assert!(unfiltered <= 1, "{where_clause}: {requests:?}");
        assert!(
            !pages.is_empty(),
            "{where_clause}: no filter reached the server: {requests:?}"
        );
        // GDAL pages 10 features at a time: the filtered pages, not all 191.
        assert!(
            pages.len() <= expected.len() / 10 + 2,
            "{where_clause}: {} requests for {} features: {pages:?}",
            pages.len(),
            expected.len()
        );
    }
}
