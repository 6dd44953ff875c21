//! Hostile input found by schemathesis and by reading the code for it (issue 6): each test
//! is a request that used to get a 500, a silent 200 or a document that disagreed with the
//! server, and now gets a JSON 4xx, or the right answer, and an /api that says so.

mod common;

use common::{get, loaded_pool, Reply};
use serde_json::Value;

const DB: &str = "hostile";

fn assert_json_error(reply: &Reply, status: u16, uri: &str) -> Value {
    assert_eq!(
        reply.status.as_u16(),
        status,
        "{uri}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(
        reply.content_type().starts_with("application/json"),
        "{uri}: {}",
        reply.content_type()
    );
    let body = reply.json();
    assert_eq!(body["error"]["status"], status, "{uri}");
    body
}

/// `wimd_q1_pct=…` (a double precision column) used to be bound as text: PostgreSQL
/// refused `double precision = text` and the client got a 500.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn number_filters_compare_as_numbers() {
    let pool = loaded_pool(DB).await;
    let (code, pct): (String, f64) =
        sqlx::query_as("select code, wimd_q1_pct from atlas.cluster order by code limit 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let expected: i64 =
        sqlx::query_scalar("select count(*) from atlas.cluster where wimd_q1_pct = $1")
            .bind(pct)
            .fetch_one(&pool)
            .await
            .unwrap();
    let uri = format!("/collections/clusters/items?wimd_q1_pct={pct}&limit=100");
    let reply = get(&pool, &uri).await;
    assert_eq!(reply.status, 200, "{uri}");
    let page = reply.json();
    assert_eq!(page["numberMatched"], expected, "{uri}");
    assert!(page["features"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == code.as_str()));
    for bad in ["abc", "NaN", "inf", "1e999"] {
        let uri = format!("/collections/health_boards/items?wimd_q2_pct={bad}");
        let body = assert_json_error(&get(&pool, &uri).await, 400, &uri);
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("takes a number"));
    }
    let none = get(&pool, "/collections/clusters/items?wimd_q5_pct=-1")
        .await
        .json();
    assert_eq!(none["numberMatched"], 0);
}

/// A NUL character cannot be stored in PostgreSQL text: a filter or feature id with one used
/// to reach the database and come back as a 500.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn nul_characters_never_reach_the_database() {
    let pool = loaded_pool(DB).await;
    for uri in [
        "/collections/lsoa/items?code=W01%00",
        "/collections/clusters/items?hb_code=%00",
        "/downloads/lsoa.csv?la_code=a%00b",
    ] {
        let body = assert_json_error(&get(&pool, uri).await, 400, uri);
        assert!(
            body["error"]["message"].as_str().unwrap().contains("NUL"),
            "{uri}"
        );
    }
    for uri in [
        "/collections/lsoa/items/W01000240%00",
        "/collections/health_boards/items/%00",
    ] {
        assert_json_error(&get(&pool, uri).await, 404, uri);
    }
}

/// Text filters allow 64 characters, as documented, not 64 bytes.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn text_filter_length_counts_characters() {
    let pool = loaded_pool(DB).await;
    let w = "%C5%B5"; // ŵ: one character, two bytes
    let uri = format!("/collections/lsoa/items?la_code={}", w.repeat(64));
    let reply = get(&pool, &uri).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["numberMatched"], 0);
    let uri = format!("/collections/lsoa/items?la_code={}", w.repeat(65));
    assert_json_error(&get(&pool, &uri).await, 400, &uri);
}

/// `/?f=xml` used to fall through to the map page with a 200; a bad `f` is a 400 like any
/// other bad parameter, and the two good ones still work.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn landing_page_refuses_unknown_formats() {
    let pool = loaded_pool(DB).await;
    let body = assert_json_error(&get(&pool, "/?f=xml").await, 400, "/?f=xml");
    assert_eq!(
        body["error"]["allowed"],
        serde_json::json!(["json", "html"])
    );
    assert!(get(&pool, "/?f=html")
        .await
        .content_type()
        .starts_with("text/html"));
    assert!(get(&pool, "/?f=json")
        .await
        .content_type()
        .starts_with("application/json"));
}

