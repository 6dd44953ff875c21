//! Request parameters, validated against the catalogue: the value types every route family
//! shares (language, confidence level, classification, WIMD domain and edition, tile
//! encoding) and the request types they make up, declared once with [`crate::query_request!`]
//! (see `request`), plus the normalised query strings used in URLs and cache keys.
//!
//! A value is checked where the query is read, before anything else happens; what needs
//! the loaded data (is this an indicator id, a period of it?) is checked against the
//! catalogue snapshot by the methods here, with the same JSON 400s.

pub(crate) mod request;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{json, Value};

use crate::catalog::indicators::{Indicator, IndicatorCatalog, Lang};
use crate::catalog::{wimd_domain, WimdVintage, WIMD_DOMAINS, WIMD_OVERALL};
use crate::classify::{Method, MAX_CLASSES, MIN_CLASSES};
use crate::error::{AppError, TileError};
use crate::palette;

pub use crate::error::ParamError;
pub use request::{Params, QueryRequest, QueryValue, RawQuery, StrictParams};

/// A value as shown back in an error: its first `n` characters.
pub(crate) fn shorten(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn unknown(param: &'static str, value: &str, allowed: Vec<String>) -> ParamError {
    ParamError::Unknown {
        param,
        value: shorten(value, 64),
        allowed,
    }
}

/// Path segments as an extractor whose rejection (a segment that is not what the route
/// expects) is a JSON 400 rather than axum's plain text.
pub struct PathParams<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParams<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(t)) => Ok(PathParams(t)),
            Err(e) => Err(TileError::BadPath(e.body_text()).into()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Value types: how each parameter is read and documented.
// ---------------------------------------------------------------------------------------

/// The tile encoding a request asks for with `encoding=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TileEncoding {
    /// Mapbox Vector Tile (the default).
    #[default]
    Mvt,
    /// MapLibre Tile.
    Mlt,
}

impl TileEncoding {
    /// The value of `encoding=` (and of TileJSON's and a style source's `encoding`).
    pub fn as_str(self) -> &'static str {
        match self {
            TileEncoding::Mvt => "mvt",
            TileEncoding::Mlt => "mlt",
        }
    }
}

impl QueryValue for TileEncoding {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None | Some("mvt") => Ok(TileEncoding::Mvt),
            Some("mlt") => Ok(TileEncoding::Mlt),
            Some(other) => Err(unknown(name, other, vec!["mvt".into(), "mlt".into()])),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": ["mvt", "mlt"], "default": "mvt"})
    }
}

impl QueryValue for Lang {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(Lang::En),
            Some(v) => {
                Lang::parse(v).ok_or_else(|| unknown(name, v, vec!["en".into(), "cy".into()]))
            }
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": ["en", "cy"]})
    }
}

/// `bom` for CSV downloads: `true` (default: a UTF-8 byte order mark, so Excel opens the
/// file as UTF-8) or `false` (for scripts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bom(pub bool);

impl QueryValue for Bom {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None | Some("true") => Ok(Bom(true)),
            Some("false") => Ok(Bom(false)),
            Some(v) => Err(unknown(name, v, vec!["true".into(), "false".into()])),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": ["true", "false"], "default": "true"})
    }
}

/// A WIMD domain id (`overall` by default), for the deprivation map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainId(pub &'static str);

impl QueryValue for DomainId {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(DomainId(WIMD_OVERALL.id)),
            Some(v) => wimd_domain(v).map(|d| DomainId(d.id)).ok_or_else(|| {
                unknown(
                    name,
                    v,
                    std::iter::once(&WIMD_OVERALL)
                        .chain(WIMD_DOMAINS.iter())
                        .map(|d| d.id.to_owned())
                        .collect(),
                )
            }),
        }
    }
    fn schema() -> Value {
        let ids: Vec<&str> = std::iter::once(&WIMD_OVERALL)
            .chain(WIMD_DOMAINS.iter())
            .map(|d| d.id)
            .collect();
        json!({"type": "string", "enum": ids, "default": "overall"})
    }
}

impl QueryValue for WimdVintage {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        let v = value.unwrap_or_default();
        WimdVintage::parse(v).ok_or_else(|| {
            unknown(
                name,
                v,
                WimdVintage::ALL.map(|v| v.as_str().to_owned()).to_vec(),
            )
        })
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": WimdVintage::ALL.map(|v| v.as_str())})
    }
}

