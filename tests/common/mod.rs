//! Shared helpers for integration tests: private test databases, the router, and MVT decoding.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cluster_atlas::config::{DbArgs, InputArgs};
use cluster_atlas::server::{router, AppState};
use geozero::mvt::{tile, Message, Tile};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;

/// The server that tests may create databases on (set by scripts/test.sh). Every test that
/// reaches this is `#[ignore]`d, so a plain `cargo test` never does.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must point at a PostGIS server where tests may create databases. \
         This test is #[ignore]d (plain `cargo test` skips it) and ran because of --ignored \
         or --include-ignored; run it with scripts/test.sh, which starts a private PostGIS and \
         passes --include-ignored (e.g. scripts/test.sh tiles -- --nocapture)",
    )
}

fn url_for(db: &str) -> String {
    let admin = admin_url();
    let (base, _) = admin
        .rsplit_once('/')
        .expect("DATABASE_URL has a database name");
    format!("{base}/{db}")
}

/// Creates (or re-creates) an empty database and returns its URL.
pub async fn fresh_database(name: &str) -> String {
    let db = format!("ca_test_{name}_{}", std::process::id());
    let admin = PgPool::connect(&admin_url())
        .await
        .expect("connect to DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "drop database if exists {db} with (force)"
    )))
    .execute(&admin)
    .await
    .expect("drop test database");
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {db}")))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    url_for(&db)
}

/// Database settings for a URL, as the CLI would build them.
pub fn db_args(url: &str) -> DbArgs {
    DbArgs {
        database_url: Some(url.to_owned()),
        pool_size: 8,
        statement_timeout_secs: 60,
    }
}

/// Loader arguments for the bundled data, as `cluster-atlas load` with no flags.
pub fn bundled_inputs() -> InputArgs {
    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        inputs: InputArgs,
    }
    let mut inputs = <Wrapper as clap::Parser>::parse_from(["test"]).inputs;
    inputs.data_dir = Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("boundaries"));
    inputs
}

/// A database with the bundled data loaded, created once per test binary and shared by
/// its tests. Built on its own thread and runtime, because each `#[tokio::test]` has a
/// runtime of its own and a pool must not outlive the runtime it was made on.
pub fn loaded_database(name: &'static str) -> String {
    static URLS: OnceLock<std::sync::Mutex<HashMap<&'static str, String>>> = OnceLock::new();
    let urls = URLS.get_or_init(Default::default);
    let mut guard = urls
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(url) = guard.get(name) {
        return url.clone();
    }
    let url = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let url = fresh_database(name).await;
            let pool = cluster_atlas::db::connect(&db_args(&url))
                .await
                .expect("connect");
            cluster_atlas::etl::load(&pool, &bundled_inputs())
                .await
                .expect("load the bundled data");
            pool.close().await;
            url
        })
    })
    .join()
    .expect("setting up the test database");
    guard.insert(name, url.clone());
    url
}

