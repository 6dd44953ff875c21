//! cluster-atlas: vector tiles, styles and downloads for Wales's NHS primary care clusters, from PostGIS.
//!
//! Module map, following a tile from URL to SQL: [`server`] routes `/tiles/...` to
//! [`tiles::get_tile`], which validates the address ([`tiles::TileCoord`]) and the
//! layers ([`catalog`]), then runs the statement [`tiles::sql`] generated at start-up.
//! [`etl`] loads the data those statements read; [`db`] owns the pool and migrations.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admin;
pub mod catalog;
pub mod classify;
pub mod config;
pub mod db;
pub mod error;
pub mod etl;
pub mod export;
pub mod metrics;
pub mod ogc;
pub mod profiles;
pub mod server;
pub mod significance;
pub mod style;
pub mod telemetry;
pub mod tiles;
pub mod web;
