//! OGC API – Features Part 3 queryables: what a collection's `filter` may name, taken from
//! the catalogue's fields (the same list checks every CQL2 filter and describes it as JSON
//! Schema at `/collections/{id}/queryables`).

use serde_json::{json, Map, Value};

use crate::catalog::{FieldType, LayerId};
use crate::cql2::{queryables as of, GEOMETRY};

/// The media type of the queryables document.
pub const SCHEMA_CONTENT_TYPE: &str = "application/schema+json";

/// The JSON Schema document of `/collections/{id}/queryables`.
pub fn schema(layer: LayerId, base: &str) -> Value {
    let mut properties = Map::new();
    // The same list in the Part 3 draft's form (`queryables: [{id, type}]`), which GDAL 3.6–3.8
    // read to decide which properties a `-where` may send to the server.
    let mut draft = Vec::new();
    properties.insert(
        GEOMETRY.into(),
        json!({"title": "Geometry", "description": "The area's boundary (S_INTERSECTS with a POINT, BBOX or POLYGON in CRS84)", "format": "geometry-multipolygon", "x-ogc-role": "primary-geometry"}),
    );
    for q in of(layer) {
        let kind = match q.kind {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
        };
        let mut p = json!({"title": q.name, "description": q.description, "type": kind});
        if q.name == "code" {
            p["x-ogc-role"] = json!("id");
        }
        properties.insert(q.name.into(), p);
        draft.push(json!({"id": q.name, "type": kind, "title": q.name}));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}/collections/{layer}/queryables"),
        "type": "object",
        "title": layer.layer().title,
        "properties": properties,
        "additionalProperties": false,
        "queryables": draft,
    })
}
