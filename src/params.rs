//! Request parameters, validated against the catalogue: shared by styles, legends, indicator
//! tiles, items, downloads and profiles.
//!
//! Every value is checked against the catalogue before anything else happens; unknown
//! parameters are ignored, and a normalised query string (only known keys, in a fixed
//! order) is what goes into URLs and cache keys.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::catalog::indicators::{Indicator, IndicatorCatalog, Lang};
use crate::catalog::{wimd_domain, WimdVintage, WIMD_DOMAINS, WIMD_OVERALL};
use crate::classify::{Method, MAX_CLASSES, MIN_CLASSES};
use crate::error::{AppError, TileError};
use crate::palette;

pub use crate::error::ParamError;

fn shorten(s: &str) -> String {
    s.chars().take(64).collect()
}

/// `?lang=` in the OpenAPI document, for the handlers that take it (validated by [`lang`]).
#[allow(dead_code)] // Described, never built: handlers read the query map.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// Language of labels: en (default) or cy
    lang: Option<String>,
}

/// `?lang=&level=` in the OpenAPI document: profiles and summaries.
#[allow(dead_code)] // Described, never built: handlers read the query map.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangLevelParams {
    /// Language of labels: en (default) or cy
    lang: Option<String>,
    /// Confidence level: 95 (default) or 99.8
    level: Option<String>,
}

/// Query parameters as given.
pub type Query = HashMap<String, String>;

/// The query string as a [`Query`] map, as an extractor whose rejection (a malformed query
/// string) is a JSON 400 like every other bad parameter, not axum's plain text.
pub struct QueryParams(pub Query);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<Query>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(q)) => Ok(QueryParams(q)),
            Err(e) => Err(TileError::BadPath(e.body_text()).into()),
        }
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
    /// `encoding=` of a query: `mvt` (or absent) or `mlt`; anything else is a 400.
    pub fn from_query(q: &Query) -> Result<TileEncoding, TileError> {
        match q.get("encoding").map(String::as_str) {
            None | Some("mvt") => Ok(TileEncoding::Mvt),
            Some("mlt") => Ok(TileEncoding::Mlt),
            Some(other) => Err(TileError::BadEncoding(other.chars().take(32).collect())),
        }
    }

    /// The value of `encoding=` (and of TileJSON's and a style source's `encoding`).
    pub fn as_str(self) -> &'static str {
        match self {
            TileEncoding::Mvt => "mvt",
            TileEncoding::Mlt => "mlt",
        }
    }
}

/// `lang`: `en` (default) or `cy`.
pub fn lang(q: &Query) -> Result<Lang, ParamError> {
    match q.get("lang") {
        None => Ok(Lang::En),
        Some(v) => Lang::parse(v).ok_or_else(|| ParamError::Unknown {
            param: "lang",
            value: shorten(v),
            allowed: vec!["en".into(), "cy".into()],
        }),
    }
}

/// `bom` for CSV downloads: `true` (default: a UTF-8 byte order mark, so Excel opens the
/// file as UTF-8) or `false` (for scripts).
pub fn bom(q: &Query) -> Result<bool, ParamError> {
    match q.get("bom").map(String::as_str) {
        None | Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(v) => Err(ParamError::Unknown {
            param: "bom",
            value: shorten(v),
            allowed: vec!["true".into(), "false".into()],
        }),
    }
}

/// The output format of a download: the path segment's extension (`copd.csv`), overridden by
/// `format=`; `formats` lists the extensions with what they mean, the first being the
/// default. Returns the segment without its extension, and the format.
pub fn output_format<F: Copy>(
    segment: &str,
    q: &Query,
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
    let format = match q.get("format") {
        None => from_ext,
        Some(v) => formats
            .iter()
            .find(|(ext, _)| ext == v)
            .map(|(_, f)| *f)
            .ok_or_else(|| ParamError::Unknown {
                param: "format",
                value: v.chars().take(32).collect(),
                allowed: formats.iter().map(|(e, _)| (*e).to_owned()).collect(),
            })?,
    };
    Ok((stem, format))
}

/// `domain` for the deprivation style: `overall` (default) or a WIMD domain.
pub fn domain(q: &Query) -> Result<&'static str, ParamError> {
    match q.get("domain") {
        None => Ok(WIMD_OVERALL.id),
        Some(v) => wimd_domain(v)
            .map(|d| d.id)
            .ok_or_else(|| ParamError::Unknown {
                param: "domain",
                value: shorten(v),
                allowed: std::iter::once(&WIMD_OVERALL)
                    .chain(WIMD_DOMAINS.iter())
                    .map(|d| d.id.to_owned())
                    .collect(),
            }),
    }
}

