//! `export --format site`: the whole atlas as static files. Checked against the server
//! itself: the static styles colour every cluster of a real indicator tile as the server's
//! style does, every style passes the MapLibre validator, a failed or repeated export
//! leaves the folder whole, and the site, served by nginx, draws the server's maps in
//! headless Chromium (tests/e2e/site.mjs).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cluster_atlas::site::{export_site, site_path, SiteError, ARCHIVE};
use common::{decode_tile, get, loaded_pool, serve};
use serde_json::Value;

/// Colour by key from a style's `["match", ["get", P], [k…], colour, …, fallback]`.
fn match_colours(expr: &Value) -> (HashMap<String, String>, String) {
    let items = expr.as_array().expect("a match expression");
    assert_eq!(items[0], "match");
    let mut out = HashMap::new();
    for pair in items[2..items.len() - 1].chunks(2) {
        for key in pair[0].as_array().expect("label list") {
            let key = key.as_str().map(str::to_owned).unwrap_or(key.to_string());
            out.insert(key, pair[1].as_str().unwrap().to_owned());
        }
    }
    (out, items[items.len() - 1].as_str().unwrap().to_owned())
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}")))
        .unwrap()
}

fn fill(style: &Value, kind: &str) -> Value {
    style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == format!("{kind}-fill").as_str())
        .unwrap()["paint"]["fill-color"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS, the MapLibre style validator, nginx and Chromium: scripts/test.sh runs it"]
async fn the_site_export_is_the_server_as_files_and_draws_its_maps_from_nginx() {
    let pool = loaded_pool("site").await;
    let dir = tempfile::tempdir().unwrap();
    // nginx's worker reads the files as another user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    // A folder that is not an earlier export is never overwritten.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "mine").unwrap();
    let err = export_site(pool.clone(), &other, None, 4)
        .await
        .unwrap_err();
    assert!(matches!(err, SiteError::Write { .. }), "{err}");
    assert!(
        err.to_string().contains("not an earlier site export"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(other.join("keep.txt")).unwrap(),
        "mine"
    );

    // An earlier export is replaced whole, not merged into.
    let out = dir.path().join("site");
    export_site(pool.clone(), &out, None, 4).await.unwrap();
    std::fs::write(out.join("stale.txt"), "old").unwrap();
    let report = export_site(pool.clone(), &out, None, 10).await.unwrap();
    assert!(!out.join("stale.txt").exists(), "the old site is replaced");
    assert!(
        !std::fs::read_dir(dir.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".cluster-atlas-site-")),
        "no staging folder is left behind"
    );
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    assert!(report.tiles.tiles_written > 100, "{report:?}");
    assert!(report.files > 1500 && report.bytes > report.archive_bytes);

    // The page, marked as a static site; its vendored decoder; no API viewer.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("<meta name=\"cluster-atlas:site\""));
    assert!(out.join("static/vendor/pmtiles/pmtiles.mjs").is_file());
    assert!(out
        .join("static/vendor/maplibre-gl/maplibre-gl.mjs")
        .is_file());
    assert!(!out.join("static/vendor/swagger-ui").exists());
    assert!(out.join("fonts/Noto Sans Bold/0-255.pbf").is_file());
    assert!(out.join(ARCHIVE).is_file());
    let manifest = read_json(&out.join("site.json"));
    assert_eq!(manifest["classification"]["method"], "quantile");
    assert!(manifest["attribution"]
        .as_str()
        .unwrap()
        .contains("APPROXIMATE"));

    // The static copd style colours every cluster of the server's own indicator tile as
    // the server's style colours it by the tile's `class`.
    let vocabulary = get(&pool, "/vocabulary").await.json();
    let classes = vocabulary["classes"]["default"].to_string();
    let palette = vocabulary["default_palette"].as_str().unwrap();
    let period = get(&pool, "/indicators?lang=en").await.json()["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "copd")
        .unwrap()["default_period"]
        .as_str()
        .unwrap()
        .to_owned();
    // The page asks at its confidence level (level=95 by default, issue 23).
    let query = format!(
        "indicator=copd&period={period}&method=quantile&classes={classes}&palette={palette}&level=95&lang=en"
    );
    let server_style = get(&pool, &format!("/styles/indicator.json?{query}"))
        .await
        .json();
    let static_style =
        read_json(&out.join(site_path(&format!("styles/indicator.json?{query}")).unwrap()));
    assert_eq!(
        static_style["sources"]["atlas"]["url"],
        format!("pmtiles://{ARCHIVE}")
    );
    assert_eq!(static_style["glyphs"], "fonts/{fontstack}/{range}.pbf");
    let (by_class, no_data) = match_colours(&fill(&server_style, "indicator"));
    let (by_code, static_no_data) = match_colours(&fill(&static_style, "indicator"));
    assert_eq!(no_data, static_no_data);
    let tilejson_url = server_style["sources"]["atlas"]["url"].as_str().unwrap();
    let tilejson = get(
        &pool,
        &tilejson_url[tilejson_url.find("/tiles/").unwrap()..],
    )
    .await
    .json();
    let template = tilejson["tiles"][0].as_str().unwrap();
    let template = &template[template.find("/tiles/").unwrap()..];
    let mut compared = 0;
    for (x, y) in [(62, 42), (63, 42), (62, 43), (63, 43)] {
        let uri = template
            .replace("{z}", "7")
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string());
        let tile = get(&pool, &uri).await;
        if tile.status != 200 {
            continue;
        }
        for f in decode_tile(&tile.body)
            .iter()
            .filter(|f| f.layer == "clusters")
        {
            let code = f.properties["code"].as_str().unwrap();
            let server = by_class
                .get(
                    &f.properties
                        .get("class")
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                )
                .unwrap_or(&no_data);
            let ours = by_code.get(code).unwrap_or(&static_no_data);
            assert_eq!(server, ours, "cluster {code} at 7/{x}/{y}");
            compared += 1;
        }
    }
    assert!(compared >= 40, "compared {compared} clusters");

    // Every static style (all kinds, both languages) is valid MapLibre style v8.
    let validator = std::env::var("CLUSTER_ATLAS_STYLE_VALIDATOR").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/js/node_modules/.bin/gl-style-validate"
        )
        .into()
    });
    let styles: Vec<_> = std::fs::read_dir(out.join("styles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(styles.len() > 100);
    for kind in ["deprivation~", "indicator~", "significance~"] {
        for lang in ["lang=en", "lang=cy"] {
            let path = styles
                .iter()
                .find(|p| {
                    let name = p.file_name().unwrap().to_string_lossy();
                    name.starts_with(kind) && name.contains(lang)
                })
                .unwrap();
            let run = Command::new(&validator)
                .arg(path)
                .output()
                .expect("gl-style-validate");
            assert!(
                run.status.success(),
                "{path:?}: {}{}",
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            );
        }
    }

    // Served by nginx, as a CDN would: the same maps as the server's page, in Chromium.
    let nginx = Nginx::start(dir.path(), &out);
    let server = serve(&pool).await;
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/artifacts");
    std::fs::create_dir_all(artifacts).unwrap();
    let run = tokio::process::Command::new("node")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/site.mjs"))
        .arg(&nginx.base)
        .arg(artifacts)
        .arg(&server)
        .kill_on_drop(true)
        .output();
    let done = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the browser test finished within 4 minutes")
        .expect("node (installed by scripts/test.sh) runs the browser test");
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "site.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&done.stderr)
    );
    println!("{stdout}");
}

