//! Logging set-up: `tracing` with `RUST_LOG` filtering, as text or JSON.

use tracing_subscriber::EnvFilter;

/// Starts logging to stderr. `CLUSTER_ATLAS_LOG_FORMAT=json` gives one JSON object per line.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("cluster_atlas=info,tower_http=warn,sqlx=warn"));
    let json = std::env::var("CLUSTER_ATLAS_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests start several servers in one process) is harmless: ignore it.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
