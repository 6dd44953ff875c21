//! Area profiles for dashboards: `/profiles/{area}` (population pyramid, deprivation
//! profiles and indicator values with comparisons, in English or Welsh) and its two
//! accessible SVG charts, a population pyramid and a deprivation profile bar.
//!
//! [`query`] reads what the database holds for an area, consistent with the snapshot;
//! [`json`] builds the profile document; [`chart`] draws the SVGs.

pub mod chart;
pub mod doc;
pub mod json;
pub mod query;
pub mod spine;
pub mod trend;

use crate::catalog::indicators::Lang;
use crate::http::Routes;
use crate::state::AppState;

pub use chart::{deprivation_svg, pyramid_svg};
pub use query::{AgeBand, Pyramid, QuintileShare};

/// `{area}` in the OpenAPI document: a profile and its charts.
#[allow(dead_code)] // Described, never built: handlers take the path as a string.
#[derive(utoipa::IntoParams)]
#[into_params(names("area"), parameter_in = Path)]
struct AreaParam(
    /// Cluster code, health board code (W11…), or wales
    String,
);

/// The period the charts show when none is asked for: sex by age needs 2021 LSOAs.
const DEFAULT_PYRAMID_PERIOD: &str = "mid-2024";
/// The deprivation profile's default: the current index (WIMD 2025) with the estimate on its
/// own 2021 LSOAs. `?period=mid-2020` (or mid-2019) shows WIMD 2019 on 2011 LSOAs.
const DEFAULT_DEPRIVATION_PERIOD: &str = "mid-2024";

/// Routes.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/profiles/{area}", json::get_profile)
        .get("/profiles/{area}/{chart}", chart::get_chart)
}

/// English or Welsh text.
fn text(lang: Lang, en: &'static str, cy: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Cy => cy,
    }
}
