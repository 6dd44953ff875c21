//! `cluster-atlas export`: the tile pyramid as PMTiles, MBTiles or a folder of files, for
//! static hosting behind a CDN (and for `serve --pmtiles`, which needs no database).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use futures::stream::{self, StreamExt};
use serde::Serialize;

use crate::catalog::indicators::Lang;
use crate::catalog::LayerId;
use crate::error::AppError;
use crate::etl::progress::Progress;
use crate::state::AppState;
use crate::tiles::{LayerSet, TileCoord};

pub use crate::config::ExportFormat;

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

struct Rendered {
    coord: TileCoord,
    raw: bytes::Bytes,
    gzip: bytes::Bytes,
}

/// Renders every tile of `layers` covering the loaded data from `minzoom` to `maxzoom`
/// and writes them in `format` to `output`.
pub async fn export(
    state: &AppState,
    layers: &str,
    minzoom: u8,
    maxzoom: u8,
    format: ExportFormat,
    output: &Path,
) -> Result<ExportReport, ExportError> {
    let started = std::time::Instant::now();
    let write_err = |reason: String| ExportError::Write {
        path: output.to_path_buf(),
        reason,
    };
    let set = LayerSet::parse(layers).map_err(AppError::from)?;
    let snapshot = state.snapshot().await?;
    let coords: Vec<TileCoord> = (minzoom..=maxzoom)
        .flat_map(|z| TileCoord::covering(z, snapshot.data.bounds))
        .filter(|c| set.at_zoom(c.z).is_ok())
        .collect();
    let progress = Progress::new(
        coords.len() as u64,
        &format!("exporting {}", output.display()),
    );
    let none = crate::tiles::request::TileQuery::plain();
    let results: Vec<Result<Rendered, AppError>> = stream::iter(coords.iter().copied())
        .map(|coord| {
            let (set, none, progress) = (&set, &none, &progress);
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
    let rendered = tiles.len();
    tiles.retain(|t| !t.raw.is_empty());
    let mut largest: HashMap<u8, usize> = HashMap::new();
    for t in &tiles {
        let e = largest.entry(t.coord.z).or_default();
        *e = (*e).max(t.raw.len());
    }
    let mut largest: Vec<(u8, usize)> = largest.into_iter().collect();
    largest.sort_unstable();
    let raw_bytes = tiles.iter().map(|t| t.raw.len() as u64).sum();
    let data = &snapshot.data;
    let metadata = serde_json::json!({
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
    });
    let [w, s, e, n] = data.bounds;
    match format {
        ExportFormat::Pmtiles => {
            use pmtiles::{Compression, PmTilesWriter, TileCoord as PmCoord, TileId, TileType};
            // Tile ids increase along the Hilbert curve: write in that order for fast reads.
            tiles.sort_by_key(|t| {
                PmCoord::new(t.coord.z, t.coord.x, t.coord.y)
                    .map(|c| TileId::from(c).value())
                    .unwrap_or(u64::MAX)
            });
            let file = std::fs::File::create(output).map_err(|e| write_err(e.to_string()))?;
            let mut writer = PmTilesWriter::new(TileType::Mvt)
                .precompressed(Compression::Gzip)
                .min_zoom(minzoom)
                .max_zoom(maxzoom)
                .bounds(w, s, e, n)
                .center((w + e) / 2.0, (s + n) / 2.0)
                .center_zoom(7)
                .metadata(metadata.to_string())
                .create(std::io::BufWriter::new(file))
                .map_err(|e| write_err(e.to_string()))?;
            for t in &tiles {
                let coord = PmCoord::new(t.coord.z, t.coord.x, t.coord.y)
                    .map_err(|e| write_err(e.to_string()))?;
                writer
                    .add_tile(coord, &t.gzip)
                    .map_err(|e| write_err(e.to_string()))?;
            }
            writer.finalize().map_err(|e| write_err(e.to_string()))?;
        }
        ExportFormat::Mbtiles => {
            if output.exists() {
                std::fs::remove_file(output).map_err(|e| write_err(e.to_string()))?;
            }
            let mut db =
                rusqlite::Connection::open(output).map_err(|e| write_err(e.to_string()))?;
            let tx = db.transaction().map_err(|e| write_err(e.to_string()))?;
            tx.execute_batch(
                "create table metadata (name text, value text); \
                 create table tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob); \
                 create unique index tile_index on tiles (zoom_level, tile_column, tile_row);",
            )
            .map_err(|e| write_err(e.to_string()))?;
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
                    .map_err(|e| write_err(e.to_string()))?;
            }
            {
                let mut insert = tx
                    .prepare("insert into tiles (zoom_level, tile_column, tile_row, tile_data) values (?1, ?2, ?3, ?4)")
                    .map_err(|e| write_err(e.to_string()))?;
                for t in &tiles {
                    // MBTiles rows count from the south (TMS).
                    let tms_row = (1u32 << t.coord.z) - 1 - t.coord.y;
                    insert
                        .execute((t.coord.z, t.coord.x, tms_row, &t.gzip[..]))
                        .map_err(|e| write_err(e.to_string()))?;
                }
            }
            tx.commit().map_err(|e| write_err(e.to_string()))?;
        }
        ExportFormat::Site => {
            // A site is pages and documents around a PMTiles archive: `site::export_site`.
            return Err(write_err(
                "a site is written by site::export_site, not as a tile archive".into(),
            ));
        }
        ExportFormat::Dir => {
            for t in &tiles {
                let dir = output
                    .join(t.coord.z.to_string())
                    .join(t.coord.x.to_string());
                std::fs::create_dir_all(&dir).map_err(|e| write_err(e.to_string()))?;
                std::fs::write(dir.join(format!("{}.mvt", t.coord.y)), &t.raw)
                    .map_err(|e| write_err(e.to_string()))?;
                std::fs::write(dir.join(format!("{}.mvt.gz", t.coord.y)), &t.gzip)
                    .map_err(|e| write_err(e.to_string()))?;
            }
            std::fs::write(output.join("metadata.json"), metadata.to_string())
                .map_err(|e| write_err(e.to_string()))?;
        }
    }
    Ok(ExportReport {
        output: output.display().to_string(),
        tiles_rendered: rendered,
        tiles_written: tiles.len(),
        largest_tile_by_zoom: largest,
        raw_bytes,
        seconds: started.elapsed().as_secs_f64(),
        data_version: data.version,
    })
}
