//! `GET /data/{indicator}` (JSON or CSV): every area's value, interval, flags, and its class
//! and colour under the requested classification.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::doc::Data;
use crate::catalog::indicators::{AreaValue, Lang};
use crate::catalog::snapshot::{Choropleth, Snapshot};
use crate::catalog::values::VALUE_FIELDS;
use crate::error::AppError;
use crate::params;
use crate::params::{Bom, ClassificationQuery, Params, PathParams};

use crate::state::AppState;
use crate::style::legend::{self, Legend};

crate::query_request! {
    /// `GET /data/{indicator}`'s query.
    pub struct DataQuery {
        /// json or csv (default: from the path, else json)
        format: Option<String> = "format",
        /// Period (default: the indicator's newest). It must be one of the indicator's own
        /// periods (listed in /indicators); another is a 400.
        period: Option<String> = "period",
        /// The parameters of [`ClassificationQuery`].
        classification: ClassificationQuery = flatten,
        /// CSV only: start with a UTF-8 byte order mark (for Excel); false for scripts
        bom: Bom = "bom",
        /// Language of labels: en (default) or cy
        lang: Lang = "lang",
    }
}

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

/// Columns of `/data` CSV: the area with its board's name (in the request's language) and
/// the period, so a sheet stands on its own; then the shared value columns; then the colour.
fn csv_columns() -> Vec<&'static str> {
    [
        "level",
        "code",
        "name",
        "name_cy_fallback",
        "hb_code",
        "hb_name",
        "period",
    ]
    .into_iter()
    .chain(VALUE_FIELDS.iter().map(|f| f.name))
    .chain(["color"])
    .collect()
}

/// The `/data` rows as CSV: values and limits rounded to the unit's published precision,
/// counts as integers (the JSON keeps full precision).
fn data_csv(
    rows: &[Value],
    snapshot: &Snapshot,
    lang: Lang,
    unit: &str,
    period: &str,
) -> Result<Vec<u8>, AppError> {
    let internal = |e: csv::Error| AppError::Internal(e.to_string());
    let mut out = csv::Writer::from_writer(Vec::new());
    let columns = csv_columns();
    out.write_record(&columns).map_err(internal)?;
    for row in rows {
        let mut r = row.clone();
        let hb_name = r["hb_code"]
            .as_str()
            .and_then(|hb| snapshot.catalog.areas.get(hb))
            .map(|a| a.name(lang));
        r["hb_name"] = json!(hb_name);
        r["period"] = json!(period);
        crate::catalog::values::round_for_csv(&mut r, unit);
        out.write_record(columns.iter().map(|k| crate::http::csv_cell(&r[*k])))
            .map_err(internal)?;
    }
    out.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// `GET /data/{indicator}` (or `/data/{indicator}.csv`): every area's value, interval,
/// flags, and class and colour under the requested classification.
#[utoipa::path(get, path = "/data/{indicator}", tag = "Cartography",
    params(
        ("indicator" = String, Path, description = "Indicator id, optionally ending in .csv or .json"),
        DataQuery),
    responses(
        (status = 200, description = "Values", content(("application/json" = Data), ("text/csv" = String))),
        crate::error::responses::ClassifyErrors))]
pub async fn get_data(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    Params(q): Params<DataQuery>,
) -> Result<Response, AppError> {
    let (id, csv) =
        params::output_format(&id, q.format.as_deref(), &[("json", false), ("csv", true)])?;
    let (bom, lang) = (q.bom.0, q.lang);
    let snapshot = state.snapshot().await?;
    let ip = params::indicator_by_id(&id, q.period.as_deref(), &snapshot.catalog)?;
    let c = q.classification.classification();
    let choropleth = ip.classify(&snapshot, &c)?;
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
        return data_csv(&rows, &snapshot, lang, &ip.indicator.unit, &ip.period).map(|body| {
            crate::http::csv_response(body, bom, &format!("{}_{}.csv", ip.indicator.id, ip.period))
        });
    }
    // The schema type itself, so `/api` describes exactly this body.
    Ok(Json(Data {
        indicator: json!(ip.indicator),
        title: ip.indicator.title(lang).to_owned(),
        period: ip.period.clone(),
        lang,
        confidence_level: c.level,
        field_labels: VALUE_FIELDS
            .iter()
            .map(|f| {
                (
                    f.name.to_owned(),
                    json!(crate::catalog::field_label_at(f.name, lang, c.level)),
                )
            })
            .collect(),
        data_version: snapshot.data.version,
        classification: legend.classification,
        legend: legend.entries,
        rows,
    })
    .into_response())
}
