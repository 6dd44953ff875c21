//! How a summary cell looks and reads: its fill and text colour by flag and polarity, the
//! precision its value and interval are printed with, the legend of those colours, and why
//! a row is not tested. Shared by the HTML table and the
//! SVG grid (`html.rs`, `svg.rs`), which `mod.rs` serves.

use serde_json::{json, Value};

use crate::catalog::indicators::{AreaLevel, Indicator, Lang, Polarity, UntestedReason};
use crate::comparison::{Column, Row};
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

/// The ink of the two that contrasts more with `fill` (a `#rrggbb` colour): near-black on
/// light and mid fills (`#e66101`: 5.0:1, where white is 3.45:1), white on dark ones. WCAG
/// 2.2 AA asks 4.5:1 for text; every significance colour reaches it with one of the two.
pub fn text_on(fill: &str) -> &'static str {
    const DARK: &str = "#1a1a1a";
    const LIGHT: &str = "#ffffff";
    let Some(background) = relative_luminance(fill) else {
        return DARK;
    };
    let contrast = |ink: &str| {
        let ink = relative_luminance(ink).unwrap_or(0.0);
        let (hi, lo) = if ink > background {
            (ink, background)
        } else {
            (background, ink)
        };
        (hi + 0.05) / (lo + 0.05)
    };
    if contrast(DARK) >= contrast(LIGHT) {
        DARK
    } else {
        LIGHT
    }
}

/// WCAG's relative luminance of a `#rrggbb` colour.
fn relative_luminance(hex: &str) -> Option<f64> {
    let hex = hex.strip_prefix('#').filter(|h| h.len() == 6)?;
    let channel = |i: usize| -> Option<f64> {
        let v = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

/// The decimals a summary row prints its values and intervals with: the unit's usual
/// precision ([`crate::comparison::words::value`]: one decimal, none for counts), and more
/// (up to four more) where the usual precision would print an interval that contains the
/// printed comparator value of a cell flagged significant, or excludes it from one that is
/// not. Rounding is monotone, so an unflagged interval never seems to exclude its
/// comparator; only a flagged one that is close can seem to touch it ("2.1 (2.0–2.3)"
/// against Wales 2.3, where 2.264 < 2.280 decides): what is printed then agrees with the
/// colour. One rule, used by the HTML table and the SVG grid alike.
pub fn row_decimals(row: &Row<'_>, columns: &[Column]) -> usize {
    let usual = if row.unit == "count" { 0 } else { 1 };
    let value_of = |level: AreaLevel| {
        columns
            .iter()
            .position(|c| c.level == level)
            .and_then(|i| row.cells[i].value)
    };
    let (wales, board) = (value_of(AreaLevel::Wales), value_of(AreaLevel::HealthBoard));
    let agrees = |decimals: usize| {
        row.cells.iter().zip(columns).all(|(cell, column)| {
            let vs_board = (column.level == AreaLevel::Cluster)
                .then_some(board)
                .flatten()
                .map(|b| (b, cell.sig_vs_hb));
            let vs_wales = (column.level != AreaLevel::Wales)
                .then_some(wales)
                .flatten()
                .map(|w| (w, cell.sig_vs_wales));
            [vs_board, vs_wales]
                .into_iter()
                .flatten()
                .all(|(comparator, flag)| {
                    printed_flag_agrees(cell.lower_ci, cell.upper_ci, comparator, flag, decimals)
                })
        })
    };
    (usual..=usual + 4)
        .find(|d| agrees(*d))
        .unwrap_or(usual + 4)
}

/// Whether an interval and a comparator, both printed with `decimals`, say what `flag`
/// says: higher when the printed lower limit is above the printed comparator, lower when
/// the printed upper limit is below it, else not significantly different.
fn printed_flag_agrees(
    lower: Option<f64>,
    upper: Option<f64>,
    comparator: f64,
    flag: Option<Significance>,
    decimals: usize,
) -> bool {
    let (Some(lower), Some(upper)) = (lower, upper) else {
        return true;
    };
    let printed = |v: f64| -> f64 { format_decimals(v, decimals).parse().unwrap_or(v) };
    let (lower, upper, comparator) = (printed(lower), printed(upper), printed(comparator));
    match flag {
        Some(Significance::Higher) => lower > comparator,
        Some(Significance::Lower) => upper < comparator,
        Some(Significance::Similar) => lower <= comparator && comparator <= upper,
        _ => true,
    }
}

/// A number with `decimals` decimals, as every summary format prints it.
pub fn format_decimals(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}")
}

/// A value and its interval (`2.26` and `2.21–2.27`) as every summary format prints them,
/// with a row's [`row_decimals`].
pub fn value_with_interval(
    value: f64,
    lower: Option<f64>,
    upper: Option<f64>,
    decimals: usize,
) -> (String, Option<String>) {
    let interval = match (lower, upper) {
        (Some(l), Some(u)) => Some(format!(
            "{}–{}",
            format_decimals(l, decimals),
            format_decimals(u, decimals)
        )),
        _ => None,
    };
    (format_decimals(value, decimals), interval)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every significance colour gets the ink that reaches WCAG AA's 4.5:1, the orange
    /// included (white on it is 3.45:1).
    #[test]
    fn ink_contrasts_with_every_significance_colour() {
        assert_eq!(text_on("#e66101"), "#1a1a1a");
        for dark in ["#5e3c99", "#ca0020", "#0571b0"] {
            assert_eq!(text_on(dark), "#ffffff", "{dark}");
        }
        for light in ["#f7f7f7", "#bababa", "#ffffff"] {
            assert_eq!(text_on(light), "#1a1a1a", "{light}");
        }
    }

    /// The user's cell: COPD in South Flintshire, 2.264 (upper limit) below Wales's 2.280,
    /// prints "2.0–2.3" against "2.3" at one decimal; two decimals tell them apart.
    #[test]
    fn printed_intervals_need_the_decimals_that_separate_them() {
        let lower = Some(Significance::Lower);
        assert!(!printed_flag_agrees(
            Some(2.02),
            Some(2.264),
            2.280,
            lower,
            1
        ));
        assert!(printed_flag_agrees(
            Some(2.02),
            Some(2.264),
            2.280,
            lower,
            2
        ));
        // Rounding is monotone: an interval that holds the comparator always seems to.
        let similar = Some(Significance::Similar);
        assert!(printed_flag_agrees(
            Some(2.251),
            Some(2.349),
            2.30,
            similar,
            1
        ));
        assert_eq!(
            value_with_interval(2.2456, Some(2.02), Some(2.264), 2),
            ("2.25".to_owned(), Some("2.02–2.26".to_owned()))
        );
    }
}
