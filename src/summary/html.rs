//! The summary as an HTML page: a real table (caption, column and row headers) that works
//! without script and is the accessible alternative to the map; a small script of our own
//! makes the columns sortable.

use super::cells::{cell_fill, legend, text_on, untested_reason};
use crate::catalog::indicators::{AreaLevel, Lang};
use crate::comparison::{Cell, Summary};
use crate::markup::escape_xml;
use crate::significance::Significance;

pub use crate::comparison::words::value as fmt_value;

fn flag_words(flag: Option<Significance>, vs_board: bool, lang: Lang) -> &'static str {
    match (flag, vs_board, lang) {
        (Some(Significance::Higher), false, Lang::En) => "significantly higher than Wales",
        (Some(Significance::Lower), false, Lang::En) => "significantly lower than Wales",
        (Some(Significance::Similar), false, Lang::En) => "not significantly different from Wales",
        (Some(Significance::Higher), true, Lang::En) => "significantly higher than the board",
        (Some(Significance::Lower), true, Lang::En) => "significantly lower than the board",
        (Some(Significance::Similar), true, Lang::En) => {
            "not significantly different from the board"
        }
        (Some(Significance::Higher), false, Lang::Cy) => "sylweddol uwch na Chymru",
        (Some(Significance::Lower), false, Lang::Cy) => "sylweddol is na Chymru",
        (Some(Significance::Similar), false, Lang::Cy) => "dim gwahaniaeth sylweddol o Gymru",
        (Some(Significance::Higher), true, Lang::Cy) => "sylweddol uwch na'r bwrdd",
        (Some(Significance::Lower), true, Lang::Cy) => "sylweddol is na'r bwrdd",
        (Some(Significance::Similar), true, Lang::Cy) => "dim gwahaniaeth sylweddol o'r bwrdd",
        (_, _, Lang::En) => "not tested",
        (_, _, Lang::Cy) => "heb ei brofi",
    }
}

/// The symbol beside a value for its comparison with the board: ▲ higher, ▼ lower.
fn board_mark(flag: Option<Significance>) -> &'static str {
    match flag {
        Some(Significance::Higher) => " ▲",
        Some(Significance::Lower) => " ▼",
        _ => "",
    }
}

fn cell_html(
    c: &Cell,
    level: AreaLevel,
    unit: &str,
    polarity: crate::catalog::indicators::Polarity,
    lang: Lang,
) -> String {
    let Some(value) = c.value else {
        return format!(
            "<td data-sort=\"\">{}</td>",
            lang.pick("no data", "dim data")
        );
    };
    let interval = match (c.lower_ci, c.upper_ci) {
        (Some(l), Some(u)) => format!(
            "<br><small>{}–{}</small>",
            fmt_value(l, unit),
            fmt_value(u, unit)
        ),
        _ => String::new(),
    };
    let mut title = flag_words(c.sig_vs_wales, false, lang).to_owned();
    if c.sig_vs_hb.is_some() {
        title.push_str("; ");
        title.push_str(flag_words(c.sig_vs_hb, true, lang));
    }
    // Rows sort by how the area compares with Wales (higher, similar, lower): a cluster's
    // column then lists where it stands out; values of different units cannot be ordered.
    let rank = match c.sig_vs_wales {
        Some(Significance::Higher) => "2",
        Some(Significance::Similar) => "1",
        Some(Significance::Lower) => "0",
        _ => "",
    };
    format!(
        "<td data-sort=\"{rank}\" data-value=\"{value}\" style=\"background:{bg};color:{ink}\" title=\"{title}\">{v}{mark}{interval}</td>",
        bg = cell_fill(level, c.sig_vs_wales, polarity),
        ink = text_on(c.sig_vs_wales),
        title = escape_xml(&title),
        v = fmt_value(value, unit),
        mark = board_mark(c.sig_vs_hb),
    )
}

