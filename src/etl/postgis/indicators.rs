//! The indicator step of a load: the catalogue and values staged, unknown areas refused (or
//! bundled ones skipped), the LSOA-based indicator derived, Wilson intervals where counts
//! exist, and the significance flags.

use std::sync::LazyLock;

use serde_json::Value;
use sqlx::{Postgres, Row, Transaction};

use crate::etl::error::EtlError;
use crate::etl::indicators::{IndicatorInputs, IndicatorMeta};

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
static AREA_KNOWN: LazyLock<String> = LazyLock::new(|| {
    format!(
        "case v.level \
         when 'wales' then v.area_code = {} \
         when 'health_board' then exists (select 1 from atlas.health_board h where h.code = v.area_code) \
         when 'lsoa' then exists (select 1 from atlas.lsoa l where l.code = v.area_code) \
         else exists (select 1 from atlas.cluster c where c.code = v.area_code) end",
        crate::db::quote::quote_literal(crate::catalog::WALES_CODE)
    )
});

/// Replaces the indicator catalogue and values, derives the LSOA-based indicator,
/// computes Wilson intervals where counts exist, and sets the significance flags.
pub(super) async fn write_indicators(
    tx: &mut Transaction<'_, Postgres>,
    inputs: super::indicators::IndicatorInputs,
) -> Result<(i64, i64, i64), EtlError> {
    use crate::etl::indicators::{LSOA_Q1_INDICATOR, LSOA_Q1_PERIOD, WALES_CODE};
    sqlx::query("delete from atlas.indicator")
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into atlas.indicator select r.* from jsonb_to_recordset($1) as r( \
           id text, title_en text, title_cy text, title_cy_fallback boolean, description_en text, \
           description_cy text, description_cy_fallback boolean, unit text, polarity text, source text, \
           licence text, sort_order integer, value_type text, untested_reason text, topic text)",
    )
    .bind(catalogue_rows(&inputs.metas)?)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "create temp table stage_value on commit drop as select r.* from jsonb_to_recordset($1) as r( \
           indicator_id text, period text, level text, area_code text, value double precision, \
           numerator double precision, denominator double precision, lower_ci double precision, \
           upper_ci double precision, lower_ci_998 double precision, upper_ci_998 double precision, \
           file text, line bigint, strict boolean)",
    )
    .bind(serde_json::to_value(&inputs.values).map_err(|e| EtlError::Task(e.to_string()))?)
    .execute(&mut **tx)
    .await?;
    let unknown = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select file, line, level, area_code from stage_value v where strict and not ({}) order by file, line limit 1",
        AREA_KNOWN.as_str()
    )))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = unknown {
        let file: String = row.try_get("file")?;
        let line: i64 = row.try_get("line")?;
        let level: String = row.try_get("level")?;
        let code: String = row.try_get("area_code")?;
        return Err(crate::etl::error::bad_value(
            std::path::Path::new(&file),
            u64::try_from(line).unwrap_or(0),
            "area_code",
            format!("unknown {level} code {code}: it is not in the loaded geography"),
        ));
    }
    let skipped = sqlx::query(sqlx::AssertSqlSafe(format!(
        "delete from stage_value v where not ({})",
        AREA_KNOWN.as_str()
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
           denominator, lower_ci, upper_ci, lower_ci_998, upper_ci_998, ci_method) \
         select indicator_id, period, level, area_code, value, numerator, denominator, lower_ci, upper_ci, \
           lower_ci_998, upper_ci_998, \
           case when lower_ci is not null or lower_ci_998 is not null then 'supplied' end from stage_value",
    )
    .execute(&mut **tx)
    .await?;
    // The LSOA-based deprivation share, from the profiles just built in PostGIS.
    sqlx::query(
        "insert into atlas.indicator_value (indicator_id, period, level, area_code, value, numerator, denominator, lsoa_vintage) \
         select $1, $2, 'cluster', code, wimd_q1_pct, wimd_q1_lsoas, lsoa_count, 2011 from atlas.cluster \
           where exists (select 1 from atlas.indicator where id = $1) \
         union all select $1, $2, 'health_board', code, wimd_q1_pct, wimd_q1_lsoas, lsoa_count, 2011 from atlas.health_board \
           where exists (select 1 from atlas.indicator where id = $1) \
         union all select $1, $2, 'wales', $3, 100.0 * count(*) filter (where wimd_quintile = 1) / count(*), \
           count(*) filter (where wimd_quintile = 1), count(*), 2011 from atlas.lsoa \
           having exists (select 1 from atlas.indicator where id = $1)",
    )
    .bind(LSOA_Q1_INDICATOR)
    .bind(LSOA_Q1_PERIOD)
    .bind(WALES_CODE)
    .execute(&mut **tx)
    .await?;

    // The same for WIMD 2025 on 2021 LSOAs: the share of LSOAs in quintile 1, and of their
    // mid-2024 residents (from the WIMD 2025 residents profile).
    sqlx::query(
        "insert into atlas.indicator_value (indicator_id, period, level, area_code, value, numerator, denominator, lsoa_vintage) \
         select $1, $2, 'cluster', code, 100.0 * wimd2025_q1_lsoas / lsoa21_count, wimd2025_q1_lsoas, lsoa21_count, 2021 \
           from atlas.cluster where lsoa21_count > 0 and exists (select 1 from atlas.indicator where id = $1) \
         union all select $1, $2, 'health_board', code, 100.0 * wimd2025_q1_lsoas / lsoa21_count, wimd2025_q1_lsoas, \
           lsoa21_count, 2021 from atlas.health_board where lsoa21_count > 0 \
           and exists (select 1 from atlas.indicator where id = $1) \
         union all select $1, $2, 'wales', $3, 100.0 * count(*) filter (where wimd_quintile = 1) / count(*), \
           count(*) filter (where wimd_quintile = 1), count(*), 2021 from atlas.lsoa21 \
           having count(*) > 0 and exists (select 1 from atlas.indicator where id = $1)",
    )
    .bind(crate::etl::indicators::LSOA21_Q1_INDICATOR)
    .bind(crate::etl::indicators::LSOA21_Q1_PERIOD)
    .bind(WALES_CODE)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into atlas.indicator_value (indicator_id, period, level, area_code, value, numerator, denominator, lsoa_vintage) \
         select $1, d.period, d.level, d.area_code, d.share_pct, d.residents, t.total, 2021 \
         from atlas.area_population_deprivation d \
         join (select level, area_code, period, sum(residents) as total from atlas.area_population_deprivation \
               where wimd = 'wimd2025' group by level, area_code, period) t using (level, area_code, period) \
         where d.wimd = 'wimd2025' and d.quintile = 1 and t.total > 0 \
           and exists (select 1 from atlas.indicator where id = $1)",
    )
    .bind(crate::etl::indicators::RESIDENTS21_Q1_INDICATOR)
    .execute(&mut **tx)
    .await?;

    super::population::insert_population_indicators(tx).await?;

    // An indicator the catalogue says is never tested (a complete count, a count, a weighted
    // mean of rates, a register without counts) publishes no interval, even one supplied:
    // an interval there would describe sampling error that does not exist.
    sqlx::query(
        "update atlas.indicator_value v set lower_ci = null, upper_ci = null, lower_ci_998 = null, \
           upper_ci_998 = null, ci_method = null \
         from atlas.indicator i where i.id = v.indicator_id and i.untested_reason is not null \
           and (v.lower_ci is not null or v.lower_ci_998 is not null)",
    )
    .execute(&mut **tx)
    .await?;
    computed_intervals(tx).await?;
    // Rows written in this transaction have no planner statistics yet: without them the
    // board comparison below joined millions of rows at 20x the bundled data (13 s and
    // 17 s, bench/scale.sh); with them, under a second.
    sqlx::query("analyze atlas.indicator_value, atlas.cluster")
        .execute(&mut **tx)
        .await?;
    for (suffix, lower, upper) in [
        ("", "lower_ci", "upper_ci"),
        ("_998", "lower_ci_998", "upper_ci_998"),
    ] {
        // Column names from this fixed list only; values are never spliced in.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update atlas.indicator_value v set sig_vs_wales{suffix} = atlas.compare_to(v.{lower}, v.{upper}, w.value) \
             from atlas.indicator_value w where w.indicator_id = v.indicator_id and w.period = v.period \
               and w.level = 'wales' and v.level <> 'wales'"
        )))
        .execute(&mut **tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update atlas.indicator_value v set sig_vs_hb{suffix} = atlas.compare_to(v.{lower}, v.{upper}, h.value) \
             from atlas.cluster c, atlas.indicator_value h where v.level = 'cluster' and c.code = v.area_code \
               and h.indicator_id = v.indicator_id and h.period = v.period and h.level = 'health_board' \
               and h.area_code = c.hb_code"
        )))
        .execute(&mut **tx)
        .await?;
    }
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

