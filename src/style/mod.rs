//! Cartography: one [`legend::Legend`] per request, from which the MapLibre style, the
//! legends (JSON, SVG, HTML) and the QGIS SLD are all rendered, so that they always agree.
//! No HTTP here: the routes that serve these are a face above (the `api` module).

pub mod legend;
pub mod maplibre;
pub mod sld;
pub mod vocabulary;

/// Parameters and palettes live below this layer; re-exported for older paths.
pub use crate::{palette, params};

use std::sync::Arc;

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

/// Builds the legend for a map kind from validated parameters.
pub fn render(
    kind: MapKind,
    q: &params::Query,
    snapshot: &Snapshot,
) -> Result<Rendered, StyleError> {
    let lang = params::lang(q)?;
    let approximate = snapshot.data.cluster_approximate;
    match kind {
        MapKind::Deprivation => {
            let domain = params::domain(q)?;
            let vintage = params::wimd_vintage(q, domain)?;
            Ok(Rendered {
                legend: legend::deprivation(domain, vintage, lang, approximate),
                tile_query: String::new(),
            })
        }
        MapKind::Indicator => {
            let ip = params::indicator(q, &snapshot.catalog)?;
            let c = params::classification(q)?;
            let choropleth = classify(snapshot, &ip, &c)?;
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
        MapKind::Significance => {
            let ip = params::indicator(q, &snapshot.catalog)?;
            let vs = params::benchmark(q)?;
            let level = params::level(q)?;
            let values = snapshot
                .catalog
                .values_at(&ip.indicator.id, &ip.period, level);
            let mut counts = [0_usize; 4];
            for v in values.iter() {
                if v.level == ip.indicator.map_level() {
                    let flag = match vs {
                        params::Benchmark::Wales => v.sig_vs_wales,
                        params::Benchmark::HealthBoard => v.sig_vs_hb,
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
                    if level != params::ConfidenceLevel::default() {
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
    q: &params::Query,
    snapshot: &Snapshot,
    lsoa: crate::catalog::LayerId,
) -> Result<Legend, StyleError> {
    let lang = params::lang(q)?;
    let domain = params::domain(q)?;
    let own = lsoa.wimd_vintage().unwrap_or_default();
    let vintage = match q.get("vintage") {
        Some(_) => params::wimd_vintage(q, domain)?,
        None if own == crate::catalog::WimdVintage::Wimd2025 && domain != "overall" => {
            params::wimd_vintage(
                &params::Query::from([("vintage".into(), "2025".into())]),
                domain,
            )?
        }
        None => own,
    };
    if vintage != own {
        return Err(params::ParamError::Invalid {
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

/// The shared classification of an indicator's cluster values.
pub fn classify(
    snapshot: &Snapshot,
    ip: &params::IndicatorPeriod<'_>,
    c: &params::Classification,
) -> Result<Arc<crate::catalog::snapshot::Choropleth>, StyleError> {
    snapshot
        .choropleth(&ip.indicator.id, &ip.period, c.method, c.classes, &c.manual)
        .map_err(|source| StyleError::Classify {
            indicator: ip.indicator.id.clone(),
            period: ip.period.clone(),
            source,
        })
}
