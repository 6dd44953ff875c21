//! The population step of a load: LSOA estimates written, and every area's age and sex
//! structure, residents by WIMD quintile and the derived population indicators built in PostGIS.

use sqlx::{Postgres, Transaction};

use crate::etl::error::EtlError;

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
pub(super) async fn write_population(
    tx: &mut Transaction<'_, Postgres>,
    population: crate::etl::population::PopulationInputs,
) -> Result<(), EtlError> {
    use crate::catalog::WALES_CODE;
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
    // A 2021 LSOA belongs to the cluster `atlas.lsoa21` placed it in (the model's own,
    // an official polygon's, or its parents'); one not in it (no boundary loaded) where most
    // of its 2011 parents are (ties: the first parent).
    sqlx::query(
        "update atlas.lsoa21_population p set cluster_code = l.cluster_code, hb_code = l.hb_code \
         from atlas.lsoa21 l where l.code = p.code",
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "update atlas.lsoa21_population p set \
           cluster_code = (select l.cluster_code from unnest(p.parents) with ordinality as par(code, ord) \
             join atlas.lsoa l on l.code = par.code group by l.cluster_code \
             order by count(*) desc, min(par.ord) limit 1), \
           hb_code = (select l.hb_code from unnest(p.parents) with ordinality as par(code, ord) \
             join atlas.lsoa l on l.code = par.code group by l.hb_code \
             order by count(*) desc, min(par.ord) limit 1) \
         where p.code not in (select code from atlas.lsoa21)",
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

    // Residents by the WIMD quintile of their LSOA, per edition on its own geography: WIMD
    // 2019 on 2011 LSOAs (mid-2019, mid-2020), WIMD 2025 on 2021 LSOAs (mid-2024).
    for (population, lsoas, wimd) in [
        ("atlas.lsoa_population", "atlas.lsoa", "wimd2019"),
        ("atlas.lsoa21_population", "atlas.lsoa21", "wimd2025"),
    ] {
        // Table names come from this fixed list only; the edition is a bind.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "insert into atlas.area_population_deprivation (level, area_code, period, quintile, residents, share_pct, wimd) \
             with r as (select p.period, l.cluster_code, l.hb_code, l.wimd_quintile as q, p.total \
               from {population} p join {lsoas} l on l.code = p.code), \
             a as (select 'cluster' as level, cluster_code as code, period, q, total from r \
               union all select 'health_board', hb_code, period, q, total from r \
               union all select 'wales', $1, period, q, total from r), \
             areas as (select distinct level, code, period from a), \
             x as (select areas.level, areas.code, areas.period, k.k, coalesce(sum(a.total), 0) as residents \
               from areas cross join generate_series(1, 5) as k(k) \
               left join a on a.level = areas.level and a.code = areas.code and a.period = areas.period and a.q = k.k \
               group by areas.level, areas.code, areas.period, k.k) \
             select level, code, period, k, residents, \
               100.0 * residents / nullif(sum(residents) over (partition by level, code, period), 0), $2 from x"
        )))
        .bind(WALES_CODE)
        .bind(wimd)
        .execute(&mut **tx)
        .await?;
    }

    // What the cluster and board tiles carry: the newest estimate on WIMD's geography.
    for (table, level) in [
        ("atlas.cluster", "cluster"),
        ("atlas.health_board", "health_board"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update {table} t set population = d.residents, wimd_q1_residents_pct = d.q1 \
             from (select area_code, sum(residents)::integer as residents, \
                   sum(share_pct) filter (where quintile = 1) as q1 \
                   from atlas.area_population_deprivation where level = $1 and period = $2 and wimd = 'wimd2019' \
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
/// inserted only when the catalogue lists it, each value with the LSOA vintage it was summed
/// from (a period is on one vintage: mid-2019 and mid-2020 on 2011 LSOAs, mid-2024 on 2021).
/// The catalogue marks them complete counts, so no interval is computed for them.
pub(super) async fn insert_population_indicators(
    tx: &mut Transaction<'_, Postgres>,
) -> Result<(), EtlError> {
    sqlx::query(
        "create temp table stage_area_counts on commit drop as \
         with l11 as (select p.period, 2011 as vintage, l.cluster_code, l.hb_code, p.total, p.age_0_15, \
             (select sum(n) from unnest(p.bands[14:19]) as n) as age_65_plus, \
             (select sum(n) from unnest(p.bands[18:19]) as n) as age_85_plus, \
             case when l.wimd_quintile = 1 then p.total else 0 end as in_q1 \
           from atlas.lsoa_population p join atlas.lsoa l on l.code = p.code), \
         l21 as (select period, 2021 as vintage, cluster_code, hb_code, total, female[1] + male[1] as age_0_15, \
             female[5] + male[5] as age_65_plus, null::bigint as age_85_plus, null::bigint as in_q1 \
           from atlas.lsoa21_population where cluster_code is not null), \
         u as (select * from l11 union all select * from l21), \
         a as (select 'cluster' as level, cluster_code as code, period, vintage, total, age_0_15, age_65_plus, age_85_plus, in_q1 from u \
           union all select 'health_board', hb_code, period, vintage, total, age_0_15, age_65_plus, age_85_plus, in_q1 from u \
           union all select 'wales', $1, period, vintage, total, age_0_15, age_65_plus, age_85_plus, in_q1 from u) \
         select level, code, period, max(vintage)::smallint as vintage, sum(total)::float8 as total, \
           sum(age_0_15)::float8 as age_0_15, sum(age_65_plus)::float8 as age_65_plus, \
           sum(age_85_plus)::float8 as age_85_plus, sum(in_q1)::float8 as in_q1 \
         from a where code is not null group by level, code, period",
    )
    .bind(crate::catalog::WALES_CODE)
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
            "insert into atlas.indicator_value (indicator_id, period, level, area_code, value, numerator, denominator, lsoa_vintage) \
             select $1, period, level, code, {value}, {num}, {den}, vintage from stage_area_counts \
             where exists (select 1 from atlas.indicator where id = $1) and total > 0{filter}"
        )))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
