//! The OpenAPI description of `/summary/{area}`: the path (from the handler's annotation)
//! and the shape of the JSON document, which the handler builds with `json!`.
// The shapes are described, never built: the handler assembles the same fields.
#![allow(dead_code)]

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// `GET /summary/{area}`.
#[derive(Serialize, ToSchema)]
pub struct SummaryDocument {
    /// The board (or Wales): `code`, `name`, `name_is_english_fallback`, `level`.
    #[schema(value_type = Object)]
    area: Value,
    /// `en` or `cy`.
    lang: String,
    /// `95` or `99.8`: the level of every interval and flag.
    level: String,
    data_version: i64,
    /// The areas across: the board's clusters by name, then the board and Wales (for
    /// Wales: the boards, then Wales).
    #[schema(value_type = Vec<Object>)]
    columns: Vec<Value>,
    /// One row per indicator.
    rows: Vec<SummaryRow>,
    /// Clusters significantly higher or lower than Wales, health indicators and context
    /// apart, each naming its indicators (the furthest from Wales first; "and N more").
    findings: Vec<String>,
    /// What each colour means.
    #[schema(value_type = Vec<Object>)]
    legend: Vec<Value>,
    notes: Vec<String>,
}

/// One indicator across the summary's areas.
#[derive(Serialize, ToSchema)]
pub struct SummaryRow {
    indicator: String,
    title: String,
    unit: String,
    period: String,
    polarity: String,
    /// `health` or `context` (population, age structure, deprivation): the findings tally
    /// the two apart.
    topic: String,
    /// The decimals the HTML table and SVG grid print this row's values and intervals with:
    /// one (none for counts), more where needed for every printed interval to agree with
    /// its cell's flags against the printed board and Wales values.
    decimals: u32,
    /// Whether significance was tested (clusters have intervals).
    tested: bool,
    #[schema(nullable)]
    not_tested_reason: Option<String>,
    /// One per column: `code`, `value`, `lower_ci`, `upper_ci`, `sig_vs_hb`,
    /// `sig_vs_wales`, `color_vs_wales`, `color_vs_hb`.
    #[schema(value_type = Vec<Object>)]
    cells: Vec<Value>,
}
