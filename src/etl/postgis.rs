//! Writes prepared inputs into PostGIS in one transaction: stage, validate, derive, swap.
//!
//! Readers keep seeing the previous version until the commit (MVCC), and any error, or a
//! killed process, rolls everything back, so the database always holds one complete load.

use std::path::Path;
use std::sync::LazyLock;

use serde_json::Value;
use sqlx::{Postgres, Row, Transaction};

use super::error::EtlError;
use super::indicators::IndicatorMeta;
use super::progress::step;
use super::sources::{Cluster, HealthBoard, Prepared};
use crate::catalog::{WIMD_DOMAINS, ZOOM_BANDS};

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
    write_lsoas(&mut tx).await?;
    step("aggregating population");
    write_population(&mut tx, prepared.population).await?;
    generalise(&mut tx).await?;
    step("loading indicators");
    let (indicators, indicator_values, indicator_values_skipped) =
        write_indicators(&mut tx, prepared.indicators).await?;
    let recorded = RecordedInputs {
        inputs: &prepared.inputs,
        cluster_approximate: prepared.cluster_approximate,
        cluster_provenance: &prepared.cluster_provenance,
    };
    let (version, lsoas, clusters, boards) = record_version(&mut tx, &recorded).await?;
    tx.commit().await?;
    Ok(LoadReport {
        version,
        lsoas,
        clusters,
        health_boards: boards,
        lsoas_joined_to_nearest_cluster: joined_to_nearest,
        clusters_without_lsoas,
        cluster_approximate: prepared.cluster_approximate,
        indicators,
        indicator_values,
        indicator_values_skipped,
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
    for table in ["atlas.lsoa", "atlas.cluster", "atlas.health_board"] {
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

/// Fills each zoom band's pre-generalised geometry column from `geom`.
async fn generalise(tx: &mut Transaction<'_, Postgres>) -> Result<(), EtlError> {
    step("generalising geometry per zoom band");
    for table in ["atlas.lsoa", "atlas.cluster", "atlas.health_board"] {
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

/// The catalogue as staging rows: each indicator's metadata and its position in listings.
fn catalogue_rows(metas: &[IndicatorMeta]) -> Result<Value, EtlError> {
    let mut rows = Vec::with_capacity(metas.len());
    for (i, meta) in metas.iter().enumerate() {
        let mut row = serde_json::to_value(meta).map_err(|e| EtlError::Task(e.to_string()))?;
        row["sort_order"] = serde_json::json!(i + 1);
        rows.push(row);
    }
    Ok(Value::Array(rows))
}

/// Whether an indicator value's area exists in the geography just loaded.
const AREA_KNOWN: &str = "case v.level \
    when 'wales' then v.area_code = 'W92000004' \
    when 'health_board' then exists (select 1 from atlas.health_board h where h.code = v.area_code) \
    else exists (select 1 from atlas.cluster c where c.code = v.area_code) end";

/// Replaces the indicator catalogue and values, derives the LSOA-based indicator,
/// computes Wilson intervals where counts exist, and sets the significance flags.
async fn write_indicators(
    tx: &mut Transaction<'_, Postgres>,
    inputs: super::indicators::IndicatorInputs,
) -> Result<(i64, i64, i64), EtlError> {
    use super::indicators::{LSOA_Q1_INDICATOR, LSOA_Q1_PERIOD, WALES_CODE};
    sqlx::query("delete from atlas.indicator")
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into atlas.indicator select r.* from jsonb_to_recordset($1) as r( \
           id text, title_en text, title_cy text, title_cy_fallback boolean, description_en text, \
           description_cy text, description_cy_fallback boolean, unit text, polarity text, source text, \
           licence text, sort_order integer)",
    )
    .bind(catalogue_rows(&inputs.metas)?)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "create temp table stage_value on commit drop as select r.* from jsonb_to_recordset($1) as r( \
           indicator_id text, period text, level text, area_code text, value double precision, \
           numerator double precision, denominator double precision, lower_ci double precision, \
           upper_ci double precision, file text, line bigint, strict boolean)",
    )
    .bind(serde_json::to_value(&inputs.values).map_err(|e| EtlError::Task(e.to_string()))?)
    .execute(&mut **tx)
    .await?;
    let unknown = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select file, line, level, area_code from stage_value v where strict and not ({AREA_KNOWN}) order by file, line limit 1"
    )))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = unknown {
        let file: String = row.try_get("file")?;
        let line: i64 = row.try_get("line")?;
        let level: String = row.try_get("level")?;
        let code: String = row.try_get("area_code")?;
        return Err(super::error::bad_value(
            std::path::Path::new(&file),
            u64::try_from(line).unwrap_or(0),
            "area_code",
            format!("unknown {level} code {code}: it is not in the loaded geography"),
        ));
    }
    let skipped = sqlx::query(sqlx::AssertSqlSafe(format!(
        "delete from stage_value v where not ({AREA_KNOWN})"
    )))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if skipped > 0 {
        tracing::warn!(
            skipped,
            "bundled indicator values for areas not in the loaded geography were skipped"
        );
    }
    sqlx::query(
        "insert into atlas.indicator_value (indicator_id, period, level, area_code, value, numerator, \
           denominator, lower_ci, upper_ci, ci_method) \
         select indicator_id, period, level, area_code, value, numerator, denominator, lower_ci, upper_ci, \
           case when lower_ci is not null then 'supplied' end from stage_value",
    )
    .execute(&mut **tx)
    .await?;
    // The LSOA-based deprivation share, from the profiles just built in PostGIS.
    sqlx::query(
        "insert into atlas.indicator_value (indicator_id, period, level, area_code, value, numerator, denominator) \
         select $1, $2, 'cluster', code, wimd_q1_pct, wimd_q1_lsoas, lsoa_count from atlas.cluster \
           where exists (select 1 from atlas.indicator where id = $1) \
         union all select $1, $2, 'health_board', code, wimd_q1_pct, wimd_q1_lsoas, lsoa_count from atlas.health_board \
           where exists (select 1 from atlas.indicator where id = $1) \
         union all select $1, $2, 'wales', $3, 100.0 * count(*) filter (where wimd_quintile = 1) / count(*), \
           count(*) filter (where wimd_quintile = 1), count(*) from atlas.lsoa \
           having exists (select 1 from atlas.indicator where id = $1)",
    )
    .bind(LSOA_Q1_INDICATOR)
    .bind(LSOA_Q1_PERIOD)
    .bind(WALES_CODE)
    .execute(&mut **tx)
    .await?;

    insert_population_indicators(tx).await?;

    // Wilson intervals for percentages with counts and no supplied interval.
    let rows = sqlx::query(
        "select v.indicator_id, v.period, v.level, v.area_code, v.numerator, v.denominator \
         from atlas.indicator_value v join atlas.indicator i on i.id = v.indicator_id \
         where i.unit = '%' and v.lower_ci is null and v.numerator is not null and v.denominator is not null",
    )
    .fetch_all(&mut **tx)
    .await?;
    let (mut ids, mut periods, mut levels, mut codes, mut lowers, mut uppers) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for row in rows {
        let n: f64 = row.try_get("numerator")?;
        let d: f64 = row.try_get("denominator")?;
        if let Some((l, u)) = crate::significance::wilson(n, d, crate::significance::Z_95) {
            ids.push(row.try_get::<String, _>("indicator_id")?);
            periods.push(row.try_get::<String, _>("period")?);
            levels.push(row.try_get::<String, _>("level")?);
            codes.push(row.try_get::<String, _>("area_code")?);
            lowers.push(100.0 * l);
            uppers.push(100.0 * u);
        }
    }
    sqlx::query(
        "update atlas.indicator_value v set lower_ci = w.l, upper_ci = w.u, ci_method = 'wilson' \
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[]) as w(i, p, lv, a, l, u) \
         where v.indicator_id = w.i and v.period = w.p and v.level = w.lv and v.area_code = w.a",
    )
    .bind(&ids)
    .bind(&periods)
    .bind(&levels)
    .bind(&codes)
    .bind(&lowers)
    .bind(&uppers)
    .execute(&mut **tx)
    .await?;

    sqlx::query(
        "update atlas.indicator_value v set sig_vs_wales = atlas.compare_to(v.lower_ci, v.upper_ci, w.value) \
         from atlas.indicator_value w where w.indicator_id = v.indicator_id and w.period = v.period \
           and w.level = 'wales' and v.level <> 'wales'",
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "update atlas.indicator_value v set sig_vs_hb = atlas.compare_to(v.lower_ci, v.upper_ci, h.value) \
         from atlas.cluster c, atlas.indicator_value h where v.level = 'cluster' and c.code = v.area_code \
           and h.indicator_id = v.indicator_id and h.period = v.period and h.level = 'health_board' \
           and h.area_code = c.hb_code",
    )
    .execute(&mut **tx)
    .await?;
    let counts = sqlx::query(
        "select (select count(*) from atlas.indicator) as i, (select count(*) from atlas.indicator_value) as v",
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((
        counts.try_get("i")?,
        counts.try_get("v")?,
        i64::try_from(skipped).unwrap_or(i64::MAX),
    ))
}

/// Fails on the first invalid or empty staged geometry, naming the feature.
async fn check_geometry(
    tx: &mut Transaction<'_, Postgres>,
    table: &str,
    path: &std::path::Path,
    code_column: &str,
) -> Result<(), EtlError> {
    let bad = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select feature_index, {code_column} as code, \
           case when geom is null or ST_IsEmpty(geom) then 'the geometry is empty' \
                else ST_IsValidReason(geom) end as reason \
         from {table} where geom is null or ST_IsEmpty(geom) or not ST_IsValid(geom) \
         order by feature_index limit 1"
    )))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = bad {
        let index: i32 = row.try_get("feature_index")?;
        let code: String = row.try_get("code")?;
        let reason: String = row.try_get("reason")?;
        return Err(EtlError::InvalidGeometry {
            path: path.to_path_buf(),
            at: format!("feature {index} ({code})"),
            reason: format!("{reason} (coordinates in EPSG:3857)"),
        });
    }
    Ok(())
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

