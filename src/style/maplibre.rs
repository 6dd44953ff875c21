//! MapLibre style v8 documents rendered from a [`Legend`](super::legend::Legend).
//!
//! QGIS (3.22+) imports these: it ignores `feature-state` and, before 3.40, `step`, so
//! the fill colour is a `match` on a property baked into the tiles (`class`,
//! `wimd_quintile`, `sig_vs_wales`, …).

use serde_json::{json, Value};

use super::legend::Legend;

/// A complete style: background, the coloured fill, and cluster and health-board outlines.
pub fn style(legend: &Legend, tilejson_url: &str, attribution: &str, data_version: i64) -> Value {
    let fill_source_layer = legend.layer.as_str();
    let mut layers = vec![
        json!({"id": "background", "type": "background", "paint": {"background-color": "#ffffff"}}),
        json!({
            "id": format!("{}-fill", legend.kind.as_str()),
            "type": "fill",
            "source": "atlas",
            "source-layer": fill_source_layer,
            "paint": {"fill-color": legend.fill_color(), "fill-opacity": 0.9},
        }),
    ];
    if fill_source_layer == "lsoa" {
        layers.push(json!({
            "id": "lsoa-outline",
            "type": "line",
            "source": "atlas",
            "source-layer": "lsoa",
            "minzoom": 10,
            "paint": {"line-color": "#ffffff", "line-width": 0.4, "line-opacity": 0.6},
        }));
    }
    layers.push(json!({
        "id": "cluster-outline",
        "type": "line",
        "source": "atlas",
        "source-layer": "clusters",
        "paint": {"line-color": "#333333", "line-width": 1.0},
    }));
    layers.push(json!({
        "id": "health-board-outline",
        "type": "line",
        "source": "atlas",
        "source-layer": "health_boards",
        "paint": {"line-color": "#000000", "line-width": 2.2},
    }));
    json!({
        "version": 8,
        "name": format!("cluster-atlas: {} – {}", legend.title, legend.subtitle),
        "metadata": {
            "cluster-atlas:legend": legend,
            "cluster-atlas:data_version": data_version,
        },
        "center": [-3.75, 52.35],
        "zoom": 7,
        "sources": {
            "atlas": {
                "type": "vector",
                "url": tilejson_url,
                "attribution": attribution,
                "promoteId": {"lsoa": "code", "clusters": "code", "health_boards": "code"},
            }
        },
        "layers": layers,
    })
}
