//! Indicator inputs: the catalogue CSV, the bundled QOF and deprivation tables, and the
//! documented generic values CSV, read and checked before the database is touched.
//!
//! Generic values format (`--indicator-values`), one row per area and period:
//! `indicator_id,period,level,area_code,value,numerator,denominator,lower_ci,upper_ci`
//! where `level` is `wales`, `health_board` or `cluster`; `value` may be empty when
//! numerator and denominator are given for a `%` indicator; the confidence limits are
//! optional and, when absent for a `%` indicator with counts, are computed (Wilson); the
//! optional `lower_ci_998,upper_ci_998` columns give a supplied 99.8% interval. The
//! catalogue's optional `value_type` column says how intervals are made (see
//! [`ValueType`]).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::csv_input::{read_csv, Row};
use super::error::{bad_value, EtlError};

/// The indicator model is the server's: units, polarities and levels are the catalogue's.
pub use crate::catalog::indicators::{
    AreaLevel, IndicatorMeta, Polarity, Topic, UntestedReason, ValueType, UNITS,
};
/// The GSS code of Wales, used for `level = wales`.
pub use crate::catalog::WALES_CODE;
/// The indicator computed in PostGIS from the loaded LSOAs, when the catalogue lists it.
pub const LSOA_Q1_INDICATOR: &str = "lsoas_most_deprived_20pct";
/// Its period: the WIMD edition.
pub const LSOA_Q1_PERIOD: &str = "2019";
/// The share of 2021 LSOAs in WIMD 2025 quintile 1, derived in PostGIS like
/// [`LSOA_Q1_INDICATOR`] (when the catalogue lists it).
pub const LSOA21_Q1_INDICATOR: &str = "lsoas_most_deprived_20pct_wimd2025";
/// Its period: the WIMD edition.
pub const LSOA21_Q1_PERIOD: &str = "2025";
/// Residents (mid-2024) of 2021 LSOAs in WIMD 2025 quintile 1, derived in PostGIS.
pub const RESIDENTS21_Q1_INDICATOR: &str = "pct_residents_wimd2025_q1";

/// One value row, with where it came from for error messages.
#[derive(Debug, Clone, Serialize)]
pub struct ValueRow {
    /// Indicator id.
    pub indicator_id: String,
    /// Period label.
    pub period: String,
    /// Geography level.
    pub level: AreaLevel,
    /// Area code.
    pub area_code: String,
    /// The value.
    pub value: f64,
    /// Numerator, when published.
    pub numerator: Option<f64>,
    /// Denominator, when published.
    pub denominator: Option<f64>,
    /// Supplied lower 95% limit.
    pub lower_ci: Option<f64>,
    /// Supplied upper 95% limit.
    pub upper_ci: Option<f64>,
    /// Supplied lower 99.8% limit.
    pub lower_ci_998: Option<f64>,
    /// Supplied upper 99.8% limit.
    pub upper_ci_998: Option<f64>,
    /// Source file.
    pub file: String,
    /// Line in it.
    pub line: u64,
    /// true for user-supplied rows, whose unknown areas are errors; bundled rows for
    /// areas missing from the loaded geography (e.g. after loading official polygons
    /// with other codes) are skipped and reported instead.
    pub strict: bool,
}

impl ValueRow {
    /// A bundled row: a value with its counts when published, no supplied interval (the
    /// load computes intervals from the counts), and where it came from (`line` 0 for a
    /// total the loader summed).
    fn bundled(
        indicator_id: &str,
        period: String,
        (level, area_code): (AreaLevel, String),
        value: f64,
        counts: Option<(f64, f64)>,
        file: &Path,
        line: u64,
    ) -> ValueRow {
        ValueRow {
            indicator_id: indicator_id.to_owned(),
            period,
            level,
            area_code,
            value,
            numerator: counts.map(|c| c.0),
            denominator: counts.map(|c| c.1),
            lower_ci: None,
            upper_ci: None,
            lower_ci_998: None,
            upper_ci_998: None,
            file: file.display().to_string(),
            line,
            strict: false,
        }
    }
}

