//! HTTP pieces every face shares and that know nothing of the data: the public base URL,
//! validators (`If-None-Match`), the cache lifetimes of versioned URLs, and `Routes`, a
//! router that remembers its route templates.

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
