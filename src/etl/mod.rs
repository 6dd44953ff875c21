//! The loader: reads boundaries, WIMD and cluster geography, checks them, and swaps them into PostGIS.

pub mod cluster;
pub mod cluster_match;
pub mod csv_input;
pub mod error;
pub mod indicators;
pub mod lsoa21;
pub mod ogr;
pub mod population;
pub mod postgis;
pub mod progress;
pub mod sources;
pub mod wimd_indicators;

pub use error::EtlError;
pub use postgis::LoadReport;
pub use sources::{ClusterInput, InputPaths};

use crate::config::InputArgs;

/// Loads one complete data version. On any error the database is left exactly as it was.
pub async fn load(pool: &sqlx::PgPool, args: &InputArgs) -> Result<LoadReport, EtlError> {
    crate::db::migrate(pool).await?;
    let paths = InputPaths::resolve(args);
    let owned = args.clone();
    // GDAL and CSV parsing are blocking work; keep them off the async workers.
    let prepared = tokio::task::spawn_blocking(move || sources::read_inputs(&paths, &owned))
        .await
        .map_err(|e| EtlError::Task(e.to_string()))??;
    let report = postgis::write(pool, prepared).await?;
    tracing::info!(
        version = report.version,
        lsoas = report.lsoas,
        clusters = report.clusters,
        health_boards = report.health_boards,
        approximate = report.cluster_approximate,
        "load complete"
    );
    Ok(report)
}
