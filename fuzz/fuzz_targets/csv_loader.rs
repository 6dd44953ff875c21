//! The loader's CSV inputs: arbitrary bytes stand in for one input file of a small,
//! consistent data set (`fuzz/fixtures/`), and the loader reads them as `cluster-atlas load`
//! would, up to the point where it would open a database transaction.
//!
//! Input: one selector byte (which file is replaced), then the file's bytes. The file is
//! written to a per-process temporary folder under its usual name.
//!
//! Properties: nothing panics; every error names an input file; whatever is accepted can
//! be served: finite numbers, URL-safe periods, and cluster values that classify and
//! render as a legend with every method (what the server does after the load).
#![no_main]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use cluster_atlas::catalog::indicators::{
    AreaValue, Indicator, IndicatorCatalog, Lang, AreaLevel,
};
use cluster_atlas::catalog::snapshot::Snapshot;
use cluster_atlas::classify::Method;
use cluster_atlas::config::InputArgs;
use cluster_atlas::db::DataVersion;
use cluster_atlas::etl::csv_input::read_csv;
use cluster_atlas::etl::indicators::{read_indicators, IndicatorInputs, IndicatorPaths};
use cluster_atlas::etl::lsoa21::Lsoa21Paths;
use cluster_atlas::etl::population::PopulationPaths;
use cluster_atlas::etl::sources::{read_inputs, ClusterInput, InputPaths};
use cluster_atlas::significance::Significance;
use cluster_atlas::style::legend;
use cluster_atlas::params::Classification;
use libfuzzer_sys::fuzz_target;

/// The files a selector byte can replace, in order; the last entry is a generic file for
/// `read_csv` itself.
const FILES: [&str; 14] = [
    "health_boards.csv",
    "lookup.csv",
    "wimd.csv",
    "clusters.csv",
    "cluster_lookup.csv",
    "wimd2025.csv",
    "lsoa21_centroids.csv",
    "lsoa21_lookup.csv",
    "indicators.csv",
    "qof.csv",
    "deprivation.csv",
    "extra_indicators.csv",
    "extra_values.csv",
    "generic.csv",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

static WORK_DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("cluster-atlas-fuzz-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, contents)) = data.split_first() else {
        return;
    };
    let index = usize::from(selector) % FILES.len();
    let name = FILES[index];
    let fuzzed = WORK_DIR.join(name);
    std::fs::write(&fuzzed, contents).expect("write the input");
    let pick = |n: &str| {
        if n == name {
            fuzzed.clone()
        } else {
            fixture(n)
        }
    };
    let indicator_paths = IndicatorPaths {
        catalogue: pick("indicators.csv"),
        qof: pick("qof.csv"),
        qof_counts: None,
        deprivation: pick("deprivation.csv"),
        extra_catalogue: Some(pick("extra_indicators.csv")),
        extra_values: Some(pick("extra_values.csv")),
    };
    let mut known: Vec<PathBuf> = FILES.iter().map(|n| fixture(n)).collect();
    known.push(fixture("lsoa.geojson"));
    known.push(fixture("lsoa21.geojson"));
    known.push(fuzzed.clone());

    let message = match index {
        0..=7 => {
            let paths = InputPaths {
                lsoa: fixture("lsoa.geojson"),
                wimd: pick("wimd.csv"),
                lookup: pick("lookup.csv"),
                health_boards: pick("health_boards.csv"),
                clusters: ClusterInput::Lookup {
                    clusters: pick("clusters.csv"),
                    lookup: pick("cluster_lookup.csv"),
                },
                indicators: indicator_paths,
                population: PopulationPaths {
                    bands: fixture("population_bands.csv"),
                    single_years: fixture("population_syoa.csv"),
                    sex_age_2024: fixture("population_2024.csv"),
                    lsoa21_lookup: pick("lsoa21_lookup.csv"),
                },
                wimd_indicators: fixture("wimd_indicators.csv"),
                lsoa21: Lsoa21Paths {
                    boundaries: fixture("lsoa21.geojson"),
                    centroids: pick("lsoa21_centroids.csv"),
                    wimd2025: pick("wimd2025.csv"),
                },
            };
            match read_inputs(&paths, &input_args()) {
                Ok(prepared) => {
                    assert_eq!(prepared.lsoas.len(), 3);
                    // Accepted 2021 LSOAs have a rank within 1..=N and a quintile 1..=5.
                    let n = prepared.lsoa21.rows.len() as i64;
                    for r in &prepared.lsoa21.rows {
                        assert!((1..=n).contains(&r.wimd_rank), "{}", r.code);
                        assert!((1..=5).contains(&r.wimd_quintile), "{}", r.code);
                    }
                    check_servable(&prepared.indicators);
                    None
                }
                Err(e) => Some(e.to_string()),
            }
        }
        8..=12 => match read_indicators(&indicator_paths) {
            Ok(inputs) => {
                check_servable(&inputs);
                None
            }
            Err(e) => Some(e.to_string()),
        },
        _ => {
            let mut sum = 0_i64;
            let result = read_csv(&fuzzed, &["code", "value"], |row| {
                assert!(row.line() >= 2, "data rows start on line 2");
                let _ = row.text("zzz");
                let _ = row.optional("code");
                row.required("code")?;
                sum = sum.wrapping_add(row.int_in("value", -1000..=1000)?);
                Ok(())
            });
            match result {
                Ok(rows) => {
                    assert!(rows >= 1);
                    None
                }
                Err(e) => Some(e.to_string()),
            }
        }
    };
    if let Some(message) = message {
        assert!(
            known
                .iter()
                .any(|p| message.contains(&p.display().to_string())),
            "the error names no input file: {message}"
        );
        assert!(
            !message.contains(": line 0:"),
            "the error points at line 0: {message}"
        );
    }
});

