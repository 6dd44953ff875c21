//! Where long background work runs: on the runtime that started the server, not on the
//! event loop of whichever HTTP worker happened to notice that it was due. With one event
//! loop per core (`server::serve_on_workers`), a data-version refresh that renders a new
//! version's pyramid would otherwise stall every connection of that worker until it ended.

use std::future::Future;
use std::sync::OnceLock;

static BACKGROUND: OnceLock<tokio::runtime::Handle> = OnceLock::new();

/// Names the current runtime as the one background work runs on (set once, at start).
pub fn use_current_runtime() {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        let _ = BACKGROUND.set(handle);
    }
}

/// Spawns `work` on the background runtime, or on the current one when none was named
/// (tests, the loader).
pub fn spawn<F>(work: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match BACKGROUND.get() {
        Some(handle) => handle.spawn(work),
        None => tokio::spawn(work),
    }
}
