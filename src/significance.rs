//! Confidence intervals (Wilson score for proportions; Byar's and exact Poisson for crude
//! rates), the confidence levels they are computed at, and the higher / similar / lower flags.

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// z for a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// z for a two-sided 99.8% interval (the normal quantile at 0.999).
pub const Z_998: f64 = 3.090_232_306_167_813_5;

/// The confidence level of intervals and significance flags. OHID Fingertips and PHW
/// publish both: 95% for single comparisons, 99.8% (about three standard errors) for
/// funnel-style screening of many areas at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum ConfidenceLevel {
    /// 95% (the default).
    #[default]
    #[serde(rename = "95")]
    P95,
    /// 99.8%.
    #[serde(rename = "99.8")]
    P998,
}

impl ConfidenceLevel {
    /// Both, default first.
    pub const ALL: [ConfidenceLevel; 2] = [ConfidenceLevel::P95, ConfidenceLevel::P998];

    /// The two-sided normal quantile.
    pub fn z(self) -> f64 {
        match self {
            ConfidenceLevel::P95 => Z_95,
            ConfidenceLevel::P998 => Z_998,
        }
    }

    /// The confidence as a proportion (0.95, 0.998).
    pub fn confidence(self) -> f64 {
        match self {
            ConfidenceLevel::P95 => 0.95,
            ConfidenceLevel::P998 => 0.998,
        }
    }

    /// URL form: `95` or `99.8`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfidenceLevel::P95 => "95",
            ConfidenceLevel::P998 => "99.8",
        }
    }

    /// For labels: `95%` or `99.8%`.
    pub fn percent(self) -> &'static str {
        match self {
            ConfidenceLevel::P95 => "95%",
            ConfidenceLevel::P998 => "99.8%",
        }
    }

    /// Parses the URL form.
    pub fn parse(s: &str) -> Option<ConfidenceLevel> {
        ConfidenceLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// Byar's approximation to the Poisson interval of a count `x`, as limits of the count.
/// `None` for a negative or non-finite count, and for 0 (whose lower limit Byar's formula
/// cannot give; use [`exact_poisson`]).
pub fn byars(x: f64, z: f64) -> Option<(f64, f64)> {
    // Written positively so that NaN counts fail too.
    if !(x > 0.0 && x.is_finite()) {
        return None;
    }
    let lower = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * x.sqrt())).powi(3);
    let x1 = x + 1.0;
    let upper = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * x1.sqrt())).powi(3);
    Some((lower.max(0.0), upper))
}

/// The exact Poisson interval of a count `x` (from chi-square quantiles), as limits of the
/// count. `None` for a negative, fractional or non-finite count.
pub fn exact_poisson(x: f64, level: ConfidenceLevel) -> Option<(f64, f64)> {
    if !(x >= 0.0 && x.is_finite() && x.fract() == 0.0) {
        return None;
    }
    let alpha = 1.0 - level.confidence();
    let lower = if x == 0.0 {
        0.0
    } else {
        ChiSquared::new(2.0 * x).ok()?.inverse_cdf(alpha / 2.0) / 2.0
    };
    let upper = ChiSquared::new(2.0 * x + 2.0)
        .ok()?
        .inverse_cdf(1.0 - alpha / 2.0)
        / 2.0;
    Some((lower, upper))
}

/// How a crude rate's interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateMethod {
    /// Byar's approximation (counts of 10 or more).
    Byars,
    /// Exact Poisson (counts under 10).
    ExactPoisson,
}

impl RateMethod {
    /// The stored `ci_method`.
    pub fn as_str(self) -> &'static str {
        match self {
            RateMethod::Byars => "byars",
            RateMethod::ExactPoisson => "exact_poisson",
        }
    }
}

/// The interval of a crude rate `count / denominator × multiplier`, the way
/// PHEindicatormethods' `phe_rate` does: exact Poisson when the count is under 10, else
/// Byar's. `None` when the counts cannot give one.
pub fn crude_rate_interval(
    count: f64,
    denominator: f64,
    multiplier: f64,
    level: ConfidenceLevel,
) -> Option<((f64, f64), RateMethod)> {
    if !(denominator > 0.0 && denominator.is_finite()) {
        return None;
    }
    let (limits, method) = if count < 10.0 {
        (exact_poisson(count, level)?, RateMethod::ExactPoisson)
    } else {
        (byars(count, level.z())?, RateMethod::Byars)
    };
    let scale = multiplier / denominator;
    Some(((limits.0 * scale, limits.1 * scale), method))
}

