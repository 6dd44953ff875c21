//! Reads and cross-checks every loader input in memory, before the database is touched.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::cluster::Cluster;
use super::csv_input::{read_csv, Row};
use super::error::EtlError;
use super::indicators::{read_indicators, IndicatorInputs, IndicatorPaths};
use super::ogr::{hex, read_polygons, OgrFeature};
use super::population::{self, PopulationPaths};
use crate::catalog::WIMD_DOMAINS;
use crate::config::InputArgs;

/// The input files after defaults are applied.
#[derive(Debug, Clone)]
pub struct InputPaths {
    /// LSOA boundaries (OGR).
    pub lsoa: PathBuf,
    /// WIMD CSV.
    pub wimd: PathBuf,
    /// LSOA → LA and LHB lookup CSV.
    pub lookup: PathBuf,
    /// Health boards CSV.
    pub health_boards: PathBuf,
    /// Where cluster membership comes from.
    pub clusters: ClusterInput,
    /// Indicator catalogue and values.
    pub indicators: IndicatorPaths,
    /// ONS population estimates.
    pub population: super::population::PopulationPaths,
    /// WIMD 2019 underlying indicators per LSOA.
    pub wimd_indicators: PathBuf,
    /// 2021 LSOAs with WIMD 2025.
    pub lsoa21: super::lsoa21::Lsoa21Paths,
}

/// The two ways to say which cluster each LSOA belongs to.
#[derive(Debug, Clone)]
pub enum ClusterInput {
    /// A cluster list plus an LSOA → cluster lookup.
    Lookup {
        /// Cluster list CSV.
        clusters: PathBuf,
        /// Lookup CSV.
        lookup: PathBuf,
    },
    /// Cluster polygons; LSOAs join spatially.
    Polygons(PathBuf),
}

/// Bundled file names inside the data folder.
pub const BUNDLED_LSOA: &str = "lsoa_wales.geojson";
/// Bundled WIMD.
pub const BUNDLED_WIMD: &str = "wimd2019.csv";
/// Bundled lookup.
pub const BUNDLED_LOOKUP: &str = "lsoa_lookup_wales.csv";
/// Bundled health boards.
pub const BUNDLED_HEALTH_BOARDS: &str = "health_boards.csv";
/// Bundled clusters.
pub const BUNDLED_CLUSTERS: &str = "clusters.csv";
/// Bundled indicator catalogue.
pub const BUNDLED_INDICATORS: &str = "indicators.csv";
/// Bundled QOF prevalence.
pub const BUNDLED_QOF: &str = "cluster_qof_prevalence_2024.csv";
/// Bundled QOF register counts and list sizes by practice.
pub const BUNDLED_QOF_COUNTS: &str = "practice_qof_counts_2024.csv";
/// Bundled cluster deprivation counts.
pub const BUNDLED_DEPRIVATION: &str = "cluster_deprivation_2024.csv";
/// Bundled approximate LSOA → cluster lookup.
pub const BUNDLED_CLUSTER_LOOKUP: &str = "lsoa11_to_cluster_APPROX_model.csv";

