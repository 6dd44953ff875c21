//! The optional basemap under the choropleth (`serve --basemap URL`): none by default, so
//! everything runs offline. A URL with `{z}`, `{x}` and `{y}` is a raster XYZ template
//! (OpenStreetMap's tiles, say), drawn by every style as a raster layer under the fill;
//! any other URL is a MapLibre style (Ordnance Survey's OS Open Zoomstack, say), which the
//! map page loads and draws the atlas's layers over. Either way the map page's
//! Content-Security-Policy then allows that origin, and only it.
//!
//! Set once at start-up by the binary, read by the style and the map page: a process-wide
//! setting, like the command line it comes from.

use std::sync::OnceLock;

use serde::Serialize;

/// What kind of basemap a URL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An XYZ raster tile template.
    Raster,
    /// A MapLibre style document.
    Style,
}

/// A validated basemap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Basemap {
    /// Raster template or style.
    pub kind: Kind,
    /// The URL as given.
    pub url: String,
    /// `scheme://host[:port]`, for the Content-Security-Policy.
    #[serde(skip)]
    pub origin: String,
    /// Credit to show for it (`--basemap-attribution`), e.g. "© OpenStreetMap contributors".
    pub attribution: Option<String>,
}

/// Why `--basemap` was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BasemapError {
    /// Not an absolute http(s) URL with a host.
    #[error("--basemap must be an http:// or https:// URL, e.g. https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png; got `{0}`")]
    NotHttp(String),
    /// Characters that could break out of a CSP header or a style document.
    #[error("--basemap contains characters not allowed in a URL here (quotes, spaces, `;` or control characters): `{0}`")]
    BadCharacters(String),
    /// A template with some but not all of {z}, {x}, {y}.
    #[error("--basemap looks like a tile template but lacks one of {{z}}, {{x}}, {{y}}: `{0}`")]
    IncompleteTemplate(String),
}

impl Basemap {
    /// Parses and checks a `--basemap` URL.
    pub fn parse(url: &str) -> Result<Basemap, BasemapError> {
        let shown = || url.chars().take(200).collect::<String>();
        if url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "\"'`;<>\\".contains(c))
        {
            return Err(BasemapError::BadCharacters(shown()));
        }
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| BasemapError::NotHttp(shown()))?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || host.contains('@') || host.contains('{') {
            return Err(BasemapError::NotHttp(shown()));
        }
        let scheme = if url.starts_with("https://") {
            "https"
        } else {
            "http"
        };
        let marks = ["{z}", "{x}", "{y}"].map(|m| url.contains(m));
        let kind = match marks {
            [true, true, true] => Kind::Raster,
            [false, false, false] => Kind::Style,
            _ => return Err(BasemapError::IncompleteTemplate(shown())),
        };
        Ok(Basemap {
            kind,
            url: url.to_owned(),
            origin: format!("{scheme}://{host}"),
            attribution: None,
        })
    }
}

static BASEMAP: OnceLock<Option<Basemap>> = OnceLock::new();

/// Sets the process's basemap (once, at start-up); later calls are ignored.
pub fn set(basemap: Option<Basemap>) {
    let _ = BASEMAP.set(basemap);
}

/// The configured basemap, if any.
pub fn configured() -> Option<&'static Basemap> {
    BASEMAP.get().and_then(Option::as_ref)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raster_templates_and_style_urls() {
        let b = Basemap::parse("https://tile.openstreetmap.org/{z}/{x}/{y}.png").unwrap();
        assert_eq!(
            (b.kind, b.origin.as_str()),
            (Kind::Raster, "https://tile.openstreetmap.org")
        );
        let b = Basemap::parse("https://example.test:8443/styles/zoomstack.json?key=k").unwrap();
        assert_eq!(
            (b.kind, b.origin.as_str()),
            (Kind::Style, "https://example.test:8443")
        );
        for bad in [
            "ftp://x/{z}/{x}/{y}",
            "tile.openstreetmap.org/{z}/{x}/{y}.png",
            "https:///x",
            "https://x/{z}/{x}.png",
            "https://x/a b",
            "https://x/a'; script-src *",
            "https://user@x/",
        ] {
            assert!(Basemap::parse(bad).is_err(), "{bad}");
        }
    }
}
