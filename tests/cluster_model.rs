//! Checks that the APPROXIMATE calibrated LSOA → cluster model (made by scripts/cluster_model.py)
//! fits registered patients better than the old nearest-practice model the loader uses today,
//! and that the figures quoted in boundaries/README.md still match the bundled files.
//! Pure Rust over the bundled CSVs: no database, no loader.

use std::collections::{BTreeMap, HashMap};

const POPULATION: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/boundaries/population/lsoa21_sex_age_mid2024.csv"
);
const QOF_COUNTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/boundaries/practice_qof_counts_2024.csv"
);
const DEPRIVATION: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/boundaries/cluster_deprivation_2024.csv"
);
const OLD_LSOA11: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/boundaries/lsoa11_to_cluster_APPROX_nearest_practice.csv"
);
// The loader takes each 2021 LSOA's 2011 parents from this file.
const OLD_LSOA21: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/boundaries/lsoa21_to_cluster_APPROX_nearest_practice.csv"
);
const NEW_LSOA21: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/boundaries/lsoa21_to_cluster_APPROX_model.csv"
);

/// The README's measurement table (boundaries/README.md, section "Approximate cluster model v2",
/// **Measurements**): median APE %, worst APE % and worst cluster, on basis A (list size) then
/// B (Welsh-resident registered patients). Change both together: this test fails otherwise.
const README_OLD: [(&str, &str, &str); 2] = [
    ("5.9", "48.3", "CityHealth"), // row "Old: 2021 LSOAs via the parents rule, mid-2024"
    ("5.5", "47.9", "CityHealth"),
];
const README_NEW: [(&str, &str, &str); 2] = [
    ("3.9", "15.7", "Monmouthshire South"), // row "New: 2021 LSOAs directly, mid-2024"
    ("2.9", "6.8", "South Powys"),
];

type Row = HashMap<String, String>;

/// Every row of a CSV file as column name → value.
fn read(path: &str) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("open {path}: {e}"));
    reader
        .deserialize()
        .map(|row| row.unwrap_or_else(|e| panic!("read {path}: {e}")))
        .collect()
}

fn get<'a>(row: &'a Row, column: &str, path: &str) -> &'a str {
    row.get(column)
        .unwrap_or_else(|| panic!("{path}: no column {column}"))
}

fn number(row: &Row, column: &str, path: &str) -> f64 {
    let text = get(row, column, path);
    text.parse()
        .unwrap_or_else(|e| panic!("{path}: {column} = {text:?}: {e}"))
}

/// `key` column → `value` column of a file.
fn column_map(path: &str, key: &str, value: &str) -> BTreeMap<String, String> {
    read(path)
        .iter()
        .map(|r| (get(r, key, path).to_owned(), get(r, value, path).to_owned()))
        .collect()
}

/// The loader's rule: a 2021 LSOA takes the cluster held by most of its 2011 parents; on a
/// tie, the cluster of the first parent listed.
fn cluster_of_most_parents(parents: &str, lsoa11: &BTreeMap<String, String>) -> String {
    let keys: Vec<&String> = parents
        .split(';')
        .map(|p| {
            lsoa11
                .get(p)
                .unwrap_or_else(|| panic!("{OLD_LSOA11}: no 2011 LSOA {p}"))
        })
        .collect();
    let count = |k: &String| keys.iter().filter(|&&q| q == k).count();
    let mut best = keys[0];
    for &k in &keys {
        // Strictly more only, so that the first parent wins a tie.
        if count(k) > count(best) {
            best = k;
        }
    }
    best.clone()
}

struct Errors {
    median: f64,
    worst: f64,
    worst_cluster: String,
}

/// Absolute percentage error of modelled residents against `reference`, per cluster.
fn errors(
    modelled: &BTreeMap<String, f64>,
    reference: &BTreeMap<String, f64>,
    names: &BTreeMap<String, String>,
) -> Errors {
    let mut ape: Vec<(f64, &String)> = reference
        .iter()
        .map(|(k, r)| ((modelled[k] - r).abs() / r * 100.0, k))
        .collect();
    ape.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    let (worst, worst_key) = ape[ape.len() - 1];
    Errors {
        median: ape[ape.len() / 2].0, // 63 clusters: the middle one
        worst,
        worst_cluster: names[worst_key].clone(),
    }
}

