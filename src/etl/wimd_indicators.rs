//! The WIMD 2019 underlying indicators as LSOA-level indicators: eight published rates per
//! 2011 LSOA, read and checked before the database is touched, with the weights (ONS mid-2019
//! population, and live births for low birth weight) that make cluster, board and Wales
//! values population-weighted means in PostGIS.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::csv_input::{read_csv, Row};
use super::error::EtlError;

/// The bundled file, in the data folder.
pub const BUNDLED_WIMD_INDICATORS: &str = "wimd2019_indicators.csv";
/// The period label of every WIMD 2019 indicator value.
pub const WIMD_INDICATOR_PERIOD: &str = "2019";

/// What a cluster, board or Wales value is weighted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    /// ONS mid-2019 residents.
    Population,
    /// ONS live births, 2017 to 2020 summed.
    Births,
}

/// The eight indicators: id, column in the file, and weight.
pub const WIMD_INDICATORS: [(&str, &str, Weight); 8] = [
    (
        "wimd_premature_death_rate",
        "wimd_health_domain_premature_death_rate_per_100,000",
        Weight::Population,
    ),
    (
        "wimd_low_birth_weight_pct",
        "wimd_health_domain_low_birth_weight_live_single_births_less_than_2.5kg_percentage",
        Weight::Births,
    ),
    (
        "wimd_cancer_incidence_rate",
        "wimd_health_domain_cancer_incidence_rate_per_100,000",
        Weight::Population,
    ),
    (
        "wimd_chronic_condition_rate",
        "wimd_health_domain_gp_recorded_chronic_condition_rate_per_100",
        Weight::Population,
    ),
    (
        "wimd_mental_health_rate",
        "wimd_health_domain_gp_recorded_mental_health_condition_rate_per_100",
        Weight::Population,
    ),
    (
        "wimd_llti_rate",
        "wimd_health_domain_limiting_long_term_illness_rate_per_100",
        Weight::Population,
    ),
    (
        "wimd_income_deprivation_pct",
        "wimd_income_domain_people_in_income_deprivation_percentage",
        Weight::Population,
    ),
    (
        "wimd_employment_deprivation_pct",
        "wimd_employment_domain_working_age_people_in_employment_deprivation_percentage",
        Weight::Population,
    ),
];

const BIRTH_COLUMNS: [&str; 4] = [
    "total_number_of_births_2017",
    "total_number_of_births_2018",
    "total_number_of_births_2019",
    "total_number_of_births_2020",
];
const POPULATION_COLUMN: &str = "population_2019_all_ages";

/// One LSOA's rate for one indicator.
#[derive(Debug, Clone, Serialize)]
pub struct LsoaRate {
    /// Indicator id.
    pub indicator_id: String,
    /// LSOA code.
    pub lsoa: String,
    /// The published rate.
    pub value: f64,
    /// What aggregates weight it by.
    pub weight: Weight,
}

/// One LSOA's weights.
#[derive(Debug, Clone, Serialize)]
pub struct LsoaWeight {
    /// LSOA code.
    pub lsoa: String,
    /// ONS mid-2019 residents.
    pub population: f64,
    /// ONS live births 2017–2020.
    pub births: f64,
}

/// What the loader writes for the WIMD indicators.
#[derive(Debug, Clone, Default)]
pub struct WimdIndicatorInputs {
    /// Rates, only for indicators the catalogue lists.
    pub rates: Vec<LsoaRate>,
    /// Weights for every LSOA.
    pub weights: Vec<LsoaWeight>,
    /// The file read.
    pub path: PathBuf,
}

fn non_negative(row: &Row<'_>, column: &str) -> Result<Option<f64>, EtlError> {
    let text = row.text(column).trim();
    if text.is_empty() {
        // Suppressed or unpublished: skipped, never filled in.
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        _ => Err(row.error(column, format!("`{text}` is not a non-negative number"))),
    }
}

/// Reads the file; `lsoas` are the loaded LSOA codes (every row must be one of them, and
/// every LSOA must have a row), `listed` the indicator ids in the catalogue.
pub fn read_wimd_indicators(
    path: &Path,
    lsoas: &HashSet<String>,
    listed: &HashSet<&str>,
) -> Result<WimdIndicatorInputs, EtlError> {
    let mut required = vec!["lsoa_code", POPULATION_COLUMN];
    required.extend(BIRTH_COLUMNS);
    required.extend(WIMD_INDICATORS.iter().map(|(_, column, _)| *column));
    let mut out = WimdIndicatorInputs {
        path: path.to_path_buf(),
        ..WimdIndicatorInputs::default()
    };
    let mut seen: HashSet<String> = HashSet::new();
    read_csv(path, &required, |row| {
        let code = row.required("lsoa_code")?;
        if !lsoas.contains(&code) {
            return Err(row.error(
                "lsoa_code",
                format!("{code} is not an LSOA of the loaded boundaries"),
            ));
        }
        if !seen.insert(code.clone()) {
            return Err(row.error("lsoa_code", format!("duplicate LSOA {code}")));
        }
        let population = non_negative(row, POPULATION_COLUMN)?.ok_or_else(|| {
            row.error(
                POPULATION_COLUMN,
                "is empty; every LSOA needs its population",
            )
        })?;
        let mut births = 0.0;
        for column in BIRTH_COLUMNS {
            births += non_negative(row, column)?.unwrap_or(0.0);
        }
        out.weights.push(LsoaWeight {
            lsoa: code.clone(),
            population,
            births,
        });
        for (id, column, weight) in WIMD_INDICATORS {
            if !listed.contains(id) {
                continue;
            }
            if let Some(value) = non_negative(row, column)? {
                out.rates.push(LsoaRate {
                    indicator_id: id.to_owned(),
                    lsoa: code.clone(),
                    value,
                    weight,
                });
            }
        }
        Ok(())
    })?;
    let mut missing: Vec<&String> = lsoas.iter().filter(|c| !seen.contains(*c)).collect();
    if !missing.is_empty() {
        missing.sort();
        return Err(EtlError::BadValue {
            path: path.to_path_buf(),
            at: "the whole file".into(),
            field: "lsoa_code".into(),
            message: format!(
                "{} LSOA(s) have no row, e.g. {}",
                missing.len(),
                missing
                    .iter()
                    .take(5)
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(out)
}