impl InputPaths {
    /// Applies the bundled defaults to whatever the user did not name.
    pub fn resolve(args: &InputArgs) -> InputPaths {
        let dir = crate::config::resolve_data_dir(args.data_dir.as_deref());
        let pick = |p: &Option<PathBuf>, name: &str| p.clone().unwrap_or_else(|| dir.join(name));
        InputPaths {
            lsoa: pick(&args.lsoa, BUNDLED_LSOA),
            wimd: pick(&args.wimd, BUNDLED_WIMD),
            lookup: pick(&args.lookup, BUNDLED_LOOKUP),
            health_boards: pick(&args.health_boards, BUNDLED_HEALTH_BOARDS),
            clusters: match &args.cluster_polygons {
                Some(p) => ClusterInput::Polygons(p.clone()),
                None => ClusterInput::Lookup {
                    clusters: pick(&args.clusters, BUNDLED_CLUSTERS),
                    lookup: pick(&args.cluster_lookup, BUNDLED_CLUSTER_LOOKUP),
                },
            },
            indicators: IndicatorPaths {
                catalogue: dir.join(BUNDLED_INDICATORS),
                qof: dir.join(BUNDLED_QOF),
                qof_counts: Some(pick(&args.qof_counts, BUNDLED_QOF_COUNTS)),
                deprivation: dir.join(BUNDLED_DEPRIVATION),
                extra_catalogue: args.indicators.clone(),
                extra_values: args.indicator_values.clone(),
            },
            population: PopulationPaths {
                bands: pick(&args.population_bands, population::BUNDLED_BANDS),
                single_years: pick(
                    &args.population_single_years,
                    population::BUNDLED_SINGLE_YEARS,
                ),
                sex_age_2024: pick(&args.population_2024, population::BUNDLED_SEX_AGE_2024),
                lsoa21_lookup: pick(&args.lsoa21_lookup, population::BUNDLED_LSOA21_LOOKUP),
            },
            wimd_indicators: pick(
                &args.wimd_indicators,
                super::wimd_indicators::BUNDLED_WIMD_INDICATORS,
            ),
            lsoa21: super::lsoa21::Lsoa21Paths {
                boundaries: pick(&args.lsoa21, super::lsoa21::BUNDLED_LSOA21),
                centroids: pick(
                    &args.lsoa21_centroids,
                    super::lsoa21::BUNDLED_LSOA21_CENTROIDS,
                ),
                wimd2025: pick(&args.wimd2025, super::lsoa21::BUNDLED_WIMD2025),
            },
        }
    }
}

/// A health board ready to insert.
#[derive(Debug)]
pub struct HealthBoard {
    /// GSS code.
    pub code: String,
    /// ODS code.
    pub ods_code: Option<String>,
    /// English name.
    pub name_en: String,
    /// Welsh name, if published.
    pub name_cy: Option<String>,
}

/// Everything the database step needs.
#[derive(Debug)]
pub struct Prepared {
    /// LSOA rows as JSON objects (columns of the staging table) with hex WKB in `wkb`.
    pub lsoas: Vec<Value>,
    /// Health boards.
    pub health_boards: Vec<HealthBoard>,
    /// Clusters.
    pub clusters: Vec<Cluster>,
    /// Cluster polygons (code, feature index, hex WKB) when joining spatially.
    pub cluster_polygons: Option<(PathBuf, Vec<Value>)>,
    /// True while cluster membership is a model.
    pub cluster_approximate: bool,
    /// How LSOAs were assigned to clusters, shown to users.
    pub cluster_provenance: String,
    /// The file the LSOA geometry came from, for geometry error messages.
    pub lsoa_path: PathBuf,
    /// What was read: paths and sizes, stored with the data version.
    pub inputs: Value,
    /// Indicator catalogue and values.
    pub indicators: IndicatorInputs,
    /// Population estimates per LSOA.
    pub population: super::population::PopulationInputs,
    /// WIMD 2019 indicator rates per LSOA, with their weights.
    pub wimd_indicators: super::wimd_indicators::WimdIndicatorInputs,
    /// With polygons: how each bundled cluster key matched a loaded cluster.
    pub cluster_matches: Vec<super::cluster_match::ClusterMatch>,
    /// Skip bundled values of unmatched clusters (reported) instead of refusing the load.
    pub allow_unmatched: bool,
    /// 2021 LSOAs with WIMD 2025.
    pub lsoa21: super::lsoa21::Lsoa21Inputs,
    /// Each 2021 LSOA's cluster, where the 2021 lookup gives one and it applies (the
    /// cluster geography is a lookup, and the 2021 lookup is the bundled one or was given
    /// with it); `None` to place 2021 LSOAs by polygon or by their parents.
    pub lsoa21_clusters: Option<HashMap<String, String>>,
}

/// Records the first line each code was seen on, refusing duplicates.
fn first_sighting(
    seen: &mut HashMap<String, u64>,
    row: &Row<'_>,
    column: &str,
    code: &str,
) -> Result<(), EtlError> {
    if let Some(first) = seen.insert(code.to_owned(), row.line()) {
        return Err(row.error(
            column,
            format!("duplicate code {code} (first seen on line {first})"),
        ));
    }
    Ok(())
}

fn unknown(row: &Row<'_>, column: &str, code: &str, what: &str, source: &Path) -> EtlError {
    row.error(
        column,
        format!("unknown {what} {code}: it is not in {}", source.display()),
    )
}

