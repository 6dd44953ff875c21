//! Command-line and environment configuration for `serve`, `load` and `export`.
//!
//! Every flag has a matching environment variable, so the same binary runs from a shell,
//! a systemd unit or a container without a config file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

/// cluster-atlas: vector tiles, styles and downloads for Wales's primary care clusters.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (loads the bundled data first if the database is empty).
    Serve(Box<ServeArgs>),
    /// Load boundaries, WIMD and cluster geography into PostGIS, atomically.
    Load(Box<LoadArgs>),
    /// Write the tile pyramid to PMTiles, MBTiles or a folder, for static hosting.
    Export(Box<ExportArgs>),
}

/// Default bound on requests handled at once: far above what the pool can feed, so it
/// only bites under a flood, where waiting in line beats running out of memory.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;

/// Archive formats of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// PMTiles v3 (one file; serve with `serve --pmtiles` or from object storage).
    Pmtiles,
    /// MBTiles (SQLite), as Martin, tileserver-gl and QGIS read.
    Mbtiles,
    /// A `{z}/{x}/{y}.mvt` folder (gzip-compressed bodies in `.mvt.gz` beside each), for
    /// nginx or any static file server.
    Dir,
    /// The whole atlas as static files for any CDN: the map page, one PMTiles archive,
    /// styles, legends, glyphs, `/data`, findings, summaries and profiles (`--output` is a
    /// folder; see the README).
    Site,
}

/// `export` settings.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Database settings.
    #[command(flatten)]
    pub db: DbArgs,
    /// Archive format.
    #[arg(long, value_enum, default_value = "pmtiles")]
    pub format: ExportFormat,
    /// Output file (or folder, for `dir` and `site`).
    #[arg(long)]
    pub output: PathBuf,
    /// Layers: `wales` (all), one layer, or a comma-separated list.
    #[arg(long, default_value = "wales")]
    pub layers: String,
    /// Shallowest zoom.
    #[arg(long, default_value_t = 0)]
    pub minzoom: u8,
    /// Deepest zoom.
    #[arg(long, default_value_t = 14)]
    pub maxzoom: u8,
    /// For `site`: the address the site will be published at (`https://host/atlas`):
    /// links inside the exported documents become absolute URLs of its files. Default:
    /// they are relative, and the folder works wherever it is served, sub-paths included.
    #[arg(long)]
    pub public_url: Option<String>,
}

/// Database connection settings.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// PostgreSQL/PostGIS connection URL, e.g. postgres://user@127.0.0.1:5432/cluster_atlas
    /// (required, except for `serve --pmtiles`).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Largest number of pooled database connections.
    #[arg(long, env = "CLUSTER_ATLAS_POOL_SIZE", default_value_t = 16)]
    pub pool_size: u32,
    /// Statement timeout for every query, in seconds.
    #[arg(long, env = "CLUSTER_ATLAS_STATEMENT_TIMEOUT", default_value_t = 20)]
    pub statement_timeout_secs: u64,
}