/// A pool on the shared loaded database.
pub async fn loaded_pool(name: &'static str) -> PgPool {
    let url = loaded_database(name);
    cluster_atlas::db::connect(&db_args(&url))
        .await
        .expect("connect")
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends a GET through the whole router (middleware included) without a socket.
pub async fn get(pool: &PgPool, uri: &str) -> Reply {
    send(&AppState::new(pool.clone(), None), "GET", uri, &[]).await
}

/// Sends a request with headers through the router of an existing state (so caches and
/// admin settings persist between requests).
pub async fn send(state: &AppState, method: &str, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let app = router(state.clone());
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "atlas.test");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = app
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// One decoded MVT feature.
#[derive(Debug, Clone)]
pub struct Feature {
    pub layer: String,
    pub id: Option<u64>,
    pub geometry_type: i32,
    pub properties: HashMap<String, Value>,
    /// The encoded geometry commands (MVT 4.3).
    pub geometry: Vec<u32>,
}

impl Feature {
    /// A point feature's position in tile units (the first MoveTo), if it is a point.
    #[allow(dead_code)] // Not every test binary reads points.
    pub fn point(&self) -> Option<(i64, i64)> {
        let zigzag = |v: u32| i64::from((v >> 1) as i32 ^ -((v & 1) as i32));
        match self.geometry.as_slice() {
            [9, x, y, ..] if self.geometry_type == 1 => Some((zigzag(*x), zigzag(*y))),
            _ => None,
        }
    }
}

/// Decodes an MVT with geozero's protobuf types, resolving tags into properties.
pub fn decode_tile(bytes: &[u8]) -> Vec<Feature> {
    let tile = Tile::decode(bytes).expect("a valid MVT");
    let mut out = Vec::new();
    for layer in tile.layers {
        assert_eq!(layer.version, 2, "MVT version");
        assert_eq!(layer.extent, Some(4096));
        for f in &layer.features {
            let mut properties = HashMap::new();
            for pair in f.tags.chunks(2) {
                let key = layer.keys[pair[0] as usize].clone();
                properties.insert(key, value(&layer.values[pair[1] as usize]));
            }
            out.push(Feature {
                layer: layer.name.clone(),
                id: f.id,
                geometry_type: f.r#type.unwrap_or(0),
                properties,
                geometry: f.geometry.clone(),
            });
        }
    }
    out
}

fn value(v: &tile::Value) -> Value {
    if let Some(s) = &v.string_value {
        Value::from(s.clone())
    } else if let Some(i) = v.int_value {
        Value::from(i)
    } else if let Some(i) = v.sint_value {
        Value::from(i)
    } else if let Some(u) = v.uint_value {
        Value::from(u)
    } else if let Some(d) = v.double_value {
        Value::from(d)
    } else if let Some(f) = v.float_value {
        Value::from(f64::from(f))
    } else if let Some(b) = v.bool_value {
        Value::from(b)
    } else {
        Value::Null
    }
}

/// What a database holds, to prove a failed load changed nothing.
pub async fn fingerprint(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "select concat_ws('|', \
           (select max(version) from atlas.data_version), \
           (select md5(string_agg(concat_ws(',', code, name_cy, cluster_code, hb_code, wimd_rank, \
              wimd_quintile, md5(ST_AsBinary(geom))), ';' order by code)) from atlas.lsoa), \
           (select md5(string_agg(concat_ws(',', code, name_en, lsoa_count, md5(ST_AsBinary(geom))), ';' order by code)) from atlas.cluster), \
           (select md5(string_agg(concat_ws(',', code, name_cy, lsoa_count), ';' order by code)) from atlas.health_board))",
    )
    .fetch_one(pool)
    .await
    .expect("fingerprint")
}

/// Serves the full router on a real loopback socket (for GDAL, browsers and other
/// clients that need HTTP); returns the base URL. The server lives as long as the
/// test's runtime.
pub async fn serve(pool: &PgPool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(pool.clone(), None);
    cluster_atlas::server::spawn_health_probe(&state);
    let app = router(state);
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    format!("http://{addr}")
}

/// [`serve`], recording every request's path and query: what a client asked for, to count.
#[allow(dead_code)] // Not every test binary counts requests.
pub async fn serve_recording(
    pool: &PgPool,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(pool.clone(), None);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = router(state).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let log = log.clone();
            async move {
                let uri = request.uri().to_string();
                log.lock().expect("request log").push(uri);
                next.run(request).await
            }
        },
    ));
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    (format!("http://{addr}"), seen)
}

/// Copies the bundled data folder (with its subfolders) into `dir`, for tests that load
/// an edited copy.
pub fn copy_boundaries(dir: &std::path::Path) {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
    copy(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("boundaries"),
        dir,
    );
}

/// The bundled data with WIMD turned upside down (rank r becomes 1910 − r, quintile q
/// becomes 6 − q, and so on), so every layer's deprivation properties differ from the
/// bundled load's while the geography stays the same.
pub fn inverted_wimd_inputs(dir: &std::path::Path) -> std::path::PathBuf {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("boundaries");
    copy_boundaries(dir);
    let mut reader = csv::Reader::from_path(source.join("wimd2019.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let mut writer = csv::Writer::from_path(dir.join("wimd2019.csv")).unwrap();
    writer.write_record(&headers).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        let row: Vec<String> = headers
            .iter()
            .zip(record.iter())
            .map(|(column, value)| {
                let flip = |top: i64| (top - value.parse::<i64>().unwrap()).to_string();
                if column.ends_with("_rank") {
                    flip(1910)
                } else if column.ends_with("_decile") {
                    flip(11)
                } else if column.ends_with("_quintile") {
                    flip(6)
                } else if column.ends_with("_quartile") {
                    flip(5)
                } else {
                    value.to_owned()
                }
            })
            .collect();
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
    dir.to_owned()
}

/// Rows of a CSV as column → value maps.
pub fn csv_rows(path: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}
