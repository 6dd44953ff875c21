//! OGC API – Features (Part 1 Core, GeoJSON; Part 2 CRS; Part 3 queryables and CQL2
//! filters) and OGC API – Tiles over the same catalogue.
//!
//! Collections `lsoa`, `clusters`, `health_boards` are the tile layers; items come from the
//! same tables (CRS84 GeoJSON unless `crs` asks for another, see [`crs`]), and collection
//! tiles go through the same tile engine as `/tiles` (mind the OGC order:
//! `{tileMatrix}/{tileRow}/{tileCol}` = z/y/x). Every OGC endpoint but the tiles refuses
//! query parameters its API definition does not list, and answers JSON unless the client
//! prefers HTML ([`negotiate`]).

pub mod crs;
pub mod doc;
pub mod features;
pub mod gdal_download;
pub mod negotiate;
pub mod queryables;
pub mod request;

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::catalog::snapshot::Snapshot;
use crate::catalog::store::check_version;
use crate::catalog::{self, LayerId, MAX_SERVED_ZOOM};
use crate::error::AppError;
use crate::error::StyleError;
use crate::http::{BaseUrl, Routes};
use crate::params::{Params, PathParams, RawQuery, StrictParams};
use crate::state::AppState;
use crate::tiles::{LayerSet, TileCoord, TileError};

use features::Paging;
use request::ItemsFormat;
use request::{
    wants_json, DocumentQuery, DownloadRequest, FeatureOptions, HtmlOrJson, ItemRequest,
    ItemsRequest, Selection,
};

/// `{collectionId}` in the OpenAPI document, for every route under a collection.
#[allow(dead_code)] // Described, never built: handlers take the path as a string.
#[derive(utoipa::IntoParams)]
#[into_params(names("collectionId"), parameter_in = Path)]
struct CollectionIdParam(
    /// Collection
    String,
);

pub use crs::CRS84;
/// The WebMercatorQuad tile matrix set URI.
pub const WEB_MERCATOR_QUAD: &str =
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";

/// Conformance classes we implement.
pub const CONFORMANCE: [&str; 19] = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    // S_INTERSECTS with POINT, BBOX and POLYGON literals ([`crate::cql2::SUPPORTED_FUNCTIONS`]).
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
];

/// Routes of this module.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/conformance", conformance)
        .get("/collections", collections)
        .get("/collections/{id}", collection)
        .get("/collections/{id}/queryables", queryables)
        .get("/collections/{id}/items", items)
        .get("/collections/{id}/items/{feature}", item)
        .get("/downloads/{file}", download)
        .get("/tileMatrixSets", tile_matrix_sets)
        .get("/tileMatrixSets/WebMercatorQuad", web_mercator_quad)
        .get("/collections/{id}/tiles", collection_tilesets)
        .get(
            "/collections/{id}/tiles/WebMercatorQuad",
            collection_tileset,
        )
        .get(
            "/collections/{id}/tiles/WebMercatorQuad/{matrix}/{row}/{col}",
            collection_tile,
        )
}

/// `GET /`: the OGC API landing page as JSON, or the map page for browsers (`f=html` or
/// an Accept header preferring text/html).
#[utoipa::path(get, path = "/", tag = "OGC API",
    params(DocumentQuery),
    responses(
        (status = 200, description = "Landing page: OGC API JSON, or the map page with f=html or an Accept header preferring text/html", content(("application/json" = Landing), ("text/html" = String))),
        crate::error::responses::BadRequest))]