/// Indicator options sent without `indicator` used to be ignored without a word, so a typo
/// such as `palette=Rainbow` on a plain tile or page silently did nothing. They are checked
/// now wherever they are accepted.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn indicator_options_without_an_indicator_are_still_checked() {
    let pool = loaded_pool(DB).await;
    for uri in [
        "/collections/clusters/items?palette=Rainbow",
        "/collections/health_boards/items/W11000028?breaks=%C3%95",
        "/collections/lsoa/items?method=kmeans",
        "/downloads/clusters.geojson?classes=42",
        "/tiles/clusters/7/62/42?breaks=1,2",
        "/collections/lsoa/tiles/WebMercatorQuad/9/170/250?classes=9&breaks=x",
        "/tiles/wales?period=1999",
        "/tiles/lsoa/8/125/84?period=1999",
    ] {
        let body = assert_json_error(&get(&pool, uri).await, 400, uri);
        assert_eq!(body["error"]["code"], "bad_parameter", "{uri}");
    }
    // Valid options without an indicator are accepted (and change nothing).
    for uri in [
        "/collections/clusters/items?palette=Blues&classes=7&period=2023-24&limit=1",
        "/tiles/wales?method=fisher_jenks",
    ] {
        let reply = get(&pool, uri).await;
        assert_eq!(
            reply.status,
            200,
            "{uri}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    let tile = get(&pool, "/tiles/clusters/7/62/42?palette=Blues&classes=7").await;
    assert!(tile.status == 200 || tile.status == 204, "{}", tile.status);
}

/// The OpenAPI document lists what the server accepts: one path per collection with its
/// own filters, indicator ids and periods from the loaded data, every layer list, and a
/// schema for the error body on every error status.
#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn openapi_document_matches_the_server() {
    let pool = loaded_pool(DB).await;
    let reply = get(&pool, "/api").await;
    assert!(reply
        .content_type()
        .starts_with("application/vnd.oai.openapi+json"));
    let api = reply.json();
    let paths = api["paths"].as_object().unwrap();
    let params = |path: &str| -> Vec<Value> {
        paths[path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}"))
            .clone()
    };
    let param = |path: &str, name: &str| -> Value {
        params(path)
            .into_iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} has no {name}"))
    };
    // Per-collection filters, typed.
    assert_eq!(
        param("/collections/lsoa/items", "wimd_quintile")["schema"]["type"],
        "integer"
    );
    assert_eq!(
        param("/collections/clusters/items", "wimd_q1_pct")["schema"]["type"],
        "number"
    );
    assert_eq!(
        param("/collections/clusters/items", "approximate")["schema"]["type"],
        "boolean"
    );
    // LSOAs carry the WIMD indicators, so their items document `indicator` too (issue 16:
    // what is not documented is refused).
    assert!(params("/collections/lsoa/items")
        .iter()
        .any(|p| p["name"] == "indicator"));
    // Indicators and periods from the data.
    let ids: Vec<String> =
        sqlx::query_scalar("select id from atlas.indicator order by sort_order, id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        param("/styles/indicator.json", "indicator")["schema"]["enum"],
        serde_json::json!(ids)
    );
    assert_eq!(
        param("/styles/indicator.json", "indicator")["required"],
        true
    );
    let periods = param("/legends/significance.svg", "period")["schema"]["enum"].clone();
    for p in ["2019", "2023-24", "2024-04"] {
        assert!(periods.as_array().unwrap().contains(&Value::from(p)), "{p}");
    }
    // Every documented indicator, period and layer list is accepted by the server.
    for id in &ids {
        let uri = format!("/legends/indicator.json?indicator={id}");
        assert_eq!(get(&pool, &uri).await.status, 200, "{uri}");
    }
    let lists = param("/tiles/{layers}/{z}/{x}/{y}", "layers")["schema"]["enum"].clone();
    // Every ordered list of distinct tile layers (5 + 20 + 60 + 120 + 120) and `wales`.
    assert_eq!(lists.as_array().unwrap().len(), 326);
    for list in lists.as_array().unwrap() {
        let uri = format!("/tiles/{}", list.as_str().unwrap());
        assert_eq!(get(&pool, &uri).await.status, 200, "{uri}");
    }
    // Every non-2xx response is documented with the JSON error schema (except tile 204/304
    // and /health's own body).
    for (path, item) in paths {
        for (status, response) in item["get"]["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                if path == "/health" {
                    continue;
                }
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{path} {status}"
                );
            }
        }
    }
}
