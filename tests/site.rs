//! `export --format site`: the whole atlas as static files. Checked against the server
//! itself: the static styles colour every cluster of a real indicator tile as the server's
//! style does, every style passes the MapLibre validator, a failed or repeated export
//! leaves the folder whole, every file name is one Windows can store, the site served by
//! nginx under a sub-path (`/atlas/`) answers 200 for every link and reference in every
//! exported page and document (crawled over HTTP, with and without `--public-url`) and
//! draws the server's maps in headless Chromium (tests/e2e/site.mjs), and served by
//! Python's `http.server`, which ignores Range, the page says why the map cannot be drawn
//! and what to do (tests/e2e/site_no_range.mjs).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
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
    // Relative to the style (in styles/), so the folder works under any address.
    assert_eq!(
        static_style["sources"]["atlas"]["url"],
        format!("pmtiles://../{ARCHIVE}")
    );
    assert_eq!(static_style["glyphs"], "../fonts/{fontstack}/{range}.pbf");
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

    // Every file name is one Windows (and so an SMB share) can store: no `:` from the
    // cluster codes, and no two names that differ only in case.
    let names = check_portable_names(&out);
    println!("{names} exported files, every name portable");
    assert!(names > 1500, "{names}");
    assert!(out.join("profiles/7A1_anglesey.json").is_file());

    // Served by nginx under a sub-path, as a CDN would. Every link and reference of every
    // exported page and document answers 200, and none leaves /atlas/.
    let nginx = Nginx::start(&dir.path().join("nginx"), free_port(), &out);
    let site_base = format!("{}/atlas/", nginx.base);
    let crawl = crawl_site(&site_base, &out).await;
    println!("crawl of {site_base}: {crawl:?}");
    assert!(crawl.urls > 1000, "{crawl:?}");
    assert!(
        crawl.absolute_links == 0 && crawl.relative_links > 1000,
        "without --public-url every link is relative: {crawl:?}"
    );
    check_summary_links(&site_base).await;

    // With --public-url, the address the site is published at: links are absolute URLs of
    // its files, and all of them answer there.
    let public_port = free_port();
    let public_url = format!("http://127.0.0.1:{public_port}/atlas");
    let published = dir.path().join("published");
    export_site(pool.clone(), &published, Some(&public_url), 4)
        .await
        .unwrap();
    check_portable_names(&published);
    let public_nginx = Nginx::start(&dir.path().join("nginx-public"), public_port, &published);
    let public_crawl = crawl_site(&format!("{public_url}/"), &published).await;
    println!("crawl of {public_url}/: {public_crawl:?}");
    assert!(public_crawl.urls > 1000, "{public_crawl:?}");
    assert!(
        public_crawl.relative_links == 0 && public_crawl.absolute_links > 1000,
        "with --public-url every link is absolute: {public_crawl:?}"
    );
    check_summary_links(&format!("{public_url}/")).await;
    drop(public_nginx);

    // The same maps as the server's page, in Chromium, from nginx under /atlas/.
    let server = serve(&pool).await;
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/artifacts");
    std::fs::create_dir_all(artifacts).unwrap();
    let run = tokio::process::Command::new("node")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/site.mjs"))
        .arg(format!("{}/atlas", nginx.base))
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

/// A loopback port free now (for a server started just after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    /// nginx on `port` serving `root` under `/atlas/` only (anything else is a 404), as a
    /// site published below a path of a larger one.
    fn start(work: &Path, port: u16, root: &Path) -> Nginx {
        std::fs::create_dir_all(work).unwrap();
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
             server {{ listen 127.0.0.1:{port}; location / {{ return 404; }} \
             location /atlas/ {{ alias {}/; index index.html; }} }}\n}}\n",
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

/// An answer over HTTP/1.1: status, headers (names in lower case) and body.
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// `GET url` (plain http on loopback), with its own connection.
async fn http_get(url: &url::Url) -> Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port_or_known_default().unwrap()
    );
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let request =
            format!("GET {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        raw
    };
    let raw = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .unwrap_or_else(|_| panic!("GET {url}: no answer within 30 s"));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("GET {url}: no end of headers"));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// What a file name's URL escapes (the font folders have spaces); `~`, `=` and `.` stay,
