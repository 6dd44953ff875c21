//! HTTP pieces every face shares and that know nothing of the data: the public base URL,
//! validators (`If-None-Match`), the cache lifetimes of versioned URLs, CSV cells and
//! bodies that spreadsheets open correctly, and `Routes`, a router that remembers its
//! route templates.

use axum::body::{Body, HttpBody};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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

/// Content codings whose bodies get an ETag of their own (RFC 9110 §8.8.3: different
/// representations need different strong validators).
const CODINGS: [&str; 4] = ["br", "gzip", "deflate", "zstd"];

/// The strong ETag of the `coding` representation (`br`, `gzip`…; `None` for identity) of
/// a resource whose identity ETag is `etag`: `"abc"` becomes `"abc-br"`.
pub fn representation_etag(etag: &str, coding: Option<&str>) -> String {
    match coding {
        Some(c)
            if CODINGS.contains(&c)
                && etag.ends_with('"')
                && !etag.ends_with(&format!("-{c}\"")) =>
        {
            format!("{}-{c}\"", &etag[..etag.len() - 1])
        }
        _ => etag.to_owned(),
    }
}

/// The tag in the request's `If-None-Match` that names `etag` or one of its
/// representations (or `*`), if any: the answer is then 304, carrying that tag.
pub fn matching_etag(request: &HeaderMap, etag: &str) -> Option<String> {
    matching_tag(request.get(header::IF_NONE_MATCH)?, etag)
}

/// [`matching_etag`] on the `If-None-Match` value alone.
fn matching_tag(if_none_match: &HeaderValue, etag: &str) -> Option<String> {
    if_none_match
        .to_str()
        .ok()?
        .split(',')
        .map(str::trim)
        .find(|t| *t == "*" || same_resource(t, etag))
        .map(|t| {
            if t == "*" {
                etag.to_owned()
            } else {
                t.to_owned()
            }
        })
}

/// Whether two ETags name representations of the same resource version (weak comparison).
fn same_resource(a: &str, b: &str) -> bool {
    strip_coding(a) == strip_coding(b)
}

/// An ETag without `W/` and without a content-coding suffix.
fn strip_coding(tag: &str) -> String {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    for c in CODINGS {
        if let Some(stem) = tag.strip_suffix(&format!("-{c}\"")) {
            return format!("{stem}\"");
        }
    }
    tag.to_owned()
}

/// Whether the request's `If-None-Match` names `etag`, one of its representations, or
/// `*`: answer 304.
pub fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    matching_etag(request, etag).is_some()
}

/// Content types whose 200 answers [`add_validators`] tags: the documents clients poll or
/// cache (styles, TileJSON, legends, `/data`, summaries, profiles, OGC documents).
const VALIDATED_TYPES: [&str; 9] = [
    "application/json",
    "application/geo+json",
    "application/schema+json",
    "application/vnd.oai.openapi+json",
    "application/vnd.ogc.sld+xml",
    "image/svg+xml",
    "text/csv",
    "text/html",
    "text/xml",
];

/// The largest body [`add_validators`] buffers to hash; a larger or streamed one goes out
/// untagged rather than held in memory.
const MAX_VALIDATED_BODY: u64 = 32 << 20;

/// Middleware: every 200 `GET` answer of a [`VALIDATED_TYPES`] type that carries no ETag
/// of its own gets a strong one (a hash of its body), `Cache-Control` (short, unless the
/// handler set one) and `Vary: Accept-Encoding`; when `If-None-Match` names it, the answer
/// is a bodiless 304. Hashing the body makes the tag exact for every representation a
/// handler can produce (language, classification, format) without each handler knowing
/// what its answer depends on. `no-store` answers (such as `/health`) are left alone.
pub async fn add_validators(request: Request, next: Next) -> Response {
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    // Only this header is needed after the handler: no copy of the whole map per request.
    let conditional = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    let headers = response.headers();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim();
    let no_store = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    if !is_read
        || response.status() != StatusCode::OK
        || headers.contains_key(header::ETAG)
        || no_store
        || !VALIDATED_TYPES.contains(&content_type)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if body
        .size_hint()
        .upper()
        .is_none_or(|n| n > MAX_VALIDATED_BODY)
    {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_VALIDATED_BODY as usize).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let etag = format!("\"b{:016x}\"", xxhash_rust::xxh3::xxh3_64(&bytes));
    if !parts.headers.contains_key(header::CACHE_CONTROL) {
        parts
            .headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(SHORT_LIVED));
    }
    add_vary_accept_encoding(&mut parts.headers);
    if let Some(tag) = conditional.and_then(|v| matching_tag(&v, &etag)) {
        let mut headers = HeaderMap::new();
        for name in [header::CACHE_CONTROL, header::VARY] {
            if let Some(v) = parts.headers.get(&name) {
                headers.insert(name, v.clone());
            }
        }
        if let Ok(v) = HeaderValue::from_str(&tag) {
            headers.insert(header::ETAG, v);
        }
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, v);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Middleware, outside compression: a compressed answer's ETag names its coding
/// ([`representation_etag`]), so identity, gzip and brotli bodies never share a strong
/// validator, and every tagged answer says `Vary: Accept-Encoding`.
pub async fn tag_representations(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let Some(etag) = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return response;
    };
    let coding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let tagged = representation_etag(&etag, coding.as_deref());
    if tagged != etag {
        if let Ok(v) = HeaderValue::from_str(&tagged) {
            headers.insert(header::ETAG, v);
        }
    }
    add_vary_accept_encoding(headers);
    response
}

/// Adds `Accept-Encoding` to `Vary` unless it is there already.
fn add_vary_accept_encoding(headers: &mut HeaderMap) {
    let present = headers.get_all(header::VARY).iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("accept-encoding") || t.trim() == "*")
        })
    });
    if !present {
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
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
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("W/\"x\", \"v1-ab-gzip\""),
        );
        assert_eq!(
            matching_etag(&h, "\"v1-ab\"").as_deref(),
            Some("\"v1-ab-gzip\"")
        );
        assert_eq!(matching_etag(&h, "\"x\"").as_deref(), Some("W/\"x\""));
        assert_eq!(matching_etag(&h, "\"v1-a\""), None);
        assert_eq!(representation_etag("\"v1-ab\"", Some("br")), "\"v1-ab-br\"");
        assert_eq!(
            representation_etag("\"v1-ab-br\"", Some("br")),
            "\"v1-ab-br\""
        );
        assert_eq!(representation_etag("\"v1-ab\"", None), "\"v1-ab\"");
        assert_eq!(
            representation_etag("\"v1-ab\"", Some("identity")),
            "\"v1-ab\""
        );
        assert_eq!(cache_control_for(Some("3"), 3), IMMUTABLE);
        assert_eq!(cache_control_for(Some("2"), 3), SHORT_LIVED);
        assert_eq!(cache_control_for(None, 3), SHORT_LIVED);
    }
}
