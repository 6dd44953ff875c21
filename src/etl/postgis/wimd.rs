//! The WIMD indicator step of a load: each LSOA's published rate stored at LSOA level, and
//! cluster, board and Wales values built in PostGIS as means of their LSOAs' rates, weighted
//! by population (or births, for low birth weight). No counts, so no intervals: every area
//! stays `not_tested`.

use sqlx::{Postgres, Transaction};

use crate::catalog::WALES_CODE;
use crate::etl::error::EtlError;
use crate::etl::wimd_indicators::{WimdIndicatorInputs, WIMD_INDICATOR_PERIOD};

/// Inserts the LSOA rates and their weighted area means; returns the rows written.
pub(super) async fn write_wimd_indicators(
    tx: &mut Transaction<'_, Postgres>,
    inputs: &WimdIndicatorInputs,
) -> Result<u64, EtlError> {
    if inputs.rates.is_empty() {
        return Ok(0);
    }
    let rates = json(&inputs.rates)?;
    let weights = json(&inputs.weights)?;
    let written = sqlx::query(
        "with rate as (select * from jsonb_to_recordset($1) as r(indicator_id text, lsoa text, value float8, weight text)), \
         wt as (select * from jsonb_to_recordset($2) as w(lsoa text, population float8, births float8)), \
         j as (select r.indicator_id, r.lsoa, r.value, \
                 case r.weight when 'births' then wt.births else wt.population end as w, \
                 l.cluster_code, l.hb_code \
               from rate r join wt using (lsoa) join atlas.lsoa l on l.code = r.lsoa) \
         insert into atlas.indicator_value (indicator_id, period, level, area_code, value, lsoa_vintage) \
         select indicator_id, $3, 'lsoa', lsoa, value, 2011 from j \
         union all select indicator_id, $3, 'cluster', cluster_code, sum(value * w) / sum(w), 2011 from j \
           where cluster_code is not null group by indicator_id, cluster_code having sum(w) > 0 \
         union all select indicator_id, $3, 'health_board', hb_code, sum(value * w) / sum(w), 2011 from j \
           group by indicator_id, hb_code having sum(w) > 0 \
         union all select indicator_id, $3, 'wales', $4, sum(value * w) / sum(w), 2011 from j \
           group by indicator_id having sum(w) > 0",
    )
    .bind(rates)
    .bind(weights)
    .bind(WIMD_INDICATOR_PERIOD)
    .bind(WALES_CODE)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    tracing::info!(
        rows = written,
        file = %inputs.path.display(),
        "WIMD indicators stored per LSOA, with population-weighted area means"
    );
    Ok(written)
}

/// Rows for `jsonb_to_recordset`.
fn json<T: serde::Serialize>(rows: &T) -> Result<serde_json::Value, EtlError> {
    serde_json::to_value(rows).map_err(|e| EtlError::Task(e.to_string()))
}
