//! What the OGC API endpoints accept, declared once per route family with
//! [`crate::query_request!`]: the strict check (Features Part 1, query-param-unknown), the
//! parsing and the `/api` parameters all come from these types.

use axum::http::HeaderMap;
use serde_json::{json, Value};

use super::crs::Crs;
use crate::catalog::indicators::Lang;
use crate::catalog::{FieldType, LayerId};
use crate::params::{
    shorten, Bom, FilterQuery, IndicatorOptions, ParamError, QueryRequest, QueryValue, RawQuery,
};

/// Largest page.
pub const MAX_LIMIT: i64 = 10_000;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: i64 = 100;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemsFormat {
    /// GeoJSON (default).
    Json,
    /// CSV, no geometry unless `geometry=wkt`.
    Csv,
    /// An HTML table.
    Html,
}

/// Names accepted as filters for a layer, with the column each filters on.
pub fn filterable(layer: LayerId) -> Vec<(String, &'static str, FieldType)> {
    let mut out: Vec<(String, &'static str, FieldType)> = layer
        .layer()
        .fields
        .iter()
        .filter(|f| {
            !f.name.starts_with("name") && f.name != "cluster_provenance" && f.name != "provenance"
        })
        .map(|f| (f.name.to_owned(), f.name, f.kind))
        .collect();
    // Friendlier aliases: `health_board=W11000028`, `cluster=7A1:anglesey`.
    match layer {
        LayerId::Lsoa | LayerId::Lsoa21 => {
            out.push(("health_board".into(), "hb_code", FieldType::String));
            out.push(("cluster".into(), "cluster_code", FieldType::String));
        }
        LayerId::Clusters => out.push(("health_board".into(), "hb_code", FieldType::String)),
        LayerId::HealthBoards => out.push(("health_board".into(), "code", FieldType::String)),
        // Label points are no collection; their tiles filter on their own fields.
        LayerId::Labels => {}
    }
    out
}

/// `f` on the OGC documents: JSON or an HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HtmlOrJson {
    /// JSON.
    Json,
    /// A page for people browsing the API.
    Html,
}

impl QueryValue for HtmlOrJson {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            Some("json") => Ok(HtmlOrJson::Json),
            Some("html") => Ok(HtmlOrJson::Html),
            other => Err(ParamError::Unknown {
                param: name,
                value: shorten(other.unwrap_or_default(), 32),
                allowed: vec!["json".into(), "html".into()],
            }),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": ["json", "html"]})
    }
}

/// Whether to answer JSON: `f` when given, else the Accept header
/// ([`super::negotiate::prefers_html`]).
pub fn wants_json(f: Option<HtmlOrJson>, headers: &HeaderMap) -> bool {
    match f {
        Some(HtmlOrJson::Json) => true,
        Some(HtmlOrJson::Html) => false,
        None => !super::negotiate::prefers_html(headers),
    }
}

crate::query_request! {
    /// The landing page, conformance, collections and queryables: only `f`.
    pub struct DocumentQuery {
        /// json or html (default: JSON unless the Accept header prefers text/html)
        f: Option<HtmlOrJson> = "f",
    }
}

impl QueryValue for ItemsFormat {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None | Some("json" | "geojson") => Ok(ItemsFormat::Json),
            Some("csv") => Ok(ItemsFormat::Csv),
            Some("html") => Ok(ItemsFormat::Html),
            Some(other) => Err(ParamError::Unknown {
                param: name,
                value: shorten(other, 32),
                allowed: vec!["json".into(), "csv".into(), "html".into()],
            }),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": ["json", "geojson", "csv", "html"], "default": "json"})
    }
}

impl QueryValue for Crs {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(Crs::Crs84),
            Some(v) => Crs::parse(name, v),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "format": "uri", "enum": Crs::uris(), "default": super::crs::CRS84})
    }
}

/// `limit`: the page size. Above the maximum a limit is capped, not refused (Features
/// Part 1, /req/core/fc-limit-response-1): a client asking for everything gets a full page
/// and a `next` link. Digits too many for a number are such a limit too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(pub i64);

impl QueryValue for Limit {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        let Some(v) = value else {
            return Ok(Limit(DEFAULT_LIMIT));
        };
        match v.parse::<i64>() {
            Ok(l) if l >= 1 => Ok(Limit(l.min(MAX_LIMIT))),
            Err(_) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Limit(MAX_LIMIT))
            }
            _ => Err(ParamError::Invalid {
                param: name,
                value: shorten(v, 64),
                expected: format!(
                    "a whole number, 1 or more (above {MAX_LIMIT} it is capped at {MAX_LIMIT})"
                ),
            }),
        }
    }
    fn schema() -> Value {
        json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT})
    }
}

/// `offset`: features to skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset(pub i64);

impl QueryValue for Offset {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(Offset(0)),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|o| (0..=10_000_000).contains(o))
                .map(Offset)
                .ok_or_else(|| ParamError::Invalid {
                    param: name,
                    value: shorten(v, 64),
                    expected: "a whole number, 0 or more".into(),
                }),
        }
    }
    fn schema() -> Value {
        json!({"type": "integer", "minimum": 0, "maximum": 10_000_000, "default": 0})
    }
}

/// `geometry`: CSV without geometry (default) or with it as WKT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WktColumn(pub bool);

impl QueryValue for WktColumn {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None | Some("none") => Ok(WktColumn(false)),
            Some("wkt") => Ok(WktColumn(true)),
            Some(other) => Err(ParamError::Unknown {
                param: name,
                value: shorten(other, 32),
                allowed: vec!["none".into(), "wkt".into()],
            }),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": ["none", "wkt"], "default": "none"})
    }
}

