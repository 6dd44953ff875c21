//! Class breaks: quantile, equal interval, Fisher–Jenks natural breaks and manual, 3 to 9 classes.
//!
//! The algorithms follow PySAL's `mapclassify` step by step (including its float32
//! Fisher–Jenks matrices and its collapsing of repeated quantiles), so the same data gives
//! the same breaks; `tests/classify_reference.rs` checks this on the bundled data. Classes
//! are closed on the right, as in mapclassify: class i holds `bins[i-1] < x <= bins[i]`.

use std::fmt;

use serde::Serialize;

/// Fewest and most classes offered.
pub const MIN_CLASSES: usize = 3;
/// Most classes offered (ColorBrewer sequential schemes stop at 9).
pub const MAX_CLASSES: usize = 9;

/// A classification method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Equal counts per class (mapclassify `Quantiles`).
    Quantile,
    /// Equal-width classes (mapclassify `EqualInterval`).
    EqualInterval,
    /// Fisher–Jenks natural breaks (mapclassify `FisherJenks`).
    FisherJenks,
    /// Breaks given by the user.
    Manual,
}

impl Method {
    /// Every method, as offered to clients.
    pub const ALL: [Method; 4] = [
        Method::Quantile,
        Method::EqualInterval,
        Method::FisherJenks,
        Method::Manual,
    ];

    /// The URL form.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Quantile => "quantile",
            Method::EqualInterval => "equal_interval",
            Method::FisherJenks => "fisher_jenks",
            Method::Manual => "manual",
        }
    }

    /// Parses the URL form.
    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why breaks could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClassifyError {
    /// No values to classify.
    #[error("there are no values to classify")]
    Empty,
    /// A class count outside 3..=9.
    #[error("classes must be {MIN_CLASSES} to {MAX_CLASSES}, not {0}")]
    ClassCount(usize),
    /// Manual breaks that are unsorted, repeated or not finite.
    #[error("manual breaks must be finite numbers in increasing order")]
    BadManualBreaks,
    /// A NaN or infinite value.
    #[error("values must be finite numbers")]
    NotFinite,
}

/// Upper bounds of each class (the last is the maximum), plus the minimum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breaks {
    /// How they were made.
    pub method: Method,
    /// The class count asked for; `bins.len()` may be smaller when values tie.
    pub requested: usize,
    /// The smallest value classified.
    pub min: f64,
    /// Upper bound of each class, increasing; class i covers `(bins[i-1], bins[i]]`,
    /// and the first class also includes `min`.
    pub bins: Vec<f64>,
}

impl Breaks {
    /// Computes breaks for `values` with `method` and `k` classes; `manual` supplies the
    /// inner breaks for [`Method::Manual`] (the maximum is added as the last bound).
    pub fn compute(
        values: &[f64],
        method: Method,
        k: usize,
        manual: &[f64],
    ) -> Result<Breaks, ClassifyError> {
        if !(MIN_CLASSES..=MAX_CLASSES).contains(&k) && method != Method::Manual {
            return Err(ClassifyError::ClassCount(k));
        }
        if values.is_empty() {
            return Err(ClassifyError::Empty);
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(ClassifyError::NotFinite);
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let min = sorted[0];
        let max = sorted[sorted.len() - 1];
        let distinct = {
            let mut d = sorted.clone();
            d.dedup();
            d.len()
        };
        let bins = match method {
            Method::Quantile => quantile(&sorted, k),
            Method::EqualInterval => equal_interval(min, max, k),
            // mapclassify refuses fewer distinct values than classes; we classify with as
            // many classes as there are distinct values instead, which is what it would
            // have to do.
            Method::FisherJenks => fisher_jenks(&sorted, k.min(distinct)),
            Method::Manual => {
                let ok =
                    manual.iter().all(|b| b.is_finite()) && manual.windows(2).all(|w| w[0] < w[1]);
                if !ok || manual.is_empty() {
                    return Err(ClassifyError::BadManualBreaks);
                }
                if manual.len() + 1 > MAX_CLASSES || manual.len() + 1 < MIN_CLASSES {
                    return Err(ClassifyError::ClassCount(manual.len() + 1));
                }
                let mut bins: Vec<f64> = manual.to_vec();
                if max > bins[bins.len() - 1] {
                    bins.push(max);
                }
                bins
            }
        };
        Ok(Breaks {
            method,
            requested: if method == Method::Manual {
                manual.len() + 1
            } else {
                k
            },
            min,
            bins: dedup_sorted(bins),
        })
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.bins.len()
    }

    /// Whether there are no classes (never, for breaks made by [`Breaks::compute`]).
    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }

