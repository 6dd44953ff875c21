//! The loaded geography is consistent: every LSOA in exactly one cluster and board, valid
//! polygons, profiles that add up, and the official-geography path (cluster polygons in
//! any OGR format, joined spatially) reproduces the lookup it was drawn from.

mod common;

use common::{bundled_inputs, db_args, fresh_database, loaded_pool};

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn every_lsoa_is_in_exactly_one_cluster_and_board() {
    let pool = loaded_pool("integrity").await;
    let (lsoas, orphans, clusters_sum, boards_sum): (i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from atlas.lsoa), \
           (select count(*) from atlas.lsoa l left join atlas.cluster c on c.code = l.cluster_code \
              left join atlas.health_board h on h.code = l.hb_code where c.code is null or h.code is null), \
           (select sum(lsoa_count) from atlas.cluster), (select sum(lsoa_count) from atlas.health_board)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(lsoas, 1909);
    assert_eq!(orphans, 0);
    assert_eq!(clusters_sum, 1909);
    assert_eq!(boards_sum, 1909);
    // The approximate model assigns within a board, so clusters nest in boards.
    let crossing: i64 = sqlx::query_scalar(
        "select count(*) from atlas.lsoa l join atlas.cluster c on c.code = l.cluster_code where c.hb_code <> l.hb_code",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(crossing, 0);
    // Each LSOA's point-on-surface lies in its own cluster's and board's dissolved polygon only.
    let misplaced: i64 = sqlx::query_scalar(
        "select count(*) from atlas.lsoa l where \
           (select count(*) from atlas.cluster c where ST_Intersects(c.geom, ST_PointOnSurface(l.geom))) <> 1 \
           or not exists (select 1 from atlas.cluster c where c.code = l.cluster_code and ST_Intersects(c.geom, ST_PointOnSurface(l.geom))) \
           or not exists (select 1 from atlas.health_board h where h.code = l.hb_code and ST_Intersects(h.geom, ST_PointOnSurface(l.geom)))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(misplaced, 0);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn polygons_are_valid_in_every_zoom_band() {
    let pool = loaded_pool("integrity").await;
    for table in ["lsoa", "cluster", "health_board"] {
        let invalid: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "select count(*) from atlas.{table} where not (ST_IsValid(geom) and ST_IsValid(geom_z7) \
               and ST_IsValid(geom_z4) and ST_IsValid(geom_z6)) or ST_IsEmpty(geom_z4) or ST_IsEmpty(geom_z6) or ST_SRID(geom) <> 3857"
        )))
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(invalid, 0, "{table}");
    }
    // Dissolving leaves no sliver holes (a plain ST_Union left thousands).
    let holes: i64 = sqlx::query_scalar(
        "select coalesce(sum(ST_NumInteriorRings(d.geom)), 0) from atlas.health_board h, ST_Dump(h.geom) d",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(holes <= 2, "{holes} holes in health boards");
    // Wales is about 20,779 km²; the dissolved boards must cover the same land.
    let km2: f64 = sqlx::query_scalar(
        "select sum(ST_Area(ST_Transform(geom, 27700))) / 1e6 from atlas.health_board",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!((km2 - 20_780.0).abs() < 5.0, "{km2} km²");
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn deprivation_profiles_add_up_and_match_known_counts() {
    let pool = loaded_pool("integrity").await;
    let bad: i64 = sqlx::query_scalar(
        "select count(*) from (select lsoa_count, wimd_q1_lsoas + wimd_q2_lsoas + wimd_q3_lsoas + wimd_q4_lsoas + wimd_q5_lsoas as s, \
           wimd_q1_pct + wimd_q2_pct + wimd_q3_pct + wimd_q4_pct + wimd_q5_pct as p from atlas.cluster \
           union all select lsoa_count, wimd_q1_lsoas + wimd_q2_lsoas + wimd_q3_lsoas + wimd_q4_lsoas + wimd_q5_lsoas, \
           wimd_q1_pct + wimd_q2_pct + wimd_q3_pct + wimd_q4_pct + wimd_q5_pct from atlas.health_board) t \
         where s <> lsoa_count or abs(p - 100) > 1e-9",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(bad, 0);
    // Published quintile sizes: 382/382/382/382/381.
    let q: Vec<i64> = sqlx::query_scalar(
        "select sum(x)::bigint from atlas.health_board, unnest(array[wimd_q1_lsoas, wimd_q2_lsoas, wimd_q3_lsoas, wimd_q4_lsoas, wimd_q5_lsoas]) with ordinality as u(x, i) group by i order by i",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(q, vec![382, 382, 382, 382, 381]);
}

/// The official geography arrives as polygons (DataMapWales: GeoPackage, EPSG:27700,
/// fields code/name_en/enw_cy). Export our clusters that way with GDAL's ogr2ogr, load
/// them with --cluster-polygons, and every LSOA must land in the same cluster.
#[tokio::test]
#[ignore = "needs PostGIS and GDAL's ogr2ogr: scripts/test.sh runs it"]
async fn cluster_polygons_in_a_geopackage_join_spatially() {
    let source = loaded_pool("integrity").await;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("primary_care_clusters.gpkg");
    let url = common::loaded_database("integrity");
    let status = std::process::Command::new("ogr2ogr")
        .args(["-f", "GPKG", "-t_srs", "EPSG:27700", "-nln", "primary_care_clusters"])
        .arg(&gpkg)
        .arg(format!("PG:{}", pg_dsn(&url)))
        .args([
            "-sql",
            "select code, name_en, case when code like '7A2:%' then 'TEST-CY ' || name_en end as enw_cy, geom from atlas.cluster",
        ])
        .status()
        .expect("ogr2ogr (gdal-bin) is installed by scripts/test.sh");
    assert!(status.success());

    let target_url = fresh_database("polygons").await;
    let pool = cluster_atlas::db::connect(&db_args(&target_url))
        .await
        .unwrap();
    let mut inputs = bundled_inputs();
    inputs.cluster_polygons = Some(gpkg);
    let report = cluster_atlas::etl::load(&pool, &inputs)
        .await
        .expect("load with polygons");
    assert_eq!(report.lsoas, 1909);
    assert_eq!(report.clusters, 63);
    assert!(!report.cluster_approximate);

    let expected: Vec<(String, String)> =
        sqlx::query_as("select code, cluster_code from atlas.lsoa order by code")
            .fetch_all(&source)
            .await
            .unwrap();
    let actual: Vec<(String, String)> =
        sqlx::query_as("select code, cluster_code from atlas.lsoa order by code")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(actual, expected);
    // 2021 LSOAs join the polygons by their population-weighted centroids. The polygons are
    // the model's clusters dissolved from 2011 LSOAs, so nearly every one lands where the
    // model put it (the rest are split 2011 LSOAs and centroids near a boundary).
    let placed: Vec<(String, String, String)> = sqlx::query_as(
        "select code, cluster_code, cluster_provenance from atlas.lsoa21 order by code",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(placed.len(), 1917);
    let by_centroid = placed
        .iter()
        .filter(|p| p.2.contains("population-weighted centroid"))
        .count();
    assert!(by_centroid >= 1900, "{by_centroid} placed by centroid");
    let model: std::collections::HashMap<String, String> =
        sqlx::query_as::<_, (String, String)>("select code, cluster_code from atlas.lsoa21")
            .fetch_all(&source)
            .await
            .unwrap()
            .into_iter()
            .collect();
    let same = placed
        .iter()
        .filter(|p| model.get(&p.0) == Some(&p.1))
        .count();
    assert!(same * 100 >= placed.len() * 97, "{same} of 1,917 agree");
    let (provenance, approximate): (String, bool) =
        sqlx::query_as("select cluster_provenance, cluster_approximate from atlas.data_version order by version desc limit 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!approximate);
    assert!(
        provenance.contains("spatial join") && provenance.contains("primary_care_clusters.gpkg")
    );
    // Welsh names come from the polygons where present (a synthetic test value here);
    // elsewhere English, flagged.
    let names: Vec<(String, bool)> = sqlx::query_as(
        "select name_cy, name_cy_fallback from atlas.cluster where code in ('7A2:amman-gwendraeth', '7A1:anglesey') order by code",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(names[0], ("Anglesey".to_owned(), true));
    assert_eq!(names[1], ("TEST-CY Amman/Gwendraeth".to_owned(), false));
    // Health boards for polygon clusters come from their LSOAs.
    let hb: String =
        sqlx::query_scalar("select hb_code from atlas.cluster where code = '7A1:anglesey'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(hb, "W11000023");
}

/// `postgres://user@host:port/db` as a libpq keyword string for GDAL.
fn pg_dsn(url: &str) -> String {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .unwrap();
    let (auth, hostdb) = rest.split_once('@').unwrap_or(("", rest));
    let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
    let (hostport, db) = hostdb.split_once('/').unwrap();
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "5432"));
    let mut dsn = format!("host={host} port={port} dbname={db}");
    if !user.is_empty() {
        dsn.push_str(&format!(" user={user}"));
    }
    if !password.is_empty() {
        dsn.push_str(&format!(" password={password}"));
    }
    dsn
}

/// The official layer's names differ from the bundled list in case, punctuation, `&`
/// versus `and` and spacing around slashes; its codes are not the bundled keys. The SQL
/// expression turns a bundled `name_en` into such a name.
const OFFICIAL_NAME: &str =
    "case when fid % 2 = 0 then upper(replace(replace(name_en, '&', 'and'), '/', ' / ')) \
     else lower(replace(name_en, '/', ' / ')) || '.' end";

/// Writes the loaded clusters as an official-format GeoPackage (EPSG:27700, code/name_en/
/// enw_cy) with official-looking codes (`W97` and six digits, made up for the test) and the
/// names `name_sql` gives; returns its path.
fn official_gpkg(dir: &tempfile::TempDir, name_sql: &str) -> std::path::PathBuf {
    let gpkg = dir.path().join("primary_care_clusters_2024_hwm.gpkg");
    let url = common::loaded_database("integrity");
    let status = std::process::Command::new("ogr2ogr")
        .args([
            "-f",
            "GPKG",
            "-t_srs",
            "EPSG:27700",
            "-nln",
            "primary_care_clusters_2024_hwm",
        ])
        .arg(&gpkg)
        .arg(format!("PG:{}", pg_dsn(&url)))
        .args([
            "-sql",
            &format!(
                "select 'W97' || lpad(fid::text, 6, '0') as code, {name_sql} as name_en, \
                 null::text as enw_cy, geom from atlas.cluster"
            ),
        ])
        .status()
        .expect("ogr2ogr (gdal-bin) is installed by scripts/test.sh");
    assert!(status.success());
    gpkg
}

/// Loads `gpkg` into a fresh database with `edit` applied to the inputs.
async fn load_official(
    name: &str,
    gpkg: std::path::PathBuf,
    edit: impl FnOnce(&mut cluster_atlas::config::InputArgs),
) -> (
    sqlx::PgPool,
    Result<cluster_atlas::etl::LoadReport, cluster_atlas::etl::EtlError>,
) {
    let url = fresh_database(name).await;
    let pool = cluster_atlas::db::connect(&db_args(&url)).await.unwrap();
    let mut inputs = bundled_inputs();
    inputs.cluster_polygons = Some(gpkg);
    edit(&mut inputs);
    let result = cluster_atlas::etl::load(&pool, &inputs).await;
    (pool, result)
}

/// Issue 13, item 8: official polygons keep every bundled cluster value, matched by name.
#[tokio::test]
#[ignore = "needs PostGIS and GDAL's ogr2ogr: scripts/test.sh runs it"]
async fn official_polygons_keep_the_bundled_values_matched_by_name() {
    let source = loaded_pool("integrity").await;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = official_gpkg(&dir, OFFICIAL_NAME);
    let (pool, report) = load_official("official_names", gpkg, |_| {}).await;
    let report = report.expect("load official polygons");
    assert_eq!(report.clusters, 63);
    assert_eq!(report.indicator_values_skipped, 0);
    assert_eq!(report.cluster_matches.len(), 63);
    let by = |key: &str| {
        report
            .cluster_matches
            .iter()
            .find(|m| m.bundled_key == key)
            .unwrap_or_else(|| panic!("{key} in the match table"))
            .clone()
    };
    assert!(report
        .cluster_matches
        .iter()
        .all(|m| m.method == cluster_atlas::etl::cluster_match::MatchMethod::Name && m.values > 0));
    let wrexham = by("7A1:north-and-west-wrexham");
    assert!(wrexham.cluster_code.as_deref().unwrap().starts_with("W97"));
    let taf = by("7A2:taf-tywi");
    assert_eq!(
        cluster_atlas::etl::cluster_match::normalise_name(taf.cluster_name.as_deref().unwrap()),
        "taftywi"
    );
    // The report (printed as JSON by `cluster-atlas load`) carries the table.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["cluster_matches"][0]["method"], "name");
    assert!(report
        .cluster_match_table()
        .unwrap()
        .contains("7A1:anglesey"));

    // Same number of values as the bundled load, every one on an official code.
    let count = "select count(*) from atlas.indicator_value where level = 'cluster'";
    let before: i64 = sqlx::query_scalar(count).fetch_one(&source).await.unwrap();
    let after: i64 = sqlx::query_scalar(count).fetch_one(&pool).await.unwrap();
    assert_eq!(after, before);
    let data = common::get(&pool, "/data/copd").await.json();
    let clusters: Vec<&serde_json::Value> = data["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "cluster")
        .collect();
    assert_eq!(clusters.len(), 63);
    assert!(clusters
        .iter()
        .all(|r| r["code"].as_str().unwrap().starts_with("W97") && r["value"].is_number()));
    // The value moved with its cluster: Anglesey's COPD prevalence is the bundled one.
    let anglesey = by("7A1:anglesey").cluster_code.unwrap();
    let value = |pool: &sqlx::PgPool, code: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, f64>(
                "select value from atlas.indicator_value where indicator_id = 'copd' and area_code = $1",
            )
            .bind(code)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        value(&pool, anglesey).await,
        value(&source, "7A1:anglesey".into()).await
    );
}

/// A cluster whose name matches nothing refuses the load, naming it; `--allow-unmatched`
/// loads and reports its values as skipped, as before.
#[tokio::test]
#[ignore = "needs PostGIS and GDAL's ogr2ogr: scripts/test.sh runs it"]
async fn an_unmatched_cluster_refuses_the_load_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let renamed =
        format!("case when code = '7A1:arfon' then 'Gwynedd North' else {OFFICIAL_NAME} end");
    let gpkg = official_gpkg(&dir, &renamed);
    let (pool, result) = load_official("official_unmatched", gpkg.clone(), |_| {}).await;
    let err = result
        .expect_err("an unmatched cluster refuses the load")
        .to_string();
    for part in [
        "primary_care_clusters_2024_hwm.gpkg",
        "7A1:arfon (Arfon, ",
        "--cluster-crosswalk",
        "--allow-unmatched",
    ] {
        assert!(err.contains(part), "`{err}` should contain `{part}`");
    }
    let versions: i64 = sqlx::query_scalar("select count(*) from atlas.data_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(versions, 0, "a refused load wrote nothing");

    let (_, result) = load_official("official_unmatched", gpkg, |i| i.allow_unmatched = true).await;
    let report = result.expect("--allow-unmatched loads");
    let arfon = report
        .cluster_matches
        .iter()
        .find(|m| m.bundled_key == "7A1:arfon")
        .unwrap();
    assert_eq!(
        arfon.method,
        cluster_atlas::etl::cluster_match::MatchMethod::Unmatched
    );
    assert!(arfon.cluster_code.is_none());
    assert!(arfon.values > 0);
    assert_eq!(
        report.indicator_values_skipped,
        i64::try_from(arfon.values).unwrap()
    );
}

/// A crosswalk maps what neither code nor name can, and wins over a name match.
#[tokio::test]
#[ignore = "needs PostGIS and GDAL's ogr2ogr: scripts/test.sh runs it"]
async fn a_crosswalk_matches_renamed_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let renamed =
        format!("case when code = '7A1:arfon' then 'Gwynedd North' else {OFFICIAL_NAME} end");
    let gpkg = official_gpkg(&dir, &renamed);
    let source = loaded_pool("integrity").await;
    let fid: i32 = sqlx::query_scalar("select fid from atlas.cluster where code = '7A1:arfon'")
        .fetch_one(&source)
        .await
        .unwrap();
    let crosswalk = dir.path().join("crosswalk.csv");
    std::fs::write(
        &crosswalk,
        format!("bundled_key,cluster_code,note\n7A1:arfon,W97{fid:06},renamed in 2024\n"),
    )
    .unwrap();
    let (pool, result) = load_official("official_crosswalk", gpkg, |i| {
        i.cluster_crosswalk = Some(crosswalk)
    })
    .await;
    let report = result.expect("the crosswalk fills the gap");
    assert_eq!(report.indicator_values_skipped, 0);
    let arfon = report
        .cluster_matches
        .iter()
        .find(|m| m.bundled_key == "7A1:arfon")
        .unwrap();
    assert_eq!(
        arfon.method,
        cluster_atlas::etl::cluster_match::MatchMethod::Crosswalk
    );
    assert_eq!(
        arfon.cluster_code.as_deref(),
        Some(format!("W97{fid:06}").as_str())
    );
    let count =
        "select count(*) from atlas.indicator_value where level = 'cluster' and area_code = $1";
    let n: i64 = sqlx::query_scalar(count)
        .bind(format!("W97{fid:06}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    let bundled: i64 = sqlx::query_scalar(count)
        .bind("7A1:arfon")
        .fetch_one(&source)
        .await
        .unwrap();
    assert_eq!(n, bundled);
}
