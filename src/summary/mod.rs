//! `GET /summary/{area}`: the profiling tool's main view. One row per indicator, one column
//! per cluster of a health board (for `wales`, per board), then the board and Wales; each cell
//! the value, its interval and its significance against the board and Wales, coloured by
//! the indicator's polarity. As JSON (default), CSV, SVG or an accessible, sortable HTML table.

pub mod cells;
pub mod doc;
pub mod html;
pub mod svg;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::catalog::indicators::{Area, AreaLevel, IndicatorCatalog, Lang};
use crate::catalog::WALES_CODE;
use crate::comparison::{self, words, Summary};
#[allow(unused_imports)] // Named by the OpenAPI annotation below.
use crate::error::ErrorEnvelope as Error;
use crate::error::{AppError, StyleError};
use crate::http::Routes;
use crate::params;
use crate::params::{Bom, ConfidenceLevel, Params, PathParams};
use crate::significance::{Benchmark, Significance};
use crate::state::AppState;
pub use cells::{cell_fill, flag_color, legend, text_on, untested_reason};
#[allow(unused_imports)]
use doc::SummaryDocument;
use utoipa::OpenApi;

/// Routes of this module.
pub fn router() -> Routes<AppState> {
    Routes::new().get("/summary/{area}", get_summary)
}

/// Output formats, by extension or `format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    /// The JSON document (default).
    Json,
    /// Long-format CSV.
    Csv,
    /// An SVG grid.
    Svg,
    /// An HTML table.
    Html,
}

const FORMATS: [(&str, SummaryFormat); 4] = [
    ("json", SummaryFormat::Json),
    ("csv", SummaryFormat::Csv),
    ("svg", SummaryFormat::Svg),
    ("html", SummaryFormat::Html),
];

crate::query_request! {
    /// `GET /summary/{area}`'s query.
    pub struct SummaryQuery {
        /// json, csv, svg or html (default: from the path, else json)
        format: Option<String> = "format",
        /// Language of labels: en (default) or cy
        lang: Lang = "lang",
        /// Confidence level of intervals and significance: 95 (default) or 99.8
        level: ConfidenceLevel = "level",
        /// CSV only: start with a UTF-8 byte order mark (for Excel); false for scripts
        bom: Bom = "bom",
    }
}

/// The area code and format a path segment (`W11000028.csv`) and `format=` ask for.
pub fn format_of(path: &str, format: Option<&str>) -> Result<(String, SummaryFormat), AppError> {
    params::output_format(path, format, &FORMATS).map_err(|e| StyleError::from(e).into())
}

/// The area a summary is for: `wales` or a health board code (from the snapshot, so an
/// unknown code never reaches SQL).
fn area_of<'c>(catalog: &'c IndicatorCatalog, code: &str) -> Result<&'c Area, AppError> {
    let code = if code.eq_ignore_ascii_case("wales") {
        WALES_CODE
    } else {
        code
    };
    catalog
        .areas
        .get(code)
        .filter(|a| a.level != AreaLevel::Cluster)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no health board or Wales with code {}: use wales or a code from /collections/health_boards/items",
                code.chars().take(64).collect::<String>()
            ))
        })
}

/// `GET /summary/{area}` (`.json`, `.csv`, `.svg`, `.html`, or `format=`), with `lang`.
#[utoipa::path(get, path = "/summary/{area}", tag = "Profiles",
    params(
        ("area" = String, Path, description = "wales or a health board code (W11…), optionally with .json, .csv, .svg or .html"),
        SummaryQuery),
    responses(
        (status = 200, description = "The summary (JSON; CSV, SVG or HTML by extension or format)", content(("application/json" = SummaryDocument), ("text/csv" = String), ("image/svg+xml" = String), ("text/html" = String))),
        crate::error::responses::LookupErrors))]