/// Everything indicator-related a load writes.
#[derive(Debug, Default)]
pub struct IndicatorInputs {
    /// Catalogue rows, in listing order.
    pub metas: Vec<IndicatorMeta>,
    /// Value rows.
    pub values: Vec<ValueRow>,
}

/// Where indicator inputs come from.
#[derive(Debug, Clone)]
pub struct IndicatorPaths {
    /// Bundled catalogue.
    pub catalogue: PathBuf,
    /// Bundled QOF prevalence (long format).
    pub qof: PathBuf,
    /// QOF register counts and list sizes by practice, summed to clusters, boards and
    /// Wales and checked against the published prevalences (none: no counts).
    pub qof_counts: Option<PathBuf>,
    /// Bundled cluster deprivation with counts.
    pub deprivation: PathBuf,
    /// Extra catalogue rows.
    pub extra_catalogue: Option<PathBuf>,
    /// Extra values in the generic format.
    pub extra_values: Option<PathBuf>,
}

fn number(row: &Row<'_>, column: &str) -> Result<Option<f64>, EtlError> {
    let text = row.text(column);
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(row.error(column, format!("`{text}` is not a number"))),
    }
}

/// A period label, which goes into tile URLs and cache keys as it is.
fn valid_period(row: &Row<'_>, column: &str) -> Result<String, EtlError> {
    let period = row.required(column)?;
    if period.len() > 32
        || !period
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(row.error(
            column,
            format!("`{period}` is not a valid period: use letters, digits, _ . - (at most 32)"),
        ));
    }
    Ok(period)
}

/// `one_of`, then the catalogue's parser.
fn parse_one_of<T>(
    row: &Row<'_>,
    column: &str,
    allowed: &[&str],
    parse: fn(&str) -> Option<T>,
) -> Result<T, EtlError> {
    let text = one_of(row, column, allowed)?;
    parse(&text).ok_or_else(|| row.error(column, format!("`{text}` is not allowed")))
}

fn one_of(row: &Row<'_>, column: &str, allowed: &[&str]) -> Result<String, EtlError> {
    let v = row.required(column)?;
    if !allowed.contains(&v.as_str()) {
        return Err(row.error(
            column,
            format!("`{v}` is not allowed: use one of {}", allowed.join(", ")),
        ));
    }
    Ok(v)
}

fn read_catalogue(
    path: &Path,
    metas: &mut Vec<IndicatorMeta>,
    seen: &mut HashMap<String, String>,
) -> Result<(), EtlError> {
    read_csv(
        path,
        &[
            "id",
            "title_en",
            "title_cy",
            "description_en",
            "description_cy",
            "unit",
            "polarity",
            "source",
            "licence",
        ],
        |row| {
            let id = row.required("id")?;
            let valid = id.len() <= 64
                && id.starts_with(|c: char| c.is_ascii_lowercase())
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                return Err(row.error("id", format!("`{id}` is not a valid id: use lower-case letters, digits and _ (at most 64), starting with a letter")));
            }
            let here = format!("{} line {}", path.display(), row.line());
            if let Some(first) = seen.insert(id.clone(), here) {
                return Err(row.error(
                    "id",
                    format!("duplicate indicator id {id} (first defined in {first})"),
                ));
            }
            let title_en = row.required("title_en")?;
            let description_en = row.required("description_en")?;
            let title_cy = row.optional("title_cy");
            let description_cy = row.optional("description_cy");
            let unit = one_of(row, "unit", &UNITS)?;
            let value_type = match row.optional("value_type") {
                None => ValueType::default_for(&unit),
                Some(_) => parse_one_of(
                    row,
                    "value_type",
                    &ValueType::ALL.map(ValueType::as_str),
                    ValueType::parse,
                )?,
            };
            let fits = match value_type {
                ValueType::Proportion => unit == "%",
                ValueType::CrudeRate => rate_multiplier(&unit).is_some(),
                ValueType::Dsr | ValueType::Supplied => true,
            };
            if !fits {
                return Err(row.error(
                    "value_type",
                    format!(
                        "`{}` does not go with the unit `{unit}`: a proportion is in %, a crude rate per 1,000 or per 100,000",
                        value_type.as_str()
                    ),
                ));
            }
            let untested_reason = match row.optional("untested_reason") {
                None => None,
                Some(_) => Some(parse_one_of(
                    row,
                    "untested_reason",
                    &UntestedReason::ALL.map(UntestedReason::as_str),
                    UntestedReason::parse,
                )?),
            };
            let topic = match row.optional("topic") {
                None => Topic::Health,
                Some(_) => {
                    parse_one_of(row, "topic", &Topic::ALL.map(Topic::as_str), Topic::parse)?
                }
            };
            metas.push(IndicatorMeta {
                topic,
                title_cy_fallback: title_cy.is_none(),
                title_cy: title_cy.unwrap_or_else(|| title_en.clone()),
                description_cy_fallback: description_cy.is_none(),
                description_cy: description_cy.unwrap_or_else(|| description_en.clone()),
                id,
                title_en,
                description_en,
                unit,
                value_type,
                untested_reason,
                polarity: parse_one_of(
                    row,
                    "polarity",
                    &Polarity::ALL.map(Polarity::as_str),
                    Polarity::parse,
                )?,
                source: row.required("source")?,
                licence: row.required("licence")?,
            });
            Ok(())
        },
    )?;
    Ok(())
}

