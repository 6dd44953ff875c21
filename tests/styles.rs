//! Styles, legends, SLD, indicator tiles, downloads and findings: validated by the official
//! MapLibre style validator and checked against each other and the database.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{decode_tile, get, loaded_pool};
use serde_json::{json, Value};

const DB: &str = "styles";

fn validator() -> String {
    std::env::var("CLUSTER_ATLAS_STYLE_VALIDATOR").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/js/node_modules/.bin/gl-style-validate"
        )
        .into()
    })
}

/// Runs `gl-style-validate` from @maplibre/maplibre-gl-style-spec on a style document.
fn validate(style: &Value) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("style.json");
    std::fs::write(&path, style.to_string()).unwrap();
    let out = Command::new(validator())
        .arg(&path)
        .output()
        .expect("gl-style-validate (scripts/test.sh runs npm ci in tests/js)");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Runs a QGIS check script (tests/reference/qgis_*.py) on a file; returns its JSON report.
fn run_qgis(script: &str, path: &std::path::Path, runtime_dir: &std::path::Path) -> Value {
    run_qgis_with(script, &[path.as_os_str()], runtime_dir)
}

/// Runs a QGIS script with arguments; returns the JSON report on its last line.
fn run_qgis_with(script: &str, args: &[&std::ffi::OsStr], runtime_dir: &std::path::Path) -> Value {
    let python =
        std::env::var("CLUSTER_ATLAS_QGIS_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    let path = args
        .first()
        .map(std::path::Path::new)
        .unwrap_or(runtime_dir);
    let out = Command::new(&python)
        .arg(format!(
            "{}/tests/reference/{script}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(args)
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("XDG_RUNTIME_DIR", runtime_dir)
        .output()
        .expect("python3 with QGIS (python3-qgis, installed by scripts/test.sh)");
    assert!(
        out.status.success(),
        "{script} on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap()
}

const STYLE_URLS: [&str; 14] = [
    "/styles/deprivation.json",
    "/styles/deprivation.json?domain=housing&lang=cy",
    // Issue 22: WIMD 2025 on 2021 LSOAs is the default; 2019 on 2011 LSOAs on request.
    "/styles/deprivation.json?vintage=2025&lang=cy",
    "/styles/deprivation.json?vintage=2019",
    "/styles/deprivation.json?vintage=2019&domain=income",
    "/styles/indicator.json?indicator=copd",
    "/styles/indicator.json?indicator=copd&method=fisher_jenks&classes=7&palette=PuBu&lang=cy",
    "/styles/indicator.json?indicator=patients_most_deprived_20pct&method=equal_interval&classes=3",
    "/styles/indicator.json?indicator=asthma&method=manual&breaks=6,7,8",
    // Breaks below every value: the first class is empty.
    "/styles/indicator.json?indicator=asthma&method=manual&breaks=0.1,0.2",
    "/styles/significance.json?indicator=patients_most_deprived_20pct",
    "/styles/significance.json?indicator=lsoas_most_deprived_20pct&vs=hb&lang=cy",
    "/styles/significance.json?indicator=copd",
    // An LSOA-level indicator (WIMD 2019): the choropleth colours LSOAs.
    "/styles/indicator.json?indicator=wimd_premature_death_rate",
];

#[tokio::test]
#[ignore = "needs PostGIS and the MapLibre style validator (gl-style-validate from tests/js): scripts/test.sh runs it"]
async fn every_style_passes_the_maplibre_validator() {
    let pool = loaded_pool(DB).await;
    for url in STYLE_URLS {
        let reply = get(&pool, url).await;
        assert_eq!(reply.status, 200, "{url}");
        let style = reply.json();
        validate(&style).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(style["version"], 8);
        check_sources_and_labels(&pool, url, &style).await;
        let ids: Vec<&str> = style["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert!(
            ids.contains(&"cluster-outline") && ids.contains(&"health-board-outline"),
            "{url}"
        );
    }
    // The validator is a real check: a broken style fails it.
    let mut broken = get(&pool, STYLE_URLS[0]).await.json();
    broken["layers"][1]["type"] = json!("polygon");
    assert!(validate(&broken).is_err());
}

/// The source asks only for the layers the style draws; the glyphs are served; there are
/// haloed board, cluster and LSOA labels in the request's language, LSOA names from z11.
async fn check_sources_and_labels(pool: &sqlx::PgPool, url: &str, style: &Value) {
    let legend = &style["metadata"]["cluster-atlas:legend"];
    let tiles = style["sources"]["atlas"]["url"].as_str().unwrap();
    let want = match legend["layer"].as_str().unwrap() {
        "lsoa" => "http://atlas.test/tiles/wales",
        "lsoa21" => "http://atlas.test/tiles/lsoa21,clusters,health_boards,labels",
        _ => "http://atlas.test/tiles/clusters,health_boards,labels",
    };
    assert!(tiles.starts_with(want), "{url}: {tiles}");
    assert_eq!(
        tiles.contains("indicator="),
        legend["kind"] != "deprivation",
        "{url}: {tiles}"
    );
    let layers = style["layers"].as_array().unwrap();
    // Every layer that draws from the atlas source uses a layer its tiles carry.
    for l in layers.iter().filter(|l| l["source"] == "atlas") {
        let source_layer = l["source-layer"].as_str().unwrap();
        assert!(
            tiles.contains("/tiles/wales") || tiles.contains(source_layer),
            "{url}: {} draws {source_layer} from {tiles}",
            l["id"]
        );
    }
    // No basemap unless `--basemap` is given: everything runs offline.
    assert!(style["sources"].get("basemap").is_none(), "{url}");
    assert!(
        style["metadata"]["cluster-atlas:basemap"].is_null(),
        "{url}"
    );
    let glyphs = style["glyphs"].as_str().unwrap();
    assert_eq!(glyphs, "http://atlas.test/fonts/{fontstack}/{range}.pbf");
    let name = if url.contains("lang=cy") {
        "name_cy"
    } else {
        "name_en"
    };
    // A WIMD 2025 map labels its own 2021 LSOAs; every other map the 2011 ones.
    let lsoa_layer = if legend["layer"] == "lsoa21" {
        "lsoa21"
    } else {
        "lsoa"
    };
    // Cluster and board names come from their label points (issue 23): one per area.
    for (id, source_layer) in [
        ("health-board-label", "labels"),
        ("cluster-label", "labels"),
        ("lsoa-label", lsoa_layer),
    ] {
        let l = layers
            .iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("{url}: no {id}"));
        assert_eq!(l["type"], "symbol");
        assert_eq!(l["source-layer"], source_layer);
        // Boards are named by their short label ("Hywel Dda"), the others by their name.
        let field = if id == "health-board-label" {
            name.replace("name_", "label_")
        } else {
            name.to_owned()
        };
        assert_eq!(
            l["layout"]["text-field"],
            json!(["get", field]),
            "{url} {id}"
        );
        assert_eq!(l["paint"]["text-halo-color"], "#ffffff");
        assert!(l["paint"]["text-halo-width"].as_f64().unwrap() >= 1.0);
        let source = &style["sources"][l["source"].as_str().unwrap()];
        if id == "lsoa-label" {
            assert_eq!(l["minzoom"], 11, "{url}");
            // Its own source unless the style's tiles hold LSOAs anyway.
            let lsoa_tiles = source["url"].as_str().unwrap();
            assert!(
                lsoa_tiles == "http://atlas.test/tiles/lsoa"
                    || lsoa_tiles.contains("/tiles/wales")
                    || lsoa_tiles.contains("/tiles/lsoa21,"),
                "{url}: {lsoa_tiles}"
            );
        }
        for font in l["layout"]["text-font"].as_array().unwrap() {
            let path = glyphs
                .trim_start_matches("http://atlas.test")
                .replace("{fontstack}", &font.as_str().unwrap().replace(' ', "%20"))
                .replace("{range}", "256-511");
            assert_eq!(get(pool, &path).await.status, 200, "{url}: {path}");
        }
    }
}

fn match_pairs(style: &Value) -> (String, Vec<(Value, String)>, String) {
    let fill = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["type"] == "fill")
        .unwrap();
    let expr = fill["paint"]["fill-color"].as_array().unwrap();
    assert_eq!(expr[0], "match", "QGIS needs match, not step");
    let property = expr[1][1].as_str().unwrap().to_owned();
    let body = &expr[2..expr.len() - 1];
    let pairs = body
        .chunks(2)
        .map(|p| {
            // Labels are one-element arrays, the form QGIS's converter reads.
            let label = p[0].as_array().expect("array label");
            assert_eq!(label.len(), 1);
            (label[0].clone(), p[1].as_str().unwrap().to_owned())
        })
        .collect();
    (
        property,
        pairs,
        expr[expr.len() - 1].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn legend_style_and_sld_show_the_same_classes() {
    let pool = loaded_pool(DB).await;
    for url in STYLE_URLS {
        let style = get(&pool, url).await.json();
        let legend = get(&pool, &url.replace("/styles/", "/legends/"))
            .await
            .json();
        let (property, pairs, fallback) = match_pairs(&style);
        assert_eq!(property, legend["property"], "{url}");
        let legend_pairs: Vec<(Value, String)> = legend["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["key"].clone(), e["color"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(pairs, legend_pairs, "{url}");
        assert_eq!(fallback, legend["no_data"]["color"], "{url}");
        assert_eq!(style["metadata"]["cluster-atlas:legend"], legend, "{url}");

        let sld_reply = get(&pool, &url.replace(".json", ".sld")).await;
        assert_eq!(sld_reply.status, 200);
        let sld = String::from_utf8(sld_reply.body).unwrap();
        let doc = roxmltree::Document::parse(&sld).expect("well-formed SLD");
        let fills: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("SvgParameter") && n.attribute("name") == Some("fill"))
            .map(|n| n.text().unwrap())
            .collect();
        let mut expected: Vec<&str> = legend_pairs.iter().map(|(_, c)| c.as_str()).collect();
        expected.push(legend["no_data"]["color"].as_str().unwrap());
        assert_eq!(fills, expected, "{url}");

        let svg_reply = get(
            &pool,
            &url.replace("/styles/", "/legends/")
                .replace(".json", ".svg"),
        )
        .await;
        assert_eq!(
            svg_reply.headers["content-type"],
            "image/svg+xml; charset=utf-8"
        );
        let svg = String::from_utf8(svg_reply.body).unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        let swatches: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("x") == Some("12"))
            .map(|n| n.attribute("fill").unwrap())
            .collect();
        assert_eq!(swatches, expected, "{url}");
        assert_eq!(doc.root_element().attribute("role"), Some("img"));
    }
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn manual_breaks_below_the_data_never_give_an_inverted_class() {
    // Found by fuzzing: the first class was labelled from the data minimum down to a
    // break below it ("5.3% – 0.1%").
    let pool = loaded_pool(DB).await;
    let legend = get(
        &pool,
        "/legends/indicator.json?indicator=asthma&method=manual&breaks=0.1,0.2",
    )
    .await
    .json();
    let entries = legend["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let first = entries[0]["label"].as_str().unwrap();
    assert!(
        first.starts_with("≤ 0.1") && first.ends_with('%'),
        "{first}"
    );
    assert!(entries[0]["lower"].is_null());
    assert_eq!(entries[0]["count"], 0);
    for e in &entries[1..] {
        let (lo, hi) = (e["lower"].as_f64().unwrap(), e["upper"].as_f64().unwrap());
        assert!(lo <= hi, "{e}");
    }
    assert_eq!(entries[1]["count"], 0);
    assert!(entries[2]["count"].as_u64().unwrap() > 0);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn deprivation_quintile_one_is_darkest_in_both_languages() {
    let pool = loaded_pool(DB).await;
    let en = get(&pool, "/legends/deprivation.json").await.json();
    // The default is WIMD 2025 on 2021 LSOAs, and the legend says it has no domains.
    assert_eq!(en["layer"], "lsoa21");
    assert!(
        en["title"].as_str().unwrap().starts_with("WIMD 2025"),
        "{en}"
    );
    assert!(en["notes"].to_string().contains("domains are 2019"), "{en}");
    assert_eq!(en["entries"][0]["key"], 1);
    assert_eq!(en["entries"][0]["color"], "#253494");
    assert_eq!(en["entries"][0]["label"], "1 – most deprived 20%");
    assert_eq!(en["property"], "wimd_quintile");
    let cy = get(&pool, "/legends/deprivation.json?domain=income&lang=cy")
        .await
        .json();
    assert_eq!(cy["property"], "income_quintile");
    assert_eq!(cy["layer"], "lsoa", "a domain is WIMD 2019's");
    assert_eq!(cy["entries"][0]["label"], "1 – y 20% mwyaf difreintiedig");
    assert!(cy["title"].as_str().unwrap().contains("Incwm"));
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn indicator_tiles_carry_value_class_and_flags() {
    let pool = loaded_pool(DB).await;
    let data = get(
        &pool,
        "/data/patients_most_deprived_20pct?method=quantile&classes=5",
    )
    .await
    .json();
    let rows: HashMap<String, Value> = data["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["code"].as_str().unwrap().to_owned(), r.clone()))
        .collect();
    let reply = get(
        &pool,
        "/tiles/clusters/6/31/20?indicator=patients_most_deprived_20pct&method=quantile&classes=5",
    )
    .await;
    assert_eq!(reply.status, 200);
    let features = decode_tile(&reply.body);
    assert!(features.len() > 10);
    for f in &features {
        let code = f.properties["code"].as_str().unwrap();
        let row = &rows[code];
        assert_eq!(f.properties["class"], row["class"], "{code}");
        let v = f.properties["value"].as_f64().unwrap();
        assert!((v - row["value"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(f.properties["sig_vs_wales"], row["sig_vs_wales"]);
        assert_eq!(f.properties["sig_vs_hb"], row["sig_vs_hb"]);
        // A complete count: no interval in the tile, and no flag (issue 22).
        assert!(
            f.properties.get("lower_ci").is_none_or(Value::is_null),
            "{code}"
        );
        assert!(
            f.properties.get("upper_ci").is_none_or(Value::is_null),
            "{code}"
        );
        assert_eq!(f.properties["sig_vs_wales"], "not_tested");
    }
    // A known cluster, straight from the bundled table: Anglesey, 9,771 of 66,055.
    let anglesey = features
        .iter()
        .find(|f| f.properties["code"] == "7A1:anglesey")
        .expect("Anglesey in tile 6/31/20");
    assert!(
        (anglesey.properties["value"].as_f64().unwrap() - 100.0 * 9771.0 / 66055.0).abs() < 1e-9
    );
    let db: (Option<f64>, Option<f64>, String) = sqlx::query_as(
        "select lower_ci, upper_ci, sig_vs_wales from atlas.indicator_value \
         where indicator_id = 'patients_most_deprived_20pct' and area_code = '7A1:anglesey'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(db, (None, None, "not_tested".to_owned()));
    assert_eq!(anglesey.properties["sig_vs_wales"], db.2.as_str());

    // The age-restricted QOF registers have no published denominator, so no counts:
    // values and classes, but never a guessed flag. (Since issue 13 the 12 whole-list
    // registers, copd among them, have counts and are tested.)
    let reply = get(&pool, "/tiles/clusters/6/31/20?indicator=diabetes_17plus").await;
    for f in decode_tile(&reply.body) {
        assert_eq!(f.properties["sig_vs_wales"], "not_tested");
        assert!(!f.properties.contains_key("lower_ci"));
        assert!((1..=5).contains(&f.properties["class"].as_i64().unwrap()));
    }
    // The composite still works, with values only on the cluster layer.
    let reply = get(&pool, "/tiles/wales/7/62/42?indicator=copd").await;
    let features = decode_tile(&reply.body);
    assert!(features
        .iter()
        .any(|f| f.layer == "lsoa" && !f.properties.contains_key("class")));
    assert!(features
        .iter()
        .any(|f| f.layer == "clusters" && f.properties.contains_key("class")));
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn tilejson_with_an_indicator_points_at_indicator_tiles_and_has_a_legend() {
    let pool = loaded_pool(DB).await;
    let tj = get(
        &pool,
        "/tiles/clusters?indicator=copd&classes=4&unknown=ignored",
    )
    .await
    .json();
    assert!(tj["tiles"][0]
        .as_str()
        .unwrap()
        .starts_with("http://atlas.test/tiles/clusters/{z}/{x}/{y}?indicator=copd&period=2023-24&method=quantile&classes=4&v="));
    assert!(tj["vector_layers"][0]["fields"]["class"].is_string());
    assert!(tj["legend"].as_str().unwrap().contains("prevalence"));
    let plain = get(&pool, "/tiles/lsoa").await.json();
    assert!(plain["legend"].as_str().unwrap().contains("WIMD 2019"));
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn bad_parameters_are_4xx_naming_the_allowed_values() {
    let pool = loaded_pool(DB).await;
    let cases = [
        (
            "/styles/indicator.json?indicator=nope",
            "unknown indicator `nope`",
            Some("copd"),
        ),
        (
            "/styles/indicator.json",
            "the `indicator` parameter is required",
            Some("copd"),
        ),
        (
            "/styles/indicator.json?indicator=copd&period=1999",
            "unknown period `1999`",
            Some("2023-24"),
        ),
        (
            "/styles/indicator.json?indicator=copd&method=kmeans",
            "unknown method `kmeans`",
            Some("fisher_jenks"),
        ),
        (
            "/styles/indicator.json?indicator=copd&palette=Jet",
            "unknown palette `Jet`",
            Some("YlGnBu"),
        ),
        (
            "/styles/indicator.json?indicator=copd&classes=12",
            "unknown classes `12`",
            Some("9"),
        ),
        (
            "/styles/indicator.json?indicator=copd&classes=2",
            "unknown classes `2`",
            Some("3"),
        ),
        (
            "/styles/indicator.json?indicator=copd&method=manual&breaks=3,1",
            "bad breaks",
            None,
        ),
        (
            "/styles/significance.json?indicator=copd&vs=england",
            "unknown vs `england`",
            Some("hb"),
        ),
        (
            "/styles/deprivation.json?domain=wealth",
            "unknown domain `wealth`",
            Some("housing"),
        ),
        // WIMD 2025 has no domains; an unknown vintage names the two there are.
        (
            "/styles/deprivation.json?domain=housing&vintage=2025",
            "domain ranks are not available",
            None,
        ),
        (
            "/legends/deprivation.json?vintage=2021",
            "unknown vintage `2021`",
            Some("2019"),
        ),
        // A tile set's LSOA layer is its vintage: asking the other one is a 400.
        (
            "/tiles/wales.json?vintage=2025",
            "is the lsoa21 layer",
            None,
        ),
        ("/tiles/lsoa21.json?vintage=2019", "is the lsoa layer", None),
        (
            "/legends/indicator.json?indicator=copd&lang=fr",
            "unknown lang `fr`",
            Some("cy"),
        ),
        (
            "/tiles/clusters/7/62/42?indicator=nope",
            "unknown indicator",
            Some("asthma"),
        ),
        ("/tiles/lsoa/7/62/42?indicator=copd", "clusters layer", None),
        ("/data/nope", "unknown indicator", Some("copd")),
        ("/data/copd?format=xlsx", "unknown format", Some("csv")),
    ];
    for (url, message, allowed) in cases {
        let reply = get(&pool, url).await;
        assert_eq!(reply.status, 400, "{url}");
        let body = reply.json();
        assert!(
            body["error"]["message"].as_str().unwrap().contains(message),
            "{url}: {body}"
        );
        if let Some(a) = allowed {
            assert!(
                body["error"]["allowed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|v| v == a),
                "{url}: {body}"
            );
        }
    }
    let reply = get(&pool, "/styles/fancy.json").await;
    assert_eq!(reply.status, 404);
    assert!(reply.json()["error"]["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "indicator.json"));
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn indicators_list_metadata_with_welsh_fallback() {
    let pool = loaded_pool(DB).await;
    let list = get(&pool, "/indicators?lang=cy").await.json();
    let indicators = list["indicators"].as_array().unwrap();
    // 24 before issue 13, the 8 WIMD 2019 indicators at LSOA level, and the 2 WIMD 2025
    // deprivation shares (issue 22).
    assert_eq!(indicators.len(), 34);
    let copd = indicators.iter().find(|i| i["id"] == "copd").unwrap();
    assert_eq!(copd["unit"], "%");
    assert_eq!(copd["polarity"], "neutral");
    assert_eq!(copd["periods"], json!(["2023-24"]));
    assert_eq!(copd["levels"], json!(["cluster", "health_board", "wales"]));
    // No Welsh title is published: the draft translation is shown, flagged as a draft.
    assert_eq!(copd["title_cy_fallback"], true);
    assert_eq!(copd["title_cy_draft"], true);
    assert_eq!(
        copd["title"],
        "Cyffredinrwydd clefyd rhwystrol cronig yr ysgyfaint"
    );
    for i in indicators {
        assert_ne!(i["title"], i["title_en"], "{}: no Welsh title", i["id"]);
    }
    let dep = indicators
        .iter()
        .find(|i| i["id"] == "patients_most_deprived_20pct")
        .unwrap();
    assert_eq!(dep["polarity"], "higher_is_worse");
    let legend = get(&pool, "/legends/indicator.json?indicator=copd&lang=cy")
        .await
        .json();
    assert!(legend["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("Teitl Cymraeg drafft")));
    assert!(legend["title"]
        .as_str()
        .unwrap()
        .starts_with("Cyffredinrwydd"));
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn data_downloads_in_json_and_csv() {
    let pool = loaded_pool(DB).await;
    let json = get(&pool, "/data/lsoas_most_deprived_20pct").await.json();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 63 + 7 + 1);
    let wales = rows.iter().find(|r| r["level"] == "wales").unwrap();
    assert_eq!(wales["numerator"], 382.0);
    assert_eq!(wales["denominator"], 1909.0);
    // bom=false: this test reads the header as text. Issue 13 added hb_name and period,
    // and rounds % values to 2 places in CSV (3.0027 in the JSON).
    let csv = get(&pool, "/data/copd.csv?bom=false").await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let text = String::from_utf8(csv.body).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "level,code,name,name_cy_fallback,hb_code,hb_name,period,value,numerator,denominator,lower_ci,upper_ci,sig_vs_wales,sig_vs_hb,class,color"
    );
    assert_eq!(lines.count(), 71);
    assert!(text.contains(
        "cluster,7A1:anglesey,Anglesey,true,W11000023,Betsi Cadwaladr University Health Board,2023-24,3.00,"
    ));
}

/// Issue 13, item 9: CSVs open in Excel on a double-click (UTF-8 with a byte order mark),
/// `bom=false` for scripts, counts as integers, values at the unit's published precision.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn data_csv_is_spreadsheet_ready() {
    let pool = loaded_pool(DB).await;
    let with = get(&pool, "/data/patients_most_deprived_20pct.csv").await;
    assert_eq!(with.status, 200);
    assert!(with.body.starts_with(b"\xEF\xBB\xBFlevel,code,"));
    let without = get(
        &pool,
        "/data/patients_most_deprived_20pct?format=csv&bom=false",
    )
    .await;
    assert!(without.body.starts_with(b"level,code,"));
    assert_eq!(&with.body[3..], &without.body[..]);
    for bad in ["yes", "1", "TRUE", ""] {
        let reply = get(&pool, &format!("/data/copd.csv?bom={bad}")).await;
        assert_eq!(reply.status, 400, "bom={bad}");
        let body = reply.json();
        assert_eq!(
            body["error"]["allowed"],
            serde_json::json!(["true", "false"]),
            "{body}"
        );
    }

    let mut reader = csv::Reader::from_reader(&without.body[..]);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let anglesey = rows
        .iter()
        .find(|r| &r[col("code")] == "7A1:anglesey")
        .unwrap();
    assert_eq!(&anglesey[col("period")], "2024-04");
    assert_eq!(
        &anglesey[col("hb_name")],
        "Betsi Cadwaladr University Health Board"
    );
    // Counts as integers, the share to 2 places (JSON: 14.79224...).
    assert_eq!(&anglesey[col("numerator")], "9771");
    assert_eq!(&anglesey[col("denominator")], "66055");
    assert_eq!(&anglesey[col("value")], "14.79");
    // A complete count: the interval cells are empty and the flags say not tested.
    assert_eq!(&anglesey[col("lower_ci")], "");
    assert_eq!(&anglesey[col("sig_vs_wales")], "not_tested");
    let json = get(&pool, "/data/patients_most_deprived_20pct")
        .await
        .json();
    let full = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "7A1:anglesey")
        .unwrap()["value"]
        .as_f64()
        .unwrap();
    assert!(
        (full - 100.0 * 9771.0 / 66055.0).abs() < 1e-12,
        "JSON keeps full precision"
    );
    // The board's name follows lang; Wales has no board.
    let cy = get(
        &pool,
        "/data/patients_most_deprived_20pct.csv?lang=cy&bom=false",
    )
    .await;
    let text = String::from_utf8(cy.body).unwrap();
    assert!(
        text.contains(",W11000023,Bwrdd Iechyd Prifysgol Betsi Cadwaladr,2024-04,"),
        "{text}"
    );
    let wales = rows.iter().find(|r| &r[col("level")] == "wales").unwrap();
    assert_eq!(&wales[col("hb_name")], "");
    // Rates per 1,000 or 100,000 to 1 place, counts to 0 (unit rule, documented in README).
    assert_eq!(
        cluster_atlas::catalog::values::csv_decimals("per 1,000"),
        Some(1)
    );
    assert_eq!(
        cluster_atlas::catalog::values::csv_decimals("count"),
        Some(0)
    );
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn findings_count_flags_per_health_board() {
    let pool = loaded_pool(DB).await;
    let f = get(&pool, "/findings/copd").await.json();
    let boards = f["health_boards"].as_array().unwrap();
    assert_eq!(boards.len(), 7);
    let total: u64 = boards.iter().map(|b| b["clusters"].as_u64().unwrap()).sum();
    assert_eq!(total, 63);
    let (higher, lower): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where sig_vs_wales = 'higher'), count(*) filter (where sig_vs_wales = 'lower') \
         from atlas.indicator_value where indicator_id = 'copd' and level = 'cluster'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(f["wales"]["higher"], higher);
    assert_eq!(f["wales"]["lower"], lower);
    let ab = boards.iter().find(|b| b["hb_code"] == "W11000028").unwrap();
    let text = ab["text"].as_str().unwrap();
    assert!(
        text.starts_with("Aneurin Bevan University Health Board: for Chronic obstructive"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "{} of {} clusters are significantly higher than Wales",
        ab["vs_wales"]["higher"], ab["clusters"]
    )));
    // The Wales sentence agrees its verb with the count ("1 of 63 clusters is"), for every
    // indicator and in every board sentence.
    let list = get(&pool, "/indicators").await.json();
    for ind in list["indicators"].as_array().unwrap() {
        let f = get(&pool, &format!("/findings/{}", ind["id"].as_str().unwrap()))
            .await
            .json();
        let higher = f["wales"]["higher"].as_u64().unwrap();
        let verb = if higher == 1 { "is" } else { "are" };
        let total: u64 = ["higher", "similar", "lower", "not_tested"]
            .iter()
            .map(|k| f["wales"][k].as_u64().unwrap())
            .sum();
        let summary = f["summary"].as_str().unwrap();
        // An indicator that is never tested says so once instead of "0 of 63 … higher".
        if f["tested"] == false {
            assert!(
                summary.contains("is not tested for significance, because"),
                "{summary}"
            );
            continue;
        }
        assert!(
            summary.contains(&format!(
                "{higher} of {total} clusters {verb} significantly"
            )),
            "{summary}"
        );
        for b in f["health_boards"].as_array().unwrap() {
            let text = b["text"].as_str().unwrap();
            assert!(
                !text.contains(" 1 are ") && !text.contains("1 of 1 clusters"),
                "{text}"
            );
        }
    }
    // Said once, for Wales: "Ni phrofir … gan nad oes …"; boards get their range.
    let cy = get(&pool, "/findings/diabetes_17plus?lang=cy").await.json();
    assert!(cy["summary"].as_str().unwrap().starts_with("Ni phrofir"));
    let en = get(&pool, "/findings/diabetes_17plus").await.json();
    assert!(en["summary"]
        .as_str()
        .unwrap()
        .contains("is not tested for significance"));
}

/// QGIS (3.22, Debian 12's, the oldest the project supports) imports each style with its
/// own converter, `QgsMapBoxGlStyleConverter`, and must give every class the legend's colour.
#[tokio::test]
#[ignore = "needs PostGIS and QGIS (python3-qgis): scripts/test.sh runs it"]
async fn qgis_draws_the_same_classes_as_the_legend() {
    let pool = loaded_pool(DB).await;
    let dir = tempfile::tempdir().unwrap();
    for url in STYLE_URLS {
        let style = get(&pool, url).await.json();
        let path = dir.path().join("style.json");
        std::fs::write(&path, style.to_string()).unwrap();
        let report = run_qgis("qgis_style_check.py", &path, dir.path());
        assert!(
            report["qgis"].as_str().unwrap().starts_with("3."),
            "{report}"
        );
        let legend = &style["metadata"]["cluster-atlas:legend"];
        assert_eq!(report["fill_layer"], legend["layer"], "{url}");
        // QGIS labels the areas too: the label layers convert.
        for id in ["health-board-label", "cluster-label", "lsoa-label"] {
            assert!(
                report["labels"].as_array().unwrap().iter().any(|l| l == id),
                "{url}: QGIS made no {id}: {report}"
            );
        }
        for entry in legend["entries"].as_array().unwrap() {
            let key = match &entry["key"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(
                report["colors"][&key], entry["color"],
                "{url}: class {key} in QGIS {}",
                report["qgis"]
            );
        }
    }
}

/// QGIS loads each SLD as a rule-based renderer whose rules match the legend: same
/// property, same keys, same colours.
#[tokio::test]
#[ignore = "needs PostGIS and QGIS (python3-qgis): scripts/test.sh runs it"]
async fn qgis_loads_the_sld_with_the_legend_classes() {
    let pool = loaded_pool(DB).await;
    let dir = tempfile::tempdir().unwrap();
    for url in STYLE_URLS {
        let sld = get(&pool, &url.replace(".json", ".sld")).await.body;
        let legend = get(&pool, &url.replace("/styles/", "/legends/"))
            .await
            .json();
        let path = dir.path().join("style.sld");
        std::fs::write(&path, sld).unwrap();
        let report = run_qgis("qgis_sld_check.py", &path, dir.path());
        assert_eq!(report["renderer"], "RuleRenderer", "{url}");
        let rules = report["rules"].as_array().unwrap();
        let entries = legend["entries"].as_array().unwrap();
        assert_eq!(
            rules.len(),
            entries.len() + 1,
            "{url}: classes plus no data"
        );
        let property = legend["property"].as_str().unwrap();
        for (rule, entry) in rules.iter().zip(entries) {
            assert_eq!(rule["color"], entry["color"], "{url}");
            let filter = rule["filter"].as_str().unwrap();
            let key = match &entry["key"] {
                Value::String(s) => format!("'{s}'"),
                other => other.to_string(),
            };
            assert!(
                filter.replace('"', "") == format!("{property} = {key}"),
                "{url}: QGIS filter `{filter}` for key {key}"
            );
        }
    }
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn welsh_styles_and_tilejson_carry_the_welsh_attribution() {
    let pool = loaded_pool(DB).await;
    for (url, lang) in [
        ("/styles/indicator.json?indicator=copd&lang=cy", "cy"),
        ("/styles/deprivation.json?lang=cy", "cy"),
        ("/styles/deprivation.json", "en"),
    ] {
        let style = get(&pool, url).await.json();
        let sources = style["sources"].as_object().unwrap();
        for (name, source) in sources {
            let Some(attribution) = source["attribution"].as_str() else {
                continue;
            };
            if lang == "cy" {
                assert!(attribution.contains("Hawlfraint y Goron"), "{url} {name}");
                assert!(attribution.contains("FRASAMCAN"), "{url} {name}");
                assert!(
                    attribution.contains("drafft"),
                    "{url} {name}: marked for review"
                );
            } else {
                assert!(attribution.contains("Crown copyright"), "{url} {name}");
            }
        }
    }
    let cy = get(&pool, "/tiles/wales?lang=cy").await.json();
    assert!(cy["attribution"]
        .as_str()
        .unwrap()
        .contains("Drwydded Llywodraeth Agored"));
    let en = get(&pool, "/tiles/wales").await.json();
    assert!(en["attribution"]
        .as_str()
        .unwrap()
        .contains("Open Government Licence"));
}

/// Issue 23: QGIS 3.22 renders the GeoPackage download with the SLD in the legend's colours.
/// The no-data rule is an explicit `class IS NULL` (QGIS 3.22 read `ElseFilter` as "every
/// feature" and painted the map grey over the classes), so it catches only a feature with no
/// class; and the SLD names the download it is written for.
#[tokio::test]
#[ignore = "needs PostGIS and QGIS (python3-qgis): scripts/test.sh runs it"]
async fn qgis_renders_the_sld_on_the_download_in_the_legend_colours() {
    let pool = loaded_pool(DB).await;
    let dir = tempfile::tempdir().unwrap();
    for (id, options) in [
        ("copd", ""),
        ("asthma", "&method=fisher_jenks&classes=7&palette=PuBu"),
    ] {
        let query = format!("indicator={id}{options}");
        let sld = get(&pool, &format!("/styles/indicator.sld?{query}")).await;
        assert_eq!(sld.status, 200);
        let text = String::from_utf8(sld.body.clone()).unwrap();
        assert!(!text.contains("ElseFilter"), "{text}");
        assert!(text.contains("PropertyIsNull"), "{text}");
        assert!(
            text.contains(&format!("/downloads/clusters.gpkg?indicator={id}")),
            "the SLD names its download: {text}"
        );
        let legend = get(&pool, &format!("/legends/indicator.json?{query}"))
            .await
            .json();
        let colour_of: HashMap<String, String> = legend["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["key"].to_string(),
                    e["color"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let gpkg = get(
            &pool,
            &format!(
                "/downloads/clusters.gpkg?{query}&crs=http://www.opengis.net/def/crs/EPSG/0/27700"
            ),
        )
        .await;
        assert_eq!(gpkg.status, 200);
        let gpkg_path = dir.path().join("clusters.gpkg");
        let sld_path = dir.path().join("style.sld");
        std::fs::write(&gpkg_path, &gpkg.body).unwrap();
        std::fs::write(&sld_path, &sld.body).unwrap();
        let data = get(&pool, &format!("/data/{id}?period=2023-24{options}"))
            .await
            .json();
        let classes: HashMap<String, String> = data["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["level"] == "cluster")
            .map(|r| {
                (
                    r["code"].as_str().unwrap().to_owned(),
                    r["class"].to_string(),
                )
            })
            .collect();
        let null_code = "7A1:anglesey";
        let report = run_qgis_with(
            "qgis_sld_render.py",
            &[
                gpkg_path.as_os_str(),
                std::ffi::OsStr::new("clusters"),
                sld_path.as_os_str(),
                dir.path().join("render.png").as_os_str(),
                std::ffi::OsStr::new(null_code),
            ],
            dir.path(),
        );
        assert_eq!(report["renderer"], "RuleRenderer", "{report}");
        let rules = report["rules"].as_array().unwrap();
        assert!(rules.iter().all(|r| r["else"] == false), "{report}");
        assert!(
            rules.last().unwrap()["filter"]
                .as_str()
                .unwrap()
                .replace('"', "")
                == "class IS NULL",
            "{report}"
        );
        let colours = report["colors"].as_object().unwrap();
        assert_eq!(colours.len(), 63, "{report}");
        // Every class drawn: each cluster in its class's legend colour, the no-data one in
        // the no-data colour, and nothing else grey.
        let mut seen = std::collections::BTreeSet::new();
        for (code, drawn) in colours {
            let want = if code == null_code {
                legend["no_data"]["color"].as_str().unwrap().to_owned()
            } else {
                seen.insert(classes[code].clone());
                colour_of[&classes[code]].clone()
            };
            assert_eq!(
                drawn.as_str().unwrap(),
                want.to_lowercase(),
                "{query}: {code}"
            );
        }
        assert_eq!(
            seen.len(),
            colour_of.len(),
            "{query}: a cluster of every class"
        );
    }
}
