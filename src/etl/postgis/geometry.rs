//! The check every staged geometry passes before it is written. A file of its own because
//! both the main load (`mod.rs`: LSOAs, cluster polygons) and the 2021-LSOA step
//! (`lsoa21.rs`) run it, and `mod.rs` calls that step: kept in `mod.rs`, the two files would
//! use each other.

use std::path::Path;

use sqlx::{Postgres, Row, Transaction};

use crate::etl::error::EtlError;

/// Fails on the first invalid or empty staged geometry, naming the feature.
pub(super) async fn check_geometry(
    tx: &mut Transaction<'_, Postgres>,
    table: &str,
    path: &Path,
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