/// The WIMD edition of a deprivation map: `2025` (WIMD 2025 on 2021 LSOAs, the current
/// index) or `2019` (WIMD 2019 on 2011 LSOAs, with its eight domains). Without one, the
/// overall index is 2025's and a domain 2019's (WIMD 2025's domain ranks are not
/// available); a domain with `vintage=2025` is a 400 that says so.
pub fn wimd_vintage(given: Option<WimdVintage>, domain: &str) -> Result<WimdVintage, ParamError> {
    let overall = domain == WIMD_OVERALL.id;
    let vintage = match given {
        None if overall => WimdVintage::Wimd2025,
        None => WimdVintage::Wimd2019,
        Some(v) => v,
    };
    if vintage == WimdVintage::Wimd2025 && !overall {
        return Err(ParamError::Invalid {
            param: "vintage",
            value: vintage.as_str().to_owned(),
            expected: format!(
                "WIMD 2025 has the overall index only (its domain ranks are not available here); \
                 the {domain} domain is WIMD 2019's: use vintage=2019, or domain=overall"
            ),
        });
    }
    Ok(vintage)
}

pub use crate::significance::{Benchmark, ConfidenceLevel};

impl QueryValue for ConfidenceLevel {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(ConfidenceLevel::default()),
            Some(v) => ConfidenceLevel::parse(v).ok_or_else(|| {
                unknown(
                    name,
                    v,
                    ConfidenceLevel::ALL
                        .iter()
                        .map(|l| l.as_str().to_owned())
                        .collect(),
                )
            }),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": ["95", "99.8"], "default": "95"})
    }
}

impl QueryValue for Benchmark {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None | Some("wales") => Ok(Benchmark::Wales),
            Some("hb") => Ok(Benchmark::HealthBoard),
            Some(v) => Err(unknown(name, v, vec!["wales".into(), "hb".into()])),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": ["wales", "hb"], "default": "wales"})
    }
}

impl QueryValue for Method {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(Method::Quantile),
            Some(m) => Method::parse(m).ok_or_else(|| {
                unknown(
                    name,
                    m,
                    Method::ALL.iter().map(|m| m.as_str().to_owned()).collect(),
                )
            }),
        }
    }
    fn schema() -> Value {
        let methods: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
        json!({"type": "string", "enum": methods, "default": "quantile"})
    }
}

/// `classes`: how many classes, 3 to 9 (default 5; with `method=manual` the breaks set it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassCount(pub usize);

impl QueryValue for ClassCount {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(ClassCount(DEFAULT_CLASSES)),
            Some(c) => c
                .parse::<usize>()
                .ok()
                .filter(|c| (MIN_CLASSES..=MAX_CLASSES).contains(c))
                .map(ClassCount)
                .ok_or_else(|| {
                    unknown(
                        name,
                        c,
                        (MIN_CLASSES..=MAX_CLASSES).map(|c| c.to_string()).collect(),
                    )
                }),
        }
    }
    fn schema() -> Value {
        json!({"type": "integer", "minimum": MIN_CLASSES, "maximum": MAX_CLASSES, "default": DEFAULT_CLASSES})
    }
}

/// `breaks`: the inner class breaks of `method=manual`, increasing.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualBreaks(pub Vec<f64>);

impl ManualBreaks {
    fn expected() -> String {
        format!(
            "{} to {} increasing numbers separated by commas, e.g. breaks=5,10,15,20",
            MIN_CLASSES - 1,
            MAX_CLASSES - 1
        )
    }
}

impl QueryValue for ManualBreaks {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        let b = value.unwrap_or_default();
        b.split(',')
            .map(|x| x.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<Vec<f64>>>()
            .filter(|v| {
                (MIN_CLASSES - 1..MAX_CLASSES).contains(&v.len())
                    && v.windows(2).all(|w| w[0] < w[1])
            })
            .map(ManualBreaks)
            .ok_or_else(|| ParamError::Invalid {
                param: name,
                value: shorten(b, 64),
                expected: ManualBreaks::expected(),
            })
    }
    fn schema() -> Value {
        let breaks = MIN_CLASSES - 1..MAX_CLASSES;
        json!({"type": "string", "pattern": format!(
            "^-?[0-9]{{1,9}}(\\.[0-9]{{1,6}})?(,-?[0-9]{{1,9}}(\\.[0-9]{{1,6}})?){{{},{}}}$",
            breaks.start - 1,
            breaks.end - 2
        )})
    }
}