/// `vintage` for the deprivation map: `2025` (WIMD 2025 on 2021 LSOAs, the current index) or
/// `2019` (WIMD 2019 on 2011 LSOAs, with its eight domains). Without it, the overall index
/// is 2025's and a domain 2019's (WIMD 2025's domain ranks are not available); a domain
/// with `vintage=2025` is a 400 that says so.
pub fn wimd_vintage(q: &Query, domain: &str) -> Result<WimdVintage, ParamError> {
    let overall = domain == WIMD_OVERALL.id;
    let vintage = match q.get("vintage") {
        None if overall => WimdVintage::Wimd2025,
        None => WimdVintage::Wimd2019,
        Some(v) => WimdVintage::parse(v).ok_or_else(|| ParamError::Unknown {
            param: "vintage",
            value: shorten(v),
            allowed: WimdVintage::ALL.map(|v| v.as_str().to_owned()).to_vec(),
        })?,
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

/// Which indicator and period.
#[derive(Debug, Clone)]
pub struct IndicatorPeriod<'a> {
    /// The indicator.
    pub indicator: &'a Indicator,
    /// The period (the newest when not given).
    pub period: String,
}

/// `indicator` (required) and `period` (default: newest).
pub fn indicator<'a>(
    q: &Query,
    catalog: &'a IndicatorCatalog,
) -> Result<IndicatorPeriod<'a>, ParamError> {
    let ids = || {
        catalog
            .indicators
            .iter()
            .map(|i| i.id.clone())
            .collect::<Vec<_>>()
    };
    let id = q.get("indicator").ok_or_else(|| ParamError::Missing {
        param: "indicator",
        allowed: ids(),
    })?;
    indicator_by_id(id, q, catalog)
}

/// Like [`indicator`], with the id taken from the path.
pub fn indicator_by_id<'a>(
    id: &str,
    q: &Query,
    catalog: &'a IndicatorCatalog,
) -> Result<IndicatorPeriod<'a>, ParamError> {
    let indicator = catalog.indicator(id).ok_or_else(|| ParamError::Unknown {
        param: "indicator",
        value: shorten(id),
        allowed: catalog.indicators.iter().map(|i| i.id.clone()).collect(),
    })?;
    let period = match q.get("period") {
        None => indicator.latest_period().to_owned(),
        Some(p) if indicator.periods.contains(p) => p.clone(),
        Some(p) => {
            return Err(ParamError::Unknown {
                param: "period",
                value: shorten(p),
                allowed: indicator.periods.clone(),
            })
        }
    };
    Ok(IndicatorPeriod { indicator, period })
}