/// The multiplier of a crude rate's unit.
pub fn rate_multiplier(unit: &str) -> Option<f64> {
    match unit {
        "per 1,000" => Some(1_000.0),
        "per 100,000" => Some(100_000.0),
        _ => None,
    }
}

/// Checks one supplied interval against the value: both limits or neither, and the
/// value between them.
fn check_interval(
    row: &Row<'_>,
    value: f64,
    (lower, upper): (Option<f64>, Option<f64>),
    (lower_field, upper_field): (&str, &str),
) -> Result<(), EtlError> {
    match (lower, upper) {
        (Some(l), Some(u)) if l <= value && value <= u => Ok(()),
        (Some(l), Some(u)) if l > value => Err(row.error(
            lower_field,
            format!("the interval {l} to {u} does not contain the value {value}: its lower bound is above the value"),
        )),
        (Some(l), Some(u)) => Err(row.error(
            upper_field,
            format!("the interval {l} to {u} does not contain the value {value}: its upper bound is below the value"),
        )),
        (None, None) => Ok(()),
        (Some(_), None) => Err(row.error(upper_field, "give both confidence limits or neither")),
        (None, Some(_)) => Err(row.error(lower_field, "give both confidence limits or neither")),
    }
}

/// Checks one value row's numbers against each other, the unit and the value type.
fn check_value(row: &Row<'_>, v: &mut ValueRow, unit: &str) -> Result<(), EtlError> {
    match (v.numerator, v.denominator) {
        (Some(n), Some(d)) => {
            if d <= 0.0 {
                return Err(row.error("denominator", format!("{d} must be greater than 0")));
            }
            if n < 0.0 || (unit == "%" && n > d) {
                return Err(row.error(
                    "numerator",
                    format!("{n} must be between 0 and the denominator {d}"),
                ));
            }
        }
        (Some(_), None) => {
            return Err(row.error("denominator", "is empty but a numerator is given"))
        }
        (None, Some(_)) => {
            return Err(row.error("numerator", "is empty but a denominator is given"))
        }
        (None, None) => {}
    }
    if unit == "%" && !(0.0..=100.0).contains(&v.value) {
        return Err(row.error(
            "value",
            format!(
                "{} is out of range for a percentage: expected 0 to 100",
                v.value
            ),
        ));
    }
    check_interval(
        row,
        v.value,
        (v.lower_ci, v.upper_ci),
        ("lower_ci", "upper_ci"),
    )?;
    check_interval(
        row,
        v.value,
        (v.lower_ci_998, v.upper_ci_998),
        ("lower_ci_998", "upper_ci_998"),
    )
}

