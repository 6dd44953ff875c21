//! The OpenAPI document and the router agree: every route the server has is documented,
//! and every documented path is routed (a probe with sample values does not reach the
//! fallback's 404). Adding a route to `server::routes()` (or `tile_routes()`) without documenting it fails here.
//!
//! And the document and the bodies agree: every JSON 200 of every documented GET, asked
//! for with real values, validates against its documented schema (objects closed: a field
//! the schema does not list is a violation), and every documented property is sent by
//! some answer.

mod common;

use common::{get, loaded_pool, send};
use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

const DB: &str = "openapi";

/// Whether an axum template (`/styles/{file}`, `/static/{*path}`) covers a documented
/// path (`/styles/indicator.json`, `/static/{path}`): a `{…}` segment of the template
/// matches any one segment, a `{*…}` the rest.
fn covers(template: &str, documented: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let d: Vec<&str> = documented.split('/').collect();
    for (i, seg) in t.iter().enumerate() {
        if seg.starts_with("{*") {
            return d.len() > i;
        }
        match d.get(i) {
            None => return false,
            Some(other) if !(seg.starts_with('{') || seg == other) => return false,
            _ => {}
        }
    }
    t.len() == d.len()
}

/// A sample value for a path parameter: its example, its first enum value, else one that
/// the handler knows.
fn sample(param: &Value) -> String {
    if let Some(example) = param["example"].as_str() {
        return example.to_owned();
    }
    if let Some(first) = param["schema"]["enum"].get(0) {
        return first
            .as_str()
            .map(str::to_owned)
            .unwrap_or(first.to_string());
    }
    match param["name"].as_str().unwrap_or("") {
        "z" | "x" | "y" | "tileMatrix" | "tileRow" | "tileCol" => "0".into(),
        "path" => "map.css".into(),
        "featureId" => "W01000240".into(),
        other => panic!("no sample for path parameter {other}"),
    }
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn every_route_is_documented_and_every_documented_path_is_routed() {
    let pool = loaded_pool(DB).await;
    let api = get(&pool, "/api").await.json();
    assert_eq!(api["openapi"], "3.0.3");
    let paths = api["paths"].as_object().unwrap();

    // Every schema reference names a schema of the document (utoipa writes a reference
    // from the type's name as spelled in the annotation).
    let text = api.to_string();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let name = reference.split('"').next().unwrap();
        let name = name.strip_prefix("#/components/schemas/").unwrap_or(name);
        assert!(
            api["components"]["schemas"].get(name).is_some(),
            "dangling $ref {name}"
        );
    }

    // Router → document.
    let templates = cluster_atlas::server::route_templates();
    for (method, template) in &templates {
        if cluster_atlas::server::UNDOCUMENTED_ROUTES.contains(&(*method, *template)) {
            continue;
        }
        assert!(
            paths
                .iter()
                .any(|(p, item)| covers(template, p) && item.get(*method).is_some()),
            "{} {template} is routed but not in /api",
            method.to_uppercase()
        );
    }

    // Document → router.
    let state = cluster_atlas::server::AppState::new(pool.clone(), None);
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                templates
                    .iter()
                    .any(|(m, t)| m == method && covers(t, path)),
                "{} {path} is in /api but no route template covers it",
                method.to_uppercase()
            );
            assert!(
                op.get("parameters").is_none_or(Value::is_array),
                "{path}: parameters must be a list"
            );
            let mut uri = path.clone();
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap();
                    // Examples are values (`Noto Sans Regular`); a URI needs them encoded.
                    uri = uri.replace(&format!("{{{name}}}"), &sample(p).replace(' ', "%20"));
                }
            }
            let reply = send(&state, &method.to_uppercase(), &uri, &[]).await;
            if reply.status == 404 {
                // The fallback names the whole path; a handler's own 404 (admin routes
                // without a token) names less.
                let message = reply.json()["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                assert!(
                    !message.ends_with(&uri),
                    "{method} {uri} (documented as {path}) reached the fallback: {message}"
                );
            }
            let status = reply.status.as_u16().to_string();
            assert!(
                op["responses"].get(&status).is_some(),
                "{method} {uri}: status {status} is not documented"
            );
        }
    }
}

/// The API viewer page loads its script and styles from the binary, with no CDN.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn api_viewer_is_served_without_a_cdn() {
    let pool = loaded_pool(DB).await;
    let page = get(&pool, "/api.html").await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"));
    for asset in [
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/api.js",
    ] {
        assert!(html.contains(&asset[1..]), "{asset}");
        assert_eq!(get(&pool, asset).await.status, 200, "{asset}");
    }
}