    /// The 1-based class of `value`; values above the last bound go in the last class
    /// and values below the minimum in the first, so every area gets a colour.
    pub fn class_of(&self, value: f64) -> usize {
        let i = self
            .bins
            .iter()
            .position(|&b| value <= b)
            .unwrap_or(self.bins.len() - 1);
        i + 1
    }

    /// Lower and upper bound of class `class` (1-based). The first class starts at the
    /// minimum, unless manual breaks put its upper bound below every value: then the class
    /// is empty and its lower bound is its upper bound, never above it.
    pub fn range(&self, class: usize) -> (f64, f64) {
        let i = class - 1;
        let lower = if i == 0 {
            self.min.min(self.bins[0])
        } else {
            self.bins[i - 1]
        };
        (lower, self.bins[i])
    }

    /// Whether the first class lies wholly below the values (manual breaks only), so its
    /// honest label is "up to" its upper bound rather than a range from the minimum.
    pub fn first_class_below_values(&self) -> bool {
        self.min > self.bins[0]
    }
}

fn dedup_sorted(mut bins: Vec<f64>) -> Vec<f64> {
    bins.dedup();
    bins
}

/// numpy's `arange(start, stop, step)` for floats: `ceil((stop - start) / step)` values.
fn arange(start: f64, stop: f64, step: f64) -> Vec<f64> {
    let n = ((stop - start) / step).ceil().max(0.0) as usize;
    (0..n).map(|i| start + i as f64 * step).collect()
}

/// scipy's `scoreatpercentile` (interpolation "fraction") on sorted values, computed the
/// way scipy does, as a weighted sum of the two neighbours, so rounding matches too.
fn score_at_percentile(sorted: &[f64], per: f64) -> f64 {
    let idx = per / 100.0 * (sorted.len() - 1) as f64;
    let j = idx.floor();
    let i = j as usize;
    if idx == j || i + 1 >= sorted.len() {
        return sorted[i.min(sorted.len() - 1)];
    }
    let (w0, w1) = ((j + 1.0) - idx, idx - j);
    (sorted[i] * w0 + sorted[i + 1] * w1) / (w0 + w1)
}

/// mapclassify's `quantile`: percentiles at 100/k steps; repeated values collapse, so
/// heavy ties give fewer classes.
fn quantile(sorted: &[f64], k: usize) -> Vec<f64> {
    let w = 100.0 / k as f64;
    let mut p = arange(w, 100.0 + w, w);
    if let Some(last) = p.last_mut() {
        if *last > 100.0 {
            *last = 100.0;
        }
    }
    let mut q: Vec<f64> = p
        .iter()
        .map(|&per| score_at_percentile(sorted, per.min(100.0)))
        .collect();
    q.sort_by(f64::total_cmp);
    q
}

/// mapclassify's `EqualInterval`: `k` equal widths, the last bound set to the maximum.
fn equal_interval(min: f64, max: f64, k: usize) -> Vec<f64> {
    let width = (max - min) / k as f64;
    if width == 0.0 {
        return vec![max];
    }
    if !(max + width).is_finite() {
        // The range is too wide for f64 (values near ±f64::MAX): numpy's arange would
        // give no cuts or a length that cannot be allocated, so interpolate instead.
        return (1..=k)
            .map(|i| {
                let t = i as f64 / k as f64;
                min * (1.0 - t) + max * t
            })
            .collect();
    }
    let mut cuts = arange(min + width, max + width, width);
    cuts.truncate(k);
    if let Some(last) = cuts.last_mut() {
        *last = max;
    }
    cuts
}

