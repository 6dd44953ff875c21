//! The 2021 LSOAs with WIMD 2025: ONS boundaries, their population-weighted centroids and the
//! WIMD 2025 overall index, read and cross-checked in memory before the database is touched.
//! Their clusters come later, in PostGIS (`postgis::lsoa21`): from the 2021 lookup's own
//! cluster column where the bundled model is loaded, else by the centroid in an official
//! cluster polygon, else from their 2011 parents.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::csv_input::read_csv;
use super::error::EtlError;
use super::ogr::{hex, read_polygons, OgrFeature};

/// Bundled 2021 LSOA boundaries (ONS super-generalised, CRS84), in the data folder.
pub const BUNDLED_LSOA21: &str = "lsoa2021/lsoa21_wales_bsc.geojson";
/// Bundled ONS population-weighted centroids of the 2021 LSOAs.
pub const BUNDLED_LSOA21_CENTROIDS: &str = "lsoa2021/lsoa21_wales_pop_weighted_centroids.csv";
/// Bundled WIMD 2025 overall ranks per 2021 LSOA.
pub const BUNDLED_WIMD2025: &str = "wimd2025/wimd2025_overall_lsoa21.csv";

/// The code and name attributes of the boundaries file (the ONS field names).
const CODE_FIELD: &str = "lsoa21cd";
const NAME_FIELD: &str = "lsoa21nm";

/// Where the 2021 LSOA inputs are.
#[derive(Debug, Clone)]
pub struct Lsoa21Paths {
    /// Boundaries (any OGR format with `lsoa21cd` and `lsoa21nm`).
    pub boundaries: PathBuf,
    /// Population-weighted centroids (CSV: lsoa21cd, pwc_lon, pwc_lat).
    pub centroids: PathBuf,
    /// WIMD 2025 (CSV: lsoa21cd, lsoa21_name_wimd, la_name, wimd2025_rank, wimd2025_decile,
    /// wimd2025_quintile).
    pub wimd2025: PathBuf,
}

/// One 2021 LSOA ready to stage: a row of `stage_lsoa21`.
#[derive(Debug, Serialize)]
pub struct Lsoa21Row {
    /// ONS code.
    pub code: String,
    /// 1-based position in the boundaries file, for geometry errors.
    pub feature_index: usize,
    /// ONS name (e.g. "Isle of Anglesey 001A"). No Welsh name is published with these
    /// boundaries, so the Welsh name falls back to it (and says so).
    pub name_en: String,
    /// The Welsh Government's local name used in WIMD 2025 (e.g. "Amlwch Port").
    pub name_wimd: String,
    /// Local authority name (English), from WIMD 2025.
    pub la_name_en: String,
    /// WIMD 2025 overall rank, 1 = most deprived.
    pub wimd_rank: i64,
    /// WIMD 2025 overall decile (published).
    pub wimd_decile: i64,
    /// WIMD 2025 overall quintile (published).
    pub wimd_quintile: i64,
    /// Population-weighted centroid, longitude.
    pub pwc_lon: f64,
    /// Population-weighted centroid, latitude.
    pub pwc_lat: f64,
    /// Geometry in EPSG:3857, hex WKB.
    pub wkb: String,
}

/// The 2021 LSOAs read, with where they came from.
#[derive(Debug)]
pub struct Lsoa21Inputs {
    /// One row per LSOA, in code order.
    pub rows: Vec<Lsoa21Row>,
    /// The boundaries file, for geometry error messages.
    pub boundaries: PathBuf,
}

