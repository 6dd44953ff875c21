//! The summary as an HTML page: a real table (caption, column and row headers) that works
//! without script and is the accessible alternative to the map; a small script of our own
//! makes the columns sortable.

use super::cells::{
    cell_fill, legend, row_decimals, text_on, untested_reason, value_with_interval,
};
use crate::catalog::indicators::{AreaLevel, Lang};
use crate::comparison::{Cell, Summary};
use crate::markup::escape_xml;
use crate::significance::Significance;

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

fn cell_html(c: &Cell, level: AreaLevel, fill: &str, decimals: usize, lang: Lang) -> String {
    let Some(value) = c.value else {
        return format!(
            "<td data-sort=\"\" data-level=\"{}\">{}</td>",
            level.as_str(),
            lang.pick("no data", "dim data")
        );
    };
    let (printed, interval) = value_with_interval(value, c.lower_ci, c.upper_ci, decimals);
    let interval = interval
        .map(|i| format!("<br><small class=\"ci\">{i}</small>"))
        .unwrap_or_default();
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
        "<td data-sort=\"{rank}\" data-value=\"{value}\" data-level=\"{lvl}\" style=\"background:{fill};color:{ink}\" title=\"{title}\"><span class=\"v\">{printed}</span>{mark}{interval}</td>",
        lvl = level.as_str(),
        ink = text_on(fill),
        title = escape_xml(&title),
        mark = board_mark(c.sig_vs_hb),
    )
}

/// The page's styles. The table scrolls inside its own box (never the page), with the
/// indicator column and the heading row sticky and the caption held at the box's left
/// edge; below 48rem the page shows one cluster beside the board and Wales (the chooser,
/// which static/js/summary-table.js shows and drives).
const STYLE: &str = "body{font-family:sans-serif;margin:1rem;color:#1a1a1a;background:#fff}\
main{max-width:100%}table{border-collapse:separate;border-spacing:0}\
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:right;vertical-align:top}\
th[scope=row]{text-align:left;min-width:14rem;max-width:22rem;position:sticky;left:0;z-index:1;background:#fff}\
thead th{position:sticky;top:0;z-index:2;background:#fff}thead th:first-child{left:0;z-index:3;text-align:left}\
thead th.comparator{background:#eee}\
.table-scroll{overflow:auto;max-width:100%;max-height:85vh;border:1px solid #999}\
.table-scroll:focus-visible{outline:3px solid #005eb8;outline-offset:2px}\
caption{text-align:left;padding:.4rem 0}caption span{display:block;position:sticky;left:0;max-width:min(60rem,calc(100vw - 3rem));padding:0 .5rem}\
th button{font:inherit;font-weight:bold;background:none;border:0;padding:0;cursor:pointer;text-align:inherit;color:inherit}\
th button:focus-visible{outline:3px solid #005eb8}select:focus-visible{outline:3px solid #005eb8}\
td .v{font-weight:bold}td small{white-space:nowrap}\
.swatch{display:inline-block;width:1em;height:1em;margin-right:.4em;border:1px solid #555;vertical-align:middle}\
.legend{list-style:none;padding:0}.caveat{color:#8a1c00}\
@media (min-width:48rem){.chooser{display:none}}\
@media (max-width:47.99rem){body{margin:.5rem}#summary .off{display:none}th,td{padding:.25rem .3rem;font-size:.85rem}\
th[scope=row]{min-width:0;max-width:7.5rem}th,th button{overflow-wrap:anywhere}td small{white-space:normal}caption span{max-width:calc(100vw - 2rem)}}";

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
    // The areas a phone shows one at a time (a board's clusters; Wales's boards), beside
    // the board and Wales, which stay.
    let mut choices = String::new();
    for c in &summary.columns {
        let child = c.level != AreaLevel::Wales && c.code != summary.area.code;
        let kind = if child {
            format!(" data-choice=\"{}\"", escape_xml(&c.code))
        } else {
            " class=\"comparator\"".to_owned()
        };
        head.push_str(&format!(
            "<th scope=\"col\" data-level=\"{level}\"{kind}><button type=\"button\">{name}</button></th>",
            level = c.level.as_str(),
            name = escape_xml(&c.name)
        ));
        if child {
            choices.push_str(&format!(
                "<option value=\"{}\">{}</option>",
                escape_xml(&c.code),
                escape_xml(&c.name)
            ));
        }
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
        let decimals = row_decimals(r, &summary.columns);
        for (c, col) in r.cells.iter().zip(&summary.columns) {
            let fill = cell_fill(col.level, c.sig_vs_wales, polarity);
            body.push_str(&cell_html(c, col.level, fill, decimals, lang));
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
    let chooser_label = if summary.area.level == AreaLevel::Wales {
        lang.pick("Health board shown", "Bwrdd iechyd a ddangosir")
    } else {
        lang.pick("Cluster shown", "Clwstwr a ddangosir")
    };
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"icon\" href=\"../static/favicon.svg\" type=\"image/svg+xml\">\
         <style>{STYLE}</style></head><body><main>\
         <h1>{title}</h1><p>{other_lang} · <a href=\"{csv}\">CSV</a> · <a href=\"{svg}\">SVG</a> · \
         <a href=\"{json}\">JSON</a></p>{caveat}\
         <p class=\"chooser\" hidden><label for=\"area-choice\">{chooser_label}</label> \
         <select id=\"area-choice\">{choices}</select></p>\
         <div class=\"table-scroll\" role=\"region\" aria-labelledby=\"summary-caption\" tabindex=\"0\">\
         <table id=\"summary\"><caption id=\"summary-caption\"><span>{caption}</span></caption><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table></div>\
         <h2>{key}</h2><ul class=\"legend\">{legend}</ul>\
         <p>{marks}</p><h2>{findings_title}</h2><ul>{findings}</ul></main>\
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
