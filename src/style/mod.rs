//! Styles, legends, QGIS SLD, indicator listings, value downloads and key findings, all
//! rendered from one [`legend::Legend`] per request so that they always agree.
//!
//! Routes: `/indicators`, `/styles/{deprivation|indicator|significance}.json` (and `.sld`),
//! `/legends/{…}.json|.svg`, `/data/{indicator}` (JSON or CSV), `/findings/{indicator}`.

pub mod findings;
pub mod legend;
pub mod maplibre;
pub mod palette;
pub mod params;
pub mod sld;
pub mod vocabulary;

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::catalog::indicators::{Lang, Level};
use crate::catalog::snapshot::Snapshot;
use crate::classify::ClassifyError;
use crate::error::AppError;
use crate::server::AppState;
use crate::significance::Significance;

use legend::{Legend, MapKind};
use params::ParamError;

/// Escapes text for XML and HTML (SVG legends, SLD, HTML tables and legends).
pub fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Why a style, legend or download request was refused.
#[derive(Debug, thiserror::Error)]
pub enum StyleError {
    /// A bad query parameter.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The values could not be classified (e.g. none for that period).
    #[error("cannot classify {indicator} {period}: {source}")]
    Classify {
        /// Indicator.
        indicator: String,
        /// Period.
        period: String,
        /// Why.
        source: ClassifyError,
    },
    /// An unknown style or legend name.
    #[error("unknown {what} `{name}`")]
    UnknownName {
        /// "style" or "legend".
        what: &'static str,
        /// What was asked for.
        name: String,
        /// What exists.
        allowed: Vec<String>,
    },
}

impl StyleError {
    /// Status, code and allowed values.
    pub fn parts(&self) -> (StatusCode, &'static str, Option<Vec<String>>) {
        match self {
            StyleError::Param(p) => (StatusCode::BAD_REQUEST, "bad_parameter", p.allowed()),
            StyleError::Classify { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "cannot_classify", None)
            }
            StyleError::UnknownName { allowed, .. } => {
                (StatusCode::NOT_FOUND, "not_found", Some(allowed.clone()))
            }
        }
    }
}

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(get_indicators))
        .route("/vocabulary", get(get_vocabulary))
        .route("/styles/{file}", get(get_style))
        .route("/legends/{file}", get(get_legend))
        .route("/data/{indicator}", get(get_data))
        .route("/findings/{indicator}", get(findings::get_findings))
}

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
        MapKind::Deprivation => Ok(Rendered {
            legend: legend::deprivation(params::domain(q)?, lang, approximate),
            tile_query: String::new(),
        }),
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
            let mut counts = [0_usize; 4];
            for v in snapshot.catalog.values(&ip.indicator.id, &ip.period) {
                if v.level == Level::Cluster {
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
                    vs,
                    counts,
                    lang,
                    approximate,
                ),
                tile_query: format!("indicator={}&period={}", ip.indicator.id, ip.period),
            })
        }
    }
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

fn split_file<'a>(
    file: &'a str,
    what: &'static str,
    exts: &[&str],
) -> Result<(MapKind, &'a str), StyleError> {
    let allowed = || {
        MapKind::ALL
            .iter()
            .flat_map(|k| exts.iter().map(move |e| format!("{}.{e}", k.as_str())))
            .collect::<Vec<_>>()
    };
    let (name, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    match MapKind::parse(name) {
        Some(kind) if exts.contains(&ext) => Ok((kind, ext)),
        _ => Err(StyleError::UnknownName {
            what,
            name: file.chars().take(64).collect(),
            allowed: allowed(),
        }),
    }
}

fn tilejson_url(base: &str, tile_query: &str) -> String {
    if tile_query.is_empty() {
        format!("{base}/tiles/wales")
    } else {
        format!("{base}/tiles/wales?{tile_query}")
    }
}

/// `GET /styles/{kind}.json` (MapLibre style v8) or `/styles/{kind}.sld` (QGIS).
async fn get_style(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<params::Query>,
) -> Result<Response, AppError> {
    let (kind, ext) = split_file(&file, "style", &["json", "sld"])?;
    let snapshot = state.snapshot().await?;
    let rendered = render(kind, &q, &snapshot)?;
    if ext == "sld" {
        return Ok((
            [(
                header::CONTENT_TYPE,
                "application/vnd.ogc.sld+xml; charset=utf-8",
            )],
            sld::sld(&rendered.legend),
        )
            .into_response());
    }
    let base = state.base_url(&headers);
    let attribution = crate::catalog::attribution(snapshot.data.cluster_approximate);
    Ok(Json(maplibre::style(
        &rendered.legend,
        &tilejson_url(&base, &rendered.tile_query),
        &attribution,
        snapshot.data.version,
    ))
    .into_response())
}

/// `GET /legends/{kind}.json` or `.svg`, with the same parameters as the style.
async fn get_legend(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<params::Query>,
) -> Result<Response, AppError> {
    let (kind, ext) = split_file(&file, "legend", &["json", "svg"])?;
    let snapshot = state.snapshot().await?;
    let rendered = render(kind, &q, &snapshot)?;
    if ext == "svg" {
        return Ok((
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            rendered.legend.to_svg(),
        )
            .into_response());
    }
    Ok(Json(rendered.legend).into_response())
}

/// `GET /vocabulary`: labels, codes and colours for clients such as the map page.
async fn get_vocabulary(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let snapshot = match state.snapshot().await {
        Ok(s) => Some(s),
        Err(AppError::NoData) => None,
        Err(e) => return Err(e),
    };
    Ok(Json(vocabulary::vocabulary(
        snapshot.as_ref().map(|s| &s.data),
        snapshot.as_ref().map(|s| &s.catalog),
    )))
}

/// `GET /indicators`: the catalogue with periods, levels and links.
async fn get_indicators(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<params::Query>,
) -> Result<Json<Value>, AppError> {
    let lang = params::lang(&q).map_err(StyleError::from)?;
    let snapshot = state.snapshot().await?;
    let base = state.base_url(&headers);
    let list: Vec<Value> = snapshot
        .catalog
        .indicators
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
            v["title"] = json!(i.title(lang));
            v["description"] = json!(lang.pick(&i.description_en, &i.description_cy));
            v["default_period"] = json!(i.latest_period());
            v["links"] = json!({
                "data": format!("{base}/data/{}", i.id),
                "style": format!("{base}/styles/indicator.json?indicator={}", i.id),
                "significance_style": format!("{base}/styles/significance.json?indicator={}", i.id),
                "legend": format!("{base}/legends/indicator.json?indicator={}", i.id),
                "findings": format!("{base}/findings/{}", i.id),
                "tiles": format!("{base}/tiles/clusters?indicator={}", i.id),
            });
            v
        })
        .collect();
    Ok(Json(json!({
        "lang": lang,
        "data_version": snapshot.data.version,
        "indicators": list,
        "methods": crate::classify::Method::ALL,
        "classes": {"min": crate::classify::MIN_CLASSES, "max": crate::classify::MAX_CLASSES, "default": params::DEFAULT_CLASSES},
        "palettes": palette::sequential_names(),
        "default_palette": palette::DEFAULT_SEQUENTIAL,
    })))
}

