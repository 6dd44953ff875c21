//! `Legend`: the classes, colours and labels of one map. Styles, legends (JSON, SVG, HTML)
//! and the QGIS SLD are all rendered from it, so they cannot disagree.

use serde::Serialize;
use serde_json::{json, Value};

use crate::catalog::indicators::{
    AreaLevel, AreaValue, Indicator, Lang, Polarity, UntestedReason, ValueType,
};
use crate::catalog::snapshot::Choropleth;
use crate::catalog::{domain_title, LayerId, WimdVintage, APPROXIMATE_NOTE, APPROXIMATE_NOTE_CY};
use crate::markup::{escape_xml, svg_open};
use crate::significance::{ConfidenceLevel, Significance};

use crate::palette;
use crate::params::{Benchmark, Classification};

/// Which kind of map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MapKind {
    /// LSOAs by WIMD quintile.
    Deprivation,
    /// Clusters by indicator class.
    Indicator,
    /// Clusters by significance flag.
    Significance,
}

impl MapKind {
    /// Parses the URL id.
    pub fn parse(s: &str) -> Option<MapKind> {
        match s {
            "deprivation" => Some(MapKind::Deprivation),
            "indicator" => Some(MapKind::Indicator),
            "significance" => Some(MapKind::Significance),
            _ => None,
        }
    }

    /// The URL id.
    pub fn as_str(self) -> &'static str {
        match self {
            MapKind::Deprivation => "deprivation",
            MapKind::Indicator => "indicator",
            MapKind::Significance => "significance",
        }
    }

    /// Every kind.
    pub const ALL: [MapKind; 3] = [
        MapKind::Deprivation,
        MapKind::Indicator,
        MapKind::Significance,
    ];
}

/// One class of a legend. It is its own OpenAPI schema: the JSON the routes send is this type.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LegendEntry {
    /// The tile property value that selects this class (an integer class or quintile,
    /// or a significance flag string); null for the no-data entry.
    pub key: Value,
    /// Fill colour.
    pub color: String,
    /// Label in the legend's language.
    pub label: String,
    /// Lower bound (indicator classes): exclusive, except for the first class; absent
    /// when manual breaks put the first class below every value ("≤ upper").
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lower: Option<f64>,
    /// Upper bound, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub upper: Option<f64>,
    /// Areas in the class.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub count: Option<usize>,
}

/// Everything a map's key needs. `GET /legends/{kind}.json` sends this type, so it is its
/// own OpenAPI schema.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Legend {
    /// Map kind: `deprivation`, `indicator` or `significance`.
    #[schema(value_type = String)]
    pub kind: MapKind,
    /// Language of the labels: `en` or `cy`.
    #[schema(value_type = String)]
    pub lang: Lang,
    /// Title.
    pub title: String,
    /// Method, period, units.
    pub subtitle: String,
    /// The tile layer that is coloured.
    #[schema(value_type = String)]
    pub layer: LayerId,
    /// The tile property the colours match on.
    pub property: String,
    /// Classes in display order.
    pub entries: Vec<LegendEntry>,
    /// Colour and label for areas without a value.
    pub no_data: LegendEntry,
    /// Caveats to show with the map.
    pub notes: Vec<String>,
    /// Method, requested classes and exact bounds, for indicator maps.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object, nullable = false)]
    pub classification: Option<Value>,
}

fn no_data(lang: Lang) -> LegendEntry {
    LegendEntry {
        key: Value::Null,
        color: palette::NO_DATA.to_owned(),
        label: lang.pick("No data", "Dim data").to_owned(),
        lower: None,
        upper: None,
        count: None,
    }
}

/// The approximate-geography caveat in `lang`.
pub fn approximate_note(lang: Lang) -> String {
    lang.pick(APPROXIMATE_NOTE, APPROXIMATE_NOTE_CY).to_owned()
}