/// `palette`: a ColorBrewer sequential scheme (default YlGnBu).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaletteName(pub &'static str);

impl QueryValue for PaletteName {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(PaletteName(palette::DEFAULT_SEQUENTIAL)),
            Some(p) => palette::sequential_name(p)
                .map(PaletteName)
                .ok_or_else(|| unknown(name, p, palette::sequential_names())),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": palette::sequential_names(), "default": palette::DEFAULT_SEQUENTIAL})
    }
}

/// `indicator` where a request must name one: documented as required, and refused with the
/// list of indicator ids (which needs the catalogue, so the check is
/// [`IndicatorChoice::resolve`]'s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorId(pub Option<String>);

impl QueryValue for IndicatorId {
    fn from_query(_: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        Ok(IndicatorId(value.map(str::to_owned)))
    }
    fn schema() -> Value {
        json!({"type": "string"})
    }
    fn required() -> bool {
        true
    }
}

impl QueryValue for crate::cql2::FilterLang {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(crate::cql2::FilterLang::Text),
            Some(l) => crate::cql2::FilterLang::parse(l).ok_or_else(|| ParamError::Unknown {
                param: name,
                value: l.chars().take(32).collect(),
                allowed: crate::cql2::FilterLang::ALL.map(String::from).to_vec(),
            }),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": crate::cql2::FilterLang::ALL, "default": "cql2-text"})
    }
}

/// A CQL2 filter's text, as given (compiled against a collection's queryables by `cql2`,
/// which also enforces the length and depth limits with its own errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterText(pub String);

impl QueryValue for FilterText {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        String::from_query(name, value).map(FilterText)
    }
    fn schema() -> Value {
        json!({"type": "string", "maxLength": crate::cql2::MAX_LENGTH})
    }
}

crate::query_request! {
    /// A CQL2 filter and its language (Features Part 3; tiles take the same two).
    pub struct FilterQuery {
        /// CQL2 filter on the collection's queryables (see
        /// /collections/{collectionId}/queryables): comparisons, AND/OR/NOT, LIKE, BETWEEN,
        /// IN, IS NULL, S_INTERSECTS(geometry, POINT|BBOX|POLYGON in CRS84), e.g.
        /// wimd_quintile = 1 AND hb_code = 'W11000028'. On tiles it applies to the lsoa and
        /// clusters layers (health boards are drawn unfiltered). Its length is limited by
        /// the schema's maxLength, its nesting to 16 levels.
        filter: Option<FilterText> = "filter",
        /// Language of filter: cql2-text (default) or cql2-json
        lang: crate::cql2::FilterLang = "filter-lang",
    }
}

// ---------------------------------------------------------------------------------------
// Request types shared by several route families.
// ---------------------------------------------------------------------------------------

crate::query_request! {
    /// `?lang=`: the whole query of `/indicators`, and part of most others.
    pub struct LangQuery {
        /// Language of labels: en (default) or cy
        lang: Lang = "lang",
    }
}

crate::query_request! {
    /// `?lang=&level=`: profiles.
    pub struct LangLevelQuery {
        /// Language of labels: en (default) or cy
        lang: Lang = "lang",
        /// Confidence level of intervals and significance: 95 (default) or 99.8
        level: ConfidenceLevel = "level",
    }
}

crate::query_request! {
    /// A choropleth's classification: `method`, `classes`, `breaks`, `palette`, `level`.
    pub struct ClassificationQuery {
        /// Classification method (default quantile). `manual` requires `breaks`.
        method: Method = "method",
        /// Number of classes (ignored with method=manual, whose breaks set it)
        classes: ClassCount = "classes",
        /// Only with method=manual (required there, a 400 with any other method): 2 to 8
        /// increasing numbers, comma-separated, e.g. 5,10,15,20
        breaks: Option<ManualBreaks> = "breaks",
        /// ColorBrewer sequential scheme (default YlGnBu)
        palette: PaletteName = "palette",
        /// Confidence level of intervals and significance: 95 (default) or 99.8
        level: ConfidenceLevel = "level",
    }
    check = ClassificationQuery::check;
}