fn require_all<'a>(
    expected: impl Iterator<Item = &'a String>,
    have: &HashMap<String, impl Sized>,
    path: &Path,
    message: String,
) -> Result<(), EtlError> {
    let mut missing: Vec<String> = expected
        .filter(|c| !have.contains_key(*c))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort();
    Err(EtlError::Incomplete {
        path: path.to_path_buf(),
        message,
        codes: missing,
    })
}

/// An LSOA's local authority (code, English and Welsh names) and health board code.
type LsoaPlace = (String, String, String, String);

struct LsoaGeom {
    index: usize,
    name_en: String,
    name_cy: Option<String>,
    wkb: Vec<u8>,
}

/// Reads all inputs and checks them against each other, one step per input.
pub fn read_inputs(paths: &InputPaths, args: &InputArgs) -> Result<Prepared, EtlError> {
    let lsoas = read_lsoa_boundaries(paths, args)?;
    let (boards, board_lines) = read_health_boards(paths)?;
    let lookup = read_lsoa_lookup(paths, &lsoas, &board_lines)?;
    let wimd = read_wimd(paths, &lsoas)?;
    let geography = read_clusters(paths, args, &lsoas, &board_lines)?;
    let lsoa11_codes: std::collections::HashSet<String> = lsoas.keys().cloned().collect();
    let rows = lsoa_rows(lsoas, lookup, wimd, &geography);
    let mut inputs = describe_inputs(paths);
    if let Some(p) = &args.cluster_crosswalk {
        inputs["cluster_crosswalk"] = json!({"path": p.display().to_string(), "bytes": std::fs::metadata(p).map(|m| m.len()).ok()});
    }
    let mut indicators = read_indicators(&paths.indicators)?;
    let cluster_matches = match &paths.clusters {
        ClusterInput::Polygons(polygons) => super::cluster_match::match_bundled_clusters(
            &args.clusters.clone().unwrap_or_else(|| {
                crate::config::resolve_data_dir(args.data_dir.as_deref()).join(BUNDLED_CLUSTERS)
            }),
            args.cluster_crosswalk.as_deref(),
            polygons,
            &geography.clusters,
            &mut indicators.values,
        )?,
        ClusterInput::Lookup { .. } => Vec::new(),
    };
    let mut population = super::population::read_population(&paths.population, &lsoa11_codes)?;
    let lsoa21 = super::lsoa21::read_lsoa21(&paths.lsoa21, args.extent())?;
    // The 2021 lookup's own clusters fit only the geography they were made with: the
    // bundled 2011 lookup, or a 2021 lookup the user gave alongside their own.
    let lsoa21_clusters = match &paths.clusters {
        ClusterInput::Lookup { .. }
            if args.cluster_lookup.is_none() || args.lsoa21_lookup.is_some() =>
        {
            let clusters = std::mem::take(&mut population.lsoa21_clusters);
            check_lsoa21_clusters(&clusters, &geography, &paths.population.lsoa21_lookup)?;
            (!clusters.is_empty()).then_some(clusters)
        }
        _ => None,
    };
    let listed: std::collections::HashSet<&str> =
        indicators.metas.iter().map(|m| m.id.as_str()).collect();
    let wimd_indicators = super::wimd_indicators::read_wimd_indicators(
        &paths.wimd_indicators,
        &lsoa11_codes,
        &listed,
    )?;
    Ok(Prepared {
        lsoas: rows,
        health_boards: boards,
        clusters: geography.clusters,
        cluster_polygons: geography.polygons,
        cluster_approximate: geography.approximate,
        cluster_provenance: geography.provenance,
        lsoa_path: paths.lsoa.clone(),
        inputs,
        indicators,
        population,
        wimd_indicators,
        cluster_matches,
        allow_unmatched: args.allow_unmatched,
        lsoa21,
        lsoa21_clusters,
    })
}