/// `serve` settings.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Database settings.
    #[command(flatten)]
    pub db: DbArgs,
    /// Address and port to listen on.
    #[arg(long, env = "CLUSTER_ATLAS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Public base URL (scheme, host, optional path prefix) used in TileJSON and style
    /// URLs when the server runs behind a proxy, e.g. https://maps.example.nhs.wales/atlas.
    /// Without it, URLs are built from the request's Host header.
    #[arg(long, env = "CLUSTER_ATLAS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A basemap under the map: a raster XYZ template
    /// (https://tile.openstreetmap.org/{z}/{x}/{y}.png) or a MapLibre style URL. None by
    /// default, so the server needs nothing from outside.
    #[arg(long, env = "CLUSTER_ATLAS_BASEMAP")]
    pub basemap: Option<String>,
    /// The basemap's credit, shown with the map's attribution (its licence usually
    /// requires it), e.g. "© OpenStreetMap contributors".
    #[arg(long, env = "CLUSTER_ATLAS_BASEMAP_ATTRIBUTION", requires = "basemap")]
    pub basemap_attribution: Option<String>,
    /// Do not load the bundled data when the database is empty.
    #[arg(long, env = "CLUSTER_ATLAS_NO_AUTOLOAD")]
    pub no_autoload: bool,
    /// Folder holding the bundled data, used for the automatic first load.
    #[arg(long, env = "CLUSTER_ATLAS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Tile cache size in MiB of finished tiles (all encodings); 0 turns caching off.
    #[arg(long, env = "CLUSTER_ATLAS_CACHE_MB", default_value_t = 512)]
    pub cache_mb: u64,
    /// Token that enables `POST /admin/reload` (send it as `Authorization: Bearer …`).
    /// Without it the admin routes answer 404.
    #[arg(long, env = "CLUSTER_ATLAS_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Origins allowed to call the API from a browser, comma-separated
    /// (e.g. `https://dashboards.example.nhs.wales,https://phw.example`); `*` (the
    /// default) allows any, which suits the read-only public endpoints.
    #[arg(long, env = "CLUSTER_ATLAS_CORS_ORIGINS", default_value = "*")]
    pub cors_origins: String,
    /// Requests handled at once; further requests wait (within the 30 s request timeout).
    #[arg(long, env = "CLUSTER_ATLAS_MAX_IN_FLIGHT", default_value_t = DEFAULT_MAX_IN_FLIGHT)]
    pub max_in_flight: usize,
    /// Do not render the default tile pyramid (z0–z14 of the default layer sets) into the
    /// cache before serving a data version. By default it is rendered at start and after
    /// every load or reload, before the switch, so no user meets a cold default tile.
    #[arg(long, env = "CLUSTER_ATLAS_NO_WARM")]
    pub no_warm: bool,
    /// Serve this PMTiles archive (from `cluster-atlas export`) instead of the database:
    /// tiles, TileJSON and health only, and no database needed.
    #[arg(long, env = "CLUSTER_ATLAS_PMTILES")]
    pub pmtiles: Option<PathBuf>,
    /// Who cuts and encodes unfiltered tiles: `in-process` (the default: each data
    /// version's geometry is read into memory once) or `postgis` (`ST_AsMVT` per layer, the
    /// reference). Filtered tiles are always rendered by PostGIS.
    #[arg(long, env = "CLUSTER_ATLAS_TILE_RENDERER", value_enum, default_value_t = TileRenderer::InProcess)]
    pub tile_renderer: TileRenderer,
    /// HTTP event loops: one thread each, each accepting on its own `SO_REUSEPORT` socket
    /// (as nginx runs one worker per core). 0 means one per CPU core; 1 serves every
    /// connection from one multi-threaded runtime instead.
    #[arg(long, env = "CLUSTER_ATLAS_WORKERS", default_value_t = 0)]
    pub workers: usize,
}

