//! MapLibre style v8 documents rendered from a [`Legend`](super::legend::Legend).
//!
//! QGIS (3.22+) imports these: it ignores `feature-state` and, before 3.40, `step`, so
//! the fill colour is a `match` on a property baked into the tiles (`class`,
//! `wimd_quintile`, `sig_vs_wales`, …).
//!
//! Each style's tile source names only the layers it draws (`clusters,health_boards` for
//! a cluster map, not every LSOA as well), and labels come from the server's own glyphs
//! (`/fonts/{fontstack}/{range}.pbf`): board names, cluster names from cluster zooms and
//! LSOA names from [`LSOA_LABEL_ZOOM`], in the legend's language, haloed so that they
//! read over every palette.

use serde_json::{json, Value};

use super::legend::Legend;
use crate::catalog::indicators::Lang;
use crate::catalog::{LayerId, ALL_LAYERS_ALIAS};
use crate::params::TileEncoding;

/// The font of cluster and LSOA labels (served by the `fonts` module).
pub const LABEL_FONT: &str = "Noto Sans Regular";
/// The font of health-board labels.
pub const BOARD_FONT: &str = "Noto Sans Bold";
/// Zoom from which cluster names are drawn.
pub const CLUSTER_LABEL_ZOOM: u8 = 8;
/// Zoom from which LSOA names are drawn.
pub const LSOA_LABEL_ZOOM: u8 = 11;
/// The source of LSOA names in a style whose fill is not LSOAs: its tiles are requested
/// only from [`LSOA_LABEL_ZOOM`], where its one layer starts.
pub const LSOA_NAMES_SOURCE: &str = "lsoa-names";

/// The URLs a style points at, all under the server's public base URL.
pub struct StyleUrls<'a> {
    /// Public base URL, no trailing slash.
    pub base: &'a str,
    /// Normalised indicator query of the fill's tiles, or empty.
    pub tile_query: &'a str,
    /// The tiles' encoding (`encoding=mlt`: MapLibre Tiles, for MapLibre GL JS 5.12+).
    pub encoding: TileEncoding,
}

impl StyleUrls<'_> {
    fn tilejson(&self, layers: &str, query: &str) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if !query.is_empty() {
            parts.push(query);
        }
        if self.encoding == TileEncoding::Mlt {
            parts.push("encoding=mlt");
        }
        if parts.is_empty() {
            format!("{}/tiles/{layers}", self.base)
        } else {
            format!("{}/tiles/{layers}?{}", self.base, parts.join("&"))
        }
    }

    /// A vector source of `layers` (its TileJSON URL, attribution and, for MLT, its
    /// encoding, which MapLibre needs on the source to decode the tiles).
    fn vector_source(&self, layers: &str, query: &str, attribution: &str) -> Value {
        let mut source = json!({
            "type": "vector",
            "url": self.tilejson(layers, query),
            "attribution": attribution,
        });
        if self.encoding != TileEncoding::Mvt {
            source["encoding"] = json!(self.encoding.as_str());
        }
        source
    }

    /// MapLibre's glyph template; `{fontstack}` and `{range}` are filled in by the client.
    pub fn glyphs(&self) -> String {
        format!("{}/fonts/{{fontstack}}/{{range}}.pbf", self.base)
    }
}

/// The tile layers a style with this fill layer draws, as a URL's layer list: the fill, the
/// cluster and board outlines, and the label points their names are drawn from.
pub fn source_layers(fill: LayerId) -> &'static str {
    match fill {
        // LSOA fill and outlines, cluster and board outlines and labels: the composite.
        LayerId::Lsoa => ALL_LAYERS_ALIAS,
        // The WIMD 2025 map: 2021 LSOAs under the same outlines and labels.
        LayerId::Lsoa21 => "lsoa21,clusters,health_boards,labels",
        LayerId::Clusters | LayerId::HealthBoards | LayerId::Labels => {
            "clusters,health_boards,labels"
        }
    }
}

/// The name property in `lang`.
fn name_field(lang: Lang) -> &'static str {
    lang.pick("name_en", "name_cy")
}

/// A label layer: `source_layer`'s names in `lang`, dark on a white halo.
fn label(id: &str, source: &str, source_layer: &str, font: &str, size: Value, lang: Lang) -> Value {
    json!({
        "id": id,
        "type": "symbol",
        "source": source,
        "source-layer": source_layer,
        "layout": {
            "text-field": ["get", name_field(lang)],
            "text-font": [font],
            "text-size": size,
            "text-max-width": 8,
            "text-padding": 4,
            // A polygon is labelled once per tile it spans; a label that would cross a
            // tile edge is dropped, which removes most of the repeats.
            "symbol-avoid-edges": true,
        },
        "paint": {
            "text-color": "#1a1a1a",
            "text-halo-color": "#ffffff",
            "text-halo-width": 1.6,
            "text-halo-blur": 0.4,
        },
    })
}

