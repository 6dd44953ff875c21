//! `GET /profiles/{area}/trend.svg?indicator=…`: an indicator's value in every period the area
//! has one, with its interval, Wales beside it, and whether the latest change is significant
//! (a two-sample test of proportions at 95%) only where that is a valid comparison: both
//! periods sampled counts (an indicator that is tested at all) on the same LSOA geography.
//! Otherwise the trend is drawn and the chart says in words why the change is not tested.

use crate::catalog::indicators::{
    Area, AreaValue, Indicator, IndicatorCatalog, Lang, UntestedReason,
};
use crate::catalog::WALES_CODE;
use crate::markup::{escape_xml, svg_open};
use crate::significance::{ConfidenceLevel, Z_95};

const W: f64 = 640.0;
const H: f64 = 360.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
/// The plot's top edge below a one-line caption; each further caption line moves it down.
const TOP: f64 = 60.0;
/// Caption line height.
const LINE: f64 = 15.0;
/// Caption characters per line at 12 px over 640 px.
const CAPTION_CHARS: usize = 96;
const BOTTOM: f64 = 80.0;

/// Why a change between two periods is not tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotTested {
    /// The indicator is never tested (a complete count, a count, a weighted mean of rates,
    /// a register without counts).
    Indicator(UntestedReason),
    /// The two periods were built from different LSOA geographies (2011 and 2021 LSOAs,
    /// with the areas re-assigned), so their difference mixes real change with boundary
    /// change.
    Geography(i16, i16),
    /// A period has no numerator or denominator.
    NoCounts,
    /// Both periods are zero: there is no change to test.
    BothZero,
    /// The indicator is not a proportion, which is all this test handles.
    NotProportion,
}

/// How the latest value compares with the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Significantly up.
    Up,
    /// Significantly down.
    Down,
    /// No significant change.
    NoChange,
    /// Not tested, and why.
    NotTested(NotTested),
}

/// The two-sample z test for proportions, pooled: significant at 95% when |z| > 1.96.
/// Only the arithmetic: [`latest_change`] decides whether the comparison is valid.
pub fn change(before: &AreaValue, after: &AreaValue, unit: &str) -> Change {
    let (Some(n1), Some(d1), Some(n2), Some(d2)) = (
        before.numerator,
        before.denominator,
        after.numerator,
        after.denominator,
    ) else {
        return Change::NotTested(NotTested::NoCounts);
    };
    if unit != "%" || d1 <= 0.0 || d2 <= 0.0 {
        return Change::NotTested(NotTested::NotProportion);
    }
    if n1 == 0.0 && n2 == 0.0 {
        return Change::NotTested(NotTested::BothZero);
    }
    let (p1, p2) = (n1 / d1, n2 / d2);
    let pooled = (n1 + n2) / (d1 + d2);
    let se = (pooled * (1.0 - pooled) * (1.0 / d1 + 1.0 / d2)).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return Change::NotTested(NotTested::BothZero);
    }
    let z = (p2 - p1) / se;
    if z > Z_95 {
        Change::Up
    } else if z < -Z_95 {
        Change::Down
    } else {
        Change::NoChange
    }
}

/// The latest change of an indicator for an area, tested only where the comparison is
/// valid: the indicator is tested at all, and both periods are on the same LSOA vintage.
pub fn latest_change(
    indicator: &Indicator,
    before: (&str, &AreaValue),
    after: (&str, &AreaValue),
    vintage: impl Fn(&str) -> Option<i16>,
) -> Change {
    if let Some(reason) = indicator.untested_reason {
        return Change::NotTested(NotTested::Indicator(reason));
    }
    if let (Some(a), Some(b)) = (vintage(before.0), vintage(after.0)) {
        if a != b {
            return Change::NotTested(NotTested::Geography(a, b));
        }
    }
    change(before.1, after.1, &indicator.unit)
}