/// `load` settings: which files to read. Every file defaults to the bundled copy in
/// the data folder.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Database settings.
    #[command(flatten)]
    pub db: DbArgs,
    /// Input files.
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// The loader's input files and their field names.
#[derive(Debug, Clone, Default, Args)]
pub struct InputArgs {
    /// Folder holding the bundled data (default: ./boundaries, else the source tree's).
    #[arg(long, env = "CLUSTER_ATLAS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// LSOA boundaries in any OGR format (GeoJSON, GeoPackage, Shapefile, ...).
    #[arg(long)]
    pub lsoa: Option<PathBuf>,
    /// Layer to read in the LSOA file (default: the first).
    #[arg(long)]
    pub lsoa_layer: Option<String>,
    /// LSOA code field in the boundaries file.
    #[arg(long, default_value = "lsoa11cd")]
    pub lsoa_code_field: String,
    /// English name field in the boundaries file.
    #[arg(long, default_value = "lsoa11nm")]
    pub lsoa_name_en_field: String,
    /// Welsh name field in the boundaries file (an empty value falls back to English).
    #[arg(long, default_value = "lsoa11nmw")]
    pub lsoa_name_cy_field: String,
    /// WIMD 2019 ranks, deciles and quintiles (CSV).
    #[arg(long)]
    pub wimd: Option<PathBuf>,
    /// LSOA to local authority and health board lookup (CSV).
    #[arg(long)]
    pub lookup: Option<PathBuf>,
    /// Health boards with English and Welsh names (CSV).
    #[arg(long)]
    pub health_boards: Option<PathBuf>,
    /// Clusters with names and health board (CSV). Not used with --cluster-polygons.
    #[arg(long)]
    pub clusters: Option<PathBuf>,
    /// LSOA to cluster lookup (CSV with lsoa11cd and cluster_key or cluster_2024_key).
    #[arg(long, conflicts_with = "cluster_polygons")]
    pub cluster_lookup: Option<PathBuf>,
    /// Cluster polygons in any OGR format (e.g. the DataMapWales GeoPackage). Each LSOA
    /// joins the cluster that contains its point-on-surface.
    #[arg(long)]
    pub cluster_polygons: Option<PathBuf>,
    /// Layer to read in the cluster polygon file (default: the first).
    #[arg(long)]
    pub cluster_layer: Option<String>,
    /// Cluster code field in the polygon file.
    #[arg(long, default_value = "code")]
    pub cluster_code_field: String,
    /// English cluster name field in the polygon file.
    #[arg(long, default_value = "name_en")]
    pub cluster_name_en_field: String,
    /// Welsh cluster name field in the polygon file.
    #[arg(long, default_value = "enw_cy")]
    pub cluster_name_cy_field: String,
    /// With --cluster-polygons: CSV (`bundled_key,cluster_code`) matching bundled cluster
    /// keys to polygon codes where neither the code nor the name matches.
    #[arg(long, requires = "cluster_polygons")]
    pub cluster_crosswalk: Option<PathBuf>,
    /// With --cluster-polygons: skip (and report) bundled cluster values whose cluster
    /// matches no polygon, instead of refusing the load.
    #[arg(long)]
    pub allow_unmatched: bool,
    /// Mark the cluster geography as approximate even if it comes from polygons or a
    /// lookup without an APPROX method column.
    #[arg(long)]
    pub clusters_approximate: bool,
    /// QOF register counts and list sizes by practice (CSV: practice_code, lhb_code,
    /// cluster_key, register, register_count, list_size), summed to clusters, boards and
    /// Wales; the load is refused unless the sums reproduce the published prevalences.
    #[arg(long)]
    pub qof_counts: Option<PathBuf>,
    /// Extra indicator catalogue rows (CSV: id, title_en, title_cy, description_en,
    /// description_cy, unit, polarity, source, licence), added to the bundled catalogue.
    #[arg(long)]
    pub indicators: Option<PathBuf>,
    /// Extra indicator values (CSV: indicator_id, period, level, area_code, value,
    /// numerator, denominator, lower_ci, upper_ci); see README "Indicators".
    #[arg(long)]
    pub indicator_values: Option<PathBuf>,
    /// ONS population by five-year age band on 2011 LSOAs, mid-2019 and mid-2020 (CSV:
    /// lsoa11cd, year, total, age_00_04 ... age_90_plus; see boundaries/README.md).
    #[arg(long)]
    pub population_bands: Option<PathBuf>,
    /// ONS population by single year of age on 2011 LSOAs, mid-2019 and mid-2020 (CSV),
    /// checked against the bands.
    #[arg(long)]
    pub population_single_years: Option<PathBuf>,
    /// ONS mid-2024 population by sex and broad age band on 2021 LSOAs (CSV).
    #[arg(long)]
    pub population_2024: Option<PathBuf>,
    /// WIMD 2019 underlying indicators per 2011 LSOA (CSV, the WIMD indicator data layout;
    /// see boundaries/README.md), loaded as LSOA-level indicators.
    #[arg(long)]
    pub wimd_indicators: Option<PathBuf>,
    /// 2021 LSOA to 2011 parent LSOAs (CSV with lsoa21cd and lsoa11_parents, `;`-separated,
    /// and optionally cluster_2024_key or cluster_key). With a cluster column (the bundled
    /// model has one) and the bundled cluster geography, each 2021 LSOA takes that cluster;
    /// otherwise the cluster of most of its parents (or, with --cluster-polygons, the polygon
    /// holding its population-weighted centroid).
    #[arg(long)]
    pub lsoa21_lookup: Option<PathBuf>,
    /// 2021 LSOA boundaries, any OGR format with fields lsoa21cd and lsoa21nm (default: the
    /// bundled ONS super-generalised boundaries).
    #[arg(long)]
    pub lsoa21: Option<PathBuf>,
    /// ONS population-weighted centroids of the 2021 LSOAs (CSV: lsoa21cd, pwc_lon, pwc_lat).
    #[arg(long)]
    pub lsoa21_centroids: Option<PathBuf>,
    /// WIMD 2025 per 2021 LSOA (CSV: lsoa21cd, lsoa21_name_wimd, la_name, wimd2025_rank,
    /// wimd2025_decile, wimd2025_quintile).
    #[arg(long)]
    pub wimd2025: Option<PathBuf>,
    /// The lon/lat box (west,south,east,north) every boundary and 2021 centroid must lie
    /// in, which catches a file whose declared CRS is wrong. Default: a generous box around
    /// Wales, -6.5,50.9,-2.0,54.0; widen it for data elsewhere (e.g. the synthetic copies
    /// of bench/scale.sh).
    #[arg(long, value_name = "W,S,E,N", value_parser = parse_extent, allow_hyphen_values = true)]
    pub extent_check: Option<[f64; 4]>,
}