impl ClassificationQuery {
    /// `breaks` goes with `method=manual`, and only with it.
    fn check(&self) -> Result<(), ParamError> {
        match (&self.breaks, self.method) {
            (None, Method::Manual) => Err(ParamError::Missing {
                param: "breaks",
                allowed: vec![
                    "increasing numbers separated by commas, e.g. breaks=5,10,15,20".into(),
                ],
            }),
            (Some(b), m) if m != Method::Manual => Err(ParamError::Invalid {
                param: "breaks",
                value: shorten(
                    &b.0.iter().map(f64::to_string).collect::<Vec<_>>().join(","),
                    64,
                ),
                expected: "breaks only go with method=manual".into(),
            }),
            _ => Ok(()),
        }
    }

    /// The classification asked for.
    pub fn classification(&self) -> Classification {
        let manual = self
            .breaks
            .as_ref()
            .map(|b| b.0.clone())
            .unwrap_or_default();
        Classification {
            method: self.method,
            classes: if self.method == Method::Manual {
                manual.len() + 1
            } else {
                self.classes.0
            },
            manual,
            palette: self.palette.0,
            level: self.level,
        }
    }
}

impl Default for ClassificationQuery {
    fn default() -> Self {
        ClassificationQuery {
            method: Method::Quantile,
            classes: ClassCount(DEFAULT_CLASSES),
            breaks: None,
            palette: PaletteName(palette::DEFAULT_SEQUENTIAL),
            level: ConfidenceLevel::default(),
        }
    }
}

crate::query_request! {
    /// `indicator` (required) and `period`.
    pub struct IndicatorChoice {
        /// Indicator id (see /indicators)
        indicator: IndicatorId = "indicator",
        /// Period (default: the indicator's newest). It must be one of the indicator's own
        /// periods (listed in /indicators); another is a 400.
        period: Option<String> = "period",
    }
}

impl IndicatorChoice {
    /// The indicator and period, checked against the catalogue.
    pub fn resolve<'a>(
        &self,
        catalog: &'a IndicatorCatalog,
    ) -> Result<IndicatorPeriod<'a>, ParamError> {
        let id = self
            .indicator
            .0
            .as_deref()
            .ok_or_else(|| ParamError::Missing {
                param: "indicator",
                allowed: catalog.indicators.iter().map(|i| i.id.clone()).collect(),
            })?;
        indicator_by_id(id, self.period.as_deref(), catalog)
    }
}

crate::query_request! {
    /// An indicator map's options where the indicator is optional (tiles, TileJSON, items,
    /// downloads): `indicator`, `period` and the classification.
    pub struct IndicatorOptions {
        /// Indicator id (see /indicators): colour (tiles) or carry (items) its values
        indicator: Option<String> = "indicator",
        /// Period (default: the indicator's newest). It must be one of the indicator's own
        /// periods (listed in /indicators); another is a 400.
        period: Option<String> = "period",
        /// The parameters of [`ClassificationQuery`].
        classification: ClassificationQuery = flatten,
    }
}

impl IndicatorOptions {
    /// The indicator asked for, checked against the catalogue; `None` without one, when the
    /// other options must still make sense (a `period` of no indicator would otherwise be
    /// ignored without a word).
    pub fn resolve<'a>(
        &self,
        catalog: &'a IndicatorCatalog,
    ) -> Result<Option<IndicatorPeriod<'a>>, ParamError> {
        match &self.indicator {
            Some(id) => indicator_by_id(id, self.period.as_deref(), catalog).map(Some),
            None => {
                if let Some(p) = &self.period {
                    if !catalog.indicators.iter().any(|i| i.periods.contains(p)) {
                        return Err(unknown("period", p, catalog.all_periods()));
                    }
                }
                Ok(None)
            }
        }
    }

    /// The classification asked for.
    pub fn classification(&self) -> Classification {
        self.classification.classification()
    }
}

crate::query_request! {
    /// The deprivation map's options: `lang`, `domain` and `vintage`.
    pub struct DeprivationQuery {
        /// Language of labels: en (default) or cy
        lang: Lang = "lang",
        /// WIMD domain (default overall)
        domain: DomainId = "domain",
        /// WIMD edition: 2025 (2021 LSOAs, the current index: overall index only; domains
        /// are 2019) or 2019 (2011 LSOAs, overall and eight domains). Default: 2025 for the
        /// overall index, 2019 for a domain
        vintage: Option<WimdVintage> = "vintage",
    }
    check = DeprivationQuery::check;
}

