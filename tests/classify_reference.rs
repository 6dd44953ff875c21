//! Class breaks match PySAL's mapclassify (the reference implementation) on the real
//! bundled indicator values, for every method and class count.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use cluster_atlas::catalog::indicators::{AreaLevel, IndicatorCatalog};
use cluster_atlas::classify::{Breaks, Method};
use serde_json::{json, Value};

/// Runs tests/reference/mapclassify_breaks.py on `cases`; returns mapclassify's bins.
fn mapclassify_bins(cases: &[Value]) -> Vec<Vec<f64>> {
    let python = std::env::var("CLUSTER_ATLAS_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/mapclassify_breaks.py"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with mapclassify (scripts/test.sh sets CLUSTER_ATLAS_PYTHON)");
    let request = json!({ "cases": cases }).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "mapclassify failed (is it installed? scripts/test.sh installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Value = serde_json::from_slice(&out.stdout).unwrap();
    serde_json::from_value(reference["bins"].clone()).unwrap()
}

fn assert_same(name: &str, mine: &[f64], theirs: &[f64]) {
    assert_eq!(
        mine.len(),
        theirs.len(),
        "{name}: {mine:?} vs mapclassify {theirs:?}"
    );
    for (a, b) in mine.iter().zip(theirs) {
        assert!(
            (a - b).abs() <= 1e-9 * b.abs().max(1.0),
            "{name}: {mine:?} vs mapclassify {theirs:?}"
        );
    }
}

#[tokio::test]
#[ignore = "needs PostGIS and Python + mapclassify: scripts/test.sh runs it"]
async fn breaks_match_mapclassify_on_every_bundled_indicator() {
    let pool = common::loaded_pool("classify").await;
    let catalog = IndicatorCatalog::load(&pool).await.unwrap();
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for indicator in &catalog.indicators {
        for period in &indicator.periods {
            let values: Vec<f64> = catalog
                .values(&indicator.id, period)
                .iter()
                .filter(|v| v.level == AreaLevel::Cluster)
                .map(|v| v.value)
                .collect();
            assert_eq!(values.len(), 63, "{} {period}", indicator.id);
            for method in [Method::Quantile, Method::EqualInterval, Method::FisherJenks] {
                for k in 3..=9 {
                    cases.push(json!({"values": values, "method": method.as_str(), "k": k}));
                    let b = Breaks::compute(&values, method, k, &[]).unwrap();
                    ours.push((format!("{} {period} {method} k={k}", indicator.id), b.bins));
                }
            }
        }
    }
    let bins = mapclassify_bins(&cases);
    // 19 bundled indicators with one period each, the 5 population indicators with
    // 13 periods between them (mid-2019, mid-2020, and mid-2024 where it exists), the
    // 8 WIMD 2019 indicators (their cluster values, one period) and the 2 WIMD 2025 shares
    // (one period each).
    assert_eq!(ours.len(), (19 + 13 + 8 + 2) * 3 * 7);
    assert_eq!(bins.len(), ours.len());
    for ((name, mine), theirs) in ours.iter().zip(&bins) {
        assert_same(name, mine, theirs);
    }
}

/// Ties and fewer distinct values than classes: quantiles collapse exactly as
/// mapclassify's do, and equal intervals agree too.
#[test]
#[ignore = "needs Python + mapclassify (CLUSTER_ATLAS_PYTHON): scripts/test.sh runs it"]
fn tied_values_classify_like_mapclassify() {
    let values = [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 10.0];
    let methods = [Method::Quantile, Method::EqualInterval];
    let cases: Vec<Value> = methods
        .iter()
        .flat_map(|m| (3..=9).map(move |k| json!({"values": values, "method": m.as_str(), "k": k})))
        .collect();
    let bins = mapclassify_bins(&cases);
    let mut theirs = bins.iter();
    for method in methods {
        for k in 3..=9 {
            let mine = Breaks::compute(&values, method, k, &[]).unwrap().bins;
            assert_same(&format!("{method} k={k}"), &mine, theirs.next().unwrap());
        }
    }
}