/// `bbox` as given: checked against `bbox-crs` (whose axes and ranges it depends on) by
/// `features::parse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BboxText(pub String);

impl QueryValue for BboxText {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        String::from_query(name, value).map(BboxText)
    }
    fn schema() -> Value {
        json!({"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number", "minimum": -180, "maximum": 180}})
    }
}

/// `filter-crs`: filter geometries are CRS84 only; checked with or without a filter, as
/// every value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterCrs;

impl QueryValue for FilterCrs {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        match value {
            None => Ok(FilterCrs),
            Some(v) if Crs::parse(name, v).ok() == Some(Crs::Crs84) => Ok(FilterCrs),
            Some(v) => Err(ParamError::Unknown {
                param: name,
                value: shorten(v, 80),
                allowed: vec![Crs::Crs84.uri().into()],
            }),
        }
    }
    fn schema() -> Value {
        json!({"type": "string", "enum": [super::crs::CRS84], "default": super::crs::CRS84})
    }
}

crate::query_request! {
    /// What one feature or many can carry: labels, output CRS, an indicator's values.
    pub struct FeatureOptions {
        /// Language of labels: en (default) or cy; given, the properties are named by their
        /// labels in that language
        lang: Option<Lang> = "lang",
        /// CRS of the answer's geometry (Features Part 2); EPSG:4326 in its own axis order
        /// (lat, lon); the Content-Crs header says which
        crs: Crs = "crs",
        /// The parameters of [`IndicatorOptions`].
        indicator: IndicatorOptions = flatten,
    }
}

crate::query_request! {
    /// Which features, and how a CSV is written.
    pub struct Selection {
        /// west,south,east,north in CRS84 degrees: longitudes -180 to 180, latitudes -90 to
        /// 90, west ≤ east, south ≤ north (in bbox-crs units when given)
        bbox: Option<BboxText> = "bbox",
        /// CRS of bbox (default CRS84); in EPSG:27700 and EPSG:3857 bbox is min x, min y,
        /// max x, max y in metres; in EPSG:4326 south, west, north, east
        bbox_crs: Crs = "bbox-crs",
        /// The parameters of [`FilterQuery`].
        filter: FilterQuery = flatten,
        /// CRS of the filter's geometries: CRS84 only
        filter_crs: FilterCrs = "filter-crs",
        /// CSV only: add the geometry as WKT
        geometry: WktColumn = "geometry",
        /// CSV only: start with a UTF-8 byte order mark (for Excel); false for scripts
        bom: Bom = "bom",
    }
}

impl Selection {
    /// No selection: every feature, CSV without geometry (a single feature's).
    pub fn none() -> Selection {
        Selection {
            bbox: None,
            bbox_crs: Crs::Crs84,
            filter: FilterQuery {
                filter: None,
                lang: crate::cql2::FilterLang::Text,
            },
            filter_crs: FilterCrs,
            geometry: WktColumn(false),
            bom: Bom(true),
        }
    }
}

crate::query_request! {
    /// `GET /collections/{id}/items`: a page of features.
    pub struct ItemsRequest {
        /// Output format
        f: Option<ItemsFormat> = "f",
        /// Page size; a larger value is capped at 10000 (Features Part 1), not refused
        limit: Limit = "limit",
        /// Features to skip
        offset: Offset = "offset",
        /// The parameters of [`FeatureOptions`].
        options: FeatureOptions = flatten,
        /// The parameters of [`Selection`].
        selection: Selection = flatten,
        /// Every other parameter: the collection's property filters, checked by the handler.
        properties: Vec<(String, String)> = rest,
    }
}

crate::query_request! {
    /// `GET /downloads/{collection}.{ext}`: every feature in one file.
    pub struct DownloadRequest {
        /// The parameters of [`FeatureOptions`].
        options: FeatureOptions = flatten,
        /// The parameters of [`Selection`].
        selection: Selection = flatten,
        /// Every other parameter: the collection's property filters, checked by the handler.
        properties: Vec<(String, String)> = rest,
    }
}

crate::query_request! {
    /// `GET /collections/{id}/items/{featureId}`: one feature.
    pub struct ItemRequest {
        /// Output format: GeoJSON (default unless the Accept header prefers text/html) or an
        /// HTML page
        f: Option<HtmlOrJson> = "f",
        /// The parameters of [`FeatureOptions`].
        options: FeatureOptions = flatten,
    }
}

/// Reads a collection's request as `T`, refusing a parameter that `T` does not declare
/// (query-param-unknown), unless it is one of the collection's property filters (for
/// items and downloads: `hb_code=…`). The 2021 LSOAs carry no indicator values, so on them
/// the indicator options are unknown parameters too, as `/api` lists them.
pub fn read_for<T: QueryRequest>(
    layer: LayerId,
    raw: &RawQuery,
    property_filters: bool,
) -> Result<T, ParamError> {
    let options = IndicatorOptions::names();
    let mut allowed: Vec<String> = T::names()
        .into_iter()
        .filter(|n| layer != LayerId::Lsoa21 || !options.contains(n))
        .map(str::to_owned)
        .collect();
    if property_filters {
        allowed.extend(filterable(layer).into_iter().map(|(name, ..)| name));
    }
    if let Some(name) = raw
        .names()
        .into_iter()
        .find(|n| !allowed.iter().any(|a| a == n))
    {
        return Err(ParamError::UnknownParameter {
            name: shorten(name, 64),
            allowed,
        });
    }
    raw.parse::<T>()
}