impl DeprivationQuery {
    fn check(&self) -> Result<(), ParamError> {
        wimd_vintage(self.vintage, self.domain.0).map(|_| ())
    }

    /// The edition asked for, or the domain's default.
    pub fn wimd_vintage(&self) -> WimdVintage {
        wimd_vintage(self.vintage, self.domain.0).unwrap_or_default()
    }
}

/// The output format of a download: the path segment's extension (`copd.csv`), overridden by
/// `format=`; `formats` lists the extensions with what they mean, the first being the
/// default. Returns the segment without its extension, and the format.
pub fn output_format<F: Copy>(
    segment: &str,
    format: Option<&str>,
    formats: &[(&'static str, F)],
) -> Result<(String, F), ParamError> {
    let (stem, from_ext) = formats
        .iter()
        .find_map(|(ext, f)| {
            segment
                .strip_suffix(ext)
                .and_then(|s| s.strip_suffix('.'))
                .map(|s| (s.to_owned(), *f))
        })
        .unwrap_or((segment.to_owned(), formats[0].1));
    let format = match format {
        None => from_ext,
        Some(v) => formats
            .iter()
            .find(|(ext, _)| *ext == v)
            .map(|(_, f)| *f)
            .ok_or_else(|| ParamError::Unknown {
                param: "format",
                value: v.chars().take(32).collect(),
                allowed: formats.iter().map(|(e, _)| (*e).to_owned()).collect(),
            })?,
    };
    Ok((stem, format))
}

/// Which indicator and period.
#[derive(Debug, Clone)]
pub struct IndicatorPeriod<'a> {
    /// The indicator.
    pub indicator: &'a Indicator,
    /// The period (the newest when not given).
    pub period: String,
}

impl IndicatorPeriod<'_> {
    /// The indicator's classes under `c`: computed once per snapshot and classification,
    /// and shared by tiles, styles, legends, the SLD and `/data` (data, not styling, so it
    /// lives with the snapshot, not with cartography).
    pub fn classify(
        &self,
        snapshot: &crate::catalog::snapshot::Snapshot,
        c: &Classification,
    ) -> Result<std::sync::Arc<crate::catalog::snapshot::Choropleth>, crate::error::StyleError>
    {
        snapshot
            .choropleth(
                &self.indicator.id,
                &self.period,
                c.method,
                c.classes,
                &c.manual,
            )
            .map_err(|source| crate::error::StyleError::Classify {
                indicator: self.indicator.id.clone(),
                period: self.period.clone(),
                source,
            })
    }
}

/// The indicator `id` (from a path or a query) and `period` (default: newest), checked
/// against the catalogue.
pub fn indicator_by_id<'a>(
    id: &str,
    period: Option<&str>,
    catalog: &'a IndicatorCatalog,
) -> Result<IndicatorPeriod<'a>, ParamError> {
    let indicator = catalog.indicator(id).ok_or_else(|| {
        unknown(
            "indicator",
            id,
            catalog.indicators.iter().map(|i| i.id.clone()).collect(),
        )
    })?;
    let period = match period {
        None => indicator.latest_period().to_owned(),
        Some(p) if indicator.periods.iter().any(|x| x == p) => p.to_owned(),
        Some(p) => return Err(unknown("period", p, indicator.periods.clone())),
    };
    Ok(IndicatorPeriod { indicator, period })
}

/// A classification request: method, classes, manual breaks, palette.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// Method (default quantile).
    pub method: Method,
    /// Classes asked for (default 5).
    pub classes: usize,
    /// Inner breaks for `method=manual`.
    pub manual: Vec<f64>,
    /// ColorBrewer sequential scheme.
    pub palette: &'static str,
    /// Confidence level of the intervals and flags (`level`, default 95).
    pub level: ConfidenceLevel,
}

/// Default number of classes.
pub const DEFAULT_CLASSES: usize = 5;

