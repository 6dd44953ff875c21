//! Matches the bundled indicator tables' cluster keys to loaded cluster polygons (by code,
//! a crosswalk, then name), so official geography keeps the bundled values.
//!
//! The bundled tables key clusters by a local `cluster_key` (`7A1:anglesey`) while official
//! polygons carry their own codes. Without a match every bundled cluster value would be
//! dropped, so each bundled key is matched, in order of trust:
//!
//! 1. **code**: the key equals a loaded cluster code;
//! 2. **crosswalk**: a row of `--cluster-crosswalk` (CSV `bundled_key,cluster_code`; other
//!    columns are ignored, so a name column may be kept for people);
//! 3. **name**: the bundled English name equals a loaded English name once case, spaces,
//!    punctuation and slashes are ignored and `&` reads as `and`; only a one-to-one match
//!    counts, never a guess between two candidates.
//!
//! The crosswalk wins over a name match because it is the user's explicit word. The bundled
//! values are then rewritten to the matched codes; values of unmatched keys make the load
//! fail (in the transaction, after the spatial join) unless `--allow-unmatched` is given.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use super::cluster::Cluster;
use super::csv_input::read_csv;
use super::error::EtlError;
use super::indicators::{AreaLevel, ValueRow};

/// How a bundled cluster key found its loaded cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchMethod {
    /// The key is a loaded cluster code.
    Code,
    /// A crosswalk row.
    Crosswalk,
    /// The normalised English names are equal.
    Name,
    /// No match: the key's values are refused, or skipped with `--allow-unmatched`.
    Unmatched,
}

impl MatchMethod {
    fn as_str(self) -> &'static str {
        match self {
            MatchMethod::Code => "code",
            MatchMethod::Crosswalk => "crosswalk",
            MatchMethod::Name => "name",
            MatchMethod::Unmatched => "unmatched",
        }
    }
}

/// One row of the match table: a bundled cluster and the loaded cluster it matched.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterMatch {
    /// The bundled `cluster_key`.
    pub bundled_key: String,
    /// Its English name in the bundled cluster list (empty if the list lacks the key).
    pub bundled_name: String,
    /// The loaded cluster code, when matched.
    pub cluster_code: Option<String>,
    /// The loaded cluster's English name, when matched.
    pub cluster_name: Option<String>,
    /// How it matched.
    pub method: MatchMethod,
    /// Bundled cluster-level values carried by this key.
    pub values: usize,
}