/// Board names to cluster zooms, cluster names from [`CLUSTER_LABEL_ZOOM`], LSOA names
/// from [`LSOA_LABEL_ZOOM`] (from `lsoa_source`'s layer `lsoa_layer`).
fn label_layers(lang: Lang, lsoa_source: &str, lsoa_layer: &str) -> Vec<Value> {
    let mut lsoa = label(
        "lsoa-label",
        lsoa_source,
        lsoa_layer,
        LABEL_FONT,
        json!(["interpolate", ["linear"], ["zoom"], 11, 10, 14, 12]),
        lang,
    );
    lsoa["minzoom"] = json!(LSOA_LABEL_ZOOM);
    // Cluster and board names from their label points (the `labels` layer): one anchor per
    // area, in the one tile that holds it, so each name is drawn once, not once per tile
    // its polygon spans.
    let mut cluster = label(
        "cluster-label",
        "atlas",
        LayerId::Labels.as_str(),
        LABEL_FONT,
        json!(["interpolate", ["linear"], ["zoom"], 8, 11, 12, 14]),
        lang,
    );
    cluster["minzoom"] = json!(CLUSTER_LABEL_ZOOM);
    cluster["filter"] = json!(["==", ["get", "level"], "cluster"]);
    let mut board = label(
        "health-board-label",
        "atlas",
        LayerId::Labels.as_str(),
        BOARD_FONT,
        json!(["interpolate", ["linear"], ["zoom"], 6, 10, 9, 14]),
        lang,
    );
    // Board names are long ("… University Health Board"): wider lines, fewer of them, so the
    // four small south-eastern boards all fit at z7.
    board["layout"]["text-max-width"] = json!(11);
    board["maxzoom"] = json!(CLUSTER_LABEL_ZOOM + 1);
    board["filter"] = json!(["==", ["get", "level"], "health_board"]);
    // The short name ("Hywel Dda", not "Hywel Dda University Health Board").
    board["layout"]["text-field"] = json!(["get", lang.pick("label_en", "label_cy")]);
    for point_label in [&mut cluster, &mut board] {
        // A point's label may cross a tile edge: it is drawn from the tile holding the point.
        point_label["layout"]["symbol-avoid-edges"] = json!(false);
        // Where two names would collide (the small south-eastern boards at z7), a label may
        // sit beside its point rather than be dropped.
        point_label["layout"]["text-variable-anchor"] = json!([
            "center",
            "top",
            "bottom",
            "left",
            "right",
            "top-left",
            "top-right",
            "bottom-left",
            "bottom-right"
        ]);
        point_label["layout"]["text-radial-offset"] = json!(0.4);
        point_label["layout"]["text-justify"] = json!("auto");
    }
    vec![lsoa, cluster, board]
}

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

/// A complete style: background, the coloured fill, cluster and health-board outlines,
/// and the labels.
pub fn style(legend: &Legend, urls: &StyleUrls, attribution: &str, data_version: i64) -> Value {
    let fill_source_layer = legend.layer.as_str();
    let basemap = crate::basemap::configured();
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
    if basemap.is_some_and(|b| b.kind == crate::basemap::Kind::Raster) {
        // Under the fill, which is drawn at 0.9 opacity over it.
        layers.insert(
            1,
            json!({"id": "basemap", "type": "raster", "source": "basemap"}),
        );
    }
    if legend.layer.is_lsoa() {
        let mut lsoa = outline("lsoa-outline", fill_source_layer, "#ffffff", 0.4);
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
    let mut sources = serde_json::Map::new();
    let mut atlas = urls.vector_source(source_layers(legend.layer), urls.tile_query, attribution);
    atlas["promoteId"] =
        json!({"lsoa": "code", "lsoa21": "code", "clusters": "code", "health_boards": "code"});
    sources.insert("atlas".into(), atlas);
    // An LSOA map labels its own LSOAs; a cluster map the 2011 LSOAs, from a source of names.
    let (lsoa_source, lsoa_layer) = if legend.layer.is_lsoa() {
        ("atlas", fill_source_layer)
    } else {
        sources.insert(
            LSOA_NAMES_SOURCE.into(),
            urls.vector_source(LayerId::Lsoa.as_str(), "", attribution),
        );
        (LSOA_NAMES_SOURCE, LayerId::Lsoa.as_str())
    };
    layers.extend(label_layers(legend.lang, lsoa_source, lsoa_layer));
    if let Some(b) = basemap.filter(|b| b.kind == crate::basemap::Kind::Raster) {
        let mut source = json!({"type": "raster", "tiles": [b.url], "tileSize": 256});
        if let Some(a) = &b.attribution {
            source["attribution"] = json!(a);
        }
        sources.insert("basemap".into(), source);
    }
    json!({
        "version": 8,
        "name": format!("cluster-atlas: {} – {}", legend.title, legend.subtitle),
        "metadata": {
            "cluster-atlas:legend": legend,
            "cluster-atlas:data_version": data_version,
            // A style basemap is drawn by the map page under these layers.
            "cluster-atlas:basemap": basemap,
        },
        "center": [-3.75, 52.35],
        "zoom": 7,
        "glyphs": urls.glyphs(),
        "sources": sources,
        "layers": layers,
    })
}