/// LSOAs by WIMD 2019 quintile, overall or for one domain. Quintiles are given classes:
/// never recomputed, and quintile 1 (most deprived) is always the darkest.
pub fn deprivation(domain: &str, vintage: WimdVintage, lang: Lang, approximate: bool) -> Legend {
    let colors = palette::wimd_quintiles();
    let property = if domain == "overall" {
        "wimd_quintile".to_owned()
    } else {
        format!("{domain}_quintile")
    };
    let entries = (1..=5)
        .map(|q| LegendEntry {
            key: json!(q),
            color: colors[q - 1].clone(),
            label: match (q, lang) {
                (1, Lang::En) => "1 – most deprived 20%".to_owned(),
                (1, Lang::Cy) => "1 – y 20% mwyaf difreintiedig".to_owned(),
                (5, Lang::En) => "5 – least deprived 20%".to_owned(),
                (5, Lang::Cy) => "5 – y 20% lleiaf difreintiedig".to_owned(),
                _ => q.to_string(),
            },
            lower: None,
            upper: None,
            count: None,
        })
        .collect();
    let mut notes = vec![match (vintage, lang) {
        (WimdVintage::Wimd2019, Lang::En) => "WIMD 2019 quintiles of the 1,909 LSOAs (2011) in Wales, as published; quintile 1 is the most deprived.",
        (WimdVintage::Wimd2019, Lang::Cy) => "Cwintelau MALlC 2019 y 1,909 ACEHI (2011) yng Nghymru, fel y'u cyhoeddwyd; cwintel 1 yw'r mwyaf difreintiedig.",
        (WimdVintage::Wimd2025, Lang::En) => "WIMD 2025 quintiles of the 1,917 LSOAs (2021) in Wales, as published; quintile 1 is the most deprived. Overall index only; domains are 2019.",
        (WimdVintage::Wimd2025, Lang::Cy) => "Cwintelau MALlC 2025 y 1,917 ACEHI (2021) yng Nghymru, fel y'u cyhoeddwyd; cwintel 1 yw'r mwyaf difreintiedig. Y mynegai cyffredinol yn unig; parthau 2019 yw'r parthau.",
    }
    .to_owned()];
    if approximate {
        notes.push(approximate_note(lang));
    }
    Legend {
        kind: MapKind::Deprivation,
        lang,
        title: format!(
            "{} – {}",
            match (vintage, lang) {
                (WimdVintage::Wimd2019, Lang::En) => "WIMD 2019",
                (WimdVintage::Wimd2019, Lang::Cy) => "MALlC 2019",
                (WimdVintage::Wimd2025, Lang::En) => "WIMD 2025",
                (WimdVintage::Wimd2025, Lang::Cy) => "MALlC 2025",
            },
            domain_title(domain, lang)
        ),
        subtitle: match (vintage, lang) {
            (WimdVintage::Wimd2019, Lang::En) => "Quintile (2011 LSOAs)",
            (WimdVintage::Wimd2019, Lang::Cy) => "Cwintel (ACEHI 2011)",
            (WimdVintage::Wimd2025, Lang::En) => "Quintile (2021 LSOAs)",
            (WimdVintage::Wimd2025, Lang::Cy) => "Cwintel (ACEHI 2021)",
        }
        .to_owned(),
        layer: LayerId::lsoa_of(vintage),
        property,
        entries,
        no_data: no_data(lang),
        notes,
        classification: None,
    }
}

/// Decimal places that keep adjacent bounds distinct (1 to 4).
fn decimals(bounds: &[f64]) -> usize {
    (1..=4)
        .find(|&d| {
            let f: Vec<String> = bounds.iter().map(|b| format!("{b:.d$}")).collect();
            f.windows(2).all(|w| w[0] != w[1])
        })
        .unwrap_or(4)
}

fn method_name(c: &Classification, lang: Lang) -> &'static str {
    method_title(c.method, lang)
}

/// The name of a classification method in a legend subtitle (lower case).
pub fn method_title(method: crate::classify::Method, lang: Lang) -> &'static str {
    use crate::classify::Method;
    match (method, lang) {
        (Method::Quantile, Lang::En) => "quantiles",
        (Method::Quantile, Lang::Cy) => "cwantelau",
        (Method::EqualInterval, Lang::En) => "equal intervals",
        (Method::EqualInterval, Lang::Cy) => "cyfyngau cyfartal",
        (Method::FisherJenks, Lang::En) => "Fisher–Jenks natural breaks",
        (Method::FisherJenks, Lang::Cy) => "toriadau naturiol Fisher–Jenks",
        (Method::Manual, Lang::En) => "manual breaks",
        (Method::Manual, Lang::Cy) => "toriadau â llaw",
    }
}

