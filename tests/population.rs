//! Population (issue 7): totals reconcile from clusters to boards to Wales, a known
//! cluster's pyramid equals a hand sum of its LSOAs, the SVG charts are well-formed with
//! bars proportional to the numbers, tiles carry population, and bad input is refused.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cluster_atlas::server::AppState;
use common::{bundled_inputs, csv_rows, decode_tile, fingerprint, loaded_pool, send};
use serde_json::Value;

const DB: &str = "population";
const CLUSTER: &str = "7A1:anglesey";
const CLUSTER_PATH: &str = "7A1%3Aanglesey";

fn boundaries() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("boundaries")
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn totals_reconcile_from_clusters_to_boards_to_wales() {
    let pool = loaded_pool(DB).await;
    // Wales: the ONS mid-year estimates, exactly.
    let wales: Vec<(String, i64)> = sqlx::query_as(
        "select period, sum(persons)::int8 from atlas.area_population \
         where level = 'wales' and sex = 'persons' group by period order by period",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        wales,
        vec![
            ("mid-2019".to_owned(), 3_152_879),
            ("mid-2020".to_owned(), 3_169_586),
            ("mid-2024".to_owned(), 3_186_581),
        ]
    );
    // Every period, sex and band: clusters add up to their board, boards to Wales.
    let mismatches: i64 = sqlx::query_scalar(
        "with c as (select a.period, a.sex, a.band_order, k.hb_code, sum(a.persons) as persons \
           from atlas.area_population a join atlas.cluster k on k.code = a.area_code \
           where a.level = 'cluster' group by 1, 2, 3, 4), \
         h as (select period, sex, band_order, sum(persons) as persons from atlas.area_population \
           where level = 'health_board' group by 1, 2, 3) \
         select (select count(*) from c full join (select * from atlas.area_population where level = 'health_board') b \
                   on b.area_code = c.hb_code and b.period = c.period \
                   and b.sex = c.sex and b.band_order = c.band_order \
                 where b.persons is distinct from c.persons) \
              + (select count(*) from h full join (select * from atlas.area_population where level = 'wales') w \
                   on w.period = h.period and w.sex = h.sex and w.band_order = h.band_order \
                 where w.persons is distinct from h.persons)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mismatches, 0, "cells that do not reconcile");
    // Females plus males are persons, per band, in every area.
    let sex_gaps: i64 = sqlx::query_scalar(
        "select count(*) from atlas.area_population p \
         where p.sex = 'persons' and p.geography = 'lsoa2021' and p.persons <> ( \
           select sum(s.persons) from atlas.area_population s where s.level = p.level \
             and s.area_code = p.area_code and s.period = p.period and s.band_order = p.band_order \
             and s.sex in ('female', 'male'))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(sex_gaps, 0);
    // The deprivation profile covers every resident, and its shares add up to 100%.
    let bad_profiles: i64 = sqlx::query_scalar(
        "select count(*) from (select d.level, d.area_code, d.period, sum(d.residents) as residents, \
           sum(d.share_pct) as share from atlas.area_population_deprivation d group by 1, 2, 3, d.wimd) d \
         join (select level, area_code, period, sum(persons) as persons from atlas.area_population \
           where sex = 'persons' group by 1, 2, 3) p using (level, area_code, period) \
         where d.residents <> p.persons or abs(d.share - 100) > 1e-9",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(bad_profiles, 0);
    let profiles: i64 = sqlx::query_scalar(
        "select count(distinct (level, area_code, period)) from atlas.area_population_deprivation",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // mid-2019 and mid-2020 by WIMD 2019; mid-2024 by WIMD 2025.
    assert_eq!(profiles, (63 + 7 + 1) * 3);
    // The population indicator at Wales is the same number.
    let state = AppState::new(pool.clone(), None);
    let data = send(&state, "GET", "/data/population?period=mid-2020", &[])
        .await
        .json();
    let wales_value = data["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["level"] == "wales")
        .unwrap()["value"]
        .as_f64()
        .unwrap();
    assert_eq!(wales_value, 3_169_586.0);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn a_cluster_pyramid_is_the_sum_of_its_lsoas() {
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    let profile = send(&state, "GET", &format!("/profiles/{CLUSTER_PATH}"), &[])
        .await
        .json();
    assert_eq!(profile["area"]["code"], CLUSTER);
    assert_eq!(profile["area"]["health_board"]["code"], "W11000023");
    let pyramid = |period: &str| -> Value {
        profile["population"]["pyramids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["period"] == period)
            .unwrap()
            .clone()
    };

    // mid-2020, 2011 LSOAs: the bundled lookup's LSOAs, summed by hand from the CSV.
    let members: Vec<String> = csv_rows(&boundaries().join("lsoa11_to_cluster_APPROX_model.csv"))
        .into_iter()
        .filter(|r| r["cluster_2024_key"] == CLUSTER)
        .map(|r| r["lsoa11cd"].clone())
        .collect();
    assert!(members.len() > 30);
    let mut bands: BTreeMap<usize, i64> = BTreeMap::new();
    let mut total = 0;
    for row in csv_rows(&boundaries().join("population/lsoa_population.csv")) {
        if row["year"] != "2020" || !members.contains(&row["lsoa11cd"]) {
            continue;
        }
        total += row["total"].parse::<i64>().unwrap();
        let columns = [
            "00_04", "05_09", "10_14", "15_19", "20_24", "25_29", "30_34", "35_39", "40_44",
            "45_49", "50_54", "55_59", "60_64", "65_69", "70_74", "75_79", "80_84", "85_89",
            "90_plus",
        ];
        for (i, c) in columns.iter().enumerate() {
            *bands.entry(i).or_default() += row[&format!("age_{c}")].parse::<i64>().unwrap();
        }
    }
    let p2020 = pyramid("mid-2020");
    assert_eq!(p2020["total"], total);
    assert_eq!(p2020["by_sex"], false);
    let served: Vec<i64> = p2020["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["persons"].as_i64().unwrap())
        .collect();
    assert_eq!(served, bands.values().copied().collect::<Vec<_>>());
    assert_eq!(p2020["bands"][0]["band"], "0-4");
    assert_eq!(p2020["bands"][18]["band"], "90+");

    // mid-2024, 2021 LSOAs by sex: the bundled model, built on 2021 LSOAs.
    let members21: Vec<String> = csv_rows(&boundaries().join("lsoa21_to_cluster_APPROX_model.csv"))
        .into_iter()
        .filter(|r| r["cluster_2024_key"] == CLUSTER)
        .map(|r| r["lsoa21cd"].clone())
        .collect();
    let mut female = [0i64; 5];
    let mut male = [0i64; 5];
    for row in csv_rows(&boundaries().join("population/lsoa21_sex_age_mid2024.csv")) {
        if !members21.contains(&row["lsoa21cd"]) {
            continue;
        }
        for (i, b) in ["00_15", "16_29", "30_44", "45_64", "65_plus"]
            .iter()
            .enumerate()
        {
            female[i] += row[&format!("f_{b}")].parse::<i64>().unwrap();
            male[i] += row[&format!("m_{b}")].parse::<i64>().unwrap();
        }
    }
    let p2024 = pyramid("mid-2024");
    assert_eq!(p2024["by_sex"], true);
    for (i, band) in p2024["bands"].as_array().unwrap().iter().enumerate() {
        assert_eq!(band["female"], female[i], "female {}", band["band"]);
        assert_eq!(band["male"], male[i], "male {}", band["band"]);
        assert_eq!(band["persons"], female[i] + male[i]);
    }
    assert_eq!(
        p2024["total"],
        female.iter().sum::<i64>() + male.iter().sum::<i64>()
    );

    // Indicators carry comparisons; the derived ones are there.
    let indicators = profile["indicators"].as_array().unwrap();
    let find = |id: &str| indicators.iter().find(|i| i["id"] == id).unwrap().clone();
    let q1 = find("pct_residents_wimd_q1");
    // A complete count of residents of whole LSOAs: compared by value, never tested.
    assert!(q1["lower_ci"].is_null(), "{q1}");
    assert!(q1["wales_value"].is_number() && q1["health_board_value"].is_number());
    assert_eq!(q1["sig_vs_wales"], "not_tested");
    let pop = find("population");
    assert_eq!(pop["period"], "mid-2024");
    assert!(pop["lower_ci"].is_null());
    let over85 = find("pct_aged_85_plus");
    assert_eq!(over85["period"], "mid-2020");

    // Welsh: the same numbers, Welsh wording, fallbacks flagged.
    let cy = send(
        &state,
        "GET",
        &format!("/profiles/{CLUSTER_PATH}?lang=cy"),
        &[],
    )
    .await
    .json();
    assert_eq!(cy["lang"], "cy");
    assert_eq!(
        cy["population"]["pyramids"],
        profile["population"]["pyramids"]
    );
    // No Welsh title is published: a draft translation, flagged as one.
    assert_eq!(cy["indicators"][0]["title_is_english_fallback"], false);
    assert_eq!(cy["indicators"][0]["title_is_draft"], true);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn svg_charts_are_well_formed_and_proportional() {
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    let profile = send(&state, "GET", "/profiles/W11000028", &[]).await.json();
    for (period, by_sex) in [("mid-2024", true), ("mid-2019", false)] {
        let reply = send(
            &state,
            "GET",
            &format!("/profiles/W11000028/pyramid.svg?period={period}"),
            &[],
        )
        .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.content_type(), "image/svg+xml; charset=utf-8");
        let text = String::from_utf8(reply.body.to_vec()).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        let labelled = root.attribute("aria-labelledby").unwrap();
        for id in labelled.split(' ') {
            let node = doc
                .descendants()
                .find(|n| n.attribute("id") == Some(id))
                .unwrap();
            assert!(!node.text().unwrap_or("").is_empty());
        }
        let bars: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("bar"))
            .collect();
        let pyramid = profile["population"]["pyramids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["period"] == period)
            .unwrap();
        let bands = pyramid["bands"].as_array().unwrap();
        assert_eq!(bars.len(), bands.len() * if by_sex { 2 } else { 1 });
        let mut ratio = None;
        for bar in &bars {
            let band = bands
                .iter()
                .find(|b| b["band"] == bar.attribute("data-band").unwrap())
                .unwrap();
            let sex = bar.attribute("data-sex").unwrap();
            let expected = band[sex].as_i64().unwrap();
            let count: i64 = bar.attribute("data-count").unwrap().parse().unwrap();
            assert_eq!(count, expected, "{period} {sex} {}", band["band"]);
            let width: f64 = bar.attribute("width").unwrap().parse().unwrap();
            let r = width / count as f64;
            let first = *ratio.get_or_insert(r);
            assert!(
                (r - first).abs() / first < 1e-3,
                "bar lengths must be proportional"
            );
            assert!(
                bar.children().any(|c| c.has_tag_name("title")),
                "each bar has a title"
            );
        }
    }
    // The default is the current index, WIMD 2025 on 2021 LSOAs (issue 22).
    let current = send(&state, "GET", "/profiles/W11000028/deprivation.svg", &[]).await;
    assert_eq!(current.status, 200);
    let current = String::from_utf8(current.body.to_vec()).unwrap();
    assert!(
        current.contains("WIMD 2025") && current.contains("LSOAs (2021)"),
        "{current}"
    );
    let reply = send(
        &state,
        "GET",
        "/profiles/W11000028/deprivation.svg?lang=cy&period=mid-2020",
        &[],
    )
    .await;
    assert_eq!(reply.status, 200);
    let text = String::from_utf8(reply.body.to_vec()).unwrap();
    assert!(text.contains("MALlC 2019"), "{text}");
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let residents = profile["deprivation"]["population_weighted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "mid-2020")
        .unwrap()["quintiles"]
        .clone();
    for kind in ["residents", "lsoas"] {
        let segments: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("data-kind") == Some(kind))
            .collect();
        assert_eq!(segments.len(), 5);
        let widths: Vec<f64> = segments
            .iter()
            .map(|s| s.attribute("width").unwrap().parse().unwrap())
            .collect();
        let total: f64 = widths.iter().sum();
        let counts: Vec<i64> = segments
            .iter()
            .map(|s| s.attribute("data-count").unwrap().parse().unwrap())
            .collect();
        let sum: i64 = counts.iter().sum();
        for (w, c) in widths.iter().zip(&counts) {
            assert!((w / total - *c as f64 / sum as f64).abs() < 1e-4);
        }
        if kind == "residents" {
            let expected: Vec<i64> = residents
                .as_array()
                .unwrap()
                .iter()
                .map(|q| q["count"].as_i64().unwrap())
                .collect();
            assert_eq!(counts, expected);
        }
    }
    assert!(text.contains("Cwintel"));
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn unknown_areas_charts_and_periods_are_refused() {
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    for (uri, status) in [
        ("/profiles/W99999999", 404),
        ("/profiles/7A1%3Anowhere/pyramid.svg", 404),
        ("/profiles/wales/bar.svg", 404),
        ("/profiles/wales/pyramid.svg?period=mid-1999", 400),
        ("/profiles/wales?lang=fr", 400),
    ] {
        let reply = send(&state, "GET", uri, &[]).await;
        assert_eq!(reply.status, status, "{uri}");
        assert_eq!(reply.content_type(), "application/json", "{uri}");
        assert!(reply.json()["error"]["message"].is_string());
    }
    let wales = send(&state, "GET", "/profiles/wales", &[]).await.json();
    assert_eq!(wales["area"]["code"], "W92000004");
    assert!(wales["area"]["health_board"].is_null());
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn cluster_tiles_carry_population_and_the_quintile_one_share() {
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    let tile = send(&state, "GET", "/tiles/clusters/7/62/41", &[]).await;
    assert_eq!(tile.status, 200);
    let profile = send(&state, "GET", &format!("/profiles/{CLUSTER_PATH}"), &[])
        .await
        .json();
    let feature = decode_tile(&tile.body)
        .into_iter()
        .find(|f| f.properties["code"] == CLUSTER)
        .expect("Anglesey is in this tile");
    let mid2020 = profile["population"]["pyramids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "mid-2020")
        .unwrap()["total"]
        .clone();
    assert_eq!(feature.properties["population"], mid2020);
    let q1 = profile["deprivation"]["population_weighted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "mid-2020")
        .unwrap()["quintiles"][0]["share_pct"]
        .as_f64()
        .unwrap();
    let carried = feature.properties["wimd_q1_residents_pct"]
        .as_f64()
        .unwrap();
    assert!((carried - q1).abs() < 1e-9);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn bad_population_input_is_refused_and_changes_nothing() {
    let pool = loaded_pool(DB).await;
    let dir = tempfile::tempdir().unwrap();
    common::copy_boundaries(dir.path());
    let bands = dir.path().join("population/lsoa_population.csv");
    let text = std::fs::read_to_string(&bands).unwrap();
    // The first data row (line 2): one band made one larger than the total allows.
    let broken = text.replacen(
        "W01000001,Isle of Anglesey 007A,2019,1042,65,",
        "W01000001,Isle of Anglesey 007A,2019,1042,66,",
        1,
    );
    assert_ne!(broken, text);
    std::fs::write(&bands, broken).unwrap();
    let mut inputs = bundled_inputs();
    inputs.data_dir = Some(dir.path().to_owned());
    let before = fingerprint(&pool).await;
    let population_before: i64 =
        sqlx::query_scalar("select coalesce(sum(total), 0)::int8 from atlas.lsoa_population")
            .fetch_one(&pool)
            .await
            .unwrap();
    let err = cluster_atlas::etl::load(&pool, &inputs)
        .await
        .expect_err("must fail")
        .to_string();
    for part in ["lsoa_population.csv", "line 2", "total", "add up to 1043"] {
        assert!(err.contains(part), "`{err}` should contain `{part}`");
    }
    assert_eq!(fingerprint(&pool).await, before);
    let population_after: i64 =
        sqlx::query_scalar("select coalesce(sum(total), 0)::int8 from atlas.lsoa_population")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(population_after, population_before);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn population_files_can_be_named_one_by_one() {
    // `--population-2024` replaces just that file; the rest stay the bundled ones. A
    // mid-2024 row whose sex cells miss its total is refused, naming the named file.
    let pool = loaded_pool(DB).await;
    let dir = tempfile::tempdir().unwrap();
    let source = boundaries().join("population/lsoa21_sex_age_mid2024.csv");
    let text = std::fs::read_to_string(&source).unwrap();
    let broken = text.replacen(
        "W01000003,Isle of Anglesey 001A,2024,2369,1162,1207,195,",
        "W01000003,Isle of Anglesey 001A,2024,2369,1162,1207,196,",
        1,
    );
    assert_ne!(broken, text);
    let named = dir.path().join("my_mid2024.csv");
    std::fs::write(&named, broken).unwrap();
    let mut inputs = bundled_inputs();
    inputs.population_2024 = Some(named);
    let before = fingerprint(&pool).await;
    let err = cluster_atlas::etl::load(&pool, &inputs)
        .await
        .expect_err("must fail")
        .to_string();
    for part in ["my_mid2024.csv", "line 2"] {
        assert!(err.contains(part), "`{err}` should contain `{part}`");
    }
    assert_eq!(fingerprint(&pool).await, before);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn the_pyramid_marks_wales_at_the_areas_size() {
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    let area = send(&state, "GET", "/profiles/W11000028", &[]).await.json();
    let wales = send(&state, "GET", "/profiles/wales", &[]).await.json();
    for (period, sexes) in [
        ("mid-2024", &["male", "female"][..]),
        ("mid-2019", &["persons"][..]),
    ] {
        let pyramid_of = |doc: &serde_json::Value| {
            doc["population"]["pyramids"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["period"] == period)
                .cloned()
                .unwrap()
        };
        let (a, w) = (pyramid_of(&area), pyramid_of(&wales));
        let (a_total, w_total) = (a["total"].as_f64().unwrap(), w["total"].as_f64().unwrap());
        let reply = send(
            &state,
            "GET",
            &format!("/profiles/W11000028/pyramid.svg?period={period}"),
            &[],
        )
        .await;
        let text = String::from_utf8(reply.body.to_vec()).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
        let marks: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("wales"))
            .collect();
        let bands = w["bands"].as_array().unwrap();
        assert_eq!(marks.len(), bands.len() * sexes.len(), "{period}");
        for mark in marks {
            let band = bands
                .iter()
                .find(|b| b["band"] == mark.attribute("data-band").unwrap())
                .unwrap();
            let sex = mark.attribute("data-sex").unwrap();
            let expected = (band[sex].as_f64().unwrap() * a_total / w_total).round() as i64;
            let count: i64 = mark.attribute("data-count").unwrap().parse().unwrap();
            assert_eq!(count, expected, "{period} {sex} {:?}", band["band"]);
        }
    }
    // Wales's own pyramid has nothing to compare with.
    let reply = send(&state, "GET", "/profiles/wales/pyramid.svg", &[]).await;
    let text = String::from_utf8(reply.body.to_vec()).unwrap();
    assert!(!text.contains("class=\"wales\""));
}
