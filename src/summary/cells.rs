//! How a summary cell looks and reads: its fill and text colour by flag and polarity, the
//! legend of those colours, and why a row is not tested. Shared by the HTML table and the
//! SVG grid (`html.rs`, `svg.rs`), which `mod.rs` serves.

use serde_json::{json, Value};

use crate::catalog::indicators::{AreaLevel, Indicator, Lang, Polarity, UntestedReason};
use crate::palette;
use crate::significance::Significance;

/// The colour of a flag for an indicator's polarity, as the map and legend use it.
pub fn flag_color(flag: Option<Significance>, polarity: Polarity) -> &'static str {
    palette::significance(flag.unwrap_or(Significance::NotTested), polarity)
}

/// A cell's fill: its flag's colour, or white for Wales (the benchmark itself).
pub fn cell_fill(level: AreaLevel, flag: Option<Significance>, polarity: Polarity) -> &'static str {
    if level == AreaLevel::Wales {
        "#ffffff"
    } else {
        flag_color(flag, polarity)
    }
}

/// Text colour on a cell: white on the dark significance colours, for WCAG AA contrast.
pub fn text_on(flag: Option<Significance>) -> &'static str {
    match flag {
        Some(Significance::Higher | Significance::Lower) => "#ffffff",
        _ => "#1a1a1a",
    }
}

/// Why a row has no significance, as a sentence: the reason its indicator is never tested
/// ([`Indicator::never_tested`]: the catalogue's reason, or what its values are; a row is
/// untested only when no cluster has an interval).
pub fn untested_reason(indicator: &Indicator, lang: Lang) -> String {
    indicator
        .never_tested(&[])
        .unwrap_or(UntestedReason::NoCounts)
        .sentence(lang)
}

/// What each colour means, for both kinds of polarity.
pub fn legend(lang: Lang) -> Value {
    let entry = |flag: Significance, polarity: Polarity, en: &str, cy: &str| json!({"flag": flag, "polarity": polarity, "color": palette::significance(flag, polarity), "label": lang.pick(en, cy)});
    json!([
        entry(
            Significance::Higher,
            Polarity::HigherIsWorse,
            "Significantly worse (higher or lower, by the indicator's polarity)",
            "Sylweddol waeth"
        ),
        entry(
            Significance::Lower,
            Polarity::HigherIsWorse,
            "Significantly better",
            "Sylweddol well"
        ),
        entry(
            Significance::Higher,
            Polarity::Neutral,
            "Significantly higher (no polarity)",
            "Sylweddol uwch (dim pegynedd)"
        ),
        entry(
            Significance::Lower,
            Polarity::Neutral,
            "Significantly lower (no polarity)",
            "Sylweddol is (dim pegynedd)"
        ),
        entry(
            Significance::Similar,
            Polarity::Neutral,
            "Not significantly different",
            "Dim gwahaniaeth sylweddol"
        ),
        entry(
            Significance::NotTested,
            Polarity::Neutral,
            "Not tested",
            "Heb ei brofi"
        ),
    ])
}
