//! The OGC API's part of the OpenAPI document: its response shapes (the handlers build
//! most of them with `json!`; `tests/openapi.rs` validates every answer against them), the
//! download formats and the document's own media type.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The media type of this document.
pub const OPENAPI_CONTENT_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// The download formats: extension and media type.
pub const DOWNLOADS: [(&str, &str); 4] = [
    ("geojson", "application/geo+json"),
    ("csv", "text/csv"),
    ("gpkg", super::gdal_download::GPKG_CONTENT_TYPE),
    ("fgb", super::gdal_download::FGB_CONTENT_TYPE),
];

// ---------------------------------------------------------------------------------------
// The OGC API's response shapes.
// ---------------------------------------------------------------------------------------

/// A link.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct Link {
    href: String,
    rel: String,
    #[serde(rename = "type")]
    #[schema(nullable = false)]
    r#type: Option<String>,
    #[schema(nullable = false)]
    title: Option<String>,
    /// True when `href` is a template (`{tileMatrix}`…) to fill in, not a URL.
    #[schema(nullable = false)]
    templated: Option<bool>,
}

/// The landing page as JSON.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct Landing {
    title: String,
    description: String,
    attribution: String,
    links: Vec<Link>,
}

/// `GET /conformance`.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct Conformance {
    #[serde(rename = "conformsTo")]
    conforms_to: Vec<String>,
}

/// One collection.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct Collection {
    id: String,
    title: String,
    #[schema(nullable = false)]
    description: Option<String>,
    /// Always `feature`.
    #[serde(rename = "itemType")]
    item_type: String,
    /// The CRSs `crs` accepts (Features Part 2).
    crs: Vec<String>,
    /// The CRS the geometry is stored in.
    #[serde(rename = "storageCrs")]
    storage_crs: String,
    /// Spatial extent (CRS84 bbox).
    #[schema(value_type = Object)]
    extent: Value,
    links: Vec<Link>,
}

/// `GET /collections`.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct Collections {
    collections: Vec<Collection>,
    links: Vec<Link>,
}

/// A GeoJSON feature.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct Feature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    r#type: String,
    #[schema(nullable = false)]
    id: Option<String>,
    #[schema(value_type = Object, nullable)]
    geometry: Value,
    #[schema(value_type = Object)]
    properties: Value,
    /// Only on a single feature (`/collections/{id}/items/{featureId}`).
    #[schema(nullable = false)]
    links: Option<Vec<Link>>,
}

/// A page of GeoJSON features.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    r#type: String,
    #[serde(rename = "numberMatched")]
    #[schema(nullable = false, minimum = 0)]
    number_matched: Option<u64>,
    #[serde(rename = "numberReturned")]
    #[schema(nullable = false, minimum = 0)]
    number_returned: Option<u64>,
    /// When the response was made (RFC 3339), not when the data was loaded.
    #[serde(rename = "timeStamp")]
    #[schema(nullable = false)]
    time_stamp: Option<String>,
    #[schema(nullable = false)]
    links: Option<Vec<Link>>,
    features: Vec<Feature>,
}

/// `GET /tileMatrixSets`.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct TileMatrixSets {
    #[serde(rename = "tileMatrixSets")]
    #[schema(value_type = Vec<Object>)]
    tile_matrix_sets: Vec<Value>,
}

/// The WebMercatorQuad tile matrix set (OGC TileMatrixSet 2.0 JSON).
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct TileMatrixSet(Value);

/// A collection's tilesets.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct Tilesets {
    tilesets: Vec<Tileset>,
    links: Vec<Link>,
}

/// One vector tileset.
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct Tileset {
    title: String,
    #[serde(rename = "dataType")]
    data_type: String,
    crs: String,
    #[serde(rename = "tileMatrixSetURI")]
    tile_matrix_set_uri: String,
    /// The tile rows and columns of each zoom the layer has.
    #[serde(rename = "tileMatrixSetLimits")]
    tile_matrix_set_limits: Vec<TileMatrixLimits>,
    #[schema(value_type = Vec<Object>)]
    layers: Vec<Value>,
    links: Vec<Link>,
}

/// The tiles of one zoom of a tileset (OGC Tiles, `tileMatrixSetLimits`).
#[allow(dead_code)] // Described, never built: the handlers assemble the same fields.
#[derive(Serialize, ToSchema)]
pub struct TileMatrixLimits {
    /// The zoom, as a string (`"0"`).
    #[serde(rename = "tileMatrix")]
    tile_matrix: String,
    #[serde(rename = "minTileRow")]
    min_tile_row: u64,
    #[serde(rename = "maxTileRow")]
    max_tile_row: u64,
    #[serde(rename = "minTileCol")]
    min_tile_col: u64,
    #[serde(rename = "maxTileCol")]
    max_tile_col: u64,
}
