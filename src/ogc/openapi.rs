//! The OpenAPI 3.0 description of the whole HTTP API, served at `/api`.
//!
//! Built from the same tables the handlers check against (collections and their filterable
//! fields, methods, palettes, domains and, from the loaded data, indicator ids and periods),
//! so every value the document allows is one the server accepts. Rules between parameters
//! that OpenAPI 3.0 cannot express (a period belongs to its indicator, `breaks` goes with
//! `method=manual`, indicator tiles need the clusters layer, x and y must lie inside the
//! 2^z grid, bbox west ≤ east) are stated in the descriptions.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::features::{filterable, DEFAULT_LIMIT, MAX_LIMIT};
use crate::catalog::indicators::{IndicatorCatalog, Level};
use crate::catalog::{FieldType, LayerId, MAX_SERVED_ZOOM, WIMD_DOMAINS};
use crate::classify::{Method, MAX_CLASSES, MIN_CLASSES};
use crate::palette;
use crate::state::AppState;
use crate::style::legend::MapKind;

/// The media type of this document.
pub const OPENAPI_CONTENT_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// What the document lists from the loaded data: indicator ids, every period, and an
/// example area code per collection.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Indicator ids, catalogue order.
    pub indicators: Vec<String>,
    /// Every period of any indicator, sorted.
    pub periods: Vec<String>,
    /// An example code for each collection's single-feature route.
    pub examples: Vec<(LayerId, String)>,
    /// What `/profiles/{area}` accepts: `wales`, then every loaded area code.
    pub areas: Vec<String>,
}

impl Vocabulary {
    /// The vocabulary of a loaded catalogue.
    pub fn of(catalog: &IndicatorCatalog) -> Vocabulary {
        let mut periods: Vec<String> = catalog
            .indicators
            .iter()
            .flat_map(|i| i.periods.iter().cloned())
            .collect();
        periods.sort();
        periods.dedup();
        let first = |level: Level| {
            catalog
                .areas
                .values()
                .find(|a| a.level == level)
                .map(|a| a.code.clone())
        };
        let mut examples = Vec::new();
        if let Some(code) = first(Level::Cluster) {
            examples.push((LayerId::Clusters, code));
        }
        if let Some(code) = first(Level::HealthBoard) {
            examples.push((LayerId::HealthBoards, code));
        }
        let mut areas = vec!["wales".to_owned()];
        areas.extend(catalog.areas.keys().cloned());
        Vocabulary {
            indicators: catalog.indicators.iter().map(|i| i.id.clone()).collect(),
            periods,
            examples,
            areas,
        }
    }
}

fn strings<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Vec<String> {
    values.into_iter().map(|s| s.as_ref().to_owned()).collect()
}

/// A string schema, with an enum when the list is known.
fn one_of(values: &[String]) -> Value {
    if values.is_empty() {
        json!({"type": "string"})
    } else {
        json!({"type": "string", "enum": values})
    }
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn required_query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": true, "description": description, "schema": schema})
}

