//! `GET /data/{indicator}` (JSON or CSV): every area's value, interval, flags, and its class
//! and colour under the requested classification.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::catalog::indicators::{AreaValue, Lang};
use crate::catalog::snapshot::{Choropleth, Snapshot};
use crate::catalog::values::VALUE_FIELDS;
use crate::error::{AppError, ParamError, StyleError};
use crate::params;
use crate::state::AppState;
use crate::style::classify;
use crate::style::legend::{self, Legend};

/// One row of `/data/{indicator}`.
fn data_row(
    v: &AreaValue,
    snapshot: &Snapshot,
    lang: Lang,
    choropleth: &Choropleth,
    legend: &Legend,
) -> Value {
    let area = snapshot.catalog.areas.get(&v.code);
    let class = choropleth.classes.get(&v.code).copied();
    let color = class
        .and_then(|c| legend.entries.get(c - 1))
        .map(|e| e.color.clone());
    let mut row = json!({
        "level": v.level,
        "code": v.code,
        "name": area.map(|a| a.name(lang)),
        "name_cy_fallback": area.map(|a| a.name_cy_fallback),
        "hb_code": area.and_then(|a| a.hb_code.clone()),
    });
    for f in &VALUE_FIELDS {
        row[f.name] = f.value_for(v.level, Some(v), class);
    }
    row["color"] = json!(color);
    row
}

/// Columns of `/data` CSV: the area, then the shared value columns, then the colour.
fn csv_columns() -> Vec<&'static str> {
    ["level", "code", "name", "name_cy_fallback", "hb_code"]
        .into_iter()
        .chain(VALUE_FIELDS.iter().map(|f| f.name))
        .chain(["color"])
        .collect()
}

/// `GET /data/{indicator}` (or `/data/{indicator}.csv`): every area's value, interval,
/// flags, and class and colour under the requested classification.
pub async fn get_data(
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
        .values_at(&ip.indicator.id, &ip.period, c.level)
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
        "confidence_level": c.level,
        "field_labels": VALUE_FIELDS
            .iter()
            .map(|f| (f.name.to_owned(), json!(crate::catalog::field_label_at(f.name, lang, c.level))))
            .collect::<serde_json::Map<String, Value>>(),
        "data_version": snapshot.data.version,
        "classification": legend.classification,
        "legend": legend.entries,
        "rows": rows,
    }))
    .into_response())
}
