//! The `cluster-atlas` binary: parses the command line and runs `serve`, `load` or `export`.

use anyhow::Context;
use clap::Parser;

use cluster_atlas::config::{Cli, Command, InputArgs};
use cluster_atlas::export::TileFormat;
use cluster_atlas::{db, etl, server, telemetry};

/// mimalloc instead of glibc's malloc: the warm tile path is short enough that glibc's
/// malloc and free were 8% of a request's CPU (perf, BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    telemetry::init();
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        // One plain line a user can act on: the loader's errors name file, line and field.
        // Causes are appended unless the message already says them.
        let mut message = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            let text = c.to_string();
            if !message.contains(&text) {
                message = format!("{message}: {text}");
            }
            cause = c.source();
        }
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Load(args) => {
            let pool = db::connect(&args.db).await?;
            let report = etl::load(&pool, &args.inputs).await?;
            // The table is for the person at the terminal; stdout stays one JSON document.
            if let Some(table) = report.cluster_match_table() {
                eprint!("bundled clusters matched to the loaded polygons:\n{table}");
            }
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Export(args) => {
            let pool = db::connect(&args.db).await?;
            db::migrate(&pool).await?;
            let maxzoom = args.maxzoom.min(cluster_atlas::catalog::MAX_SERVED_ZOOM);
            // Every format but `site` is a tile archive; a site is pages around one.
            let report = match TileFormat::of(args.format) {
                Some(format) => {
                    // No cache: every tile is rendered once and written straight out.
                    let state = server::AppState::new(pool, None).with_tile_cache_bytes(0);
                    let report = cluster_atlas::export::export(
                        &state,
                        &args.layers,
                        args.minzoom,
                        maxzoom,
                        format,
                        &args.output,
                    )
                    .await?;
                    serde_json::to_string_pretty(&report)?
                }
                None => {
                    let report = cluster_atlas::site::export_site(
                        pool,
                        &args.output,
                        args.public_url.as_deref(),
                        maxzoom,
                    )
                    .await?;
                    serde_json::to_string_pretty(&report)?
                }
            };
            println!("{report}");
        }
        Command::Serve(args) if args.pmtiles.is_some() => {
            let path = args.pmtiles.clone().unwrap_or_default();
            let archive =
                cluster_atlas::tiles::archive::Archive::open(&path, args.public_url.clone())
                    .await?;
            let (listener, shown) = listen(&args).await?;
            let shown = shown.as_str();
            println!(
                "cluster-atlas is serving {} (no database) at {shown}/",
                path.display()
            );
            println!("  TileJSON: {shown}/tiles/{}", archive.layers);
            println!(
                "  QGIS XYZ tiles: {shown}/tiles/{}/{{z}}/{{x}}/{{y}}",
                archive.layers
            );
            server::serve_router_on_workers(server::archive_app(archive), listener, workers(&args))
                .await?;
        }
        Command::Serve(args) => {
            let basemap = args
                .basemap
                .as_deref()
                .map(cluster_atlas::basemap::Basemap::parse)
                .transpose()?
                .map(|b| cluster_atlas::basemap::Basemap {
                    attribution: args.basemap_attribution.clone(),
                    ..b
                });
            cluster_atlas::basemap::set(basemap);
            let pool = db::connect(&args.db).await?;
            let postgis = db::migrate(&pool).await?;
            tracing::info!(postgis = %postgis, "database ready");
            if db::current_version(&pool).await?.is_none() {
                if args.no_autoload {
                    tracing::warn!("the database holds no data; run `cluster-atlas load`");
                } else {
                    tracing::info!("the database is empty: loading the bundled Wales data");
                    let inputs = InputArgs {
                        data_dir: args.data_dir.clone(),
                        ..default_inputs()
                    };
                    etl::load(&pool, &inputs)
                        .await
                        .context("first load of the bundled data")?;
                }
            }
            let (listener, shown) = listen(&args).await?;
            let shown = shown.as_str();
            println!("cluster-atlas is serving Wales at {shown}/");
            println!("  catalogue:      {shown}/catalog");
            println!("  TileJSON:       {shown}/tiles/wales  (also /tiles/lsoa, /tiles/clusters, /tiles/health_boards)");
            println!("  QGIS XYZ tiles: {shown}/tiles/wales/{{z}}/{{x}}/{{y}}  (zmin 0, zmax 14)");
            println!("  health:         {shown}/health");
            let mut state = server::AppState::new(pool, args.public_url.clone())
                .with_tile_cache_bytes(args.cache_mb.saturating_mul(1024 * 1024))
                .with_tile_renderer(args.tile_renderer)
                .with_cors_origins(&args.cors_origins);
            state.max_in_flight = args.max_in_flight;
            if let Some(token) = args.admin_token.clone() {
                let inputs = InputArgs {
                    data_dir: args.data_dir.clone(),
                    ..default_inputs()
                };
                state = state.with_admin(token, inputs);
            }
            // Nothing to warm into without a cache (a cold benchmark run, say).
            if !args.no_warm && args.cache_mb > 0 {
                state = state.with_warm_before_switch(cluster_atlas::tiles::postgis::WARM_MAX_ZOOM);
                // The first version is warmed before the listener answers anything.
                println!("  warming the default tile pyramid (z0-z14) before answering; --no-warm skips it");
                if let Err(e) = state.refresh_snapshot().await {
                    tracing::warn!(error = %e, "reading the data version at start failed; serving anyway");
                }
            }
            server::serve_on_workers(state, listener, workers(&args)).await?;
        }
    }
    Ok(())
}

/// Binds the listen address; returns the listener and the base URL to show users.
async fn listen(
    args: &cluster_atlas::config::ServeArgs,
) -> anyhow::Result<(tokio::net::TcpListener, String)> {
    let listener = server::bind_listener(args.bind, workers(args))
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let local = format!("http://{}", listener.local_addr()?);
    let shown = args.public_url.clone().unwrap_or(local);
    Ok((listener, shown.trim_end_matches('/').to_owned()))
}

/// How many HTTP event loops `serve` runs: `--workers`, or one per core.
fn workers(args: &cluster_atlas::config::ServeArgs) -> usize {
    match args.workers {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        n => n,
    }
}

/// The loader's defaults (every bundled file), as clap would fill them.
fn default_inputs() -> InputArgs {
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        inputs: InputArgs,
    }
    Wrapper::parse_from(["cluster-atlas"]).inputs
}