/// as in the links the export writes, so one file is one URL.
const FILE_NAME: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?');

/// What a crawl of an exported site checked.
#[derive(Debug, Default)]
struct Crawl {
    /// Distinct URLs asked for (each answered 200).
    urls: usize,
    /// HTML pages and JSON documents read for links.
    pages: usize,
    json_documents: usize,
    /// Links to the site written relative (`./`, `../`, `static/…`) or as absolute URLs.
    relative_links: usize,
    absolute_links: usize,
    /// Links off the site (licences, sources), not followed.
    external: BTreeSet<String>,
}

/// The values of every `href` and `src` attribute of an HTML page, as text.
fn html_references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["href=", "src="] {
        let mut rest = html;
        while let Some(i) = rest.find(attribute) {
            let preceded = rest[..i].ends_with([' ', '\n', '\t']);
            rest = &rest[i + attribute.len()..];
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            let Some(end) = rest[1..].find(quote) else {
                continue;
            };
            if preceded {
                found.push(rest[1..=end].replace("&amp;", "&").replace("&quot;", "\""));
            }
            rest = &rest[end + 1..];
        }
    }
    found
}

/// Every string of a JSON document that is a link (a URL, `pmtiles://`, or a relative
/// reference written `./` or `../`), and every font a style's layers name.
fn json_references(doc: &Value, links: &mut Vec<String>, fonts: &mut BTreeSet<String>) {
    match doc {
        Value::String(s) => {
            let link = ["http://", "https://", "pmtiles://", "./", "../"]
                .iter()
                .any(|p| s.starts_with(p));
            // A root-relative link escapes a sub-path: the export must never write one.
            let rooted =
                s.len() > 1 && s.starts_with('/') && s.as_bytes()[1].is_ascii_alphanumeric();
            if link || rooted {
                links.push(s.clone());
            }
        }
        Value::Array(items) => items.iter().for_each(|v| json_references(v, links, fonts)),
        Value::Object(map) => {
            for (k, v) in map {
                if k == "text-font" {
                    let stack: Vec<&str> = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    if !stack.is_empty() {
                        fonts.insert(stack.join(","));
                    }
                }
                json_references(v, links, fonts);
            }
        }
        _ => {}
    }
}

/// A URL template made real: a style's glyphs for each of its fonts (first range), a
/// TileJSON's tiles at 0/0/0.
fn expand_template(link: &str, fonts: &BTreeSet<String>) -> Vec<String> {
    let link = link
        .replace("{z}", "0")
        .replace("{x}", "0")
        .replace("{y}", "0")
        .replace("{range}", "0-255");
    if link.contains("{fontstack}") {
        assert!(
            !fonts.is_empty(),
            "a glyph template in a style that names no font: {link}"
        );
        return fonts
            .iter()
            .map(|f| link.replace("{fontstack}", f))
            .collect();
    }
    vec![link]
}

