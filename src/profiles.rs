//! Area profiles for dashboards: `/profiles/{area}` (population pyramid, deprivation
//! profiles and indicator values with comparisons, in English or Welsh) and its two
//! accessible SVG charts, a population pyramid and a deprivation profile bar.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::Row;

use crate::catalog::indicators::{Area, Lang, Level};
use crate::catalog::snapshot::Snapshot;
use crate::error::AppError;
use crate::server::AppState;
use crate::style::{escape_xml, params, StyleError};

/// The Wales area code; `/profiles/wales` is accepted too.
const WALES: &str = "W92000004";
/// The period the charts show when none is asked for: sex by age needs 2021 LSOAs.
const DEFAULT_PYRAMID_PERIOD: &str = "mid-2024";
/// The deprivation profile's default: the newest estimate on WIMD 2019's own LSOAs.
const DEFAULT_DEPRIVATION_PERIOD: &str = "mid-2020";

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/profiles/{area}", get(get_profile))
        .route("/profiles/{area}/{chart}", get(get_chart))
}

/// One age band of one period.
#[derive(Debug, Clone, Serialize)]
pub struct AgeBand {
    /// Band label, e.g. `0-4` or `65+`.
    pub band: String,
    /// Everyone in the band.
    pub persons: i64,
    /// Females (2021-LSOA estimates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub female: Option<i64>,
    /// Males (2021-LSOA estimates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub male: Option<i64>,
}

/// An area's age (and sex) structure for one estimate.
#[derive(Debug, Clone, Serialize)]
pub struct Pyramid {
    /// e.g. `mid-2024`.
    pub period: String,
    /// `lsoa2011` or `lsoa2021`: which LSOAs the estimate was summed from.
    pub geography: String,
    /// Whether the bands are split by sex.
    pub by_sex: bool,
    /// Everyone.
    pub total: i64,
    /// Youngest first.
    pub bands: Vec<AgeBand>,
}

/// Residents (or LSOAs) in one WIMD quintile.
#[derive(Debug, Clone, Serialize)]
pub struct QuintileShare {
    /// 1 (most deprived) to 5.
    pub quintile: i32,
    /// Residents or LSOAs.
    pub count: i64,
    /// Share of the area, per cent.
    pub share_pct: f64,
}

/// What a profile needs from the database, beyond the snapshot.
struct ProfileData {
    pyramids: Vec<Pyramid>,
    residents: Vec<(String, Vec<QuintileShare>)>,
    lsoas: Vec<QuintileShare>,
}

fn unknown_area(area: &str) -> AppError {
    AppError::NotFound(format!(
        "no cluster, health board or Wales with code {}; see /collections/clusters/items and /collections/health_boards/items",
        area.chars().take(100).collect::<String>()
    ))
}

/// The area a path names, from the snapshot (so unknown codes never reach SQL).
fn find_area<'a>(snapshot: &'a Snapshot, area: &str) -> Result<&'a Area, AppError> {
    let code = if area.eq_ignore_ascii_case("wales") {
        WALES
    } else {
        area
    };
    snapshot
        .catalog
        .areas
        .get(code)
        .ok_or_else(|| unknown_area(area))
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Wales => "wales",
        Level::HealthBoard => "health_board",
        Level::Cluster => "cluster",
    }
}