/// The default of `--extent-check`: a generous box around Wales (lon/lat), far from where a
/// file in British National Grid metres read as degrees, or degrees read as metres, lands.
pub const WALES_EXTENT_CHECK: [f64; 4] = [-6.5, 50.9, -2.0, 54.0];

impl InputArgs {
    /// The box of `--extent-check`, or the default around Wales.
    pub fn extent(&self) -> [f64; 4] {
        self.extent_check.unwrap_or(WALES_EXTENT_CHECK)
    }
}

/// Parses `west,south,east,north` in degrees, within Web Mercator's extent.
fn parse_extent(text: &str) -> Result<[f64; 4], String> {
    let values: Vec<f64> = text
        .split(',')
        .map(|v| v.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("`{text}`: {e}; expected west,south,east,north in degrees"))?;
    let [w, s, e, n] = <[f64; 4]>::try_from(values)
        .map_err(|_| format!("`{text}`: expected four numbers, west,south,east,north"))?;
    let lon = -180.0..=180.0;
    let lat = -85.06..=85.06;
    if !(lon.contains(&w) && lon.contains(&e) && lat.contains(&s) && lat.contains(&n)) {
        return Err(format!(
            "`{text}`: longitudes must be within -180 to 180, latitudes within -85.06 to 85.06"
        ));
    }
    if w >= e || s >= n {
        return Err(format!(
            "`{text}`: west must be less than east and south less than north"
        ));
    }
    Ok([w, s, e, n])
}

/// The data folder: the flag, else `./boundaries`, else the one in the source tree.
pub fn resolve_data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    let local = PathBuf::from("boundaries");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("boundaries")
}

/// Who cuts and encodes an unfiltered tile: the process, from each version's geometry held
/// in memory (the default: see BENCHMARKS.md), or PostGIS (`ST_AsMVT`, the reference the
/// in-process tiles are tested against). Filtered tiles are always PostGIS's, where the
/// filter runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TileRenderer {
    /// Cut, simplify and encode in the process (`tiles::mvt`).
    #[default]
    InProcess,
    /// One `ST_AsMVT` statement per layer.
    Postgis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_check_parses_a_box_and_refuses_nonsense() {
        assert_eq!(
            parse_extent("-6.5, 50.9,-2.0,54"),
            Ok([-6.5, 50.9, -2.0, 54.0])
        );
        for bad in [
            "",
            "1,2,3",
            "1,2,3,4,5",
            "a,1,2,3",
            "3,50,1,54",
            "-6,54,-2,50",
            "-6,50,-2,89",
        ] {
            assert!(parse_extent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn extent_check_defaults_to_wales_and_takes_a_leading_minus() {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            inputs: InputArgs,
        }
        let plain = Wrapper::parse_from(["t"]).inputs;
        assert_eq!(plain.extent(), WALES_EXTENT_CHECK);
        let wide = Wrapper::parse_from(["t", "--extent-check", "-6.5,40,15,54"]).inputs;
        assert_eq!(wide.extent(), [-6.5, 40.0, 15.0, 54.0]);
    }
}