/// The words for a change, in `lang`.
pub fn change_words(c: Change, lang: Lang) -> String {
    match (c, lang) {
        (Change::Up, Lang::En) => "significantly higher than the period before".into(),
        (Change::Down, Lang::En) => "significantly lower than the period before".into(),
        (Change::NoChange, Lang::En) => "not significantly different from the period before".into(),
        (Change::Up, Lang::Cy) => "sylweddol uwch na'r cyfnod blaenorol".into(),
        (Change::Down, Lang::Cy) => "sylweddol is na'r cyfnod blaenorol".into(),
        (Change::NoChange, Lang::Cy) => "dim gwahaniaeth sylweddol o'r cyfnod blaenorol".into(),
        (Change::NotTested(why), _) => {
            let because = match (why, lang) {
                (NotTested::Indicator(r), _) => r.because(lang).to_owned(),
                (NotTested::Geography(a, b), Lang::En) => format!(
                    "the periods are on different LSOA geographies ({a} and {b} LSOAs, with areas re-assigned), so the difference mixes real change with boundary change"
                ),
                (NotTested::Geography(a, b), Lang::Cy) => format!(
                    "fod y cyfnodau ar ddaearyddiaethau ACEHI gwahanol (ACEHI {a} a {b}, gydag ardaloedd wedi'u hailbennu), felly mae'r gwahaniaeth yn cymysgu newid go iawn â newid ffiniau"
                ),
                (NotTested::NoCounts, _) => UntestedReason::NoCounts.because(lang).to_owned(),
                (NotTested::BothZero, Lang::En) => "both periods are zero, so there is no change to test".into(),
                (NotTested::BothZero, Lang::Cy) => "fod y ddau gyfnod yn sero, felly nid oes newid i'w brofi".into(),
                (NotTested::NotProportion, Lang::En) => "the test of change is for proportions only".into(),
                (NotTested::NotProportion, Lang::Cy) => "fod y prawf newid ar gyfer cyfrannau yn unig".into(),
            };
            match lang {
                Lang::En => format!("change not tested, because {because}"),
                Lang::Cy => format!("newid heb ei brofi, gan {because}"),
            }
        }
    }
}