/// The area's population and deprivation rows, read in one consistent snapshot, with the
/// data version that snapshot holds.
async fn load(state: &AppState, area: &Area) -> Result<(ProfileData, i64), AppError> {
    let level = level_name(area.level);
    let code = area.code.clone();
    let pool = state.pool.clone();
    state
        .with_db(async move {
            let mut tx = crate::db::begin_consistent_read(&pool).await?;
            let version = crate::db::visible_version(&mut *tx).await?;
            let rows = sqlx::query(
                "select period, geography, sex, band, band_order, persons from atlas.area_population \
                 where level = $1 and area_code = $2 order by period desc, band_order",
            )
            .bind(level)
            .bind(&code)
            .fetch_all(&mut *tx)
            .await?;
            let mut pyramids: Vec<Pyramid> = Vec::new();
            for r in rows {
                let period: String = r.try_get("period")?;
                let sex: String = r.try_get("sex")?;
                let band: String = r.try_get("band")?;
                let persons: i64 = r.try_get("persons")?;
                if pyramids.last().is_none_or(|p| p.period != period) {
                    let geography: String = r.try_get("geography")?;
                    pyramids.push(Pyramid {
                        period: period.clone(),
                        by_sex: geography == "lsoa2021",
                        geography,
                        total: 0,
                        bands: Vec::new(),
                    });
                }
                let pyramid = pyramids.last_mut().expect("pushed above");
                let index = match pyramid.bands.iter().position(|b| b.band == band) {
                    Some(i) => i,
                    None => {
                        pyramid.bands.push(AgeBand {
                            band,
                            persons: 0,
                            female: None,
                            male: None,
                        });
                        pyramid.bands.len() - 1
                    }
                };
                let entry = &mut pyramid.bands[index];
                match sex.as_str() {
                    "female" => entry.female = Some(persons),
                    "male" => entry.male = Some(persons),
                    _ => {
                        entry.persons = persons;
                        pyramid.total += persons;
                    }
                }
            }
            let rows = sqlx::query(
                "select period, quintile, residents, share_pct from atlas.area_population_deprivation \
                 where level = $1 and area_code = $2 order by period desc, quintile",
            )
            .bind(level)
            .bind(&code)
            .fetch_all(&mut *tx)
            .await?;
            let mut residents: Vec<(String, Vec<QuintileShare>)> = Vec::new();
            for r in rows {
                let period: String = r.try_get("period")?;
                if residents.last().is_none_or(|(p, _)| *p != period) {
                    residents.push((period, Vec::new()));
                }
                residents.last_mut().expect("pushed above").1.push(QuintileShare {
                    quintile: r.try_get("quintile")?,
                    count: r.try_get("residents")?,
                    share_pct: r.try_get("share_pct")?,
                });
            }
            let filter = match level {
                "cluster" => "cluster_code = $1",
                "health_board" => "hb_code = $1",
                _ => "$1::text is not null",
            };
            // The filter is one of three compiled-in strings; the code is a bind.
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "select wimd_quintile::integer as q, count(*) as n, (100.0 * count(*) / sum(count(*)) over ())::float8 as pct \
                 from atlas.lsoa where {filter} group by wimd_quintile order by wimd_quintile"
            )))
            .bind(&code)
            .fetch_all(&mut *tx)
            .await?;
            let mut lsoas: Vec<QuintileShare> = (1..=5)
                .map(|q| QuintileShare {
                    quintile: q,
                    count: 0,
                    share_pct: 0.0,
                })
                .collect();
            for r in rows {
                let q: i32 = r.try_get("q")?;
                if let Some(slot) = usize::try_from(q - 1).ok().and_then(|i| lsoas.get_mut(i)) {
                    slot.count = r.try_get("n")?;
                    slot.share_pct = r.try_get::<f64, _>("pct")?;
                }
            }
            tx.commit().await?;
            Ok((
                ProfileData {
                    pyramids,
                    residents,
                    lsoas,
                },
                version,
            ))
        })
        .await
}

/// The area's profile data and the snapshot whose indicator values belong with it.
async fn read_profile(
    state: &AppState,
    area: &str,
) -> Result<(std::sync::Arc<Snapshot>, ProfileData), AppError> {
    state
        .read_at_snapshot(|snapshot| async move { load(state, find_area(&snapshot, area)?).await })
        .await
}

fn text(lang: Lang, en: &'static str, cy: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Cy => cy,
    }
}

