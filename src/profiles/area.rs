//! What the profile routes share: the `{area}` path parameter as documented, the charts'
//! default periods and the English-or-Welsh choice of a fixed text.

use crate::catalog::indicators::Lang;

/// `{area}` in the OpenAPI document: a profile and its charts.
#[allow(dead_code)] // Described, never built: handlers take the path as a string.
#[derive(utoipa::IntoParams)]
#[into_params(names("area"), parameter_in = Path)]
pub(super) struct AreaParam(
    /// Cluster code, health board code (W11…), or wales
    String,
);

/// The period the charts show when none is asked for: sex by age needs 2021 LSOAs.
pub(super) const DEFAULT_PYRAMID_PERIOD: &str = "mid-2024";
/// The deprivation profile's default: the current index (WIMD 2025) with the estimate on its
/// own 2021 LSOAs. `?period=mid-2020` (or mid-2019) shows WIMD 2019 on 2011 LSOAs.
pub(super) const DEFAULT_DEPRIVATION_PERIOD: &str = "mid-2024";

/// English or Welsh text.
pub(super) fn text(lang: Lang, en: &'static str, cy: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Cy => cy,
    }
}
