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

    super::population::insert_population_indicators(tx).await?;

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
