//! The OpenAPI 3.0 description of the whole HTTP API, served at `/api`: the OGC API's
//! part of the generated document, and [`finish`], the step that completes the document
//! utoipa generates from the handlers (assembled in `server`).
//!
//! What `finish` adds comes from the same tables the handlers check against (collections and their filterable
//! fields, methods, palettes, domains and, from the loaded data, indicator ids and periods),
//! so every value the document allows is one the server accepts. Rules between parameters
//! that OpenAPI 3.0 cannot express (a period belongs to its indicator, `breaks` goes with
//! `method=manual`, indicator tiles need the clusters layer, x and y must lie inside the
//! 2^z grid, bbox west ≤ east) are stated in the descriptions.

use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::{OpenApi, ToSchema};

use super::features::{filterable, DEFAULT_LIMIT, MAX_LIMIT};
use crate::catalog::indicators::{IndicatorCatalog, Level};
use crate::catalog::{FieldType, LayerId, MAX_SERVED_ZOOM, WIMD_DOMAINS};
use crate::classify::{Method, MAX_CLASSES, MIN_CLASSES};
use crate::palette;
use crate::style::legend::MapKind;

/// The media type of this document.
pub const OPENAPI_CONTENT_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// What the document lists from the loaded data: indicator ids, every period, and an
/// example area code per collection.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Indicator ids, catalogue order.
    pub indicators: Vec<String>,
    /// The indicators with LSOA values (the WIMD ones), which `lsoa` items can carry.
    pub lsoa_indicators: Vec<String>,
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
            lsoa_indicators: catalog
                .indicators
                .iter()
                .filter(|i| i.levels.contains(&Level::Lsoa))
                .map(|i| i.id.clone())
                .collect(),
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
            confidence_level(),
        ]
    }
}

/// `level`: the confidence level of intervals and significance.
fn confidence_level() -> Value {
    query(
        "level",
        "Confidence level of intervals and significance: 95 (default) or 99.8",
        json!({"type": "string", "enum": ["95", "99.8"], "default": "95"}),
    )
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
            &format!("Page size; a larger value is capped at {MAX_LIMIT} (Features Part 1), not refused"),
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
    p.push(bom());
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
    p.extend(crs_parameters(true));
    p.extend(filter_parameters());
    // The 2021 LSOAs carry no indicator values (the WIMD indicators are on 2011 LSOAs).
    if layer != LayerId::Lsoa21 {
        p.push(indicator_param(layer, ip));
        p.push(ip.period());
        p.extend(ip.classification());
    }
    p
}

/// `indicator` on a collection's items: LSOAs carry only the indicators with LSOA values
/// (the WIMD ones; others are a 400 there).
fn indicator_param(layer: LayerId, ip: &IndicatorParams<'_>) -> Value {
    if layer == LayerId::Lsoa {
        query(
            "indicator",
            "Indicator id with LSOA values (see /indicators, levels)",
            one_of(&ip.v.lsoa_indicators),
        )
    } else {
        ip.indicator(false)
    }
}

/// The names of a collection's items (`paged`) or download parameters: what the handlers
/// accept, and nothing else (Features Part 1, query-param-unknown).
pub fn items_parameter_names(layer: LayerId, paged: bool) -> Vec<String> {
    let v = Vocabulary::default();
    let ip = IndicatorParams { v: &v };
    names(&items_parameters(layer, &ip, paged))
}

/// The names of a single feature's parameters.
pub fn item_parameter_names() -> Vec<String> {
    let v = Vocabulary::default();
    let ip = IndicatorParams { v: &v };
    names(&item_parameters(LayerId::Clusters, &ip))
}

