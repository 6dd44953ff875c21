//! The OpenAPI description of the cartography routes: their paths (from the handlers'
//! annotations) and the shapes of their JSON bodies, which the handlers build with `json!`.
// The shapes are described, never built: the handlers assemble the same fields.
#![allow(dead_code)]

use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

/// `GET /indicators`.
#[derive(Serialize, ToSchema)]
pub struct Indicators {
    /// `en` or `cy`.
    lang: String,
    /// The data version the catalogue comes from.
    data_version: i64,
    /// Each indicator: id, titles, unit, polarity, periods, links.
    #[schema(value_type = Vec<Object>)]
    indicators: Vec<Value>,
}

/// `GET /vocabulary`: labels, codes and colours in both languages.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Vocabulary(Value);

/// A MapLibre style v8 document.
#[derive(Serialize, ToSchema)]
pub struct Style {
    /// Always 8.
    version: u8,
    #[schema(value_type = Object)]
    sources: Value,
    #[schema(value_type = Vec<Object>)]
    layers: Vec<Value>,
}

/// A legend: title, entries with colours and labels, notes.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Legend(Value);

/// `GET /data/{indicator}` as JSON.
#[derive(Serialize, ToSchema)]
pub struct Data {
    /// The indicator, as in `/indicators`.
    #[schema(value_type = Object)]
    indicator: Value,
    title: String,
    period: String,
    lang: String,
    data_version: i64,
    /// Method, classes and breaks actually used.
    #[schema(value_type = Object)]
    classification: Value,
    /// Legend entries, one per class.
    #[schema(value_type = Vec<Object>)]
    legend: Vec<Value>,
    rows: Vec<DataRow>,
}

/// One area's row of `/data/{indicator}`: the area, then the value fields of
/// `catalog::values::VALUE_FIELDS` (value, interval, counts, flags, class), then the colour.
#[derive(Serialize, ToSchema)]
pub struct DataRow {
    /// `wales`, `health_board` or `cluster`.
    level: String,
    code: String,
    #[schema(nullable)]
    name: Option<String>,
    #[schema(nullable)]
    name_cy_fallback: Option<bool>,
    #[schema(nullable)]
    hb_code: Option<String>,
    /// The class colour, when the area is classified.
    #[schema(nullable)]
    color: Option<String>,
}

/// `GET /findings/{indicator}`.
#[derive(Serialize, ToSchema)]
pub struct Findings {
    indicator: String,
    title: String,
    period: String,
    lang: String,
    polarity: String,
    /// Whether clusters are tested for significance at all (false for indicators that never
    /// are: complete counts, counts, weighted means of rates, registers without counts).
    tested: bool,
    /// Why clusters are not tested (a short phrase).
    not_tested_reason: String,
    /// The Wales sentence: counts by flag, or, for an indicator that is never tested, why
    /// and the range across clusters.
    summary: String,
    #[schema(value_type = Object, nullable)]
    wales: Value,
    #[schema(value_type = Vec<Object>)]
    health_boards: Vec<Value>,
    notes: Vec<String>,
}

/// The cartography routes.
#[derive(OpenApi)]
#[openapi(
    paths(
        super::indicators::get_indicators,
        super::indicators::get_vocabulary,
        super::styles::get_style,
        super::styles::get_legend,
        super::data::get_data,
        super::findings::get_findings,
    ),
    components(schemas(Indicators, Vocabulary, Style, Legend, Data, DataRow, Findings))
)]
pub struct ApiDoc;
