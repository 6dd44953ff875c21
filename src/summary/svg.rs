//! The summary as an SVG grid for reports: indicators down, areas across, each cell
//! coloured by its comparison with Wales, with a title on every mark for screen readers.

use super::cells::{
    cell_fill, legend, row_decimals, text_on, untested_reason, value_with_interval,
};
use crate::catalog::indicators::Lang;
use crate::comparison::Summary;
use crate::markup::{escape_xml, svg_open};

const LABEL_W: f64 = 280.0;
const CELL_W: f64 = 74.0;
const CELL_H: f64 = 30.0;
const HEADER_H: f64 = 120.0;

/// The grid.
pub fn summary_svg(summary: &Summary<'_>, lang: Lang, approximate: bool) -> String {
    let cols = summary.columns.len() as f64;
    let rows = summary.rows.len() as f64;
    let width = LABEL_W + CELL_W * cols + 20.0;
    let height = HEADER_H + CELL_H * rows + 180.0;
    let title = match lang {
        Lang::En => format!("Indicator summary: {}", summary.area.name),
        Lang::Cy => format!("Crynodeb dangosyddion: {}", summary.area.name),
    };
    let desc = lang.pick(
        "Each row is an indicator and each column an area; a cell's colour shows whether its value is significantly higher or lower than Wales (by the indicator's polarity), and its text is the value.",
        "Mae pob rhes yn ddangosydd a phob colofn yn ardal; mae lliw cell yn dangos a yw ei gwerth yn sylweddol uwch neu is na Chymru, a'i thestun yw'r gwerth.",
    );
    let mut out = svg_open("summary", width, height, lang.as_str(), 12, &title, desc);
    out.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");
    out.push_str(&format!(
        "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{}</text>",
        escape_xml(&title)
    ));
    for (i, c) in summary.columns.iter().enumerate() {
        let x = LABEL_W + CELL_W * i as f64 + CELL_W / 2.0;
        out.push_str(&format!(
            "<text transform=\"translate({x},{y}) rotate(-45)\" font-size=\"11\"><title>{n}</title>{n}</text>",
            y = HEADER_H - 6.0,
            n = escape_xml(&c.name),
        ));
    }
    for (j, r) in summary.rows.iter().enumerate() {
        let y = HEADER_H + CELL_H * j as f64;
        let label = format!("{} ({})", r.title, r.unit);
        out.push_str(&format!(
            "<text x=\"10\" y=\"{ty}\"><title>{full}</title>{short}</text>",
            ty = y + CELL_H / 2.0 + 4.0,
            full = escape_xml(&format!(
                "{label}, {}{}",
                r.period,
                if r.tested {
                    String::new()
                } else {
                    format!(". {}", untested_reason(r.indicator, lang))
                }
            )),
            short = escape_xml(&label.chars().take(44).collect::<String>()),
        ));
        // The table's precision, so the grid and the table print the same numbers.
        let decimals = row_decimals(r, &summary.columns);
        for (i, (c, col)) in r.cells.iter().zip(&summary.columns).enumerate() {
            let x = LABEL_W + CELL_W * i as f64;
            let (value, interval) = c.value.map_or_else(
                || ("–".to_owned(), None),
                |v| value_with_interval(v, c.lower_ci, c.upper_ci, decimals),
            );
            // The title says what the table's cell says: the value with its interval.
            let said = match &interval {
                Some(i) => format!("{value} ({i})"),
                None => value.clone(),
            };
            let fill = cell_fill(col.level, c.sig_vs_wales, r.indicator.polarity);
            let flag = c.sig_vs_wales.map_or("not_tested", |f| f.as_str());
            out.push_str(&format!(
                "<g><title>{t}</title><rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{fill}\" stroke=\"#777\" stroke-width=\"0.5\" data-flag=\"{flag}\"/>\
                 <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"{ink}\">{value}</text></g>",
                t = escape_xml(&format!("{}: {} {said} ({flag})", col.name, r.title)),
                w = CELL_W,
                h = CELL_H,
                ink = text_on(fill),
                tx = x + CELL_W / 2.0,
                ty = y + CELL_H / 2.0 + 4.0,
            ));
        }
    }
    let mut ly = HEADER_H + CELL_H * rows + 24.0;
    for e in legend(lang).as_array().into_iter().flatten() {
        out.push_str(&format!(
            "<g><title>{l}</title><rect x=\"10\" y=\"{ry}\" width=\"16\" height=\"12\" fill=\"{c}\" stroke=\"#555\" stroke-width=\"0.5\"/>\
             <text x=\"32\" y=\"{ty}\">{l}</text></g>",
            l = escape_xml(e["label"].as_str().unwrap_or("")),
            c = e["color"].as_str().unwrap_or(""),
            ry = ly - 10.0,
            ty = ly,
        ));
        ly += 18.0;
    }
    if approximate {
        // Wrapped at word boundaries: the caveat must be read whole, never clipped.
        for line in crate::markup::wrap(&crate::style::legend::approximate_note(lang), 110) {
            out.push_str(&format!(
                "<text x=\"10\" y=\"{ly}\" font-size=\"11\" fill=\"#8a1c00\">{}</text>",
                escape_xml(&line)
            ));
            ly += 14.0;
        }
    }
    out.push_str("</svg>\n");
    out
}
