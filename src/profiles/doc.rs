//! The OpenAPI description of `/profiles`: paths from the handlers' annotations and the
//! shape of the profile document, which `json::get_profile` builds with `json!`.
// The shapes are described, never built: the handler assembles the same fields.
#![allow(dead_code)]

use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

/// `GET /profiles/{area}`.
#[derive(Serialize, ToSchema)]
pub struct Profile {
    area: ProfileArea,
    /// `en` or `cy`.
    lang: String,
    /// `95` or `99.8`: the level of every interval and flag.
    confidence_level: String,
    data_version: i64,
    cluster_geography_approximate: bool,
    /// Where the cluster boundaries came from.
    #[schema(nullable)]
    cluster_geography: Option<String>,
    /// `note` and `pyramids` (one per population estimate).
    #[schema(value_type = Object)]
    population: Value,
    /// `note`, `population_weighted`, `lsoa_count` (WIMD 2019) and `lsoa_count_wimd2025`.
    #[schema(value_type = Object)]
    deprivation: Value,
    /// The area's value of each indicator in its newest period, with comparisons.
    indicators: Vec<ProfileIndicator>,
    charts: ProfileCharts,
    attribution: String,
}

/// The area a profile describes.
#[derive(Serialize, ToSchema)]
pub struct ProfileArea {
    code: String,
    /// `wales`, `health_board` or `cluster`.
    level: String,
    name: String,
    name_is_english_fallback: bool,
    /// A cluster's board: `code` and `name`.
    #[schema(value_type = Object, nullable)]
    health_board: Value,
}

/// One indicator on a profile.
#[derive(Serialize, ToSchema)]
pub struct ProfileIndicator {
    id: String,
    title: String,
    title_is_english_fallback: bool,
    /// The Welsh title is a draft translation awaiting review (always false in English).
    title_is_draft: bool,
    unit: String,
    polarity: String,
    period: String,
    value: f64,
    #[schema(nullable)]
    numerator: Option<f64>,
    #[schema(nullable)]
    denominator: Option<f64>,
    #[schema(nullable)]
    lower_ci: Option<f64>,
    #[schema(nullable)]
    upper_ci: Option<f64>,
    #[schema(nullable)]
    wales_value: Option<f64>,
    #[schema(nullable)]
    health_board_value: Option<f64>,
    #[schema(nullable)]
    sig_vs_wales: Option<String>,
    #[schema(nullable)]
    sig_vs_hb: Option<String>,
    /// The same as `sig_vs_hb` (the name this document used first).
    #[schema(nullable)]
    sig_vs_health_board: Option<String>,
}

/// Links to the profile's SVG charts.
#[derive(Serialize, ToSchema)]
pub struct ProfileCharts {
    pyramid: String,
    deprivation: String,
}

/// The profile routes.
#[derive(OpenApi)]
#[openapi(
    paths(super::json::get_profile, super::chart::get_chart),
    components(schemas(Profile, ProfileArea, ProfileIndicator, ProfileCharts))
)]
pub struct ProfilesDoc;
