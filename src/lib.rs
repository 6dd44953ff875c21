//! cluster-atlas: vector tiles, styles and downloads for Wales's NHS primary care clusters, from PostGIS.
//!
//! The modules form layers (ARCHITECTURE.md): foundations, errors, the database, the
//! catalogue, parameters, cartography and the loader, the tile engine, the shared state,
//! the HTTP faces, and the server. A tile's path from URL to SQL is told in [`tiles`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Layer order, bottom first (see ARCHITECTURE.md; `tests/architecture.rs` enforces it):
// a module only uses modules listed before it.
pub mod basemap;
pub mod classify;
pub mod config;
pub mod http;
pub mod markup;
pub mod significance;
pub mod telemetry;

pub mod error;

pub mod db;

pub mod catalog;

pub mod cql2;
pub mod palette;

pub mod params;

pub mod comparison;
pub mod etl;
pub mod style;

pub mod tiles;

pub mod state;

pub mod admin;
pub mod api;
pub mod export;
pub mod fonts;
pub mod metrics;
pub mod ogc;
pub mod profiles;
pub mod summary;
pub mod web;

pub mod openapi;

pub mod server;

pub mod site;
