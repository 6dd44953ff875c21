//! The loaded geography is consistent: every LSOA in exactly one cluster and board, valid
//! polygons, profiles that add up, and the official-geography path (cluster polygons in
//! any OGR format, joined spatially) reproduces the lookup it was drawn from.

mod common;

use common::{bundled_inputs, db_args, fresh_database, loaded_pool};

#[tokio::test]
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
