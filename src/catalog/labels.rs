//! Human labels, in English and Welsh, for properties, download columns and WIMD domains.
//! The Welsh labels are drafts for review by a Welsh speaker.

use super::indicators::Lang;
use super::values::value_field;
use super::{wimd_domain, WIMD_OVERALL};

/// The name of a WIMD domain (or `overall`) in `lang`; unknown ids read as overall.
pub fn domain_title(domain: &str, lang: Lang) -> &'static str {
    let d = wimd_domain(domain).unwrap_or(&WIMD_OVERALL);
    lang.pick(d.title_en, d.title_cy)
}

/// A human label for a property or download column, in English or Welsh. Unknown names
/// are returned unchanged. The Welsh labels are drafts for review by a Welsh speaker.
pub fn field_label(name: &str, lang: Lang) -> String {
    field_label_at(name, lang, crate::significance::ConfidenceLevel::P95)
}

/// [`field_label`] of a layer's property: the 2021 LSOAs' `wimd_*` columns hold WIMD 2025.
pub fn layer_field_label(layer: super::LayerId, name: &str, lang: Lang) -> String {
    match (layer, name.strip_prefix("wimd_")) {
        (super::LayerId::Lsoa21, Some(rest @ ("rank" | "decile" | "quintile"))) => {
            field_label(&format!("wimd2025_{rest}"), lang)
        }
        _ => field_label(name, lang),
    }
}

/// [`field_label`] for a request at a confidence level: labels of intervals name it
/// (`Lower 99.8% CI`).
pub fn field_label_at(
    name: &str,
    lang: Lang,
    level: crate::significance::ConfidenceLevel,
) -> String {
    let label = field_label_95(name, lang);
    label.replace("95%", level.percent())
}

fn field_label_95(name: &str, lang: Lang) -> String {
    let fixed = match name {
        "code" => Some(("Code", "Cod")),
        "name_en" => Some(("Name (English)", "Enw (Saesneg)")),
        "name_cy" => Some(("Name (Welsh)", "Enw (Cymraeg)")),
        "name_cy_fallback" => Some((
            "Welsh name not published",
            "Dim enw Cymraeg wedi'i gyhoeddi",
        )),
        "name_wimd" => Some(("WIMD local name", "Enw lleol MALlC")),
        "la_code" => Some(("Local authority code", "Cod awdurdod lleol")),
        "hb_code" => Some(("Health board code", "Cod bwrdd iechyd")),
        "ods_code" => Some(("ODS code", "Cod ODS")),
        "cluster_code" => Some(("Cluster code", "Cod clwstwr")),
        "cluster_provenance" => Some(("Cluster assignment", "Neilltuo i glwstwr")),
        "provenance" => Some(("Geography source", "Ffynhonnell y ddaearyddiaeth")),
        "approximate" => Some(("Approximate geography", "Daearyddiaeth fras")),
        "lsoa_count" => Some(("LSOAs", "ACEHI")),
        "population" => Some(("Population (mid-2020)", "Poblogaeth (canol 2020)")),
        "wimd_q1_residents_pct" => Some((
            "Residents in WIMD quintile 1, %",
            "Trigolion yng nghwintel 1 MALlC, %",
        )),
        "wimd_rank" => Some(("WIMD 2019 rank", "Safle MALlC 2019")),
        "wimd_decile" => Some(("WIMD 2019 decile", "Degradd MALlC 2019")),
        "wimd_quintile" => Some(("WIMD 2019 quintile", "Cwintel MALlC 2019")),
        // The 2021 LSOA layer's WIMD columns have the 2011 layer's names (one style draws
        // both); their labels name the edition they hold (see `layer_field_label`).
        "wimd2025_rank" => Some(("WIMD 2025 rank", "Safle MALlC 2025")),
        "wimd2025_decile" => Some(("WIMD 2025 decile", "Degradd MALlC 2025")),
        "wimd2025_quintile" => Some(("WIMD 2025 quintile", "Cwintel MALlC 2025")),
        "indicator" => Some(("Indicator", "Dangosydd")),
        "confidence_interval" => Some(("95% CI", "CH 95%")),
        "health_board" => Some(("Health board", "Bwrdd iechyd")),
        "cluster" => Some(("Cluster", "Clwstwr")),
        "lsoa" => Some(("LSOA", "ACEHI")),
        "period" => Some(("Period", "Cyfnod")),
        "geometry_wkt" => Some(("Geometry (WKT, EPSG:4326)", "Geometreg (WKT, EPSG:4326)")),
        _ => None,
    };
    if let Some((en, cy)) = fixed {
        return lang.pick(en, cy).to_owned();
    }
    if let Some(f) = value_field(name) {
        return lang.pick(f.label_en, f.label_cy).to_owned();
    }
    if let Some(domain) = name.strip_suffix("_quintile") {
        let title = domain_title(domain, lang);
        return match lang {
            Lang::En => format!("WIMD 2019 {} quintile", title.to_lowercase()),
            Lang::Cy => format!("Cwintel {} MALlC 2019", title.to_lowercase()),
        };
    }
    if let Some(q) = name
        .strip_prefix("wimd_q")
        .and_then(|r| r.strip_suffix("_lsoas"))
    {
        return match lang {
            Lang::En => format!("LSOAs in WIMD quintile {q}"),
            Lang::Cy => format!("ACEHI yng nghwintel MALlC {q}"),
        };
    }
    if let Some(q) = name
        .strip_prefix("wimd_q")
        .and_then(|r| r.strip_suffix("_pct"))
    {
        return match lang {
            Lang::En => format!("% of LSOAs in WIMD quintile {q}"),
            Lang::Cy => format!("% o ACEHI yng nghwintel MALlC {q}"),
        };
    }
    name.to_owned()
}
