//! The OpenAPI document and the router agree: every route the server has is documented,
//! and every documented path is routed (a probe with sample values does not reach the
//! fallback's 404). Adding a route to `server::routes()` (or `tile_routes()`) without documenting it fails here.

mod common;

use common::{get, loaded_pool, send};
use serde_json::Value;

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
