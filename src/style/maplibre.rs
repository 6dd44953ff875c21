//! MapLibre style v8 documents rendered from a [`Legend`](super::legend::Legend).
//!
//! QGIS (3.22+) imports these: it ignores `feature-state` and, before 3.40, `step`, so
//! the fill colour is a `match` on a property baked into the tiles (`class`,
//! `wimd_quintile`, `sig_vs_wales`, …).

use serde_json::{json, Value};

use super::legend::Legend;

/// A line layer drawing the outlines of one tile layer.
fn outline(id: &str, source_layer: &str, color: &str, width: f64) -> Value {
    json!({
        "id": id,
        "type": "line",
        "source": "atlas",
        "source-layer": source_layer,
        "paint": {"line-color": color, "line-width": width},
    })
}

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
        let mut lsoa = outline("lsoa-outline", "lsoa", "#ffffff", 0.4);
        lsoa["minzoom"] = json!(10);
        lsoa["paint"]["line-opacity"] = json!(0.6);
        layers.push(lsoa);
    }
    layers.push(outline("cluster-outline", "clusters", "#333333", 1.0));
    layers.push(outline(
        "health-board-outline",
        "health_boards",
        "#000000",
        2.2,
    ));
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
