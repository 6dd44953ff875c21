//! The cartography routes: styles, legends, the indicator catalogue, the vocabulary, value
//! downloads and key findings.

pub mod data;
pub mod findings;
pub mod indicators;
pub mod styles;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(indicators::get_indicators))
        .route("/vocabulary", get(indicators::get_vocabulary))
        .route("/styles/{file}", get(styles::get_style))
        .route("/legends/{file}", get(styles::get_legend))
        .route("/data/{indicator}", get(data::get_data))
        .route("/findings/{indicator}", get(findings::get_findings))
}