fn path(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn error() -> Value {
    json!({"description": "Error (JSON)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// Responses: `200` with these media types (and a schema for the first, if given) plus the
/// listed error statuses, which all answer with the JSON error body.
fn responses(description: &str, types: &[&str], schema: Option<&str>, errors: &[u16]) -> Value {
    let content: Map<String, Value> = types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let body = match (i, schema) {
                (0, Some(s)) => json!({"schema": {"$ref": format!("#/components/schemas/{s}")}}),
                _ => json!({}),
            };
            ((*t).to_owned(), body)
        })
        .collect();
    let mut r = Map::new();
    r.insert(
        "200".into(),
        json!({"description": description, "content": content}),
    );
    for status in errors {
        r.insert(status.to_string(), error());
    }
    Value::Object(r)
}

/// Statuses every data-backed operation may answer: an internal error, or the database
/// (or loaded data) being unavailable.
const SERVER: [u16; 2] = [500, 503];

fn errs(extra: &[u16]) -> Vec<u16> {
    extra.iter().chain(SERVER.iter()).copied().collect()
}

fn get(summary: &str, parameters: Vec<Value>, responses: Value) -> Value {
    json!({"get": {"summary": summary, "parameters": parameters, "responses": responses}})
}

/// The parameters of every request that names an indicator in the query.
struct IndicatorParams<'a> {
    v: &'a Vocabulary,
}

impl IndicatorParams<'_> {
    fn indicator(&self, required: bool) -> Value {
        let description = "Indicator id (see /indicators)";
        if required {
            required_query("indicator", description, one_of(&self.v.indicators))
        } else {
            query("indicator", description, one_of(&self.v.indicators))
        }
    }

    fn period(&self) -> Value {
        query(
            "period",
            "Period (default: the indicator's newest). It must be one of the indicator's own \
             periods (listed in /indicators); another is a 400.",
            one_of(&self.v.periods),
        )
    }

    /// `method`, `classes`, `breaks`, `palette`.
    fn classification(&self) -> Vec<Value> {
        let methods: Vec<String> = Method::ALL.iter().map(|m| m.as_str().to_owned()).collect();
        let breaks = MIN_CLASSES - 1..MAX_CLASSES;
        vec![
            query(
                "method",
                "Classification method (default quantile). `manual` requires `breaks`.",
                json!({"type": "string", "enum": methods}),
            ),
            query(
                "classes",
                "Number of classes (ignored with method=manual, whose breaks set it)",
                json!({"type": "integer", "minimum": MIN_CLASSES, "maximum": MAX_CLASSES, "default": 5}),
            ),
            query(
                "breaks",
                &format!(
                    "Only with method=manual (required there, a 400 with any other method): \
                     {} to {} increasing numbers, comma-separated, e.g. 5,10,15,20",
                    breaks.start,
                    breaks.end - 1
                ),
                json!({"type": "string", "pattern": format!(
                    "^-?[0-9]{{1,9}}(\\.[0-9]{{1,6}})?(,-?[0-9]{{1,9}}(\\.[0-9]{{1,6}})?){{{},{}}}$",
                    breaks.start - 1,
                    breaks.end - 2
                )}),
            ),
            query(
                "palette",
                "ColorBrewer sequential scheme (default YlGnBu)",
                json!({"type": "string", "enum": palette::sequential_names()}),
            ),
            self.level(),
        ]
    }

    /// `level`: the confidence level of intervals and significance flags.
    fn level(&self) -> Value {
        query(
            "level",
            "Confidence level of lower_ci, upper_ci and the sig_* flags: 95 (default) or 99.8; another is a 400",
            json!({"type": "string", "enum": crate::significance::ConfidenceLevel::ALL.map(|l| l.as_str()), "default": "95"}),
        )
    }
}

fn lang() -> Value {
    query(
        "lang",
        "Language of labels: en (default) or cy",
        json!({"type": "string", "enum": ["en", "cy"]}),
    )
}

fn field_schema(kind: FieldType) -> Value {
    match kind {
        // PostgreSQL text cannot hold NUL, so such a value is refused.
        FieldType::String => json!({"type": "string", "maxLength": 64, "pattern": "^[^\\u0000]*$"}),
        FieldType::Integer => json!({"type": "integer", "format": "int64"}),
        FieldType::Number => json!({"type": "number"}),
        FieldType::Boolean => json!({"type": "boolean"}),
    }
}

