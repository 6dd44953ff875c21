//! The TileJSON 3.0.0 document of a layer set over the loaded data.

use serde_json::{json, Value};

use super::layers::LayerSet;
use crate::catalog::indicators::Lang;
use crate::catalog::values::{value_field, TILE_VALUE_FIELDS};
use crate::catalog::{self, LayerId};
use crate::db::DataVersion;

/// Makes a TileJSON document (either source's) describe `encoding`'s tiles: its tile URLs
/// ask for them, and `"encoding": "mlt"` tells MapLibre GL JS to decode MLT.
pub fn set_encoding(doc: &mut Value, encoding: crate::params::TileEncoding) {
    if encoding == crate::params::TileEncoding::Mvt {
        return;
    }
    doc["encoding"] = json!(encoding.as_str());
    if let Some(tiles) = doc["tiles"].as_array_mut() {
        for url in tiles.iter_mut() {
            if let Some(u) = url.as_str() {
                let joiner = if u.contains('?') { '&' } else { '?' };
                *url = json!(format!("{u}{joiner}encoding={}", encoding.as_str()));
            }
        }
    }
}

/// Builds the TileJSON document.
pub fn tilejson(
    set: &LayerSet,
    data: &DataVersion,
    base: &str,
    indicator: Option<(&str, LayerId)>,
    lang: Lang,
) -> Value {
    let [w, s, e, n] = data.bounds;
    let vector_layers: Vec<Value> = set
        .layers()
        .iter()
        .map(|id| {
            let layer = id.layer();
            let mut fields: serde_json::Map<String, Value> = layer
                .fields
                .iter()
                .map(|f| {
                    let description = if f.min_zoom > layer.minzoom {
                        format!("{} (in tiles from zoom {})", f.description, f.min_zoom)
                    } else {
                        f.description.to_owned()
                    };
                    (f.name.to_owned(), json!(description))
                })
                .collect();
            if indicator.is_some_and(|(_, layer)| layer == *id) {
                for f in TILE_VALUE_FIELDS.iter().filter_map(|n| value_field(n)) {
                    fields.insert(f.name.to_owned(), json!(f.description));
                }
            }
            json!({
                "id": id.as_str(),
                "description": layer.description,
                "minzoom": layer.minzoom,
                "maxzoom": layer.maxzoom,
                "fields": fields,
            })
        })
        .collect();
    let name = set.url_name();
    // The data version in tile URLs makes them immutable: a reload changes every URL.
    let suffix = match indicator.map(|(q, _)| q) {
        Some(q) => format!("?{q}&v={}", data.version),
        None => format!("?v={}", data.version),
    };
    json!({
        "tilejson": "3.0.0",
        "name": format!("cluster-atlas: {name}"),
        "description": set.layers().iter().map(|l| l.layer().title).collect::<Vec<_>>().join("; "),
        "version": format!("{}.0.0", data.version),
        "attribution": catalog::attribution(data.cluster_approximate, lang),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{name}/{{z}}/{{x}}/{{y}}{suffix}")],
        "minzoom": set.minzoom(),
        "maxzoom": set.maxzoom(),
        "bounds": [w, s, e, n],
        "center": [(w + e) / 2.0, (s + n) / 2.0, 7],
        "vector_layers": vector_layers,
        "data_version": data.version,
        "cluster_geography": {
            "approximate": data.cluster_approximate,
            "provenance": data.cluster_provenance,
        },
    })
}
