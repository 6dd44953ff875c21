//! Writes prepared inputs into PostGIS in one transaction: stage, validate, derive, swap.
//!
//! Readers keep seeing the previous version until the commit (MVCC), and any error, or a
//! killed process, rolls everything back, so the database always holds one complete load.

use std::path::Path;
use std::sync::LazyLock;

use serde_json::Value;
use sqlx::{Postgres, Row, Transaction};

mod geometry;
mod indicators;
mod lsoa21;
mod population;
mod wimd;

use super::cluster::Cluster;
use super::error::EtlError;
use super::progress::step;
use super::sources::{HealthBoard, Prepared};
use geometry::check_geometry;
use indicators::write_indicators;
use population::write_population;

use crate::catalog::{WIMD_DOMAINS, ZOOM_BANDS};
pub use population::POPULATION_TILE_PERIOD;

/// Serialises loads across processes; readers are not blocked.
const LOAD_LOCK_KEY: i64 = 0x0C1A_5A71;

/// Polygons farther than this from every cluster polygon make the load fail, rather
/// than being joined to a far-away cluster.
const NEAREST_CLUSTER_MAX_M: f64 = 2_000.0;

/// What a successful load wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadReport {
    /// The new data version.
    pub version: i64,
    /// LSOAs loaded.
    pub lsoas: i64,
    /// 2021 LSOAs loaded (with WIMD 2025).
    pub lsoa21s: i64,
    /// Clusters loaded.
    pub clusters: i64,
    /// Health boards loaded.
    pub health_boards: i64,
    /// LSOAs whose point-on-surface fell outside every cluster polygon and were given
    /// the nearest one (polygon input only).
    pub lsoas_joined_to_nearest_cluster: i64,
    /// Clusters in the input that received no LSOA, so have no geometry and were skipped.
    pub clusters_without_lsoas: Vec<String>,
    /// Whether the cluster geography is approximate.
    pub cluster_approximate: bool,
    /// Indicators in the catalogue.
    pub indicators: i64,
    /// Indicator values stored (all levels and periods).
    pub indicator_values: i64,
    /// Bundled indicator values skipped because their area is not in the loaded
    /// geography (for example cluster keys after loading official polygons).
    pub indicator_values_skipped: i64,
    /// With cluster polygons: each bundled cluster key, the loaded cluster it matched and
    /// how (`code`, `crosswalk`, `name` or `unmatched`), and how many values it carries.
    pub cluster_matches: Vec<crate::etl::cluster_match::ClusterMatch>,
}

impl LoadReport {
    /// The cluster match table as text (for stderr), when polygons were loaded.
    pub fn cluster_match_table(&self) -> Option<String> {
        (!self.cluster_matches.is_empty())
            .then(|| crate::etl::cluster_match::table(&self.cluster_matches))
    }
}

/// The WIMD columns of `atlas.lsoa`, overall then per domain of [`WIMD_DOMAINS`], with
/// their types: the one list the staging table and the insert are built from (and that
/// `tests/architecture.rs` checks the migrations against).
pub fn wimd_columns() -> Vec<(String, &'static str)> {
    let mut columns = vec![
        ("wimd_rank".to_owned(), "integer"),
        ("wimd_decile".to_owned(), "smallint"),
        ("wimd_quintile".to_owned(), "smallint"),
        ("wimd_quartile".to_owned(), "smallint"),
    ];
    for d in WIMD_DOMAINS {
        columns.push((format!("{}_rank", d.id), "integer"));
        columns.push((format!("{}_decile", d.id), "smallint"));
        columns.push((format!("{}_quintile", d.id), "smallint"));
    }
    columns
}

static STAGE_LSOA: LazyLock<String> = LazyLock::new(|| {
    let wimd: Vec<String> = wimd_columns()
        .iter()
        .map(|(name, ty)| format!("{name} {ty}"))
        .collect();
    format!(
        "create temp table stage_lsoa on commit drop as \
         select r.*, ST_SetSRID(ST_Multi(ST_GeomFromWKB(decode(r.wkb, 'hex'))), 3857) as geom \
         from jsonb_to_recordset($1) as r( \
             code text, feature_index integer, name_en text, name_cy text, name_cy_fallback boolean, \
             name_wimd text, la_code text, la_name_en text, la_name_cy text, hb_code text, \
             cluster_code text, cluster_provenance text, {}, wkb text)",
        wimd.join(", ")
    )
});