/// Filters, bbox, formats and (for clusters and boards) indicator values of one collection.
fn items_parameters(layer: LayerId, ip: &IndicatorParams<'_>, paged: bool) -> Vec<Value> {
    let mut p = Vec::new();
    if paged {
        p.push(query(
            "limit",
            "Page size",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        ));
        p.push(query(
            "offset",
            "Features to skip",
            json!({"type": "integer", "minimum": 0, "maximum": 10_000_000, "default": 0}),
        ));
        p.push(query(
            "f",
            "Output format",
            json!({"type": "string", "enum": ["json", "geojson", "csv", "html"], "default": "json"}),
        ));
    }
    p.push(json!({"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
        "description": "west,south,east,north in CRS84 degrees: longitudes -180 to 180, latitudes -90 to 90, west ≤ east, south ≤ north",
        "schema": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number", "minimum": -180, "maximum": 180}}}));
    p.push(query(
        "geometry",
        "CSV only: add the geometry as WKT",
        json!({"type": "string", "enum": ["none", "wkt"], "default": "none"}),
    ));
    p.push(lang());
    let mut filters = filterable(layer);
    filters.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, column, kind) in filters {
        let description = if name == column {
            format!("Filter: features whose `{column}` equals this value")
        } else {
            format!("Filter: features whose `{column}` equals this value (alias)")
        };
        p.push(query(&name, &description, field_schema(kind)));
    }
    if layer != LayerId::Lsoa {
        p.push(ip.indicator(false));
        p.push(ip.period());
        p.extend(ip.classification());
    }
    p
}

fn collection_id() -> Value {
    path(
        "collectionId",
        "Collection",
        json!({"type": "string", "enum": strings(LayerId::ALL.iter().map(|l| l.as_str()))}),
    )
}

fn tile_indicator_parameters(ip: &IndicatorParams<'_>) -> Vec<Value> {
    let mut p = vec![query(
        "indicator",
        "Add this indicator's values and classes to the clusters layer (the layer list must include clusters; otherwise a 400)",
        one_of(&ip.v.indicators),
    )];
    p.push(ip.period());
    p.extend(ip.classification());
    p.push(query(
        "v",
        "Data version; a tile URL with the current version is cached as immutable",
        json!({"type": "string"}),
    ));
    p
}

fn tile_responses() -> Value {
    let mvt = crate::tiles::MVT_CONTENT_TYPE;
    let mut r = responses("Mapbox Vector Tile", &[mvt], None, &errs(&[400, 404, 422]));
    r["204"] = json!({"description": "Empty tile: no features there"});
    r["304"] = json!({"description": "Not modified (If-None-Match matched the ETag)"});
    r
}

/// The document.
pub fn document(base: &str, vocabulary: &Vocabulary) -> Value {
    let ip = IndicatorParams { v: vocabulary };
    let max_index = (1u64 << MAX_SERVED_ZOOM) - 1;
    let lists = layer_lists();
    let mut paths = Map::new();
    let mut add = |route: String, op: Value| {
        paths.insert(route, op);
    };

    add("/".into(), get(
        "Landing page: OGC API JSON with f=json (or Accept: application/json), otherwise the map page",
        vec![query("f", "json or html", json!({"type": "string", "enum": ["json", "html"]}))],
        responses("Landing page", &["application/json", "text/html"], Some("Landing"), &[400]),
    ));
    add(
        "/map".into(),
        get(
            "The embeddable map page",
            vec![],
            responses("HTML", &["text/html"], None, &[]),
        ),
    );
    add(
        "/conformance".into(),
        get(
            "Conformance classes",
            vec![],
            responses(
                "Conformance",
                &["application/json"],
                Some("Conformance"),
                &[],
            ),
        ),
    );
    add(
        "/api".into(),
        get(
            "This document",
            vec![],
            responses("OpenAPI 3.0", &[OPENAPI_CONTENT_TYPE], None, &[]),
        ),
    );
    add(
        "/collections".into(),
        get(
            "Feature collections",
            vec![],
            responses(
                "Collections",
                &["application/json"],
                Some("Collections"),
                &SERVER,
            ),
        ),
    );
    add(
        "/collections/{collectionId}".into(),
        get(
            "One collection",
            vec![collection_id()],
            responses(
                "Collection",
                &["application/json"],
                Some("Collection"),
                &errs(&[404]),
            ),
        ),
    );

    for layer in LayerId::ALL {
        let id = layer.as_str();
        let indicator_errors: &[u16] = if layer == LayerId::Lsoa {
            &[400]
        } else {
            &[400, 422]
        };
        add(
            format!("/collections/{id}/items"),
            get(
                &format!(
                    "Features of {id} (GeoJSON, CSV or HTML), paged and filtered{}",
                    if layer == LayerId::Lsoa {
                        ""
                    } else {
                        ", optionally with an indicator's values"
                    }
                ),
                items_parameters(layer, &ip, true),
                responses(
                    "Features",
                    &["application/geo+json", "text/csv", "text/html"],
                    Some("FeatureCollection"),
                    &errs(indicator_errors),
                ),
            ),
        );
        let mut feature_id = path("featureId", "Area code", json!({"type": "string"}));
        let example = match layer {
            LayerId::Lsoa => Some("W01000240".to_owned()),
            _ => vocabulary
                .examples
                .iter()
                .find(|(l, _)| *l == layer)
                .map(|(_, c)| c.clone()),
        };
        if let Some(code) = example {
            feature_id["example"] = json!(code);
        }
        let mut item_params = vec![feature_id, lang()];
        if layer != LayerId::Lsoa {
            item_params.push(ip.indicator(false));
            item_params.push(ip.period());
            item_params.extend(ip.classification());
        }
        add(
            format!("/collections/{id}/items/{{featureId}}"),
            get(
                &format!("One {id} feature by code"),
                item_params,
                responses(
                    "Feature",
                    &["application/geo+json"],
                    Some("Feature"),
                    &errs(&[400, 404, 422]),
                ),
            ),
        );
        for (ext, media, schema) in [
            ("geojson", "application/geo+json", Some("FeatureCollection")),
            ("csv", "text/csv", None),
        ] {
            add(
                format!("/downloads/{id}.{ext}"),
                get(
                    &format!("The whole {id} collection in one file, with the same filters and options as its items"),
                    items_parameters(layer, &ip, false),
                    responses("File", &[media], schema, &errs(indicator_errors)),
                ),
            );
        }
    }

    add(
        "/tileMatrixSets".into(),
        get(
            "Tile matrix sets",
            vec![],
            responses("List", &["application/json"], None, &[]),
        ),
    );
    add(
        "/tileMatrixSets/WebMercatorQuad".into(),
        get(
            "WebMercatorQuad",
            vec![],
            responses("Tile matrix set", &["application/json"], None, &[]),
        ),
    );
    add(
        "/collections/{collectionId}/tiles".into(),
        get(
            "Vector tilesets of a collection",
            vec![collection_id()],
            responses("Tilesets", &["application/json"], None, &[404]),
        ),
    );
    add(
        "/collections/{collectionId}/tiles/WebMercatorQuad".into(),
        get(
            "Tileset metadata",
            vec![collection_id()],
            responses("Tileset", &["application/json"], None, &[404]),
        ),
    );
    let mut ogc_tile = vec![
        collection_id(),
        path(
            "tileMatrix",
            "Zoom",
            json!({"type": "integer", "minimum": 0, "maximum": MAX_SERVED_ZOOM}),
        ),
        path(
            "tileRow",
            "Row (y), 0 to 2^tileMatrix - 1",
            json!({"type": "integer", "minimum": 0, "maximum": max_index}),
        ),
        path(
            "tileCol",
            "Column (x), 0 to 2^tileMatrix - 1",
            json!({"type": "integer", "minimum": 0, "maximum": max_index}),
        ),
    ];
    ogc_tile.extend(tile_indicator_parameters(&ip));
    add(
        "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}".into(),
        get(
            "A vector tile (OGC order: zoom/row/column)",
            ogc_tile,
            tile_responses(),
        ),
    );

    let mut xyz = vec![
        path(
            "layers",
            "lsoa, clusters, health_boards, a comma-separated list of them (each once), or wales",
            json!({"type": "string", "enum": lists}),
        ),
        path(
            "z",
            "Zoom",
            json!({"type": "integer", "minimum": 0, "maximum": MAX_SERVED_ZOOM}),
        ),
        path(
            "x",
            "Column, 0 to 2^z - 1",
            json!({"type": "integer", "minimum": 0, "maximum": max_index}),
        ),
        path(
            "y",
            "Row, 0 to 2^z - 1, optionally followed by .pbf or .mvt",
            json!({"anyOf": [
                {"type": "integer", "minimum": 0, "maximum": max_index},
                {"type": "string", "pattern": "^[0-9]{1,7}\\.(pbf|mvt)$"},
            ]}),
        ),
    ];
    xyz.extend(tile_indicator_parameters(&ip));
    add(
        "/tiles/{layers}/{z}/{x}/{y}".into(),
        get("A vector tile (XYZ)", xyz, tile_responses()),
    );
    let mut tilejson = vec![path(
        "layers",
        "lsoa, clusters, health_boards, a comma-separated list (each once) or wales, optionally ending in .json",
        json!({"type": "string", "enum": lists.iter().flat_map(|l| [l.clone(), format!("{l}.json")]).collect::<Vec<_>>()}),
    )];
    tilejson.extend(tile_indicator_parameters(&ip));
    tilejson.push(query(
        "domain",
        "WIMD domain of the legend (when the list includes lsoa)",
        domain_schema(),
    ));
    tilejson.push(lang());
    add(
        "/tiles/{layers}".into(),
        get(
            "TileJSON 3.0.0",
            tilejson,
            responses(
                "TileJSON",
                &["application/json"],
                Some("TileJSON"),
                &errs(&[400, 404, 422]),
            ),
        ),
    );

    add(
        "/catalog".into(),
        get(
            "Layers, fields and the loaded data",
            vec![],
            responses("Catalogue", &["application/json"], None, &SERVER),
        ),
    );
    add(
        "/vocabulary".into(),
        get(
            "Labels, codes and colours in English and Welsh, for clients such as the map page",
            vec![],
            responses("Vocabulary", &["application/json"], None, &SERVER),
        ),
    );
    add(
        "/health".into(),
        json!({"get": {"summary": "Database and data version", "responses": {
            "200": {"description": "Healthy", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
            "503": {"description": "Degraded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
        }}}),
    );
    add(
        "/metrics".into(),
        get(
            "Prometheus metrics (needs the admin token when one is configured)",
            vec![],
            responses("Metrics", &["text/plain"], None, &[401, 404]),
        ),
    );
    add(
        "/indicators".into(),
        get(
            "Indicator catalogue",
            vec![lang()],
            responses("Indicators", &["application/json"], None, &errs(&[400])),
        ),
    );

    for kind in MapKind::ALL {
        let name = kind.as_str();
        let mut p = match kind {
            MapKind::Deprivation => vec![query(
                "domain",
                "WIMD domain (default overall)",
                domain_schema(),
            )],
            MapKind::Indicator => {
                let mut p = vec![ip.indicator(true), ip.period()];
                p.extend(ip.classification());
                p
            }
            MapKind::Significance => vec![
                ip.indicator(true),
                ip.period(),
                query(
                    "vs",
                    "Benchmark: Wales (default) or the cluster's health board",
                    json!({"type": "string", "enum": ["wales", "hb"]}),
                ),
                ip.level(),
            ],
        };
        p.push(lang());
        let errors = match kind {
            MapKind::Indicator => errs(&[400, 422]),
            _ => errs(&[400]),
        };
        add(
            format!("/styles/{name}.json"),
            get(
                &format!("MapLibre style v8: {name}"),
                p.clone(),
                responses("Style", &["application/json"], None, &errors),
            ),
        );
        add(
            format!("/styles/{name}.sld"),
            get(
                &format!("SLD 1.1 for QGIS: {name}"),
                p.clone(),
                responses("SLD", &["application/vnd.ogc.sld+xml"], None, &errors),
            ),
        );
        add(
            format!("/legends/{name}.json"),
            get(
                &format!("Legend: {name}"),
                p.clone(),
                responses("Legend", &["application/json"], None, &errors),
            ),
        );
        add(
            format!("/legends/{name}.svg"),
            get(
                &format!("Legend as accessible SVG: {name}"),
                p,
                responses("Legend", &["image/svg+xml"], None, &errors),
            ),
        );
    }

    let indicator_path = path(
        "indicator",
        "Indicator id, optionally ending in .csv or .json",
        {
            let mut with_ext = vocabulary.indicators.clone();
            for id in &vocabulary.indicators {
                with_ext.push(format!("{id}.csv"));
                with_ext.push(format!("{id}.json"));
            }
            one_of(&with_ext)
        },
    );
    let mut data = vec![indicator_path, ip.period()];
    data.extend(ip.classification());
    data.push(lang());
    data.push(query(
        "format",
        "json or csv (default: from the path, else json)",
        json!({"type": "string", "enum": ["json", "csv"]}),
    ));
    add(
        "/data/{indicator}".into(),
        get(
            "Indicator values for every area (JSON, or CSV with .csv or format=csv)",
            data,
            responses(
                "Values",
                &["application/json", "text/csv"],
                None,
                &errs(&[400, 422]),
            ),
        ),
    );
    add(
        "/findings/{indicator}".into(),
        get(
            "Key findings per health board",
            vec![
                path("indicator", "Indicator id", one_of(&vocabulary.indicators)),
                ip.period(),
                ip.level(),
                lang(),
            ],
            responses("Findings", &["application/json"], None, &errs(&[400])),
        ),
    );

    // Area profiles (issue 7). Area codes are cluster keys or official codes, health board
    // codes or `wales`, listed from the loaded data; an unknown one is a 404.
    let area = || {
        path(
            "area",
            "Cluster code, health board code (W11…), or wales",
            one_of(&vocabulary.areas),
        )
    };
    add(
        "/profiles/{area}".into(),
        get(
            "Area profile for a dashboard card: population pyramids, population-weighted and LSOA-count deprivation profiles, and indicator values with their comparisons",
            vec![area(), lang()],
            responses("Profile", &["application/json"], None, &errs(&[400, 404])),
        ),
    );
    for (chart, periods, summary) in [
        (
            "pyramid.svg",
            vec!["mid-2024", "mid-2020", "mid-2019"],
            "Population pyramid as accessible SVG (mid-2024 by sex; mid-2019/2020 persons only)",
        ),
        (
            "deprivation.svg",
            vec!["mid-2020", "mid-2019"],
            "Residents and LSOAs by WIMD 2019 quintile as an accessible SVG bar",
        ),
    ] {
        add(
            format!("/profiles/{{area}}/{chart}"),
            get(
                summary,
                vec![
                    area(),
                    query(
                        "period",
                        "Population estimate",
                        json!({"type": "string", "enum": periods}),
                    ),
                    lang(),
                ],
                responses("Chart", &["image/svg+xml"], None, &errs(&[400, 404])),
            ),
        );
    }

    let link = json!({"type": "object", "required": ["href", "rel"], "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"}}});
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "cluster-atlas",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Vector tiles, OGC API Features and Tiles, styles, legends and downloads for Wales's NHS primary care clusters. Unknown query parameters are ignored; every known one is checked, and a bad one is a 400 with a JSON error naming the allowed values.",
            "license": {"name": "Data: Open Government Licence v3.0", "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"},
        },
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["status", "code", "message"], "properties": {
                "status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"}, "allowed": {"type": "array", "items": {"type": "string"}}}}}},
            "Link": link,
            "Landing": {"type": "object", "required": ["links"], "properties": {"title": {"type": "string"}, "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}}},
            "Conformance": {"type": "object", "required": ["conformsTo"], "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}},
            "Collection": {"type": "object", "required": ["id", "links"], "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}}},
            "Collections": {"type": "object", "required": ["collections", "links"], "properties": {"collections": {"type": "array", "items": {"$ref": "#/components/schemas/Collection"}}, "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}}},
            "Feature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {"type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"}, "geometry": {"type": "object", "nullable": true}, "properties": {"type": "object"}}},
            "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0}, "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}, "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}}}},
            "TileJSON": {"type": "object", "required": ["tilejson", "tiles", "vector_layers"], "properties": {"tilejson": {"type": "string"}, "tiles": {"type": "array", "minItems": 1, "items": {"type": "string"}}, "minzoom": {"type": "integer"}, "maxzoom": {"type": "integer"}, "vector_layers": {"type": "array"}}},
            "Health": {"type": "object", "required": ["status", "database"], "properties": {"status": {"type": "string", "enum": ["ok", "no_data", "degraded"]}, "database": {"type": "string", "enum": ["up", "down"]}, "data_version": {"type": "integer", "nullable": true}}},
        }},
    })
}

