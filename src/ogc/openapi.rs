//! The OpenAPI 3.0 description of the whole HTTP API, served at `/api`.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::features::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::classify::{Method, MAX_CLASSES, MIN_CLASSES};
use crate::server::AppState;

fn param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}})
}

fn error_responses() -> Value {
    let e = json!({"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    json!({"400": e, "404": e, "503": e})
}

fn ok(description: &str, types: &[&str]) -> Value {
    let content: serde_json::Map<String, Value> =
        types.iter().map(|t| ((*t).to_owned(), json!({}))).collect();
    let mut r = error_responses();
    r["200"] = json!({"description": description, "content": content});
    r
}

/// The document.
pub fn document(base: &str) -> Value {
    let collection_id = json!({"name": "collectionId", "in": "path", "required": true, "schema": {"type": "string", "enum": ["lsoa", "clusters", "health_boards"]}});
    let indicator_params = vec![
        param(
            "indicator",
            "Indicator id (see /indicators)",
            json!({"type": "string"}),
        ),
        param(
            "period",
            "Period (default: the newest)",
            json!({"type": "string"}),
        ),
        param(
            "method",
            "Classification method",
            json!({"type": "string", "enum": Method::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>()}),
        ),
        param(
            "classes",
            "Number of classes",
            json!({"type": "integer", "minimum": MIN_CLASSES, "maximum": MAX_CLASSES, "default": 5}),
        ),
        param(
            "breaks",
            "Inner class breaks for method=manual, comma-separated",
            json!({"type": "string"}),
        ),
        param(
            "palette",
            "ColorBrewer sequential scheme",
            json!({"type": "string"}),
        ),
        param(
            "lang",
            "Label language",
            json!({"type": "string", "enum": ["en", "cy"]}),
        ),
    ];
    let mut items_params = vec![
        collection_id.clone(),
        param(
            "limit",
            "Page size",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        ),
        param(
            "offset",
            "Features to skip",
            json!({"type": "integer", "minimum": 0, "default": 0}),
        ),
        json!({"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
               "description": "west,south,east,north in CRS84 degrees",
               "schema": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}}),
        param(
            "f",
            "Output format",
            json!({"type": "string", "enum": ["json", "csv", "html"], "default": "json"}),
        ),
        param(
            "geometry",
            "CSV only: add WKT geometry",
            json!({"type": "string", "enum": ["none", "wkt"], "default": "none"}),
        ),
        param(
            "health_board",
            "Filter: health board code (e.g. W11000028)",
            json!({"type": "string"}),
        ),
        param(
            "hb_code",
            "Filter: health board code",
            json!({"type": "string"}),
        ),
        param(
            "cluster_code",
            "Filter (lsoa): cluster key",
            json!({"type": "string"}),
        ),
        param(
            "wimd_quintile",
            "Filter (lsoa): WIMD 2019 quintile, 1 = most deprived",
            json!({"type": "integer", "minimum": 1, "maximum": 5}),
        ),
        param("code", "Filter: area code", json!({"type": "string"})),
    ];
    items_params.extend(indicator_params.iter().cloned());
    let tile_params = {
        let mut p = vec![
            json!({"name": "layers", "in": "path", "required": true, "description": "lsoa, clusters, health_boards, a comma-separated list, or wales", "schema": {"type": "string"}}),
            json!({"name": "z", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0, "maximum": 22}}),
            json!({"name": "x", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}}),
            json!({"name": "y", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]+(\\.pbf|\\.mvt)?$"}}),
        ];
        p.extend(indicator_params.iter().cloned());
        p
    };
    let style_params = {
        let mut p = indicator_params.clone();
        p.push(param(
            "domain",
            "WIMD domain for the deprivation style",
            json!({"type": "string"}),
        ));
        p.push(param(
            "vs",
            "Benchmark for the significance style",
            json!({"type": "string", "enum": ["wales", "hb"]}),
        ));
        p
    };
    let style_route_params: Vec<Value> =
        std::iter::once(path_param("style", "e.g. indicator.json"))
            .chain(style_params.iter().cloned())
            .collect();
    let legend_route_params: Vec<Value> =
        std::iter::once(path_param("legend", "e.g. indicator.svg"))
            .chain(style_params)
            .collect();
    let data_params: Vec<Value> = std::iter::once(path_param("indicator", "Indicator id"))
        .chain(indicator_params.iter().skip(1).cloned())
        .chain(std::iter::once(param(
            "format",
            "json or csv",
            json!({"type": "string", "enum": ["json", "csv"]}),
        )))
        .collect();
    let mvt = "application/vnd.mapbox-vector-tile";
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "cluster-atlas",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Vector tiles, OGC API Features and Tiles, styles, legends and downloads for Wales's NHS primary care clusters.",
            "license": {"name": "Data: Open Government Licence v3.0", "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"},
        },
        "servers": [{"url": base}],
        "paths": {
            "/": {"get": {"summary": "Landing page (JSON with f=json, otherwise the map page)", "parameters": [param("f", "json or html", json!({"type": "string", "enum": ["json", "html"]}))], "responses": ok("Landing page", &["application/json", "text/html"])}},
            "/conformance": {"get": {"summary": "Conformance classes", "responses": ok("Conformance", &["application/json"])}},
            "/api": {"get": {"summary": "This document", "responses": ok("OpenAPI 3.0", &["application/vnd.oai.openapi+json;version=3.0"])}},
            "/collections": {"get": {"summary": "Feature collections", "responses": ok("Collections", &["application/json"])}},
            "/collections/{collectionId}": {"get": {"summary": "One collection", "parameters": [collection_id.clone()], "responses": ok("Collection", &["application/json"])}},
            "/collections/{collectionId}/items": {"get": {"summary": "Features (GeoJSON, CSV or HTML), paged, filtered, optionally with an indicator's values", "parameters": items_params, "responses": ok("Features", &["application/geo+json", "text/csv", "text/html"])}},
            "/collections/{collectionId}/items/{featureId}": {"get": {"summary": "One feature by code", "parameters": [collection_id.clone(), path_param("featureId", "Area code")], "responses": ok("Feature", &["application/geo+json"])}},
            "/tileMatrixSets": {"get": {"summary": "Tile matrix sets", "responses": ok("List", &["application/json"])}},
            "/tileMatrixSets/WebMercatorQuad": {"get": {"summary": "WebMercatorQuad", "responses": ok("Tile matrix set", &["application/json"])}},
            "/collections/{collectionId}/tiles": {"get": {"summary": "Vector tilesets of a collection", "parameters": [collection_id.clone()], "responses": ok("Tilesets", &["application/json"])}},
            "/collections/{collectionId}/tiles/WebMercatorQuad": {"get": {"summary": "Tileset metadata", "parameters": [collection_id.clone()], "responses": ok("Tileset", &["application/json"])}},
            "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}": {"get": {"summary": "A vector tile (OGC order: zoom/row/column)", "parameters": [collection_id, path_param("tileMatrix", "Zoom"), path_param("tileRow", "Row (y)"), path_param("tileCol", "Column (x)")], "responses": {"200": {"description": "MVT", "content": {mvt: {}}}, "204": {"description": "Empty tile"}, "400": {"description": "Bad address"}, "404": {"description": "Unknown collection or zoom"}}}},
            "/tiles/{layers}/{z}/{x}/{y}": {"get": {"summary": "A vector tile (XYZ)", "parameters": tile_params, "responses": {"200": {"description": "MVT", "content": {mvt: {}}}, "204": {"description": "Empty tile"}, "400": {"description": "Bad request"}, "404": {"description": "Unknown layer or zoom"}}}},
            "/tiles/{layers}": {"get": {"summary": "TileJSON 3.0.0", "parameters": [json!({"name": "layers", "in": "path", "required": true, "schema": {"type": "string"}})], "responses": ok("TileJSON", &["application/json"])}},
            "/catalog": {"get": {"summary": "Layers and fields", "responses": ok("Catalogue", &["application/json"])}},
            "/health": {"get": {"summary": "Database and data version", "responses": {"200": {"description": "Healthy"}, "503": {"description": "Degraded"}}}},
            "/indicators": {"get": {"summary": "Indicator catalogue", "parameters": [param("lang", "Language", json!({"type": "string", "enum": ["en", "cy"]}))], "responses": ok("Indicators", &["application/json"])}},
            "/styles/{style}": {"get": {"summary": "MapLibre style (deprivation.json, indicator.json, significance.json) or QGIS SLD (.sld)", "parameters": style_route_params, "responses": ok("Style", &["application/json", "application/vnd.ogc.sld+xml"])}},
            "/legends/{legend}": {"get": {"summary": "Legend (.json or .svg) for the same parameters as the style", "parameters": legend_route_params, "responses": ok("Legend", &["application/json", "image/svg+xml"])}},
            "/data/{indicator}": {"get": {"summary": "Indicator values for every area (JSON, or CSV with .csv or format=csv)", "parameters": data_params, "responses": ok("Values", &["application/json", "text/csv"])}},
            "/findings/{indicator}": {"get": {"summary": "Key findings per health board", "parameters": [path_param("indicator", "Indicator id"), param("period", "Period", json!({"type": "string"})), param("lang", "Language", json!({"type": "string", "enum": ["en", "cy"]}))], "responses": ok("Findings", &["application/json"])}},
            "/map": {"get": {"summary": "The embeddable map page", "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}}},
        },
        "components": {"schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["status", "code", "message"], "properties": {
            "status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"}, "allowed": {"type": "array", "items": {"type": "string"}}}}}}}},
    })
}

/// `GET /api`.
pub async fn get_api(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = state.base_url(&headers);
    (
        [(
            header::CONTENT_TYPE,
            "application/vnd.oai.openapi+json;version=3.0",
        )],
        Json(document(&base)),
    )
        .into_response()
}