/// Labels of the five-year bands, in order (for `atlas.area_population.band`).
const FIVE_YEAR_LABELS: [&str; 19] = [
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
    "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];
/// Labels of the broad bands of the 2021-LSOA estimates.
const BROAD_LABELS: [&str; 5] = ["0-15", "16-29", "30-44", "45-64", "65+"];

/// Writes the LSOA population estimates and builds, in PostGIS, every area's age and sex
/// structure, its residents by WIMD quintile, and the cluster and board totals the tiles
/// carry. Areas are summed from their LSOAs: clusters and boards by the loaded geography,
/// Wales from all LSOAs.
async fn write_population(
    tx: &mut Transaction<'_, Postgres>,
    population: super::population::PopulationInputs,
) -> Result<(), EtlError> {
    use super::indicators::WALES_CODE;
    for table in [
        "atlas.area_population",
        "atlas.area_population_deprivation",
        "atlas.lsoa21_population",
        "atlas.lsoa_population",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("delete from {table}")))
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "insert into atlas.lsoa_population (code, period, total, age_0_15, bands) \
         select r.code, r.period, r.total, r.age_0_15, array(select jsonb_array_elements_text(r.bands)::integer) \
         from jsonb_to_recordset($1) as r(code text, period text, total integer, age_0_15 integer, bands jsonb)",
    )
    .bind(serde_json::to_value(&population.lsoa11).map_err(|e| EtlError::Task(e.to_string()))?)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into atlas.lsoa21_population (code, period, parents, total, female, male) \
         select r.code, r.period, array(select jsonb_array_elements_text(r.parents)), r.total, \
           array(select jsonb_array_elements_text(r.female)::integer), \
           array(select jsonb_array_elements_text(r.male)::integer) \
         from jsonb_to_recordset($1) as r(code text, period text, parents jsonb, total integer, female jsonb, male jsonb)",
    )
    .bind(serde_json::to_value(&population.lsoa21).map_err(|e| EtlError::Task(e.to_string()))?)
    .execute(&mut **tx)
    .await?;
    // A 2021 LSOA belongs where most of its 2011 parents do (ties: the first parent), the
    // rule the bundled 2021-LSOA lookup documents, applied to whatever geography is loaded.
    sqlx::query(
        "update atlas.lsoa21_population p set \
           cluster_code = (select l.cluster_code from unnest(p.parents) with ordinality as par(code, ord) \
             join atlas.lsoa l on l.code = par.code group by l.cluster_code \
             order by count(*) desc, min(par.ord) limit 1), \
           hb_code = (select l.hb_code from unnest(p.parents) with ordinality as par(code, ord) \
             join atlas.lsoa l on l.code = par.code group by l.hb_code \
             order by count(*) desc, min(par.ord) limit 1)",
    )
    .execute(&mut **tx)
    .await?;

    // Age structure: 2011 LSOAs (persons, five-year bands) ...
    sqlx::query(
        "insert into atlas.area_population \
         with b as (select p.period, l.cluster_code, l.hb_code, u.i::integer as band_order, u.n as persons \
           from atlas.lsoa_population p join atlas.lsoa l on l.code = p.code, \
           unnest(p.bands) with ordinality as u(n, i)), \
         a as (select 'cluster' as level, cluster_code as code, period, band_order, persons from b \
           union all select 'health_board', hb_code, period, band_order, persons from b \
           union all select 'wales', $2, period, band_order, persons from b) \
         select level, code, period, 'lsoa2011', 'persons', ($1::text[])[band_order], band_order, sum(persons) \
         from a group by level, code, period, band_order",
    )
    .bind(FIVE_YEAR_LABELS.as_slice())
    .bind(WALES_CODE)
    .execute(&mut **tx)
    .await?;
    // ... and 2021 LSOAs (female and male, broad bands; persons as their sum).
    sqlx::query(
        "insert into atlas.area_population \
         with b as (select p.period, p.cluster_code, p.hb_code, u.i::integer as band_order, u.f, u.m \
           from atlas.lsoa21_population p, unnest(p.female, p.male) with ordinality as u(f, m, i)), \
         s as (select period, cluster_code, hb_code, band_order, 'female' as sex, f as persons from b \
           union all select period, cluster_code, hb_code, band_order, 'male', m from b \
           union all select period, cluster_code, hb_code, band_order, 'persons', f + m from b), \
         a as (select 'cluster' as level, cluster_code as code, period, sex, band_order, persons from s \
           union all select 'health_board', hb_code, period, sex, band_order, persons from s \
           union all select 'wales', $2, period, sex, band_order, persons from s) \
         select level, code, period, 'lsoa2021', sex, ($1::text[])[band_order], band_order, sum(persons) \
         from a where code is not null group by level, code, period, sex, band_order",
    )
    .bind(BROAD_LABELS.as_slice())
    .bind(WALES_CODE)
    .execute(&mut **tx)
    .await?;

    // Residents by the WIMD 2019 quintile of their LSOA (2011 LSOAs: WIMD's own geography).
    sqlx::query(
        "insert into atlas.area_population_deprivation \
         with r as (select p.period, l.cluster_code, l.hb_code, l.wimd_quintile as q, p.total \
           from atlas.lsoa_population p join atlas.lsoa l on l.code = p.code), \
         a as (select 'cluster' as level, cluster_code as code, period, q, total from r \
           union all select 'health_board', hb_code, period, q, total from r \
           union all select 'wales', $1, period, q, total from r), \
         areas as (select distinct level, code, period from a), \
         x as (select areas.level, areas.code, areas.period, k.k, coalesce(sum(a.total), 0) as residents \
           from areas cross join generate_series(1, 5) as k(k) \
           left join a on a.level = areas.level and a.code = areas.code and a.period = areas.period and a.q = k.k \
           group by areas.level, areas.code, areas.period, k.k) \
         select level, code, period, k, residents, \
           100.0 * residents / nullif(sum(residents) over (partition by level, code, period), 0) from x",
    )
    .bind(WALES_CODE)
    .execute(&mut **tx)
    .await?;

    // What the cluster and board tiles carry: the newest estimate on WIMD's geography.
    for (table, level) in [
        ("atlas.cluster", "cluster"),
        ("atlas.health_board", "health_board"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update {table} t set population = d.residents, wimd_q1_residents_pct = d.q1 \
             from (select area_code, sum(residents)::integer as residents, \
                   sum(share_pct) filter (where quintile = 1) as q1 \
                   from atlas.area_population_deprivation where level = $1 and period = $2 \
                   group by area_code) d \
             where d.area_code = t.code"
        )))
        .bind(level)
        .bind(POPULATION_TILE_PERIOD)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The population estimate the cluster and board tiles carry.
