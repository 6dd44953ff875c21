//! Class breaks match PySAL's mapclassify (the reference implementation) on the real
//! bundled indicator values, for every method and class count.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use cluster_atlas::catalog::indicators::{IndicatorCatalog, Level};
use cluster_atlas::classify::{Breaks, Method};
use serde_json::{json, Value};

fn reference_python() -> String {
    std::env::var("CLUSTER_ATLAS_PYTHON").unwrap_or_else(|_| "python3".into())
}

#[tokio::test]
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
                .filter(|v| v.level == Level::Cluster)
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
    let mut child = Command::new(reference_python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/mapclassify_breaks.py"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with mapclassify (scripts/test.sh sets CLUSTER_ATLAS_PYTHON)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json!({"cases": cases}).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "mapclassify failed (is it installed? scripts/test.sh installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bins = reference["bins"].as_array().unwrap();
    assert_eq!(bins.len(), ours.len());
    assert_eq!(ours.len(), 19 * 3 * 7);
    for ((name, mine), theirs) in ours.iter().zip(bins) {
        let theirs: Vec<f64> = serde_json::from_value(theirs.clone()).unwrap();
        assert_eq!(
            mine.len(),
            theirs.len(),
            "{name}: {mine:?} vs mapclassify {theirs:?}"
        );
        for (a, b) in mine.iter().zip(&theirs) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{name}: {mine:?} vs mapclassify {theirs:?}"
            );
        }
    }
}

/// Ties, fewer distinct values than classes, and one value: quantiles collapse exactly
/// as mapclassify's do.
#[test]
fn tied_quantiles_collapse_like_mapclassify() {
    let values = [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 10.0];
    let cases: Vec<Value> = (3..=9)
        .map(|k| json!({"values": values, "method": "quantile", "k": k}))
        .chain((3..=9).map(|k| json!({"values": values, "method": "equal_interval", "k": k})))
        .collect();
    let mut child = Command::new(reference_python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/mapclassify_breaks.py"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with mapclassify");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json!({"cases": cases}).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let reference: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, theirs) in reference["bins"].as_array().unwrap().iter().enumerate() {
        let (method, k) = if i < 7 {
            (Method::Quantile, i + 3)
        } else {
            (Method::EqualInterval, i - 4)
        };
        let mine = Breaks::compute(&values, method, k, &[]).unwrap().bins;
        let theirs: Vec<f64> = serde_json::from_value(theirs.clone()).unwrap();
        assert_eq!(
            mine.len(),
            theirs.len(),
            "{method} k={k}: {mine:?} vs {theirs:?}"
        );
        for (a, b) in mine.iter().zip(&theirs) {
            assert!(
                (a - b).abs() < 1e-9,
                "{method} k={k}: {mine:?} vs {theirs:?}"
            );
        }
    }
}
