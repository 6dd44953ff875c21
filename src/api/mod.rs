//! The cartography routes: styles, legends, the indicator catalogue, the vocabulary, value
//! downloads and key findings.

pub mod data;
pub mod doc;
pub mod findings;
pub mod indicators;
pub mod styles;

use crate::http::Routes;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/indicators", indicators::get_indicators)
        .get("/vocabulary", indicators::get_vocabulary)
        .get("/styles/{file}", styles::get_style)
        .get("/legends/{file}", styles::get_legend)
        .get("/data/{indicator}", data::get_data)
        .get("/findings/{indicator}", findings::get_findings)
}