/// Crawls the site at `base` (ending `/`), served from `root`: from the page, `site.json`
/// and every exported HTML page and JSON document, it follows every link and reference
/// of each (HTML `href` and `src`, JSON links, style sources and glyphs, `pmtiles://`
/// archives) and asks for each URL once. Panics listing every one that did not answer
/// 200, that leaves the site's path, or that is written root-relative.
async fn crawl_site(base: &str, root: &Path) -> Crawl {
    let base_url = url::Url::parse(base).unwrap();
    let mut queue: VecDeque<(url::Url, String)> = VecDeque::new();
    for seed in ["", "index.html", "map.html", "site.json"] {
        queue.push_back((base_url.join(seed).unwrap(), "(seed)".into()));
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html" || e == "json") {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let encoded: Vec<String> = relative
                    .split('/')
                    .map(|s| percent_encoding::utf8_percent_encode(s, FILE_NAME).to_string())
                    .collect();
                queue.push_back((
                    base_url.join(&encoded.join("/")).unwrap(),
                    "(exported file)".into(),
                ));
            }
        }
    }
    let mut crawl = Crawl::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    while let Some((mut url, from)) = queue.pop_front() {
        url.set_fragment(None);
        if !seen.insert(url.to_string()) {
            continue;
        }
        if url.origin() != base_url.origin() || !url.path().starts_with(base_url.path()) {
            failures.insert(
                url.to_string(),
                format!("outside the site, linked from {from}"),
            );
            continue;
        }
        let answer = http_get(&url).await;
        crawl.urls += 1;
        if answer.status != 200 {
            failures.insert(
                url.to_string(),
                format!("{} (linked from {from})", answer.status),
            );
            continue;
        }
        let path = url.path();
        let mut links = Vec::new();
        let mut fonts = BTreeSet::new();
        if path.ends_with(".html") || path.ends_with('/') {
            crawl.pages += 1;
            links = html_references(&String::from_utf8_lossy(&answer.body));
        } else if path.ends_with(".json") {
            crawl.json_documents += 1;
            let doc: Value = serde_json::from_slice(&answer.body)
                .unwrap_or_else(|e| panic!("{url}: not JSON: {e}"));
            json_references(&doc, &mut links, &mut fonts);
        }
        for link in links {
            if link.starts_with('#')
                || ["data:", "blob:", "mailto:", "javascript:"]
                    .iter()
                    .any(|p| link.starts_with(p))
            {
                continue;
            }
            if link.starts_with('/') {
                failures.insert(
                    link.clone(),
                    format!("root-relative, in {url}: escapes a sub-path"),
                );
                continue;
            }
            let target = link.strip_prefix("pmtiles://").unwrap_or(&link);
            let absolute = target.starts_with("http://") || target.starts_with("https://");
            for real in expand_template(target, &fonts) {
                let resolved = url
                    .join(&real)
                    .unwrap_or_else(|e| panic!("{url}: link {real}: {e}"));
                if resolved.origin() != base_url.origin() {
                    crawl.external.insert(resolved.to_string());
                    continue;
                }
                if absolute {
                    crawl.absolute_links += 1;
                } else {
                    crawl.relative_links += 1;
                }
                queue.push_back((resolved, url.to_string()));
            }
        }
    }
    let shown: Vec<String> = failures
        .iter()
        .take(30)
        .map(|(u, why)| format!("{u}: {why}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} URLs of the site failed:\n{}",
        failures.len(),
        crawl.urls,
        shown.join("\n")
    );
    crawl
}

/// The `href` of the link whose text is `text` in an HTML page.
fn anchor_href(html: &str, text: &str) -> Option<String> {
    html.split("<a ").skip(1).find_map(|a| {
        let (attributes, rest) = a.split_once('>')?;
        let inner = rest.split("</a>").next()?;
        (inner.trim() == text)
            .then(|| {
                html_references(&format!(" {attributes}"))
                    .into_iter()
                    .next()
            })
            .flatten()
    })
}

