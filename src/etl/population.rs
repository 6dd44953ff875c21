//! Reads and cross-checks the ONS population inputs (2011-LSOA five-year and single-year
//! bands for mid-2019 and mid-2020; 2021-LSOA sex by broad age for mid-2024, with the
//! 2021 → 2011 LSOA parents) before the database is touched.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use super::csv_input::{read_csv, Row};
use super::error::EtlError;

/// Bundled file names (inside the data folder).
pub const BUNDLED_BANDS: &str = "population/lsoa_population.csv";
/// Bundled single years of age.
pub const BUNDLED_SINGLE_YEARS: &str = "population/lsoa_population_syoa.csv";
/// Bundled mid-2024 sex by broad age on 2021 LSOAs.
pub const BUNDLED_SEX_AGE_2024: &str = "population/lsoa21_sex_age_mid2024.csv";
/// Bundled 2021-LSOA lookup (its `lsoa11_parents` column is what the loader uses).
pub const BUNDLED_LSOA21_LOOKUP: &str = "lsoa21_to_cluster_APPROX_model.csv";

/// The five-year bands of the 2011-LSOA estimates, youngest first (column suffixes).
pub const FIVE_YEAR_BANDS: [&str; 19] = [
    "00_04", "05_09", "10_14", "15_19", "20_24", "25_29", "30_34", "35_39", "40_44", "45_49",
    "50_54", "55_59", "60_64", "65_69", "70_74", "75_79", "80_84", "85_89", "90_plus",
];
/// The broad bands of the mid-2024 estimates, youngest first (column suffixes).
pub const BROAD_BANDS: [&str; 5] = ["00_15", "16_29", "30_44", "45_64", "65_plus"];
/// Years of the 2011-LSOA estimates (30 June).
pub const LSOA11_YEARS: [i64; 2] = [2019, 2020];
/// Year of the 2021-LSOA estimates (30 June).
pub const LSOA21_YEAR: i64 = 2024;

/// Where the population inputs are.
#[derive(Debug, Clone)]
pub struct PopulationPaths {
    /// Five-year bands, 2011 LSOAs.
    pub bands: PathBuf,
    /// Single years of age, 2011 LSOAs.
    pub single_years: PathBuf,
    /// Sex by broad age, 2021 LSOAs.
    pub sex_age_2024: PathBuf,
    /// 2021 LSOA → 2011 parents.
    pub lsoa21_lookup: PathBuf,
}

/// One 2011 LSOA in one year.
#[derive(Debug, Clone, Serialize)]
pub struct Lsoa11Population {
    /// 2011 LSOA code.
    pub code: String,
    /// Period label, e.g. `mid-2020`.
    pub period: String,
    /// All ages.
    pub total: i64,
    /// Persons aged 0–15, from single years of age.
    pub age_0_15: i64,
    /// Persons per five-year band, in [`FIVE_YEAR_BANDS`] order.
    pub bands: Vec<i64>,
}

/// One 2021 LSOA in mid-2024.
#[derive(Debug, Clone, Serialize)]
pub struct Lsoa21Population {
    /// 2021 LSOA code.
    pub code: String,
    /// Period label (`mid-2024`).
    pub period: String,
    /// The 2011 LSOAs it came from (ONS lookup), in the lookup's order.
    pub parents: Vec<String>,
    /// All ages.
    pub total: i64,
    /// Females per broad band, in [`BROAD_BANDS`] order.
    pub female: Vec<i64>,
    /// Males per broad band.
    pub male: Vec<i64>,
}

/// Everything read.
#[derive(Debug, Default)]
pub struct PopulationInputs {
    /// 2011 LSOAs × years.
    pub lsoa11: Vec<Lsoa11Population>,
    /// 2021 LSOAs.
    pub lsoa21: Vec<Lsoa21Population>,
    /// The 2021 lookup's cluster of each 2021 LSOA, when it has a `cluster_2024_key` (or
    /// `cluster_key`) column: the bundled model is built on 2021 LSOAs.
    pub lsoa21_clusters: HashMap<String, String>,
}