pub const POPULATION_TILE_PERIOD: &str = "mid-2020";

/// Derived population indicators, from the aggregates [`write_population`] built: each
/// inserted only when the catalogue lists it. Percentages get Wilson intervals and
/// significance flags in the common steps that follow.
async fn insert_population_indicators(tx: &mut Transaction<'_, Postgres>) -> Result<(), EtlError> {
    sqlx::query(
        "create temp table stage_area_counts on commit drop as \
         with l11 as (select p.period, l.cluster_code, l.hb_code, p.total, p.age_0_15, \
             (select sum(n) from unnest(p.bands[14:19]) as n) as age_65_plus, \
             (select sum(n) from unnest(p.bands[18:19]) as n) as age_85_plus, \
             case when l.wimd_quintile = 1 then p.total else 0 end as in_q1 \
           from atlas.lsoa_population p join atlas.lsoa l on l.code = p.code), \
         l21 as (select period, cluster_code, hb_code, total, female[1] + male[1] as age_0_15, \
             female[5] + male[5] as age_65_plus, null::bigint as age_85_plus, null::bigint as in_q1 \
           from atlas.lsoa21_population where cluster_code is not null), \
         u as (select * from l11 union all select * from l21), \
         a as (select 'cluster' as level, cluster_code as code, period, total, age_0_15, age_65_plus, age_85_plus, in_q1 from u \
           union all select 'health_board', hb_code, period, total, age_0_15, age_65_plus, age_85_plus, in_q1 from u \
           union all select 'wales', $1, period, total, age_0_15, age_65_plus, age_85_plus, in_q1 from u) \
         select level, code, period, sum(total)::float8 as total, sum(age_0_15)::float8 as age_0_15, \
           sum(age_65_plus)::float8 as age_65_plus, sum(age_85_plus)::float8 as age_85_plus, \
           sum(in_q1)::float8 as in_q1 \
         from a where code is not null group by level, code, period",
    )
    .bind(super::indicators::WALES_CODE)
    .execute(&mut **tx)
    .await?;
    for (id, numerator) in [
        ("population", None),
        ("pct_aged_0_15", Some("age_0_15")),
        ("pct_aged_65_plus", Some("age_65_plus")),
        ("pct_aged_85_plus", Some("age_85_plus")),
        ("pct_residents_wimd_q1", Some("in_q1")),
    ] {
        // Column names are compiled in, never from input.
        let (value, num, den) = match numerator {
            None => ("total".to_owned(), "null".to_owned(), "null".to_owned()),
            Some(col) => (
                format!("100.0 * {col} / nullif(total, 0)"),
                col.to_owned(),
                "total".to_owned(),
            ),
        };
        let filter = numerator.map_or_else(String::new, |col| format!(" and {col} is not null"));
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "insert into atlas.indicator_value (indicator_id, period, level, area_code, value, numerator, denominator) \
             select $1, period, level, code, {value}, {num}, {den} from stage_area_counts \
             where exists (select 1 from atlas.indicator where id = $1) and total > 0{filter}"
        )))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