/// Every layer list a tile URL can name: `wales`, and each ordered list of distinct layers.
fn layer_lists() -> Vec<String> {
    let ids: Vec<&str> = LayerId::ALL.iter().map(|l| l.as_str()).collect();
    let mut lists = vec![crate::catalog::ALL_LAYERS_ALIAS.to_owned()];
    let mut frontier: Vec<Vec<&str>> = vec![vec![]];
    for _ in 0..ids.len() {
        let mut next = Vec::new();
        for list in &frontier {
            for id in &ids {
                if !list.contains(id) {
                    let mut l = list.clone();
                    l.push(id);
                    lists.push(l.join(","));
                    next.push(l);
                }
            }
        }
        frontier = next;
    }
    lists
}

fn domain_schema() -> Value {
    json!({"type": "string", "enum": strings(std::iter::once("overall").chain(WIMD_DOMAINS.iter().map(|d| d.id)))})
}

/// `GET /api`. Indicator ids and periods come from the loaded data; without it (no data
/// yet, or the database unreachable) the document still answers, with those as plain strings.
pub async fn get_api(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = state.base_url(&headers);
    let vocabulary = match state.snapshot().await {
        Ok(snapshot) => Vocabulary::of(&snapshot.catalog),
        Err(_) => Vocabulary::default(),
    };
    (
        [(header::CONTENT_TYPE, OPENAPI_CONTENT_TYPE)],
        Json(document(&base, &vocabulary)),
    )
        .into_response()
}
