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

/// The cartography routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        indicators::get_indicators,
        indicators::get_vocabulary,
        styles::get_style,
        styles::get_legend,
        data::get_data,
        findings::get_findings,
    ),
    components(schemas(
        doc::Indicators,
        doc::ClassCount,
        doc::Vocabulary,
        doc::Style,
        crate::style::legend::Legend,
        crate::style::legend::LegendEntry,
        doc::Data,
        doc::DataRow,
        findings::Findings,
        findings::FlagCounts
    ))
)]
pub struct ApiDoc;