/// mapclassify's `_fisher_jenks_means` (Jenks's dynamic programme, after Daniel Lewis's
/// Python port), with the same float32 accumulators so that near-ties resolve the same way.
fn fisher_jenks(sorted: &[f64], k: usize) -> Vec<f64> {
    let n = sorted.len();
    if k <= 1 || n <= 1 {
        return vec![sorted[n - 1]];
    }
    let mut mat1 = vec![vec![0_i64; k + 1]; n + 1];
    let mut mat2 = vec![vec![0_f32; k + 1]; n + 1];
    for j in 1..=k {
        mat1[1][j] = 1;
        for row in mat2.iter_mut().skip(2) {
            row[j] = f32::INFINITY;
        }
    }
    let mut v = 0_f32;
    for l in 2..=n {
        let (mut s1, mut s2, mut w) = (0_f32, 0_f32, 0_f32);
        for m in 1..=l {
            let i3 = l - m + 1;
            let val = sorted[i3 - 1] as f32;
            s2 += val * val;
            s1 += val;
            w += 1.0;
            v = s2 - (s1 * s1) / w;
            let i4 = i3 - 1;
            if i4 != 0 {
                for j in 2..=k {
                    if mat2[l][j] >= v + mat2[i4][j - 1] {
                        mat1[l][j] = i3 as i64;
                        mat2[l][j] = v + mat2[i4][j - 1];
                    }
                }
            }
        }
        mat1[l][1] = 1;
        mat2[l][1] = v;
    }
    let mut kclass = vec![0_f64; k + 1];
    kclass[k] = sorted[n - 1];
    kclass[0] = sorted[0];
    let mut row = n;
    for count in (2..=k).rev() {
        let pivot = mat1[row][count];
        let id = usize::try_from(pivot - 2).unwrap_or(0);
        kclass[count - 1] = sorted[id];
        row = usize::try_from(pivot - 1).unwrap_or(1);
    }
    kclass.remove(0);
    kclass
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_matches_mapclassify_doc_examples() {
        // mapclassify's docstring example, quantile(numpy.arange(1000)), with the exact
        // values mapclassify 2.10.0 returns (its docstring rounds them for display).
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let b = Breaks::compute(&x, Method::Quantile, 4, &[]).unwrap();
        assert_eq!(b.bins, vec![249.75, 499.5, 749.25, 999.0]);
        let b = Breaks::compute(&x, Method::Quantile, 3, &[]).unwrap();
        assert_eq!(
            b.bins,
            vec![333.000_000_000_000_06, 666.000_000_000_000_1, 999.0]
        );
    }

    #[test]
    fn equal_interval_splits_the_range() {
        let x = [0.0, 1.0, 2.0, 10.0];
        let b = Breaks::compute(&x, Method::EqualInterval, 5, &[]).unwrap();
        assert_eq!(b.bins, vec![2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(b.class_of(0.0), 1);
        assert_eq!(b.class_of(2.0), 1); // closed on the right
        assert_eq!(b.class_of(2.000_001), 2);
        assert_eq!(b.class_of(10.0), 5);
    }

    #[test]
    fn fisher_jenks_finds_obvious_groups() {
        let x = [1.0, 1.1, 1.2, 5.0, 5.1, 5.2, 9.0, 9.1, 9.3];
        let b = Breaks::compute(&x, Method::FisherJenks, 3, &[]).unwrap();
        assert_eq!(b.bins, vec![1.2, 5.2, 9.3]);
    }

    #[test]
    fn ties_and_small_sets_do_not_panic() {
        let same = [4.0; 10];
        for m in [Method::Quantile, Method::EqualInterval, Method::FisherJenks] {
            let b = Breaks::compute(&same, m, 5, &[]).unwrap();
            assert_eq!(b.bins, vec![4.0], "{m}");
            assert_eq!(b.class_of(4.0), 1);
        }
        let two = [1.0, 2.0, 2.0, 2.0];
        let b = Breaks::compute(&two, Method::Quantile, 5, &[]).unwrap();
        assert!(b.len() <= 2);
        let b = Breaks::compute(&two, Method::FisherJenks, 5, &[]).unwrap();
        assert_eq!(b.bins, vec![1.0, 2.0]);
        let one = [3.5];
        assert_eq!(
            Breaks::compute(&one, Method::FisherJenks, 9, &[])
                .unwrap()
                .bins,
            vec![3.5]
        );
        assert_eq!(
            Breaks::compute(&[], Method::Quantile, 5, &[]),
            Err(ClassifyError::Empty)
        );
        assert_eq!(
            Breaks::compute(&[1.0, f64::NAN], Method::Quantile, 5, &[]),
            Err(ClassifyError::NotFinite)
        );
    }

    #[test]
    fn class_counts_and_manual_breaks_are_checked() {
        let x = [1.0, 2.0, 3.0];
        assert_eq!(
            Breaks::compute(&x, Method::Quantile, 2, &[]),
            Err(ClassifyError::ClassCount(2))
        );
        assert_eq!(
            Breaks::compute(&x, Method::Quantile, 10, &[]),
            Err(ClassifyError::ClassCount(10))
        );
        let b = Breaks::compute(&x, Method::Manual, 0, &[1.5, 2.5]).unwrap();
        assert_eq!(b.bins, vec![1.5, 2.5, 3.0]);
        assert_eq!(b.range(1), (1.0, 1.5));
        assert_eq!(b.range(3), (2.5, 3.0));
        assert!(!b.first_class_below_values());
        // Fuzzing found manual breaks below every value giving a first class of "1 – 0.5".
        let low = Breaks::compute(&x, Method::Manual, 0, &[0.5, 0.75]).unwrap();
        assert_eq!(low.range(1), (0.5, 0.5));
        assert!(low.first_class_below_values());
        for class in 1..=low.len() {
            let (lo, hi) = low.range(class);
            assert!(lo <= hi, "class {class}: {lo} > {hi}");
        }
        assert_eq!(
            Breaks::compute(&x, Method::Manual, 0, &[2.0, 1.0]),
            Err(ClassifyError::BadManualBreaks)
        );
        assert_eq!(
            Breaks::compute(&x, Method::Manual, 0, &[2.0]),
            Err(ClassifyError::ClassCount(2))
        );
    }

    /// Found by the `query_string` and `csv_loader` fuzz targets: with values near
    /// ±f64::MAX (which an `--indicator-values` file may hold for a non-% unit),
    /// equal_interval's width overflowed, gave no bounds, and `class_of` panicked;
    /// [0, 1.7e308] asked arange for usize::MAX cuts.
    #[test]
    fn extreme_values_classify_with_every_method() {
        for values in [
            vec![-f64::MAX, 0.0, f64::MAX],
            vec![0.0, 1.7e308],
            vec![-1e300, -1.0, 5e-324, 1e300, 1.5e308],
            vec![1e19, 2e19, 3e20, 4e38, 1e39, 1e40],
        ] {
            let max = values.iter().copied().fold(f64::MIN, f64::max);
            for method in [Method::Quantile, Method::EqualInterval, Method::FisherJenks] {
                for k in MIN_CLASSES..=MAX_CLASSES {
                    let b = Breaks::compute(&values, method, k, &[]).unwrap();
                    assert!(!b.is_empty() && b.len() <= k, "{method} {k}: {b:?}");
                    assert!(
                        b.bins.windows(2).all(|w| w[0] < w[1]),
                        "{method} {k}: {b:?}"
                    );
                    assert_eq!(b.bins[b.len() - 1], max, "{method} {k}: {b:?}");
                    for &v in &values {
                        assert!((1..=b.len()).contains(&b.class_of(v)));
                    }
                }
            }
        }
    }
}