/// Intervals computed from counts, at 95% and 99.8%, for rows with no supplied interval of
/// indicators that are tested (no `untested_reason`): Wilson for proportions, exact Poisson
/// or Byar's for crude rates.
async fn computed_intervals(tx: &mut Transaction<'_, Postgres>) -> Result<(), EtlError> {
    use crate::catalog::indicators::ValueType;
    use crate::significance::{crude_rate_interval, wilson, ConfidenceLevel};
    let rows = sqlx::query(
        "select v.indicator_id, v.period, v.level, v.area_code, v.numerator, v.denominator, i.unit, i.value_type \
         from atlas.indicator_value v join atlas.indicator i on i.id = v.indicator_id \
         where i.value_type in ('proportion', 'crude_rate') and i.untested_reason is null \
           and v.lower_ci is null and v.lower_ci_998 is null \
           and v.numerator is not null and v.denominator is not null",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut keys: [Vec<String>; 4] = Default::default();
    let mut limits: [Vec<f64>; 4] = Default::default();
    let mut methods: Vec<&'static str> = Vec::new();
    for row in rows {
        let n: f64 = row.try_get("numerator")?;
        let d: f64 = row.try_get("denominator")?;
        let unit: String = row.try_get("unit")?;
        let value_type = ValueType::parse(&row.try_get::<String, _>("value_type")?);
        let at = |level: ConfidenceLevel| match value_type {
            Some(ValueType::Proportion) => {
                wilson(n, d, level.z()).map(|(l, u)| ((100.0 * l, 100.0 * u), "wilson"))
            }
            Some(ValueType::CrudeRate) => crate::etl::indicators::rate_multiplier(&unit)
                .and_then(|m| crude_rate_interval(n, d, m, level))
                .map(|(limits, method)| (limits, method.as_str())),
            _ => None,
        };
        let (Some((l95, method)), Some((l998, _))) =
            (at(ConfidenceLevel::P95), at(ConfidenceLevel::P998))
        else {
            continue;
        };
        for (i, column) in ["indicator_id", "period", "level", "area_code"]
            .iter()
            .enumerate()
        {
            keys[i].push(row.try_get::<String, _>(*column)?);
        }
        for (i, x) in [l95.0, l95.1, l998.0, l998.1].into_iter().enumerate() {
            limits[i].push(x);
        }
        methods.push(method);
    }
    sqlx::query(
        "update atlas.indicator_value v set lower_ci = w.l, upper_ci = w.u, lower_ci_998 = w.l998, \
           upper_ci_998 = w.u998, ci_method = w.m \
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], \
           $7::float8[], $8::float8[], $9::text[]) as w(i, p, lv, a, l, u, l998, u998, m) \
         where v.indicator_id = w.i and v.period = w.p and v.level = w.lv and v.area_code = w.a",
    )
    .bind(&keys[0])
    .bind(&keys[1])
    .bind(&keys[2])
    .bind(&keys[3])
    .bind(&limits[0])
    .bind(&limits[1])
    .bind(&limits[2])
    .bind(&limits[3])
    .bind(&methods)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