static INSERT_LSOA: LazyLock<String> = LazyLock::new(|| {
    let wimd: Vec<String> = wimd_columns().into_iter().map(|(name, _)| name).collect();
    format!(
        "insert into atlas.lsoa \
         select row_number() over (order by code)::integer, code, name_en, name_cy, name_cy_fallback, \
           name_wimd, la_code, la_name_en, la_name_cy, hb_code, cluster_code, cluster_provenance, \
           {}, geom, ST_GeomFromText('MULTIPOLYGON EMPTY', 3857), ST_GeomFromText('MULTIPOLYGON EMPTY', 3857) \
         from stage_lsoa",
        wimd.join(", ")
    )
});

const STAGE_CLUSTER_POLYGONS: &str = "create temp table stage_cluster_polygon on commit drop as \
    select r.code, r.feature_index, ST_SetSRID(ST_GeomFromWKB(decode(r.wkb, 'hex')), 3857) as geom \
    from jsonb_to_recordset($1) as r(code text, feature_index integer, wkb text)";

/// Counts per WIMD quintile and shares, for a group of staged LSOAs.
const PROFILE_COLUMNS: &str = "count(*)::integer, \
    count(*) filter (where l.wimd_quintile = 1)::integer, count(*) filter (where l.wimd_quintile = 2)::integer, \
    count(*) filter (where l.wimd_quintile = 3)::integer, count(*) filter (where l.wimd_quintile = 4)::integer, \
    count(*) filter (where l.wimd_quintile = 5)::integer, \
    100.0 * count(*) filter (where l.wimd_quintile = 1) / count(*), 100.0 * count(*) filter (where l.wimd_quintile = 2) / count(*), \
    100.0 * count(*) filter (where l.wimd_quintile = 3) / count(*), 100.0 * count(*) filter (where l.wimd_quintile = 4) / count(*), \
    100.0 * count(*) filter (where l.wimd_quintile = 5) / count(*)";

/// Dissolves a group of staged LSOAs. Neighbouring LSOAs share vertices only up to
/// floating-point noise after reprojection, which leaves thousands of sub-square-metre
/// sliver holes in a plain union; snapping to a 1 m grid first (far below the 20 m
/// generalisation of the source) makes shared edges identical.
const DISSOLVE: &str =
    "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(ST_MakeValid(ST_SnapToGrid(l.geom, 1.0)))), 3))";

/// What the data-version record keeps of the inputs.
struct RecordedInputs<'a> {
    inputs: &'a Value,
    cluster_approximate: bool,
    cluster_provenance: &'a str,
}

/// Runs the whole database side of a load in one transaction, one step per function; any
/// failure rolls everything back, so a failed load leaves the previous version in place.
pub async fn write(pool: &sqlx::PgPool, prepared: Prepared) -> Result<LoadReport, EtlError> {
    let mut tx = pool.begin().await?;
    // Loads take minutes at most; the pool's per-statement timeout is for requests.
    sqlx::query("set local statement_timeout = 0")
        .execute(&mut *tx)
        .await?;
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(LOAD_LOCK_KEY)
        .execute(&mut *tx)
        .await?;
    stage_lsoas(&mut tx, prepared.lsoas, &prepared.lsoa_path).await?;
    let polygon_path = prepared.cluster_polygons.as_ref().map(|(p, _)| p.clone());
    let joined_to_nearest = match prepared.cluster_polygons {
        Some((path, polygons)) => stage_cluster_polygons(&mut tx, polygons, &path).await?,
        None => 0,
    };
    clear_previous(&mut tx).await?;
    write_health_boards(&mut tx, &prepared.health_boards).await?;
    let clusters_without_lsoas = write_clusters(
        &mut tx,
        &prepared.clusters,
        &prepared.cluster_provenance,
        prepared.cluster_approximate,
    )
    .await?;
    if let Some(path) = &polygon_path {
        refuse_dropped_values(
            &prepared.cluster_matches,
            prepared.allow_unmatched,
            &clusters_without_lsoas,
            path,
        )?;
    }
    write_lsoas(&mut tx).await?;
    step("placing 2021 LSOAs with WIMD 2025");
    let parents: Vec<(&str, &[String])> = prepared
        .population
        .lsoa21
        .iter()
        .map(|p| (p.code.as_str(), p.parents.as_slice()))
        .collect();
    let lsoa21s = lsoa21::write_lsoa21(
        &mut tx,
        &prepared.lsoa21,
        lsoa21::Placement {
            clusters: prepared.lsoa21_clusters.as_ref(),
            polygons: polygon_path.is_some(),
            provenance: &prepared.cluster_provenance,
        },
        &parents,
    )
    .await?;
    drop(parents);
    step("aggregating population");
    write_population(&mut tx, prepared.population).await?;
    generalise(&mut tx).await?;
    label_points(&mut tx).await?;
    step("loading indicators");
    let (indicators, mut indicator_values, indicator_values_skipped) =
        write_indicators(&mut tx, prepared.indicators).await?;
    step("storing WIMD indicators per LSOA");
    indicator_values +=
        i64::try_from(wimd::write_wimd_indicators(&mut tx, &prepared.wimd_indicators).await?)
            .unwrap_or(i64::MAX);
    let recorded = RecordedInputs {
        inputs: &prepared.inputs,
        cluster_approximate: prepared.cluster_approximate,
        cluster_provenance: &prepared.cluster_provenance,
    };
    let (version, lsoas, clusters, boards) = record_version(&mut tx, &recorded).await?;
    // Heard by every server on this database (each replica behind a load balancer) when,
    // and only if, the commit below succeeds.
    crate::db::listen::notify_new_version(&mut tx, version).await?;
    tx.commit().await?;
    Ok(LoadReport {
        version,
        lsoas,
        lsoa21s: i64::try_from(lsoa21s).unwrap_or(i64::MAX),
        clusters,
        health_boards: boards,
        lsoas_joined_to_nearest_cluster: joined_to_nearest,
        clusters_without_lsoas,
        cluster_approximate: prepared.cluster_approximate,
        indicators,
        indicator_values,
        indicator_values_skipped,
        cluster_matches: prepared.cluster_matches,
    })
}

