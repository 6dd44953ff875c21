//! The profile charts: `GET /profiles/{area}/pyramid.svg` and `/deprivation.svg`, accessible
//! SVGs whose bars are proportional to their counts and each carry a title.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::area::{text, DEFAULT_DEPRIVATION_PERIOD, DEFAULT_PYRAMID_PERIOD};
use super::query::{find_area, read_profile, Pyramid, QuintileShare};
use crate::catalog::indicators::Lang;
use crate::error::AppError;
use crate::markup::{escape_xml, svg_open};
use crate::params;
use crate::params::{ConfidenceLevel, IndicatorChoice, IndicatorId, Params, PathParams};
use crate::state::AppState;

crate::query_request! {
    /// `GET /profiles/{area}/{chart}`'s query.
    pub struct ChartQuery {
        /// Population estimate (pyramid and deprivation charts); for trend.svg, a period of
        /// the indicator
        period: Option<String> = "period",
        /// The indicator of a trend chart (required for trend.svg)
        indicator: Option<String> = "indicator",
        /// Language of labels: en (default) or cy
        lang: Lang = "lang",
        /// Confidence level of intervals and significance: 95 (default) or 99.8
        level: ConfidenceLevel = "level",
    }
}

/// `GET /profiles/{area}/pyramid.svg`, `/deprivation.svg`, `/spine.svg` and
/// `/trend.svg?indicator=…`.
#[utoipa::path(get, path = "/profiles/{area}/{chart}", tag = "Profiles",
    params(
        super::area::AreaParam,
        ("chart" = String, Path, description = "pyramid.svg, deprivation.svg, spine.svg or trend.svg"),
        ChartQuery),
    responses(
        (status = 200, description = "Chart", body = String, content_type = "image/svg+xml"),
        crate::error::responses::LookupErrors))]
pub async fn get_chart(
    State(state): State<AppState>,
    PathParams((area, chart)): PathParams<(String, String)>,
    Params(q): Params<ChartQuery>,
) -> Result<Response, AppError> {
    const CHARTS: [&str; 4] = ["pyramid.svg", "deprivation.svg", "spine.svg", "trend.svg"];
    if !CHARTS.contains(&chart.as_str()) {
        return Err(AppError::NotFound(format!(
            "no chart {}: use {}",
            chart.chars().take(60).collect::<String>(),
            CHARTS.join(", ")
        )));
    }
    let lang = q.lang;
    if chart == "spine.svg" || chart == "trend.svg" {
        // From the snapshot alone: indicator values, no population rows.
        let snapshot = state.snapshot().await?;
        let area = find_area(&snapshot, &area)?;
        let level = q.level;
        let svg = if chart == "spine.svg" {
            super::spine::spine_svg(&snapshot.catalog, area, lang, level)
        } else {
            let ip = IndicatorChoice {
                indicator: IndicatorId(q.indicator.clone()),
                period: q.period.clone(),
            }
            .resolve(&snapshot.catalog)?;
            super::trend::trend_svg(&snapshot.catalog, area, ip.indicator, lang, level).ok_or_else(
                || {
                    AppError::NotFound(format!(
                        "{} has fewer than two periods of {}: a trend needs two",
                        area.code, ip.indicator.id
                    ))
                },
            )?
        };
        return Ok(svg_response(svg));
    }
    let (snapshot, data) = read_profile(&state, &area).await?;
    let area = find_area(&snapshot, &area)?;
    let name = area.name(lang);
    let svg = if chart == "pyramid.svg" {
        let pyramid = at_period(&q, DEFAULT_PYRAMID_PERIOD, &data.pyramids, |p| &p.period)?;
        // Wales's age structure for the same estimate, drawn over the bars for comparison.
        let wales = if area.code == crate::catalog::WALES_CODE {
            None
        } else {
            Some(read_profile(&state, "wales").await?.1)
        };
        let wales_pyramid = wales
            .as_ref()
            .and_then(|w| w.pyramids.iter().find(|p| p.period == pyramid.period));
        pyramid_svg(name, pyramid, wales_pyramid, lang)
    } else {
        let residents = at_period(&q, DEFAULT_DEPRIVATION_PERIOD, &data.residents, |r| {
            &r.period
        })?;
        // The LSOA bar counts the LSOAs of the same edition as the residents' bar.
        let vintage = residents.vintage();
        let lsoas = match vintage {
            crate::catalog::WimdVintage::Wimd2025 => &data.lsoas_2025,
            crate::catalog::WimdVintage::Wimd2019 => &data.lsoas,
        };
        deprivation_svg(
            name,
            &residents.period,
            vintage,
            &residents.quintiles,
            lsoas,
            lang,
        )
    };
    Ok(svg_response(svg))
}

fn svg_response(svg: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        svg,
    )
        .into_response()
}