/// Reads the boundaries, centroids and WIMD 2025, and checks that they cover the same LSOAs;
/// boundaries and centroids must lie in `extent` (lon/lat, `InputArgs::extent`).
pub fn read_lsoa21(paths: &Lsoa21Paths, extent: [f64; 4]) -> Result<Lsoa21Inputs, EtlError> {
    let features = read_polygons(
        &paths.boundaries,
        None,
        &[CODE_FIELD, NAME_FIELD],
        CODE_FIELD,
        extent,
    )?;
    let area = super::ogr::extent_name(extent);
    let mut geoms: BTreeMap<String, (usize, String, Vec<u8>)> = BTreeMap::new();
    for OgrFeature { index, attrs, wkb } in features {
        let bad = |field: &str, message: String| EtlError::BadValue {
            path: paths.boundaries.clone(),
            at: format!("feature {index}"),
            field: field.to_owned(),
            message,
        };
        let mut attrs = attrs.into_iter();
        let code = attrs
            .next()
            .flatten()
            .ok_or_else(|| bad(CODE_FIELD, "is empty; every LSOA needs a code".into()))?;
        let name = attrs
            .next()
            .flatten()
            .ok_or_else(|| bad(NAME_FIELD, format!("is empty for {code}")))?;
        if let Some((first, _, _)) = geoms.get(&code) {
            return Err(bad(
                CODE_FIELD,
                format!("duplicate code {code} (first seen in feature {first})"),
            ));
        }
        geoms.insert(code, (index, name, wkb));
    }

    // A row's 2021 LSOA code, which the boundaries must hold.
    let known_code = |row: &super::csv_input::Row<'_>| {
        let code = row.required("lsoa21cd")?;
        if geoms.contains_key(&code) {
            Ok(code)
        } else {
            Err(row.error(
                "lsoa21cd",
                format!(
                    "unknown 2021 LSOA {code}: it is not in {}",
                    paths.boundaries.display()
                ),
            ))
        }
    };
    let mut centroids: HashMap<String, (f64, f64)> = HashMap::new();
    read_csv(
        &paths.centroids,
        &["lsoa21cd", "pwc_lon", "pwc_lat"],
        |row| {
            let code = known_code(row)?;
            let coordinate = |column: &str, range: std::ops::RangeInclusive<f64>| {
                let text = row.text(column);
                match text.parse::<f64>() {
                    Ok(v) if range.contains(&v) => Ok(v),
                    _ => Err(row.error(
                        column,
                        format!(
                            "`{text}` is not a coordinate in {area} ({} to {} degrees)",
                            range.start(),
                            range.end()
                        ),
                    )),
                }
            };
            let lon = coordinate("pwc_lon", extent[0]..=extent[2])?;
            let lat = coordinate("pwc_lat", extent[1]..=extent[3])?;
            if centroids.insert(code.clone(), (lon, lat)).is_some() {
                return Err(row.error("lsoa21cd", format!("duplicate code {code}")));
            }
            Ok(())
        },
    )?;

    let n = i64::try_from(geoms.len()).unwrap_or(i64::MAX);
    let mut wimd: HashMap<String, (String, String, i64, i64, i64)> = HashMap::new();
    let mut ranks: HashMap<i64, String> = HashMap::new();
    read_csv(
        &paths.wimd2025,
        &[
            "lsoa21cd",
            "lsoa21_name_wimd",
            "la_name",
            "wimd2025_rank",
            "wimd2025_decile",
            "wimd2025_quintile",
        ],
        |row| {
            let code = known_code(row)?;
            let rank = row.int_in("wimd2025_rank", 1..=n)?;
            if let Some(other) = ranks.insert(rank, code.clone()) {
                return Err(row.error(
                    "wimd2025_rank",
                    format!("rank {rank} is given to both {other} and {code}"),
                ));
            }
            let entry = (
                row.required("lsoa21_name_wimd")?,
                row.required("la_name")?,
                rank,
                row.int_in("wimd2025_decile", 1..=10)?,
                row.int_in("wimd2025_quintile", 1..=5)?,
            );
            if wimd.insert(code.clone(), entry).is_some() {
                return Err(row.error("lsoa21cd", format!("duplicate code {code}")));
            }
            Ok(())
        },
    )?;

    for (have, path, what) in [
        (
            centroids.keys().collect::<HashSet<_>>(),
            &paths.centroids,
            "a population-weighted centroid",
        ),
        (
            wimd.keys().collect::<HashSet<_>>(),
            &paths.wimd2025,
            "a WIMD 2025 rank",
        ),
    ] {
        let missing: Vec<String> = geoms
            .keys()
            .filter(|c| !have.contains(c))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(EtlError::Incomplete {
                path: path.clone(),
                message: format!("every 2021 LSOA of the boundaries needs {what}; missing"),
                codes: missing,
            });
        }
    }

    // Every code has a centroid and a WIMD row (checked just above).
    let rows = geoms
        .into_iter()
        .filter_map(|(code, (index, name_en, wkb))| {
            let (lon, lat) = *centroids.get(&code)?;
            let (name_wimd, la_name_en, rank, decile, quintile) = wimd.remove(&code)?;
            Some(Lsoa21Row {
                feature_index: index,
                name_en,
                name_wimd,
                la_name_en,
                wimd_rank: rank,
                wimd_decile: decile,
                wimd_quintile: quintile,
                pwc_lon: lon,
                pwc_lat: lat,
                wkb: hex(&wkb),
                code,
            })
        })
        .collect();
    Ok(Lsoa21Inputs {
        rows,
        boundaries: paths.boundaries.clone(),
    })
}

/// The paths to describe in the load record.
pub fn describe(
    paths: &Lsoa21Paths,
    describe: impl Fn(&Path) -> serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "boundaries": describe(&paths.boundaries),
        "centroids": describe(&paths.centroids),
        "wimd2025": describe(&paths.wimd2025),
    })
}