// ---------------------------------------------------------------------------------------
// Every JSON 200 of every documented route against the schema `/api` gives it. Many
// response types are described, never built (the handlers assemble `json!`), so only this
// keeps the document and the bodies in step.
// ---------------------------------------------------------------------------------------

/// Documented JSON routes this test does not request, and why. Empty: every one is
/// requested; an entry here that is no longer documented fails the test too.
const UNVALIDATED: &[(&str, &str)] = &[];

/// Documented properties (`Schema.property`) that none of this test's requests sees, and
/// why. Empty; an entry that is sent after all, or no longer documented, fails the test.
const NEVER_SENT_HERE: &[(&str, &str)] = &[];

/// A media type without its parameters (`application/vnd.oai.openapi+json`).
fn essence(media: &str) -> &str {
    media.split(';').next().unwrap_or("").trim()
}

/// Whether a media type is JSON: `application/json` and every `…+json`.
fn is_json(media: &str) -> bool {
    essence(media).ends_with("json")
}

/// An OpenAPI 3.0 schema object as JSON Schema 2020-12: `nullable` becomes a type (or an
/// `anyOf`) that allows null, boolean exclusive bounds become numeric ones, references to
/// `#/components/schemas/…` point into `$defs`, and the keywords 3.0 has and JSON Schema
/// lacks (`example`, `xml`, …) go. Recursion follows only schema-valued keywords, so a
/// property that happens to be called `nullable` or `type` is left alone.
///
/// Stricter than OpenAPI in one way: an object schema that lists its properties is closed
/// (`additionalProperties: false` unless it says otherwise). Open, a field a handler added
/// or renamed would pass unseen, and that is the drift this test is for; an object that is
/// really free-form is documented without properties (`Object`), and stays open.
fn to_json_schema(schema: &Value) -> Value {
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        let converted = match key.as_str() {
            "$ref" => json!(value
                .as_str()
                .unwrap_or_default()
                .replace("#/components/schemas/", "#/$defs/")),
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, s)| (name.clone(), to_json_schema(s)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(to_json_schema)
                    .collect(),
            ),
            "nullable" | "example" | "discriminator" | "xml" | "externalDocs" | "readOnly"
            | "writeOnly" | "deprecated" | "exclusiveMinimum" | "exclusiveMaximum" => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if out.contains_key("properties") && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if object.get(flag) == Some(&Value::Bool(true)) {
            if let Some(b) = out.remove(bound) {
                out.insert(flag.to_owned(), b);
            }
        }
    }
    if object.get("nullable") == Some(&Value::Bool(true)) {
        match out.get("type").cloned() {
            Some(Value::String(t)) => {
                out.insert("type".to_owned(), json!([t, "null"]));
                if let Some(list) = out.get_mut("enum").and_then(Value::as_array_mut) {
                    list.push(Value::Null);
                }
            }
            // A reference or a composition: null is one more alternative.
            _ => return json!({"anyOf": [Value::Object(out), {"type": "null"}]}),
        }
    }
    Value::Object(out)
}