/// `GET /profiles/{area}`: everything a dashboard's profile card needs.
async fn get_profile(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(area): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let lang = params::lang(&q).map_err(StyleError::from)?;
    // Population rows and indicator values must come from the same load.
    let (snapshot, data) = read_profile(&state, &area).await?;
    let area = find_area(&snapshot, &area)?;
    let catalog = &snapshot.catalog;
    let board = area
        .hb_code
        .as_ref()
        .filter(|_| area.level == Level::Cluster)
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
        let Some(v) = catalog
            .values(&ind.id, period)
            .iter()
            .find(|v| v.code == area.code)
        else {
            continue;
        };
        indicators.push(json!({
            "id": ind.id,
            "title": ind.title(lang),
            "title_is_english_fallback": lang == Lang::Cy && ind.title_cy_fallback,
            "unit": ind.unit,
            "polarity": ind.polarity,
            "period": period,
            "value": v.value,
            "numerator": v.numerator,
            "denominator": v.denominator,
            "lower_ci": v.lower_ci,
            "upper_ci": v.upper_ci,
            "wales_value": value_of(&ind.id, period, WALES),
            "health_board_value": board.and_then(|b| value_of(&ind.id, period, &b.code)),
            "sig_vs_wales": (area.level != Level::Wales).then(|| v.sig_vs_wales.as_str()),
            "sig_vs_health_board": (area.level == Level::Cluster).then(|| v.sig_vs_hb.as_str()),
        }));
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
        "data_version": data_version.version,
        "cluster_geography_approximate": data_version.cluster_approximate,
        "cluster_geography": data_version.cluster_provenance,
        "population": {
            "note": text(lang,
                "ONS small area population estimates summed over the area's LSOAs. mid-2019 and mid-2020: persons by five-year age band on 2011 LSOAs (no sex split was available). mid-2024: sex by broad age band on 2021 LSOAs, each assigned to the cluster of most of its 2011 parent LSOAs.",
                "Amcangyfrifon poblogaeth ardaloedd bach ONS wedi'u hadio dros LSOAau'r ardal. Canol 2019 a chanol 2020: pobl fesul band oedran pum mlynedd ar LSOAau 2011 (dim rhaniad rhyw ar gael). Canol 2024: rhyw fesul band oedran eang ar LSOAau 2021."),
            "pyramids": data.pyramids,
        },
        "deprivation": {
            "note": text(lang,
                "WIMD 2019 quintiles of the area's 2011 LSOAs; quintile 1 is the most deprived 20% in Wales. The population-weighted profile counts residents (ONS estimate of the period stated); the LSOA profile counts LSOAs.",
                "Cwintelau MALlC 2019 LSOAau 2011 yr ardal; cwintel 1 yw'r 20% mwyaf difreintiedig yng Nghymru. Mae'r proffil wedi'i bwysoli yn ôl poblogaeth yn cyfrif trigolion; mae proffil yr LSOAau yn cyfrif LSOAau."),
            "population_weighted": data.residents.iter().map(|(period, q)| json!({"period": period, "quintiles": q})).collect::<Vec<_>>(),
            "lsoa_count": {"lsoas": data.lsoas.iter().map(|q| q.count).sum::<i64>(), "quintiles": data.lsoas},
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
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /profiles/{area}/pyramid.svg` and `/profiles/{area}/deprivation.svg`.
async fn get_chart(
    State(state): State<AppState>,
    Path((area, chart)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    if chart != "pyramid.svg" && chart != "deprivation.svg" {
        return Err(AppError::NotFound(format!(
            "no chart {}: use pyramid.svg or deprivation.svg",
            chart.chars().take(60).collect::<String>()
        )));
    }
    let lang = params::lang(&q).map_err(StyleError::from)?;
    let (snapshot, data) = read_profile(&state, &area).await?;
    let area = find_area(&snapshot, &area)?;
    let name = area.name(lang);
    let svg = if chart == "pyramid.svg" {
        let period = q
            .get("period")
            .map_or(DEFAULT_PYRAMID_PERIOD, String::as_str);
        let pyramid = data
            .pyramids
            .iter()
            .find(|p| p.period == period)
            .ok_or_else(|| bad_period(period, data.pyramids.iter().map(|p| p.period.clone())))?;
        pyramid_svg(name, pyramid, lang)
    } else {
        let period = q
            .get("period")
            .map_or(DEFAULT_DEPRIVATION_PERIOD, String::as_str);
        let residents = data
            .residents
            .iter()
            .find(|(p, _)| p == period)
            .ok_or_else(|| bad_period(period, data.residents.iter().map(|(p, _)| p.clone())))?;
        deprivation_svg(name, period, &residents.1, &data.lsoas, lang)
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        svg,
    )
        .into_response())
}

fn bad_period(period: &str, allowed: impl Iterator<Item = String>) -> AppError {
    AppError::Style(StyleError::Param(params::ParamError::Unknown {
        param: "period",
        value: period.chars().take(40).collect(),
        allowed: allowed.collect(),
    }))
}

fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Bar length in the SVG's units for a count, so lengths are proportional to counts.
fn scale(count: i64, max: i64, full: f64) -> f64 {
    if max <= 0 {
        0.0
    } else {
        full * count as f64 / max as f64
    }
}

/// A population pyramid (males left, females right) when the estimate has sex, otherwise
/// one-sided bars of persons; youngest band at the bottom. Every bar has a `<title>` and
/// `data-*` attributes with its number.
pub fn pyramid_svg(name: &str, p: &Pyramid, lang: Lang) -> String {
    const ROW: f64 = 18.0;
    const TOP: f64 = 48.0;
    const WIDTH: f64 = 480.0;
    const LABEL: f64 = 56.0;
    let rows = p.bands.len() as f64;
    let height = TOP + rows * ROW + 40.0;
    let title = format!(
        "{}: {} {}",
        name,
        text(lang, "population by age", "poblogaeth yn ôl oedran"),
        p.period
    );
    let desc = if p.by_sex {
        format!(
            "{} {} {}. {}",
            text(lang, "Population pyramid of", "Pyramid poblogaeth"),
            thousands(p.total),
            text(lang, "residents", "o drigolion"),
            text(
                lang,
                "Males on the left, females on the right; youngest band at the bottom. Source: ONS mid-year estimates on 2021 LSOAs.",
                "Gwrywod ar y chwith, benywod ar y dde; y band ieuengaf ar y gwaelod. Ffynhonnell: amcangyfrifon canol blwyddyn ONS ar LSOAau 2021."
            )
        )
    } else {
        format!(
            "{} {} {}. {}",
            text(lang, "Persons by five-year age band:", "Pobl fesul band oedran pum mlynedd:"),
            thousands(p.total),
            text(lang, "residents", "o drigolion"),
            text(
                lang,
                "No sex split is available for this estimate; youngest band at the bottom. Source: ONS mid-year estimates on 2011 LSOAs.",
                "Dim rhaniad rhyw ar gael ar gyfer yr amcangyfrif hwn; y band ieuengaf ar y gwaelod. Ffynhonnell: amcangyfrifon canol blwyddyn ONS ar LSOAau 2011."
            )
        )
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" \
         role=\"img\" aria-labelledby=\"pyramid-title pyramid-desc\" font-family=\"sans-serif\" font-size=\"11\">\
         <title id=\"pyramid-title\">{}</title><desc id=\"pyramid-desc\">{}</desc>\
         <text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        escape_xml(&title),
        escape_xml(&desc),
        WIDTH / 2.0,
        escape_xml(&title)
    );
    let (female_word, male_word, persons_word) = (
        text(lang, "Females", "Benywod"),
        text(lang, "Males", "Gwrywod"),
        text(lang, "Persons", "Pobl"),
    );
    let age = text(lang, "aged", "oed");
    if p.by_sex {
        let max = p
            .bands
            .iter()
            .flat_map(|b| [b.female.unwrap_or(0), b.male.unwrap_or(0)])
            .max()
            .unwrap_or(0);
        let centre = WIDTH / 2.0;
        let half = centre - LABEL / 2.0 - 8.0;
        out.push_str(&format!(
            "<text x=\"{}\" y=\"38\" text-anchor=\"middle\" fill=\"#2166ac\">{male_word}</text>\
             <text x=\"{}\" y=\"38\" text-anchor=\"middle\" fill=\"#b2182b\">{female_word}</text>",
            centre / 2.0,
            centre + centre / 2.0
        ));
        for (i, b) in p.bands.iter().enumerate() {
            let y = TOP + (rows - 1.0 - i as f64) * ROW;
            let (m, f) = (b.male.unwrap_or(0), b.female.unwrap_or(0));
            let (mw, fw) = (scale(m, max, half), scale(f, max, half));
            let band = escape_xml(&b.band);
            out.push_str(&format!(
                "<rect class=\"bar\" data-sex=\"male\" data-band=\"{band}\" data-count=\"{m}\" x=\"{:.2}\" y=\"{y}\" width=\"{mw:.4}\" height=\"{}\" fill=\"#2166ac\"><title>{male_word} {age} {band}: {}</title></rect>\
                 <rect class=\"bar\" data-sex=\"female\" data-band=\"{band}\" data-count=\"{f}\" x=\"{:.2}\" y=\"{y}\" width=\"{fw:.4}\" height=\"{}\" fill=\"#b2182b\"><title>{female_word} {age} {band}: {}</title></rect>\
                 <text x=\"{centre}\" y=\"{}\" text-anchor=\"middle\">{band}</text>",
                centre - LABEL / 2.0 - mw,
                ROW - 3.0,
                thousands(m),
                centre + LABEL / 2.0,
                ROW - 3.0,
                thousands(f),
                y + ROW - 6.0,
            ));
        }
    } else {
        let max = p.bands.iter().map(|b| b.persons).max().unwrap_or(0);
        let full = WIDTH - LABEL - 70.0;
        for (i, b) in p.bands.iter().enumerate() {
            let y = TOP + (rows - 1.0 - i as f64) * ROW;
            let w = scale(b.persons, max, full);
            let band = escape_xml(&b.band);
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{band}</text>\
                 <rect class=\"bar\" data-sex=\"persons\" data-band=\"{band}\" data-count=\"{}\" x=\"{LABEL}\" y=\"{y}\" width=\"{w:.4}\" height=\"{}\" fill=\"#5e3c99\"><title>{persons_word} {age} {band}: {}</title></rect>\
                 <text x=\"{}\" y=\"{}\">{}</text>",
                LABEL - 4.0,
                y + ROW - 6.0,
                b.persons,
                ROW - 3.0,
                thousands(b.persons),
                LABEL + w + 4.0,
                y + ROW - 6.0,
                thousands(b.persons),
            ));
        }
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}</text></svg>",
        WIDTH / 2.0,
        height - 12.0,
        escape_xml(text(
            lang,
            "Source: Office for National Statistics, OGL v3.0",
            "Ffynhonnell: Swyddfa Ystadegau Gwladol, OGL v3.0"
        ))
    ));
    out
}

/// Two stacked bars: residents by WIMD quintile of their LSOA, and LSOAs by quintile.
/// Segment lengths are proportional to the shares; each has a `<title>`.
pub fn deprivation_svg(
    name: &str,
    period: &str,
    residents: &[QuintileShare],
    lsoas: &[QuintileShare],
    lang: Lang,
) -> String {
    const WIDTH: f64 = 480.0;
    const LEFT: f64 = 130.0;
    const BAR: f64 = 26.0;
    let full = WIDTH - LEFT - 20.0;
    let colours = crate::style::palette::wimd_quintiles();
    let title = format!(
        "{}: {}",
        name,
        text(
            lang,
            "deprivation profile (WIMD 2019 quintiles)",
            "proffil amddifadedd (cwintelau MALlC 2019)"
        )
    );
    let q1 = residents.first().map_or(0.0, |q| q.share_pct);
    let desc = format!(
        "{} {q1:.1}% {} ({period}). {}",
        text(lang, "Residents in quintile 1 (most deprived):", "Trigolion yng nghwintel 1 (mwyaf difreintiedig):"),
        text(lang, "of residents", "o'r trigolion"),
        text(
            lang,
            "Top bar: residents by the WIMD 2019 quintile of their LSOA; bottom bar: LSOAs by quintile. Quintile 1 is the most deprived 20% of LSOAs in Wales.",
            "Bar uchaf: trigolion yn ôl cwintel MALlC 2019 eu LSOA; bar isaf: LSOAau yn ôl cwintel. Cwintel 1 yw'r 20% mwyaf difreintiedig o LSOAau yng Nghymru."
        )
    );
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} 150\" width=\"{WIDTH}\" height=\"150\" \
         role=\"img\" aria-labelledby=\"deprivation-title deprivation-desc\" font-family=\"sans-serif\" font-size=\"11\">\
         <title id=\"deprivation-title\">{}</title><desc id=\"deprivation-desc\">{}</desc>\
         <text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        escape_xml(&title),
        escape_xml(&desc),
        WIDTH / 2.0,
        escape_xml(&title)
    );
    let rows = [
        (
            format!("{} {period}", text(lang, "Residents", "Trigolion")),
            "residents",
            residents,
            34.0,
        ),
        (
            text(lang, "LSOAs", "LSOAau").to_owned(),
            "lsoas",
            lsoas,
            74.0,
        ),
    ];
    let quintile_word = text(lang, "Quintile", "Cwintel");
    for (label, kind, shares, y) in rows {
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LEFT - 6.0,
            y + BAR / 2.0 + 4.0,
            escape_xml(&label)
        ));
        let mut x = LEFT;
        for q in shares {
            let w = full * q.share_pct / 100.0;
            let colour = colours
                .get(usize::try_from(q.quintile - 1).unwrap_or(0))
                .map_or("#999999", String::as_str);
            out.push_str(&format!(
                "<rect class=\"segment\" data-kind=\"{kind}\" data-quintile=\"{}\" data-count=\"{}\" data-share=\"{:.4}\" x=\"{x:.4}\" y=\"{y}\" width=\"{w:.4}\" height=\"{BAR}\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{quintile_word} {}: {} ({:.1}%)</title></rect>",
                q.quintile,
                q.count,
                q.share_pct,
                q.quintile,
                thousands(q.count),
                q.share_pct
            ));
            x += w;
        }
    }
    out.push_str(&format!(
        "<text x=\"{LEFT}\" y=\"124\">{}</text><text x=\"{}\" y=\"124\" text-anchor=\"end\">{}</text>\
         <text x=\"{}\" y=\"142\" text-anchor=\"middle\" fill=\"#555\">{}</text></svg>",
        escape_xml(text(lang, "← most deprived (Q1)", "← mwyaf difreintiedig (C1)")),
        WIDTH - 20.0,
        escape_xml(text(lang, "least deprived (Q5) →", "lleiaf difreintiedig (C5) →")),
        WIDTH / 2.0,
        escape_xml(text(
            lang,
            "Sources: ONS population estimates; Welsh Government WIMD 2019; OGL v3.0",
            "Ffynonellau: amcangyfrifon poblogaeth ONS; MALlC 2019 Llywodraeth Cymru; OGL v3.0"
        ))
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(3_152_879), "3,152,879");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
    }

    #[test]
    fn cluster_keys_are_encoded_in_paths() {
        assert_eq!(urlencode("7A1:anglesey"), "7A1%3Aanglesey");
    }

    #[test]
    fn pyramid_bars_are_proportional_and_titled() {
        let p = Pyramid {
            period: "mid-2024".into(),
            geography: "lsoa2021".into(),
            by_sex: true,
            total: 30,
            bands: vec![
                AgeBand {
                    band: "0-15".into(),
                    persons: 10,
                    female: Some(4),
                    male: Some(6),
                },
                AgeBand {
                    band: "65+".into(),
                    persons: 20,
                    female: Some(12),
                    male: Some(8),
                },
            ],
        };
        let svg = pyramid_svg("A & B", &p, Lang::En);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let bars: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("bar"))
            .collect();
        assert_eq!(bars.len(), 4);
        for b in &bars {
            let count: f64 = b.attribute("data-count").unwrap().parse().unwrap();
            let width: f64 = b.attribute("width").unwrap().parse().unwrap();
            assert!(
                (width / count
                    - bars[3].attribute("width").unwrap().parse::<f64>().unwrap() / 12.0)
                    .abs()
                    < 1e-3
            );
        }
        assert!(svg.contains("A &amp; B"));
    }
}