fn names(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

fn crs_uris() -> Value {
    json!({"type": "string", "format": "uri", "enum": super::crs::Crs::uris(), "default": super::CRS84})
}

/// `crs` (and with `bbox`, `bbox-crs`): Features Part 2.
fn crs_parameters(bbox: bool) -> Vec<Value> {
    let mut p = vec![query(
        "crs",
        "CRS of the answer's geometry (Features Part 2); EPSG:4326 in its own axis order (lat, lon); the Content-Crs header says which",
        crs_uris(),
    )];
    if bbox {
        p.push(query(
            "bbox-crs",
            "CRS of bbox (default CRS84); in EPSG:27700 and EPSG:3857 bbox is min x, min y, max x, max y in metres; in EPSG:4326 south, west, north, east",
            crs_uris(),
        ));
    }
    p
}

/// `filter` and `filter-lang` on tiles: the lsoa and clusters layers draw only the
/// features that match (health boards stay as context).
fn tile_filter_parameters() -> Vec<Value> {
    let mut p = filter_parameters();
    p.truncate(2);
    p[0]["description"] = json!(format!(
        "CQL2 filter on the lsoa and clusters layers of the tile (each checked against its collection's queryables; health boards are drawn unfiltered), e.g. wimd_quintile = 1. At most {} characters.",
        crate::cql2::MAX_LENGTH
    ));
    p
}

/// `filter`, `filter-lang`, `filter-crs`: Features Part 3 with CQL2.
fn filter_parameters() -> Vec<Value> {
    vec![
        query(
            "filter",
            &format!(
                "CQL2 filter on the collection's queryables (see /collections/{{collectionId}}/queryables): comparisons, AND/OR/NOT, LIKE, BETWEEN, IN, IS NULL, S_INTERSECTS(geometry, POINT|BBOX|POLYGON in CRS84), e.g. wimd_quintile = 1 AND hb_code = 'W11000028'. At most {} characters, nested at most {} deep.",
                crate::cql2::MAX_LENGTH,
                crate::cql2::MAX_DEPTH
            ),
            json!({"type": "string", "maxLength": crate::cql2::MAX_LENGTH}),
        ),
        query(
            "filter-lang",
            "Language of filter",
            json!({"type": "string", "enum": crate::cql2::Lang::ALL, "default": "cql2-text"}),
        ),
        query(
            "filter-crs",
            "CRS of the filter's geometries: CRS84 only",
            json!({"type": "string", "enum": [super::CRS84], "default": super::CRS84}),
        ),
    ]
}

/// A single feature's query parameters.
fn item_parameters(layer: LayerId, ip: &IndicatorParams<'_>) -> Vec<Value> {
    let mut params = vec![
        query(
            "f",
            "Output format: GeoJSON (default unless the Accept header prefers text/html) or an HTML page",
            json!({"type": "string", "enum": ["json", "html"]}),
        ),
        lang(),
    ];
    params.extend(crs_parameters(false));
    if layer != LayerId::Lsoa21 {
        params.push(indicator_param(layer, ip));
        params.push(ip.period());
        params.extend(ip.classification());
    }
    params
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

// ---------------------------------------------------------------------------------------
// The post-processing step. utoipa generates the document from the handlers' annotations
// (paths, summaries, path parameters, responses and their schemas); what it cannot know
// statically is added here, and nothing else:
//   1. templates routed once but documented per value: `/collections/{collectionId}/items`
//      and `/{featureId}` and `/downloads/{file}` per collection (each with its own typed
//      filters), `/styles/{file}` and `/legends/{file}` per map kind and format, the two
//      `/profiles/{area}/{chart}` charts;
//   2. parameter groups read from tables: indicator, period and classification options,
//      tile z/x/y ranges;
//   3. enums from the loaded data (indicator ids, periods, area codes) and from the
//      catalogue (layer lists, collections, domains, methods, palettes).
// ---------------------------------------------------------------------------------------

/// The generated document, finished for this server (`base`) and the loaded data.
pub fn finish(mut doc: Value, base: &str, vocabulary: &Vocabulary) -> Value {
    let ip = IndicatorParams { v: vocabulary };
    doc["servers"] = json!([{"url": base}]);
    doc["info"]["description"] = json!("Vector tiles, OGC API Features and Tiles, styles, legends and downloads for Wales's NHS primary care clusters. Every known query parameter is checked, and a bad one is a 400 with a JSON error naming the allowed values. On the OGC API endpoints (landing page, conformance, collections, queryables, items, downloads) a parameter not listed here is a 400 (`query_param_unknown`); tiles, styles and legends ignore unknown ones (cache-busting). OGC endpoints answer JSON unless the Accept header prefers text/html (or f=html).");
    doc["info"]["license"] = json!({"name": "Data: Open Government Licence v3.0", "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"});
    let paths = match doc["paths"].take() {
        Value::Object(paths) => paths,
        _ => Map::new(),
    };
    let mut out = Map::new();
    for (route, mut item) in paths {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut())
        {
            tidy_parameters(op);
        }
        for (route, item) in expand(&route, item, &ip) {
            out.insert(route, item);
        }
    }
    doc["paths"] = Value::Object(out);
    doc
}

/// The operation's parameter list, if it has one (indexing a `Value` mutably would add a
/// `null` one).
fn parameters(op: &mut Value) -> impl Iterator<Item = &mut Value> {
    op.get_mut("parameters")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

/// utoipa marks optional query parameters `nullable`, which a query string cannot be; the
/// fixed lists of the catalogue become enums.
fn tidy_parameters(op: &mut Value) {
    for p in parameters(op) {
        if let Some(schema) = p["schema"].as_object_mut() {
            schema.remove("nullable");
        }
        let schema = match p["name"].as_str().unwrap_or("") {
            "lang" => json!({"type": "string", "enum": ["en", "cy"]}),
            "domain" => domain_schema(),
            "vintage" => vintage_schema(),
            "format" => json!({"type": "string", "enum": ["json", "csv"]}),
            "level" => json!({"type": "string", "enum": ["95", "99.8"], "default": "95"}),
            "bom" => json!({"type": "string", "enum": ["true", "false"], "default": "true"}),
            "f" => json!({"type": "string", "enum": ["json", "html"]}),
            "encoding" => json!({"type": "string", "enum": ["mvt", "mlt"], "default": "mvt"}),
            "collectionId" => collection_id()["schema"].clone(),
            _ => continue,
        };
        p["schema"] = schema;
    }
}

fn operation(item: &Value) -> Value {
    item["get"].clone()
}

fn set_param(op: &mut Value, name: &str, schema: Value) {
    for p in parameters(op) {
        if p["name"] == name {
            p["schema"] = schema.clone();
        }
    }
}

fn push_params(op: &mut Value, extra: Vec<Value>) {
    if !op["parameters"].is_array() {
        op["parameters"] = json!([]);
    }
    if let Some(list) = op["parameters"].as_array_mut() {
        list.extend(extra);
    }
}

/// Keeps only `media` (with its schema) in the 200 response.
fn only_media(op: &mut Value, media: &str) {
    if let Some(content) = op["responses"]["200"]["content"].as_object_mut() {
        content.retain(|k, _| k == media);
    }
}

fn drop_status(op: &mut Value, status: &str) {
    if let Some(r) = op["responses"].as_object_mut() {
        r.remove(status);
    }
}

fn get(op: Value) -> Value {
    json!({ "get": op })
}

/// One generated path item becomes the documented paths it stands for.
fn expand(route: &str, item: Value, ip: &IndicatorParams<'_>) -> Vec<(String, Value)> {
    let v = ip.v;
    let max_index = (1u64 << MAX_SERVED_ZOOM) - 1;
    let zoom = json!({"type": "integer", "minimum": 0, "maximum": MAX_SERVED_ZOOM});
    let index = json!({"type": "integer", "minimum": 0, "maximum": max_index});
    let lists = layer_lists();
    let area = || one_of(&v.areas);
    match route {
        "/collections/{collectionId}/items" => LayerId::ALL
            .iter()
            .map(|&layer| {
                let id = layer.as_str();
                let mut op = operation(&item);
                op["summary"] = json!(format!(
                    "Features of {id} (GeoJSON, CSV or HTML), paged and filtered{}",
                    match layer {
                        LayerId::Lsoa => ", optionally with a WIMD indicator's values",
                        LayerId::Lsoa21 => "",
                        _ => ", optionally with an indicator's values",
                    }
                ));
                op["operationId"] = json!(format!("items_{id}"));
                op["parameters"] = json!(items_parameters(layer, ip, true));
                (format!("/collections/{id}/items"), get(op))
            })
            .collect(),
        "/collections/{collectionId}/items/{featureId}" => LayerId::ALL
            .iter()
            .map(|&layer| {
                let id = layer.as_str();
                let mut op = operation(&item);
                op["summary"] = json!(format!("One {id} feature by code"));
                op["operationId"] = json!(format!("item_{id}"));
                let mut feature_id = path("featureId", "Area code", json!({"type": "string"}));
                let example = match layer {
                    LayerId::Lsoa => Some("W01000240".to_owned()),
                    _ => v.examples.iter().find(|(l, _)| *l == layer).map(|(_, c)| c.clone()),
                };
                if let Some(code) = example {
                    feature_id["example"] = json!(code);
                }
                let mut params = vec![feature_id];
                params.extend(item_parameters(layer, ip));
                op["parameters"] = json!(params);
                (format!("/collections/{id}/items/{{featureId}}"), get(op))
            })
            .collect(),
        "/downloads/{file}" => LayerId::ALL
            .iter()
            .flat_map(|&layer| {
                DOWNLOADS.map(|(ext, media)| {
                    let id = layer.as_str();
                    let mut op = operation(&item);
                    op["summary"] = json!(format!("The whole {id} collection in one file, with the same filters and options as its items"));
                    op["operationId"] = json!(format!("download_{id}_{ext}"));
                    op["parameters"] = json!(items_parameters(layer, ip, false));
                    only_media(&mut op, media);
                    (format!("/downloads/{id}.{ext}"), get(op))
                })
            })
            .collect(),
        "/styles/{file}" | "/legends/{file}" => {
            let styles = route.starts_with("/styles");
            let formats: [(&str, &str, &str); 2] = if styles {
                [("json", "application/json", "MapLibre style v8"), ("sld", "application/vnd.ogc.sld+xml", "SLD 1.1 for QGIS")]
            } else {
                [("json", "application/json", "Legend"), ("svg", "image/svg+xml", "Legend as accessible SVG")]
            };
            let prefix = if styles { "styles" } else { "legends" };
            MapKind::ALL
                .iter()
                .flat_map(|&kind| {
                    formats.map(|(ext, media, title)| {
                        let name = kind.as_str();
                        let mut op = operation(&item);
                        op["summary"] = json!(format!("{title}: {name}"));
                        op["operationId"] = json!(format!("{prefix}_{name}_{ext}"));
                        op["parameters"] = json!(map_kind_parameters(kind, ip));
                        only_media(&mut op, media);
                        if kind != MapKind::Indicator {
                            drop_status(&mut op, "422");
                        }
                        (format!("/{prefix}/{name}.{ext}"), get(op))
                    })
                })
                .collect()
        }
        "/profiles/{area}/{chart}" => [
            ("pyramid.svg", Some(vec!["mid-2024", "mid-2020", "mid-2019"]), false, "Population pyramid as accessible SVG (mid-2024 by sex; mid-2019/2020 persons only)"),
            ("deprivation.svg", Some(vec!["mid-2020", "mid-2019"]), false, "Residents and LSOAs by WIMD 2019 quintile as an accessible SVG bar"),
            ("spine.svg", None, false, "Spine chart: each indicator's value against the range of all Welsh clusters, with the board and Wales"),
            ("trend.svg", None, true, "An indicator's value in every period, with intervals and Wales, and the significance of the latest change where counts allow (404 with fewer than two periods)"),
        ]
        .into_iter()
        .map(|(chart, periods, needs_indicator, summary)| {
            let mut op = operation(&item);
            op["summary"] = json!(summary);
            op["operationId"] = json!(format!("profile_{}", chart.replace('.', "_")));
            if let Some(list) = op["parameters"].as_array_mut() {
                list.retain(|p| {
                    p["name"] != "chart"
                        && (periods.is_some() || p["name"] != "period")
                        // The population charts have no intervals, so no level.
                        && (periods.is_none() || p["name"] != "level")
                        && (needs_indicator || p["name"] != "indicator")
                });
            }
            set_param(&mut op, "area", area());
            if let Some(periods) = periods {
                set_param(&mut op, "period", json!({"type": "string", "enum": periods}));
            }
            if needs_indicator {
                for p in parameters(&mut op) {
                    if p["name"] == "indicator" {
                        p["required"] = json!(true);
                        p["schema"] = one_of(&v.indicators);
                    }
                }
            }
            (format!("/profiles/{{area}}/{chart}"), get(op))
        })
        .collect(),
        "/summary/{area}" => {
            let mut op = operation(&item);
            let mut areas: Vec<String> = Vec::new();
            for a in v.areas.iter().filter(|a| *a == "wales" || a.starts_with("W11")) {
                areas.push(a.clone());
                for ext in ["json", "csv", "svg", "html"] {
                    areas.push(format!("{a}.{ext}"));
                }
            }
            set_param(&mut op, "area", one_of(&areas));
            set_param(&mut op, "format", json!({"type": "string", "enum": ["json", "csv", "svg", "html"]}));
            push_params(&mut op, vec![bom()]);
            vec![(route.to_owned(), get(op))]
        }
        _ => {
            let mut item = item;
            let Some(op) = item.get_mut("get") else {
                return vec![(route.to_owned(), item)];
            };
            match route {
                "/tiles/{layers}/{z}/{x}/{y}" => {
                    set_param(op, "layers", json!({"type": "string", "enum": lists}));
                    set_param(op, "z", zoom);
                    set_param(op, "x", index.clone());
                    set_param(op, "y", json!({"anyOf": [index, {"type": "string", "pattern": "^[0-9]{1,7}\\.(pbf|mvt)$"}]}));
                    push_params(op, tile_indicator_parameters(ip));
                    push_params(op, tile_filter_parameters());
                }
                "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}" => {
                    set_param(op, "tileMatrix", zoom);
                    set_param(op, "tileRow", index.clone());
                    set_param(op, "tileCol", index);
                    push_params(op, tile_indicator_parameters(ip));
                    push_params(op, tile_filter_parameters());
                }
                "/tiles/{layers}" => {
                    let with_json: Vec<String> = lists.iter().flat_map(|l| [l.clone(), format!("{l}.json")]).collect();
                    set_param(op, "layers", json!({"type": "string", "enum": with_json}));
                    push_params(op, tile_indicator_parameters(ip));
                }
                "/data/{indicator}" => {
                    let mut with_ext = v.indicators.clone();
                    for id in &v.indicators {
                        with_ext.push(format!("{id}.csv"));
                        with_ext.push(format!("{id}.json"));
                    }
                    set_param(op, "indicator", one_of(&with_ext));
                    let mut extra = vec![ip.period()];
                    extra.extend(ip.classification());
                    extra.push(bom());
                    push_params(op, extra);
                }
                "/findings/{indicator}" => {
                    set_param(op, "indicator", one_of(&v.indicators));
                    push_params(op, vec![ip.period(), confidence_level()]);
                }
                "/profiles/{area}" => set_param(op, "area", area()),
                _ => {}
            }
            vec![(route.to_owned(), item)]
        }
    }
}

/// The download formats: extension and media type.
pub const DOWNLOADS: [(&str, &str); 4] = [
    ("geojson", "application/geo+json"),
    ("csv", "text/csv"),
    ("gpkg", super::gdal_download::GPKG_CONTENT_TYPE),
    ("fgb", super::gdal_download::FGB_CONTENT_TYPE),
];

/// `bom` on CSV downloads.
fn bom() -> Value {
    query(
        "bom",
        "CSV only: start with a UTF-8 byte order mark (for Excel); false for scripts",
        json!({"type": "string", "enum": ["true", "false"], "default": "true"}),
    )
}

/// The query parameters of a style or legend of one map kind.
fn map_kind_parameters(kind: MapKind, ip: &IndicatorParams<'_>) -> Vec<Value> {
    let mut p = match kind {
        MapKind::Deprivation => vec![
            query(
                "domain",
                "WIMD domain (default overall)",
                domain_schema(),
            ),
            query(
                "vintage",
                "WIMD edition: 2025 (2021 LSOAs, the current index: overall index only; domains are 2019) or 2019 (2011 LSOAs, overall and eight domains). Default: 2025 for the overall index, 2019 for a domain",
                vintage_schema(),
            ),
        ],
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
            confidence_level(),
        ],
    };
    p.push(lang());
    p
}

// ---------------------------------------------------------------------------------------
// The OGC API's response shapes (the handlers build them with `json!`) and its paths.
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

/// The OGC API routes.
#[derive(OpenApi)]
#[openapi(
    paths(
        super::landing,
        super::conformance,
        super::collections,
        super::collection,
        super::queryables,
        super::items,
        super::item,
        super::download,
        super::tile_matrix_sets,
        super::web_mercator_quad,
        super::collection_tilesets,
        super::collection_tileset,
        super::collection_tile,
    ),
    components(schemas(
        Link,
        Landing,
        Conformance,
        Collection,
        Collections,
        Feature,
        FeatureCollection,
        TileMatrixSets,
        TileMatrixSet,
        Tilesets,
        Tileset,
        TileMatrixLimits,
    ))
)]
pub struct OgcDoc;

/// Every layer list a tile URL can name: `wales`, and each ordered list of distinct layers.
fn layer_lists() -> Vec<String> {
    let ids: Vec<&str> = LayerId::TILES.iter().map(|l| l.as_str()).collect();
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

fn vintage_schema() -> Value {
    json!({"type": "string", "enum": crate::catalog::WimdVintage::ALL.map(|v| v.as_str())})
}

fn domain_schema() -> Value {
    json!({"type": "string", "enum": strings(std::iter::once("overall").chain(WIMD_DOMAINS.iter().map(|d| d.id)))})
}
