//! Colours: ColorBrewer schemes (vendored in `styles/colorbrewer.json`), the WIMD quintile
//! ramp, and the significance colours, all colour-blind-safe.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::catalog::indicators::Polarity;
use crate::significance::Significance;

/// The default sequential scheme for indicator choropleths.
pub const DEFAULT_SEQUENTIAL: &str = "YlGnBu";
/// Colour for areas without a value.
pub const NO_DATA: &str = "#d9d9d9";

#[derive(serde::Deserialize)]
struct Vendored {
    #[serde(rename = "_groups")]
    groups: Groups,
    #[serde(flatten)]
    schemes: BTreeMap<String, serde_json::Value>,
}

#[derive(serde::Deserialize)]
struct Groups {
    sequential: Vec<String>,
}

/// Sequential schemes: name → class count → colours (light to dark).
static SEQUENTIAL: LazyLock<BTreeMap<&'static str, BTreeMap<usize, Vec<String>>>> =
    LazyLock::new(|| {
        // The file is compiled in and checked by the unit tests below.
        let vendored: Vendored = serde_json::from_str(include_str!("../styles/colorbrewer.json"))
            .unwrap_or_else(|e| panic!("styles/colorbrewer.json is invalid: {e}"));
        vendored
            .groups
            .sequential
            .iter()
            .filter_map(|name| {
                let by_count = vendored.schemes.get(name)?.as_object()?;
                let scheme = by_count
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((k.parse().ok()?, serde_json::from_value(v.clone()).ok()?))
                    })
                    .collect();
                Some((&*String::leak(name.clone()), scheme))
            })
            .collect()
    });

/// The canonical name of a sequential scheme.
pub fn sequential_name(name: &str) -> Option<&'static str> {
    SEQUENTIAL.keys().find(|k| **k == name).copied()
}

/// Every sequential scheme's name.
pub fn sequential_names() -> Vec<String> {
    SEQUENTIAL.keys().map(|k| (*k).to_owned()).collect()
}

/// `n` colours (1 to 9) of a sequential scheme, light to dark. ColorBrewer starts at 3
/// classes; fewer (from ties) take the lightest, middle and darkest of the 3-class ramp.
pub fn sequential(name: &str, n: usize) -> Vec<String> {
    let scheme = SEQUENTIAL
        .get(name)
        .or_else(|| SEQUENTIAL.get(DEFAULT_SEQUENTIAL))
        .expect("the default scheme exists");
    match n {
        0 => vec![],
        1 => vec![scheme[&3][1].clone()],
        2 => vec![scheme[&3][0].clone(), scheme[&3][2].clone()],
        _ => scheme[&n.min(9)].clone(),
    }
}

/// WIMD quintile colours, quintile 1 (most deprived) first and darkest: YlGnBu reversed.
pub fn wimd_quintiles() -> Vec<String> {
    let mut c = sequential("YlGnBu", 5);
    c.reverse();
    c
}

/// Colour of a significance flag, given the indicator's polarity: worse is red and
/// better is blue (ColorBrewer RdBu); with no polarity, higher is purple and lower orange
/// (PuOr). Both pairs are colour-blind-safe.
pub fn significance(flag: Significance, polarity: Polarity) -> &'static str {
    const WORSE: &str = "#ca0020";
    const BETTER: &str = "#0571b0";
    match (flag, polarity) {
        (Significance::Similar, _) => "#f7f7f7",
        (Significance::NotTested, _) => "#bababa",
        (Significance::Higher, Polarity::HigherIsWorse)
        | (Significance::Lower, Polarity::HigherIsBetter) => WORSE,
        (Significance::Lower, Polarity::HigherIsWorse)
        | (Significance::Higher, Polarity::HigherIsBetter) => BETTER,
        (Significance::Higher, Polarity::Neutral) => "#5e3c99",
        (Significance::Lower, Polarity::Neutral) => "#e66101",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_schemes_load_with_every_class_count() {
        assert!(sequential_names().len() >= 18);
        for name in sequential_names() {
            for n in 3..=9 {
                let c = sequential(&name, n);
                assert_eq!(c.len(), n, "{name} {n}");
                assert!(c.iter().all(|h| h.len() == 7 && h.starts_with('#')));
            }
        }
        assert_eq!(
            sequential("YlGnBu", 5),
            ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
        );
        assert_eq!(wimd_quintiles()[0], "#253494", "quintile 1 is darkest");
        assert_eq!(sequential("Blues", 2).len(), 2);
    }
}