/// Every cluster the 2021 lookup names must be one of the loaded clusters.
fn check_lsoa21_clusters(
    clusters: &HashMap<String, String>,
    geography: &ClusterGeography,
    lookup: &Path,
) -> Result<(), EtlError> {
    let known: std::collections::HashSet<&str> =
        geography.clusters.iter().map(|c| c.code.as_str()).collect();
    let mut unknown: Vec<String> = clusters
        .iter()
        .filter(|(_, c)| !known.contains(c.as_str()))
        .map(|(l, c)| format!("{l} → {c}"))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    Err(EtlError::Incomplete {
        path: lookup.to_path_buf(),
        message: "these 2021 LSOAs name a cluster that is not in the cluster list".into(),
        codes: unknown,
    })
}

/// Step 1: the LSOA boundaries, the master list of LSOA codes.
fn read_lsoa_boundaries(
    paths: &InputPaths,
    args: &InputArgs,
) -> Result<BTreeMap<String, LsoaGeom>, EtlError> {
    let features = read_polygons(
        &paths.lsoa,
        args.lsoa_layer.as_deref(),
        &[
            &args.lsoa_code_field,
            &args.lsoa_name_en_field,
            &args.lsoa_name_cy_field,
        ],
        &args.lsoa_code_field,
        args.extent(),
    )?;
    let mut lsoas: BTreeMap<String, LsoaGeom> = BTreeMap::new();
    let mut first_index: HashMap<String, usize> = HashMap::new();
    for OgrFeature { index, attrs, wkb } in features {
        let mut attrs = attrs.into_iter();
        let bad = |field: &str, message: String| EtlError::BadValue {
            path: paths.lsoa.clone(),
            at: format!("feature {index}"),
            field: field.to_owned(),
            message,
        };
        let code = attrs.next().flatten().ok_or_else(|| {
            bad(
                &args.lsoa_code_field,
                "is empty; every LSOA needs a code".into(),
            )
        })?;
        if let Some(first) = first_index.insert(code.clone(), index) {
            return Err(bad(
                &args.lsoa_code_field,
                format!("duplicate code {code} (first seen in feature {first})"),
            ));
        }
        let name_en = attrs
            .next()
            .flatten()
            .ok_or_else(|| bad(&args.lsoa_name_en_field, format!("is empty for {code}")))?;
        let name_cy = attrs.next().flatten();
        lsoas.insert(
            code,
            LsoaGeom {
                index,
                name_en,
                name_cy,
                wkb,
            },
        );
    }

    Ok(lsoas)
}

/// Step 2: the health boards, and the line each was first seen on.
fn read_health_boards(
    paths: &InputPaths,
) -> Result<(Vec<HealthBoard>, HashMap<String, u64>), EtlError> {
    let mut boards: Vec<HealthBoard> = Vec::new();
    let mut board_lines = HashMap::new();
    read_csv(
        &paths.health_boards,
        &["lhb_code", "lhb_name_en", "lhb_name_cy"],
        |row| {
            let code = row.required("lhb_code")?;
            first_sighting(&mut board_lines, row, "lhb_code", &code)?;
            boards.push(HealthBoard {
                code,
                ods_code: row.optional("lhb_ods_code"),
                name_en: row.required("lhb_name_en")?,
                name_cy: row.optional("lhb_name_cy"),
            });
            Ok(())
        },
    )?;

    Ok((boards, board_lines))
}

/// Step 3: each LSOA's local authority (code, English and Welsh names) and health board.
fn read_lsoa_lookup(
    paths: &InputPaths,
    lsoas: &BTreeMap<String, LsoaGeom>,
    board_lines: &HashMap<String, u64>,
) -> Result<HashMap<String, LsoaPlace>, EtlError> {
    let mut lookup: HashMap<String, LsoaPlace> = HashMap::new();
    let mut lookup_lines = HashMap::new();
    read_csv(
        &paths.lookup,
        &["lsoa11cd", "lad_cd", "lad_nm", "lhb_cd"],
        |row| {
            let code = row.required("lsoa11cd")?;
            first_sighting(&mut lookup_lines, row, "lsoa11cd", &code)?;
            if !lsoas.contains_key(&code) {
                return Err(unknown(row, "lsoa11cd", &code, "LSOA code", &paths.lsoa));
            }
            let hb = row.required("lhb_cd")?;
            if !board_lines.contains_key(&hb) {
                return Err(unknown(
                    row,
                    "lhb_cd",
                    &hb,
                    "health board",
                    &paths.health_boards,
                ));
            }
            let la_name = row.required("lad_nm")?;
            let la_name_cy = row.optional("lad_nmw").unwrap_or_else(|| la_name.clone());
            lookup.insert(code, (row.required("lad_cd")?, la_name, la_name_cy, hb));
            Ok(())
        },
    )?;
    require_all(
        lsoas.keys(),
        &lookup,
        &paths.lookup,
        "every LSOA needs a local authority and health board; these LSOAs have no row".into(),
    )?;

    Ok(lookup)
}