/// Fails when bundled cluster values would be dropped (their key matched no loaded
/// cluster, or one without LSOAs), unless the user allowed it; checked after the spatial
/// join so the clusters that really get geometry are known.
fn refuse_dropped_values(
    matches: &[crate::etl::cluster_match::ClusterMatch],
    allow_unmatched: bool,
    clusters_without_lsoas: &[String],
    polygons: &Path,
) -> Result<(), EtlError> {
    let dropped = crate::etl::cluster_match::dropped(matches, clusters_without_lsoas);
    if dropped.is_empty() || allow_unmatched {
        return Ok(());
    }
    Err(EtlError::Incomplete {
        path: polygons.to_path_buf(),
        message:
            "bundled indicator values would be dropped for these bundled clusters, which match \
                  no loaded cluster by code or name; map them with --cluster-crosswalk \
                  (bundled_key,cluster_code) or pass --allow-unmatched to skip them"
                .into(),
        codes: dropped,
    })
}

/// Stages the LSOA rows and checks their geometry.
async fn stage_lsoas(
    tx: &mut Transaction<'_, Postgres>,
    rows: Vec<Value>,
    path: &Path,
) -> Result<(), EtlError> {
    step("staging LSOAs");
    sqlx::query(sqlx::AssertSqlSafe(STAGE_LSOA.as_str()))
        .bind(Value::Array(rows))
        .execute(&mut **tx)
        .await?;
    check_geometry(tx, "stage_lsoa", path, "code").await
}

/// Stages the official cluster polygons and joins every LSOA to one; returns how many
/// LSOAs fell outside every polygon and joined the nearest.
async fn stage_cluster_polygons(
    tx: &mut Transaction<'_, Postgres>,
    polygons: Vec<Value>,
    path: &Path,
) -> Result<i64, EtlError> {
    step("joining LSOAs to cluster polygons");
    sqlx::query(STAGE_CLUSTER_POLYGONS)
        .bind(Value::Array(polygons))
        .execute(&mut **tx)
        .await?;
    check_geometry(tx, "stage_cluster_polygon", path, "code").await?;
    join_clusters_spatially(tx, path).await
}

/// Deletes the previous version's areas (children first: LSOAs reference clusters and
/// boards). Readers keep seeing them until the load commits.
async fn clear_previous(tx: &mut Transaction<'_, Postgres>) -> Result<(), EtlError> {
    step("replacing the previous version");
    for table in [
        "atlas.lsoa21",
        "atlas.lsoa",
        "atlas.cluster",
        "atlas.health_board",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("delete from {table}")))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// One field of every item, as a bind array.
fn column<T, U>(items: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    items.iter().map(f).collect()
}

