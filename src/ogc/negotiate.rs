//! What every OGC endpoint does with a request before its own work: content negotiation
//! (JSON unless HTML is preferred) and the strict check of query parameters.
//!
//! Why this rule: OWSLib, GDAL and QGIS send `Accept: */*`, `application/json` or no
//! Accept at all, and cannot read HTML; browsers send `text/html,…,*/*;q=0.8`. So HTML
//! is served only when `text/html` itself has a higher quality than anything JSON matches.
//! Features Part 1 (/req/core/query-param-unknown) wants a parameter that the API
//! definition does not list refused, so that a client's typo (`bbbox`) is not silently a
//! different query.

use axum::http::{header, HeaderMap};

/// Whether the client prefers HTML over JSON, by the Accept header's qualities.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|a| a.to_str().ok()) else {
        return false;
    };
    let (mut html, mut json) = (0.0_f32, 0.0_f32);
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(q),
            "*/*"
            | "application/*"
            | "application/json"
            | "application/geo+json"
            | "application/schema+json" => json = json.max(q),
            m if m.ends_with("+json") => json = json.max(q),
            _ => {}
        }
    }
    html > 0.0 && html > json
}

/// A JSON document as a plain HTML page (its links as anchors, the rest as text), for the
/// endpoints whose HTML is only for people browsing the API.
pub fn html_page(title: &str, doc: &serde_json::Value) -> axum::response::Response {
    use crate::markup::escape_xml;
    use axum::response::IntoResponse;
    let links: String = doc["links"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!(
                "<li><a href=\"{}\">{}</a></li>",
                escape_xml(l["href"].as_str().unwrap_or("")),
                escape_xml(l["title"].as_str().or(l["rel"].as_str()).unwrap_or(""))
            )
        })
        .collect();
    let body = serde_json::to_string_pretty(doc).unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\
             <body><h1>{t}</h1><ul>{links}</ul><pre>{}</pre></body></html>",
            escape_xml(&body),
            t = escape_xml(title)
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, v.parse().unwrap());
        h
    }

    #[test]
    fn json_unless_html_is_preferred() {
        assert!(!prefers_html(&HeaderMap::new()));
        assert!(!prefers_html(&accept("*/*")));
        assert!(!prefers_html(&accept("application/json")));
        assert!(!prefers_html(&accept(
            "application/geo+json, application/json;q=0.9"
        )));
        assert!(!prefers_html(&accept("text/html;q=0.5, application/json")));
        assert!(prefers_html(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(prefers_html(&accept("text/html")));
    }
}