/// Step 4: WIMD 2019 ranks, deciles and quintiles, overall and for every domain in
/// [`WIMD_DOMAINS`], each checked against its range.
fn read_wimd(
    paths: &InputPaths,
    lsoas: &BTreeMap<String, LsoaGeom>,
) -> Result<HashMap<String, Map<String, Value>>, EtlError> {
    let n_lsoa = i64::try_from(lsoas.len()).unwrap_or(i64::MAX);
    let mut wimd_columns = vec![
        "lsoa11cd".to_owned(),
        "lsoa_name_wimd".to_owned(),
        "wimd_rank".to_owned(),
        "wimd_decile".to_owned(),
        "wimd_quintile".to_owned(),
        "wimd_quartile".to_owned(),
    ];
    for d in WIMD_DOMAINS {
        for suffix in ["rank", "decile", "quintile"] {
            wimd_columns.push(format!("{}_{suffix}", d.id));
        }
    }
    let required: Vec<&str> = wimd_columns.iter().map(String::as_str).collect();
    let mut wimd: HashMap<String, Map<String, Value>> = HashMap::new();
    let mut wimd_lines = HashMap::new();
    read_csv(&paths.wimd, &required, |row| {
        let code = row.required("lsoa11cd")?;
        first_sighting(&mut wimd_lines, row, "lsoa11cd", &code)?;
        if !lsoas.contains_key(&code) {
            return Err(unknown(row, "lsoa11cd", &code, "LSOA code", &paths.lsoa));
        }
        let mut values = Map::new();
        values.insert("name_wimd".into(), json!(row.required("lsoa_name_wimd")?));
        for column in &required[2..] {
            let range = if column.ends_with("_rank") {
                1..=n_lsoa
            } else if column.ends_with("_decile") {
                1..=10
            } else if column.ends_with("_quintile") {
                1..=5
            } else {
                1..=4
            };
            values.insert((*column).to_owned(), json!(row.int_in(column, range)?));
        }
        wimd.insert(code, values);
        Ok(())
    })?;
    require_all(
        lsoas.keys(),
        &wimd,
        &paths.wimd,
        "every LSOA needs WIMD ranks; these LSOAs have no row".into(),
    )?;

    Ok(wimd)
}

/// The clusters and how LSOAs join them, from step 5.
struct ClusterGeography {
    clusters: Vec<Cluster>,
    /// LSOA code to cluster code, from a lookup (polygons are joined in PostGIS instead).
    assignment: Option<HashMap<String, String>>,
    /// The polygon file and one staging row per polygon.
    polygons: Option<(PathBuf, Vec<Value>)>,
    approximate: bool,
    provenance: String,
}