/// The chart; `None` when the area has fewer than two periods of the indicator.
pub fn trend_svg(
    catalog: &IndicatorCatalog,
    area: &Area,
    indicator: &Indicator,
    lang: Lang,
    level: ConfidenceLevel,
) -> Option<String> {
    let series: Vec<(&str, AreaValue, Option<f64>)> = indicator
        .periods
        .iter()
        .filter_map(|p| {
            // Intervals at the requested level; the change test stays at 95%.
            let values = catalog.values_at(&indicator.id, p, level);
            let own = values.iter().find(|v| v.code == area.code)?.clone();
            let wales = values
                .iter()
                .find(|v| v.code == WALES_CODE)
                .map(|v| v.value);
            Some((p.as_str(), own, wales))
        })
        .collect();
    if series.len() < 2 {
        return None;
    }
    let last = series.len() - 1;
    let latest = latest_change(
        indicator,
        (series[last - 1].0, &series[last - 1].1),
        (series[last].0, &series[last].1),
        |period| catalog.lsoa_vintage(&indicator.id, period),
    );
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (_, v, w) in &series {
        for x in [Some(v.value), v.lower_ci, v.upper_ci, *w]
            .into_iter()
            .flatten()
        {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    let pad = ((hi - lo) * 0.1).max(f64::EPSILON);
    let (lo, hi) = ((lo - pad).max(0.0_f64.min(lo)), hi + pad);
    let plot_w = W - LEFT - RIGHT;
    // The caption says how the latest change compares, or why it is not tested; a reason can
    // take more than one line, and the plot moves down to make room.
    let caption = crate::markup::wrap(
        &format!("{} · {}", indicator.unit, change_words(latest, lang)),
        CAPTION_CHARS,
    );
    let top = TOP + LINE * caption.len().saturating_sub(1) as f64;
    let plot_h = H - top - BOTTOM;
    let x_at = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / series.len() as f64;
    let y_at = |v: f64| top + plot_h * (1.0 - (v - lo) / (hi - lo));
    let title = format!("{}: {}", area.name(lang), indicator.title(lang));
    let with_intervals = series.iter().any(|(_, v, _)| v.lower_ci.is_some());
    let desc = format!(
        "{} {} {}.",
        match (with_intervals, lang) {
            (true, Lang::En) => "Values by period, with confidence intervals and Wales. Latest:",
            (true, Lang::Cy) =>
                "Gwerthoedd fesul cyfnod, gyda chyfyngau hyder a Chymru. Diweddaraf:",
            (false, Lang::En) => "Values by period, with Wales. Latest:",
            (false, Lang::Cy) => "Gwerthoedd fesul cyfnod, gyda Chymru. Diweddaraf:",
        },
        series[last].0,
        change_words(latest, lang)
    );
    let caption: String = caption
        .iter()
        .enumerate()
        .map(|(i, line)| {
            format!(
                "<tspan x=\"10\" y=\"{}\">{}</tspan>",
                42.0 + LINE * i as f64,
                escape_xml(line)
            )
        })
        .collect();
    let mut out = format!(
        "{}<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{t}</text>\
         <text class=\"change\">{caption}</text>\
         <line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{top}\" y2=\"{yb}\" stroke=\"#555\"/>\
         <line x1=\"{LEFT}\" x2=\"{xr}\" y1=\"{yb}\" y2=\"{yb}\" stroke=\"#555\"/>",
        svg_open("trend", W, H, lang.as_str(), 12, &title, &desc),
        t = escape_xml(&title),
        yb = top + plot_h,
        xr = W - RIGHT,
    );
    for tick in 0..=4 {
        let v = lo + (hi - lo) * f64::from(tick) / 4.0;
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{v:.1}</text>",
            LEFT - 6.0,
            y_at(v) + 4.0
        ));
    }
    let wales_points: Vec<String> = series
        .iter()
        .enumerate()
        .filter_map(|(i, (_, _, w))| w.map(|w| format!("{:.1},{:.1}", x_at(i), y_at(w))))
        .collect();
    if wales_points.len() >= 2 {
        out.push_str(&format!(
            "<g class=\"wales\"><title>{}</title><polyline points=\"{}\" fill=\"none\" stroke=\"#000\" stroke-dasharray=\"4 3\"/></g>",
            lang.pick("Wales", "Cymru"),
            wales_points.join(" ")
        ));
    }
    for (i, (period, v, w)) in series.iter().enumerate() {
        let x = x_at(i);
        let period = lang.period(period);
        if let (Some(l), Some(u)) = (v.lower_ci, v.upper_ci) {
            out.push_str(&format!(
                "<g class=\"interval\"><title>{period}: {l:.2}–{u:.2}</title><line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#005eb8\" stroke-width=\"2\"/></g>",
                y_at(l),
                y_at(u)
            ));
        }
        let wales = w
            .map(|w| format!("; {} {w:.2}", lang.pick("Wales", "Cymru")))
            .unwrap_or_default();
        out.push_str(&format!(
            "<g class=\"point\"><title>{period}: {:.2}{wales}</title><circle cx=\"{x}\" cy=\"{}\" r=\"5\" fill=\"#005eb8\"/></g>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            v.value,
            y_at(v.value),
            top + plot_h + 18.0,
            escape_xml(&period)
        ));
    }
    out.push_str("</svg>\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::indicators::AreaLevel;
    use crate::significance::Significance;

    fn value(n: f64, d: f64) -> AreaValue {
        AreaValue {
            level: AreaLevel::Cluster,
            code: "x".into(),
            value: 100.0 * n / d,
            numerator: Some(n),
            denominator: Some(d),
            lower_ci: None,
            upper_ci: None,
            sig_vs_wales: Significance::NotTested,
            sig_vs_hb: Significance::NotTested,
            at_998: Default::default(),
            level_in_use: Default::default(),
        }
    }

    /// 45/100 against 60/100: pooled p = 0.525, z = 2.124 (by hand), so up at 95%.
    #[test]
    fn proportion_changes_are_tested() {
        assert_eq!(
            change(&value(45.0, 100.0), &value(60.0, 100.0), "%"),
            Change::Up
        );
        assert_eq!(
            change(&value(60.0, 100.0), &value(45.0, 100.0), "%"),
            Change::Down
        );
        assert_eq!(
            change(&value(50.0, 100.0), &value(55.0, 100.0), "%"),
            Change::NoChange
        );
        assert_eq!(
            change(&value(50.0, 100.0), &value(55.0, 100.0), "count"),
            Change::NotTested(NotTested::NotProportion)
        );
    }

    fn indicator(reason: Option<UntestedReason>) -> Indicator {
        use crate::catalog::indicators::{IndicatorMeta, Polarity, ValueType};
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
                untested_reason: reason,
                topic: crate::catalog::indicators::Topic::Health,
            },
            periods: vec!["a".into(), "b".into()],
            levels: vec![AreaLevel::Cluster],
        }
    }

    /// A change is tested only for sampled counts on one geography; otherwise it says why,
    /// and a zero numerator in both periods is not "no counts".
    #[test]
    fn only_like_with_like_is_tested() {
        let (a, b) = (value(45.0, 100.0), value(60.0, 100.0));
        let same = |_: &str| Some(2011);
        let differ = |p: &str| Some(if p == "a" { 2011 } else { 2021 });
        let tested = indicator(None);
        assert_eq!(
            latest_change(&tested, ("a", &a), ("b", &b), same),
            Change::Up
        );
        let across = latest_change(&tested, ("a", &a), ("b", &b), differ);
        assert_eq!(across, Change::NotTested(NotTested::Geography(2011, 2021)));
        assert!(
            change_words(across, Lang::En).contains("different LSOA geographies (2011 and 2021")
        );
        let complete = indicator(Some(UntestedReason::CompleteCount));
        let why = latest_change(&complete, ("a", &a), ("b", &b), same);
        assert_eq!(
            why,
            Change::NotTested(NotTested::Indicator(UntestedReason::CompleteCount))
        );
        assert!(change_words(why, Lang::En).contains("complete count"));
        assert!(change_words(why, Lang::Cy).starts_with("newid heb ei brofi, gan ei fod"));
        let zero = latest_change(
            &tested,
            ("a", &value(0.0, 90.0)),
            ("b", &value(0.0, 95.0)),
            same,
        );
        assert_eq!(zero, Change::NotTested(NotTested::BothZero));
        let words = change_words(zero, Lang::En);
        assert!(words.contains("both periods are zero"), "{words}");
        assert!(!words.contains("no counts"), "{words}");
    }
}