pub async fn landing(
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    StrictParams(DocumentQuery { f }): StrictParams<DocumentQuery>,
) -> Result<Response, AppError> {
    if !wants_json(f, &headers) {
        return Ok(crate::web::map_page_response());
    }
    Ok(Json(json!({
        "title": "cluster-atlas",
        "description": "Wales's NHS primary care clusters, LSOAs (2011) and health boards with WIMD 2019 \
                        deprivation and indicators, as OGC API Features and Tiles.",
        "attribution": catalog::ATTRIBUTION_HTML,
        "links": [
            {"href": format!("{base}/?f=json"), "rel": "self", "type": "application/json", "title": "This document"},
            {"href": format!("{base}/map"), "rel": "alternate", "type": "text/html", "title": "The map"},
            {"href": format!("{base}/api"), "rel": "service-desc", "type": doc::OPENAPI_CONTENT_TYPE, "title": "The API definition (OpenAPI 3.0)"},
            {"href": format!("{base}/conformance"), "rel": "conformance", "type": "application/json", "title": "Conformance classes"},
            {"href": format!("{base}/collections"), "rel": "data", "type": "application/json", "title": "Collections"},
            {"href": format!("{base}/tileMatrixSets"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "type": "application/json", "title": "Tile matrix sets"},
        ]
    }))
    .into_response())
}

/// JSON, or the same document as a page for a browser.
fn json_or_page(headers: &HeaderMap, f: Option<HtmlOrJson>, title: &str, doc: Value) -> Response {
    if wants_json(f, headers) {
        Json(doc).into_response()
    } else {
        negotiate::html_page(title, &doc)
    }
}

#[utoipa::path(get, path = "/conformance", tag = "OGC API",
    params(DocumentQuery),
    responses((status = 200, description = "OK", content(("application/json" = Conformance), ("text/html" = String))), crate::error::responses::BadRequest))]
async fn conformance(
    headers: HeaderMap,
    StrictParams(DocumentQuery { f }): StrictParams<DocumentQuery>,
) -> Result<Response, AppError> {
    Ok(json_or_page(
        &headers,
        f,
        "Conformance",
        json!({"conformsTo": CONFORMANCE}),
    ))
}

fn collection_json(id: LayerId, base: &str, data: &crate::db::DataVersion) -> Value {
    let layer = id.layer();
    let [w, s, e, n] = data.bounds;
    let mut description = layer.description.to_owned();
    if id != LayerId::HealthBoards && data.cluster_approximate {
        description.push(' ');
        description.push_str(catalog::APPROXIMATE_NOTE);
    }
    json!({
        "id": id.as_str(),
        "title": layer.title,
        "description": description,
        "itemType": "feature",
        "crs": crs::Crs::uris(),
        "storageCrs": crs::STORAGE_CRS,
        "extent": {"spatial": {"bbox": [[w, s, e, n]], "crs": CRS84}},
        "links": [
            {"href": format!("{base}/collections/{id}"), "rel": "self", "type": "application/json", "title": layer.title},
            {"href": format!("{base}/collections/{id}?f=html"), "rel": "alternate", "type": "text/html", "title": "This document as HTML"},
            {"href": format!("{base}/collections/{id}/items"), "rel": "items", "type": "application/geo+json", "title": "Items as GeoJSON"},
            {"href": format!("{base}/collections/{id}/items?f=csv"), "rel": "items", "type": "text/csv", "title": "Items as CSV"},
            {"href": format!("{base}/collections/{id}/items?f=html"), "rel": "items", "type": "text/html", "title": "Items as a table"},
            {"href": format!("{base}/collections/{id}/queryables"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables", "type": queryables::SCHEMA_CONTENT_TYPE, "title": "Queryables (for filter)"},
            // The draft's short relation, which GDAL 3.6–3.8 look for.
            {"href": format!("{base}/collections/{id}/queryables"), "rel": "queryables", "type": queryables::SCHEMA_CONTENT_TYPE, "title": "Queryables (for filter)"},
            {"href": format!("{base}/downloads/{id}.gpkg"), "rel": "enclosure", "type": gdal_download::GPKG_CONTENT_TYPE, "title": "The whole collection as GeoPackage"},
            {"href": format!("{base}/downloads/{id}.fgb"), "rel": "enclosure", "type": gdal_download::FGB_CONTENT_TYPE, "title": "The whole collection as FlatGeobuf"},
            {"href": format!("{base}/collections/{id}/tiles"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "type": "application/json", "title": "Vector tiles"},
            {"href": format!("{base}/tiles/{id}"), "rel": "describedby", "type": "application/json", "title": "TileJSON"},
        ]
    })
}

/// The `{id}` of a collection route as its layer, as an extractor: an unknown collection
/// is a 404 before the handler runs.
struct Collection(LayerId);

impl<S: Send + Sync> FromRequestParts<S> for Collection {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        /// The route's `{id}` segment (its other segments are the handler's).
        #[derive(serde::Deserialize)]
        struct CollectionPath {
            id: String,
        }
        let PathParams(CollectionPath { id }) =
            PathParams::<CollectionPath>::from_request_parts(parts, state).await?;
        let id = id.as_str();
        LayerId::parse(id)
            .map(Collection)
            .ok_or_else(|| crate::tiles::layers::unknown_layer(id).into())
    }
}

#[utoipa::path(get, path = "/collections", tag = "OGC API",
    params(DocumentQuery),
    responses((status = 200, description = "OK", content(("application/json" = Collections), ("text/html" = String))), crate::error::responses::BadRequestOrData))]