/// Step 5: the clusters, from a list and an LSOA lookup, or from polygons in any OGR format.
fn read_clusters(
    paths: &InputPaths,
    args: &InputArgs,
    lsoas: &BTreeMap<String, LsoaGeom>,
    board_lines: &HashMap<String, u64>,
) -> Result<ClusterGeography, EtlError> {
    match &paths.clusters {
        ClusterInput::Lookup {
            clusters: list_path,
            lookup: lookup_path,
        } => {
            let mut clusters = Vec::new();
            let mut cluster_lines = HashMap::new();
            read_csv(
                list_path,
                &["cluster_key", "cluster_name_en", "lhb_code"],
                |row| {
                    let code = row.required("cluster_key")?;
                    first_sighting(&mut cluster_lines, row, "cluster_key", &code)?;
                    let hb = row.required("lhb_code")?;
                    if !board_lines.contains_key(&hb) {
                        return Err(unknown(
                            row,
                            "lhb_code",
                            &hb,
                            "health board",
                            &paths.health_boards,
                        ));
                    }
                    clusters.push(Cluster {
                        code,
                        name_en: row.required("cluster_name_en")?,
                        name_cy: row.optional("cluster_name_cy"),
                        hb_code: Some(hb),
                    });
                    Ok(())
                },
            )?;
            let (assignment, approx, methods) =
                read_cluster_lookup(lookup_path, lsoas, &paths.lsoa, &cluster_lines, list_path)?;
            let approximate = approx || args.clusters_approximate;
            let provenance = if approximate {
                format!(
                    "APPROXIMATE: {} (from {}); not the official PHW/Welsh Government LSOA-to-cluster lookup",
                    methods.join("; "),
                    file_name(lookup_path)
                )
            } else {
                format!("LSOA-to-cluster lookup {}", file_name(lookup_path))
            };
            Ok(ClusterGeography {
                clusters,
                assignment: Some(assignment),
                polygons: None,
                approximate,
                provenance,
            })
        }
        ClusterInput::Polygons(path) => {
            let fields = [
                args.cluster_code_field.as_str(),
                args.cluster_name_en_field.as_str(),
                args.cluster_name_cy_field.as_str(),
            ];
            let features = read_polygons(
                path,
                args.cluster_layer.as_deref(),
                &fields,
                &args.cluster_code_field,
                args.extent(),
            )?;
            let mut clusters = Vec::new();
            let mut rows = Vec::new();
            let mut seen: HashMap<String, usize> = HashMap::new();
            for f in features {
                let bad = |field: &str, message: String| EtlError::BadValue {
                    path: path.clone(),
                    at: format!("feature {}", f.index),
                    field: field.to_owned(),
                    message,
                };
                let code = f.attrs[0].clone().ok_or_else(|| {
                    bad(
                        &args.cluster_code_field,
                        "is empty; every cluster needs a code".into(),
                    )
                })?;
                if let Some(first) = seen.insert(code.clone(), f.index) {
                    return Err(bad(
                        &args.cluster_code_field,
                        format!("duplicate code {code} (first seen in feature {first})"),
                    ));
                }
                let name_en = f.attrs[1].clone().ok_or_else(|| {
                    bad(&args.cluster_name_en_field, format!("is empty for {code}"))
                })?;
                rows.push(json!({"code": code, "feature_index": f.index, "wkb": hex(&f.wkb)}));
                clusters.push(Cluster {
                    code,
                    name_en,
                    name_cy: f.attrs[2].clone(),
                    hb_code: None,
                });
            }
            let approximate = args.clusters_approximate;
            let provenance = format!(
                "{}spatial join: each LSOA's point-on-surface in the cluster polygons of {}",
                if approximate { "APPROXIMATE: " } else { "" },
                file_name(path)
            );
            Ok(ClusterGeography {
                clusters,
                assignment: None,
                polygons: Some((path.clone(), rows)),
                approximate,
                provenance,
            })
        }
    }
}

/// Step 6: one JSON row per LSOA with every column of the staging table.
fn lsoa_rows(
    lsoas: BTreeMap<String, LsoaGeom>,
    mut lookup: HashMap<String, LsoaPlace>,
    mut wimd: HashMap<String, Map<String, Value>>,
    geography: &ClusterGeography,
) -> Vec<Value> {
    let mut rows = Vec::with_capacity(lsoas.len());
    for (code, geom) in lsoas {
        let (la_code, la_name_en, la_name_cy, hb_code) = lookup.remove(&code).unwrap_or_default();
        let mut row = wimd.remove(&code).unwrap_or_default();
        let cluster_code = geography
            .assignment
            .as_ref()
            .and_then(|a| a.get(&code).cloned());
        row.extend([
            ("code".into(), json!(code)),
            ("feature_index".into(), json!(geom.index)),
            ("name_cy_fallback".into(), json!(geom.name_cy.is_none())),
            (
                "name_cy".into(),
                json!(geom.name_cy.unwrap_or_else(|| geom.name_en.clone())),
            ),
            ("name_en".into(), json!(geom.name_en)),
            ("la_code".into(), json!(la_code)),
            ("la_name_en".into(), json!(la_name_en)),
            ("la_name_cy".into(), json!(la_name_cy)),
            ("hb_code".into(), json!(hb_code)),
            ("cluster_code".into(), json!(cluster_code)),
            ("cluster_provenance".into(), json!(geography.provenance)),
            ("wkb".into(), json!(hex(&geom.wkb))),
        ]);
        rows.push(Value::Object(row));
    }

    rows
}

