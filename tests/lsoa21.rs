//! Issue 22 item 4: the 2021 LSOAs with WIMD 2025, served like the 2011 ones: loaded from
//! the bundled files, each in a cluster, as tiles, TileJSON, OGC collection and the default
//! deprivation map, and counted by WIMD 2025 quintile in every cluster's profile.

mod common;

use std::collections::HashMap;

use common::{decode_tile, get, loaded_pool};
use serde_json::Value;

const DB: &str = "lsoa21";

/// Every bundled 2021 LSOA is loaded with its WIMD 2025 rank, in the cluster the bundled
/// model gives it, and each cluster's WIMD 2025 profile adds up.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn every_2021_lsoa_is_loaded_in_its_model_cluster() {
    let pool = loaded_pool(DB).await;
    let (n, ranks, q1, provenance): (i64, i64, i64, String) = sqlx::query_as(
        "select count(*), count(distinct wimd_rank), count(*) filter (where wimd_quintile = 1), \
           min(cluster_provenance) from atlas.lsoa21",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((n, ranks), (1917, 1917));
    assert!((380..=385).contains(&q1), "{q1} LSOAs in quintile 1");
    assert!(provenance.contains("APPROX"), "{provenance}");
    // Rank 1 in WIMD 2025 is Rhyl West 2 (W01000240), as in 2019 (SOURCES.md).
    let rhyl: (String, i32) = sqlx::query_as(
        "select name_wimd, wimd_quintile::integer from atlas.lsoa21 where wimd_rank = 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rhyl, ("Rhyl West 2".to_owned(), 1));

    // The bundled model is built on 2021 LSOAs: each LSOA is in the model's cluster.
    let mut model: HashMap<String, String> = HashMap::new();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/boundaries/lsoa21_to_cluster_APPROX_model.csv"
    );
    let mut reader = csv::Reader::from_path(path).expect(path);
    let header = reader.headers().expect(path).clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (code, cluster) = (col("lsoa21cd"), col("cluster_2024_key"));
    for r in reader.records() {
        let r = r.expect(path);
        model.insert(r[code].to_owned(), r[cluster].to_owned());
    }
    let loaded: Vec<(String, String)> =
        sqlx::query_as("select code, cluster_code from atlas.lsoa21")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(loaded.len(), model.len());
    for (code, cluster) in &loaded {
        assert_eq!(Some(cluster), model.get(code), "{code}");
    }
    // mid-2024 residents follow the same clusters.
    let disagree: i64 = sqlx::query_scalar(
        "select count(*) from atlas.lsoa21_population p join atlas.lsoa21 l using (code) \
         where p.cluster_code is distinct from l.cluster_code",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(disagree, 0);

    // Profiles: LSOA counts by WIMD 2025 quintile add up, and residents by quintile too.
    let bad: i64 = sqlx::query_scalar(
        "select count(*) from atlas.cluster where lsoa21_count is distinct from \
           wimd2025_q1_lsoas + wimd2025_q2_lsoas + wimd2025_q3_lsoas + wimd2025_q4_lsoas + wimd2025_q5_lsoas",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(bad, 0);
    let total: i64 = sqlx::query_scalar("select sum(lsoa21_count)::bigint from atlas.cluster")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(total, 1917);
    let wales: i64 = sqlx::query_scalar(
        "select sum(residents)::bigint from atlas.area_population_deprivation \
         where level = 'wales' and period = 'mid-2024' and wimd = 'wimd2025'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(wales, 3_186_581, "the ONS mid-2024 total for Wales");

    // The profile shows both editions, each on its own LSOAs.
    let n: i64 = sqlx::query_scalar(
        "select lsoa21_count::bigint from atlas.cluster where code = '7A1:anglesey'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let profile = get(&pool, "/profiles/7A1%3Aanglesey").await.json();
    let d = &profile["deprivation"];
    assert_eq!(d["lsoa_count_wimd2025"]["lsoas"], n);
    assert_eq!(d["lsoa_count"]["index"], "wimd2019");
    let current = d["population_weighted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == "mid-2024")
        .unwrap();
    assert_eq!(current["index"], "wimd2025");
    assert_eq!(current["lsoas"], "lsoa2021");
}

/// Tiles, TileJSON and the default deprivation style: WIMD 2025 on 2021 LSOAs.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn lsoa21_tiles_tilejson_and_the_default_deprivation_map() {
    let pool = loaded_pool(DB).await;
    let reply = get(&pool, "/tiles/lsoa21/8/125/84").await;
    assert_eq!(reply.status, 200);
    let features = decode_tile(&reply.body);
    assert!(features.len() > 20, "{} features", features.len());
    for f in &features {
        let code = f.properties["code"].as_str().unwrap();
        assert!(code.starts_with("W01"), "{code}");
        let q = f.properties["wimd_quintile"].as_i64().unwrap();
        assert!((1..=5).contains(&q));
        assert!(f.properties["cluster_code"].as_str().is_some());
    }
    let tj = get(&pool, "/tiles/lsoa21.json").await.json();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(tj["vector_layers"][0]["id"], "lsoa21");
    assert!(tj["legend"].as_str().unwrap().contains("WIMD 2025"));
    assert!(tj["attribution"].as_str().unwrap().contains("APPROXIMATE"));
    // The composite is unchanged: the 2011 LSOAs with WIMD 2019.
    let tj = get(&pool, "/tiles/wales.json").await.json();
    let ids: Vec<&str> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["lsoa", "clusters", "health_boards", "labels"]);
    assert!(tj["legend"].as_str().unwrap().contains("WIMD 2019"));

    let style = get(&pool, "/styles/deprivation.json").await.json();
    assert_eq!(style["layers"][1]["source-layer"], "lsoa21");
    let url = style["sources"]["atlas"]["url"].as_str().unwrap();
    assert!(
        url.contains("/tiles/lsoa21,clusters,health_boards"),
        "{url}"
    );
    let old = get(&pool, "/styles/deprivation.json?vintage=2019")
        .await
        .json();
    assert_eq!(old["layers"][1]["source-layer"], "lsoa");
    let svg = get(&pool, "/legends/deprivation.svg?lang=cy").await;
    assert_eq!(svg.status, 200);
    assert!(String::from_utf8_lossy(&svg.body).contains("MALlC 2025"));
}

/// The 2021 LSOAs are an OGC API collection, queryable (CQL2) and downloadable like `lsoa`.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn lsoa21_is_an_ogc_collection() {
    let pool = loaded_pool(DB).await;
    let c = get(&pool, "/collections/lsoa21").await;
    assert_eq!(c.status, 200);
    let q = get(&pool, "/collections/lsoa21/queryables").await.json();
    assert!(q["properties"].get("wimd_quintile").is_some(), "{q}");
    let items = get(
        &pool,
        "/collections/lsoa21/items?filter=wimd_rank%3D1&limit=10",
    )
    .await
    .json();
    let features = items["features"].as_array().unwrap();
    assert_eq!(features.len(), 1);
    assert_eq!(features[0]["properties"]["name_wimd"], "Rhyl West 2");
    let all = get(&pool, "/collections/lsoa21/items?limit=10000")
        .await
        .json();
    assert_eq!(all["numberMatched"], 1917);
    let csv = get(&pool, "/downloads/lsoa21.csv?bom=false").await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.body).unwrap();
    assert_eq!(text.lines().count(), 1918, "a header and 1,917 rows");
    let bad = get(&pool, "/collections/lsoa21/items?indicator=copd").await;
    assert_eq!(bad.status, 400);
    let v: Value = bad.json();
    assert!(v["error"]["message"].as_str().is_some());
}

/// The WIMD 2025 deprivation shares are indicators like the others: in /data, on indicator
/// tiles and in findings, never tested, and consistent with the 2021 LSOAs they count.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn wimd2025_shares_are_indicators() {
    let pool = loaded_pool(DB).await;
    let data = get(&pool, "/data/lsoas_most_deprived_20pct_wimd2025")
        .await
        .json();
    assert_eq!(data["period"], "2025");
    let rows = data["rows"].as_array().unwrap();
    let wales = rows.iter().find(|r| r["level"] == "wales").unwrap();
    let q1: i64 = sqlx::query_scalar("select count(*) from atlas.lsoa21 where wimd_quintile = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(wales["numerator"], q1 as f64);
    assert_eq!(wales["denominator"], 1917.0);
    assert_eq!(rows.iter().filter(|r| r["level"] == "cluster").count(), 63);
    for r in rows {
        assert!(r["lower_ci"].is_null(), "{r}");
    }
    let residents = get(&pool, "/data/pct_residents_wimd2025_q1").await.json();
    assert_eq!(residents["period"], "mid-2024");
    let wales = residents["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["level"] == "wales")
        .unwrap()
        .clone();
    assert_eq!(wales["denominator"], 3_186_581.0);
    let tile = get(
        &pool,
        "/tiles/clusters/6/31/20?indicator=pct_residents_wimd2025_q1",
    )
    .await;
    assert_eq!(tile.status, 200);
    assert!(decode_tile(&tile.body)
        .iter()
        .all(|f| f.properties["sig_vs_wales"] == "not_tested"));
    let f = get(
        &pool,
        "/findings/lsoas_most_deprived_20pct_wimd2025?lang=cy",
    )
    .await
    .json();
    assert_eq!(f["tested"], false);
    assert!(f["title"].as_str().unwrap().contains("MALlC 2025"), "{f}");
}