/// A board summary's own links lead where they say: the other language, the other
/// confidence level, and the CSV, SVG and JSON of the same summary.
async fn check_summary_links(base: &str) {
    let base = url::Url::parse(base).unwrap();
    let index = http_get(&base.join("vocabulary.json").unwrap()).await;
    let vocabulary: Value = serde_json::from_slice(&index.body).unwrap();
    let board = vocabulary["health_boards"][0]["code"].as_str().unwrap();
    let level = vocabulary["confidence_levels"][0]["id"].as_str().unwrap();
    let page_url = base
        .join(&format!("summary/{board}~lang=en~level={level}.html"))
        .unwrap();
    let page = http_get(&page_url).await;
    assert_eq!(page.status, 200, "{page_url}");
    let html = String::from_utf8_lossy(&page.body).into_owned();
    let follow = |text: &str| {
        let href =
            anchor_href(&html, text).unwrap_or_else(|| panic!("{page_url}: no link `{text}`"));
        page_url.join(&href).unwrap()
    };
    let welsh = http_get(&follow("Cymraeg")).await;
    assert_eq!(welsh.status, 200);
    assert!(String::from_utf8_lossy(&welsh.body).contains("<html lang=\"cy\""));
    let other_level = html
        .split("<a ")
        .find_map(|a| {
            a.split_once('>')
                .and_then(|(_, r)| r.split("</a>").next())
                .filter(|t| t.contains("% "))
        })
        .unwrap_or_else(|| panic!("{page_url}: no link to the other confidence level"))
        .to_owned();
    let other = http_get(&follow(&other_level)).await;
    assert_eq!(other.status, 200);
    let level_shown = other_level.split('%').next().unwrap();
    assert!(
        String::from_utf8_lossy(&other.body).contains(&format!("{level_shown}%")),
        "the {other_level} link shows that level"
    );
    for (text, media) in [
        ("CSV", "text/csv"),
        ("SVG", "image/svg+xml"),
        ("JSON", "application/json"),
    ] {
        let answer = http_get(&follow(text)).await;
        assert_eq!(answer.status, 200, "{text}");
        assert!(
            answer
                .headers
                .get("content-type")
                .is_some_and(|t| t.starts_with(media)),
            "{text}: {:?}",
            answer.headers.get("content-type")
        );
    }
}

/// Checks every file and folder name under `root` is one Windows accepts (none of
/// `<>:"/\|?*` or control characters, no trailing dot or space, no device name) and that
/// no two paths differ only in case, and that the longest path leaves Windows' 260
/// characters room for the folder it is copied into; returns how many files there are.
fn check_portable_names(root: &Path) -> usize {
    let mut lower: HashMap<String, String> = HashMap::new();
    let mut bad = Vec::new();
    let mut files = 0;
    let mut longest = String::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let device = name.split('.').next().unwrap().to_ascii_uppercase();
            let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&device.as_str())
                || (device.len() == 4
                    && (device.starts_with("COM") || device.starts_with("LPT"))
                    && device.ends_with(|c: char| c.is_ascii_digit()));
            if name
                .chars()
                .any(|c| c.is_control() || "<>:\"/\\|?*".contains(c))
                || name.ends_with(['.', ' '])
                || reserved
            {
                bad.push(path.display().to_string());
            }
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if let Some(other) = lower.insert(relative.to_lowercase(), relative.clone()) {
                bad.push(format!("{relative} and {other} differ only in case"));
            }
            if relative.chars().count() > longest.chars().count() {
                longest = relative.clone();
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                files += 1;
            }
        }
    }
    assert!(bad.is_empty(), "names Windows cannot store: {bad:#?}");
    println!(
        "longest path: {} characters ({longest})",
        longest.chars().count()
    );
    assert!(
        longest.chars().count() <= 180,
        "{longest}: too long to copy into a folder on Windows (260 characters in all)"
    );
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS, Python and Chromium: scripts/test.sh runs it"]
async fn a_host_that_ignores_range_gets_a_message_on_the_page_not_a_blank_map() {
    let pool = loaded_pool("site_no_range").await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    export_site(pool.clone(), &out, None, 4).await.unwrap();
    // `python3 -m http.server` in the folder, as the planner ran it: it ignores Range.
    let port = free_port();
    let mut python = tokio::process::Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(&out)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("python3");
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "python3 -m http.server did not start");
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/artifacts");
    std::fs::create_dir_all(artifacts).unwrap();
    let run = tokio::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/site_no_range.mjs"
        ))
        .arg(format!("http://127.0.0.1:{port}"))
        .arg(artifacts)
        .kill_on_drop(true)
        .output();
    let done = tokio::time::timeout(Duration::from_secs(150), run)
        .await
        .expect("the browser test finished within 150 s")
        .expect("node runs the browser test");
    python.kill().await.ok();
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "site_no_range.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&done.stderr)
    );
    println!("{stdout}");
}
