//! The 2021-LSOA step of a load: the LSOAs with WIMD 2025 staged and checked, each placed in
//! a cluster, written to `atlas.lsoa21`, and every cluster's and board's 2021 LSOAs counted
//! by WIMD 2025 quintile.
//!
//! Where a 2021 LSOA's cluster comes from, best first: the 2021 lookup's own cluster (the
//! bundled model is built on 2021 LSOAs); with official cluster polygons, the polygon holding
//! its ONS population-weighted centroid (else the nearest within 2 km); otherwise the cluster
//! of most of its 2011 parent LSOAs (ties: the first parent).

use std::collections::HashMap;

use sqlx::{Postgres, Transaction};

use crate::etl::error::EtlError;
use crate::etl::lsoa21::Lsoa21Inputs;

/// How far a centroid may lie outside every cluster polygon and still join the nearest
/// (the bundled 2021 boundaries are super-generalised, so a coastal centroid can fall just
/// outside a detailed polygon).
const NEAREST_POLYGON_MAX_M: f64 = 2_000.0;

/// Where 2021 LSOAs' clusters may come from in this load.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placement<'a> {
    /// The 2021 lookup's cluster per LSOA, when it applies.
    pub clusters: Option<&'a HashMap<String, String>>,
    /// Whether official cluster polygons were staged.
    pub polygons: bool,
    /// The provenance text of lookup clusters.
    pub provenance: &'a str,
}

/// Stages, places and writes the 2021 LSOAs; returns how many were written. Needs the
/// clusters, boards and 2011 LSOAs of this load, and `stage_cluster_polygon` when polygons
/// were given; `parents` are the 2011 parents of each 2021 LSOA (the ONS lookup).
pub(super) async fn write_lsoa21(
    tx: &mut Transaction<'_, Postgres>,
    inputs: &Lsoa21Inputs,
    placement: Placement<'_>,
    parents: &[(&str, &[String])],
) -> Result<u64, EtlError> {
    let Placement {
        clusters,
        polygons,
        provenance,
    } = placement;
    sqlx::query(
        "create temp table stage_lsoa21 on commit drop as \
         select r.*, ST_SetSRID(ST_Multi(ST_GeomFromWKB(decode(r.wkb, 'hex'))), 3857) as geom, \
           ST_Transform(ST_SetSRID(ST_MakePoint(r.pwc_lon, r.pwc_lat), 4326), 3857) as pwc, \
           null::text as cluster_code, null::text as provenance \
         from jsonb_to_recordset($1) as r(code text, feature_index integer, name_en text, name_wimd text, \
           la_name_en text, wimd_rank integer, wimd_decile smallint, wimd_quintile smallint, \
           pwc_lon float8, pwc_lat float8, wkb text)",
    )
    .bind(serde_json::to_value(&inputs.rows).map_err(|e| EtlError::Task(e.to_string()))?)
    .execute(&mut **tx)
    .await?;
    super::geometry::check_geometry(tx, "stage_lsoa21", &inputs.boundaries, "code").await?;

    if let Some(clusters) = clusters {
        let (codes, keys): (Vec<&String>, Vec<&String>) = clusters.iter().unzip();
        sqlx::query(
            "update stage_lsoa21 s set cluster_code = c.cluster, provenance = $3 \
             from unnest($1::text[], $2::text[]) as c(lsoa, cluster) where c.lsoa = s.code",
        )
        .bind(codes)
        .bind(keys)
        .bind(provenance)
        .execute(&mut **tx)
        .await?;
    } else if polygons {
        sqlx::query(
            "update stage_lsoa21 s set provenance = 'cluster polygon holding the ONS population-weighted centroid', \
               cluster_code = (select p.code from stage_cluster_polygon p \
                 where ST_Intersects(p.geom, s.pwc) order by p.code limit 1)",
        )
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "update stage_lsoa21 s set provenance = 'nearest cluster polygon to the ONS population-weighted centroid', \
               cluster_code = (select p.code from stage_cluster_polygon p \
                 where ST_DWithin(p.geom, s.pwc, $1) order by p.geom <-> s.pwc, p.code limit 1) \
             where s.cluster_code is null",
        )
        .bind(NEAREST_POLYGON_MAX_M)
        .execute(&mut **tx)
        .await?;
    }
    // Whatever is left (no cluster column, or a polygon join that found nothing): the cluster
    // of most of the 2011 parents, the rule the ONS best-fit lookup supports.
    let parents_json: Vec<serde_json::Value> = parents
        .iter()
        .map(|(code, list)| serde_json::json!({"code": code, "parents": list}))
        .collect();
    sqlx::query(
        "update stage_lsoa21 s set provenance = 'cluster of most of its 2011 parent LSOAs', \
           cluster_code = (select l.cluster_code from jsonb_to_recordset($1) as p(code text, parents jsonb), \
             jsonb_array_elements_text(p.parents) with ordinality as par(code, ord) \
             join atlas.lsoa l on l.code = par.code \
             where p.code = s.code group by l.cluster_code order by count(*) desc, min(par.ord) limit 1) \
         where s.cluster_code is null or s.cluster_code not in (select code from atlas.cluster)",
    )
    .bind(serde_json::Value::Array(parents_json))
    .execute(&mut **tx)
    .await?;
    let orphans: Vec<String> = sqlx::query_scalar(
        "select code from stage_lsoa21 where cluster_code is null order by code",
    )
    .fetch_all(&mut **tx)
    .await?;
    if !orphans.is_empty() {
        return Err(EtlError::Incomplete {
            path: inputs.boundaries.clone(),
            message: "these 2021 LSOAs could be placed in no cluster (no lookup row, polygon or \
                      2011 parent in the loaded geography)"
                .into(),
            codes: orphans,
        });
    }
    let written = sqlx::query(
        "insert into atlas.lsoa21 (fid, code, name_en, name_cy, name_cy_fallback, name_wimd, la_name_en, \
           hb_code, cluster_code, cluster_provenance, wimd_rank, wimd_decile, wimd_quintile, pwc, geom) \
         select row_number() over (order by s.code)::integer, s.code, s.name_en, s.name_en, true, \
           s.name_wimd, s.la_name_en, c.hb_code, s.cluster_code, s.provenance, s.wimd_rank, \
           s.wimd_decile, s.wimd_quintile, s.pwc, s.geom \
         from stage_lsoa21 s join atlas.cluster c on c.code = s.cluster_code",
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();

    // Each cluster's and board's 2021 LSOAs by WIMD 2025 quintile, beside the 2019 profile.
    for (table, key) in [
        ("atlas.cluster", "cluster_code"),
        ("atlas.health_board", "hb_code"),
    ] {
        // Table and column names come from this fixed list only.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update {table} t set lsoa21_count = n.n, wimd2025_q1_lsoas = n.q1, wimd2025_q2_lsoas = n.q2, \
               wimd2025_q3_lsoas = n.q3, wimd2025_q4_lsoas = n.q4, wimd2025_q5_lsoas = n.q5 \
             from (select {key} as code, count(*)::integer as n, \
                 count(*) filter (where wimd_quintile = 1)::integer as q1, \
                 count(*) filter (where wimd_quintile = 2)::integer as q2, \
                 count(*) filter (where wimd_quintile = 3)::integer as q3, \
                 count(*) filter (where wimd_quintile = 4)::integer as q4, \
                 count(*) filter (where wimd_quintile = 5)::integer as q5 \
               from atlas.lsoa21 group by {key}) n \
             where n.code = t.code"
        )))
        .execute(&mut **tx)
        .await?;
    }
    Ok(written)
}
