//! The documented indicator CSV format loads further indicators: intervals are computed
//! from counts (Wilson) or taken as supplied, and clusters are flagged against their
//! health board and Wales.

mod common;

use cluster_atlas::significance::{wilson, Z_95};
use common::{bundled_inputs, db_args, decode_tile, fresh_database, get, loaded_pool};
use serde_json::Value;

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
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
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
    // 24 bundled before issue 13, the 8 WIMD indicators, the 2 WIMD 2025 ones (issue 22),
    // and this one.
    assert_eq!(report.indicators, 35);

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

/// Clusters of `/data/{indicator}` by their flag against Wales: (higher, lower, not tested).
async fn flags_vs_wales(pool: &sqlx::PgPool, url: &str) -> (usize, usize, usize) {
    let reply = get(pool, url).await;
    assert_eq!(reply.status, 200, "{url}");
    let doc = reply.json();
    let count = |flag: &str| {
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["level"] == "cluster" && r["sig_vs_wales"] == flag)
            .count()
    };
    (count("higher"), count("lower"), count("not_tested"))
}

/// The bundled practice counts give the 12 whole-list QOF registers numerators and
/// denominators, so their clusters are tested: some significantly higher than Wales,
/// some lower, and at 99.8% no more than at 95%.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn qof_registers_with_counts_are_tested_at_both_levels() {
    let pool = loaded_pool("indicators_load_bundled").await;
    let (wales_n, wales_d): (f64, f64) = sqlx::query_as(
        "select numerator, denominator from atlas.indicator_value \
         where indicator_id = 'copd' and level = 'wales'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // SOURCES.md: the recovered list sizes total 3,317,888 for Wales.
    assert_eq!(wales_d, 3_317_888.0);
    assert!(wales_n > 0.0);
    for id in ["copd", "asthma", "hypertension"] {
        let (h95, l95, n95) = flags_vs_wales(&pool, &format!("/data/{id}")).await;
        let (h998, l998, n998) = flags_vs_wales(&pool, &format!("/data/{id}?level=99.8")).await;
        eprintln!("{id}: 95% higher {h95} lower {l95}; 99.8% higher {h998} lower {l998}");
        assert!(h95 > 0 && l95 > 0, "{id}: {h95} higher, {l95} lower");
        assert_eq!((n95, n998), (0, 0), "{id}: every cluster is tested");
        assert!(
            h998 + l998 <= h95 + l95 && h998 <= h95 && l998 <= l95,
            "{id}"
        );
    }
    // The 99.8% tile carries the 99.8% limits; the 95% one the 95% limits.
    let db: (f64, f64) = sqlx::query_as(
        "select lower_ci, lower_ci_998 from atlas.indicator_value \
         where indicator_id = 'copd' and area_code = '7A1:anglesey'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    for (url, expected) in [
        ("/tiles/clusters/6/31/20?indicator=copd", db.0),
        ("/tiles/clusters/6/31/20?indicator=copd&level=99.8", db.1),
    ] {
        let reply = get(&pool, url).await;
        let anglesey = decode_tile(&reply.body)
            .into_iter()
            .find(|f| f.properties.get("code") == Some(&Value::from("7A1:anglesey")))
            .expect("Anglesey in tile 6/31/20");
        assert_eq!(
            anglesey.properties["lower_ci"].as_f64().unwrap(),
            expected,
            "{url}"
        );
    }
    assert!(db.1 < db.0, "the 99.8% interval is wider");

    // The age-restricted registers stay untested, and say why.
    let (h, l, n) = flags_vs_wales(&pool, "/data/diabetes_17plus").await;
    assert_eq!((h, l, n), (0, 0, 63));
    for (lang, expected) in [("en", "age-restricted register"), ("cy", "yn ôl oedran")] {
        let legend = get(
            &pool,
            &format!("/legends/significance.json?indicator=diabetes_17plus&lang={lang}"),
        )
        .await
        .json();
        let label = legend["entries"][3]["label"].as_str().unwrap().to_owned();
        assert!(label.contains(expected), "{label}");
        let findings = get(
            &pool,
            &format!("/findings/diabetes_17plus?lang={lang}&level=99.8"),
        )
        .await
        .json();
        // Said once, for Wales, with why; each board then gets what can be said: its range.
        assert_eq!(findings["tested"], false);
        let summary = findings["summary"].as_str().unwrap();
        assert!(summary.contains(expected), "{summary}");
        assert!(!summary.contains("0 of 63"), "{summary}");
        let text = findings["health_boards"][0]["text"].as_str().unwrap();
        assert!(!text.contains(expected), "{text}");
        assert!(
            text.contains(if lang == "en" {
                "ranges from"
            } else {
                "yn amrywio o"
            }),
            "{text}"
        );
    }
    let legend = get(
        &pool,
        "/legends/significance.json?indicator=copd&level=99.8",
    )
    .await
    .json();
    assert!(legend["subtitle"].as_str().unwrap().contains("99.8%"));
    let data = get(&pool, "/data/copd?level=99.8").await.json();
    assert_eq!(data["field_labels"]["lower_ci"], "Lower 99.8% CI");

    // A bad level is a 400 naming the allowed values, wherever indicator options go.
    for url in [
        "/data/copd?level=90",
        "/tiles/clusters/6/31/20?indicator=copd&level=90",
        "/styles/significance.json?indicator=copd&level=90",
        "/legends/indicator.json?indicator=copd&level=99",
        "/findings/copd?level=95.0",
    ] {
        let reply = get(&pool, url).await;
        assert_eq!(reply.status, 400, "{url}");
        let message = reply.json()["error"].to_string();
        assert!(
            message.contains("99.8") && message.contains("level"),
            "{url}: {message}"
        );
    }
    // 95% and 99.8% tiles are different cache entries: their URLs differ.
    let tj = get(&pool, "/tiles/clusters?indicator=copd&level=99.8")
        .await
        .json();
    assert!(tj["tiles"][0].as_str().unwrap().contains("level=99.8"));
}