fn indicator_notes(indicator: &Indicator, lang: Lang, approximate: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if lang == Lang::Cy && indicator.title_cy_is_draft() {
        notes.push(crate::catalog::draft_cy::DRAFT_TITLE_NOTE_CY.to_owned());
    } else if lang == Lang::Cy && indicator.title_cy_fallback {
        notes.push("Nid oes teitl Cymraeg wedi'i gyhoeddi; dangosir y teitl Saesneg.".to_owned());
    }
    if approximate {
        notes.push(approximate_note(lang));
    }
    notes
}

/// Clusters classed on an indicator's values.
pub fn indicator(
    indicator: &Indicator,
    period: &str,
    c: &Classification,
    choropleth: &Choropleth,
    lang: Lang,
    approximate: bool,
) -> Legend {
    let breaks = &choropleth.breaks;
    let colors = palette::sequential(c.palette, breaks.len());
    let mut bounds = vec![breaks.min];
    bounds.extend(&breaks.bins);
    let d = decimals(&bounds);
    let unit = if indicator.unit == "%" { "%" } else { "" };
    let entries = (1..=breaks.len())
        .map(|class| {
            let (lower, upper) = breaks.range(class);
            // Manual breaks may all sit below the data; that first class is empty and
            // is labelled by its upper bound alone.
            let open_below = class == 1 && breaks.first_class_below_values();
            LegendEntry {
                key: json!(class),
                color: colors[class - 1].clone(),
                label: if open_below {
                    format!("≤ {upper:.d$}{unit}")
                } else {
                    format!("{lower:.d$}{unit} – {upper:.d$}{unit}")
                },
                lower: if open_below { None } else { Some(lower) },
                upper: Some(upper),
                count: Some(choropleth.counts[class - 1]),
            }
        })
        .collect();
    let mut notes = indicator_notes(indicator, lang, approximate);
    if breaks.len() < breaks.requested {
        notes.push(match lang {
            Lang::En => format!(
                "{} classes were asked for but the values allow only {}.",
                breaks.requested,
                breaks.len()
            ),
            Lang::Cy => format!(
                "Gofynnwyd am {} dosbarth ond dim ond {} y mae'r gwerthoedd yn eu caniatáu.",
                breaks.requested,
                breaks.len()
            ),
        });
    }
    Legend {
        kind: MapKind::Indicator,
        lang,
        title: indicator.title(lang).to_owned(),
        subtitle: format!(
            "{period} · {} ({}) · {}",
            match indicator.map_layer() {
                LayerId::Lsoa => lang.pick("LSOAs", "ACEHI"),
                _ => lang.pick("clusters", "clystyrau"),
            },
            indicator.unit,
            method_name(c, lang)
        ),
        layer: indicator.map_layer(),
        property: "class".into(),
        entries,
        no_data: no_data(lang),
        notes,
        classification: Some(json!({
            "method": c.method,
            "classes_requested": breaks.requested,
            "classes": breaks.len(),
            "min": breaks.min,
            "bins": breaks.bins,
            "palette": c.palette,
            "closed": "right",
        })),
    }
}

/// Label of a significance flag, naming the benchmark and what the direction means.
pub fn significance_label(
    flag: Significance,
    polarity: Polarity,
    vs: Benchmark,
    lang: Lang,
) -> String {
    let than = match (vs, lang) {
        (Benchmark::Wales, Lang::En) => "than Wales",
        (Benchmark::HealthBoard, Lang::En) => "than its health board",
        (Benchmark::Wales, Lang::Cy) => "na Chymru",
        (Benchmark::HealthBoard, Lang::Cy) => "na'i fwrdd iechyd",
    };
    let judgement =
        |higher: bool| match (polarity, higher, lang) {
            (Polarity::HigherIsWorse, true, Lang::En)
            | (Polarity::HigherIsBetter, false, Lang::En) => " (worse)",
            (Polarity::HigherIsWorse, false, Lang::En)
            | (Polarity::HigherIsBetter, true, Lang::En) => " (better)",
            (Polarity::HigherIsWorse, true, Lang::Cy)
            | (Polarity::HigherIsBetter, false, Lang::Cy) => " (gwaeth)",
            (Polarity::HigherIsWorse, false, Lang::Cy)
            | (Polarity::HigherIsBetter, true, Lang::Cy) => " (gwell)",
            (Polarity::Neutral, _, _) => "",
        };
    match (flag, lang) {
        (Significance::Higher, Lang::En) => {
            format!("Significantly higher {than}{}", judgement(true))
        }
        (Significance::Lower, Lang::En) => {
            format!("Significantly lower {than}{}", judgement(false))
        }
        (Significance::Similar, Lang::En) => match vs {
            Benchmark::Wales => "Not significantly different from Wales".to_owned(),
            Benchmark::HealthBoard => {
                "Not significantly different from its health board".to_owned()
            }
        },
        // Named, because a card lists both comparisons and either may be the untested one.
        (Significance::NotTested, Lang::En) => match vs {
            Benchmark::Wales => "Not tested against Wales".to_owned(),
            Benchmark::HealthBoard => "Not tested against its health board".to_owned(),
        },
        (Significance::Higher, Lang::Cy) => format!("Sylweddol uwch {than}{}", judgement(true)),
        (Significance::Lower, Lang::Cy) => format!("Sylweddol is {than}{}", judgement(false)),
        (Significance::Similar, Lang::Cy) => format!("Dim gwahaniaeth sylweddol {than}"),
        (Significance::NotTested, Lang::Cy) => match vs {
            Benchmark::Wales => "Heb ei brofi yn erbyn Cymru".to_owned(),
            Benchmark::HealthBoard => "Heb ei brofi yn erbyn ei fwrdd iechyd".to_owned(),
        },
    }
}