/// For a proportion or crude rate whose interval the loader will compute from the counts,
/// checks that the given value lies inside it at both levels, so a value that disagrees
/// with its own counts is refused here, naming the line, not by a database constraint.
fn check_computed_interval(
    row: &Row<'_>,
    v: &ValueRow,
    unit: &str,
    value_type: ValueType,
) -> Result<(), EtlError> {
    use crate::significance::{crude_rate_interval, wilson, ConfidenceLevel};
    let (Some(n), Some(d)) = (v.numerator, v.denominator) else {
        return Ok(());
    };
    if v.lower_ci.is_some() || v.lower_ci_998.is_some() {
        return Ok(());
    }
    for level in ConfidenceLevel::ALL {
        let interval = match value_type {
            ValueType::Proportion => wilson(n, d, level.z()).map(|(l, u)| (100.0 * l, 100.0 * u)),
            ValueType::CrudeRate => rate_multiplier(unit)
                .and_then(|m| crude_rate_interval(n, d, m, level))
                .map(|(limits, _)| limits),
            ValueType::Dsr | ValueType::Supplied => None,
        };
        if let Some((l, u)) = interval {
            if !(l <= v.value && v.value <= u) {
                return Err(row.error(
                    "value",
                    format!(
                        "{} lies outside the {} interval {l} to {u} computed from the numerator {n} and denominator {d}",
                        v.value,
                        level.percent()
                    ),
                ));
            }
        }
    }
    Ok(())
}

struct Dedup(HashMap<(String, String, AreaLevel, String), String>);

impl Dedup {
    fn check(&mut self, row: &Row<'_>, path: &Path, v: &ValueRow) -> Result<(), EtlError> {
        let key = (
            v.indicator_id.clone(),
            v.period.clone(),
            v.level,
            v.area_code.clone(),
        );
        if let Some(first) = self
            .0
            .insert(key, format!("{} line {}", path.display(), row.line()))
        {
            return Err(row.error(
                "area_code",
                format!(
                    "duplicate value for {} {} {} {} (first in {first})",
                    v.indicator_id, v.period, v.level, v.area_code
                ),
            ));
        }
        Ok(())
    }
}

/// How far, in percentage points, summed counts may be from a published prevalence: the
/// published rounding (6 decimals, so 5e-7) with room for floating point.
pub const QOF_COUNT_TOLERANCE: f64 = 1e-6;

/// A register's summed counts for one area, with the counts file's first line for it.
#[derive(Debug, Clone)]
struct CountSum {
    numerator: f64,
    denominator: f64,
    file: PathBuf,
    line: u64,
}

/// A whole number of 0 or more.
fn count(row: &Row<'_>, column: &str) -> Result<f64, EtlError> {
    let text = row.text(column);
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1e15 => Ok(v),
        _ => Err(row.error(
            column,
            format!("`{text}` is not a count: expected a whole number of 0 or more"),
        )),
    }
}

/// Reads the practice QOF counts and sums them by register to clusters, boards and Wales.
/// Each practice's list size is the denominator of all its whole-list registers.
fn read_qof_counts(
    path: &Path,
    units: &HashMap<String, String>,
) -> Result<HashMap<(String, AreaLevel, String), CountSum>, EtlError> {
    let mut sums: HashMap<(String, AreaLevel, String), CountSum> = HashMap::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    read_csv(
        path,
        &[
            "practice_code",
            "lhb_code",
            "cluster_key",
            "register",
            "register_count",
            "list_size",
        ],
        |row| {
            let practice = row.required("practice_code")?;
            let register = row.required("register")?;
            if units.get(&register).map(String::as_str) != Some("%") {
                return Err(row.error(
                    "register",
                    format!("`{register}` is not a percentage indicator of the catalogue"),
                ));
            }
            if let Some(first) = seen.insert((practice.clone(), register.clone()), row.line()) {
                return Err(row.error(
                    "register",
                    format!(
                        "duplicate {register} row for practice {practice} (first on line {first})"
                    ),
                ));
            }
            let n = count(row, "register_count")?;
            let d = count(row, "list_size")?;
            if d == 0.0 {
                return Err(row.error("list_size", "0 must be greater than 0"));
            }
            if n > d {
                return Err(row.error(
                    "register_count",
                    format!("{n} is larger than its denominator, the list size {d}"),
                ));
            }
            for (level, code) in [
                (AreaLevel::Cluster, row.required("cluster_key")?),
                (AreaLevel::HealthBoard, row.required("lhb_code")?),
                (AreaLevel::Wales, WALES_CODE.to_owned()),
            ] {
                let s = sums
                    .entry((register.clone(), level, code))
                    .or_insert(CountSum {
                        numerator: 0.0,
                        denominator: 0.0,
                        file: path.to_path_buf(),
                        line: row.line(),
                    });
                s.numerator += n;
                s.denominator += d;
            }
            Ok(())
        },
    )?;
    Ok(sums)
}

