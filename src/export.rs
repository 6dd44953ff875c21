//! `cluster-atlas export`: the tile pyramid as PMTiles, MBTiles or a folder of files, for
//! static hosting behind a CDN (and for `serve --pmtiles`, which needs no database).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use futures::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::Value;

use crate::catalog::indicators::Lang;
use crate::catalog::LayerId;
use crate::db::DataVersion;
use crate::error::AppError;
use crate::etl::progress::Progress;
use crate::state::AppState;
use crate::tiles::{LayerSet, TileCoord};

use crate::config::ExportFormat;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A tile could not be rendered.
    #[error("rendering tiles failed: {0}")]
    Render(#[from] AppError),
    /// Writing the archive failed.
    #[error("{}: cannot write the archive: {reason}", path.display())]
    Write {
        /// The output.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// Output path.
    pub output: String,
    /// Tiles looked at.
    pub tiles_rendered: usize,
    /// Non-empty tiles written.
    pub tiles_written: usize,
    /// Largest tile per zoom, uncompressed bytes.
    pub largest_tile_by_zoom: Vec<(u8, usize)>,
    /// Bytes of uncompressed tile data.
    pub raw_bytes: u64,
    /// Seconds taken.
    pub seconds: f64,
    /// Data version exported.
    pub data_version: i64,
}

/// The archive formats [`export`] writes: every `--format` but `site`, which
/// `site::export_site` writes (pages and documents around a PMTiles archive). A type of its
/// own so that a tile export cannot be asked for a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileFormat {
    /// PMTiles v3.
    Pmtiles,
    /// MBTiles (SQLite).
    Mbtiles,
    /// A `{z}/{x}/{y}.mvt` folder, with `.mvt.gz` beside each.
    Dir,
}

impl TileFormat {
    /// The archive format `--format` asks for, or `None` for `site`.
    pub fn of(format: ExportFormat) -> Option<TileFormat> {
        match format {
            ExportFormat::Pmtiles => Some(TileFormat::Pmtiles),
            ExportFormat::Mbtiles => Some(TileFormat::Mbtiles),
            ExportFormat::Dir => Some(TileFormat::Dir),
            ExportFormat::Site => None,
        }
    }
}

/// One rendered tile, raw and gzip-compressed (every format stores one or both).
struct Rendered {
    coord: TileCoord,
    raw: bytes::Bytes,
    gzip: bytes::Bytes,
}

/// What every archive format writes: the non-empty tiles, the archive's description
/// (name, attribution, vector layers) and its extent.
struct Pyramid {
    tiles: Vec<Rendered>,
    metadata: Value,
    /// West, south, east, north.
    bounds: [f64; 4],
    minzoom: u8,
    maxzoom: u8,
}

/// Renders every tile of `layers` covering the loaded data from `minzoom` to `maxzoom`
/// and writes them in `format` to `output`.
pub async fn export(
    state: &AppState,
    layers: &str,
    minzoom: u8,
    maxzoom: u8,
    format: TileFormat,
    output: &Path,
) -> Result<ExportReport, ExportError> {
    let started = std::time::Instant::now();
    let set = LayerSet::parse(layers).map_err(AppError::from)?;
    let snapshot = state.snapshot().await?;
    let data = &snapshot.data;
    let coords = covering_coords(&set, data.bounds, minzoom, maxzoom);
    let mut tiles = render_tiles(state, &set, &coords, output).await?;
    let rendered = tiles.len();
    tiles.retain(|t| !t.raw.is_empty());
    let largest = largest_tile_by_zoom(&tiles);
    let raw_bytes = tiles.iter().map(|t| t.raw.len() as u64).sum();
    let mut pyramid = Pyramid {
        tiles,
        metadata: archive_metadata(layers, &set, data),
        bounds: data.bounds,
        minzoom,
        maxzoom,
    };
    match format {
        TileFormat::Pmtiles => write_pmtiles(&mut pyramid, output)?,
        TileFormat::Mbtiles => write_mbtiles(&pyramid, output)?,
        TileFormat::Dir => write_dir(&pyramid, output)?,
    }
    Ok(ExportReport {
        output: output.display().to_string(),
        tiles_rendered: rendered,
        tiles_written: pyramid.tiles.len(),
        largest_tile_by_zoom: largest,
        raw_bytes,
        seconds: started.elapsed().as_secs_f64(),
        data_version: data.version,
    })
}

