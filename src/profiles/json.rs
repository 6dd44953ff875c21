//! `GET /profiles/{area}`: the profile document, everything a dashboard's profile card needs.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::area::text;
use super::query::{find_area, level_name, read_profile};
use crate::catalog::indicators::{AreaLevel, Lang};
use crate::catalog::values::VALUE_FIELDS;
use crate::catalog::WALES_CODE as WALES;
use crate::error::AppError;
use crate::params::{LangLevelQuery, Params, PathParams};
use crate::state::AppState;

/// `GET /profiles/{area}`: everything a dashboard's profile card needs.
#[utoipa::path(get, path = "/profiles/{area}", tag = "Profiles",
    params(super::area::AreaParam, LangLevelQuery),
    responses((status = 200, description = "OK", body = Profile), crate::error::responses::LookupErrors))]
pub async fn get_profile(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PathParams(area): PathParams<String>,
    Params(LangLevelQuery { lang, level }): Params<LangLevelQuery>,
) -> Result<Json<Value>, AppError> {
    // Population rows and indicator values must come from the same load.
    let (snapshot, data) = read_profile(&state, &area).await?;
    let area = find_area(&snapshot, &area)?;
    let catalog = &snapshot.catalog;
    let board = area
        .hb_code
        .as_ref()
        .filter(|_| area.level == AreaLevel::Cluster)
        .and_then(|hb| catalog.areas.get(hb));
    let value_of = |id: &str, period: &str, code: &str| {
        catalog
            .values(id, period)
            .iter()
            .find(|v| v.code == code)
            .map(|v| v.value)
    };
    let mut indicators = Vec::new();
    for ind in &catalog.indicators {
        let Some(period) = ind.periods.last() else {
            continue;
        };
        let values = catalog.values_at(&ind.id, period, level);
        let Some(v) = values.iter().find(|v| v.code == area.code) else {
            continue;
        };
        let mut item = json!({
            "id": ind.id,
            "title": ind.title(lang),
            "title_is_english_fallback": lang == Lang::Cy && ind.title_cy_fallback && !ind.title_cy_is_draft(),
            "title_is_draft": lang == Lang::Cy && ind.title_cy_is_draft(),
            "unit": ind.unit,
            "polarity": ind.polarity,
            "period": period,
        });
        // The area's value fields, from the one table; a class belongs to a map, not a profile.
        for f in VALUE_FIELDS.iter().filter(|f| f.name != "class") {
            item[f.name] = f.value_for(area.level, Some(v), None);
        }
        item["wales_value"] = json!(value_of(&ind.id, period, WALES));
        item["health_board_value"] = json!(board.and_then(|b| value_of(&ind.id, period, &b.code)));
        // The name this document used before `sig_vs_hb`, kept for existing dashboards.
        item["sig_vs_health_board"] = item["sig_vs_hb"].clone();
        indicators.push(item);
    }
    let base = state.base_url(&headers);
    let path_code = urlencode(&area.code);
    let lang_q = if lang == Lang::Cy { "?lang=cy" } else { "" };
    let data_version = &snapshot.data;
    Ok(Json(json!({
        "area": {
            "code": area.code,
            "level": level_name(area.level),
            "name": area.name(lang),
            "name_is_english_fallback": lang == Lang::Cy && area.name_cy_fallback,
            "health_board": board.map(|b| json!({"code": b.code, "name": b.name(lang)})),
        },
        "lang": if lang == Lang::Cy { "cy" } else { "en" },
        "confidence_level": level,
        "data_version": data_version.version,
        "cluster_geography_approximate": data_version.cluster_approximate,
        "cluster_geography": data_version.cluster_provenance,
        "population": {
            "note": text(lang,
                "ONS small area population estimates summed over the area's LSOAs. mid-2019 and mid-2020: persons by five-year age band on 2011 LSOAs (no sex split was available). mid-2024: sex by broad age band on 2021 LSOAs, each assigned to the cluster of most of its 2011 parent LSOAs.",
                "Amcangyfrifon poblogaeth ardaloedd bach ONS wedi'u hadio dros ACEHI'r ardal. Canol 2019 a chanol 2020: pobl fesul band oedran pum mlynedd ar ACEHI 2011 (dim rhaniad rhyw ar gael). Canol 2024: rhyw fesul band oedran eang ar ACEHI 2021."),
            "pyramids": data.pyramids,
        },
        "deprivation": {
            "note": text(lang,
                "WIMD 2025 quintiles of the area's 2021 LSOAs (the current index; mid-2024 residents), beside WIMD 2019 quintiles of its 2011 LSOAs (mid-2019 and mid-2020 residents); quintile 1 is the most deprived 20% in Wales. The population-weighted profile counts residents (ONS estimate of the period stated); the LSOA profile counts LSOAs. The two editions rank different LSOAs, so compare each with Wales, not with each other.",
                "Cwintelau MALlC 2025 ACEHI 2021 yr ardal (y mynegai cyfredol; trigolion canol 2024), wrth ymyl cwintelau MALlC 2019 ei ACEHI 2011 (trigolion canol 2019 a chanol 2020); cwintel 1 yw'r 20% mwyaf difreintiedig yng Nghymru. Mae'r proffil wedi'i bwysoli yn ôl poblogaeth yn cyfrif trigolion; mae proffil yr ACEHI yn cyfrif ACEHI. Mae'r ddau argraffiad yn rhestru ACEHI gwahanol, felly cymharwch bob un â Chymru, nid â'i gilydd."),
            "population_weighted": data.residents.iter().map(|r| json!({
                "period": r.period,
                "index": r.index,
                "lsoas": if r.index == "wimd2025" { "lsoa2021" } else { "lsoa2011" },
                "quintiles": r.quintiles,
            })).collect::<Vec<_>>(),
            "lsoa_count": {"index": "wimd2019", "lsoas": data.lsoas.iter().map(|q| q.count).sum::<i64>(), "quintiles": data.lsoas},
            "lsoa_count_wimd2025": {"index": "wimd2025", "lsoas": data.lsoas_2025.iter().map(|q| q.count).sum::<i64>(), "quintiles": data.lsoas_2025},
        },
        "indicators": indicators,
        "charts": {
            "pyramid": format!("{base}/profiles/{path_code}/pyramid.svg{lang_q}"),
            "deprivation": format!("{base}/profiles/{path_code}/deprivation.svg{lang_q}"),
        },
        "attribution": "Contains ONS and Welsh Government data licensed under the Open Government Licence v3.0",
    })))
}

/// Percent-encodes a path segment (cluster keys contain `:`).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_keys_are_encoded_in_paths() {
        assert_eq!(urlencode("7A1:anglesey"), "7A1%3Aanglesey");
    }
}