/// Reads every indicator input.
pub fn read_indicators(paths: &IndicatorPaths) -> Result<IndicatorInputs, EtlError> {
    let mut metas = Vec::new();
    let mut seen = HashMap::new();
    read_catalogue(&paths.catalogue, &mut metas, &mut seen)?;
    if let Some(extra) = &paths.extra_catalogue {
        read_catalogue(extra, &mut metas, &mut seen)?;
    }
    let units: HashMap<String, String> = metas
        .iter()
        .map(|m| (m.id.clone(), m.unit.clone()))
        .collect();
    let types: HashMap<String, ValueType> =
        metas.iter().map(|m| (m.id.clone(), m.value_type)).collect();
    let mut values = Vec::new();
    let mut dedup = Dedup(HashMap::new());

    let counts = match &paths.qof_counts {
        Some(path) => read_qof_counts(path, &units)?,
        None => HashMap::new(),
    };

    // Bundled QOF prevalence as published; counts attached where the counts file
    // reproduces it.
    let qof = &paths.qof;
    read_csv(
        qof,
        &["level", "area_code", "register", "prevalence_pct"],
        |row| {
            let level = match row.required("level")?.as_str() {
                "wales" => AreaLevel::Wales,
                "lhb" => AreaLevel::HealthBoard,
                "cluster" => AreaLevel::Cluster,
                other => {
                    return Err(
                        row.error("level", format!("`{other}` is not wales, lhb or cluster"))
                    )
                }
            };
            let register = row.required("register")?;
            let Some(unit) = units.get(&register) else {
                return Err(row.error(
                    "register",
                    format!("`{register}` has no entry in {}", paths.catalogue.display()),
                ));
            };
            // An empty prevalence is StatsWales's "." (not available): skip, never fill in.
            let Some(value) = number(row, "prevalence_pct")? else {
                return Ok(());
            };
            let area_code = row.required("area_code")?;
            let summed = counts.get(&(register.clone(), level, area_code.clone()));
            if let Some(c) = summed {
                let summed_pct = 100.0 * c.numerator / c.denominator;
                // The published prevalences have 6 decimals, so exact counts reproduce
                // them to 5e-7 percentage points; anything further is a wrong count.
                if (summed_pct - value).abs() > QOF_COUNT_TOLERANCE {
                    return Err(bad_value(
                        &c.file,
                        c.line,
                        "register_count",
                        format!(
                            "the {register} counts of {level} {area_code} sum to {} of {} ({summed_pct:.7}%), \
                             which does not reproduce the published prevalence {value}% ({} line {})",
                            c.numerator,
                            c.denominator,
                            qof.display(),
                            row.line()
                        ),
                    ));
                }
            }
            let counts = summed.map(|c| (c.numerator, c.denominator));
            let mut v = ValueRow::bundled(
                &register,
                "2023-24".into(),
                (level, area_code),
                value,
                counts,
                qof,
                row.line(),
            );
            check_value(row, &mut v, unit)?;
            dedup.check(row, qof, &v)?;
            values.push(v);
            Ok(())
        },
    )?;

    // Bundled cluster deprivation with counts; boards and Wales are sums of their clusters.
    let dep = &paths.deprivation;
    let id = "patients_most_deprived_20pct";
    if units.contains_key(id) {
        // Keyed by snapshot too: a file holding several snapshots gets board and Wales
        // totals for each, never one total that mixes them.
        let mut sums: BTreeMap<(String, AreaLevel, String), (f64, f64)> = BTreeMap::new();
        read_csv(
            dep,
            &[
                "cluster_key",
                "lhb_code",
                "patients_welsh_resident",
                "patients_in_most_deprived_20pct",
                "snapshot",
            ],
            |row| {
                let n = number(row, "patients_in_most_deprived_20pct")?
                    .ok_or_else(|| row.error("patients_in_most_deprived_20pct", "is empty"))?;
                let d = number(row, "patients_welsh_resident")?
                    .ok_or_else(|| row.error("patients_welsh_resident", "is empty"))?;
                let period = valid_period(row, "snapshot")?;
                let mut v = ValueRow::bundled(
                    id,
                    period.clone(),
                    (AreaLevel::Cluster, row.required("cluster_key")?),
                    if d > 0.0 { 100.0 * n / d } else { 0.0 },
                    Some((n, d)),
                    dep,
                    row.line(),
                );
                check_value(row, &mut v, "%")?;
                dedup.check(row, dep, &v)?;
                for key in [
                    (AreaLevel::HealthBoard, row.required("lhb_code")?),
                    (AreaLevel::Wales, WALES_CODE.to_owned()),
                ] {
                    let s = sums
                        .entry((period.clone(), key.0, key.1.clone()))
                        .or_default();
                    s.0 += n;
                    s.1 += d;
                    if !(s.0.is_finite() && s.1.is_finite()) {
                        return Err(row.error(
                            "patients_welsh_resident",
                            format!("the {} {} total is too large to store", key.0, key.1),
                        ));
                    }
                }
                values.push(v);
                Ok(())
            },
        )?;
        for ((period, level, area_code), (n, d)) in sums {
            let value = 100.0 * n / d;
            let row =
                ValueRow::bundled(id, period, (level, area_code), value, Some((n, d)), dep, 0);
            values.push(row);
        }
    }

    // User-supplied values in the documented format.
    if let Some(path) = &paths.extra_values {
        read_csv(
            path,
            &[
                "indicator_id",
                "period",
                "level",
                "area_code",
                "value",
                "numerator",
                "denominator",
                "lower_ci",
                "upper_ci",
            ],
            |row| {
                let indicator_id = row.required("indicator_id")?;
                let Some(unit) = units.get(&indicator_id) else {
                    return Err(row.error("indicator_id", format!("unknown indicator `{indicator_id}`: add it to the indicator catalogue (--indicators)")));
                };
                let period = valid_period(row, "period")?;
                let numerator = number(row, "numerator")?;
                let denominator = number(row, "denominator")?;
                let value_type = types
                    .get(&indicator_id)
                    .copied()
                    .unwrap_or(ValueType::Supplied);
                let value = match (number(row, "value")?, numerator, denominator) {
                    (Some(v), _, _) => v,
                    (None, Some(n), Some(d)) if unit == "%" && d > 0.0 => 100.0 * n / d,
                    (None, Some(n), Some(d)) if value_type == ValueType::CrudeRate && d > 0.0 => {
                        rate_multiplier(unit).map_or(n / d, |m| m * n / d)
                    }
                    _ => return Err(row.error(
                        "value",
                        "is empty; give a value, or numerator and denominator for a % indicator or a crude rate",
                    )),
                };
                let mut v = ValueRow {
                    indicator_id,
                    period,
                    level: parse_one_of(
                        row,
                        "level",
                        &AreaLevel::ALL.map(AreaLevel::as_str),
                        AreaLevel::parse,
                    )?,
                    area_code: row.required("area_code")?,
                    value,
                    numerator,
                    denominator,
                    lower_ci: number(row, "lower_ci")?,
                    upper_ci: number(row, "upper_ci")?,
                    lower_ci_998: number(row, "lower_ci_998")?,
                    upper_ci_998: number(row, "upper_ci_998")?,
                    file: path.display().to_string(),
                    line: row.line(),
                    strict: true,
                };
                check_value(row, &mut v, unit)?;
                check_computed_interval(row, &v, unit, value_type)?;
                dedup.check(row, path, &v)?;
                values.push(v);
                Ok(())
            },
        )?;
    }
    Ok(IndicatorInputs { metas, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The bundled-format inputs with `deprivation` as the cluster deprivation file.
    fn with_deprivation(dir: &tempfile::TempDir, deprivation: &str) -> IndicatorPaths {
        IndicatorPaths {
            catalogue: write(
                dir,
                "indicators.csv",
                "id,title_en,title_cy,description_en,description_cy,unit,polarity,source,licence\n\
                 patients_most_deprived_20pct,Deprived,,Share.,,%,higher_is_worse,NWIS,OGL\n",
            ),
            qof: write(
                dir,
                "qof.csv",
                "level,area_code,register,prevalence_pct\nwales,W92000004,patients_most_deprived_20pct,\n",
            ),
            qof_counts: None,
            deprivation: write(dir, "deprivation.csv", deprivation),
            extra_catalogue: None,
            extra_values: None,
        }
    }

    const DEPRIVATION_HEADER: &str =
        "cluster_key,lhb_code,patients_welsh_resident,patients_in_most_deprived_20pct,snapshot\n";

    /// Found by the `csv_loader` fuzz target: each row's counts were checked, but the
    /// health board and Wales sums of huge counts overflowed to infinity and were stored.
    #[test]
    fn deprivation_totals_that_overflow_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let rows = "a,W11000023,1e308,1e306,2024-04\nb,W11000023,1.7e308,1e306,2024-04\n";
        let paths = with_deprivation(&dir, &format!("{DEPRIVATION_HEADER}{rows}"));
        let e = read_indicators(&paths).unwrap_err().to_string();
        assert!(
            e.contains("deprivation.csv: line 3: field `patients_welsh_resident`")
                && e.contains("health_board W11000023 total is too large"),
            "{e}"
        );
    }

    /// Caught by the `csv_loader` fuzz target's URL-safe period check (on a hand-made
    /// input): the deprivation file's `snapshot` became a period without the check the
    /// generic format has, so a label like `2024 04&x` went unescaped into tile URLs and
    /// cache keys.
    #[test]
    fn deprivation_snapshot_must_be_a_valid_period() {
        let dir = tempfile::tempdir().unwrap();
        let paths = with_deprivation(
            &dir,
            &format!("{DEPRIVATION_HEADER}a,W11000023,100,10,2024 04&x\n"),
        );
        let e = read_indicators(&paths).unwrap_err().to_string();
        assert!(
            e.contains(
                "deprivation.csv: line 2: field `snapshot`: `2024 04&x` is not a valid period"
            ),
            "{e}"
        );
        let paths = with_deprivation(
            &dir,
            &format!("{DEPRIVATION_HEADER}a,W11000023,100,10,2024-04\n"),
        );
        let inputs = read_indicators(&paths).unwrap();
        assert!(inputs.values.iter().all(|v| v.period == "2024-04"));
        assert_eq!(inputs.values.len(), 3);
    }

    /// Found while fuzzing: with two snapshots in the deprivation file, the board and
    /// Wales totals summed both and were stored under the last snapshot only.
    #[test]
    fn deprivation_totals_are_per_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let rows = "a,W11000023,100,10,2023-04\nb,W11000023,300,60,2023-04\n\
                    a,W11000023,100,20,2024-04\nb,W11000023,300,20,2024-04\n";
        let paths = with_deprivation(&dir, &format!("{DEPRIVATION_HEADER}{rows}"));
        let inputs = read_indicators(&paths).unwrap();
        let total = |period: &str, level: &str| {
            let v: Vec<_> = inputs
                .values
                .iter()
                .filter(|v| v.period == period && v.level.as_str() == level)
                .collect();
            assert_eq!(v.len(), 1, "{period} {level}");
            (v[0].numerator, v[0].denominator, v[0].value)
        };
        assert_eq!(total("2023-04", "wales"), (Some(70.0), Some(400.0), 17.5));
        assert_eq!(total("2024-04", "wales"), (Some(40.0), Some(400.0), 10.0));
        assert_eq!(total("2024-04", "health_board").0, Some(40.0));
        assert_eq!(inputs.values.len(), 8);
    }
}