/// What a significance map shows: the benchmark, the confidence level, the clusters'
/// counts by flag (in [`Significance::ALL`] order) and the values at that level.
#[derive(Debug, Clone, Copy)]
pub struct SignificanceMap<'a> {
    /// Compared with.
    pub vs: Benchmark,
    /// Confidence level.
    pub level: ConfidenceLevel,
    /// Clusters by flag.
    pub counts: [usize; 4],
    /// The indicator's values at `level`.
    pub values: &'a [AreaValue],
}

/// Why clusters are not tested against `vs` at `level`, as a short phrase for the legend's
/// and findings' "not tested" wording; `None` when every cluster is tested, so no reason is
/// given for an empty class (COPD once read "Not tested (no counts are published)" with no
/// cluster untested). The reason the indicator is never tested ([`Indicator::never_tested`])
/// comes first; else each cause among the untested clusters, once: no interval at this
/// level while one exists at the other, no interval at all (no counts), or no benchmark
/// value to test against.
pub fn not_tested_reason(
    indicator: &Indicator,
    values: &[AreaValue],
    level: ConfidenceLevel,
    vs: Benchmark,
    lang: Lang,
) -> Option<String> {
    if let Some(reason) = indicator.never_tested(values) {
        return Some(reason.short(lang).to_owned());
    }
    let mut reasons: Vec<String> = Vec::new();
    let mut add = |r: String| {
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    };
    for v in values.iter().filter(|v| v.level == AreaLevel::Cluster) {
        let flag = match vs {
            Benchmark::Wales => v.sig_vs_wales,
            Benchmark::HealthBoard => v.sig_vs_hb,
        };
        if flag != Significance::NotTested {
            continue;
        }
        if v.lower_ci.is_none() {
            // `values` are at `level`; the other level's interval is kept in `at_998`.
            let other_level = level != ConfidenceLevel::P95 && v.at_998.lower_ci.is_some();
            add(match (other_level, lang) {
                (true, Lang::En) => format!("no {} interval is published", level.percent()),
                (true, Lang::Cy) => format!("dim cyfwng {} wedi'i gyhoeddi", level.percent()),
                (false, _) => UntestedReason::NoCounts.short(lang).to_owned(),
            });
        } else {
            // An interval and no flag: `Significance::compare` had no benchmark value.
            add(match (vs, lang) {
                (Benchmark::Wales, Lang::En) => "Wales has no value for this period".to_owned(),
                (Benchmark::Wales, Lang::Cy) => {
                    "nid oes gwerth i Gymru ar gyfer y cyfnod hwn".to_owned()
                }
                (Benchmark::HealthBoard, Lang::En) => {
                    "the health board has no value for this period".to_owned()
                }
                (Benchmark::HealthBoard, Lang::Cy) => {
                    "nid oes gwerth i'r bwrdd iechyd ar gyfer y cyfnod hwn".to_owned()
                }
            });
        }
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// The interval method named in a significance note.
fn interval_method(value_type: ValueType, lang: Lang) -> &'static str {
    match (value_type, lang) {
        (ValueType::Proportion, Lang::En) => "Wilson score",
        (ValueType::Proportion, Lang::Cy) => "sgôr Wilson",
        (ValueType::CrudeRate, Lang::En) => "Byar's, or exact Poisson under 10 events",
        (ValueType::CrudeRate, Lang::Cy) => "Byar, neu Poisson union dan 10 digwyddiad",
        (ValueType::Dsr | ValueType::Supplied, Lang::En) => "as published",
        (ValueType::Dsr | ValueType::Supplied, Lang::Cy) => "fel y'u cyhoeddwyd",
    }
}

/// Clusters coloured by how they compare with Wales or their health board.
pub fn significance(
    indicator: &Indicator,
    period: &str,
    map: &SignificanceMap<'_>,
    lang: Lang,
    approximate: bool,
) -> Legend {
    let vs = map.vs;
    let reason = not_tested_reason(indicator, map.values, map.level, vs, lang);
    let entries = Significance::ALL
        .iter()
        .zip(map.counts)
        .map(|(&flag, count)| LegendEntry {
            key: json!(flag.as_str()),
            color: palette::significance(flag, indicator.polarity).to_owned(),
            label: match (flag, &reason) {
                // One reason, after the comparison it is for; none for an empty class.
                (Significance::NotTested, Some(reason)) => format!(
                    "{} ({reason})",
                    significance_label(flag, indicator.polarity, vs, lang)
                ),
                _ => significance_label(flag, indicator.polarity, vs, lang),
            },
            lower: None,
            upper: None,
            count: Some(count),
        })
        .collect();
    let mut notes = indicator_notes(indicator, lang, approximate);
    let method = interval_method(indicator.value_type, lang);
    notes.push(match (indicator.never_tested(map.values), lang) {
        // No interval is published for it, so none is described.
        (Some(why), Lang::En) => format!(
            "No area is tested for significance, because {}.",
            why.because(lang)
        ),
        (Some(why), Lang::Cy) => format!(
            "Ni phrofir unrhyw ardal am arwyddocâd, gan {}.",
            why.because(lang)
        ),
        (None, Lang::En) => format!(
            "{} confidence intervals ({method}) compared with the benchmark's value.",
            map.level.percent()
        ),
        (None, Lang::Cy) => format!(
            "Cyfyngau hyder {} ({method}) o'u cymharu â gwerth y meincnod.",
            map.level.percent()
        ),
    });
    Legend {
        kind: MapKind::Significance,
        lang,
        title: indicator.title(lang).to_owned(),
        subtitle: format!(
            "{period} · {} · {}",
            match (vs, lang) {
                (Benchmark::Wales, Lang::En) => "compared with Wales",
                (Benchmark::HealthBoard, Lang::En) => "compared with the health board",
                (Benchmark::Wales, Lang::Cy) => "o'i gymharu â Chymru",
                (Benchmark::HealthBoard, Lang::Cy) => "o'i gymharu â'r bwrdd iechyd",
            },
            match lang {
                Lang::En => format!("{} confidence", map.level.percent()),
                Lang::Cy => format!("hyder {}", map.level.percent()),
            }
        ),
        layer: indicator.map_layer(),
        property: vs.property().into(),
        entries,
        no_data: no_data(lang),
        notes,
        classification: None,
    }
}

impl Legend {
    /// The MapLibre expression choosing each feature's fill colour.
    ///
    /// Labels are one-element arrays (`[1]`, not `1`): the style spec allows both, and
    /// QGIS 3.22–3.3x's converter only reads the array form (it takes each label as a
    /// list, so a bare value becomes `IN ()` and every feature falls to the default).
    pub fn fill_color(&self) -> Value {
        let mut expr = vec![json!("match"), json!(["get", self.property])];
        for e in &self.entries {
            expr.push(json!([e.key]));
            expr.push(json!(e.color));
        }
        expr.push(json!(self.no_data.color));
        Value::Array(expr)
    }

    /// An accessible SVG of the legend.
    pub fn to_svg(&self) -> String {
        const ROW: usize = 24;
        let width = 360;
        // SVG text does not wrap: notes (the approximate-geography caveat among them) are
        // broken into lines that fit the width at their 10 px size.
        const NOTE_CHARS: usize = 62;
        let rows = self.entries.len() + 1;
        let notes_top = 56 + rows * ROW + 8;
        let note_lines: Vec<String> = self
            .notes
            .iter()
            .flat_map(|n| crate::markup::wrap(n, NOTE_CHARS))
            .collect();
        let height = notes_top + note_lines.len() * 14 + 8;
        let mut body = String::new();
        for (i, e) in self
            .entries
            .iter()
            .chain(std::iter::once(&self.no_data))
            .enumerate()
        {
            let y = 56 + i * ROW;
            let count = e.count.map(|c| format!(" ({c})")).unwrap_or_default();
            body.push_str(&format!(
                "<g role=\"listitem\" aria-label=\"{label}{count}\"><rect x=\"12\" y=\"{y}\" width=\"28\" height=\"18\" fill=\"{color}\" stroke=\"#555\" stroke-width=\"0.5\"/>\
                 <text x=\"50\" y=\"{ty}\">{label}{count}</text></g>",
                label = escape_xml(&e.label),
                color = escape_xml(&e.color),
                ty = y + 14,
            ));
        }
        for (i, line) in note_lines.iter().enumerate() {
            body.push_str(&format!(
                "<text x=\"12\" y=\"{}\" font-size=\"10\" fill=\"#444\">{}</text>",
                notes_top + i * 14 + 10,
                escape_xml(line)
            ));
        }
        format!(
            "{open}<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
             <text x=\"12\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{title}</text>\
             <text x=\"12\" y=\"42\" fill=\"#444\">{subtitle}</text><g role=\"list\">{body}</g></svg>",
            open = svg_open("legend", width, height, self.lang.as_str(), 13, &self.title, &self.subtitle),
            title = escape_xml(&self.title),
            subtitle = escape_xml(&self.subtitle),
        )
    }

    /// An HTML fragment for TileJSON's `legend` field.
    pub fn to_html(&self) -> String {
        let rows: String = self
            .entries
            .iter()
            .chain(std::iter::once(&self.no_data))
            .map(|e| {
                format!(
                    "<div><span style=\"display:inline-block;width:1em;height:1em;background:{}\"></span> {}</div>",
                    escape_xml(&e.color),
                    escape_xml(&e.label)
                )
            })
            .collect();
        format!(
            "<div class=\"cluster-atlas-legend\"><strong>{}</strong><div>{}</div>{rows}</div>",
            escape_xml(&self.title),
            escape_xml(&self.subtitle)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tested_indicator() -> Indicator {
        use crate::catalog::indicators::{IndicatorMeta, ValueType};
        Indicator {
            meta: IndicatorMeta {
                id: "x".into(),
                title_en: "X".into(),
                title_cy: "X".into(),
                title_cy_fallback: true,
                description_en: String::new(),
                description_cy: String::new(),
                description_cy_fallback: true,
                unit: "%".into(),
                polarity: Polarity::Neutral,
                source: String::new(),
                licence: String::new(),
                value_type: ValueType::Proportion,
                untested_reason: None,
                topic: crate::catalog::indicators::Topic::Health,
            },
            periods: vec!["a".into()],
            levels: vec![AreaLevel::Cluster],
        }
    }

    fn cluster(
        code: &str,
        ci: Option<(f64, f64)>,
        wales: Significance,
        hb: Significance,
    ) -> AreaValue {
        AreaValue {
            level: AreaLevel::Cluster,
            code: code.into(),
            value: 5.0,
            numerator: None,
            denominator: None,
            lower_ci: ci.map(|c| c.0),
            upper_ci: ci.map(|c| c.1),
            sig_vs_wales: wales,
            sig_vs_hb: hb,
            at_998: Default::default(),
            level_in_use: Default::default(),
        }
    }

    /// Each comparison gets its own reason, from its own untested clusters, and an empty
    /// "not tested" class none (COPD once said "no counts are published" with every
    /// cluster tested).
    #[test]
    fn a_not_tested_reason_is_the_comparisons_own() {
        use Significance::{Higher, NotTested, Similar};
        let ind = tested_indicator();
        let all_tested = [cluster("a", Some((4.0, 6.0)), Higher, Similar)];
        for vs in [Benchmark::Wales, Benchmark::HealthBoard] {
            assert_eq!(
                not_tested_reason(&ind, &all_tested, ConfidenceLevel::P95, vs, Lang::En),
                None
            );
        }
        // One cluster without counts; another whose board has no value.
        let mixed = [
            cluster("a", None, NotTested, NotTested),
            cluster("b", Some((4.0, 6.0)), Similar, NotTested),
        ];
        let p95 = ConfidenceLevel::P95;
        assert_eq!(
            not_tested_reason(&ind, &mixed, p95, Benchmark::Wales, Lang::En).as_deref(),
            Some("no counts are published")
        );
        assert_eq!(
            not_tested_reason(&ind, &mixed, p95, Benchmark::HealthBoard, Lang::En).as_deref(),
            Some("no counts are published; the health board has no value for this period")
        );
        let label = significance_label(
            NotTested,
            Polarity::Neutral,
            Benchmark::HealthBoard,
            Lang::Cy,
        );
        assert_eq!(label, "Heb ei brofi yn erbyn ei fwrdd iechyd");
    }

    #[test]
    fn svg_notes_wrap_inside_the_legend_and_keep_every_word() {
        for lang in [Lang::En, Lang::Cy] {
            let legend = deprivation("overall", WimdVintage::Wimd2019, lang, true);
            let svg = legend.to_svg();
            let doc = svg_texts(&svg);
            let note = approximate_note(lang);
            let joined = doc
                .iter()
                .filter(|t| t.1 == 10)
                .map(|t| t.0.clone())
                .collect::<Vec<_>>()
                .join(" ");
            assert!(joined.contains(&escape_xml(&note)), "{joined}");
            // 62 characters at 10 px fit the 360 px legend with its 12 px margins.
            assert!(doc
                .iter()
                .filter(|t| t.1 == 10)
                .all(|t| t.0.chars().count() <= 62));
            let height: usize = svg
                .split("height=\"")
                .nth(1)
                .and_then(|h| h.split('"').next())
                .and_then(|h| h.parse().ok())
                .unwrap();
            let last_y: usize = svg
                .rsplit("<text x=\"12\" y=\"")
                .next()
                .and_then(|h| h.split('"').next())
                .and_then(|h| h.parse().ok())
                .unwrap();
            assert!(
                last_y < height,
                "the last note line at {last_y} of {height}"
            );
        }
    }

    /// The texts of an SVG's `<text>` elements with their font size (13 when unset).
    fn svg_texts(svg: &str) -> Vec<(String, u32)> {
        svg.split("<text ")
            .skip(1)
            .map(|t| {
                let size = t
                    .split("font-size=\"")
                    .nth(1)
                    .filter(|_| {
                        t.find("font-size")
                            .is_some_and(|i| i < t.find('>').unwrap_or(0))
                    })
                    .and_then(|s| s.split('"').next())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(13);
                let text = t
                    .split('>')
                    .nth(1)
                    .unwrap_or("")
                    .split('<')
                    .next()
                    .unwrap_or("");
                (text.to_owned(), size)
            })
            .collect()
    }

    #[test]
    fn deprivation_quintile_one_is_darkest_and_labelled() {
        for lang in [Lang::En, Lang::Cy] {
            let l = deprivation("housing", WimdVintage::Wimd2019, lang, true);
            assert_eq!(l.property, "housing_quintile");
            assert_eq!(l.entries[0].color, "#253494");
            assert_eq!(l.entries.len(), 5);
            assert!(l
                .notes
                .iter()
                .any(|n| n.contains("APPROXIMATE") || n.contains("FRASAMCAN")));
        }
        let l2025 = deprivation("overall", WimdVintage::Wimd2025, Lang::En, false);
        assert_eq!(l2025.layer, LayerId::Lsoa21);
        assert!(l2025.title.starts_with("WIMD 2025"));
        assert!(l2025.notes[0].contains("domains are 2019"));
        assert!(
            deprivation("overall", WimdVintage::Wimd2019, Lang::En, false).entries[0]
                .label
                .contains("most deprived")
        );
    }

    #[test]
    fn svg_escapes_and_labels() {
        let mut l = deprivation("overall", WimdVintage::Wimd2019, Lang::En, false);
        l.title = "A & <B>".into();
        let svg = l.to_svg();
        assert!(svg.contains("A &amp; &lt;B&gt;"));
        assert!(svg.contains("role=\"img\""));
        assert_eq!(svg.matches("<rect x=\"12\"").count(), 6);
    }

    #[test]
    fn decimals_keep_bounds_apart() {
        assert_eq!(decimals(&[1.0, 2.0, 3.0]), 1);
        assert_eq!(decimals(&[1.01, 1.02]), 2);
        assert_eq!(decimals(&[1.0001, 1.0002]), 4);
    }
}