/// The entry for `?period=` (else `default`) among `items`, or a 400 listing the periods
/// there are.
fn at_period<'a, T>(
    q: &ChartQuery,
    default: &str,
    items: &'a [T],
    period_of: impl Fn(&T) -> &String,
) -> Result<&'a T, AppError> {
    let period = q.period.as_deref().unwrap_or(default);
    items
        .iter()
        .find(|item| period_of(item) == period)
        .ok_or_else(|| {
            params::ParamError::Unknown {
                param: "period",
                value: period.chars().take(40).collect(),
                allowed: items.iter().map(|item| period_of(item).clone()).collect(),
            }
            .into()
        })
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
/// The population pyramid of `p`; with `wales`, Wales's age structure scaled to the
/// area's total is marked on every bar (class `wales`), so the shapes compare directly.
pub fn pyramid_svg(name: &str, p: &Pyramid, wales: Option<&Pyramid>, lang: Lang) -> String {
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
        lang.period(&p.period)
    );
    let (lead, note) = if p.by_sex {
        (
            text(lang, "Population pyramid of", "Pyramid poblogaeth"),
            text(
                lang,
                "Males on the left, females on the right; youngest band at the bottom. Source: ONS mid-year estimates on 2021 LSOAs.",
                "Gwrywod ar y chwith, benywod ar y dde; y band ieuengaf ar y gwaelod. Ffynhonnell: amcangyfrifon canol blwyddyn ONS ar ACEHI 2021."
            ),
        )
    } else {
        (
            text(lang, "Persons by five-year age band:", "Pobl fesul band oedran pum mlynedd:"),
            text(
                lang,
                "No sex split is available for this estimate; youngest band at the bottom. Source: ONS mid-year estimates on 2011 LSOAs.",
                "Dim rhaniad rhyw ar gael ar gyfer yr amcangyfrif hwn; y band ieuengaf ar y gwaelod. Ffynhonnell: amcangyfrifon canol blwyddyn ONS ar ACEHI 2011."
            ),
        )
    };
    // Wales's count in a band at the area's size: its share of Wales times the area's total.
    let expected = |band: &str, pick: fn(&super::query::AgeBand) -> Option<i64>| -> Option<i64> {
        let w = wales?;
        let b = w.bands.iter().find(|b| b.band == band)?;
        let n = pick(b)?;
        (w.total > 0).then(|| (n as f64 * p.total as f64 / w.total as f64).round() as i64)
    };
    let comparison = if wales.is_some() {
        text(
            lang,
            " Black marks: Wales's age structure at this area's size.",
            " Marciau du: strwythur oedran Cymru ar faint yr ardal hon.",
        )
    } else {
        ""
    };
    let desc = format!(
        "{lead} {} {}. {note}{comparison}",
        thousands(p.total),
        text(lang, "residents", "o drigolion"),
    );
    let mut out = svg_open("pyramid", WIDTH, height, lang.as_str(), 11, &title, &desc);
    out.push_str(&format!(
        "<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        WIDTH / 2.0,
        escape_xml(&title)
    ));
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
            .flat_map(|b| {
                [
                    b.female.unwrap_or(0),
                    b.male.unwrap_or(0),
                    expected(&b.band, |w| w.female).unwrap_or(0),
                    expected(&b.band, |w| w.male).unwrap_or(0),
                ]
            })
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
            for (sex, side, pick) in [
                (
                    "male",
                    -1.0,
                    (|w: &super::query::AgeBand| w.male) as fn(&_) -> _,
                ),
                ("female", 1.0, |w: &super::query::AgeBand| w.female),
            ] {
                if let Some(n) = expected(&b.band, pick) {
                    let x = centre + side * (LABEL / 2.0 + scale(n, max, half));
                    out.push_str(&wales_mark(sex, &band, n, x, y, ROW - 3.0, lang));
                }
            }
        }
    } else {
        let max = p
            .bands
            .iter()
            .flat_map(|b| {
                [
                    b.persons,
                    expected(&b.band, |w| Some(w.persons)).unwrap_or(0),
                ]
            })
            .max()
            .unwrap_or(0);
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
            if let Some(n) = expected(&b.band, |w| Some(w.persons)) {
                let x = LABEL + scale(n, max, full);
                out.push_str(&wales_mark("persons", &band, n, x, y, ROW - 3.0, lang));
            }
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

/// One band's Wales mark: a black tick where the bar would end if the area had Wales's
/// age structure, with a `<title>` giving that count.
fn wales_mark(
    sex: &str,
    band: &str,
    count: i64,
    x: f64,
    y: f64,
    height: f64,
    lang: Lang,
) -> String {
    format!(
        "<line class=\"wales\" data-sex=\"{sex}\" data-band=\"{band}\" data-count=\"{count}\" x1=\"{x:.2}\" x2=\"{x:.2}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"2\"><title>{} {band}: {}</title></line>",
        y - 1.0,
        y + height + 1.0,
        text(lang, "Wales's structure at this size, aged", "Strwythur Cymru ar y maint hwn, oed"),
        thousands(count),
    )
}

/// Two stacked bars: residents by WIMD quintile of their LSOA, and LSOAs by quintile.
/// Segment lengths are proportional to the shares; each has a `<title>`.
pub fn deprivation_svg(
    name: &str,
    period: &str,
    vintage: crate::catalog::WimdVintage,
    residents: &[QuintileShare],
    lsoas: &[QuintileShare],
    lang: Lang,
) -> String {
    const WIDTH: f64 = 480.0;
    const LEFT: f64 = 130.0;
    const BAR: f64 = 26.0;
    let full = WIDTH - LEFT - 20.0;
    let colours = crate::palette::wimd_quintiles();
    let (edition_en, edition_cy, lsoas_en, lsoas_cy) = match vintage {
        crate::catalog::WimdVintage::Wimd2019 => ("WIMD 2019", "MALlC 2019", "2011", "2011"),
        crate::catalog::WimdVintage::Wimd2025 => ("WIMD 2025", "MALlC 2025", "2021", "2021"),
    };
    let title = match lang {
        Lang::En => format!("{name}: deprivation profile ({edition_en} quintiles)"),
        Lang::Cy => format!("{name}: proffil amddifadedd (cwintelau {edition_cy})"),
    };
    let q1 = residents.first().map_or(0.0, |q| q.share_pct);
    let period = lang.period(period);
    let desc = format!(
        "{} {q1:.1}% {} ({period}). {}",
        text(lang, "Residents in quintile 1 (most deprived):", "Trigolion yng nghwintel 1 (mwyaf difreintiedig):"),
        text(lang, "of residents", "o'r trigolion"),
        match lang {
            Lang::En => format!("Top bar: residents by the {edition_en} quintile of their {lsoas_en} LSOA; bottom bar: {lsoas_en} LSOAs by quintile. Quintile 1 is the most deprived 20% of LSOAs in Wales."),
            Lang::Cy => format!("Bar uchaf: trigolion yn ôl cwintel {edition_cy} eu ACEHI {lsoas_cy}; bar isaf: ACEHI {lsoas_cy} yn ôl cwintel. Cwintel 1 yw'r 20% mwyaf difreintiedig o ACEHI yng Nghymru."),
        }
    );
    let mut out = svg_open(
        "deprivation",
        WIDTH,
        150.0,
        lang.as_str(),
        11,
        &title,
        &desc,
    );
    out.push_str(&format!(
        "<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        WIDTH / 2.0,
        escape_xml(&title)
    ));
    let rows = [
        (
            format!("{} {period}", text(lang, "Residents", "Trigolion")),
            "residents",
            residents,
            34.0,
        ),
        (
            match lang {
                Lang::En => format!("LSOAs ({lsoas_en})"),
                Lang::Cy => format!("ACEHI ({lsoas_cy})"),
            },
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
        // The edition the bars count, not always 2019.
        escape_xml(&match lang {
            Lang::En => format!("Sources: ONS population estimates; Welsh Government {edition_en}; OGL v3.0"),
            Lang::Cy => format!("Ffynonellau: amcangyfrifon poblogaeth ONS; {edition_cy} Llywodraeth Cymru; OGL v3.0"),
        })
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::WimdVintage;
    use crate::profiles::query::{AgeBand, QuintileShare};

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(3_152_879), "3,152,879");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
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
        let svg = pyramid_svg("A & B", &p, None, Lang::En);
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
        // In Welsh, the period and the LSOAs are in the page's words (ACEHI, not "LSOAau").
        let cy = pyramid_svg("A", &p, None, Lang::Cy);
        assert!(
            cy.contains("canol 2024") && !cy.contains("mid-2024"),
            "{cy}"
        );
        assert!(cy.contains("ACEHI 2021") && !cy.contains("LSOAau"), "{cy}");
    }

    /// The deprivation bars say their period in the page's language and credit the
    /// edition they count.
    #[test]
    fn deprivation_words_follow_language_and_edition() {
        let shares = [QuintileShare {
            quintile: 1,
            count: 10,
            share_pct: 100.0,
        }];
        let svg = |lang| {
            deprivation_svg(
                "A",
                "mid-2024",
                WimdVintage::Wimd2025,
                &shares,
                &shares,
                lang,
            )
        };
        let cy = svg(Lang::Cy);
        assert!(
            cy.contains("Trigolion canol 2024") && !cy.contains("mid-2024"),
            "{cy}"
        );
        assert!(
            cy.contains("MALlC 2025 Llywodraeth Cymru") && !cy.contains("MALlC 2019"),
            "{cy}"
        );
        assert!(svg(Lang::En).contains("Welsh Government WIMD 2025;"));
    }
}
