//! The 8 WIMD 2019 indicators as LSOA-level indicators: the published LSOA rates are stored
//! as they are; cluster, board and Wales values are population-weighted (births-weighted for
//! low birth weight) means recomputed here by hand from the bundled file; LSOA tiles, items,
//! styles and legends carry them; nothing is tested for significance.

mod common;

use std::collections::HashMap;

use common::{decode_tile, get, loaded_pool};

const DB: &str = "wimd_indicators";

const IDS: [&str; 8] = [
    "wimd_premature_death_rate",
    "wimd_low_birth_weight_pct",
    "wimd_cancer_incidence_rate",
    "wimd_chronic_condition_rate",
    "wimd_mental_health_rate",
    "wimd_llti_rate",
    "wimd_income_deprivation_pct",
    "wimd_employment_deprivation_pct",
];

/// The bundled file's rows.
fn bundled() -> Vec<HashMap<String, String>> {
    common::csv_rows(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/boundaries/wimd2019_indicators.csv"
    )))
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn area_values_are_weighted_means_of_the_published_lsoa_rates() {
    let pool = loaded_pool(DB).await;
    let lsoa_cluster: HashMap<String, String> =
        sqlx::query_as::<_, (String, String)>("select code, cluster_code from atlas.lsoa")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    let rows = bundled();
    assert_eq!(rows.len(), 1909);
    let checks = [
        (
            "wimd_premature_death_rate",
            "wimd_health_domain_premature_death_rate_per_100,000",
            false,
        ),
        (
            "wimd_low_birth_weight_pct",
            "wimd_health_domain_low_birth_weight_live_single_births_less_than_2.5kg_percentage",
            true,
        ),
    ];
    for (id, column, by_births) in checks {
        let data = get(&pool, &format!("/data/{id}")).await.json();
        let rows_out = data["rows"].as_array().unwrap();
        let count = |level: &str| rows_out.iter().filter(|r| r["level"] == level).count();
        assert_eq!(count("cluster"), 63, "{id}");
        assert_eq!(count("health_board"), 7, "{id}");
        assert_eq!(count("wales"), 1, "{id}");
        let published: Vec<&HashMap<String, String>> =
            rows.iter().filter(|r| !r[column].is_empty()).collect();
        assert_eq!(count("lsoa"), published.len(), "{id}");
        // By hand: sum(rate × weight) / sum(weight) per cluster.
        let mut sums: HashMap<&str, (f64, f64)> = HashMap::new();
        let mut wales = (0.0, 0.0);
        for r in &published {
            let rate: f64 = r[column].parse().unwrap();
            let weight: f64 = if by_births {
                (2017..=2020)
                    .map(|y| {
                        r[&format!("total_number_of_births_{y}")]
                            .parse::<f64>()
                            .unwrap_or(0.0)
                    })
                    .sum()
            } else {
                r["population_2019_all_ages"].parse().unwrap()
            };
            let cluster = lsoa_cluster[&r["lsoa_code"]].as_str();
            let s = sums.entry(cluster).or_default();
            s.0 += rate * weight;
            s.1 += weight;
            wales.0 += rate * weight;
            wales.1 += weight;
        }
        for r in rows_out.iter().filter(|r| r["level"] == "cluster") {
            let (num, den) = sums[r["code"].as_str().unwrap()];
            let got = r["value"].as_f64().unwrap();
            assert!(
                (got - num / den).abs() < 1e-9,
                "{id} {}: {got} vs {}",
                r["code"],
                num / den
            );
            assert!(r["lower_ci"].is_null() && r["sig_vs_wales"] == "not_tested");
        }
        let w = rows_out.iter().find(|r| r["level"] == "wales").unwrap();
        assert!((w["value"].as_f64().unwrap() - wales.0 / wales.1).abs() < 1e-9);
        // An LSOA's value is the published one, unchanged.
        let rhyl = published
            .iter()
            .find(|r| r["lsoa_code"] == "W01000240")
            .unwrap();
        let stored = rows_out.iter().find(|r| r["code"] == "W01000240").unwrap();
        assert_eq!(
            stored["value"].as_f64().unwrap(),
            rhyl[column].parse::<f64>().unwrap()
        );
    }
    let indicators = get(&pool, "/indicators").await.json();
    for id in IDS {
        let i = indicators["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in /indicators"));
        assert!(
            i["levels"].as_array().unwrap().contains(&"lsoa".into()),
            "{id}"
        );
        assert!(
            i["description_en"]
                .as_str()
                .unwrap()
                .contains("NOT official cluster statistics"),
            "{id}"
        );
        assert!(i["links"]["tiles"]
            .as_str()
            .unwrap()
            .contains("/tiles/lsoa?indicator="));
    }
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn lsoa_tiles_styles_and_items_carry_the_wimd_indicators() {
    let pool = loaded_pool(DB).await;
    let tile = get(
        &pool,
        "/tiles/lsoa/10/502/340?indicator=wimd_income_deprivation_pct",
    )
    .await;
    assert_eq!(tile.status, 200);
    let features = decode_tile(&tile.body);
    assert!(!features.is_empty());
    let with_values = features
        .iter()
        .filter(|f| f.properties.contains_key("value") && f.properties.contains_key("class"))
        .count();
    assert_eq!(
        with_values,
        features.len(),
        "every LSOA has a value and a class"
    );
    let clusters = get(
        &pool,
        "/tiles/clusters/7/62/42?indicator=wimd_income_deprivation_pct",
    )
    .await;
    assert_eq!(clusters.status, 400);
    assert!(clusters.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("lsoa layer"));

    let style = get(
        &pool,
        "/styles/indicator.json?indicator=wimd_premature_death_rate",
    )
    .await
    .json();
    let fill = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "indicator-fill" || l["type"] == "fill")
        .unwrap();
    assert_eq!(fill["source-layer"], "lsoa");
    let legend = get(
        &pool,
        "/legends/indicator.json?indicator=wimd_premature_death_rate",
    )
    .await
    .json();
    assert_eq!(legend["layer"], "lsoa");
    let total: u64 = legend["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1909, "the legend counts LSOAs");
    let sld = get(
        &pool,
        "/styles/indicator.sld?indicator=wimd_premature_death_rate",
    )
    .await;
    assert_eq!(sld.status, 200);

    let items = get(
        &pool,
        "/collections/lsoa/items?indicator=wimd_llti_rate&limit=5",
    )
    .await
    .json();
    for f in items["features"].as_array().unwrap() {
        assert!(f["properties"]["value"].is_number(), "{f}");
        assert!(f["properties"]["class"].is_number(), "{f}");
    }
}
