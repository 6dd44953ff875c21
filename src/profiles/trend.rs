//! `GET /profiles/{area}/trend.svg?indicator=…`: an indicator's value in every period the area
//! has one, with its interval, Wales beside it, and, where both periods have counts, whether
//! the latest change is significant (a two-sample test of proportions at 95%).

use crate::catalog::indicators::{Area, AreaValue, Indicator, IndicatorCatalog, Lang};
use crate::catalog::WALES_CODE;
use crate::markup::{escape_xml, svg_open};
use crate::significance::{ConfidenceLevel, Z_95};

const W: f64 = 640.0;
const H: f64 = 360.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 60.0;
const BOTTOM: f64 = 80.0;

/// How the latest value compares with the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Significantly up.
    Up,
    /// Significantly down.
    Down,
    /// No significant change.
    NoChange,
    /// Counts are missing in one of the periods (or the indicator is no proportion).
    NotTested,
}

/// The two-sample z test for proportions, pooled: significant at 95% when |z| > 1.96.
pub fn change(before: &AreaValue, after: &AreaValue, unit: &str) -> Change {
    let (Some(n1), Some(d1), Some(n2), Some(d2)) = (
        before.numerator,
        before.denominator,
        after.numerator,
        after.denominator,
    ) else {
        return Change::NotTested;
    };
    if unit != "%" || d1 <= 0.0 || d2 <= 0.0 {
        return Change::NotTested;
    }
    let (p1, p2) = (n1 / d1, n2 / d2);
    let pooled = (n1 + n2) / (d1 + d2);
    let se = (pooled * (1.0 - pooled) * (1.0 / d1 + 1.0 / d2)).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return Change::NotTested;
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

fn change_words(c: Change, lang: Lang) -> &'static str {
    match (c, lang) {
        (Change::Up, Lang::En) => "significantly higher than the period before",
        (Change::Down, Lang::En) => "significantly lower than the period before",
        (Change::NoChange, Lang::En) => "not significantly different from the period before",
        (Change::NotTested, Lang::En) => "change not tested (no counts for both periods)",
        (Change::Up, Lang::Cy) => "sylweddol uwch na'r cyfnod blaenorol",
        (Change::Down, Lang::Cy) => "sylweddol is na'r cyfnod blaenorol",
        (Change::NoChange, Lang::Cy) => "dim gwahaniaeth sylweddol o'r cyfnod blaenorol",
        (Change::NotTested, Lang::Cy) => "newid heb ei brofi (dim cyfrifon ar gyfer y ddau gyfnod)",
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
    let latest = change(&series[last - 1].1, &series[last].1, &indicator.unit);
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
    let plot_h = H - TOP - BOTTOM;
    let x_at = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / series.len() as f64;
    let y_at = |v: f64| TOP + plot_h * (1.0 - (v - lo) / (hi - lo));
    let title = format!("{}: {}", area.name(lang), indicator.title(lang));
    let desc = format!(
        "{} {} {}.",
        lang.pick(
            "Values by period, with confidence intervals and Wales. Latest:",
            "Gwerthoedd fesul cyfnod, gyda chyfyngau hyder a Chymru. Diweddaraf:"
        ),
        series[last].0,
        change_words(latest, lang)
    );
    let mut out = format!(
        "{}<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{t}</text>\
         <text x=\"10\" y=\"42\">{u} · {c}</text>\
         <line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{yb}\" stroke=\"#555\"/>\
         <line x1=\"{LEFT}\" x2=\"{xr}\" y1=\"{yb}\" y2=\"{yb}\" stroke=\"#555\"/>",
        svg_open("trend", W, H, lang.as_str(), 12, &title, &desc),
        t = escape_xml(&title),
        u = escape_xml(&indicator.unit),
        c = escape_xml(change_words(latest, lang)),
        yb = TOP + plot_h,
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
            TOP + plot_h + 18.0,
            escape_xml(period)
        ));
    }
    out.push_str("</svg>\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::indicators::Level;
    use crate::significance::Significance;

    fn value(n: f64, d: f64) -> AreaValue {
        AreaValue {
            level: Level::Cluster,
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
            Change::NotTested
        );
    }
}
