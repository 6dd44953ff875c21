//! Cartography: one [`legend::Legend`] per request, from which the MapLibre style, the
//! legends (JSON, SVG, HTML) and the QGIS SLD are all rendered, so that they always agree.
//! No HTTP here: the routes that serve these are a face above (the `api` module).

pub mod legend;
pub mod maplibre;
pub mod sld;
pub mod vocabulary;

use crate::catalog::indicators::Lang;
use crate::params::{
    self, Benchmark, ClassificationQuery, ConfidenceLevel, DeprivationQuery, IndicatorChoice,
    ParamError, QueryRequest, RawQuery, TileEncoding,
};

use crate::catalog::snapshot::Snapshot;
use crate::significance::Significance;

use legend::{Legend, MapKind};

pub use crate::error::StyleError;
pub use crate::markup::escape_xml;

/// A legend and the query string of the tiles it colours (empty for plain tiles).
pub struct Rendered {
    /// The legend.
    pub legend: Legend,
    /// Normalised tile query (`indicator=…&period=…&method=…&classes=…`), or empty.
    pub tile_query: String,
}

crate::query_request! {
    /// The indicator map's style or legend: which indicator, its classification, language.
    pub struct IndicatorStyleQuery {
        /// The parameters of [`IndicatorChoice`].
        choice: IndicatorChoice = flatten,
        /// The parameters of [`ClassificationQuery`].
        classification: ClassificationQuery = flatten,
        /// Language of labels: en (default) or cy
        lang: Lang = "lang",
    }
}

crate::query_request! {
    /// The significance map's style or legend: which indicator, against what, at what level.
    pub struct SignificanceStyleQuery {
        /// The parameters of [`IndicatorChoice`].
        choice: IndicatorChoice = flatten,
        /// Benchmark: Wales (default) or the cluster's health board
        vs: Benchmark = "vs",
        /// Confidence level of intervals and significance: 95 (default) or 99.8
        level: ConfidenceLevel = "level",
        /// Language of labels: en (default) or cy
        lang: Lang = "lang",
    }
}

crate::query_request! {
    /// What a MapLibre style adds to its map kind's parameters.
    pub struct StyleEncodingQuery {
        /// mvt (default) or mlt: the style's sources read MapLibre Tiles (MapLibre GL JS 5.12+)
        encoding: TileEncoding = "encoding",
    }
}

/// A style or legend request: the map kind (from the path) with its own parameters.
#[derive(Debug, Clone)]
pub enum StyleRequest {
    /// WIMD deprivation quintiles.
    Deprivation(DeprivationQuery),
    /// An indicator's choropleth.
    Indicator(IndicatorStyleQuery),
    /// Significance flags against a benchmark.
    Significance(SignificanceStyleQuery),
}

impl StyleRequest {
    /// Reads the query of a `kind` map (parameters of other kinds are ignored, as unknown
    /// ones are).
    pub fn parse(kind: MapKind, q: &RawQuery) -> Result<StyleRequest, ParamError> {
        Ok(match kind {
            MapKind::Deprivation => StyleRequest::Deprivation(q.parse()?),
            MapKind::Indicator => StyleRequest::Indicator(q.parse()?),
            MapKind::Significance => StyleRequest::Significance(q.parse()?),
        })
    }

    /// The documented parameters of a `kind` map's style or legend.
    pub fn parameters(kind: MapKind) -> Vec<serde_json::Value> {
        match kind {
            MapKind::Deprivation => DeprivationQuery::parameters(),
            MapKind::Indicator => IndicatorStyleQuery::parameters(),
            MapKind::Significance => SignificanceStyleQuery::parameters(),
        }
    }
}

/// Builds the legend of a checked request.
pub fn render(request: &StyleRequest, snapshot: &Snapshot) -> Result<Rendered, StyleError> {
    let approximate = snapshot.data.cluster_approximate;
    match request {
        StyleRequest::Deprivation(q) => Ok(Rendered {
            legend: legend::deprivation(q.domain.0, q.wimd_vintage(), q.lang, approximate),
            tile_query: String::new(),
        }),
        StyleRequest::Indicator(q) => {
            let lang = q.lang;
            let ip = q.choice.resolve(&snapshot.catalog)?;
            let c = q.classification.classification();
            let choropleth = ip.classify(snapshot, &c)?;
            Ok(Rendered {
                legend: legend::indicator(
                    ip.indicator,
                    &ip.period,
                    &c,
                    &choropleth,
                    lang,
                    approximate,
                ),
                tile_query: params::indicator_query(&ip, &c),
            })
        }
        StyleRequest::Significance(q) => {
            let (lang, vs, level) = (q.lang, q.vs, q.level);
            let ip = q.choice.resolve(&snapshot.catalog)?;
            let values = snapshot
                .catalog
                .values_at(&ip.indicator.id, &ip.period, level);
            let mut counts = [0_usize; 4];
            for v in values.iter() {
                if v.level == ip.indicator.map_level() {
                    let flag = match vs {
                        Benchmark::Wales => v.sig_vs_wales,
                        Benchmark::HealthBoard => v.sig_vs_hb,
                    };
                    let i = Significance::ALL
                        .iter()
                        .position(|f| *f == flag)
                        .unwrap_or(3);
                    counts[i] += 1;
                }
            }
            Ok(Rendered {
                legend: legend::significance(
                    ip.indicator,
                    &ip.period,
                    &legend::SignificanceMap {
                        vs,
                        level,
                        counts,
                        values: &values,
                    },
                    lang,
                    approximate,
                ),
                tile_query: {
                    let mut t = format!("indicator={}&period={}", ip.indicator.id, ip.period);
                    if level != ConfidenceLevel::default() {
                        t.push_str(&format!("&level={}", level.as_str()));
                    }
                    t
                },
            })
        }
    }
}

/// The deprivation legend of a tile set's LSOA layer (TileJSON's `legend`): the layer's own
/// WIMD vintage; a `vintage` that names the other one is a 400 that says which layer has it.
pub fn deprivation_of_layer(
    q: &DeprivationQuery,
    snapshot: &Snapshot,
    lsoa: crate::catalog::LayerId,
) -> Result<Legend, StyleError> {
    let (lang, domain) = (q.lang, q.domain.0);
    let own = lsoa.wimd_vintage().unwrap_or_default();
    // Without a `vintage`, the layer's own edition is meant: asked of the 2025 layer, a
    // domain is the same 400 as `vintage=2025&domain=…`.
    let vintage = params::wimd_vintage(q.vintage.or(Some(own)), domain)?;
    if vintage != own {
        return Err(ParamError::Invalid {
            param: "vintage",
            value: vintage.as_str().to_owned(),
            expected: format!(
                "the {lsoa} layer carries {}; {} is the {} layer",
                own.title(),
                vintage.title(),
                crate::catalog::LayerId::lsoa_of(vintage)
            ),
        }
        .into());
    }
    Ok(legend::deprivation(
        domain,
        vintage,
        lang,
        snapshot.data.cluster_approximate,
    ))
}