/// The page.
pub fn summary_html(
    summary: &Summary<'_>,
    findings: &[String],
    lang: Lang,
    approximate: bool,
) -> String {
    let title = match lang {
        Lang::En => format!("Indicator summary: {}", summary.area.name),
        Lang::Cy => format!("Crynodeb dangosyddion: {}", summary.area.name),
    };
    let mut head = format!(
        "<th scope=\"col\" data-type=\"text\"><button type=\"button\">{}</button></th>",
        lang.pick("Indicator", "Dangosydd")
    );
    for c in &summary.columns {
        let kind = match c.level {
            AreaLevel::Cluster => "",
            _ => " class=\"comparator\"",
        };
        head.push_str(&format!(
            "<th scope=\"col\"{kind}><button type=\"button\">{}</button></th>",
            escape_xml(&c.name)
        ));
    }
    let mut body = String::new();
    for r in &summary.rows {
        let polarity = r.indicator.polarity;
        let note = if r.tested {
            String::new()
        } else {
            format!(
                "<br><small>{}</small>",
                escape_xml(&untested_reason(r.indicator, lang))
            )
        };
        body.push_str(&format!(
            "<tr><th scope=\"row\" data-sort=\"{t}\">{t} <small>({unit}, {period})</small>{note}</th>",
            t = escape_xml(r.title),
            unit = escape_xml(r.unit),
            period = escape_xml(r.period),
        ));
        for (c, col) in r.cells.iter().zip(&summary.columns) {
            body.push_str(&cell_html(c, col.level, r.unit, polarity, lang));
        }
        body.push_str("</tr>\n");
    }
    let legend: String = legend(lang)
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                e["color"].as_str().unwrap_or(""),
                escape_xml(e["label"].as_str().unwrap_or(""))
            )
        })
        .collect();
    let findings: String = findings
        .iter()
        .map(|f| format!("<li>{}</li>", escape_xml(f)))
        .collect();
    let caveat = if approximate {
        format!(
            "<p class=\"caveat\"><strong>{}</strong></p>",
            escape_xml(&crate::style::legend::approximate_note(lang))
        )
    } else {
        String::new()
    };
    let level = summary.level.as_str();
    // Every link names its document in full (area, format, language, level) rather than
    // a bare `?lang=cy`: a static copy stores each request as a file of its own name
    // (src/site.rs), and a link that changes only the query would reach the same file.
    let code = percent_encoding::utf8_percent_encode(
        &summary.area.code,
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    let link = |ext: &str, lang: &str, level: &str| {
        escape_xml(&format!("{code}{ext}?lang={lang}&level={level}"))
    };
    let other_lang = match lang {
        Lang::En => format!(
            "<a href=\"{}\" hreflang=\"cy\">Cymraeg</a>",
            link(".html", "cy", level)
        ),
        Lang::Cy => format!(
            "<a href=\"{}\" hreflang=\"en\">English</a>",
            link(".html", "en", level)
        ),
    };
    let other_level = match summary.level.as_str() {
        "95" => "99.8",
        _ => "95",
    };
    let other_lang = format!(
        "{other_lang} · <a href=\"{}\">{}% {}</a>",
        link(".html", lang.as_str(), other_level),
        other_level,
        lang.pick("confidence", "hyder")
    );
    let (csv, svg, json) = (
        link(".csv", lang.as_str(), level),
        link(".svg", lang.as_str(), level),
        link(".json", lang.as_str(), level),
    );
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <style>body{{font-family:sans-serif;margin:1rem;color:#1a1a1a}}table{{border-collapse:collapse}}\
         th,td{{border:1px solid #999;padding:.3rem .5rem;text-align:right;vertical-align:top}}\
         th[scope=row]{{text-align:left;max-width:22rem}}thead th{{position:sticky;top:0;background:#fff}}\
         th button{{font:inherit;font-weight:bold;background:none;border:0;cursor:pointer;text-align:inherit}}\
         th button:focus-visible{{outline:3px solid #005eb8}}.comparator{{background:#eee}}\
         .swatch{{display:inline-block;width:1em;height:1em;margin-right:.4em;border:1px solid #555;vertical-align:middle}}\
         .legend{{list-style:none;padding:0}}.caveat{{color:#8a1c00}}</style></head><body>\
         <h1>{title}</h1><p>{other_lang} · <a href=\"{csv}\">CSV</a> · <a href=\"{svg}\">SVG</a> · \
         <a href=\"{json}\">JSON</a></p>{caveat}\
         <table id=\"summary\"><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\
         <h2>{key}</h2><ul class=\"legend\">{legend}</ul>\
         <p>{marks}</p><h2>{findings_title}</h2><ul>{findings}</ul>\
         <script type=\"module\" src=\"../static/js/summary-table.js\"></script></body></html>\n",
        lang = lang.as_str(),
        title = escape_xml(&title),
        caption = lang
            .pick(
                "Each cell: the value, its {level}% confidence interval, its colour against Wales and ▲/▼ when significantly higher/lower than the health board. Choose a column heading to sort the indicators by that area's comparison with Wales.",
                "Pob cell: y gwerth, ei gyfwng hyder {level}%, ei liw o'i gymharu â Chymru a ▲/▼ pan fo'n sylweddol uwch/is na'r bwrdd iechyd. Dewiswch bennawd colofn i ddidoli'r dangosyddion yn ôl cymhariaeth yr ardal honno â Chymru."
            )
            .replace("{level}", summary.level.as_str()),
        key = lang.pick("Key", "Allwedd"),
        marks = lang.pick("▲ significantly higher than the health board; ▼ significantly lower.", "▲ sylweddol uwch na'r bwrdd iechyd; ▼ sylweddol is."),
        findings_title = lang.pick("Findings", "Canfyddiadau"),
    )
}
