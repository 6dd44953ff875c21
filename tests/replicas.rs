//! Two `cluster-atlas serve` replicas on one database behind nginx as a round-robin load
//! balancer. New data loaded through one of them (`POST /admin/reload`) reaches the other
//! through PostgreSQL's `NOTIFY`, with no request to it: both serve the new version within
//! a bound; no tile fetched through the balancer during a switch mixes versions (its body
//! is that version's tile, byte for byte); and both replicas give the same tile the same
//! ETag in every version. The listener also survives losing its connection.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cluster_atlas::db::listen::DATA_VERSION_CHANNEL;
use common::{bundled_inputs, db_args, fresh_database};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "replicas-test-token";

/// How soon after a load commits every replica must serve it. With `--no-warm` the switch
/// is reading the new catalogue (about a second in a debug build on 2 cores); the bound
/// leaves room for a busy CI machine.
const SWITCH_BOUND: Duration = Duration::from_secs(30);

/// Tiles over several zooms whose bodies differ between the bundled data and the data
/// with WIMD inverted (every layer carries deprivation figures): composites, outlines and
/// indicator tiles, whose values come from the snapshot and geometry from PostGIS.
const TILES: &[&str] = &[
    "/tiles/clusters,health_boards/4/7/5",
    "/tiles/wales/5/15/10",
    "/tiles/wales/6/31/21",
    "/tiles/wales/7/62/42",
    "/tiles/wales/7/63/42",
    "/tiles/wales/8/125/83",
    "/tiles/lsoa,clusters/8/125/85",
    "/tiles/wales/10/502/340",
    "/tiles/wales/12/2011/1362",
    "/tiles/clusters/7/62/42?indicator=lsoas_most_deprived_20pct",
    "/tiles/clusters,health_boards/7/63/42?indicator=lsoas_most_deprived_20pct&classes=4",
];

/// An HTTP answer, read whole.
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// The data version an ETag (`"v{version}-{hash}"`) names.
fn etag_version(etag: &str) -> i64 {
    etag.trim_matches('"')
        .strip_prefix('v')
        .and_then(|rest| rest.split('-').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("unexpected ETag {etag:?}"))
}

/// One HTTP/1.1 request on a new connection (`Connection: close`), read to the end.
async fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Answer {
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
            .await
            .unwrap_or_else(|e| panic!("connect to {base}: {e}"));
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: atlas.test\r\nConnection: close\r\n");
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("Content-Length: 0\r\n\r\n");
        s.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        raw
    };
    let raw = tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or_else(|_| panic!("{method} {base}{path}: no answer within {timeout:?}"));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("{path}: no header end in {} bytes", raw.len()));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or("")[9..12].parse().unwrap();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        body = unchunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

/// Decodes a chunked body (nginx may send one for a streamed answer).
fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size");
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .expect("hex chunk size");
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

async fn get(base: &str, path: &str) -> Answer {
    http(base, "GET", path, &[], Duration::from_secs(60)).await
}

