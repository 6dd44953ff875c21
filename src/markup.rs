//! Escaping text for XML and HTML (SVG charts and legends, SLD, HTML tables), and wrapping
//! the long lines of SVG text, which does not wrap by itself.

/// Escapes `&`, `<`, `>` and `"`, enough for element text and double-quoted attributes.
pub fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The opening of an accessible SVG image: `role="img"`, labelled by its `<title>` and
/// `<desc>` (ids `{id}-title` and `{id}-desc`), in `lang`, sans-serif at `font_size`.
/// Escapes the title and the description.
pub fn svg_open(
    id: &str,
    width: impl std::fmt::Display,
    height: impl std::fmt::Display,
    lang: &str,
    font_size: u32,
    title: &str,
    desc: &str,
) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" lang=\"{lang}\" font-family=\"sans-serif\" font-size=\"{font_size}\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape_xml(title),
        escape_xml(desc),
    )
}

/// Splits text into lines of at most `width` characters at spaces.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_keeps_every_word() {
        let text = "Cluster boundaries are APPROXIMATE: LSOAs are assigned to the cluster of the nearest GP main surgery";
        let lines = wrap(text, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30));
        assert_eq!(lines.join(" "), text);
    }
}