/// Dissolves the health boards from their staged LSOAs, with their deprivation profile.
async fn write_health_boards(
    tx: &mut Transaction<'_, Postgres>,
    boards: &[HealthBoard],
) -> Result<(), EtlError> {
    step("dissolving health boards");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into atlas.health_board (fid, code, ods_code, name_en, name_cy, name_cy_fallback, \
           lsoa_count, wimd_q1_lsoas, wimd_q2_lsoas, wimd_q3_lsoas, wimd_q4_lsoas, wimd_q5_lsoas, \
           wimd_q1_pct, wimd_q2_pct, wimd_q3_pct, wimd_q4_pct, wimd_q5_pct, geom, geom_z7, geom_z4) \
         select row_number() over (order by b.code)::integer, b.code, b.ods, b.name_en, \
           coalesce(b.name_cy, b.name_en), b.name_cy is null, {PROFILE_COLUMNS}, \
           {DISSOLVE}, ST_GeomFromText('MULTIPOLYGON EMPTY', 3857), \
           ST_GeomFromText('MULTIPOLYGON EMPTY', 3857) \
         from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as b(code, ods, name_en, name_cy) \
         join stage_lsoa l on l.hb_code = b.code \
         group by b.code, b.ods, b.name_en, b.name_cy"
    )))
    .bind(column(boards, |b| b.code.clone()))
    .bind(column(boards, |b| b.ods_code.clone()))
    .bind(column(boards, |b| b.name_en.clone()))
    .bind(column(boards, |b| b.name_cy.clone()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Dissolves the clusters from their staged LSOAs; returns the clusters no LSOA joined.
async fn write_clusters(
    tx: &mut Transaction<'_, Postgres>,
    clusters: &[Cluster],
    provenance: &str,
    approximate: bool,
) -> Result<Vec<String>, EtlError> {
    step("dissolving clusters");
    let codes: Vec<String> = clusters.iter().map(|c| c.code.clone()).collect();
    // A cluster's board is the input's, else the board most of its LSOAs are in.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into atlas.cluster (fid, code, name_en, name_cy, name_cy_fallback, hb_code, provenance, \
           approximate, lsoa_count, wimd_q1_lsoas, wimd_q2_lsoas, wimd_q3_lsoas, wimd_q4_lsoas, wimd_q5_lsoas, \
           wimd_q1_pct, wimd_q2_pct, wimd_q3_pct, wimd_q4_pct, wimd_q5_pct, geom, geom_z7, geom_z4) \
         select row_number() over (order by c.code)::integer, c.code, c.name_en, \
           coalesce(c.name_cy, c.name_en), c.name_cy is null, \
           coalesce(c.hb, mode() within group (order by l.hb_code)), $5, $6, {PROFILE_COLUMNS}, \
           {DISSOLVE}, ST_GeomFromText('MULTIPOLYGON EMPTY', 3857), \
           ST_GeomFromText('MULTIPOLYGON EMPTY', 3857) \
         from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as c(code, name_en, name_cy, hb) \
         join stage_lsoa l on l.cluster_code = c.code \
         group by c.code, c.name_en, c.name_cy, c.hb"
    )))
    .bind(&codes)
    .bind(column(clusters, |c| c.name_en.clone()))
    .bind(column(clusters, |c| c.name_cy.clone()))
    .bind(column(clusters, |c| c.hb_code.clone()))
    .bind(provenance)
    .bind(approximate)
    .execute(&mut **tx)
    .await?;
    let clusters_without_lsoas: Vec<String> = sqlx::query_scalar(
        "select c from unnest($1::text[]) as c where c not in (select code from atlas.cluster) order by c",
    )
    .bind(&codes)
    .fetch_all(&mut **tx)
    .await?;
    for code in &clusters_without_lsoas {
        tracing::warn!(cluster = %code, "cluster has no LSOAs assigned, so no geometry; skipped");
    }

    Ok(clusters_without_lsoas)
}