/// Mid-2024 residents per cluster, checking every 2021 LSOA is assigned to a known cluster.
fn residents(
    assignment: &BTreeMap<String, String>,
    population: &BTreeMap<String, f64>,
    clusters: &BTreeMap<String, String>,
    model: &str,
) -> BTreeMap<String, f64> {
    let mut out: BTreeMap<String, f64> = clusters.keys().map(|k| (k.clone(), 0.0)).collect();
    for (lsoa, persons) in population {
        let key = assignment
            .get(lsoa)
            .unwrap_or_else(|| panic!("{model}: no cluster for {lsoa}"));
        *out.get_mut(key)
            .unwrap_or_else(|| panic!("{model}: unknown cluster {key}")) += persons;
    }
    for (key, n) in &out {
        assert!(*n > 0.0, "{model}: cluster {key} gets no residents");
    }
    out
}

#[test]
fn calibrated_model_beats_nearest_practice_and_matches_readme() {
    let population: BTreeMap<String, f64> = read(POPULATION)
        .iter()
        .map(|r| {
            let code = get(r, "lsoa21cd", POPULATION).to_owned();
            (code, number(r, "total", POPULATION))
        })
        .collect();
    assert_eq!(population.len(), 1917, "{POPULATION}: 2021 LSOAs");

    // Basis B and the cluster names: one row per cluster.
    let deprivation = read(DEPRIVATION);
    let names = column_map(DEPRIVATION, "cluster_key", "cluster_name_en");
    let welsh_resident: BTreeMap<String, f64> = deprivation
        .iter()
        .map(|r| {
            let key = get(r, "cluster_key", DEPRIVATION).to_owned();
            (key, number(r, "patients_welsh_resident", DEPRIVATION))
        })
        .collect();
    assert_eq!(names.len(), 63, "{DEPRIVATION}: clusters");

    // Basis A: one row per practice × register, so count each practice's list once.
    let mut practices: BTreeMap<String, (String, f64)> = BTreeMap::new();
    for r in read(QOF_COUNTS) {
        let practice = (
            get(&r, "cluster_key", QOF_COUNTS).to_owned(),
            number(&r, "list_size", QOF_COUNTS),
        );
        let code = get(&r, "practice_code", QOF_COUNTS).to_owned();
        let seen = practices.entry(code.clone()).or_insert(practice.clone());
        assert_eq!(*seen, practice, "{QOF_COUNTS}: {code} has two lists");
    }
    let mut list_size: BTreeMap<String, f64> = BTreeMap::new();
    for (key, size) in practices.into_values() {
        *list_size.entry(key).or_default() += size;
    }
    assert!(
        list_size.keys().eq(names.keys()),
        "{QOF_COUNTS}: clusters differ from {DEPRIVATION}"
    );

    // Old: what the loader gives 2021 LSOAs today, from the 2011 nearest-practice file.
    let old11 = column_map(OLD_LSOA11, "lsoa11cd", "cluster_2024_key");
    let old: BTreeMap<String, String> = column_map(OLD_LSOA21, "lsoa21cd", "lsoa11_parents")
        .into_iter()
        .map(|(lsoa, parents)| {
            let key = cluster_of_most_parents(&parents, &old11);
            (lsoa, key)
        })
        .collect();
    // New: the calibrated model's own 2021 assignment.
    let new = column_map(NEW_LSOA21, "lsoa21cd", "cluster_2024_key");

    let old_residents = residents(&old, &population, &names, OLD_LSOA21);
    let new_residents = residents(&new, &population, &names, NEW_LSOA21);

    eprintln!("model  basis                        median   worst  worst cluster");
    let bases = [
        ("A list size", &list_size),
        ("B Welsh-resident", &welsh_resident),
    ];
    for (i, (basis, reference)) in bases.into_iter().enumerate() {
        let old_errors = errors(&old_residents, reference, &names);
        let new_errors = errors(&new_residents, reference, &names);
        for (model, e, readme) in [
            ("old", &old_errors, README_OLD[i]),
            ("new", &new_errors, README_NEW[i]),
        ] {
            let (median, worst) = (format!("{:.1}", e.median), format!("{:.1}", e.worst));
            eprintln!(
                "{model:6} {basis:26} {median:>7}% {worst:>6}%  {}",
                e.worst_cluster
            );
            assert_eq!(
                (median.as_str(), worst.as_str(), e.worst_cluster.as_str()),
                readme,
                "{model} model, basis {basis}: boundaries/README.md's table says otherwise"
            );
        }
        assert!(
            new_errors.median < old_errors.median,
            "{basis}: median not better"
        );
        assert!(
            new_errors.worst < old_errors.worst,
            "{basis}: worst not better"
        );
    }
}
