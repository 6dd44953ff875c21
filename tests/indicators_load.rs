//! The documented indicator CSV format loads further indicators: intervals are computed
//! from counts (Wilson) or taken as supplied, and clusters are flagged against their
//! health board and Wales.

mod common;

use cluster_atlas::significance::{wilson, Z_95};
use common::{bundled_inputs, db_args, fresh_database};

/// area, value, lower, upper, ci_method, sig_vs_wales, sig_vs_hb
type ValueRow = (
    String,
    f64,
    Option<f64>,
    Option<f64>,
    Option<String>,
    String,
    String,
);

#[tokio::test]
async fn extra_indicators_load_with_intervals_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("catalogue.csv");
    std::fs::write(
        &catalogue,
        "id,title_en,title_cy,description_en,description_cy,unit,polarity,source,licence\n\
         test_uptake,Test uptake,Prawf,A synthetic indicator for tests,,%,higher_is_better,test fixture,none\n",
    )
    .unwrap();
    let values = dir.path().join("values.csv");
    // Synthetic counts: Anglesey well above Wales, Arfon well below, Betsi Cadwaladr in
    // between; one cluster with a supplied interval and no counts.
    std::fs::write(
        &values,
        "indicator_id,period,level,area_code,value,numerator,denominator,lower_ci,upper_ci\n\
         test_uptake,2025,wales,W92000004,,5000,10000,,\n\
         test_uptake,2025,health_board,W11000023,,1500,3000,,\n\
         test_uptake,2025,cluster,7A1:anglesey,,700,1000,,\n\
         test_uptake,2025,cluster,7A1:arfon,,300,1000,,\n\
         test_uptake,2025,cluster,7A1:north-denbighshire,52,,,48,56\n",
    )
    .unwrap();
    let url = fresh_database("indicators_load").await;
    let pool = cluster_atlas::db::connect(&db_args(&url)).await.unwrap();
    let mut inputs = bundled_inputs();
    inputs.indicators = Some(catalogue);
    inputs.indicator_values = Some(values);
    let report = cluster_atlas::etl::load(&pool, &inputs)
        .await
        .expect("load");
    assert_eq!(report.indicators, 25);

    let rows: Vec<ValueRow> = sqlx::query_as(
        "select area_code, value, lower_ci, upper_ci, ci_method, sig_vs_wales, sig_vs_hb \
         from atlas.indicator_value where indicator_id = 'test_uptake' order by area_code",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let get = |code: &str| rows.iter().find(|r| r.0 == code).unwrap().clone();
    let anglesey = get("7A1:anglesey");
    let (l, u) = wilson(700.0, 1000.0, Z_95).unwrap();
    assert!((anglesey.1 - 70.0).abs() < 1e-12);
    assert!(
        (anglesey.2.unwrap() - 100.0 * l).abs() < 1e-9
            && (anglesey.3.unwrap() - 100.0 * u).abs() < 1e-9
    );
    assert_eq!(anglesey.4.as_deref(), Some("wilson"));
    assert_eq!(
        (anglesey.5.as_str(), anglesey.6.as_str()),
        ("higher", "higher")
    );
    let arfon = get("7A1:arfon");
    assert_eq!((arfon.5.as_str(), arfon.6.as_str()), ("lower", "lower"));
    let denbighshire = get("7A1:north-denbighshire");
    assert_eq!((denbighshire.2, denbighshire.3), (Some(48.0), Some(56.0)));
    assert_eq!(denbighshire.4.as_deref(), Some("supplied"));
    // 48–56 contains both Wales's 50% and the board's 50%: similar to both.
    assert_eq!(
        (denbighshire.5.as_str(), denbighshire.6.as_str()),
        ("similar", "similar")
    );
    let (title_cy, fallback): (String, bool) = sqlx::query_as(
        "select title_cy, description_cy_fallback from atlas.indicator where id = 'test_uptake'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(title_cy, "Prawf");
    assert!(
        fallback,
        "no Welsh description given: English shown and flagged"
    );
}