pub async fn get_summary(
    State(state): State<AppState>,
    PathParams(path): PathParams<String>,
    Params(q): Params<SummaryQuery>,
) -> Result<Response, AppError> {
    let (code, format) = format_of(&path, q.format.as_deref())?;
    let (lang, with_bom, level) = (q.lang, q.bom.0, q.level);
    let snapshot = state.snapshot().await?;
    let area = area_of(&snapshot.catalog, &code)?;
    let summary = comparison::summary(&snapshot.catalog, area, lang, level);
    let approximate = snapshot.data.cluster_approximate;
    let findings = findings(&summary, lang);
    match format {
        SummaryFormat::Json => Ok(Json(document(
            &summary,
            &findings,
            lang,
            snapshot.data.version,
            approximate,
        ))
        .into_response()),
        SummaryFormat::Csv => {
            let body = csv(&summary).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(crate::http::csv_response(
                body,
                with_bom,
                &format!("summary_{}.csv", summary.area.code),
            ))
        }
        SummaryFormat::Svg => Ok((
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            svg::summary_svg(&summary, lang, approximate),
        )
            .into_response()),
        SummaryFormat::Html => {
            let mut response = (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html::summary_html(&summary, &findings, lang, approximate),
            )
                .into_response();
            // Only our own script (the sorter) and styles; no inline script.
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                     img-src 'self' data:; object-src 'none'; base-uri 'self'",
                ),
            );
            Ok(response)
        }
    }
}

/// The summary's narrative: clusters tallied against Wales across the tested indicators,
/// health indicators and demographic context apart, each sentence naming its indicators.
pub fn findings(summary: &Summary<'_>, lang: Lang) -> Vec<String> {
    words::tally_sentences(&comparison::tallies(summary, Benchmark::Wales), lang)
}

fn document(
    summary: &Summary<'_>,
    findings: &[String],
    lang: Lang,
    data_version: i64,
    approximate: bool,
) -> Value {
    let rows: Vec<Value> = summary
        .rows
        .iter()
        .map(|r| {
            let polarity = r.indicator.polarity;
            let cells: Vec<Value> = r
                .cells
                .iter()
                .map(|c| {
                    let mut cell = json!(c);
                    cell["color_vs_wales"] = json!(flag_color(c.sig_vs_wales, polarity));
                    cell["color_vs_hb"] = json!(flag_color(c.sig_vs_hb, polarity));
                    cell
                })
                .collect();
            json!({
                "indicator": r.id,
                "title": r.title,
                "unit": r.unit,
                "period": r.period,
                "polarity": polarity,
                "topic": r.indicator.topic,
                "decimals": cells::row_decimals(r, &summary.columns),
                "tested": r.tested,
                "not_tested_reason": (!r.tested).then(|| untested_reason(r.indicator, lang)),
                "cells": cells,
            })
        })
        .collect();
    let mut notes = vec![match lang {
        Lang::En => format!(
            "Significance: the area's {}% confidence interval against the comparator's value.",
            summary.level.as_str()
        ),
        Lang::Cy => format!(
            "Arwyddocâd: cyfwng hyder {}% yr ardal o'i gymharu â gwerth y gymhariaeth.",
            summary.level.as_str()
        ),
    }];
    if approximate {
        notes.push(crate::style::legend::approximate_note(lang));
    }
    json!({
        "area": summary.area,
        "lang": lang,
        "level": summary.level,
        "data_version": data_version,
        "columns": summary.columns,
        "rows": rows,
        "findings": findings,
        "legend": legend(lang),
        "notes": notes,
    })
}

/// Long format, one line per indicator and area: what a spreadsheet pivots best.
/// The summary as long-format CSV (without the BOM, which the response adds).
pub fn csv(summary: &Summary<'_>) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "indicator",
        "title",
        "period",
        "unit",
        "area_code",
        "area_name",
        "area_level",
        "value",
        "lower_ci",
        "upper_ci",
        "sig_vs_hb",
        "sig_vs_wales",
    ])?;
    let num = |v: Option<f64>| crate::http::csv_cell(&json!(v));
    let flag = |f: Option<Significance>| f.map(|f| f.as_str().to_owned()).unwrap_or_default();
    for r in &summary.rows {
        for (c, col) in r.cells.iter().zip(&summary.columns) {
            out.write_record([
                r.id.to_owned(),
                r.title.to_owned(),
                r.period.to_owned(),
                r.unit.to_owned(),
                col.code.clone(),
                col.name.clone(),
                col.level.as_str().to_owned(),
                num(c.value),
                num(c.lower_ci),
                num(c.upper_ci),
                flag(c.sig_vs_hb),
                flag(c.sig_vs_wales),
            ])?;
        }
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The summary route.
#[derive(OpenApi)]
#[openapi(
    paths(get_summary),
    components(schemas(doc::SummaryDocument, doc::SummaryRow))
)]
pub struct SummaryDoc;
