//! Confidence intervals for proportions (Wilson score) and the higher / similar / lower flags.

use serde::Serialize;

/// z for a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

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
    /// The whole 95% interval lies above the benchmark.
    Higher,
    /// The interval contains the benchmark.
    Similar,
    /// The whole interval lies below the benchmark.
    Lower,
    /// No interval exists (no counts were published), so no test was made.
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