/// The data version a replica serves, from `/metrics`, which reads the current snapshot
/// without checking the database: polling it cannot make the replica switch.
async fn served_version(base: &str) -> i64 {
    let auth = format!("Bearer {TOKEN}");
    let answer = http(
        base,
        "GET",
        "/metrics",
        &[("Authorization", &auth)],
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(answer.status, 200);
    String::from_utf8_lossy(&answer.body)
        .lines()
        .find_map(|l| l.strip_prefix("cluster_atlas_data_version "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .expect("cluster_atlas_data_version in /metrics") as i64
}

/// Polls a replica until it serves `version`; returns when it first did.
async fn wait_for_version(base: String, version: i64) -> Instant {
    let deadline = Instant::now() + SWITCH_BOUND * 2;
    loop {
        if served_version(&base).await >= version {
            return Instant::now();
        }
        assert!(
            Instant::now() < deadline,
            "{base} never served version {version}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// One `cluster-atlas serve` process; killed on drop.
struct Replica {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Replica {
    /// Starts a replica on `database`, reloading `data_dir` on `POST /admin/reload`.
    fn start(work: &Path, name: &str, database: &str, data_dir: &Path) -> Replica {
        let stdout = work.join(format!("{name}.out"));
        let log = work.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_cluster-atlas"))
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--no-autoload",
                "--pool-size",
                "6",
            ])
            // Cold switches: a debug build would take minutes to warm the pyramid. The
            // switch is the same code either way (the warm-up is a hook run before it).
            .args(["--no-warm", "--cache-mb", "64", "--admin-token", TOKEN])
            .arg("--database-url")
            .arg(database)
            .arg("--data-dir")
            .arg(data_dir)
            // The server's own log filter (info), whatever the test runner's is.
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the cluster-atlas binary");
        let mut replica = Replica {
            child,
            base: String::new(),
            log,
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            let out = std::fs::read_to_string(&stdout).unwrap_or_default();
            if let Some(rest) = out.split("is serving Wales at ").nth(1) {
                replica.base = rest
                    .lines()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_owned();
                return replica;
            }
            if let Ok(Some(status)) = replica.child.try_wait() {
                panic!("{name} exited ({status}): {}", replica.log_text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{name} did not start: {}", replica.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The replica's PID, which names its listener's connection in `pg_stat_activity`.
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// nginx on a free loopback port balancing round robin over the replicas, saying which
/// one answered in `X-Upstream`; stopped on drop.
struct Balancer {
    child: Child,
    conf: PathBuf,
    base: String,
}

impl Balancer {
    fn start(work: &Path, upstreams: &[&str]) -> Balancer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let w = work.display();
        let servers: String = upstreams
            .iter()
            .map(|u| format!("    server {};\n", u.trim_start_matches("http://")))
            .collect();
        // No temporary files (the workers run as another user when we are root): answers
        // larger than the buffers are passed through as they arrive.
        let conf = format!(
            "worker_processes 1;\npid {w}/nginx.pid;\nerror_log {w}/nginx-error.log;\ndaemon off;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {w}/nginx-body;\n  proxy_temp_path {w}/nginx-proxy;\n\
             fastcgi_temp_path {w}/nginx-fcgi;\n  uwsgi_temp_path {w}/nginx-uwsgi;\n  scgi_temp_path {w}/nginx-scgi;\n\
             upstream replicas {{\n{servers}    keepalive 8;\n  }}\n\
             server {{\n  listen 127.0.0.1:{port};\n  proxy_max_temp_file_size 0;\n\
             proxy_http_version 1.1;\n  proxy_set_header Connection \"\";\n  proxy_set_header Host $http_host;\n\
             add_header X-Upstream $upstream_addr always;\n  location / {{ proxy_pass http://replicas; }}\n}}\n}}\n"
        );
        let path = work.join("nginx.conf");
        std::fs::write(&path, conf).unwrap();
        let mut child = Command::new("/usr/sbin/nginx")
            .arg("-e")
            .arg(work.join("nginx-error.log"))
            .arg("-c")
            .arg(&path)
            // Not the test's pipes: a worker outliving the test would hold them open.
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx (installed by scripts/test.sh as nginx-light)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Balancer {
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

impl Drop for Balancer {
    fn drop(&mut self) {
        // `-s stop` has the master stop its workers too; a SIGKILL would orphan them.
        let stopped = Command::new("/usr/sbin/nginx")
            .arg("-e")
            .arg(self.conf.with_file_name("nginx-error.log"))
            .arg("-c")
            .arg(&self.conf)
            .args(["-s", "stop"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            self.child.kill().ok();
        }
        self.child.wait().ok();
    }
}

/// A tile as served: its ETag and its body.
#[derive(Clone, PartialEq, Eq)]
struct Tile {
    etag: String,
    body: Vec<u8>,
}

/// Every tile of [`TILES`] from each replica directly: all in `version`, and each tile
/// identical (ETag and bytes) on both. Returns the tiles and the number of ETags compared.
async fn tiles_of_version(
    replicas: &[&Replica],
    version: i64,
) -> (BTreeMap<&'static str, Tile>, usize) {
    let mut tiles = BTreeMap::new();
    let mut compared = 0;
    for url in TILES {
        let mut seen: Option<Tile> = None;
        for replica in replicas {
            let answer = get(&replica.base, url).await;
            assert_eq!(answer.status, 200, "{}{url}", replica.base);
            assert_eq!(
                etag_version(answer.header("etag")),
                version,
                "{}{url}",
                replica.base
            );
            let tile = Tile {
                etag: answer.header("etag").to_owned(),
                body: answer.body,
            };
            if let Some(first) = &seen {
                assert_eq!(
                    first.etag, tile.etag,
                    "{url}: the replicas' ETags differ in version {version}"
                );
                assert!(
                    first.body == tile.body,
                    "{url}: the replicas' bytes differ in version {version}"
                );
                compared += 1;
            }
            seen = Some(tile);
        }
        tiles.insert(*url, seen.expect("two replicas"));
    }
    (tiles, compared)
}

/// What a client got through the balancer: how many times it got each distinct answer
/// (tile, replica, ETag, and the bytes' hash), with one copy of the bytes. Thousands of
/// fetches make a few dozen distinct answers, each then compared in full.
type Fetched = HashMap<(&'static str, String, String, u64), (usize, Vec<u8>)>;

/// Fetches [`TILES`] through the balancer in a loop until `stop`, counting the answers
/// of each replica in `newest` once they carry version `newest_version`.
async fn fetch_until(
    base: String,
    stop: Arc<AtomicBool>,
    newest: Arc<Mutex<HashMap<String, usize>>>,
    newest_version: i64,
    offset: usize,
) -> Fetched {
    let mut out = Fetched::new();
    let mut i = offset;
    while !stop.load(Ordering::Relaxed) {
        let url = TILES[i % TILES.len()];
        i += 1;
        let answer = get(&base, url).await;
        assert_eq!(
            answer.status,
            200,
            "{url} through the balancer: {}",
            String::from_utf8_lossy(&answer.body)
        );
        if etag_version(answer.header("etag")) == newest_version {
            *newest
                .lock()
                .unwrap()
                .entry(answer.header("x-upstream").to_owned())
                .or_default() += 1;
        }
        let key = (
            url,
            answer.header("x-upstream").to_owned(),
            answer.header("etag").to_owned(),
            xxhash_rust::xxh3::xxh3_64(&answer.body),
        );
        out.entry(key).or_insert((0, answer.body)).0 += 1;
    }
    out
}

/// Waits for the loader's notice of `version` on the test's own listener; returns when
/// it came, which is when the load committed.
async fn committed(
    listener: &mut sqlx::postgres::PgListener,
    pool: &sqlx::PgPool,
    version: i64,
) -> Instant {
    loop {
        let notice = tokio::time::timeout(Duration::from_secs(300), listener.recv())
            .await
            .expect("the load committed within 5 minutes")
            .expect("notice");
        let heard = Instant::now();
        assert_eq!(notice.channel(), DATA_VERSION_CHANNEL);
        if notice.payload() == version.to_string() {
            // Sent inside the load's transaction, so heard only once it is readable.
            let visible = cluster_atlas::db::visible_version(pool).await.unwrap();
            assert!(
                visible >= version,
                "notice of {version} heard while {visible} is visible"
            );
            return heard;
        }
    }
}

/// Posts `/admin/reload` to a replica.
async fn reload(replica: &Replica) -> serde_json::Value {
    let auth = format!("Bearer {TOKEN}");
    let answer = http(
        &replica.base,
        "POST",
        "/admin/reload",
        &[("Authorization", &auth)],
        Duration::from_secs(300),
    )
    .await;
    assert_eq!(
        answer.status,
        200,
        "reload: {}",
        String::from_utf8_lossy(&answer.body)
    );
    serde_json::from_slice(&answer.body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS and nginx: scripts/test.sh runs it"]
async fn replicas_behind_a_balancer_switch_together_and_never_mix_versions() {
    let started = Instant::now();
    let url = fresh_database("replicas").await;
    let pool = cluster_atlas::db::connect(&db_args(&url)).await.unwrap();
    // Version 1: the bundled data.
    cluster_atlas::etl::load(&pool, &bundled_inputs())
        .await
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let inverted = tempfile::tempdir().unwrap();
    common::inverted_wimd_inputs(inverted.path());
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("boundaries");
    // Replica a reloads the inverted data, replica b the bundled data: whichever takes a
    // reload, a tile's version says which data its bytes must come from.
    let a = Replica::start(work.path(), "a", &url, inverted.path());
    let b = Replica::start(work.path(), "b", &url, &bundled);
    let balancer = Balancer::start(work.path(), &[&a.base, &b.base]);
    let mut notices = sqlx::postgres::PgListener::connect(&url).await.unwrap();
    notices.listen(DATA_VERSION_CHANNEL).await.unwrap();
    println!(
        "database loaded and replicas up in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // (c) Version 1: each tile is the same, ETag and bytes, on both replicas.
    let (v1, mut etags_compared) = tiles_of_version(&[&a, &b], 1).await;

    // (a) A load through replica a. Replica b gets no request but /metrics, which never
    // checks the version: only the notice can switch it.
    let waits = [
        tokio::spawn(wait_for_version(a.base.clone(), 2)),
        tokio::spawn(wait_for_version(b.base.clone(), 2)),
    ];
    let posted = Instant::now();
    let report = tokio::join!(reload(&a), committed(&mut notices, &pool, 2));
    assert_eq!(report.0["version"], 2);
    let commit = report.1;
    let mut switched = Vec::new();
    for wait in waits {
        switched.push(wait.await.unwrap().saturating_duration_since(commit));
    }
    println!(
        "load 2 through replica a: committed {:.1} s after the POST; a served it {} ms after \
         the commit, b {} ms after",
        commit.duration_since(posted).as_secs_f64(),
        switched[0].as_millis(),
        switched[1].as_millis()
    );
    for (name, took) in ["a", "b"].iter().zip(&switched) {
        assert!(
            *took <= SWITCH_BOUND,
            "replica {name} served version 2 only {took:?} after the commit"
        );
    }
    assert!(
        b.log_text()
            .contains("a new data version was committed; switching to it"),
        "replica b did not hear the notice: {}",
        b.log_text()
    );

    // (c) Version 2 is the same on both replicas, and differs from version 1 in every
    // tile, so a tile's bytes say which version they are.
    let (v2, compared) = tiles_of_version(&[&a, &b], 2).await;
    etags_compared += compared;
    for url in TILES {
        assert!(
            v1[url].body != v2[url].body,
            "{url} is the same in both versions"
        );
    }

    // The listener survives losing its connection: cut replica b's, and it listens again.
    let name = format!("cluster-atlas listener (pid {})", b.pid());
    let cut: Vec<bool> = sqlx::query_scalar(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
    )
    .bind(&name)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(cut, [true], "replica b's listener connection ({name})");
    let cut_at = Instant::now();
    loop {
        let back: i64 =
            sqlx::query_scalar("select count(*) from pg_stat_activity where application_name = $1")
                .bind(&name)
                .fetch_one(&pool)
                .await
                .unwrap();
        if back == 1
            && b.log_text()
                .contains("listening for new data versions again")
        {
            break;
        }
        assert!(
            cut_at.elapsed() < Duration::from_secs(15),
            "replica b's listener did not reconnect: {}",
            b.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "replica b's listener reconnected {} ms after its connection was cut",
        cut_at.elapsed().as_millis()
    );

    // (b) A load through replica b while clients fetch tiles through the balancer.
    let stop = Arc::new(AtomicBool::new(false));
    let newest = Arc::new(Mutex::new(HashMap::new()));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            tokio::spawn(fetch_until(
                balancer.base.clone(),
                Arc::clone(&stop),
                Arc::clone(&newest),
                3,
                i * 3,
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let waits = [
        tokio::spawn(wait_for_version(a.base.clone(), 3)),
        tokio::spawn(wait_for_version(b.base.clone(), 3)),
    ];
    let posted = Instant::now();
    let report = tokio::join!(reload(&b), committed(&mut notices, &pool, 3));
    assert_eq!(report.0["version"], 3);
    let commit = report.1;
    let mut switched = Vec::new();
    for wait in waits {
        switched.push(wait.await.unwrap().saturating_duration_since(commit));
    }
    // Keep fetching until each replica has answered version 3 through the balancer a few
    // dozen times (a second on the development machine), then stop.
    let upstreams = [&a, &b].map(|r| r.base.trim_start_matches("http://").to_owned());
    let after = Instant::now();
    while after.elapsed() < Duration::from_secs(60) {
        let enough = {
            let newest = newest.lock().unwrap();
            upstreams
                .iter()
                .all(|u| newest.get(u).is_some_and(|n| *n >= 40))
        };
        if enough {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut fetched = Fetched::new();
    for client in clients {
        for (key, (n, body)) in client.await.unwrap() {
            fetched.entry(key).or_insert((0, body)).0 += n;
        }
    }
    println!(
        "load 3 through replica b under traffic: committed {:.1} s after the POST; a served it \
         {} ms after the commit, b {} ms after",
        commit.duration_since(posted).as_secs_f64(),
        switched[0].as_millis(),
        switched[1].as_millis()
    );
    for (name, took) in ["a", "b"].iter().zip(&switched) {
        assert!(
            *took <= SWITCH_BOUND,
            "replica {name} served version 3 only {took:?} after the commit"
        );
    }
    let (v3, compared) = tiles_of_version(&[&a, &b], 3).await;
    etags_compared += compared;
    for url in TILES {
        assert!(
            v2[url].body != v3[url].body,
            "{url} is the same in versions 2 and 3"
        );
    }

    // Every tile fetched through the balancer is, byte for byte, the tile of the version
    // its ETag names.
    let by_version = HashMap::from([(2, &v2), (3, &v3)]);
    let mut counts: BTreeMap<(i64, String), usize> = BTreeMap::new();
    for ((url, upstream, etag, _), (n, body)) in &fetched {
        let version = etag_version(etag);
        let expected = by_version
            .get(&version)
            .unwrap_or_else(|| panic!("{url}: version {version} during the switch 2 → 3"))
            .get(url)
            .unwrap();
        assert_eq!(*etag, expected.etag, "{url} from {upstream}");
        assert!(
            *body == expected.body,
            "{url} from {upstream} carries version {version}'s ETag but not its bytes"
        );
        *counts.entry((version, upstream.clone())).or_default() += n;
    }
    println!(
        "{} tiles fetched through nginx during the switch, each its version's tile exactly \
         (by version and replica: {counts:?}); {etags_compared} ETags compared across replicas \
         ({} tiles × 3 versions); {:.1} s in all",
        counts.values().sum::<usize>(),
        TILES.len(),
        started.elapsed().as_secs_f64()
    );
    for version in [2, 3] {
        for replica in [&a, &b] {
            let upstream = replica.base.trim_start_matches("http://");
            assert!(
                counts
                    .get(&(version, upstream.to_owned()))
                    .is_some_and(|n| *n > 0),
                "no version {version} tile came from {upstream} through the balancer: {counts:?}"
            );
        }
    }
}
