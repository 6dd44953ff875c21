//! Escaping text for XML and HTML: SVG charts and legends, SLD, HTML tables.

/// Escapes `&`, `<`, `>` and `"`, enough for element text and double-quoted attributes.
pub fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