/// Why writing `output` failed.
fn write_error(output: &Path, reason: impl ToString) -> ExportError {
    ExportError::Write {
        path: output.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Every tile address from `minzoom` to `maxzoom` that covers `bounds` and where at least
/// one of the layers is drawn.
fn covering_coords(set: &LayerSet, bounds: [f64; 4], minzoom: u8, maxzoom: u8) -> Vec<TileCoord> {
    (minzoom..=maxzoom)
        .flat_map(|z| TileCoord::covering(z, bounds))
        .filter(|c| set.at_zoom(c.z).is_ok())
        .collect()
}

/// Renders every tile through the tile engine, four at a time, showing progress. Every
/// tile is tried; then the first failure, if any, fails the export.
async fn render_tiles(
    state: &AppState,
    set: &LayerSet,
    coords: &[TileCoord],
    output: &Path,
) -> Result<Vec<Rendered>, ExportError> {
    let progress = Progress::new(
        coords.len() as u64,
        &format!("exporting {}", output.display()),
    );
    let none = crate::tiles::request::TileQuery::default();
    let results: Vec<Result<Rendered, AppError>> = stream::iter(coords.iter().copied())
        .map(|coord| {
            let (none, progress) = (&none, &progress);
            async move {
                let (tile, _) = state.tiles.tile(set, coord, none).await?;
                progress.inc();
                Ok(Rendered {
                    coord,
                    raw: tile.raw.clone(),
                    gzip: tile.gzip(),
                })
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    progress.finish();
    let mut tiles = Vec::with_capacity(results.len());
    for r in results {
        tiles.push(r?);
    }
    Ok(tiles)
}

/// The largest tile of each zoom, in uncompressed bytes, shallowest zoom first.
fn largest_tile_by_zoom(tiles: &[Rendered]) -> Vec<(u8, usize)> {
    let mut largest: HashMap<u8, usize> = HashMap::new();
    for t in tiles {
        let e = largest.entry(t.coord.z).or_default();
        *e = (*e).max(t.raw.len());
    }
    let mut largest: Vec<(u8, usize)> = largest.into_iter().collect();
    largest.sort_unstable();
    largest
}

/// The archive's description, as PMTiles metadata and `metadata.json` carry it (MBTiles
/// takes its fields one by one).
fn archive_metadata(layers: &str, set: &LayerSet, data: &DataVersion) -> Value {
    serde_json::json!({
        "name": format!("cluster-atlas {layers}"),
        "layers": set.url_name(),
        "description": "Wales primary care clusters, LSOAs and health boards with WIMD 2019",
        "attribution": crate::catalog::attribution(data.cluster_approximate, Lang::En),
        "version": format!("{}.0.0", data.version),
        "vector_layers": set.layers().iter().map(|l: &LayerId| {
            let layer = l.layer();
            serde_json::json!({"id": l.as_str(), "minzoom": layer.minzoom, "maxzoom": layer.maxzoom,
                "fields": layer.fields.iter().map(|f| (f.name.to_owned(), serde_json::json!(f.description))).collect::<serde_json::Map<_, _>>()})
        }).collect::<Vec<_>>(),
    })
}

/// One PMTiles v3 file of the gzip-compressed tiles.
fn write_pmtiles(pyramid: &mut Pyramid, output: &Path) -> Result<(), ExportError> {
    use pmtiles::{Compression, PmTilesWriter, TileCoord as PmCoord, TileId, TileType};
    let [w, s, e, n] = pyramid.bounds;
    // Tile ids increase along the Hilbert curve: write in that order for fast reads.
    pyramid.tiles.sort_by_key(|t| {
        PmCoord::new(t.coord.z, t.coord.x, t.coord.y)
            .map(|c| TileId::from(c).value())
            .unwrap_or(u64::MAX)
    });
    let file = std::fs::File::create(output).map_err(|e| write_error(output, e))?;
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .precompressed(Compression::Gzip)
        .min_zoom(pyramid.minzoom)
        .max_zoom(pyramid.maxzoom)
        .bounds(w, s, e, n)
        .center((w + e) / 2.0, (s + n) / 2.0)
        .center_zoom(7)
        .metadata(pyramid.metadata.to_string())
        .create(std::io::BufWriter::new(file))
        .map_err(|e| write_error(output, e))?;
    for t in &pyramid.tiles {
        let coord =
            PmCoord::new(t.coord.z, t.coord.x, t.coord.y).map_err(|e| write_error(output, e))?;
        writer
            .add_tile(coord, &t.gzip)
            .map_err(|e| write_error(output, e))?;
    }
    writer.finalize().map_err(|e| write_error(output, e))
}

/// One MBTiles (SQLite) file, replacing any file at `output`, written in one transaction.
fn write_mbtiles(pyramid: &Pyramid, output: &Path) -> Result<(), ExportError> {
    let (metadata, minzoom, maxzoom) = (&pyramid.metadata, pyramid.minzoom, pyramid.maxzoom);
    let [w, s, e, n] = pyramid.bounds;
    if output.exists() {
        std::fs::remove_file(output).map_err(|e| write_error(output, e))?;
    }
    let mut db = rusqlite::Connection::open(output).map_err(|e| write_error(output, e))?;
    let tx = db.transaction().map_err(|e| write_error(output, e))?;
    tx.execute_batch(
        "create table metadata (name text, value text); \
         create table tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob); \
         create unique index tile_index on tiles (zoom_level, tile_column, tile_row);",
    )
    .map_err(|e| write_error(output, e))?;
    let meta = [
        ("name", metadata["name"].as_str().unwrap_or("").to_owned()),
        ("format", "pbf".to_owned()),
        ("type", "overlay".to_owned()),
        (
            "version",
            metadata["version"].as_str().unwrap_or("").to_owned(),
        ),
        (
            "description",
            metadata["description"].as_str().unwrap_or("").to_owned(),
        ),
        (
            "attribution",
            metadata["attribution"].as_str().unwrap_or("").to_owned(),
        ),
        ("bounds", format!("{w},{s},{e},{n}")),
        ("center", format!("{},{},7", (w + e) / 2.0, (s + n) / 2.0)),
        ("minzoom", minzoom.to_string()),
        ("maxzoom", maxzoom.to_string()),
        (
            "json",
            serde_json::json!({"vector_layers": metadata["vector_layers"]}).to_string(),
        ),
    ];
    for (k, v) in meta {
        tx.execute("insert into metadata (name, value) values (?1, ?2)", (k, v))
            .map_err(|e| write_error(output, e))?;
    }
    {
        let mut insert = tx
            .prepare("insert into tiles (zoom_level, tile_column, tile_row, tile_data) values (?1, ?2, ?3, ?4)")
            .map_err(|e| write_error(output, e))?;
        for t in &pyramid.tiles {
            // MBTiles rows count from the south (TMS).
            let tms_row = (1u32 << t.coord.z) - 1 - t.coord.y;
            insert
                .execute((t.coord.z, t.coord.x, tms_row, &t.gzip[..]))
                .map_err(|e| write_error(output, e))?;
        }
    }
    tx.commit().map_err(|e| write_error(output, e))
}

/// A `{z}/{x}/{y}.mvt` folder with `.mvt.gz` beside each tile and `metadata.json`.
fn write_dir(pyramid: &Pyramid, output: &Path) -> Result<(), ExportError> {
    for t in &pyramid.tiles {
        let dir = output
            .join(t.coord.z.to_string())
            .join(t.coord.x.to_string());
        std::fs::create_dir_all(&dir).map_err(|e| write_error(output, e))?;
        std::fs::write(dir.join(format!("{}.mvt", t.coord.y)), &t.raw)
            .map_err(|e| write_error(output, e))?;
        std::fs::write(dir.join(format!("{}.mvt.gz", t.coord.y)), &t.gzip)
            .map_err(|e| write_error(output, e))?;
    }
    std::fs::write(output.join("metadata.json"), pyramid.metadata.to_string())
        .map_err(|e| write_error(output, e))
}