fn input_args() -> InputArgs {
    InputArgs {
        lsoa_code_field: "lsoa11cd".into(),
        lsoa_name_en_field: "lsoa11nm".into(),
        lsoa_name_cy_field: "lsoa11nmw".into(),
        cluster_code_field: "code".into(),
        cluster_name_en_field: "name_en".into(),
        cluster_name_cy_field: "enw_cy".into(),
        ..InputArgs::default()
    }
}

/// What the server needs of loaded indicator data: finite numbers, periods that can go
/// into a URL unescaped, and cluster values that classify and render.
fn check_servable(inputs: &IndicatorInputs) {
    let mut catalog = IndicatorCatalog::default();
    for m in &inputs.metas {
        let mut periods: Vec<String> = inputs
            .values
            .iter()
            .filter(|v| v.indicator_id == m.id)
            .map(|v| v.period.clone())
            .collect();
        periods.sort();
        periods.dedup();
        catalog.indicators.push(Indicator {
            meta: m.clone(),
            periods,
            levels: vec![AreaLevel::Wales, AreaLevel::HealthBoard, AreaLevel::Cluster],
        });
    }
    let mut values: HashMap<(String, String), Vec<AreaValue>> = HashMap::new();
    for v in &inputs.values {
        for x in [
            Some(v.value),
            v.numerator,
            v.denominator,
            v.lower_ci,
            v.upper_ci,
        ]
        .into_iter()
        .flatten()
        {
            assert!(x.is_finite(), "{v:?}");
        }
        assert!(
            !v.period.is_empty()
                && v.period.len() <= 32
                && v.period
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)),
            "period {:?} cannot go into a URL as it is ({}:{})",
            v.period,
            v.file,
            v.line
        );
        let level = v.level;
        values
            .entry((v.indicator_id.clone(), v.period.clone()))
            .or_default()
            .push(AreaValue {
                level,
                code: v.area_code.clone(),
                value: v.value,
                numerator: v.numerator,
                denominator: v.denominator,
                lower_ci: v.lower_ci,
                upper_ci: v.upper_ci,
                sig_vs_wales: Significance::NotTested,
                sig_vs_hb: Significance::NotTested,
                at_998: Default::default(),
                level_in_use: Default::default(),
            });
    }
    catalog.values = values;
    let keys: Vec<(String, String)> = catalog.values.keys().cloned().collect();
    let snapshot = Snapshot::new(
        DataVersion {
            version: 1,
            loaded_at: String::new(),
            cluster_approximate: false,
            cluster_provenance: String::new(),
            lsoa_count: 3,
            cluster_count: 2,
            health_board_count: 2,
            bounds: cluster_atlas::catalog::WALES_BOUNDS,
        },
        catalog,
    );
    for (id, period) in keys {
        let Some(indicator) = snapshot.catalog.indicator(&id) else {
            continue;
        };
        for (method, classes) in [
            (Method::Quantile, 5),
            (Method::EqualInterval, 3),
            (Method::EqualInterval, 9),
            (Method::FisherJenks, 4),
        ] {
            let Ok(choropleth) = snapshot.choropleth(&id, &period, method, classes, &[]) else {
                continue;
            };
            let b = &choropleth.breaks;
            assert!(!b.is_empty() && b.len() <= classes, "{b:?}");
            assert!(b.bins.windows(2).all(|w| w[0] < w[1]), "{b:?}");
            let c = Classification {
                level: Default::default(),
                method,
                classes,
                manual: Vec::new(),
                palette: cluster_atlas::palette::DEFAULT_SEQUENTIAL,
            };
            let legend = legend::indicator(indicator, &period, &c, &choropleth, Lang::Cy, true);
            let _ = legend.to_svg();
        }
    }
}
