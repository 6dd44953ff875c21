//! Every bad-input case fails with a message naming the file, place and field, and leaves
//! the database exactly as it was.

mod common;

use std::path::{Path, PathBuf};

use cluster_atlas::config::InputArgs;
use common::{bundled_inputs, fingerprint, loaded_pool};
use serde_json::{json, Value};

const DB: &str = "load_errors";

fn boundaries() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("boundaries")
}

/// Writes `text` to a file named `name` in a fresh temporary folder.
fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn bundled_text(name: &str) -> String {
    std::fs::read_to_string(boundaries().join(name)).unwrap()
}

/// Runs a load that must fail; checks the message and that nothing changed.
async fn assert_load_fails(inputs: InputArgs, expected: &[&str]) -> String {
    let pool = loaded_pool(DB).await;
    let before = fingerprint(&pool).await;
    let err = cluster_atlas::etl::load(&pool, &inputs)
        .await
        .expect_err("the load must fail")
        .to_string();
    for part in expected {
        assert!(err.contains(part), "error `{err}` should contain `{part}`");
    }
    assert_eq!(
        fingerprint(&pool).await,
        before,
        "a failed load changed the database"
    );
    err
}

/// The bundled LSOA GeoJSON with one feature's geometry (or the CRS) replaced.
fn lsoa_geojson(edit: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value = serde_json::from_str(&bundled_text("lsoa_wales.geojson")).unwrap();
    edit(&mut doc);
    doc.to_string()
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn malformed_csv_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = bundled_text("wimd2019.csv");
    text = text.replacen("\nW01000005,", "\nW01000005,extra,", 1);
    let mut inputs = bundled_inputs();
    inputs.wimd = Some(write(&dir, "wimd.csv", &text));
    assert_load_fails(
        inputs,
        &[
            "wimd.csv",
            "line 6",
            "the row has 32 fields but the header has 31",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn malformed_boundary_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = bundled_text("lsoa_wales.geojson");
    let mut inputs = bundled_inputs();
    inputs.lsoa = Some(write(&dir, "lsoa.geojson", &text[..text.len() / 2]));
    assert_load_fails(inputs, &["lsoa.geojson", "cannot read the file"]).await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn missing_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = bundled_text("wimd2019.csv").replacen("wimd_rank", "wimd_rnak", 1);
    let mut inputs = bundled_inputs();
    inputs.wimd = Some(write(&dir, "wimd.csv", &text));
    assert_load_fails(
        inputs,
        &["wimd.csv", "missing column `wimd_rank`", "wimd_rnak"],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn missing_attribute_in_boundaries() {
    let mut inputs = bundled_inputs();
    inputs.lsoa_code_field = "LSOA21CD".into();
    assert_load_fails(
        inputs,
        &[
            "lsoa_wales.geojson",
            "missing column `LSOA21CD`",
            "lsoa11cd",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn duplicate_code() {
    let dir = tempfile::tempdir().unwrap();
    let text = bundled_text("lsoa_lookup_wales.csv");
    let first_row = text.lines().nth(1).unwrap().to_owned();
    let text = format!("{text}{first_row}\n");
    let mut inputs = bundled_inputs();
    inputs.lookup = Some(write(&dir, "lookup.csv", &text));
    assert_load_fails(
        inputs,
        &[
            "lookup.csv",
            "line 1911",
            "field `lsoa11cd`",
            "duplicate code W01000001 (first seen on line 2)",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn unknown_lsoa_code() {
    let dir = tempfile::tempdir().unwrap();
    let text = bundled_text("wimd2019.csv").replacen("\nW01000010,", "\nW01999999,", 1);
    let mut inputs = bundled_inputs();
    inputs.wimd = Some(write(&dir, "wimd.csv", &text));
    assert_load_fails(
        inputs,
        &[
            "wimd.csv",
            "line 11",
            "unknown LSOA code W01999999",
            "lsoa_wales.geojson",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn lsoa_without_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = bundled_text("wimd2019.csv")
        .lines()
        .filter(|l| !l.starts_with("W01000240,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut inputs = bundled_inputs();
    inputs.wimd = Some(write(&dir, "wimd.csv", &text));
    assert_load_fails(
        inputs,
        &["wimd.csv", "these LSOAs have no row", "W01000240"],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn unknown_cluster_in_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let text = bundled_text("lsoa11_to_cluster_APPROX_model.csv").replacen(
        "7A1:anglesey",
        "7A1:atlantis",
        1,
    );
    let mut inputs = bundled_inputs();
    inputs.cluster_lookup = Some(write(&dir, "lookup.csv", &text));
    assert_load_fails(
        inputs,
        &[
            "lookup.csv",
            "line 2",
            "cluster_2024_key",
            "unknown cluster 7A1:atlantis",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn rank_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    // W01000001's overall rank is 885.
    let text = bundled_text("wimd2019.csv").replacen(
        ",Isle of Anglesey,885,",
        ",Isle of Anglesey,5000,",
        1,
    );
    let mut inputs = bundled_inputs();
    inputs.wimd = Some(write(&dir, "wimd.csv", &text));
    assert_load_fails(
        inputs,
        &[
            "wimd.csv",
            "line 2",
            "field `wimd_rank`",
            "5000 is out of range: expected 1 to 1909",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn quintile_not_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = bundled_text("wimd2019.csv")
        .lines()
        .map(str::to_owned)
        .collect();
    let mut cells: Vec<String> = lines[3].split(',').map(str::to_owned).collect();
    cells[13] = "five".into(); // wimd_quintile
    lines[3] = cells.join(",");
    let mut inputs = bundled_inputs();
    inputs.wimd = Some(write(&dir, "wimd.csv", &(lines.join("\n") + "\n")));
    assert_load_fails(
        inputs,
        &[
            "wimd.csv",
            "line 4",
            "field `wimd_quintile`",
            "`five` is not a whole number",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn invalid_geometry() {
    let dir = tempfile::tempdir().unwrap();
    // A bow-tie: the ring crosses itself. GDAL reads it; PostGIS rejects it in staging,
    // after the load's transaction has begun, so this also proves the rollback.
    let text = lsoa_geojson(|doc| {
        doc["features"][4]["geometry"] = json!({
            "type": "Polygon",
            "coordinates": [[[-4.0, 52.0], [-3.9, 52.1], [-3.9, 52.0], [-4.0, 52.1], [-4.0, 52.0]]]
        });
    });
    let mut inputs = bundled_inputs();
    inputs.lsoa = Some(write(&dir, "lsoa.geojson", &text));
    assert_load_fails(
        inputs,
        &[
            "lsoa.geojson",
            "feature 5 (W01000005)",
            "invalid geometry",
            "Self-intersection",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn wrong_crs() {
    let dir = tempfile::tempdir().unwrap();
    // Degrees labelled as British National Grid metres: lands next to the grid's origin.
    let text = lsoa_geojson(|doc| {
        doc["crs"] = json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}});
    });
    let mut inputs = bundled_inputs();
    inputs.lsoa = Some(write(&dir, "lsoa.geojson", &text));
    assert_load_fails(
        inputs,
        &[
            "lsoa.geojson",
            "feature 1 (lsoa11cd=W01000001)",
            "EPSG:27700",
            "outside Wales",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn extent_check_replaces_the_box_around_wales() {
    // `--extent-check` is the box the data must lie in (bench/scale.sh widens it for its
    // copies); a box that misses the data refuses it, naming the box.
    let mut inputs = bundled_inputs();
    inputs.extent_check = Some([-10.0, 40.0, -8.0, 45.0]);
    assert_load_fails(
        inputs,
        &[
            "lsoa_wales.geojson",
            "feature 1 (lsoa11cd=W01000001)",
            "outside --extent-check -10,40,-8,45",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn wrong_geometry_type() {
    let dir = tempfile::tempdir().unwrap();
    let text = lsoa_geojson(|doc| {
        doc["features"][0]["geometry"] = json!({"type": "Point", "coordinates": [-4.0, 52.0]});
    });
    let mut inputs = bundled_inputs();
    inputs.lsoa = Some(write(&dir, "lsoa.geojson", &text));
    assert_load_fails(
        inputs,
        &[
            "feature 1",
            "expected a Polygon or MultiPolygon, found POINT",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = bundled_inputs();
    inputs.wimd = Some(write(&dir, "wimd.csv", ""));
    assert_load_fails(inputs, &["wimd.csv", "the file is empty"]).await;

    let mut inputs = bundled_inputs();
    inputs.health_boards = Some(write(&dir, "hb.csv", "lhb_code,lhb_name_en,lhb_name_cy\n"));
    assert_load_fails(inputs, &["hb.csv", "no data rows"]).await;

    let mut inputs = bundled_inputs();
    inputs.lsoa = Some(write(
        &dir,
        "lsoa.geojson",
        r#"{"type":"FeatureCollection","features":[]}"#,
    ));
    assert_load_fails(inputs, &["lsoa.geojson"]).await;

    let mut inputs = bundled_inputs();
    inputs.lsoa = Some(write(&dir, "zero.geojson", ""));
    assert_load_fails(inputs, &["zero.geojson", "the file is empty"]).await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn missing_file() {
    let mut inputs = bundled_inputs();
    inputs.lookup = Some(PathBuf::from("/nonexistent/lookup.csv"));
    assert_load_fails(inputs, &["/nonexistent/lookup.csv", "cannot read the file"]).await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn cluster_polygons_that_miss_lsoas_fail_late_and_roll_back() {
    // Polygons for one health board only: every other LSOA lies outside them. The
    // failure comes after staging, inside the transaction.
    let dir = tempfile::tempdir().unwrap();
    let pool = loaded_pool(DB).await;
    let features: Value = sqlx::query_scalar(
        "select json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object( \
           'type', 'Feature', 'properties', json_build_object('code', code, 'name_en', name_en, 'enw_cy', null), \
           'geometry', ST_AsGeoJSON(ST_Transform(geom, 4326))::json))) \
         from atlas.cluster where hb_code = 'W11000024'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let mut inputs = bundled_inputs();
    inputs.cluster_polygons = Some(write(&dir, "powys.geojson", &features.to_string()));
    assert_load_fails(
        inputs,
        &["powys.geojson", "lie in no cluster polygon", "W01000001"],
    )
    .await;
}

const EXTRA_CATALOGUE: &str = "id,title_en,title_cy,description_en,description_cy,unit,polarity,source,licence\n\
test_screening,Test screening uptake,,A synthetic indicator for tests,,%,higher_is_better,test fixture,none\n";

fn extra_values(rows: &str) -> String {
    format!(
        "indicator_id,period,level,area_code,value,numerator,denominator,lower_ci,upper_ci\n{rows}"
    )
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn indicator_values_for_unknown_areas_fail_inside_the_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = bundled_inputs();
    inputs.indicators = Some(write(&dir, "catalogue.csv", EXTRA_CATALOGUE));
    inputs.indicator_values = Some(write(
        &dir,
        "values.csv",
        &extra_values("test_screening,2025,cluster,7A1:anglesey,50,,,,\ntest_screening,2025,cluster,7A9:nowhere,40,,,,\n"),
    ));
    assert_load_fails(
        inputs,
        &[
            "values.csv",
            "line 3",
            "field `area_code`",
            "unknown cluster code 7A9:nowhere",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn indicator_inputs_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &[&str]); 8] = [
        (
            EXTRA_CATALOGUE,
            "test_screening,2025,cluster,7A1:anglesey,50,60,40,,\n",
            &[
                "line 2",
                "field `numerator`",
                "60 must be between 0 and the denominator 40",
            ],
        ),
        (
            EXTRA_CATALOGUE,
            "test_screening,2025,cluster,7A1:anglesey,50,,,55,60\n",
            &[
                "line 2",
                "the interval 55 to 60 does not contain the value 50",
            ],
        ),
        (
            EXTRA_CATALOGUE,
            "test_screening,2025,county,7A1:anglesey,50,,,,\n",
            &[
                "line 2",
                "field `level`",
                "`county` is not allowed: use one of wales, health_board, cluster",
            ],
        ),
        (
            EXTRA_CATALOGUE,
            "test_smoking,2025,cluster,7A1:anglesey,50,,,,\n",
            &["line 2", "unknown indicator `test_smoking`"],
        ),
        (
            EXTRA_CATALOGUE,
            "test_screening,2025,cluster,7A1:anglesey,150,,,,\n",
            &["line 2", "150 is out of range for a percentage"],
        ),
        (
            "id,title_en,title_cy,description_en,description_cy,unit,polarity,source,licence\n\
             copd,Again,,Duplicate,,%,neutral,x,y\n",
            "",
            &[
                "catalogue.csv",
                "line 2",
                "duplicate indicator id copd",
                "indicators.csv line",
            ],
        ),
        (
            "id,title_en,title_cy,description_en,description_cy,unit,polarity,source,licence\n\
             test_x,X,,Y,,%,worse,x,y\n",
            "",
            &["line 2", "field `polarity`", "`worse` is not allowed"],
        ),
        (
            "id,title_en,title_cy,description_en,description_cy,unit,polarity,source,licence,topic\n\
             test_x,X,,Y,,%,neutral,x,y,demography\n",
            "",
            &["line 2", "field `topic`", "`demography` is not allowed"],
        ),
    ];
    for (catalogue, values, expected) in cases {
        let mut inputs = bundled_inputs();
        inputs.indicators = Some(write(&dir, "catalogue.csv", catalogue));
        if !values.is_empty() {
            inputs.indicator_values = Some(write(&dir, "values.csv", &extra_values(values)));
        }
        assert_load_fails(inputs, expected).await;
    }
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn bad_cluster_crosswalks_name_the_file_line_and_field() {
    // Polygons with codes other than the bundled keys (`OFF:` + key), so the crosswalk
    // is consulted; the crosswalk is read before the database is touched.
    let dir = tempfile::tempdir().unwrap();
    let pool = loaded_pool(DB).await;
    let features: Value = sqlx::query_scalar(
        "select json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object( \
           'type', 'Feature', 'properties', json_build_object('code', 'OFF:' || code, 'name_en', name_en, 'enw_cy', null), \
           'geometry', ST_AsGeoJSON(ST_Transform(ST_Simplify(geom, 2000), 4326))::json))) \
         from atlas.cluster",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let polygons = write(&dir, "official.geojson", &features.to_string());
    let cases: [(&str, &[&str]); 4] = [
        (
            "7A9:nowhere,OFF:7A1:anglesey\n",
            &[
                "line 2",
                "field `bundled_key`",
                "unknown bundled cluster `7A9:nowhere`",
                "clusters.csv",
            ],
        ),
        (
            "7A1:anglesey,OFF:7A9:nowhere\n",
            &[
                "line 2",
                "field `cluster_code`",
                "unknown cluster `OFF:7A9:nowhere`",
                "official.geojson",
            ],
        ),
        (
            "7A1:anglesey,OFF:7A1:anglesey\n7A1:anglesey,OFF:7A1:arfon\n",
            &[
                "line 3",
                "field `bundled_key`",
                "`7A1:anglesey` maps to two clusters",
            ],
        ),
        (
            "7A1:anglesey,OFF:7A1:arfon\n7A1:arfon,OFF:7A1:arfon\n",
            &[
                "line 3",
                "field `cluster_code`",
                "`OFF:7A1:arfon` is already matched",
            ],
        ),
    ];
    for (rows, expected) in cases {
        let mut inputs = bundled_inputs();
        inputs.cluster_polygons = Some(polygons.clone());
        inputs.cluster_crosswalk = Some(write(
            &dir,
            "crosswalk.csv",
            &format!("bundled_key,cluster_code\n{rows}"),
        ));
        let mut parts = vec!["crosswalk.csv"];
        parts.extend_from_slice(expected);
        assert_load_fails(inputs, &parts).await;
    }
}
/// The bundled practice QOF counts with the first data row's register count replaced.
fn qof_counts_with_first_count(count: &str) -> String {
    let text = bundled_text("practice_qof_counts_2024.csv");
    let edited = text.replacen(
        "\nW00005,Aber Medical Centre,W11000028,7A6:caerphilly-south,asthma,559,8693,",
        &format!(
            "\nW00005,Aber Medical Centre,W11000028,7A6:caerphilly-south,asthma,{count},8693,"
        ),
        1,
    );
    assert_ne!(edited, text, "the bundled counts file changed");
    edited
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn qof_counts_are_checked_against_the_published_prevalence() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 3] = [
        // One more patient: Wales's asthma prevalence no longer matches StatsWales's.
        (
            "560",
            &[
                "counts.csv",
                "line 2",
                "field `register_count`",
                "does not reproduce the published prevalence 7.156179%",
            ],
        ),
        (
            "-5",
            &[
                "counts.csv",
                "line 2",
                "field `register_count`",
                "`-5` is not a count",
            ],
        ),
        (
            "9000",
            &[
                "counts.csv",
                "line 2",
                "field `register_count`",
                "9000 is larger than its denominator, the list size 8693",
            ],
        ),
    ];
    for (count, expected) in cases {
        let mut inputs = bundled_inputs();
        inputs.qof_counts = Some(write(
            &dir,
            "counts.csv",
            &qof_counts_with_first_count(count),
        ));
        assert_load_fails(inputs, expected).await;
    }
}

/// A value that disagrees with its own counts would fail a database constraint once the
/// interval is computed; it is refused at its line instead.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn a_value_outside_its_computed_interval_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = bundled_inputs();
    inputs.indicators = Some(write(&dir, "catalogue.csv", EXTRA_CATALOGUE));
    inputs.indicator_values = Some(write(
        &dir,
        "values.csv",
        &extra_values("test_screening,2025,cluster,7A1:anglesey,90,50,100,,\n"),
    ));
    assert_load_fails(
        inputs,
        &[
            "values.csv",
            "line 2",
            "field `value`",
            "lies outside the 95% interval",
        ],
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn supplied_intervals_must_contain_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 3] = [
        (
            "test_screening,2025,cluster,7A1:anglesey,50,,,55,60,,\n",
            &[
                "values.csv",
                "line 2",
                "field `lower_ci`",
                "its lower bound is above the value",
            ],
        ),
        (
            "test_screening,2025,cluster,7A1:anglesey,50,,,40,45,,\n",
            &[
                "values.csv",
                "line 2",
                "field `upper_ci`",
                "its upper bound is below the value",
            ],
        ),
        (
            "test_screening,2025,cluster,7A1:anglesey,50,,,45,55,51,60\n",
            &[
                "values.csv",
                "line 2",
                "field `lower_ci_998`",
                "its lower bound is above the value",
            ],
        ),
    ];
    for (rows, expected) in cases {
        let mut inputs = bundled_inputs();
        inputs.indicators = Some(write(&dir, "catalogue.csv", EXTRA_CATALOGUE));
        inputs.indicator_values = Some(write(
            &dir,
            "values.csv",
            &format!("indicator_id,period,level,area_code,value,numerator,denominator,lower_ci,upper_ci,lower_ci_998,upper_ci_998\n{rows}"),
        ));
        assert_load_fails(inputs, expected).await;
    }
}

/// Issue 22: the 2021 LSOA inputs (WIMD 2025, centroids, the 2021 lookup's clusters) are
/// checked like the others, naming the file, line and field, and change nothing.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn lsoa21_inputs_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    // A WIMD 2025 rank given twice.
    let wimd = bundled_text("wimd2025/wimd2025_overall_lsoa21.csv");
    let mut lines: Vec<String> = wimd.lines().map(str::to_owned).collect();
    let rank_of_line2 = lines[1].split(',').nth(3).unwrap().to_owned();
    let mut cells: Vec<String> = lines[2].split(',').map(str::to_owned).collect();
    cells[3] = rank_of_line2.clone();
    lines[2] = cells.join(",");
    let mut inputs = bundled_inputs();
    inputs.wimd2025 = Some(write(&dir, "wimd2025.csv", &(lines.join("\n") + "\n")));
    assert_load_fails(
        inputs,
        &[
            "wimd2025.csv",
            "line 3",
            "wimd2025_rank",
            &format!("rank {rank_of_line2} is given to both"),
        ],
    )
    .await;
    // A quintile out of range.
    let bad_quintile: String = wimd
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 5 {
                let mut c: Vec<&str> = l.split(',').collect();
                c[5] = "6";
                c.join(",")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut inputs = bundled_inputs();
    inputs.wimd2025 = Some(write(&dir, "quintile.csv", &(bad_quintile + "\n")));
    assert_load_fails(
        inputs,
        &[
            "quintile.csv",
            "line 6",
            "wimd2025_quintile",
            "out of range",
        ],
    )
    .await;
    // A centroid missing: every 2021 LSOA needs one.
    let centroids = bundled_text("lsoa2021/lsoa21_wales_pop_weighted_centroids.csv");
    let dropped = centroids
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    let fewer: String = centroids
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let mut inputs = bundled_inputs();
    inputs.lsoa21_centroids = Some(write(&dir, "centroids.csv", &fewer));
    assert_load_fails(
        inputs,
        &["centroids.csv", "population-weighted centroid", &dropped],
    )
    .await;
    // A 2021 LSOA placed in a cluster that does not exist.
    let lookup = bundled_text("lsoa21_to_cluster_APPROX_model.csv").replacen(
        "7A1:anglesey",
        "7A1:atlantis",
        1,
    );
    let mut inputs = bundled_inputs();
    inputs.lsoa21_lookup = Some(write(&dir, "lookup21.csv", &lookup));
    assert_load_fails(
        inputs,
        &["lookup21.csv", "not in the cluster list", "7A1:atlantis"],
    )
    .await;
}