/// The Wilson score interval for `numerator` successes out of `denominator`, as
/// proportions (0..1). `None` when the counts cannot give one (denominator ≤ 0, or a
/// numerator outside 0..=denominator).
///
/// Wilson is what PHW and OHID use for proportions: unlike the normal approximation it
/// stays inside 0..1 and behaves for small counts and proportions near 0 or 1.
pub fn wilson(numerator: f64, denominator: f64, z: f64) -> Option<(f64, f64)> {
    // Written positively so that NaN counts fail too.
    let valid = denominator > 0.0 && (0.0..=denominator).contains(&numerator);
    if !valid {
        return None;
    }
    let n = denominator;
    let p = numerator / n;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let scale = 1.0 + z2 / n;
    // At p = 0 or 1 the closed form lands on p itself up to rounding; clamp so the
    // interval always contains p and stays within 0..1.
    Some((
        ((centre - spread) / scale).clamp(0.0, p),
        ((centre + spread) / scale).clamp(p, 1.0),
    ))
}

/// What an area is compared with: Wales, or the cluster's health board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Benchmark {
    /// All of Wales.
    Wales,
    /// The cluster's health board.
    HealthBoard,
}

impl Benchmark {
    /// Both, in display order.
    pub const ALL: [Benchmark; 2] = [Benchmark::Wales, Benchmark::HealthBoard];

    /// The tile property holding the flag.
    pub fn property(self) -> &'static str {
        match self {
            Benchmark::Wales => "sig_vs_wales",
            Benchmark::HealthBoard => "sig_vs_hb",
        }
    }

    /// URL form.
    pub fn as_str(self) -> &'static str {
        match self {
            Benchmark::Wales => "wales",
            Benchmark::HealthBoard => "hb",
        }
    }
}

/// How an area compares with a benchmark (its health board, or Wales).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Significance {
    /// The whole interval (at the level in use) lies above the benchmark.
    Higher,
    /// The interval contains the benchmark.
    Similar,
    /// The whole interval lies below the benchmark.
    Lower,
    /// No interval exists at the level in use (no counts, or no interval at that level,
    /// was published), so no test was made.
    NotTested,
}

impl Significance {
    /// Every flag, in legend order.
    pub const ALL: [Significance; 4] = [
        Significance::Higher,
        Significance::Similar,
        Significance::Lower,
        Significance::NotTested,
    ];

    /// The same rule as the database function `atlas.compare_to`.
    pub fn compare(interval: Option<(f64, f64)>, benchmark: Option<f64>) -> Significance {
        match (interval, benchmark) {
            (Some((lower, _)), Some(b)) if lower > b => Significance::Higher,
            (Some((_, upper)), Some(b)) if upper < b => Significance::Lower,
            (Some(_), Some(_)) => Significance::Similar,
            _ => Significance::NotTested,
        }
    }

