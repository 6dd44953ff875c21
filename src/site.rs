//! `cluster-atlas export --format site`: the whole atlas as static files (the map page,
//! one PMTiles archive, styles, legends, glyphs, `/data`, findings, summaries and profiles)
//! that nginx, object storage or any CDN can serve with no cluster-atlas behind it.
//!
//! Every document is fetched from the real router in process, so the files are exactly
//! what the server answers; only the styles are changed, in [`static_style`]. A static host
//! cannot answer query strings, so each request is stored under the file name
//! [`site_path`] gives it, which the page's `sitePath` (static/js/api.js) computes the same
//! way; names hold no `:` ([`portable_name`]), so any file system can store the folder.
//! Every link inside a stored document is rewritten to the file it names, relative to
//! the document (or under `--public-url`), and every document so named is stored too, so
//! the folder works under any address and sub-path (`Relink`, `Site::write_linked`).
//! The map page reads the archive with the vendored `pmtiles` protocol through HTTP
//! range requests (and says so on the page when its host ignores them: static/js/site.js).
//!
//! What a static copy cannot do, it says: one classification per indicator map (the
//! page's defaults, named in `site.json` and shown on the page), no filters, no OGC API.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::export::{ExportError, ExportReport, TileFormat};
use crate::state::AppState;

/// The public URL the documents are rendered under, replaced in every exported text.
const SENTINEL: &str = "https://cluster-atlas.site.invalid";
/// The tile archive, relative to the site's root; every style's vector sources read it.
pub const ARCHIVE: &str = "tiles/wales.pmtiles";
/// The layers in the archive: all of them (both LSOA vintages), so one archive serves every
/// style.
const ARCHIVE_LAYERS: &str = "lsoa,lsoa21,clusters,health_boards,labels";
/// The classification of a static site's indicator maps: the map page's own default
/// (`DEFAULT_METHOD` in static/js/state.js) with the vocabulary's default classes and
/// palette. The page reads it from `site.json`, so the two cannot disagree.
const SITE_METHOD: &str = "quantile";
/// Documents rendered at once (the pool and 2 cores, not the disk, are the limit).
const CONCURRENCY: usize = 4;

/// Why a site export failed.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// Rendering or writing the tile archive failed.
    #[error(transparent)]
    Tiles(#[from] ExportError),
    /// The router did not answer a document the page needs.
    #[error("/{path}: the server answered {status}: {message}")]
    Document {
        /// The request.
        path: String,
        /// Its status.
        status: u16,
        /// The start of its body.
        message: String,
    },
    /// A request whose query a file name cannot hold (the page never makes one).
    #[error("/{path}: a static site cannot hold this request: {reason}")]
    Unstorable {
        /// The request.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A document was not what the page expects.
    #[error("/{path}: {reason}")]
    Unexpected {
        /// The request.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Writing the folder failed.
    #[error("{}: cannot write the site: {reason}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// What a site export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct SiteReport {
    /// The site's folder.
    pub output: String,
    /// Files written.
    pub files: usize,
    /// Bytes of every file, the archive included.
    pub bytes: u64,
    /// Bytes of the tile archive.
    pub archive_bytes: u64,
    /// Documents fetched from the router (styles, legends, data, …).
    pub documents: usize,
    /// The tile archive's report.
    pub tiles: ExportReport,
    /// Seconds taken, tiles included.
    pub seconds: f64,
}

/// The file (relative to the site's root) that holds the answer to the server path
/// `path` (no leading slash, with its query): the query's pairs, sorted by name, go into
/// the file name before its extension, and a name without one is a JSON document.
///
/// `styles/indicator.json?lang=en&indicator=copd` → `styles/indicator~indicator=copd~lang=en.json`,
/// `data/copd?period=2024&lang=cy` → `data/copd~lang=cy~period=2024.json`.
/// The twin of `sitePath` in static/js/api.js.
pub fn site_path(path: &str) -> Result<String, SiteError> {
    let raw = raw_site_path(path)?;
    let file = portable_name(&raw);
    if let Some(reason) = file.split('/').find_map(unportable_segment) {
        return Err(SiteError::Unstorable {
            path: path.to_owned(),
            reason,
        });
    }
    Ok(file)
}

/// [`site_path`] before [`portable_name`]: the request's own spelling, which tells two
/// requests that would share a file apart.
fn raw_site_path(path: &str) -> Result<String, SiteError> {
    let unstorable = |reason: &str| SiteError::Unstorable {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    let storable = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
    };
    if let Some((k, v)) = pairs.iter().find(|(k, v)| !storable(k) || !storable(v)) {
        return Err(unstorable(&format!(
            "`{k}={v}`: only letters, digits and _.:- fit a file name"
        )));
    }
    let (dir, name) = match p.rfind('/') {
        Some(i) => (&p[..=i], &p[i + 1..]),
        None => ("", p),
    };
    let dir = percent_encoding::percent_decode_str(dir)
        .decode_utf8()
        .map_err(|_| unstorable("the path is not UTF-8"))?;
    let name = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .map_err(|_| unstorable("the path is not UTF-8"))?;
    // Always a file inside the site: relative, no empty, `.` or `..` segment.
    let segments_ok = dir
        .split('/')
        .rev()
        .skip(1)
        .all(|s| !s.is_empty() && s != "." && s != "..");
    // Decoded, a name may not smuggle in a folder, a query or a fragment.
    let chars_ok = !name.contains('/')
        && dir
            .chars()
            .chain(name.chars())
            .all(|c| !c.is_control() && !"?#\\%<>\"|*".contains(c));
    if name.is_empty() || name == "." || name == ".." || !segments_ok || !chars_ok {
        return Err(unstorable("not a file inside the site"));
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (&name[..], ".json"),
    };
    let suffix: String = pairs.iter().map(|(k, v)| format!("~{k}={v}")).collect();
    Ok(format!("{dir}{stem}{suffix}{ext}"))
}

/// `name` with every `:` (cluster codes are `7A1:anglesey`) made `_`: Windows, and so SMB
/// shares and most sync tools, cannot store a `:` in a file name. The page's `sitePath`
/// (static/js/api.js) maps it the same way. Two requests that would then share a file
/// (`7A1:x` and `7A1_x`, or names differing only in case, which Windows and macOS do not
/// tell apart) are refused by the export (`Folder::write`), so no file holds two
/// documents.
pub fn portable_name(name: &str) -> String {
    name.replace(':', "_")
}

/// Why one segment of a file path is not a name every file system accepts, if it is not:
/// Windows refuses `<>:"/\|?*` and control characters, a name ending in a dot or a space,
/// and the device names (`CON`, `NUL`, `COM1`, … with any extension).
pub fn unportable_segment(segment: &str) -> Option<String> {
    if let Some(c) = segment
        .chars()
        .find(|c| c.is_control() || "<>:\"/\\|?*".contains(*c))
    {
        return Some(format!(
            "`{segment}`: {c:?} cannot be in a file name on Windows"
        ));
    }
    if segment.ends_with('.') || segment.ends_with(' ') {
        return Some(format!(
            "`{segment}`: a name ending in a dot or a space cannot be stored on Windows"
        ));
    }
    let device = segment.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&device.as_str())
        || ((device.starts_with("COM") || device.starts_with("LPT"))
            && device.len() == 4
            && device.as_bytes()[3].is_ascii_digit());
    reserved.then(|| format!("`{segment}`: {device} is a device name on Windows"))
}

/// The tile-row level of a fill layer (`/data` rows carry `level`).
fn row_level(layer: &str) -> Option<&'static str> {
    match layer {
        "clusters" => Some("cluster"),
        "health_boards" => Some("health_board"),
        "lsoa" | "lsoa21" => Some("lsoa"),
        _ => None,
    }
}