/// The name as compared: lower case, `&` as `and`, letters and digits only.
pub fn normalise_name(name: &str) -> String {
    name.to_lowercase()
        .replace('&', "and")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Matches the bundled keys (from `bundled_list`, the bundled cluster CSV, and any key the
/// bundled values use) to `loaded`, checks `crosswalk`, and rewrites the bundled values'
/// cluster codes. Returns the match table, sorted by bundled key.
pub fn match_bundled_clusters(
    bundled_list: &Path,
    crosswalk: Option<&Path>,
    polygons: &Path,
    loaded: &[Cluster],
    values: &mut [ValueRow],
) -> Result<Vec<ClusterMatch>, EtlError> {
    // Bundled key → English name, as the bundled tables know them.
    let mut bundled: BTreeMap<String, String> = BTreeMap::new();
    read_csv(bundled_list, &["cluster_key", "cluster_name_en"], |row| {
        bundled.insert(
            row.required("cluster_key")?,
            row.text("cluster_name_en").to_owned(),
        );
        Ok(())
    })?;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for v in values.iter().filter(|v| is_bundled_cluster(v)) {
        *counts.entry(v.area_code.clone()).or_default() += 1;
        bundled.entry(v.area_code.clone()).or_default();
    }
    let loaded_names: HashMap<&str, &str> = loaded
        .iter()
        .map(|c| (c.code.as_str(), c.name_en.as_str()))
        .collect();

    // bundled key → (loaded code, method); loaded code → the key that holds it and how.
    let mut matched: HashMap<String, (String, MatchMethod)> = HashMap::new();
    let mut taken: HashMap<String, String> = HashMap::new();
    for key in bundled.keys() {
        if loaded_names.contains_key(key.as_str()) {
            matched.insert(key.clone(), (key.clone(), MatchMethod::Code));
            taken.insert(key.clone(), "by code".to_owned());
        }
    }
    if let Some(path) = crosswalk {
        read_crosswalk(
            path,
            polygons,
            bundled_list,
            &bundled,
            &loaded_names,
            &mut matched,
            &mut taken,
        )?;
    }
    match_by_name(&bundled, loaded, &mut matched, &mut taken);

    for v in values.iter_mut().filter(|v| is_bundled_cluster(v)) {
        if let Some((code, _)) = matched.get(&v.area_code) {
            v.area_code.clone_from(code);
        }
    }
    Ok(bundled
        .into_iter()
        .map(|(key, bundled_name)| {
            let hit = matched.get(&key);
            ClusterMatch {
                values: counts.get(&key).copied().unwrap_or(0),
                cluster_code: hit.map(|(c, _)| c.clone()),
                cluster_name: hit
                    .and_then(|(c, _)| loaded_names.get(c.as_str()))
                    .map(|n| (*n).to_owned()),
                method: hit.map_or(MatchMethod::Unmatched, |(_, m)| *m),
                bundled_key: key,
                bundled_name,
            }
        })
        .collect())
}

/// Bundled (not user-supplied) cluster-level values, the ones keyed by local keys.
fn is_bundled_cluster(v: &ValueRow) -> bool {
    !v.strict && v.level == AreaLevel::Cluster
}

/// Reads `bundled_key,cluster_code` rows; every failure names the file, line and field.
fn read_crosswalk(
    path: &Path,
    polygons: &Path,
    bundled_list: &Path,
    bundled: &BTreeMap<String, String>,
    loaded: &HashMap<&str, &str>,
    matched: &mut HashMap<String, (String, MatchMethod)>,
    taken: &mut HashMap<String, String>,
) -> Result<(), EtlError> {
    read_csv(path, &["bundled_key", "cluster_code"], |row| {
        let key = row.required("bundled_key")?;
        let code = row.required("cluster_code")?;
        if !bundled.contains_key(&key) {
            return Err(row.error(
                "bundled_key",
                format!(
                    "unknown bundled cluster `{key}`: it is not in {}",
                    bundled_list.display()
                ),
            ));
        }
        if !loaded.contains_key(code.as_str()) {
            return Err(row.error(
                "cluster_code",
                format!(
                    "unknown cluster `{code}`: it is not in {}",
                    polygons.display()
                ),
            ));
        }
        if let Some((other, how)) = matched.get(&key) {
            if *other == code {
                return Ok(());
            }
            let how = if *how == MatchMethod::Code {
                "by code".to_owned()
            } else {
                taken.get(other).cloned().unwrap_or_default()
            };
            return Err(row.error(
                "bundled_key",
                format!("`{key}` maps to two clusters: `{other}` ({how}) and `{code}`"),
            ));
        }
        if let Some(holder) = taken.get(&code) {
            return Err(row.error(
                "cluster_code",
                format!("cluster `{code}` is already matched ({holder}); a cluster takes one bundled key"),
            ));
        }
        matched.insert(key.clone(), (code.clone(), MatchMethod::Crosswalk));
        taken.insert(code, format!("to `{key}` on line {}", row.line()));
        Ok(())
    })?;
    Ok(())
}

/// Name matches, one to one only: a normalised name shared by two bundled keys or two
/// loaded clusters, or a loaded cluster already matched, is left for the crosswalk.
fn match_by_name(
    bundled: &BTreeMap<String, String>,
    loaded: &[Cluster],
    matched: &mut HashMap<String, (String, MatchMethod)>,
    taken: &mut HashMap<String, String>,
) {
    let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
    for c in loaded {
        by_name
            .entry(normalise_name(&c.name_en))
            .or_default()
            .push(&c.code);
    }
    let mut bundled_by_name: HashMap<String, usize> = HashMap::new();
    for name in bundled.values().filter(|n| !n.is_empty()) {
        *bundled_by_name.entry(normalise_name(name)).or_default() += 1;
    }
    for (key, name) in bundled {
        if name.is_empty() || matched.contains_key(key) {
            continue;
        }
        let norm = normalise_name(name);
        if let (Some([code]), Some(1)) = (
            by_name.get(&norm).map(Vec::as_slice),
            bundled_by_name.get(&norm),
        ) {
            if !taken.contains_key(*code) {
                matched.insert(key.clone(), ((*code).to_owned(), MatchMethod::Name));
                taken.insert((*code).to_owned(), format!("to `{key}` by name"));
            }
        }
    }
}

/// Bundled keys whose values would be dropped: unmatched, or matched to a cluster that got
/// no LSOAs (and so is not stored). Each as `key (name, N values)`.
pub fn dropped(matches: &[ClusterMatch], clusters_without_lsoas: &[String]) -> Vec<String> {
    matches
        .iter()
        .filter(|m| m.values > 0)
        .filter_map(|m| match &m.cluster_code {
            None => Some(format!(
                "{} ({}, {} values)",
                m.bundled_key, m.bundled_name, m.values
            )),
            Some(c) if clusters_without_lsoas.contains(c) => Some(format!(
                "{} ({}, {} values: its cluster {c} has no LSOAs)",
                m.bundled_key, m.bundled_name, m.values
            )),
            Some(_) => None,
        })
        .collect()
}

/// The match table as text, one row per bundled cluster, for stderr.
pub fn table(matches: &[ClusterMatch]) -> String {
    let width = matches
        .iter()
        .map(|m| m.bundled_key.len())
        .max()
        .unwrap_or(0)
        .max(11);
    let mut out = format!(
        "{:<width$}  {:<9}  {:>6}  cluster\n",
        "bundled_key", "method", "values"
    );
    for m in matches {
        out.push_str(&format!(
            "{:<width$}  {:<9}  {:>6}  {}\n",
            m.bundled_key,
            m.method.as_str(),
            m.values,
            match (&m.cluster_code, &m.cluster_name) {
                (Some(c), Some(n)) => format!("{c} ({n})"),
                (Some(c), None) => c.clone(),
                _ => "-".to_owned(),
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalise_name;

    #[test]
    fn names_match_across_case_punctuation_ampersands_and_slashes() {
        assert_eq!(
            normalise_name("North & West Wrexham"),
            normalise_name("north and west wrexham")
        );
        assert_eq!(normalise_name("Taf / Tywi"), normalise_name("Taf/Tywi"));
        assert_eq!(
            normalise_name("CITY & CARDIFF SOUTH."),
            normalise_name("City and Cardiff South")
        );
        assert_ne!(normalise_name("Arfon"), normalise_name("Anglesey"));
    }
}