fn examples() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("boundaries/examples")
}

/// (area, value, lower, upper, lower 99.8, upper 99.8, method, vs Wales, vs Wales 99.8)
type ExampleRow = (
    String,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<String>,
    String,
    String,
);

/// Each documented value type's example file loads with the intervals it promises
/// (README "Indicators, significance and classes").
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn example_files_of_each_value_type_load() {
    use cluster_atlas::significance::{crude_rate_interval, ConfidenceLevel, Z_998};
    let url = fresh_database("indicators_examples").await;
    let pool = cluster_atlas::db::connect(&db_args(&url)).await.unwrap();
    let mut by_type = std::collections::HashMap::new();
    for (kind, id) in [
        ("proportion", "example_uptake"),
        ("crude_rate", "example_admissions"),
        ("dsr", "example_mortality"),
        ("supplied", "example_satisfaction"),
    ] {
        let mut inputs = bundled_inputs();
        inputs.indicators = Some(examples().join("catalogue.csv"));
        inputs.indicator_values = Some(examples().join(format!("values_{kind}.csv")));
        cluster_atlas::etl::load(&pool, &inputs)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        let rows: Vec<ExampleRow> = sqlx::query_as(
            "select area_code, value, lower_ci, upper_ci, lower_ci_998, upper_ci_998, ci_method, \
               sig_vs_wales, sig_vs_wales_998 from atlas.indicator_value where indicator_id = $1 \
             order by area_code",
        )
        .bind(id)
        .fetch_all(&pool)
        .await
        .unwrap();
        let value_type: String =
            sqlx::query_scalar("select value_type from atlas.indicator where id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(value_type, kind);
        by_type.insert(kind, rows);
    }
    let row = |kind: &str, code: &str| {
        by_type[kind]
            .iter()
            .find(|r| r.0 == code)
            .unwrap_or_else(|| panic!("{kind} {code}"))
            .clone()
    };
    // Proportion: Wilson at both levels.
    let anglesey = row("proportion", "7A1:anglesey");
    let (l, _) = wilson(700.0, 1000.0, Z_998).unwrap();
    assert!((anglesey.4.unwrap() - 100.0 * l).abs() < 1e-9);
    assert_eq!(anglesey.6.as_deref(), Some("wilson"));
    assert_eq!(
        (anglesey.7.as_str(), anglesey.8.as_str()),
        ("higher", "higher")
    );
    // Crude rate: the value from count and population; exact Poisson under 10 events.
    let arfon = row("crude_rate", "7A1:arfon");
    assert!((arfon.1 - 50.0).abs() < 1e-9);
    let ((l, u), _) = crude_rate_interval(5.0, 10_000.0, 100_000.0, ConfidenceLevel::P95).unwrap();
    assert!((arfon.2.unwrap() - l).abs() < 1e-9 && (arfon.3.unwrap() - u).abs() < 1e-9);
    assert_eq!(arfon.6.as_deref(), Some("exact_poisson"));
    assert_eq!(arfon.7, "lower");
    let anglesey = row("crude_rate", "7A1:anglesey");
    assert_eq!(anglesey.6.as_deref(), Some("byars"));
    assert_eq!(anglesey.7, "higher");
    assert_eq!(row("crude_rate", "7A1:north-denbighshire").7, "similar");
    // DSR: both intervals as given, each level tested with its own.
    let arfon = row("dsr", "7A1:arfon");
    assert_eq!(
        (arfon.2, arfon.3, arfon.4, arfon.5),
        (Some(760.0), Some(840.0), Some(745.0), Some(858.0))
    );
    assert_eq!(
        (arfon.6.as_deref(), arfon.7.as_str(), arfon.8.as_str()),
        (Some("supplied"), "lower", "lower")
    );
    // Supplied 95% only: tested at 95%, not at 99.8%.
    let anglesey = row("supplied", "7A1:anglesey");
    assert_eq!(
        (anglesey.7.as_str(), anglesey.8.as_str()),
        ("higher", "not_tested")
    );
    let legend = get(
        &pool,
        "/legends/significance.json?indicator=example_satisfaction&level=99.8",
    )
    .await
    .json();
    let label = legend["entries"][3]["label"].as_str().unwrap().to_owned();
    assert!(label.contains("no 99.8% interval"), "{label}");
}