/// A server style made static:
/// - every vector source reads the archive and the glyphs are the site's, under `root`:
///   the site root as seen from the style (`../`, since styles are in `styles/`, which
///   the page resolves against the style's address), or the site's public URL;
/// - a fill coloured by a property that only indicator tiles carry (`class`,
///   `sig_vs_wales`, …) is coloured by area code instead, from `rows` (the `/data` rows of
///   the same map), since the archive holds one plain pyramid for every indicator.
///
/// Legend, layers and colours are otherwise the server's, so the two draw the same map.
pub fn static_style(style: &mut Value, rows: Option<&[Value]>, root: &str) -> Result<(), String> {
    let tiles = format!("{SENTINEL}/tiles/");
    let mut indicator_tiles = false;
    let sources = style["sources"]
        .as_object_mut()
        .ok_or("the style has no sources")?;
    for source in sources.values_mut() {
        let Some(url) = source["url"].as_str() else {
            continue;
        };
        if source["type"] == "vector" && url.starts_with(&tiles) {
            indicator_tiles |= url.contains('?');
            source["url"] = json!(format!("pmtiles://{root}{ARCHIVE}"));
        }
    }
    if let Some(glyphs) = style["glyphs"].as_str() {
        style["glyphs"] = json!(glyphs.replace(&format!("{SENTINEL}/"), root));
    }
    if !indicator_tiles {
        return Ok(());
    }
    let legend = style["metadata"]["cluster-atlas:legend"].clone();
    let (Some(kind), Some(layer), Some(property)) = (
        legend["kind"].as_str(),
        legend["layer"].as_str(),
        legend["property"].as_str(),
    ) else {
        return Err("the style's legend names no kind, layer or property".into());
    };
    let level = row_level(layer).ok_or_else(|| format!("unknown fill layer `{layer}`"))?;
    let rows = rows.ok_or("an indicator style needs the rows of its map")?;
    let mut expr = vec![json!("match"), json!(["get", "code"])];
    for entry in legend["entries"].as_array().into_iter().flatten() {
        let codes: Vec<&Value> = rows
            .iter()
            .filter(|r| r["level"] == level && r[property] == entry["key"] && r["code"].is_string())
            .map(|r| &r["code"])
            .collect();
        // A match label list may not be empty: a class no area falls in has no branch.
        if !codes.is_empty() {
            expr.push(json!(codes));
            expr.push(entry["color"].clone());
        }
    }
    expr.push(legend["no_data"]["color"].clone());
    // With no branch at all, a match is invalid: every area is "no data".
    let fill_color = if expr.len() == 3 {
        expr[2].clone()
    } else {
        Value::Array(expr)
    };
    let fill_id = format!("{kind}-fill");
    let fill = style["layers"]
        .as_array_mut()
        .and_then(|ls| ls.iter_mut().find(|l| l["id"] == fill_id.as_str()))
        .ok_or_else(|| format!("the style has no layer `{fill_id}`"))?;
    fill["paint"]["fill-color"] = fill_color;
    Ok(())
}

/// The router, asked in process.
struct Fetcher {
    app: Router,
}

impl Fetcher {
    /// The body of `GET /{path}`, which must answer 200.
    async fn get(&self, path: &str) -> Result<bytes::Bytes, SiteError> {
        let request = Request::get(format!("/{path}"))
            .header(header::ACCEPT, "application/json, */*")
            .body(Body::empty())
            .map_err(|e| SiteError::Unstorable {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {});
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| SiteError::Unexpected {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        if status != StatusCode::OK {
            return Err(SiteError::Document {
                path: path.to_owned(),
                status: status.as_u16(),
                message: String::from_utf8_lossy(&body).chars().take(300).collect(),
            });
        }
        Ok(body)
    }

    /// `GET /{path}` as JSON.
    async fn json(&self, path: &str) -> Result<Value, SiteError> {
        parse_json(path, &self.get(path).await?)
    }
}

/// The body of the answer to `path`, as JSON.
fn parse_json(path: &str, body: &[u8]) -> Result<Value, SiteError> {
    serde_json::from_slice(body).map_err(|e| SiteError::Unexpected {
        path: path.to_owned(),
        reason: format!("not JSON: {e}"),
    })
}

/// The bodies of `GET /{path}` for every path, [`CONCURRENCY`] at a time.
async fn fetch_all(
    fetcher: &Fetcher,
    paths: &[String],
) -> Result<Vec<(String, bytes::Bytes)>, SiteError> {
    stream::iter(paths)
        .map(|path| async move { Ok((path.clone(), fetcher.get(path).await?)) })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await
}

/// The folder being written, with what has gone into it.
struct Folder {
    root: PathBuf,
    files: usize,
    bytes: u64,
    /// Each file written, by its name in lower case (Windows and macOS ignore case), with
    /// the name it was asked for before [`portable_name`].
    written: HashMap<String, String>,
}

impl Folder {
    /// Whether the file asked for as `raw` (relative, before [`portable_name`]) is written.
    fn has(&self, raw: &str) -> bool {
        self.written.get(&portable_name(raw).to_lowercase()) == Some(&raw.to_owned())
    }

    /// Writes `body` as the file `raw` (relative to the root), named as every file system
    /// accepts ([`portable_name`]); refuses a name that is not portable, and a second file
    /// that would share the first's name.
    fn write(&mut self, raw: &str, body: &[u8]) -> Result<(), SiteError> {
        let relative = portable_name(raw);
        let path = self.root.join(&relative);
        if let Some(reason) = relative.split('/').find_map(unportable_segment) {
            return Err(SiteError::Write { path, reason });
        }
        match self.written.get(&relative.to_lowercase()) {
            Some(earlier) if earlier != raw => {
                return Err(SiteError::Write {
                    path,
                    reason: format!(
                        "`{earlier}` and `{raw}` would share this file (names are stored without `:` and compared without case)"
                    ),
                })
            }
            Some(_) => {
                self.files -= 1;
                self.bytes -= std::fs::metadata(&path).map_or(0, |m| m.len());
            }
            None => {}
        }
        self.written.insert(relative.to_lowercase(), raw.to_owned());
        let err = |e: std::io::Error| SiteError::Write {
            path: path.clone(),
            reason: e.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        std::fs::write(&path, body).map_err(err)?;
        self.files += 1;
        self.bytes += body.len() as u64;
        Ok(())
    }
}

/// One map of the page: its style query, and the `/data` query whose rows colour it.
struct MapView {
    kind: String,
    query: String,
    data: Option<String>,
}

/// The map of a linked style `styles/{kind}.json?{query}`: an indicator or significance
/// map is coloured from `/data` of the same query (which ignores what is not its own).
fn linked_map(path: &str) -> MapView {
    let (file, query) = path.split_once('?').unwrap_or((path, ""));
    let kind = file
        .trim_start_matches("styles/")
        .trim_end_matches(".json")
        .to_owned();
    let indicator = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "indicator")
        .map(|(_, v)| v.into_owned());
    let rest: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "indicator"))
        .finish();
    MapView {
        data: indicator.map(|id| format!("data/{id}?{rest}")),
        kind,
        query: query.to_owned(),
    }
}