/// nginx serving a folder on a free loopback port, as a static host; stopped on drop.
struct Nginx {
    child: std::process::Child,
    conf: std::path::PathBuf,
    base: String,
}

impl Nginx {
    fn start(work: &Path, root: &Path) -> Nginx {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let w = work.display();
        // ES modules need a JavaScript MIME type, which Debian's mime.types lacks for .mjs:
        // the README says the same to anyone hosting the site.
        let conf = format!(
            "worker_processes 1;\npid {w}/nginx.pid;\nerror_log {w}/nginx-error.log;\ndaemon off;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {w}/nginx-body;\n  proxy_temp_path {w}/nginx-proxy;\n\
             fastcgi_temp_path {w}/nginx-fcgi;\n  uwsgi_temp_path {w}/nginx-uwsgi;\n  scgi_temp_path {w}/nginx-scgi;\n\
             types {{ text/html html; text/css css; text/javascript js mjs; application/json json; image/svg+xml svg; \
             text/csv csv; text/plain txt; application/x-protobuf pbf; application/vnd.pmtiles pmtiles; }}\n\
             default_type application/octet-stream;\n\
             server {{ listen 127.0.0.1:{port}; root {}; index index.html; }}\n}}\n",
            root.display()
        );
        let path = work.join("nginx.conf");
        std::fs::write(&path, conf).unwrap();
        let mut child = Command::new("/usr/sbin/nginx")
            .arg("-e")
            .arg(work.join("nginx-error.log"))
            .arg("-c")
            .arg(&path)
            // Not the test's pipes: a worker outliving the test would hold them open.
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nginx (installed by scripts/test.sh as nginx-light)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Nginx {
                    child,
                    conf: path,
                    base: format!("http://127.0.0.1:{port}"),
                };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.kill().ok();
        child.wait().ok();
        panic!(
            "nginx did not start: {}",
            std::fs::read_to_string(work.join("nginx-error.log")).unwrap_or_default()
        );
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // `-s stop` has the master stop its workers too; a SIGKILL would orphan them.
        let stopped = Command::new("/usr/sbin/nginx")
            .arg("-e")
            .arg(self.conf.with_file_name("nginx-error.log"))
            .arg("-c")
            .arg(&self.conf)
            .args(["-s", "stop"])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            self.child.kill().ok();
        }
        self.child.wait().ok();
    }
}