/// One row of `/data/{indicator}`.
fn data_row(
    v: &crate::catalog::indicators::AreaValue,
    snapshot: &Snapshot,
    lang: Lang,
    choropleth: &crate::catalog::snapshot::Choropleth,
    legend: &Legend,
) -> Value {
    let area = snapshot.catalog.areas.get(&v.code);
    let class = choropleth.classes.get(&v.code).copied();
    let color = class
        .and_then(|c| legend.entries.get(c - 1))
        .map(|e| e.color.clone());
    json!({
        "level": v.level,
        "code": v.code,
        "name": area.map(|a| a.name(lang)),
        "name_cy_fallback": area.map(|a| a.name_cy_fallback),
        "hb_code": area.and_then(|a| a.hb_code.clone()),
        "value": v.value,
        "numerator": v.numerator,
        "denominator": v.denominator,
        "lower_ci": v.lower_ci,
        "upper_ci": v.upper_ci,
        "sig_vs_wales": if v.level == Level::Wales { Value::Null } else { json!(v.sig_vs_wales) },
        "sig_vs_hb": if v.level == Level::Cluster { json!(v.sig_vs_hb) } else { Value::Null },
        "class": class,
        "color": color,
    })
}

/// Columns of `/data` CSV: the area, then the shared value columns, then the colour.
fn csv_columns() -> Vec<&'static str> {
    ["level", "code", "name", "name_cy_fallback", "hb_code"]
        .into_iter()
        .chain(crate::catalog::indicators::VALUE_COLUMNS)
        .chain(["color"])
        .collect()
}

/// `GET /data/{indicator}` (or `/data/{indicator}.csv`): every area's value, interval,
/// flags, and class and colour under the requested classification.
async fn get_data(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<params::Query>,
) -> Result<Response, AppError> {
    let (id, csv) = match id.strip_suffix(".csv") {
        Some(stem) => (stem.to_owned(), true),
        None => (id.strip_suffix(".json").unwrap_or(&id).to_owned(), false),
    };
    let csv = match q.get("format").map(String::as_str) {
        None => csv,
        Some("csv") => true,
        Some("json") => false,
        Some(other) => {
            return Err(StyleError::Param(ParamError::Unknown {
                param: "format",
                value: other.chars().take(32).collect(),
                allowed: vec!["json".into(), "csv".into()],
            })
            .into())
        }
    };
    let snapshot = state.snapshot().await?;
    let lang = params::lang(&q).map_err(StyleError::from)?;
    let ip = params::indicator_by_id(&id, &q, &snapshot.catalog).map_err(StyleError::from)?;
    let c = params::classification(&q).map_err(StyleError::from)?;
    let choropleth = classify(&snapshot, &ip, &c)?;
    let legend = legend::indicator(
        ip.indicator,
        &ip.period,
        &c,
        &choropleth,
        lang,
        snapshot.data.cluster_approximate,
    );
    let rows: Vec<Value> = snapshot
        .catalog
        .values(&ip.indicator.id, &ip.period)
        .iter()
        .map(|v| data_row(v, &snapshot, lang, &choropleth, &legend))
        .collect();
    if csv {
        let mut out = csv::Writer::from_writer(Vec::new());
        let cell = |v: &Value| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let write = |out: &mut csv::Writer<Vec<u8>>, rec: Vec<String>| {
            out.write_record(rec)
                .map_err(|e| AppError::Internal(e.to_string()))
        };
        let columns = csv_columns();
        write(&mut out, columns.iter().map(|s| (*s).to_owned()).collect())?;
        for r in &rows {
            write(&mut out, columns.iter().map(|k| cell(&r[*k])).collect())?;
        }
        let body = out
            .into_inner()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let disposition = format!(
            "attachment; filename=\"{}_{}.csv\"",
            ip.indicator.id, ip.period
        );
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response());
    }
    Ok(Json(json!({
        "indicator": ip.indicator,
        "title": ip.indicator.title(lang),
        "period": ip.period,
        "lang": lang,
        "data_version": snapshot.data.version,
        "classification": legend.classification,
        "legend": legend.entries,
        "rows": rows,
    }))
    .into_response())
}