/// The period label for a year's mid-year estimate.
pub fn period_label(year: i64) -> String {
    format!("mid-{year}")
}

fn count(row: &Row<'_>, column: &str) -> Result<i64, EtlError> {
    row.int_in(column, 0..=1_000_000)
}

/// Reads the four files and checks them against each other and the loaded 2011 LSOAs.
pub fn read_population(
    paths: &PopulationPaths,
    lsoa11_codes: &HashSet<String>,
) -> Result<PopulationInputs, EtlError> {
    // Five-year bands: one row per LSOA and year, bands summing to the total.
    let band_columns: Vec<String> = FIVE_YEAR_BANDS.iter().map(|b| format!("age_{b}")).collect();
    let mut required: Vec<&str> = vec!["lsoa11cd", "year", "total"];
    required.extend(band_columns.iter().map(String::as_str));
    let mut by_key: BTreeMap<(String, i64), Lsoa11Population> = BTreeMap::new();
    read_csv(&paths.bands, &required, |row| {
        let code = row.required("lsoa11cd")?;
        if !lsoa11_codes.contains(&code) {
            return Err(row.error(
                "lsoa11cd",
                format!("{code} is not one of the loaded 2011 LSOAs"),
            ));
        }
        let year = row.int_in("year", 2019..=2020)?;
        let total = count(row, "total")?;
        let bands = band_columns
            .iter()
            .map(|c| count(row, c))
            .collect::<Result<Vec<_>, _>>()?;
        let sum: i64 = bands.iter().sum();
        if sum != total {
            return Err(row.error(
                "total",
                format!("the five-year bands add up to {sum}, not the total {total}"),
            ));
        }
        let key = (code.clone(), year);
        if by_key.contains_key(&key) {
            return Err(row.error("lsoa11cd", format!("{code} appears twice for {year}")));
        }
        by_key.insert(
            key,
            Lsoa11Population {
                code,
                period: period_label(year),
                total,
                age_0_15: -1,
                bands,
            },
        );
        Ok(())
    })?;
    let missing: Vec<String> = LSOA11_YEARS
        .iter()
        .flat_map(|y| {
            lsoa11_codes
                .iter()
                .filter(|c| !by_key.contains_key(&((*c).clone(), *y)))
                .map(move |c| format!("{c} ({y})"))
        })
        .collect();
    if !missing.is_empty() {
        let mut missing = missing;
        missing.sort();
        return Err(EtlError::Incomplete {
            path: paths.bands.clone(),
            message: "every loaded LSOA needs a row for mid-2019 and mid-2020; missing".into(),
            codes: missing,
        });
    }

    // Single years: must agree with the bands exactly; they give the 0–15 count.
    let mut single: Vec<String> = (0..90).map(|a| format!("age_{a}")).collect();
    single.push("age_90_plus".into());
    let mut required: Vec<&str> = vec!["lsoa11cd", "year", "total"];
    required.extend(single.iter().map(String::as_str));
    read_csv(&paths.single_years, &required, |row| {
        let code = row.required("lsoa11cd")?;
        let year = row.int_in("year", 2019..=2020)?;
        let Some(entry) = by_key.get_mut(&(code.clone(), year)) else {
            return Err(row.error(
                "lsoa11cd",
                format!("{code} ({year}) is not in {}", paths.bands.display()),
            ));
        };
        let ages = single
            .iter()
            .map(|c| count(row, c))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, band) in FIVE_YEAR_BANDS.iter().enumerate() {
            let from = i * 5;
            let to = if i == FIVE_YEAR_BANDS.len() - 1 {
                ages.len()
            } else {
                from + 5
            };
            let sum: i64 = ages[from..to].iter().sum();
            if sum != entry.bands[i] {
                return Err(row.error(
                    &format!("age_{from}"),
                    format!(
                        "single years for band {band} add up to {sum}, but {} says {}",
                        paths.bands.display(),
                        entry.bands[i]
                    ),
                ));
            }
        }
        if entry.age_0_15 >= 0 {
            return Err(row.error("lsoa11cd", format!("{code} appears twice for {year}")));
        }
        entry.age_0_15 = ages[..16].iter().sum();
        Ok(())
    })?;
    let without: Vec<String> = by_key
        .values()
        .filter(|p| p.age_0_15 < 0)
        .map(|p| format!("{} ({})", p.code, p.period))
        .collect();
    if !without.is_empty() {
        return Err(EtlError::Incomplete {
            path: paths.single_years.clone(),
            message: "every LSOA and year in the five-year file needs single years of age; missing"
                .into(),
            codes: without,
        });
    }

    // 2021 LSOAs: parents (and a cluster, where given) from the lookup, then sex × broad age.
    let mut parents: HashMap<String, Vec<String>> = HashMap::new();
    let mut lsoa21_clusters: HashMap<String, String> = HashMap::new();
    read_csv(
        &paths.lsoa21_lookup,
        &["lsoa21cd", "lsoa11_parents"],
        |row| {
            let code = row.required("lsoa21cd")?;
            if let Some(cluster) = row
                .optional("cluster_2024_key")
                .or_else(|| row.optional("cluster_key"))
            {
                lsoa21_clusters.insert(code.clone(), cluster);
            }
            let list: Vec<String> = row
                .required("lsoa11_parents")?
                .split(';')
                .map(|p| p.trim().to_owned())
                .collect();
            if let Some(unknown) = list.iter().find(|p| !lsoa11_codes.contains(*p)) {
                return Err(row.error(
                    "lsoa11_parents",
                    format!("{unknown} is not one of the loaded 2011 LSOAs"),
                ));
            }
            if parents.insert(code.clone(), list).is_some() {
                return Err(row.error("lsoa21cd", format!("duplicate code {code}")));
            }
            Ok(())
        },
    )?;
    let cell = |sex: char, band: &str| format!("{sex}_{band}");
    let columns: Vec<String> = ['f', 'm']
        .iter()
        .flat_map(|s| BROAD_BANDS.iter().map(move |b| cell(*s, b)))
        .collect();
    let mut required: Vec<&str> = vec!["lsoa21cd", "year", "total"];
    required.extend(columns.iter().map(String::as_str));
    let mut lsoa21 = Vec::new();
    let mut seen21 = HashSet::new();
    read_csv(&paths.sex_age_2024, &required, |row| {
        let code = row.required("lsoa21cd")?;
        row.int_in("year", LSOA21_YEAR..=LSOA21_YEAR)?;
        let Some(from) = parents.get(&code) else {
            return Err(row.error(
                "lsoa21cd",
                format!(
                    "{code} has no 2011 parents in {}",
                    paths.lsoa21_lookup.display()
                ),
            ));
        };
        if !seen21.insert(code.clone()) {
            return Err(row.error("lsoa21cd", format!("duplicate code {code}")));
        }
        let total = count(row, "total")?;
        let female = BROAD_BANDS
            .iter()
            .map(|b| count(row, &cell('f', b)))
            .collect::<Result<Vec<_>, _>>()?;
        let male = BROAD_BANDS
            .iter()
            .map(|b| count(row, &cell('m', b)))
            .collect::<Result<Vec<_>, _>>()?;
        let sum: i64 = female.iter().chain(&male).sum();
        if sum != total {
            return Err(row.error(
                "total",
                format!("the ten sex × age cells add up to {sum}, not the total {total}"),
            ));
        }
        lsoa21.push(Lsoa21Population {
            code,
            period: period_label(LSOA21_YEAR),
            parents: from.clone(),
            total,
            female,
            male,
        });
        Ok(())
    })?;
    Ok(PopulationInputs {
        lsoa11: by_key.into_values().collect(),
        lsoa21,
        lsoa21_clusters,
    })
}
