//! The OpenAPI 3.0 description of the whole HTTP API, served at `/api`: [`finish`], the
//! step that completes the document utoipa generates from every face's handlers (assembled
//! in `server`), with the per-collection and per-map-kind paths and the loaded data's enums.
//!
//! What `finish` adds comes from the same tables the handlers check against (collections and their filterable
//! fields, methods, palettes, domains and, from the loaded data, indicator ids and periods),
//! so every value the document allows is one the server accepts. Rules between parameters
//! that OpenAPI 3.0 cannot express (a period belongs to its indicator, `breaks` goes with
//! `method=manual`, indicator tiles need the clusters layer, x and y must lie inside the
//! 2^z grid, bbox west ≤ east) are stated in the descriptions.

use serde_json::{json, Map, Value};

use crate::catalog::indicators::{AreaLevel, IndicatorCatalog};
use crate::catalog::{FieldType, LayerId, MAX_SERVED_ZOOM, WIMD_DOMAINS};
use crate::ogc::doc::DOWNLOADS;
use crate::ogc::request::filterable;
use crate::params::{IndicatorOptions, QueryRequest};
use crate::style::legend::MapKind;
use crate::style::{StyleEncodingQuery, StyleRequest};

use crate::ogc::request::{DownloadRequest, ItemRequest, ItemsRequest};

/// What the document lists from the loaded data: indicator ids, every period, and an
/// example area code per collection.
#[derive(Debug, Clone, Default)]
pub struct DataEnums {
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

impl DataEnums {
    /// The vocabulary of a loaded catalogue.
    pub fn of(catalog: &IndicatorCatalog) -> DataEnums {
        let first = |level: AreaLevel| {
            catalog
                .areas
                .values()
                .find(|a| a.level == level)
                .map(|a| a.code.clone())
        };
        let mut examples = Vec::new();
        if let Some(code) = first(AreaLevel::Cluster) {
            examples.push((LayerId::Clusters, code));
        }
        if let Some(code) = first(AreaLevel::HealthBoard) {
            examples.push((LayerId::HealthBoards, code));
        }
        let mut areas = vec!["wales".to_owned()];
        areas.extend(catalog.areas.keys().cloned());
        DataEnums {
            indicators: catalog.indicators.iter().map(|i| i.id.clone()).collect(),
            lsoa_indicators: catalog
                .indicators
                .iter()
                .filter(|i| i.levels.contains(&AreaLevel::Lsoa))
                .map(|i| i.id.clone())
                .collect(),
            periods: catalog.all_periods(),
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

fn path(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

/// A request type's parameters with the loaded data's enums: indicator ids (`indicators`,
/// the ones this route can carry) and periods.
fn with_data_enums(mut list: Vec<Value>, v: &DataEnums, indicators: &[String]) -> Vec<Value> {
    for p in list.iter_mut() {
        data_enum(p, v, indicators);
    }
    list
}

/// The loaded data's enum on one query parameter, if it takes one.
fn data_enum(p: &mut Value, v: &DataEnums, indicators: &[String]) {
    match p["name"].as_str() {
        Some("indicator") => p["schema"] = one_of(indicators),
        Some("period") => p["schema"] = one_of(&v.periods),
        _ => {}
    }
}

/// The 2021 LSOAs carry no indicator values (the WIMD indicators are on 2011 LSOAs), so
/// their items take no indicator options.
fn without_indicator_options(list: &mut Vec<Value>) {
    let options: Vec<&str> = IndicatorOptions::names();
    list.retain(|p| !p["name"].as_str().is_some_and(|n| options.contains(&n)));
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

/// The parameters of one collection's items (`R` = [`ItemsRequest`]), download
/// ([`DownloadRequest`]) or single feature ([`ItemRequest`]): the request type's own, its
/// property filters (not for a single feature), and the indicators it can carry (LSOAs:
/// only those with LSOA values; 2021 LSOAs: none).
fn collection_parameters<R: QueryRequest>(
    layer: LayerId,
    v: &DataEnums,
    filters: bool,
) -> Vec<Value> {
    let indicators = if layer == LayerId::Lsoa {
        &v.lsoa_indicators
    } else {
        &v.indicators
    };
    let mut p = with_data_enums(R::parameters(), v, indicators);
    if layer == LayerId::Lsoa21 {
        without_indicator_options(&mut p);
    }
    if filters {
        let mut names = filterable(layer);
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, column, kind) in names {
            let description = if name == column {
                format!("Filter: features whose `{column}` equals this value")
            } else {
                format!("Filter: features whose `{column}` equals this value (alias)")
            };
            p.push(query(&name, &description, field_schema(kind)));
        }
    }
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
pub fn finish(mut doc: Value, base: &str, enums: &DataEnums) -> Value {
    let v = enums;
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
        for (route, item) in expand(&route, item, v) {
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
fn expand(route: &str, item: Value, v: &DataEnums) -> Vec<(String, Value)> {
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
                op["parameters"] = json!(collection_parameters::<ItemsRequest>(layer, v, true));
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
                params.extend(collection_parameters::<ItemRequest>(layer, v, false));
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
                    op["parameters"] = json!(collection_parameters::<DownloadRequest>(layer, v, true));
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
                        let mut params = StyleRequest::parameters(kind);
                        if styles && ext == "json" {
                            params.extend(StyleEncodingQuery::parameters());
                        }
                        op["parameters"] = json!(with_data_enums(params, v, &v.indicators));
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
                    tidy_data_enums(op, v);
                }
                "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}" => {
                    set_param(op, "tileMatrix", zoom);
                    set_param(op, "tileRow", index.clone());
                    set_param(op, "tileCol", index);
                    tidy_data_enums(op, v);
                }
                "/tiles/{layers}" => {
                    let with_json: Vec<String> = lists.iter().flat_map(|l| [l.clone(), format!("{l}.json")]).collect();
                    set_param(op, "layers", json!({"type": "string", "enum": with_json}));
                    tidy_data_enums(op, v);
                }
                "/data/{indicator}" => {
                    let mut with_ext = v.indicators.clone();
                    for id in &v.indicators {
                        with_ext.push(format!("{id}.csv"));
                        with_ext.push(format!("{id}.json"));
                    }
                    set_param(op, "indicator", one_of(&with_ext));
                    tidy_data_enums(op, v);
                }
                "/findings/{indicator}" => {
                    set_param(op, "indicator", one_of(&v.indicators));
                    tidy_data_enums(op, v);
                }
                "/profiles/{area}" => set_param(op, "area", area()),
                _ => {}
            }
            vec![(route.to_owned(), item)]
        }
    }
}

/// The loaded data's enums on a generated operation's query parameters.
fn tidy_data_enums(op: &mut Value, v: &DataEnums) {
    for p in parameters(op) {
        if p["in"] == "query" {
            data_enum(p, v, &v.indicators);
        }
    }
}

fn collection_id() -> Value {
    path(
        "collectionId",
        "Collection",
        json!({"type": "string", "enum": strings(LayerId::ALL.iter().map(|l| l.as_str()))}),
    )
}

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