/// Copies the staged LSOAs into `atlas.lsoa`.
async fn write_lsoas(tx: &mut Transaction<'_, Postgres>) -> Result<(), EtlError> {
    step("writing LSOAs");
    sqlx::query(sqlx::AssertSqlSafe(INSERT_LSOA.as_str()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One label anchor per cluster and board: the centre of the largest circle inside it (its
/// pole of inaccessibility), found on the z7 generalisation, which is quick and lies within
/// 38 m of the full outline; where that point falls outside the full polygon (a sliver),
/// a point on its surface instead.
async fn label_points(tx: &mut Transaction<'_, Postgres>) -> Result<(), EtlError> {
    step("placing one label point per cluster and board");
    for table in ["atlas.cluster", "atlas.health_board"] {
        // Table names come from this fixed list only.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update {table} set label_point = (ST_MaximumInscribedCircle(geom_z7)).center"
        )))
        .execute(&mut **tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update {table} set label_point = ST_PointOnSurface(geom) \
             where label_point is null or not ST_Intersects(label_point, geom)"
        )))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Fills each zoom band's pre-generalised geometry column from `geom`.
async fn generalise(tx: &mut Transaction<'_, Postgres>) -> Result<(), EtlError> {
    step("generalising geometry per zoom band");
    for table in [
        "atlas.lsoa",
        "atlas.lsoa21",
        "atlas.cluster",
        "atlas.health_board",
    ] {
        for band in &ZOOM_BANDS {
            let Some(tolerance) = band.tolerance_m else {
                continue;
            };
            // Column names come from the compiled-in catalogue, never from input.
            let column = crate::db::quote_ident(band.column);
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "update {table} set {column} = ST_Multi(ST_CollectionExtract(ST_MakeValid(\
                 ST_SimplifyPreserveTopology(geom, $1)), 3))"
            )))
            .bind(tolerance)
            .execute(&mut **tx)
            .await?;
        }
    }

    Ok(())
}

/// Records the new data version with its counts and extent; returns the version and the
/// LSOA, cluster and board counts.
async fn record_version(
    tx: &mut Transaction<'_, Postgres>,
    prepared: &RecordedInputs<'_>,
) -> Result<(i64, i64, i64, i64), EtlError> {
    step("recording the data version");
    let counts = sqlx::query(
        "select (select count(*) from atlas.lsoa) as lsoas, (select count(*) from atlas.cluster) as clusters, \
         (select count(*) from atlas.health_board) as boards",
    )
    .fetch_one(&mut **tx)
    .await?;
    let (lsoas, clusters, boards): (i64, i64, i64) = (
        counts.try_get("lsoas")?,
        counts.try_get("clusters")?,
        counts.try_get("boards")?,
    );
    let version: i64 = sqlx::query_scalar(
        "insert into atlas.data_version (inputs, cluster_approximate, cluster_provenance, lsoa_count, \
           cluster_count, health_board_count, west, south, east, north) \
         select $1, $2, $3, $4, $5, $6, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) \
         from (select ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 3857), 4326) as e from atlas.lsoa) as x \
         returning version",
    )
    .bind(prepared.inputs)
    .bind(prepared.cluster_approximate)
    .bind(prepared.cluster_provenance)
    .bind(i32::try_from(lsoas).unwrap_or(i32::MAX))
    .bind(i32::try_from(clusters).unwrap_or(i32::MAX))
    .bind(i32::try_from(boards).unwrap_or(i32::MAX))
    .fetch_one(&mut **tx)
    .await?;

    Ok((version, lsoas, clusters, boards))
}

/// Gives each staged LSOA the cluster polygon containing its point-on-surface, else the
/// nearest within [`NEAREST_CLUSTER_MAX_M`]. Returns how many needed the nearest rule.
async fn join_clusters_spatially(
    tx: &mut Transaction<'_, Postgres>,
    path: &std::path::Path,
) -> Result<i64, EtlError> {
    sqlx::query("create index on stage_cluster_polygon using gist (geom)")
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "update stage_lsoa l set cluster_code = ( \
           select p.code from stage_cluster_polygon p \
           where ST_Intersects(p.geom, ST_PointOnSurface(l.geom)) \
           order by p.code limit 1)",
    )
    .execute(&mut **tx)
    .await?;
    let nearest = sqlx::query(
        "update stage_lsoa l set cluster_code = n.code from ( \
           select l2.code as lsoa, ( \
             select p.code from stage_cluster_polygon p \
             where ST_DWithin(p.geom, ST_PointOnSurface(l2.geom), $1) \
             order by p.geom <-> ST_PointOnSurface(l2.geom), p.code limit 1) as code \
           from stage_lsoa l2 where l2.cluster_code is null) as n \
         where l.code = n.lsoa and n.code is not null",
    )
    .bind(NEAREST_CLUSTER_MAX_M)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let orphans: Vec<String> =
        sqlx::query_scalar("select code from stage_lsoa where cluster_code is null order by code")
            .fetch_all(&mut **tx)
            .await?;
    if !orphans.is_empty() {
        return Err(EtlError::Incomplete {
            path: path.to_path_buf(),
            message: format!(
                "these LSOAs lie in no cluster polygon, nor within {NEAREST_CLUSTER_MAX_M} m of one"
            ),
            codes: orphans,
        });
    }
    Ok(i64::try_from(nearest).unwrap_or(i64::MAX))
}