    /// The stored form (`higher`, `similar`, `lower`, `not_tested`).
    pub fn as_str(self) -> &'static str {
        match self {
            Significance::Higher => "higher",
            Significance::Similar => "similar",
            Significance::Lower => "lower",
            Significance::NotTested => "not_tested",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Significance> {
        Significance::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative closeness, for the PHEindicatormethods reference values.
    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * b.abs().max(1e-12)
    }

    // PHEindicatormethods test data (ukhsa-collaboration/PHEindicatormethods,
    // tests/testthat): testdata_Byars_Wilson.xlsx and testdata_Rate.xlsx.

    #[test]
    fn byars_matches_phe_indicator_methods() {
        use ConfidenceLevel::{P95, P998};
        let cases = [
            (65.0, P95, 50.163187710459454, 82.84913854593984),
            (1045.0, P95, 982.5932018073325, 1110.33121298565),
            (1.0, P95, 0.01307213290150435, 5.5637555824752605),
            (65.0, P998, 42.8802614714802, 94.00029084431802),
            (1045.0, P998, 947.9407035610374, 1148.806160988033),
            (10.0, P998, 2.916318374695686, 24.193724927880535),
        ];
        for (x, level, lo, hi) in cases {
            let (l, u) = byars(x, level.z()).unwrap();
            assert!(near(l, lo) && near(u, hi), "{x} at {level:?}: ({l}, {u})");
        }
        assert_eq!(byars(0.0, Z_95), None);
        assert_eq!(byars(f64::NAN, Z_95), None);
    }

    #[test]
    fn wilson_matches_phe_indicator_methods() {
        use ConfidenceLevel::{P95, P998};
        let cases = [
            (65.0, 100.0, P95, 0.5525444329688797, 0.7363575175690247),
            (
                1045.0,
                5000.0,
                P95,
                0.19795549880013297,
                0.22049130373189027,
            ),
            (65.0, 100.0, P998, 0.4954946574070431, 0.7783540614089697),
            (
                1045.0,
                5000.0,
                P998,
                0.19179381799015244,
                0.22731562902525818,
            ),
        ];
        for (x, n, level, lo, hi) in cases {
            let (l, u) = wilson(x, n, level.z()).unwrap();
            assert!(
                near(l, lo) && near(u, hi),
                "{x}/{n} at {level:?}: ({l}, {u})"
            );
        }
    }

    /// `phe_rate` per 100,000: exact Poisson under 10 events, else Byar's.
    #[test]
    fn crude_rates_match_phe_rate() {
        let cases = [
            (
                1.0,
                100.0,
                1000.0,
                25.317807984289896,
                5571.643390938898,
                1.0005003335835343,
                9233.413476451586,
            ),
            (
                5.0,
                100.0,
                5000.0,
                1623.4863901184199,
                11668.332079322669,
                739.3717319178389,
                16454.745203680104,
            ),
            (
                20.0,
                100.0,
                20000.0,
                12211.428834875936,
                30889.880369197064,
                8922.802365144193,
                38085.03562504191,
            ),
            (
                9856.0,
                12345.0,
                79837.99108950992,
                78269.49058976758,
                81430.01654272141,
                77375.90543271053,
                82354.47277095431,
            ),
            (
                222.0,
                3215.0,
                6905.132192846034,
                6026.574877652674,
                7875.729370871851,
                5560.737695259853,
                8461.04668173341,
            ),
        ];
        for (x, n, value, l95, u95, l998, u998) in cases {
            assert!(near(x / n * 100_000.0, value));
            for (level, lo, hi) in [
                (ConfidenceLevel::P95, l95, u95),
                (ConfidenceLevel::P998, l998, u998),
            ] {
                let ((l, u), method) = crude_rate_interval(x, n, 100_000.0, level).unwrap();
                assert!(
                    near(l, lo) && near(u, hi),
                    "{x}/{n} at {level:?}: ({l}, {u})"
                );
                let expected = if x < 10.0 {
                    RateMethod::ExactPoisson
                } else {
                    RateMethod::Byars
                };
                assert_eq!(method, expected);
            }
        }
        assert_eq!(
            crude_rate_interval(1.0, 0.0, 1000.0, ConfidenceLevel::P95),
            None
        );
        let ((l, u), _) = crude_rate_interval(0.0, 100.0, 1000.0, ConfidenceLevel::P95).unwrap();
        assert!(l == 0.0 && u > 0.0);
    }

    #[test]
    fn levels_parse_and_print() {
        for l in ConfidenceLevel::ALL {
            assert_eq!(ConfidenceLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(ConfidenceLevel::parse("90"), None);
        assert_eq!(ConfidenceLevel::default(), ConfidenceLevel::P95);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.000_05
    }

    /// Newcombe (1998), "Two-sided confidence intervals for the single proportion:
    /// comparison of seven methods", Statistics in Medicine 17:857-872, Table I, method 3
    /// (Wilson score without continuity correction), to 4 decimal places.
    #[test]
    fn wilson_matches_newcombe_1998_worked_examples() {
        let cases = [
            (81.0, 263.0, 0.2553, 0.3662),
            (15.0, 148.0, 0.0624, 0.1605),
            (0.0, 20.0, 0.0, 0.1611),
            (1.0, 29.0, 0.0061, 0.1718),
        ];
        for (x, n, lo, hi) in cases {
            let (l, u) = wilson(x, n, Z_95).unwrap();
            assert!(
                close(l, lo) && close(u, hi),
                "{x}/{n}: got ({l:.4}, {u:.4})"
            );
        }
    }

    /// 10 events in 100: 95% Wilson limits 5.52% and 17.44%, checked independently with
    /// the closed form in Python.
    #[test]
    fn wilson_ten_in_a_hundred() {
        let (l, u) = wilson(10.0, 100.0, Z_95).unwrap();
        assert!(close(l, 0.0552) && close(u, 0.1744), "({l:.4}, {u:.4})");
    }

    #[test]
    fn wilson_refuses_impossible_counts() {
        assert_eq!(wilson(1.0, 0.0, Z_95), None);
        assert_eq!(wilson(5.0, 4.0, Z_95), None);
        assert_eq!(wilson(-1.0, 4.0, Z_95), None);
        assert_eq!(wilson(f64::NAN, 4.0, Z_95), None);
        let (l, u) = wilson(20.0, 20.0, Z_95).unwrap();
        assert!(close(l, 0.8389) && u == 1.0);
        let (l, u) = wilson(0.0, 7.0, Z_95).unwrap();
        assert!(l == 0.0 && u > 0.0);
    }

    #[test]
    fn comparison_needs_an_interval_and_a_benchmark() {
        assert_eq!(
            Significance::compare(Some((0.2, 0.3)), Some(0.1)),
            Significance::Higher
        );
        assert_eq!(
            Significance::compare(Some((0.2, 0.3)), Some(0.4)),
            Significance::Lower
        );
        assert_eq!(
            Significance::compare(Some((0.2, 0.3)), Some(0.25)),
            Significance::Similar
        );
        // On the boundary the interval still contains the benchmark.
        assert_eq!(
            Significance::compare(Some((0.2, 0.3)), Some(0.2)),
            Significance::Similar
        );
        assert_eq!(
            Significance::compare(None, Some(0.2)),
            Significance::NotTested
        );
        assert_eq!(
            Significance::compare(Some((0.2, 0.3)), None),
            Significance::NotTested
        );
        for s in Significance::ALL {
            assert_eq!(Significance::parse(s.as_str()), Some(s));
        }
    }
}
