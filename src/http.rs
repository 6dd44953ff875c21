//! HTTP pieces every face shares and that know nothing of the data: the public base URL,
//! validators (`If-None-Match`), the cache lifetimes of versioned URLs, CSV cells and
//! bodies that spreadsheets open correctly, and `Routes`, a router that remembers its
//! route templates.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

/// `Cache-Control` of a URL that carries the current data version: it can never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of a URL without the version: short, so a reload shows soon.
pub const SHORT_LIVED: &str = "public, max-age=300";

/// The base URL for absolute links: the configured public URL, else `http://` and the
/// request's Host header, which is used only if it looks like a host (so a forged header
/// cannot inject text into TileJSON and style URLs).
pub fn base_url(public_url: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(url) = public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// A router state that knows the configured public URL (`--public-url`), if any.
pub trait PublicUrl {
    /// The configured public URL, without a trailing slash.
    fn public_url(&self) -> Option<&str>;
}

/// The request's base URL ([`base_url`]) as an extractor, so that a handler which only
/// builds links takes neither the state nor the headers.
pub struct BaseUrl(pub String);

impl<S: PublicUrl + Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(BaseUrl(base_url(state.public_url(), &parts.headers)))
    }
}

/// Whether the request's `If-None-Match` names `etag` (or `*`): answer 304.
pub fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The cache lifetime of a response whose URL may carry `v=<version>`: immutable when it
/// names the version being served, short otherwise.
pub fn cache_control_for(requested_version: Option<&str>, version: i64) -> &'static str {
    if requested_version.is_some_and(|v| v == version.to_string()) {
        IMMUTABLE
    } else {
        SHORT_LIVED
    }
}

/// The UTF-8 byte order mark. Excel opens a double-clicked CSV as UTF-8 only when it starts
/// with one (without it Welsh names such as `Ŵ` come out garbled); scripts ask for
/// `bom=false`.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// One CSV cell from a JSON value: text as it is, nothing for null, and whole numbers
/// without a fraction (`9771`, not `9771.0`), so counts read as integers. Other numbers are
/// written in full; callers round first where a precision is published.
pub fn csv_cell(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            // 2^53: above it an f64 no longer holds every integer, so print it as it is.
            Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 => {
                format!("{x:.0}")
            }
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// A CSV download: `text/csv; charset=utf-8`, as an attachment named `filename`, with the
/// byte order mark in front when `bom` is set.
pub fn csv_response(body: Vec<u8>, bom: bool, filename: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = if bom {
        let mut with = Vec::with_capacity(UTF8_BOM.len() + body.len());
        with.extend_from_slice(UTF8_BOM);
        with.extend_from_slice(&body);
        with
    } else {
        body
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// A router that remembers its route templates, so the OpenAPI check (tests/openapi.rs)
/// can compare what is routed with what is documented: axum cannot list its routes.
pub struct Routes<S> {
    router: axum::Router<S>,
    templates: Vec<(&'static str, &'static str)>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes {
            router: axum::Router::new(),
            templates: Vec::new(),
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A `GET` route.
    pub fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, S>,
        T: 'static,
    {
        self.router = self.router.route(path, axum::routing::get(handler));
        self.templates.push(("get", path));
        self
    }

    /// A `POST` route.
    pub fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, S>,
        T: 'static,
    {
        self.router = self.router.route(path, axum::routing::post(handler));
        self.templates.push(("post", path));
        self
    }

    /// Both sets of routes.
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.templates.extend(other.templates);
        self
    }

    /// Method (lower case, as OpenAPI spells it) and axum template of every route.
    pub fn templates(&self) -> &[(&'static str, &'static str)] {
        &self.templates
    }

    /// The axum router.
    pub fn into_router(self) -> axum::Router<S> {
        self.router
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn forged_hosts_fall_back_and_public_urls_win() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("maps.example:8080"));
        assert_eq!(base_url(None, &h), "http://maps.example:8080");
        h.insert(header::HOST, HeaderValue::from_static("evil\"><script>"));
        assert_eq!(base_url(None, &h), "http://127.0.0.1:8080");
        assert_eq!(base_url(Some("https://x/atlas/"), &h), "https://x/atlas");
    }

    #[test]
    fn validators_and_lifetimes() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", \"b\""),
        );
        assert!(not_modified(&h, "\"b\"") && !not_modified(&h, "\"c\""));
        assert_eq!(cache_control_for(Some("3"), 3), IMMUTABLE);
        assert_eq!(cache_control_for(Some("2"), 3), SHORT_LIVED);
        assert_eq!(cache_control_for(None, 3), SHORT_LIVED);
    }
}