/// The normalised query string of an indicator classification, for URLs and cache keys.
pub fn indicator_query(ip: &IndicatorPeriod<'_>, c: &Classification) -> String {
    let mut s = format!(
        "indicator={}&period={}&method={}",
        ip.indicator.id,
        ip.period,
        c.method.as_str()
    );
    if c.method == Method::Manual {
        let breaks: Vec<String> = c.manual.iter().map(f64::to_string).collect();
        s.push_str(&format!("&breaks={}", breaks.join(",")));
    } else {
        s.push_str(&format!("&classes={}", c.classes));
    }
    // Only a non-default level is written, so 95% URLs and keys stay as they were while
    // 99.8% tiles never share a cache entry with them.
    if c.level != ConfidenceLevel::default() {
        s.push_str(&format!("&level={}", c.level.as_str()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> RawQuery {
        RawQuery::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn tile_encoding_is_mvt_unless_asked_and_refuses_other_names() {
        let e = |v: Option<&str>| TileEncoding::from_query("encoding", v);
        assert_eq!(e(None).unwrap(), TileEncoding::Mvt);
        assert_eq!(e(Some("mvt")).unwrap(), TileEncoding::Mvt);
        assert_eq!(e(Some("mlt")).unwrap(), TileEncoding::Mlt);
        assert!(e(Some("MLT")).is_err());
        assert!(e(Some("pbf")).is_err());
    }

    fn classification(pairs: &[(&str, &str)]) -> Result<Classification, ParamError> {
        q(pairs)
            .parse::<ClassificationQuery>()
            .map(|c| c.classification())
    }

    #[test]
    fn classification_defaults_and_checks() {
        let c = classification(&[]).unwrap();
        assert_eq!(
            (c.method, c.classes, c.palette),
            (Method::Quantile, 5, palette::DEFAULT_SEQUENTIAL)
        );
        let c = classification(&[("method", "manual"), ("breaks", "1,2.5,4")]).unwrap();
        assert_eq!((c.classes, c.manual.clone()), (4, vec![1.0, 2.5, 4.0]));
        for bad in [
            &[("method", "kmeans")][..],
            &[("classes", "2")],
            &[("classes", "10")],
            &[("classes", "five")],
            &[("palette", "Rainbow")],
            &[("method", "manual")],
            &[("method", "manual"), ("breaks", "3,2")],
            &[("method", "manual"), ("breaks", "1,x")],
            &[("breaks", "1,2")],
            &[("level", "99")],
        ] {
            assert!(classification(bad).is_err(), "{bad:?}");
        }
        let e = classification(&[("method", "kmeans")]).unwrap_err();
        assert!(e.allowed().unwrap().contains(&"fisher_jenks".to_owned()));
    }

    #[test]
    fn lang_domain_vintage_benchmark_and_level() {
        assert_eq!(
            q(&[("lang", "cy")]).parse::<LangQuery>().unwrap().lang,
            Lang::Cy
        );
        assert!(q(&[("lang", "fr")]).parse::<LangQuery>().is_err());
        let dep = |pairs: &[(&str, &str)]| q(pairs).parse::<DeprivationQuery>();
        assert_eq!(dep(&[("domain", "housing")]).unwrap().domain.0, "housing");
        assert!(dep(&[("domain", "x'; drop table")]).is_err());
        // 2025 is the default for the overall index; a domain is 2019's, and 2025 refuses one.
        assert_eq!(dep(&[]).unwrap().wimd_vintage(), WimdVintage::Wimd2025);
        assert_eq!(
            dep(&[("domain", "housing")]).unwrap().wimd_vintage(),
            WimdVintage::Wimd2019
        );
        assert_eq!(
            dep(&[("vintage", "2019")]).unwrap().wimd_vintage(),
            WimdVintage::Wimd2019
        );
        assert!(dep(&[("vintage", "2025"), ("domain", "housing")]).is_err());
        assert!(dep(&[("vintage", "2020")]).is_err());
        assert_eq!(
            Benchmark::from_query("vs", Some("hb")).unwrap(),
            Benchmark::HealthBoard
        );
        assert!(Benchmark::from_query("vs", Some("england")).is_err());
        let level = |pairs: &[(&str, &str)]| q(pairs).parse::<LangLevelQuery>().map(|r| r.level);
        assert_eq!(level(&[]).unwrap(), ConfidenceLevel::P95);
        assert_eq!(level(&[("level", "99.8")]).unwrap(), ConfidenceLevel::P998);
        let e = level(&[("level", "90")]).unwrap_err();
        assert_eq!(
            e.allowed().unwrap(),
            vec!["95".to_owned(), "99.8".to_owned()]
        );
    }
}
