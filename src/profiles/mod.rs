//! Area profiles for dashboards: `/profiles/{area}` (population pyramid, deprivation
//! profiles and indicator values with comparisons, in English or Welsh) and its two
//! accessible SVG charts, a population pyramid and a deprivation profile bar.
//!
//! [`query`] reads what the database holds for an area, consistent with the snapshot;
//! [`json`] builds the profile document; [`chart`] draws the SVGs.

mod area;
pub mod chart;
pub mod doc;
pub mod json;
pub mod query;
pub mod spine;
pub mod trend;

use crate::http::Routes;
use crate::state::AppState;

pub use chart::{deprivation_svg, pyramid_svg};
pub use query::{AgeBand, Pyramid, QuintileShare};

/// Routes.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/profiles/{area}", json::get_profile)
        .get("/profiles/{area}/{chart}", chart::get_chart)
}