/// The document's components as JSON Schema, for `$defs`.
fn definitions(api: &Value) -> Map<String, Value> {
    api["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| (name.clone(), to_json_schema(s)))
        .collect()
}

/// A validator for one documented schema, with the document's components as `$defs`.
fn validator(api: &Value, schema: &Value) -> jsonschema::Validator {
    let defs = definitions(api);
    let mut root = match to_json_schema(schema) {
        Value::Object(root) => root,
        other => panic!("a response schema that is not an object: {other}"),
    };
    root.insert("$defs".into(), Value::Object(defs));
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    jsonschema::draft202012::new(&Value::Object(root))
        .unwrap_or_else(|e| panic!("schema {schema} does not compile: {e}"))
}

/// Every way `body` breaks the schema, as `JSON pointer: message`.
fn violations(validator: &jsonschema::Validator, body: &Value) -> Vec<String> {
    validator
        .iter_errors(body)
        .map(|e| {
            let mut message = e.to_string();
            if message.len() > 400 {
                let cut = (0..=400)
                    .rev()
                    .find(|&i| message.is_char_boundary(i))
                    .unwrap_or(0);
                message.truncate(cut);
                message.push('…');
            }
            let pointer = e.instance_path().to_string();
            format!(
                "{}: {message}",
                if pointer.is_empty() { "/" } else { &pointer }
            )
        })
        .collect()
}

/// Notes in `sent` each documented property `body` carries, as `Schema.property` (an
/// inline object's as `Schema.property.inner`, an array's items' as `Schema.list[].inner`),
/// and in `reached` each component schema it passes through.
fn record_sent(
    schema: &Value,
    defs: &Map<String, Value>,
    body: &Value,
    at: &str,
    sent: &mut BTreeSet<String>,
    reached: &mut BTreeSet<String>,
) {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        reached.insert(name.to_owned());
        return record_sent(&defs[name], defs, body, name, sent, reached);
    }
    for keyword in ["allOf", "anyOf", "oneOf"] {
        for branch in schema[keyword].as_array().into_iter().flatten() {
            record_sent(branch, defs, body, at, sent, reached);
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), body.as_object()) {
        for (name, inner) in properties {
            if let Some(value) = object.get(name) {
                let here = format!("{at}.{name}");
                record_sent(inner, defs, value, &here, sent, reached);
                sent.insert(here);
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), body.as_array()) {
        let here = format!("{at}[]");
        for value in list {
            record_sent(items, defs, value, &here, sent, reached);
        }
    }
}

/// Every property a schema documents, named as [`record_sent`] names them (references
/// are not followed: each component is listed under its own name).
fn documented_properties(schema: &Value, at: &str, out: &mut BTreeSet<String>) {
    for keyword in ["allOf", "anyOf", "oneOf"] {
        for branch in schema[keyword].as_array().into_iter().flatten() {
            documented_properties(branch, at, out);
        }
    }
    for (name, inner) in schema["properties"].as_object().into_iter().flatten() {
        let here = format!("{at}.{name}");
        documented_properties(inner, &here, out);
        out.insert(here);
    }
    if let Some(items) = schema.get("items") {
        documented_properties(items, &format!("{at}[]"), out);
    }
}

/// What failed, grouped: one line per documented route and kind of violation (array
/// indices in the pointer read as `N`), with the first request that showed it and how
/// many times it was seen, so 70 rows with the same fault are one line, not 70.
#[derive(Default)]
struct Failures(std::collections::BTreeMap<String, (String, usize)>);

impl Failures {
    fn add(&mut self, path: &str, uri: &str, problem: &str) {
        let kind: String = problem
            .split('/')
            .map(|seg| match seg.split_once(':') {
                Some((n, rest)) if n.parse::<u64>().is_ok() => format!("N:{rest}"),
                _ if seg.parse::<u64>().is_ok() => "N".to_owned(),
                _ => seg.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        let entry = self
            .0
            .entry(format!("{path} {kind}"))
            .or_insert_with(|| (format!("{path}: GET {uri}: {problem}"), 0));
        entry.1 += 1;
    }

    fn report(&self) -> String {
        self.0
            .values()
            .map(|(first, n)| {
                if *n > 1 {
                    format!("{first} (seen {n} times)")
                } else {
                    first.clone()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Real values for path parameters, read from the loaded data.
struct Samples {
    collections: Vec<String>,
    /// A feature id of each collection.
    features: Vec<(String, String)>,
    indicators: Vec<String>,
    /// `wales`, a health board and a cluster.
    areas: Vec<String>,
}

impl Samples {
    async fn read(state: &cluster_atlas::server::AppState) -> Samples {
        let json = |uri: &'static str| async move {
            let reply = send(state, "GET", uri, &[]).await;
            assert_eq!(reply.status, 200, "{uri}");
            reply.json()
        };
        let collections: Vec<String> = json("/collections").await["collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        let mut features = Vec::new();
        for id in &collections {
            let uri = format!("/collections/{id}/items?limit=1");
            let page = send(state, "GET", &uri, &[]).await.json();
            let feature = page["features"][0]["id"].as_str().expect(&uri).to_owned();
            features.push((id.clone(), feature));
        }
        let feature = |collection: &str| {
            features
                .iter()
                .find(|(c, _)| c == collection)
                .map(|(_, f)| f.clone())
                .unwrap_or_else(|| panic!("no {collection} collection"))
        };
        let areas = vec![
            "wales".into(),
            feature("health_boards"),
            feature("clusters"),
        ];
        let indicators = json("/indicators").await["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect();
        Samples {
            collections,
            features,
            indicators,
            areas,
        }
    }

    /// The values to try for one path parameter of `path`: the real ones the parameter's
    /// schema allows (every collection, every indicator, wales, a board and a cluster).
    fn path_values(&self, param: &Value, path: &str) -> Vec<String> {
        let name = param["name"].as_str().unwrap();
        let candidates = match name {
            "collectionId" => self.collections.clone(),
            "featureId" => {
                let collection = path.split('/').nth(2).unwrap();
                self.features
                    .iter()
                    .filter(|(c, _)| c == collection)
                    .map(|(_, f)| f.clone())
                    .collect()
            }
            "indicator" => self.indicators.clone(),
            "area" => self.areas.clone(),
            "layers" => std::iter::once("wales".to_owned())
                .chain(self.collections.iter().cloned())
                .collect(),
            _ => vec![sample(param)],
        };
        let values: Vec<String> = candidates
            .into_iter()
            .filter(|v| allows(&param["schema"], v))
            .collect();
        assert!(!values.is_empty(), "{path}: no sample for {name}");
        values
    }

    /// A value for a query parameter, from the data where the data decides.
    fn query_value(&self, param: &Value) -> String {
        match param["name"].as_str().unwrap() {
            "indicator" => self
                .indicators
                .iter()
                .find(|i| allows(&param["schema"], i))
                .cloned()
                .expect("an indicator the parameter allows"),
            _ => param["schema"]["default"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| sample(param)),
        }
    }
}

/// Whether a string schema's enum (if it has one) lists `value`.
fn allows(schema: &Value, value: &str) -> bool {
    schema["enum"]
        .as_array()
        .is_none_or(|list| list.iter().any(|v| v == value))
}

/// The query strings to send to one operation: the required parameters, plus the choice
/// of JSON where the route has one (`f`, `format`); then the same with an indicator's
/// values, Welsh labels and MapLibre Tiles, where the route takes them, as they change the
/// bodies' shape.
fn query_variants(op: &Value, samples: &Samples, uri: &str) -> Vec<String> {
    // Indicator values ride on the clusters layer (`wales` includes it); another layer
    // with `indicator` is a 400, as `/api` says.
    let carries_values = uri
        .strip_prefix("/tiles/")
        .is_none_or(|layers| layers == "wales" || layers.split(',').any(|l| l == "clusters"));
    let params: Vec<&Value> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .collect();
    let mut base: Vec<(String, String)> = Vec::new();
    for p in &params {
        let name = p["name"].as_str().unwrap();
        if p["required"] == true {
            base.push((name.into(), samples.query_value(p)));
        } else if matches!(name, "f" | "format") && allows(&p["schema"], "json") {
            base.push((name.into(), "json".into()));
        }
    }
    let mut rich = base.clone();
    for p in &params {
        let name = p["name"].as_str().unwrap();
        if rich.iter().any(|(n, _)| n == name) {
            continue;
        }
        match name {
            "indicator" if carries_values => rich.push((name.into(), samples.query_value(p))),
            "lang" => rich.push((name.into(), "cy".into())),
            "encoding" => rich.push((name.into(), "mlt".into())),
            _ => {}
        }
    }
    let encode = |pairs: &[(String, String)]| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    let mut out = vec![encode(&base)];
    if rich != base {
        out.push(encode(&rich));
    }
    out
}

/// Every URI to request for one documented path: each combination of its path
/// parameters' sample values, with each query variant.
fn uris(path: &str, op: &Value, samples: &Samples) -> Vec<String> {
    let mut paths = vec![path.to_owned()];
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] != "path" {
            continue;
        }
        let name = p["name"].as_str().unwrap();
        let values = samples.path_values(p, path);
        paths = paths
            .iter()
            .flat_map(|uri| {
                values
                    .iter()
                    .map(move |v| uri.replace(&format!("{{{name}}}"), &v.replace(' ', "%20")))
            })
            .collect();
    }
    paths
        .iter()
        .flat_map(|p| {
            query_variants(op, samples, p).into_iter().map(move |q| {
                if q.is_empty() {
                    p.clone()
                } else {
                    format!("{p}?{q}")
                }
            })
        })
        .collect()
}

/// Every documented GET whose 200 is JSON, requested with real values, answers 200 with a
/// body that validates against the schema of the media type it was sent as; every
/// violation of every route is listed before the test fails.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn every_json_response_validates_against_its_documented_schema() {
    let pool = loaded_pool(DB).await;
    let state = cluster_atlas::server::AppState::new(pool.clone(), None);
    let api = send(&state, "GET", "/api", &[]).await.json();
    let samples = Samples::read(&state).await;

    let defs = definitions(&api);
    let mut documented = BTreeSet::new();
    let mut validated = BTreeSet::new();
    let (mut sent, mut reached) = (BTreeSet::new(), BTreeSet::new());
    let mut failures = Failures::default();
    let mut requests = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let Some(content) = op["responses"]["200"]["content"].as_object() else {
            continue;
        };
        let media: Vec<(&String, &Value)> = content.iter().filter(|(m, _)| is_json(m)).collect();
        if media.is_empty() {
            continue;
        }
        documented.insert(path.clone());
        if UNVALIDATED.iter().any(|(p, _)| p == path) {
            continue;
        }
        let validators: Vec<(&str, jsonschema::Validator, Value)> = media
            .iter()
            .map(|(m, c)| {
                let schema = to_json_schema(&c["schema"]);
                (essence(m), validator(&api, &c["schema"]), schema)
            })
            .collect();
        let accept = validators
            .iter()
            .map(|(m, _, _)| *m)
            .collect::<Vec<_>>()
            .join(", ");
        for uri in uris(path, op, &samples) {
            requests += 1;
            let reply = send(&state, "GET", &uri, &[("accept", &accept)]).await;
            if reply.status != 200 {
                let body = String::from_utf8_lossy(&reply.body);
                let problem = format!(
                    "status {}: {}",
                    reply.status,
                    body.chars().take(200).collect::<String>()
                );
                failures.add(path, &uri, &problem);
                continue;
            }
            let media = essence(reply.content_type()).to_owned();
            let Some((_, validator, schema)) = validators.iter().find(|(m, _, _)| *m == media)
            else {
                let problem = format!("sent as {media}, documented as {accept}");
                failures.add(path, &uri, &problem);
                continue;
            };
            let body: Value = match serde_json::from_slice(&reply.body) {
                Ok(body) => body,
                Err(e) => {
                    failures.add(path, &uri, &format!("not JSON: {e}"));
                    continue;
                }
            };
            record_sent(schema, &defs, &body, path, &mut sent, &mut reached);
            let found = violations(validator, &body);
            if found.is_empty() {
                validated.insert(path.clone());
            }
            for v in found {
                failures.add(path, &uri, &v);
            }
        }
    }
    for (path, why) in UNVALIDATED {
        assert!(
            documented.contains(*path),
            "{path} is excluded ({why}) but is not a documented JSON route"
        );
    }
    // A documented property no response sends was renamed or dropped in the handler.
    let mut described = BTreeSet::new();
    for name in &reached {
        documented_properties(&defs[name], name, &mut described);
    }
    for (property, why) in NEVER_SENT_HERE {
        assert!(
            described.contains(*property) && !sent.contains(*property),
            "{property} is excused ({why}) but is sent, or not documented"
        );
    }
    for property in described.difference(&sent) {
        if !NEVER_SENT_HERE.iter().any(|(p, _)| p == property) {
            let (schema, _) = property.split_once('.').unwrap_or((property, ""));
            failures.add(
                schema,
                "…",
                &format!("{property} is documented, but no response sent it"),
            );
        }
    }
    let missed: Vec<&String> = documented
        .iter()
        .filter(|p| !validated.contains(*p) && !UNVALIDATED.iter().any(|(u, _)| u == p))
        .collect();
    eprintln!(
        "{} documented JSON routes, {} validated, {requests} requests",
        documented.len(),
        validated.len()
    );
    assert!(
        failures.0.is_empty(),
        "{} kinds of violation (routes never validated: {missed:?}):\n{}",
        failures.0.len(),
        failures.report()
    );
    assert!(
        missed.is_empty(),
        "documented JSON routes never validated: {missed:?}"
    );
    // The routes every build has: a document that lost them would pass vacuously.
    assert!(
        documented.len() >= 30,
        "only {} JSON routes",
        documented.len()
    );
}

/// The schema check can fail: a wrong body is rejected with each violation's pointer,
/// through a reference, and null passes only where the document says `nullable`.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn schema_check_rejects_a_wrong_body() {
    let pool = loaded_pool(DB).await;
    let api = get(&pool, "/api").await.json();
    let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});

    let health = validator(&api, &schema("Health"));
    let ok = json!({"status": "ok", "database": "up", "data_version": null, "loaded_at": null});
    assert_eq!(violations(&health, &ok), Vec::<String>::new());
    let wrong = json!({"status": 1, "data_version": "3"});
    let found = violations(&health, &wrong);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().any(|v| v.starts_with("/status:")), "{found:?}");
    assert!(
        found.iter().any(|v| v.starts_with("/data_version:")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("/:") && v.contains("database")),
        "{found:?}"
    );

    // Through `Collections` → `Collection` → `Link`; `description` is not nullable.
    let collections = validator(&api, &schema("Collections"));
    let wrong = json!({"links": [], "collections": [{"id": "lsoa", "title": "LSOAs",
        "description": null, "extent": {}, "links": [{"href": 5, "rel": "self"}]}]});
    let found = violations(&collections, &wrong);
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("/collections/0/description:")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("/collections/0/links/0/href:")),
        "{found:?}"
    );
}
