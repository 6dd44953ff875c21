//! `GET /indicators` (the indicator catalogue with links) and `GET /vocabulary` (every word,
//! code and colour a client such as the map page shows).

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::doc::{ClassCount, Indicators};
use crate::error::AppError;
use crate::http::BaseUrl;
use crate::palette;
use crate::params;
use crate::params::{LangQuery, Params};
use crate::state::AppState;
use crate::style::vocabulary;

/// `GET /vocabulary`: labels, codes and colours for clients such as the map page.
#[utoipa::path(get, path = "/vocabulary", tag = "Cartography",
    responses(
        (status = 200, description = "OK", body = Vocabulary),
        crate::error::responses::DataErrors))]
pub async fn get_vocabulary(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let snapshot = state.store.snapshot_if_loaded().await?;
    Ok(Json(vocabulary::vocabulary(
        snapshot.as_ref().map(|s| &s.data),
        snapshot.as_ref().map(|s| &s.catalog),
    )))
}

/// `GET /indicators`: the catalogue with periods, levels and links.
#[utoipa::path(get, path = "/indicators", tag = "Cartography",
    params(LangQuery),
    responses(
        (status = 200, description = "OK", body = Indicators),
        crate::error::responses::BadRequestOrData))]
pub async fn get_indicators(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    Params(LangQuery { lang }): Params<LangQuery>,
) -> Result<Json<Value>, AppError> {
    let snapshot = state.snapshot().await?;
    let list: Vec<Value> = snapshot
        .catalog
        .indicators
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
            v["title"] = json!(i.title(lang));
            // A Welsh title that is a draft translation awaiting review.
            v["title_cy_draft"] = json!(i.title_cy_is_draft());
            v["description"] = json!(lang.pick(&i.description_en, &i.description_cy));
            v["default_period"] = json!(i.latest_period());
            // Why it is never tested: the catalogue's reason, or what its values are.
            let never = i.never_tested(snapshot.catalog.values(&i.id, i.latest_period()));
            v["tested"] = json!(never.is_none());
            v["untested_reason"] = json!(never.map(|r| r.as_str()));
            v["untested_reason_text"] = json!(never.map(|r| r.short(lang)));
            v["links"] = json!({
                "data": format!("{base}/data/{}", i.id),
                "style": format!("{base}/styles/indicator.json?indicator={}", i.id),
                "significance_style": format!("{base}/styles/significance.json?indicator={}", i.id),
                "legend": format!("{base}/legends/indicator.json?indicator={}", i.id),
                "findings": format!("{base}/findings/{}", i.id),
                "tiles": format!("{base}/tiles/{}?indicator={}", i.map_layer(), i.id),
            });
            v
        })
        .collect();
    // The schema type itself, so `/api` describes exactly this body.
    Ok(Json(json!(Indicators {
        lang,
        data_version: snapshot.data.version,
        indicators: list,
        methods: crate::classify::Method::ALL.to_vec(),
        classes: ClassCount {
            min: crate::classify::MIN_CLASSES,
            max: crate::classify::MAX_CLASSES,
            default: params::DEFAULT_CLASSES,
        },
        palettes: palette::sequential_names(),
        default_palette: palette::DEFAULT_SEQUENTIAL.to_owned(),
    })))
}
