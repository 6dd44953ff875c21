//! `GET /profiles/{cluster}/spine.svg`: the spine chart of PHW's and OHID's profiles. For each
//! indicator, the range of all Welsh clusters (lightest to darkest: full range, middle half),
//! Wales (a line), the board (a diamond) and the area (a circle coloured by its comparison
//! with Wales). Every mark has a title.

use crate::catalog::indicators::{Area, AreaLevel, IndicatorCatalog, Lang};
use crate::catalog::WALES_CODE;
use crate::markup::{escape_xml, svg_open};
use crate::palette;
use crate::significance::Benchmark;
use crate::significance::{ConfidenceLevel, Significance};
use crate::style::legend::significance_label;

const LABEL_W: f64 = 300.0;
const VALUES_W: f64 = 210.0;
const SPINE_W: f64 = 360.0;
const ROW_H: f64 = 26.0;
const TOP: f64 = 70.0;

/// The value at fraction `p` (0..1) of sorted values, by linear interpolation.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

use crate::comparison::words::value as fmt;

/// The chart for a cluster (or board) against all Welsh clusters.
pub fn spine_svg(
    catalog: &IndicatorCatalog,
    area: &Area,
    lang: Lang,
    level: ConfidenceLevel,
) -> String {
    let board = area
        .hb_code
        .as_ref()
        .filter(|_| area.level == AreaLevel::Cluster)
        .and_then(|hb| catalog.areas.get(hb));
    struct Line {
        title: String,
        unit: String,
        period: String,
        min: f64,
        q1: f64,
        q3: f64,
        max: f64,
        own: f64,
        flag: Significance,
        polarity: crate::catalog::indicators::Polarity,
        color: &'static str,
        board: Option<f64>,
        wales: Option<f64>,
    }
    let mut lines = Vec::new();
    for ind in &catalog.indicators {
        let Some(period) = ind.periods.last() else {
            continue;
        };
        let values = catalog.values_at(&ind.id, period, level);
        let mut clusters: Vec<f64> = values
            .iter()
            .filter(|v| v.level == AreaLevel::Cluster)
            .map(|v| v.value)
            .collect();
        let Some(own) = values.iter().find(|v| v.code == area.code) else {
            continue;
        };
        if clusters.len() < 2 {
            continue;
        }
        clusters.sort_by(f64::total_cmp);
        let of = |code: &str| values.iter().find(|v| v.code == code).map(|v| v.value);
        lines.push(Line {
            title: ind.title(lang).to_owned(),
            unit: ind.unit.clone(),
            period: period.clone(),
            min: clusters[0],
            q1: quantile(&clusters, 0.25),
            q3: quantile(&clusters, 0.75),
            max: clusters[clusters.len() - 1],
            own: own.value,
            flag: own.sig_vs_wales,
            polarity: ind.polarity,
            color: palette::significance(own.sig_vs_wales, ind.polarity),
            board: board.and_then(|b| of(&b.code)),
            wales: of(WALES_CODE),
        });
    }
    let width = LABEL_W + VALUES_W + SPINE_W + 30.0;
    let height = TOP + ROW_H * lines.len() as f64 + 70.0;
    let name = area.name(lang);
    let title = match lang {
        Lang::En => format!("Spine chart: {name} against all Welsh clusters"),
        Lang::Cy => format!("Siart asgwrn cefn: {name} o'i gymharu â holl glystyrau Cymru"),
    };
    let desc = lang.pick(
        "For each indicator: the range of all Welsh clusters (light bar), the middle half of clusters (dark bar), Wales (black line), the health board (diamond) and the area (circle, coloured by its comparison with Wales).",
        "Ar gyfer pob dangosydd: ystod holl glystyrau Cymru (bar golau), hanner canol y clystyrau (bar tywyll), Cymru (llinell ddu), y bwrdd iechyd (diemwnt) a'r ardal (cylch, wedi'i liwio yn ôl ei chymhariaeth â Chymru).",
    );
    let mut out = svg_open("spine", width, height, lang.as_str(), 12, &title, desc);
    out.push_str(&format!(
        "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text>",
        escape_xml(&title),
    ));
    let (vx, sx) = (LABEL_W, LABEL_W + VALUES_W);
    for (i, h) in [
        lang.pick("Area", "Ardal"),
        lang.pick("Board", "Bwrdd"),
        lang.pick("Wales", "Cymru"),
    ]
    .iter()
    .enumerate()
    {
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-weight=\"bold\">{h}</text>",
            vx + 65.0 * (i as f64 + 1.0),
            TOP - 10.0
        ));
    }
    out.push_str(&format!(
        "<text x=\"{sx}\" y=\"{}\" font-weight=\"bold\">{}</text>",
        TOP - 10.0,
        lang.pick(
            "Lowest cluster ← → highest cluster",
            "Clwstwr isaf ← → clwstwr uchaf"
        )
    ));
    for (j, l) in lines.iter().enumerate() {
        let y = TOP + ROW_H * j as f64;
        let mid = y + ROW_H / 2.0;
        let span = (l.max - l.min).max(f64::MIN_POSITIVE);
        let at = |v: f64| sx + SPINE_W * ((v - l.min) / span).clamp(0.0, 1.0);
        let label: String = l.title.chars().take(46).collect();
        out.push_str(&format!(
            "<text x=\"10\" y=\"{ty}\"><title>{full}</title>{label}</text>",
            ty = mid + 4.0,
            full = escape_xml(&format!("{} ({}, {})", l.title, l.unit, l.period)),
            label = escape_xml(&label),
        ));
        for (i, v) in [Some(l.own), l.board, l.wales].iter().enumerate() {
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                vx + 65.0 * (i as f64 + 1.0),
                mid + 4.0,
                v.map_or_else(|| "–".to_owned(), |v| fmt(v, &l.unit))
            ));
        }
        let range_title = match lang {
            Lang::En => format!(
                "All Welsh clusters: {} to {}",
                fmt(l.min, &l.unit),
                fmt(l.max, &l.unit)
            ),
            Lang::Cy => format!(
                "Holl glystyrau Cymru: {} i {}",
                fmt(l.min, &l.unit),
                fmt(l.max, &l.unit)
            ),
        };
        out.push_str(&format!(
            "<g class=\"range\"><title>{rt}</title><rect x=\"{sx}\" y=\"{ry}\" width=\"{SPINE_W}\" height=\"12\" fill=\"#dbe4ee\"/></g>\
             <g class=\"middle\"><title>{mt}</title><rect x=\"{qx}\" y=\"{ry}\" width=\"{qw}\" height=\"12\" fill=\"#9fb3c8\"/></g>",
            rt = escape_xml(&range_title),
            mt = escape_xml(&format!("{} {}–{}", lang.pick("Middle half:", "Hanner canol:"), fmt(l.q1, &l.unit), fmt(l.q3, &l.unit))),
            ry = mid - 6.0,
            qx = at(l.q1),
            qw = (at(l.q3) - at(l.q1)).max(1.0),
        ));
        if let Some(w) = l.wales {
            out.push_str(&format!(
                "<g class=\"wales\"><title>{} {}</title><line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#000\" stroke-width=\"2\"/></g>",
                lang.pick("Wales:", "Cymru:"),
                fmt(w, &l.unit),
                mid - 9.0,
                mid + 9.0,
                x = at(w),
            ));
        }
        if let Some(b) = l.board {
            let x = at(b);
            out.push_str(&format!(
                "<g class=\"board\"><title>{} {}</title><path d=\"M{x} {} l6 6 l-6 6 l-6 -6 z\" fill=\"#fff\" stroke=\"#000\"/></g>",
                lang.pick("Health board:", "Bwrdd iechyd:"),
                fmt(b, &l.unit),
                mid - 6.0,
            ));
        }
        out.push_str(&format!(
            "<g class=\"area\"><title>{}: {} ({})</title><circle cx=\"{}\" cy=\"{mid}\" r=\"6\" fill=\"{}\" stroke=\"#000\" data-flag=\"{}\"/></g>",
            escape_xml(name),
            fmt(l.own, &l.unit),
            // The flag in words, as the legend and card say it, not its stored code.
            escape_xml(&significance_label(l.flag, l.polarity, Benchmark::Wales, lang)),
            at(l.own),
            l.color,
            l.flag.as_str(),
        ));
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 0.25), 2.0);
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 1.0), 5.0);
        assert_eq!(quantile(&[1.0, 2.0], 0.5), 1.5);
    }
}