async fn collections(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    StrictParams(DocumentQuery { f }): StrictParams<DocumentQuery>,
) -> Result<Response, AppError> {
    let snapshot = state.snapshot().await?;
    let list: Vec<Value> = LayerId::ALL
        .iter()
        .map(|id| collection_json(*id, &base, &snapshot.data))
        .collect();
    let doc = json!({
        "links": [
            {"href": format!("{base}/collections"), "rel": "self", "type": "application/json"},
            {"href": format!("{base}/collections?f=html"), "rel": "alternate", "type": "text/html", "title": "This document as HTML"},
        ],
        "collections": list,
    });
    Ok(json_or_page(&headers, f, "Collections", doc))
}

#[utoipa::path(get, path = "/collections/{collectionId}", tag = "OGC API",
    params(CollectionIdParam, DocumentQuery),
    responses((status = 200, description = "OK", content(("application/json" = Collection), ("text/html" = String))), crate::error::responses::LookupErrors))]
async fn collection(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    Collection(layer): Collection,
    StrictParams(DocumentQuery { f }): StrictParams<DocumentQuery>,
) -> Result<Response, AppError> {
    let snapshot = state.snapshot().await?;
    let title = layer.layer().title;
    Ok(json_or_page(
        &headers,
        f,
        title,
        collection_json(layer, &base, &snapshot.data),
    ))
}

/// `GET /collections/{id}/queryables`: what `filter` may name, as JSON Schema.
#[utoipa::path(get, path = "/collections/{collectionId}/queryables", tag = "OGC API",
    params(CollectionIdParam, DocumentQuery),
    responses((status = 200, description = "JSON Schema of the queryables", content(("application/schema+json" = Object), ("text/html" = String))), crate::error::responses::LookupErrors))]
async fn queryables(
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    Collection(layer): Collection,
    StrictParams(DocumentQuery { f }): StrictParams<DocumentQuery>,
) -> Result<Response, AppError> {
    let doc = queryables::schema(layer, &base);
    let mut response = json_or_page(&headers, f, "Queryables", doc);
    if wants_json(f, &headers) {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(queryables::SCHEMA_CONTENT_TYPE),
        );
    }
    Ok(response)
}