/// Checks the indicator options of a request that names no indicator, which would
/// otherwise be ignored without a word: the classification (`method`, `classes`,
/// `breaks`, `palette`) must be valid, and `period` must be a period of some indicator.
pub fn indicator_options_without_indicator(
    q: &Query,
    catalog: &IndicatorCatalog,
) -> Result<(), ParamError> {
    classification(q)?;
    if let Some(p) = q.get("period") {
        if !catalog.indicators.iter().any(|i| i.periods.contains(p)) {
            let mut allowed: Vec<String> = catalog
                .indicators
                .iter()
                .flat_map(|i| i.periods.iter().cloned())
                .collect();
            allowed.sort();
            allowed.dedup();
            return Err(ParamError::Unknown {
                param: "period",
                value: shorten(p),
                allowed,
            });
        }
    }
    Ok(())
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

/// `method`, `classes`, `breaks`, `palette`.
pub fn classification(q: &Query) -> Result<Classification, ParamError> {
    let method = match q.get("method") {
        None => Method::Quantile,
        Some(m) => Method::parse(m).ok_or_else(|| ParamError::Unknown {
            param: "method",
            value: shorten(m),
            allowed: Method::ALL.iter().map(|m| m.as_str().to_owned()).collect(),
        })?,
    };
    let manual = match (q.get("breaks"), method) {
        (Some(b), Method::Manual) => b
            .split(',')
            .map(|x| x.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<Vec<f64>>>()
            .filter(|v| {
                (MIN_CLASSES - 1..MAX_CLASSES).contains(&v.len())
                    && v.windows(2).all(|w| w[0] < w[1])
            })
            .ok_or_else(|| ParamError::Invalid {
                param: "breaks",
                value: shorten(b),
                expected: format!(
                    "{} to {} increasing numbers separated by commas, e.g. breaks=5,10,15,20",
                    MIN_CLASSES - 1,
                    MAX_CLASSES - 1
                ),
            })?,
        (None, Method::Manual) => {
            return Err(ParamError::Missing {
                param: "breaks",
                allowed: vec![
                    "increasing numbers separated by commas, e.g. breaks=5,10,15,20".into(),
                ],
            })
        }
        (Some(b), _) => {
            return Err(ParamError::Invalid {
                param: "breaks",
                value: shorten(b),
                expected: "breaks only go with method=manual".into(),
            })
        }
        (None, _) => Vec::new(),
    };
    let classes = match (q.get("classes"), method) {
        (_, Method::Manual) => manual.len() + 1,
        (None, _) => DEFAULT_CLASSES,
        (Some(c), _) => c
            .parse::<usize>()
            .ok()
            .filter(|c| (MIN_CLASSES..=MAX_CLASSES).contains(c))
            .ok_or_else(|| ParamError::Unknown {
                param: "classes",
                value: shorten(c),
                allowed: (MIN_CLASSES..=MAX_CLASSES).map(|c| c.to_string()).collect(),
            })?,
    };
    let palette = match q.get("palette") {
        None => palette::DEFAULT_SEQUENTIAL,
        Some(p) => palette::sequential_name(p).ok_or_else(|| ParamError::Unknown {
            param: "palette",
            value: shorten(p),
            allowed: palette::sequential_names(),
        })?,
    };
    Ok(Classification {
        method,
        classes,
        manual,
        palette,
        level: level(q)?,
    })
}

pub use crate::significance::{Benchmark, ConfidenceLevel};

/// `level`: the confidence level of intervals and flags, `95` (default) or `99.8`.
pub fn level(q: &Query) -> Result<ConfidenceLevel, ParamError> {
    match q.get("level") {
        None => Ok(ConfidenceLevel::default()),
        Some(v) => ConfidenceLevel::parse(v).ok_or_else(|| ParamError::Unknown {
            param: "level",
            value: shorten(v),
            allowed: ConfidenceLevel::ALL
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect(),
        }),
    }
}

/// `vs`: `wales` (default) or `hb`.
pub fn benchmark(q: &Query) -> Result<Benchmark, ParamError> {
    match q.get("vs").map(String::as_str) {
        None | Some("wales") => Ok(Benchmark::Wales),
        Some("hb") => Ok(Benchmark::HealthBoard),
        Some(v) => Err(ParamError::Unknown {
            param: "vs",
            value: shorten(v),
            allowed: vec!["wales".into(), "hb".into()],
        }),
    }
}

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

    #[test]
    fn tile_encoding_is_mvt_unless_asked_and_refuses_other_names() {
        let q = |v: &str| Query::from([("encoding".to_owned(), v.to_owned())]);
        assert_eq!(
            TileEncoding::from_query(&Query::new()).unwrap(),
            TileEncoding::Mvt
        );
        assert_eq!(
            TileEncoding::from_query(&q("mvt")).unwrap(),
            TileEncoding::Mvt
        );
        assert_eq!(
            TileEncoding::from_query(&q("mlt")).unwrap(),
            TileEncoding::Mlt
        );
        assert!(TileEncoding::from_query(&q("MLT")).is_err());
        assert!(TileEncoding::from_query(&q("pbf")).is_err());
    }

    fn q(pairs: &[(&str, &str)]) -> Query {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn classification_defaults_and_checks() {
        let c = classification(&q(&[])).unwrap();
        assert_eq!(
            (c.method, c.classes, c.palette),
            (Method::Quantile, 5, palette::DEFAULT_SEQUENTIAL)
        );
        let c = classification(&q(&[("method", "manual"), ("breaks", "1,2.5,4")])).unwrap();
        assert_eq!((c.classes, c.manual.clone()), (4, vec![1.0, 2.5, 4.0]));
        for bad in [
            q(&[("method", "kmeans")]),
            q(&[("classes", "2")]),
            q(&[("classes", "10")]),
            q(&[("classes", "five")]),
            q(&[("palette", "Rainbow")]),
            q(&[("method", "manual")]),
            q(&[("method", "manual"), ("breaks", "3,2")]),
            q(&[("method", "manual"), ("breaks", "1,x")]),
            q(&[("breaks", "1,2")]),
        ] {
            assert!(classification(&bad).is_err(), "{bad:?}");
        }
        let e = classification(&q(&[("method", "kmeans")])).unwrap_err();
        assert!(e.allowed().unwrap().contains(&"fisher_jenks".to_owned()));
    }

    #[test]
    fn lang_domain_and_benchmark() {
        assert_eq!(lang(&q(&[("lang", "cy")])).unwrap(), Lang::Cy);
        assert!(lang(&q(&[("lang", "fr")])).is_err());
        assert_eq!(domain(&q(&[("domain", "housing")])).unwrap(), "housing");
        assert!(domain(&q(&[("domain", "x'; drop table")])).is_err());
        // 2025 is the default for the overall index; a domain is 2019's, and 2025 refuses one.
        assert_eq!(
            wimd_vintage(&q(&[]), "overall").unwrap(),
            WimdVintage::Wimd2025
        );
        assert_eq!(
            wimd_vintage(&q(&[]), "housing").unwrap(),
            WimdVintage::Wimd2019
        );
        let vintage = |v: &str, d: &str| wimd_vintage(&q(&[("vintage", v)]), d);
        assert_eq!(vintage("2019", "overall").unwrap(), WimdVintage::Wimd2019);
        assert!(vintage("2025", "housing").is_err());
        assert!(vintage("2020", "overall").is_err());
        assert_eq!(
            benchmark(&q(&[("vs", "hb")])).unwrap(),
            Benchmark::HealthBoard
        );
        assert!(benchmark(&q(&[("vs", "england")])).is_err());
        assert_eq!(level(&q(&[])).unwrap(), ConfidenceLevel::P95);
        assert_eq!(
            level(&q(&[("level", "99.8")])).unwrap(),
            ConfidenceLevel::P998
        );
        let e = level(&q(&[("level", "90")])).unwrap_err();
        assert_eq!(
            e.allowed().unwrap(),
            vec!["95".to_owned(), "99.8".to_owned()]
        );
        assert!(classification(&q(&[("level", "99")])).is_err());
    }
}