/// What was read, for the load report: each input's path and size.
fn describe_inputs(paths: &InputPaths) -> Value {
    let describe = |p: &Path| json!({"path": p.display().to_string(), "bytes": std::fs::metadata(p).map(|m| m.len()).ok()});
    let mut inputs = json!({
        "lsoa": describe(&paths.lsoa),
        "wimd": describe(&paths.wimd),
        "lookup": describe(&paths.lookup),
        "health_boards": describe(&paths.health_boards),
    });
    match &paths.clusters {
        ClusterInput::Lookup { clusters, lookup } => {
            inputs["clusters"] = describe(clusters);
            inputs["cluster_lookup"] = describe(lookup);
        }
        ClusterInput::Polygons(p) => inputs["cluster_polygons"] = describe(p),
    }
    let indicator_paths = &paths.indicators;
    inputs["indicators"] = describe(&indicator_paths.catalogue);
    inputs["qof"] = describe(&indicator_paths.qof);
    if let Some(p) = &indicator_paths.qof_counts {
        inputs["qof_counts"] = describe(p);
    }
    inputs["deprivation"] = describe(&indicator_paths.deprivation);
    if let Some(p) = &indicator_paths.extra_catalogue {
        inputs["extra_indicators"] = describe(p);
    }
    if let Some(p) = &indicator_paths.extra_values {
        inputs["extra_indicator_values"] = describe(p);
    }
    let pop = &paths.population;
    inputs["population_bands"] = describe(&pop.bands);
    inputs["population_single_years"] = describe(&pop.single_years);
    inputs["population_sex_age_2024"] = describe(&pop.sex_age_2024);
    inputs["lsoa21_lookup"] = describe(&pop.lsoa21_lookup);
    inputs["wimd_indicators"] = describe(&paths.wimd_indicators);
    inputs["lsoa21"] = super::lsoa21::describe(&paths.lsoa21, describe);
    inputs
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

type Assignment = (HashMap<String, String>, bool, Vec<String>);

/// Reads an LSOA → cluster lookup. Approximate when any `method` value says APPROX.
fn read_cluster_lookup(
    path: &Path,
    lsoas: &BTreeMap<String, LsoaGeom>,
    lsoa_path: &Path,
    clusters: &HashMap<String, u64>,
    cluster_path: &Path,
) -> Result<Assignment, EtlError> {
    // The bundled file calls the column cluster_2024_key; the documented format is cluster_key.
    let header = {
        let mut r = csv::Reader::from_path(path).map_err(|e| EtlError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        r.headers()
            .map(|h| h.iter().map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let key_column = if header.iter().any(|h| h == "cluster_key")
        || !header.iter().any(|h| h == "cluster_2024_key")
    {
        "cluster_key"
    } else {
        "cluster_2024_key"
    };
    let mut assignment = HashMap::new();
    let mut lines = HashMap::new();
    let mut approximate = false;
    let mut methods: Vec<String> = Vec::new();
    read_csv(path, &["lsoa11cd", key_column], |row| {
        let code = row.required("lsoa11cd")?;
        first_sighting(&mut lines, row, "lsoa11cd", &code)?;
        if !lsoas.contains_key(&code) {
            return Err(unknown(row, "lsoa11cd", &code, "LSOA code", lsoa_path));
        }
        let cluster = row.required(key_column)?;
        if !clusters.contains_key(&cluster) {
            return Err(unknown(row, key_column, &cluster, "cluster", cluster_path));
        }
        if let Some(method) = row.optional("method") {
            approximate |= method.to_ascii_uppercase().contains("APPROX");
            if !methods.contains(&method) {
                methods.push(method);
            }
        }
        assignment.insert(code, cluster);
        Ok(())
    })?;
    require_all(
        lsoas.keys(),
        &assignment,
        path,
        "every LSOA needs a cluster; these LSOAs have no row".into(),
    )?;
    if methods.is_empty() {
        methods.push("lookup".into());
    }
    Ok((assignment, approximate, methods))
}