/// `a=1&b=2` from pairs (values are catalogue ids, checked storable by [`site_path`]).
fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn strings<'a>(doc: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    doc[list]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v[field].as_str())
        .collect()
}

/// Exports the atlas of the database behind `pool` as a static site in `output`.
///
/// The site is written to a sibling folder and moved into place only when complete, so
/// a failed export leaves `output` as it was. An existing `output` is replaced only if it
/// is an earlier site export (it holds `site.json`) or empty.
/// `public_url`: the address the site will be published at (`https://host/atlas`); links
/// inside the exported documents are then absolute URLs of its files. By default they
/// are relative, and the folder works wherever it is served.
pub async fn export_site(
    pool: PgPool,
    output: &Path,
    public_url: Option<&str>,
    maxzoom: u8,
) -> Result<SiteReport, SiteError> {
    let started = std::time::Instant::now();
    check_replaceable(output)?;
    let (staging, mut folder) = staging_folder(output)?;
    // Tiles: one archive of every layer, rendered once, without a cache.
    let state = AppState::new(pool, Some(SENTINEL.to_owned())).with_tile_cache_bytes(0);
    let (tiles, archive_bytes) = write_archive(&state, &mut folder, maxzoom).await?;
    let fetcher = Fetcher {
        app: crate::server::router(state),
    };
    let mut site = Site {
        fetcher: &fetcher,
        folder: &mut folder,
        links: Relink::to(public_url),
        linked: Vec::new(),
    };
    let vocabulary = SiteVocabulary::fetch(&fetcher).await?;
    let mut requests = plan_requests(&fetcher, &vocabulary).await?;
    let data = write_data(&mut site, &requests.data_views).await?;
    requests.documents.extend(profile_paths(&data, &vocabulary));
    requests.documents.extend(legend_paths(&requests.maps));
    site.write_documents(&requests.documents).await?;
    let styles = write_static_styles(&mut site, &requests.maps, &data).await?;
    write_glyphs(&fetcher, &mut *site.folder).await?;
    write_page(&mut site).await?;
    write_manifest(&mut site, &vocabulary, &requests, styles, &tiles)?;
    let linked = site.write_linked().await?;
    move_into_place(staging, output)?;
    Ok(SiteReport {
        output: output.display().to_string(),
        files: folder.files,
        bytes: folder.bytes,
        archive_bytes,
        documents: requests.documents.len() + requests.data_views.len() + styles + linked,
        tiles,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Why writing `path` failed.
fn write_error(path: &Path, e: std::io::Error) -> SiteError {
    SiteError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Refuses an `output` that exists and is neither an earlier site export (with
/// `site.json`) nor empty: the export replaces it, and must not replace anything else.
fn check_replaceable(output: &Path) -> Result<(), SiteError> {
    if !output.exists() {
        return Ok(());
    }
    let is_site = output.join("site.json").is_file();
    let is_empty = std::fs::read_dir(output)
        .map_err(|e| write_error(output, e))?
        .next()
        .is_none();
    if !is_site && !is_empty {
        return Err(SiteError::Write {
            path: output.to_path_buf(),
            reason: "the folder exists and is not an earlier site export (no site.json); choose a new or empty folder".into(),
        });
    }
    Ok(())
}

/// A new staging folder beside `output` (same file system, so the final move is a
/// rename), removed on drop unless the export completes.
fn staging_folder(output: &Path) -> Result<(tempfile::TempDir, Folder), SiteError> {
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| write_error(parent, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".cluster-atlas-site-")
        .tempdir_in(parent)
        .map_err(|e| write_error(parent, e))?;
    let folder = Folder {
        root: staging.path().to_path_buf(),
        files: 0,
        bytes: 0,
        written: HashMap::new(),
    };
    Ok((staging, folder))
}

/// Writes the one PMTiles archive of every layer through the tile export; returns its
/// report and size.
async fn write_archive(
    state: &AppState,
    folder: &mut Folder,
    maxzoom: u8,
) -> Result<(ExportReport, u64), SiteError> {
    let archive = folder.root.join(ARCHIVE);
    std::fs::create_dir_all(archive.parent().unwrap_or(&folder.root))
        .map_err(|e| write_error(&archive, e))?;
    let tiles = crate::export::export(
        state,
        ARCHIVE_LAYERS,
        0,
        maxzoom,
        TileFormat::Pmtiles,
        &archive,
    )
    .await?;
    let archive_bytes = std::fs::metadata(&archive)
        .map_err(|e| write_error(&archive, e))?
        .len();
    folder.files += 1;
    folder.bytes += archive_bytes;
    folder
        .written
        .insert(ARCHIVE.to_lowercase(), ARCHIVE.to_owned());
    Ok((tiles, archive_bytes))
}

/// Characters escaped in the URL of a site file: what a URL path cannot hold as is (the
/// font folders have spaces). `~`, `=` and `_` of the query-in-the-name stay readable.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'\'');

/// A site file's path (relative to the root) as a URL path, each segment escaped.
fn url_path(file: &str) -> String {
    file.split('/')
        .map(|s| percent_encoding::utf8_percent_encode(s, PATH_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// Rewrites the links inside the documents. They were rendered under [`SENTINEL`] with
/// the server's paths (`/data/copd?lang=cy`, a summary's `W11000023.csv?lang=en`); each
/// becomes the URL of the file that holds that request ([`site_path`]): relative to the
/// document (`./`, `../`), so the folder works wherever it is served, sub-paths
/// included; or, with `--public-url`, absolute under the address the site is published
/// at. A link to tiles (TileJSON) becomes the archive, which holds them all.
struct Relink {
    /// The site's public address, without a trailing slash.
    public: Option<String>,
}

/// What one document links to, as server paths, so the export can store every one.
type Linked = Vec<String>;

impl Relink {
    fn to(public_url: Option<&str>) -> Relink {
        Relink {
            public: public_url.map(|u| u.trim_end_matches('/').to_owned()),
        }
    }

    /// The URL by which the file `from` reaches the file `to` (both relative to the root).
    fn href(&self, from: &str, to: &str) -> String {
        let to = url_path(to);
        if let Some(public) = &self.public {
            return format!("{public}/{to}");
        }
        let from = url_path(from);
        let mut from_dir: Vec<&str> = from.split('/').collect();
        from_dir.pop();
        let to_parts: Vec<&str> = to.split('/').collect();
        let (to_dir, to_name) = to_parts.split_at(to_parts.len() - 1);
        let common = from_dir
            .iter()
            .zip(to_dir)
            .take_while(|(a, b)| a == b)
            .count();
        let up = from_dir.len() - common;
        // `./` even in the same folder: a relative link is then plainly a link.
        let prefix = if up == 0 {
            "./".to_owned()
        } else {
            "../".repeat(up)
        };
        let rest: Vec<&str> = to_dir[common..].iter().chain(to_name).copied().collect();
        format!("{prefix}{}", rest.join("/"))
    }

    /// The site root as seen from the file `from`, ending in `/`: where the archive and the
    /// glyphs of a style stored there are.
    fn root(&self, from: &str) -> String {
        match &self.public {
            Some(public) => format!("{public}/"),
            None => match from.matches('/').count() {
                0 => "./".to_owned(),
                n => "../".repeat(n),
            },
        }
    }

    /// The file a server path (no leading slash) is stored in; tiles are in the archive.
    fn file_of(target: &str) -> Result<String, SiteError> {
        if target.starts_with("tiles/") {
            return Ok(ARCHIVE.to_owned());
        }
        site_path(target)
    }

    /// A link written in the document stored as `from`, rendered as `url`: the site's URL
    /// for it and the server path it names, or `None` for a link off the site.
    fn link(&self, from: &str, url: &str) -> Result<Option<(String, Option<String>)>, SiteError> {
        let Some(rest) = url.strip_prefix(SENTINEL) else {
            return Ok(None);
        };
        let target = rest.trim_start_matches('/');
        let (target, fragment) = match target.split_once('#') {
            Some((t, f)) => (t, format!("#{f}")),
            None => (target, String::new()),
        };
        if target.is_empty() {
            return Ok(Some((format!("{}{fragment}", self.root(from)), None)));
        }
        if target.contains(['{', '}']) {
            return Err(SiteError::Unexpected {
                path: from.to_owned(),
                reason: format!("a URL template a static site cannot hold: {url}"),
            });
        }
        let file = Self::file_of(target)?;
        let href = format!("{}{fragment}", self.href(from, &file));
        let stored = (file != ARCHIVE).then(|| target.to_owned());
        Ok(Some((href, stored)))
    }

    /// The document `body`, answered for the server path `path` and stored as `file`,
    /// with its links rewritten, and what it links to (to be stored too).
    fn apply(&self, path: &str, file: &str, body: &[u8]) -> Result<(Vec<u8>, Linked), SiteError> {
        let mut linked = Vec::new();
        let out = if file.ends_with(".json") {
            self.apply_json(path, file, body, &mut linked)?
        } else if file.ends_with(".html") {
            self.apply_html(path, file, body, &mut linked)?
        } else {
            body.to_vec()
        };
        if out
            .windows(SENTINEL.len())
            .any(|w| w == SENTINEL.as_bytes())
        {
            return Err(SiteError::Unexpected {
                path: path.to_owned(),
                reason: format!(
                    "the document names the server ({SENTINEL}) where no link was expected"
                ),
            });
        }
        Ok((out, linked))
    }

    /// Every string of a JSON document that is a link to the server is made the site's.
    fn apply_json(
        &self,
        path: &str,
        file: &str,
        body: &[u8],
        linked: &mut Linked,
    ) -> Result<Vec<u8>, SiteError> {
        if !body
            .windows(SENTINEL.len())
            .any(|w| w == SENTINEL.as_bytes())
        {
            return Ok(body.to_vec());
        }
        let mut doc = parse_json(path, body)?;
        self.relink_value(file, &mut doc, linked)?;
        serde_json::to_vec(&doc).map_err(|e| SiteError::Unexpected {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    fn relink_value(
        &self,
        file: &str,
        value: &mut Value,
        linked: &mut Linked,
    ) -> Result<(), SiteError> {
        match value {
            Value::String(s) => {
                if let Some((href, target)) = self.link(file, s)? {
                    *s = href;
                    linked.extend(target);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.relink_value(file, item, linked)?;
                }
            }
            Value::Object(map) => {
                for item in map.values_mut() {
                    self.relink_value(file, item, linked)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Every `href` and `src` of an HTML page, resolved against the page's own server
    /// path as a browser would, is made the site's (links off the site are kept).
    fn apply_html(
        &self,
        path: &str,
        file: &str,
        body: &[u8],
        linked: &mut Linked,
    ) -> Result<Vec<u8>, SiteError> {
        let unexpected = |reason: String| SiteError::Unexpected {
            path: path.to_owned(),
            reason,
        };
        let text = std::str::from_utf8(body).map_err(|e| unexpected(e.to_string()))?;
        let base = url::Url::parse(&format!("{SENTINEL}/{path}"))
            .map_err(|e| unexpected(e.to_string()))?;
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = [" href=\"", " src=\""]
            .iter()
            .filter_map(|a| rest.find(a).map(|i| (i, a.len())))
            .min()
        {
            let (i, len) = at;
            out.push_str(&rest[..i + len]);
            rest = &rest[i + len..];
            let end = rest
                .find('"')
                .ok_or_else(|| unexpected("an attribute without its closing quote".into()))?;
            let raw = unescape_attribute(&rest[..end]);
            rest = &rest[end..];
            let relinked = if raw.starts_with('#') {
                None
            } else {
                let url = base
                    .join(&raw)
                    .map_err(|e| unexpected(format!("{raw}: {e}")))?;
                self.link(file, url.as_str())?
            };
            match relinked {
                Some((href, target)) => {
                    out.push_str(&crate::markup::escape_xml(&href));
                    linked.extend(target);
                }
                None => out.push_str(&crate::markup::escape_xml(&raw)),
            }
        }
        out.push_str(rest);
        Ok(out.into_bytes())
    }
}

/// An HTML attribute value as text (the entities our pages and `escape_xml` write).
fn unescape_attribute(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// What the page asks for, from the same `/vocabulary` it reads.
struct SiteVocabulary {
    /// The document, for what is read only once (editions, default classes, attribution).
    document: Value,
    /// Language codes; the first is the page's default (never empty).
    languages: Vec<String>,
    /// WIMD domain ids.
    domains: Vec<String>,
    /// Health board codes.
    boards: Vec<String>,
    /// What significance can be tested against.
    benchmarks: Vec<String>,
    /// The default number of classes, as it appears in a query.
    classes: String,
    /// A static copy shows one confidence level: the default (the page's first).
    level: String,
    /// The default palette.
    palette: String,
}

impl SiteVocabulary {
    async fn fetch(fetcher: &Fetcher) -> Result<SiteVocabulary, SiteError> {
        let document = fetcher.json("vocabulary").await?;
        let owned = |list: &str, field: &str| -> Vec<String> {
            strings(&document, list, field)
                .into_iter()
                .map(str::to_owned)
                .collect()
        };
        let languages = owned("languages", "code");
        if languages.is_empty() {
            return Err(SiteError::Unexpected {
                path: "vocabulary".into(),
                reason: "no languages".into(),
            });
        }
        let domains = owned("wimd_domains", "id");
        let boards = owned("health_boards", "code");
        let benchmarks = document["significance"]["benchmarks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let classes = document["classes"]["default"].to_string();
        let level = document["confidence_levels"][0]["id"]
            .as_str()
            .unwrap_or("95")
            .to_owned();
        let palette = document["default_palette"]
            .as_str()
            .ok_or_else(|| SiteError::Unexpected {
                path: "vocabulary".into(),
                reason: "no default palette".into(),
            })?
            .to_owned();
        Ok(SiteVocabulary {
            document,
            languages,
            domains,
            boards,
            benchmarks,
            classes,
            level,
            palette,
        })
    }
}

/// The requests the export makes, planned before any is stored.
struct Requests {
    /// Documents stored as the router answers them.
    documents: Vec<String>,
    /// The page's maps, whose styles are made static.
    maps: Vec<MapView>,
    /// The `/data` views whose rows colour the indicator maps (sorted, each once).
    data_views: Vec<String>,
}

/// Every map, `/data` view and document the page can ask for in every language: the
/// deprivation maps of each edition, each indicator's maps, data, CSV and findings for
/// each period, and the summaries of Wales and every board.
async fn plan_requests(
    fetcher: &Fetcher,
    vocabulary: &SiteVocabulary,
) -> Result<Requests, SiteError> {
    let (level, classes, palette) = (
        vocabulary.level.as_str(),
        vocabulary.classes.as_str(),
        vocabulary.palette.as_str(),
    );
    let mut documents: Vec<String> = vec!["vocabulary".into()];
    let mut maps: Vec<MapView> = Vec::new();
    let mut data_views: Vec<String> = Vec::new();
    for lang in vocabulary.languages.iter().map(String::as_str) {
        let indicators_path = format!("indicators?lang={lang}");
        let indicators = fetcher.json(&indicators_path).await?;
        documents.push(indicators_path);
        // Each edition with the domains it has (the page always names the edition).
        for vintage in vocabulary.document["wimd_vintages"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(id) = vintage["id"].as_str() else {
                continue;
            };
            let with_domains = vintage["domains"].as_bool() == Some(true);
            let domains = &vocabulary.domains;
            for domain in domains
                .iter()
                .take(if with_domains { domains.len() } else { 1 })
            {
                maps.push(MapView {
                    kind: "deprivation".into(),
                    query: query(&[("domain", domain), ("lang", lang), ("vintage", id)]),
                    data: None,
                });
            }
        }
        for ind in indicators["indicators"].as_array().into_iter().flatten() {
            let Some(id) = ind["id"].as_str() else {
                continue;
            };
            for period in ind["periods"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let classified = format!(
                    "data/{id}?{}",
                    query(&[
                        ("period", period),
                        ("lang", lang),
                        ("level", level),
                        ("method", SITE_METHOD),
                        ("classes", classes)
                    ])
                );
                let plain = format!(
                    "data/{id}?{}",
                    query(&[("period", period), ("lang", lang), ("level", level)])
                );
                maps.push(MapView {
                    kind: "indicator".into(),
                    query: query(&[
                        ("indicator", id),
                        ("period", period),
                        ("method", SITE_METHOD),
                        ("classes", classes),
                        ("palette", palette),
                        ("level", level),
                        ("lang", lang),
                    ]),
                    data: Some(classified.clone()),
                });
                for vs in &vocabulary.benchmarks {
                    maps.push(MapView {
                        kind: "significance".into(),
                        query: query(&[
                            ("indicator", id),
                            ("period", period),
                            ("vs", vs),
                            ("level", level),
                            ("lang", lang),
                        ]),
                        data: Some(plain.clone()),
                    });
                }
                data_views.push(classified);
                data_views.push(plain);
                // Downloads: the CSV an analyst takes away, and the findings the page shows.
                documents.push(format!(
                    "data/{id}.csv?{}",
                    query(&[("period", period), ("lang", lang)])
                ));
                documents.push(format!(
                    "findings/{id}?{}",
                    query(&[("period", period), ("lang", lang), ("level", level)])
                ));
            }
        }
        let areas = std::iter::once(crate::catalog::WALES_CODE)
            .chain(vocabulary.boards.iter().map(String::as_str));
        for area in areas {
            for ext in ["", ".csv", ".html"] {
                documents.push(format!("summary/{area}{ext}?lang={lang}"));
            }
            // The page's table asks at its confidence level.
            documents.push(format!("summary/{area}?lang={lang}&level={level}"));
        }
    }
    data_views.sort();
    data_views.dedup();
    Ok(Requests {
        documents,
        maps,
        data_views,
    })
}

/// Fetches and stores the `/data` views (as the router sent them, relinked) and returns
/// each parsed, by request: their rows colour the indicator styles and list the clusters.
async fn write_data(
    site: &mut Site<'_>,
    data_views: &[String],
) -> Result<HashMap<String, Value>, SiteError> {
    let data_bodies = fetch_all(site.fetcher, data_views).await?;
    let mut data: HashMap<String, Value> = HashMap::with_capacity(data_bodies.len());
    for (path, body) in &data_bodies {
        site.store(path, body)?;
        data.insert(path.clone(), parse_json(path, body)?);
    }
    Ok(data)
}

/// The profile of every cluster the `/data` rows name (the card's charts and its data
/// link), in every language; the default language's without a query, as the page asks.
fn profile_paths(data: &HashMap<String, Value>, vocabulary: &SiteVocabulary) -> Vec<String> {
    let mut clusters: Vec<&str> = data
        .values()
        .flat_map(|d| d["rows"].as_array().into_iter().flatten())
        .filter(|r| r["level"] == "cluster")
        .filter_map(|r| r["code"].as_str())
        .collect();
    clusters.sort_unstable();
    clusters.dedup();
    let mut paths = Vec::new();
    let default_lang = &vocabulary.languages[0];
    for lang in &vocabulary.languages {
        let q = if lang == default_lang {
            String::new()
        } else {
            format!("?lang={lang}")
        };
        for &code in &clusters {
            let code =
                percent_encoding::utf8_percent_encode(code, percent_encoding::NON_ALPHANUMERIC);
            for chart in ["", "/pyramid.svg", "/deprivation.svg"] {
                paths.push(format!("profiles/{code}{chart}{q}"));
            }
        }
    }
    paths
}

/// Each map's legend, as JSON and SVG.
fn legend_paths(maps: &[MapView]) -> Vec<String> {
    maps.iter()
        .flat_map(|map| {
            [
                format!("legends/{}.json?{}", map.kind, map.query),
                format!("legends/{}.svg?{}", map.kind, map.query),
            ]
        })
        .collect()
}

/// The export under way: the router, the folder, how links are written, and the server
/// paths the stored documents link to.
struct Site<'a> {
    fetcher: &'a Fetcher,
    folder: &'a mut Folder,
    links: Relink,
    linked: Vec<String>,
}

/// Documents stored only because another links to them, at most: a bound on a link
/// structure that would otherwise grow without end.
const MAX_LINKED: usize = 5000;

impl Site<'_> {
    /// Stores the router's answer to `path` under its file name, its links rewritten, and
    /// notes what it links to.
    fn store(&mut self, path: &str, body: &[u8]) -> Result<(), SiteError> {
        let raw = raw_site_path(path)?;
        let file = site_path(path)?;
        let (body, linked) = self.links.apply(path, &file, body)?;
        self.folder.write(&raw, &body)?;
        self.linked.extend(linked);
        Ok(())
    }

    /// Fetches and stores every document (each file once) as the router answers it.
    async fn write_documents(&mut self, documents: &[String]) -> Result<(), SiteError> {
        let mut files = std::collections::HashSet::new();
        let mut unique = Vec::with_capacity(documents.len());
        for path in documents {
            let raw = raw_site_path(path)?;
            if !self.folder.has(&raw) && files.insert(raw) {
                unique.push(path.clone());
            }
        }
        for (path, body) in &fetch_all(self.fetcher, &unique).await? {
            self.store(path, body)?;
        }
        Ok(())
    }

    /// Stores every document a stored one links to and the plan did not hold (a summary's
    /// other language and confidence level, an indicator's default views), until every
    /// link of the site is a file of it; returns how many.
    async fn write_linked(&mut self) -> Result<usize, SiteError> {
        let mut added = 0;
        loop {
            let mut wanted = std::mem::take(&mut self.linked);
            wanted.sort();
            wanted.dedup();
            let before = added;
            let mut batch = Vec::new();
            for path in wanted {
                if !self.folder.has(&raw_site_path(&path)?) {
                    batch.push(path);
                }
            }
            added += batch.len();
            if added > MAX_LINKED {
                return Err(SiteError::Unexpected {
                    path: batch.first().cloned().unwrap_or_default(),
                    reason: format!("the documents link to more than {MAX_LINKED} others"),
                });
            }
            // A style is made static like the page's own (an indicator's default style,
            // linked from /indicators), coloured from the rows of its /data view.
            let (styles, documents): (Vec<String>, Vec<String>) =
                batch.into_iter().partition(|p| {
                    p.starts_with("styles/")
                        && p.split('?').next().is_some_and(|f| f.ends_with(".json"))
                });
            let maps: Vec<MapView> = styles.iter().map(|p| linked_map(p)).collect();
            let mut views: Vec<String> = maps.iter().filter_map(|m| m.data.clone()).collect();
            views.sort();
            views.dedup();
            let mut data = HashMap::new();
            for (path, body) in fetch_all(self.fetcher, &views).await? {
                let doc = parse_json(&path, &body)?;
                data.insert(path, doc);
            }
            write_static_styles(self, &maps, &data).await?;
            self.write_documents(&documents).await?;
            if added == before {
                return Ok(added);
            }
        }
    }
}

/// Fetches every map's style, makes it static ([`static_style`], colouring indicator
/// fills from the map's `/data` rows) and stores it; returns how many.
async fn write_static_styles(
    site: &mut Site<'_>,
    maps: &[MapView],
    data: &HashMap<String, Value>,
) -> Result<usize, SiteError> {
    let fetcher = site.fetcher;
    // Every style is stored in `styles/`; it reaches the archive and glyphs from there.
    let root = site.links.root("styles/style.json");
    let root = root.as_str();
    let styles: Vec<(String, Value)> = stream::iter(maps.iter())
        .map(|map| async move {
            let path = format!("styles/{}.json?{}", map.kind, map.query);
            let mut style = fetcher.json(&path).await?;
            let rows = map
                .data
                .as_ref()
                .and_then(|d| data.get(d))
                .and_then(|d| d["rows"].as_array())
                .map(Vec::as_slice);
            static_style(&mut style, rows, root).map_err(|reason| SiteError::Unexpected {
                path: path.clone(),
                reason,
            })?;
            Ok::<_, SiteError>((path, style))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    for (path, style) in &styles {
        let body = serde_json::to_vec(style).map_err(|e| SiteError::Unexpected {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        site.store(path, &body)?;
    }
    Ok(styles.len())
}

/// Stores every glyph range of both label fonts (an uncovered range is a valid empty one,
/// as the server answers), under the stack names the styles ask for, and their licence.
async fn write_glyphs(fetcher: &Fetcher, folder: &mut Folder) -> Result<(), SiteError> {
    for font in [
        crate::style::maplibre::LABEL_FONT,
        crate::style::maplibre::BOARD_FONT,
    ] {
        let encoded =
            percent_encoding::utf8_percent_encode(font, percent_encoding::NON_ALPHANUMERIC);
        for start in (0..65536u32).step_by(256) {
            let range = format!("{start}-{}.pbf", start + 255);
            let body = fetcher.get(&format!("fonts/{encoded}/{range}")).await?;
            folder.write(&format!("fonts/{font}/{range}"), &body)?;
        }
    }
    folder.write(
        "fonts/LICENSE.txt",
        &fetcher.get("fonts/LICENSE.txt").await?,
    )
}

/// Stores the map page, marked as a static site (so it reads `site.json`), as
/// `index.html` and `map.html`, and its static assets (not the API viewer's: there is no
/// API here; nor the page's own template).
async fn write_page(site: &mut Site<'_>) -> Result<(), SiteError> {
    let fetcher = site.fetcher;
    for asset in crate::web::asset_paths() {
        // The page itself is index.html and map.html at the root, where its relative
        // links resolve; a copy in static/ would link to static/static/….
        if asset.starts_with("vendor/swagger-ui/")
            || asset.starts_with("api.")
            || asset == "map.html"
        {
            continue;
        }
        let body = fetcher.get(&format!("static/{asset}")).await?;
        site.folder.write(&format!("static/{asset}"), &body)?;
    }
    let page = fetcher.get("map").await?;
    let page = String::from_utf8_lossy(&page).replacen(
        "<meta charset=\"utf-8\">",
        "<meta charset=\"utf-8\">\n<meta name=\"cluster-atlas:site\" content=\"site.json\">",
        1,
    );
    if !page.contains("cluster-atlas:site") {
        return Err(SiteError::Unexpected {
            path: "map".into(),
            reason: "the page has no <meta charset=\"utf-8\"> to mark it as a static site".into(),
        });
    }
    // The page's links are relative to it (it is served at `/` and `/map` alike).
    for file in ["index.html", "map.html"] {
        let (body, linked) = site.links.apply("map", file, page.as_bytes())?;
        site.folder.write(file, &body)?;
        site.linked.extend(linked);
    }
    Ok(())
}

/// Stores `site.json`: what the site holds (documents by kind, the archive, its data
/// version) and the one classification its indicator maps use, which the page reads.
fn write_manifest(
    site: &mut Site<'_>,
    vocabulary: &SiteVocabulary,
    requests: &Requests,
    styles: usize,
    tiles: &ExportReport,
) -> Result<(), SiteError> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for path in requests.documents.iter().chain(&requests.data_views) {
        *counts
            .entry(path.split(['/', '?']).next().unwrap_or(""))
            .or_default() += 1;
    }
    *counts.entry("styles").or_default() += styles;
    let manifest = json!({
        "site": "cluster-atlas static export",
        "data_version": tiles.data_version,
        // Relative to site.json (or absolute, with --public-url), as every link of the site.
        "archive": site.links.href("site.json", ARCHIVE),
        "archive_layers": ARCHIVE_LAYERS,
        "classification": {"method": SITE_METHOD, "classes": vocabulary.document["classes"]["default"], "palette": vocabulary.palette},
        "documents": counts,
        "attribution": vocabulary.document["attribution"],
        "note": "Written by `cluster-atlas export --format site`. One classification per indicator map (above); \
                 the cluster-atlas server offers every method, class count, palette and filter, and the OGC API.",
    });
    let manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| SiteError::Unexpected {
            path: "site.json".into(),
            reason: e.to_string(),
        })?;
    site.folder.write("site.json", &manifest_bytes)
}

/// Moves the complete site into place: the old site (if any) goes only now.
fn move_into_place(staging: tempfile::TempDir, output: &Path) -> Result<(), SiteError> {
    if output.exists() {
        std::fs::remove_dir_all(output).map_err(|e| write_error(output, e))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, output).map_err(|e| write_error(output, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_paths_sort_the_query_into_the_file_name() {
        let cases = [
            (
                "styles/indicator.json?lang=en&indicator=copd",
                "styles/indicator~indicator=copd~lang=en.json",
            ),
            (
                "data/copd?period=2024&lang=cy",
                "data/copd~lang=cy~period=2024.json",
            ),
            ("vocabulary", "vocabulary.json"),
            (
                "profiles/7A6%3Ablaenau/pyramid.svg?lang=cy",
                "profiles/7A6_blaenau/pyramid~lang=cy.svg",
            ),
            ("profiles/7A6%3Ablaenau", "profiles/7A6_blaenau.json"),
            (
                "summary/x?area=7A1:anglesey",
                "summary/x~area=7A1_anglesey.json",
            ),
            (
                "summary/W92000004.csv?lang=en",
                "summary/W92000004~lang=en.csv",
            ),
        ];
        for (path, file) in cases {
            assert_eq!(site_path(path).unwrap(), file, "{path}");
        }
    }

    #[test]
    fn site_paths_refuse_what_a_file_name_cannot_hold() {
        for path in [
            "data/copd?breaks=1,2,3",
            "data/copd?q=a%2Fb",
            "../etc/passwd",
            "data/..?x=1",
            "data/copd?lang=",
            "/etc/passwd",
            "a//b.json",
            "./x",
            "data/a%2Fb",
            "data/a%3Fb",
            "data/a%7Cb",
            "data/a%2A",
            "data/a%3Cb",
            "profiles/nul.json",
            "profiles/COM1",
            "profiles/x%20/y.json",
            "profiles/x./y.json",
        ] {
            assert!(
                matches!(site_path(path), Err(SiteError::Unstorable { .. })),
                "{path}"
            );
        }
    }

    #[test]
    fn links_are_relative_to_the_document_or_under_the_public_url() {
        let relative = Relink::to(None);
        assert_eq!(
            relative.href("summary/W1~lang=en.html", "summary/W1~lang=cy.html"),
            "./W1~lang=cy.html"
        );
        assert_eq!(
            relative.href("profiles/7A1_x.json", "profiles/7A1_x/pyramid.svg"),
            "./7A1_x/pyramid.svg"
        );
        assert_eq!(
            relative.href("profiles/7A1_x/a.json", "fonts/Noto Sans/0-255.pbf"),
            "../../fonts/Noto%20Sans/0-255.pbf"
        );
        assert_eq!(relative.href("site.json", ARCHIVE), "./tiles/wales.pmtiles");
        assert_eq!(relative.root("styles/a.json"), "../");
        let public = Relink::to(Some("https://example.org/atlas/"));
        assert_eq!(
            public.href("summary/W1.html", "data/copd~lang=en.json"),
            "https://example.org/atlas/data/copd~lang=en.json"
        );
        assert_eq!(public.root("styles/a.json"), "https://example.org/atlas/");
    }

    #[test]
    fn documents_link_to_the_files_of_their_targets() {
        let links = Relink::to(None);
        let json = format!(
            r#"{{"links":{{"data":"{SENTINEL}/data/copd?lang=cy","tiles":"{SENTINEL}/tiles/clusters?indicator=copd"}},
                "charts":{{"pyramid":"{SENTINEL}/profiles/7A1%3Aanglesey/pyramid.svg?lang=cy"}},"name":"Ynys Môn"}}"#
        );
        let (body, linked) = links
            .apply(
                "indicators?lang=cy",
                "indicators~lang=cy.json",
                json.as_bytes(),
            )
            .unwrap();
        let doc: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(doc["links"]["data"], "./data/copd~lang=cy.json");
        assert_eq!(doc["links"]["tiles"], "./tiles/wales.pmtiles");
        assert_eq!(
            doc["charts"]["pyramid"],
            "./profiles/7A1_anglesey/pyramid~lang=cy.svg"
        );
        assert_eq!(doc["name"], "Ynys Môn");
        assert_eq!(
            linked,
            [
                "data/copd?lang=cy",
                "profiles/7A1%3Aanglesey/pyramid.svg?lang=cy"
            ]
        );

        let html = r##"<p><a href="W11.html?lang=cy&amp;level=95" hreflang="cy">Cymraeg</a> <a href="W11.csv?lang=en&amp;level=95">CSV</a> <a href="#t">t</a> <a href="https://www.nationalarchives.gov.uk/x?a=1&amp;b=2">OGL</a><script src="../static/js/summary-table.js"></script>"##;
        let (body, linked) = links
            .apply(
                "summary/W11.html?lang=en&level=95",
                "summary/W11~lang=en~level=95.html",
                html.as_bytes(),
            )
            .unwrap();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r##"<p><a href="./W11~lang=cy~level=95.html" hreflang="cy">Cymraeg</a> <a href="./W11~lang=en~level=95.csv">CSV</a> <a href="#t">t</a> <a href="https://www.nationalarchives.gov.uk/x?a=1&amp;b=2">OGL</a><script src="../static/js/summary-table.js"></script>"##
        );
        assert_eq!(
            linked,
            [
                "summary/W11.html?lang=cy&level=95",
                "summary/W11.csv?lang=en&level=95",
                "static/js/summary-table.js"
            ]
        );
    }

    fn indicator_style() -> Value {
        json!({
            "version": 8,
            "glyphs": format!("{SENTINEL}/fonts/{{fontstack}}/{{range}}.pbf"),
            "metadata": {"cluster-atlas:legend": {
                "kind": "indicator", "layer": "clusters", "property": "class",
                "entries": [{"key": 1, "color": "#aaa"}, {"key": 2, "color": "#bbb"}, {"key": 3, "color": "#ccc"}],
                "no_data": {"key": null, "color": "#eee"}}},
            "sources": {
                "atlas": {"type": "vector", "url": format!("{SENTINEL}/tiles/clusters,health_boards?indicator=copd")},
                "lsoa-names": {"type": "vector", "url": format!("{SENTINEL}/tiles/lsoa")}},
            "layers": [{"id": "indicator-fill", "type": "fill", "source": "atlas", "source-layer": "clusters",
                "paint": {"fill-color": ["match", ["get", "class"], [1], "#aaa", [2], "#bbb", [3], "#ccc", "#eee"]}}],
        })
    }

    #[test]
    fn indicator_styles_colour_by_code_from_the_rows_and_read_the_archive() {
        let mut style = indicator_style();
        let rows = [
            json!({"level": "cluster", "code": "A", "class": 1}),
            json!({"level": "cluster", "code": "B", "class": 3}),
            json!({"level": "cluster", "code": "C", "class": 1}),
            json!({"level": "cluster", "code": "D", "class": null}),
            // A board row with a class must not colour a cluster.
            json!({"level": "health_board", "code": "A", "class": 2}),
        ];
        static_style(&mut style, Some(&rows), "../").unwrap();
        assert_eq!(
            style["layers"][0]["paint"]["fill-color"],
            json!([
                "match",
                ["get", "code"],
                ["A", "C"],
                "#aaa",
                ["B"],
                "#ccc",
                "#eee"
            ])
        );
        assert_eq!(
            style["sources"]["atlas"]["url"],
            "pmtiles://../tiles/wales.pmtiles"
        );
        assert_eq!(
            style["sources"]["lsoa-names"]["url"],
            "pmtiles://../tiles/wales.pmtiles"
        );
        assert_eq!(style["glyphs"], "../fonts/{fontstack}/{range}.pbf");
    }

    #[test]
    fn a_style_of_plain_tiles_keeps_its_colours_and_an_indicator_style_needs_rows() {
        let mut style = indicator_style();
        style["sources"]["atlas"]["url"] = json!(format!("{SENTINEL}/tiles/wales"));
        let before = style["layers"].clone();
        static_style(&mut style, None, "../").unwrap();
        assert_eq!(style["layers"], before);
        assert!(static_style(&mut indicator_style(), None, "../").is_err());
        // No area in any class: one colour, not an empty (invalid) match.
        let mut style = indicator_style();
        static_style(&mut style, Some(&[]), "../").unwrap();
        assert_eq!(style["layers"][0]["paint"]["fill-color"], "#eee");
    }
}