/// A query string from key-value pairs, percent-encoded: the page links of `/items`.
pub fn encode(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /downloads/{collection}.geojson`, `.csv`, `.gpkg` or `.fgb`: the whole collection in one request
/// (every item, with the same filters, indicator and `lang` options as `/items`), as a
/// file. A stable URL for Grafana, Superset and spreadsheets.
#[utoipa::path(get, path = "/downloads/{file}", tag = "Downloads",
    params(("file" = String, Path, description = "Collection id and .geojson, .csv, .gpkg or .fgb")),
    responses(
        (status = 200, description = "File", content(("application/geo+json" = FeatureCollection), ("text/csv" = String), ("application/geopackage+sqlite3" = String), ("application/flatgeobuf" = String))),
        crate::error::responses::ClassifyErrors))]
async fn download(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    PathParams(file): PathParams<String>,
    raw: RawQuery,
) -> Result<Response, AppError> {
    let allowed = || {
        LayerId::ALL
            .iter()
            .flat_map(|l| doc::DOWNLOADS.map(|(ext, _)| format!("{l}.{ext}")))
            .collect::<Vec<_>>()
    };
    let (id, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    let (layer, format, gdal) = match (LayerId::parse(id), ext) {
        (Some(l), "geojson") => (l, ItemsFormat::Json, None),
        (Some(l), "csv") => (l, ItemsFormat::Csv, None),
        (Some(l), "gpkg") => (l, ItemsFormat::Json, Some(gdal_download::FileFormat::Gpkg)),
        (Some(l), "fgb") => (l, ItemsFormat::Json, Some(gdal_download::FileFormat::Fgb)),
        _ => {
            return Err(StyleError::UnknownName {
                what: "download",
                name: file.chars().take(64).collect(),
                allowed: allowed(),
            }
            .into())
        }
    };
    let q: DownloadRequest = request::read_for(layer, &raw, true)?;
    let paging = Paging {
        format,
        limit: request::MAX_LIMIT,
        offset: 0,
    };
    let request = (&q.options, &q.selection, &q.properties[..], paging);
    let mut response = items_response(&state, &base, layer, request, gdal).await?;
    if let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// `GET /collections/{id}/items`: GeoJSON (default), CSV or HTML, paged, filtered.
#[utoipa::path(get, path = "/collections/{collectionId}/items", tag = "OGC API", params(CollectionIdParam),
    responses(
        (status = 200, description = "Features", content(("application/geo+json" = FeatureCollection), ("text/csv" = String), ("text/html" = String))),
        crate::error::responses::ClassifyErrors))]
async fn items(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    Collection(layer): Collection,
    raw: RawQuery,
) -> Result<Response, AppError> {
    let q: ItemsRequest = request::read_for(layer, &raw, true)?;
    let format = q.f.unwrap_or(if negotiate::prefers_html(&headers) {
        ItemsFormat::Html
    } else {
        ItemsFormat::Json
    });
    let paging = Paging {
        format,
        limit: q.limit.0,
        offset: q.offset.0,
    };
    let request = (&q.options, &q.selection, &q.properties[..], paging);
    items_response(&state, &base, layer, request, None).await
}

/// An items or download request, typed: its feature options, selection, property filters
/// and page.
type ItemsInput<'a> = (
    &'a FeatureOptions,
    &'a Selection,
    &'a [(String, String)],
    Paging,
);

/// One page of items and the snapshot whose indicator values belong with it.
async fn read_page(
    state: &AppState,
    parsed: &features::ItemsQuery,
) -> Result<(Arc<Snapshot>, features::Page), AppError> {
    state
        .read_at_snapshot(|snapshot| async move {
            let page = state.with_db(features::fetch(state.pool(), parsed)).await?;
            check_version(&snapshot, page.version)?;
            Ok(page)
        })
        .await
}

async fn items_response(
    state: &AppState,
    base: &str,
    layer: LayerId,
    (options, selection, properties, paging): ItemsInput<'_>,
    file: Option<gdal_download::FileFormat>,
) -> Result<Response, AppError> {
    let id = layer.as_str();
    let mut parsed = features::parse(layer, options, selection, properties, paging, None)?;
    let crs = parsed.crs;
    if file.is_some() && crs == crs::Crs::Epsg4326 {
        // Files keep longitude, latitude order in EPSG:4326 (see gdal_download).
        parsed.crs = crs::Crs::Crs84;
    }
    let bom = selection.bom.0;
    let (snapshot, page) = read_page(state, &parsed).await?;
    let (mut list, matched) = (page.features, page.matched);
    let mut canonical = parsed.canonical.clone();
    let indicator = options.indicator.resolve(&snapshot.catalog)?;
    if let Some(ip) = &indicator {
        let c = options.indicator.classification();
        canonical.extend(features::attach_indicator(
            &mut list, layer, &snapshot, ip, &c,
        )?);
    }
    let page = |offset: i64, f: &str| {
        let mut pairs = canonical.clone();
        pairs.push(("limit".into(), parsed.limit.to_string()));
        pairs.push(("offset".into(), offset.to_string()));
        if f != "json" {
            pairs.push(("f".into(), f.into()));
        }
        format!("{base}/collections/{id}/items?{}", encode(&pairs))
    };
    let f = match parsed.format {
        ItemsFormat::Json => "json",
        ItemsFormat::Csv => "csv",
        ItemsFormat::Html => "html",
    };
    let mut links = vec![
        json!({"href": page(parsed.offset, f), "rel": "self", "type": content_type(parsed.format)}),
    ];
    // The same page in every other media type the items are offered in.
    for (other, format, title) in [
        ("json", ItemsFormat::Json, "GeoJSON"),
        ("csv", ItemsFormat::Csv, "CSV"),
        ("html", ItemsFormat::Html, "HTML"),
    ] {
        if format != parsed.format {
            links.push(json!({"href": page(parsed.offset, other), "rel": "alternate", "type": content_type(format), "title": title}));
        }
    }
    links.push(json!({"href": format!("{base}/collections/{id}"), "rel": "collection", "type": "application/json", "title": "Collection"}));
    let returned = i64::try_from(list.len()).unwrap_or(i64::MAX);
    if parsed.offset + returned < matched {
        links.push(json!({"href": page(parsed.offset + parsed.limit, f), "rel": "next", "type": content_type(parsed.format), "title": "Next page"}));
    }
    if parsed.offset > 0 {
        links.push(json!({"href": page((parsed.offset - parsed.limit).max(0), f), "rel": "prev", "type": content_type(parsed.format), "title": "Previous page"}));
    }
    let columns = columns_of(&list, layer, parsed.wkt);
    if parsed.format == ItemsFormat::Csv {
        features::round_indicator_for_csv(&mut list, indicator.as_ref());
    }
    if let Some(lang) = parsed.labels {
        features::relabel(&mut list, layer, lang);
    }
    let columns: Vec<String> = match parsed.labels {
        Some(lang) => columns
            .iter()
            .map(|c| catalog::layer_field_label(layer, c, lang))
            .collect(),
        None => columns,
    };
    if let Some(file) = file {
        let kinds = column_kinds(layer, &columns_of(&list, layer, false));
        let named = kinds
            .into_iter()
            .zip(columns.iter())
            .map(|((_, kind), label)| (label.clone(), kind))
            .collect();
        return gdal_download::respond(file, id, crs, named, list).await;
    }
    match parsed.format {
        ItemsFormat::Json => Ok((
            [
                (header::CONTENT_TYPE, "application/geo+json".to_owned()),
                (
                    header::HeaderName::from_static("content-crs"),
                    format!("<{}>", crs.uri()),
                ),
            ],
            Json(FeatureCollectionBody {
                kind: "FeatureCollection",
                number_matched: matched,
                number_returned: returned,
                // When this response was made (Features Part 1), not when the data was loaded.
                time_stamp: &chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                links,
                features: list,
            }),
        )
            .into_response()),
        ItemsFormat::Csv => {
            let body =
                features::to_csv(&list, &columns).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(crate::http::csv_response(body, bom, &format!("{id}.csv")))
        }
        ItemsFormat::Html => Ok((
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            features::to_html(
                &format!("{} ({matched})", layer.layer().title),
                &list,
                &columns,
                &links,
            ),
        )
            .into_response()),
    }
}

/// A GeoJSON page. A struct rather than `json!`, which would parse every feature's raw
/// geometry text back into values.
#[derive(serde::Serialize)]
struct FeatureCollectionBody<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "numberMatched")]
    number_matched: i64,
    #[serde(rename = "numberReturned")]
    number_returned: i64,
    #[serde(rename = "timeStamp")]
    time_stamp: &'a str,
    links: Vec<Value>,
    features: Vec<features::Feature>,
}

fn content_type(f: ItemsFormat) -> &'static str {
    match f {
        ItemsFormat::Json => "application/geo+json",
        ItemsFormat::Csv => "text/csv",
        ItemsFormat::Html => "text/html",
    }
}

/// The type of each column, from the catalogue and the indicator value fields.
fn column_kinds(layer: LayerId, columns: &[String]) -> Vec<(String, catalog::FieldType)> {
    columns
        .iter()
        .map(|c| {
            let kind = layer
                .layer()
                .fields
                .iter()
                .find(|f| f.name == c)
                .map(|f| f.kind)
                .or_else(|| catalog::values::value_field(c).map(|f| f.kind))
                .unwrap_or(catalog::FieldType::String);
            (c.clone(), kind)
        })
        .collect()
}

/// Column order: the catalogue's, then indicator columns, then WKT.
fn columns_of(list: &[features::Feature], layer: LayerId, wkt: bool) -> Vec<String> {
    let mut columns: Vec<String> = layer
        .layer()
        .fields
        .iter()
        .map(|f| f.name.to_owned())
        .collect();
    if let Some(first) = list.first() {
        let keys = ["indicator", "period"]
            .into_iter()
            .chain(crate::catalog::values::VALUE_FIELDS.iter().map(|f| f.name));
        for key in keys {
            if first.properties.get(key).is_some() {
                columns.push(key.to_owned());
            }
        }
    }
    if wkt {
        columns.push("geometry_wkt".into());
    }
    columns
}

/// `GET /collections/{id}/items/{featureId}`: one feature by code.
#[utoipa::path(get, path = "/collections/{collectionId}/items/{featureId}", tag = "OGC API",
    params(CollectionIdParam, ("featureId" = String, Path, description = "Area code")),
    responses(
        (status = 200, description = "OK", content(("application/geo+json" = Feature), ("text/html" = String))),
        crate::error::responses::FeatureErrors))]
async fn item(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    Collection(layer): Collection,
    PathParams((id, feature)): PathParams<(String, String)>,
    raw: RawQuery,
) -> Result<Response, AppError> {
    let q: ItemRequest = request::read_for(layer, &raw, false)?;
    let not_found = || {
        AppError::NotFound(format!(
            "/collections/{id}/items/{}",
            feature.chars().take(64).collect::<String>()
        ))
    };
    // PostgreSQL text cannot hold NUL, so no code has one: answer without asking.
    if feature.contains('\0') {
        return Err(not_found());
    }
    let paging = Paging {
        format: ItemsFormat::Json,
        limit: request::DEFAULT_LIMIT,
        offset: 0,
    };
    let parsed = features::parse(
        layer,
        &q.options,
        &Selection::none(),
        &[],
        paging,
        Some(feature.clone()),
    )?;
    let (snapshot, page) = read_page(&state, &parsed).await?;
    let indicator = q.options.indicator.resolve(&snapshot.catalog)?;
    let mut list = page.features;
    if list.is_empty() {
        return Err(not_found());
    }
    if let Some(ip) = &indicator {
        let c = q.options.indicator.classification();
        features::attach_indicator(&mut list, layer, &snapshot, ip, &c)?;
    }
    if let Some(lang) = parsed.labels {
        features::relabel(&mut list, layer, lang);
    }
    let mut f = list.remove(0);
    f.links = Some(json!([
        {"href": format!("{base}/collections/{id}/items/{}", url_encode(&feature)), "rel": "self", "type": "application/geo+json"},
        {"href": format!("{base}/collections/{id}/items/{}?f=html", url_encode(&feature)), "rel": "alternate", "type": "text/html", "title": "This feature as HTML"},
        {"href": format!("{base}/collections/{id}"), "rel": "collection", "type": "application/json"},
    ]));
    if !wants_json(q.f, &headers) {
        let doc = serde_json::to_value(&f).map_err(|e| AppError::Internal(e.to_string()))?;
        return Ok(negotiate::html_page(&f.id, &doc));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json".to_owned()),
            (
                header::HeaderName::from_static("content-crs"),
                format!("<{}>", parsed.crs.uri()),
            ),
        ],
        Json(f),
    )
        .into_response())
}

/// OGC WebMercatorQuad: 256-pixel tiles, zoom 0 to our deepest served zoom.
fn web_mercator_quad_json() -> Value {
    const ORIGIN: f64 = 20_037_508.342_789_244;
    let matrices: Vec<Value> = (0..=MAX_SERVED_ZOOM)
        .map(|z| {
            let n = 1u64 << z;
            let cell = 2.0 * ORIGIN / (256.0 * n as f64);
            json!({
                "id": z.to_string(),
                "scaleDenominator": cell / 0.00028,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-ORIGIN, ORIGIN],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n,
                "matrixHeight": n,
            })
        })
        .collect();
    json!({
        "id": "WebMercatorQuad",
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD,
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
    })
}

#[utoipa::path(get, path = "/tileMatrixSets", tag = "OGC API",
    responses((status = 200, description = "OK", body = TileMatrixSets)))]
async fn tile_matrix_sets(BaseUrl(base): BaseUrl) -> Json<Value> {
    Json(json!({"tileMatrixSets": [{
        "id": "WebMercatorQuad",
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD,
        "links": [{"href": format!("{base}/tileMatrixSets/WebMercatorQuad"), "rel": "self", "type": "application/json"}],
    }]}))
}

#[utoipa::path(get, path = "/tileMatrixSets/WebMercatorQuad", tag = "OGC API",
    responses((status = 200, description = "OK", body = TileMatrixSet)))]
async fn web_mercator_quad() -> Json<Value> {
    Json(web_mercator_quad_json())
}

fn tileset_json(id: LayerId, base: &str) -> Value {
    let layer = id.layer();
    json!({
        "title": layer.title,
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WEB_MERCATOR_QUAD,
        "tileMatrixSetLimits": (layer.minzoom..=layer.maxzoom).map(|z| json!({"tileMatrix": z.to_string(), "minTileRow": 0, "maxTileRow": (1u64 << z) - 1, "minTileCol": 0, "maxTileCol": (1u64 << z) - 1})).collect::<Vec<_>>(),
        "layers": [{"id": id.as_str(), "dataType": "vector", "geometryType": "polygons", "minTileMatrix": layer.minzoom.to_string(), "maxTileMatrix": layer.maxzoom.to_string()}],
        "links": [
            {"href": format!("{base}/collections/{id}/tiles/WebMercatorQuad"), "rel": "self", "type": "application/json"},
            {"href": format!("{base}/tileMatrixSets/WebMercatorQuad"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "type": "application/json"},
            {"href": format!("{base}/collections/{id}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"), "rel": "item", "type": crate::tiles::MVT_CONTENT_TYPE, "templated": true},
            {"href": format!("{base}/collections/{id}"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/geodata", "type": "application/json"},
        ]
    })
}

#[utoipa::path(get, path = "/collections/{collectionId}/tiles", tag = "OGC API", params(CollectionIdParam),
    responses((status = 200, description = "OK", body = Tilesets), crate::error::responses::NotFound))]
async fn collection_tilesets(
    BaseUrl(base): BaseUrl,
    Collection(layer): Collection,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        json!({"tilesets": [tileset_json(layer, &base)], "links": [{"href": format!("{base}/collections/{layer}/tiles"), "rel": "self", "type": "application/json"}]}),
    ))
}

#[utoipa::path(get, path = "/collections/{collectionId}/tiles/WebMercatorQuad", tag = "OGC API", params(CollectionIdParam),
    responses((status = 200, description = "OK", body = Tileset), crate::error::responses::NotFound))]
async fn collection_tileset(
    BaseUrl(base): BaseUrl,
    Collection(layer): Collection,
) -> Result<Json<Value>, AppError> {
    Ok(Json(tileset_json(layer, &base)))
}

/// `GET /collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`: z/y/x
/// in OGC order, served by the same engine as `/tiles/{id}/{z}/{x}/{y}`.
#[utoipa::path(get, path = "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", tag = "OGC API",
    params(
        CollectionIdParam,
        ("tileMatrix" = u32, Path, description = "Zoom"),
        ("tileRow" = u32, Path, description = "Row (y), 0 to 2^tileMatrix - 1"),
        ("tileCol" = u32, Path, description = "Column (x), 0 to 2^tileMatrix - 1"),
        crate::tiles::request::TileQuery),
    responses(crate::tiles::http::TileResponses, crate::error::responses::FeatureErrors))]
async fn collection_tile(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParams((id, matrix, row, col)): PathParams<(String, String, String, String)>,
    Params(q): Params<crate::tiles::request::TileQuery>,
) -> Result<Response, AppError> {
    let set = LayerSet::parse(&id)?;
    let coord = TileCoord::parse(&matrix, &col, &row).map_err(TileError::from)?;
    state.tiles.respond(&set, coord, &q, &headers).await
}

/// The OGC API routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        landing,
        conformance,
        collections,
        collection,
        queryables,
        items,
        item,
        download,
        tile_matrix_sets,
        web_mercator_quad,
        collection_tilesets,
        collection_tileset,
        collection_tile,
    ),
    components(schemas(
        doc::Link,
        doc::Landing,
        doc::Conformance,
        doc::Collection,
        doc::Collections,
        doc::Feature,
        doc::FeatureCollection,
        doc::TileMatrixSets,
        doc::TileMatrixSet,
        doc::Tilesets,
        doc::Tileset,
        doc::TileMatrixLimits
    ))
)]
pub struct OgcDoc;
