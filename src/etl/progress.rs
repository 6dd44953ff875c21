//! Progress reporting: a bar on an interactive terminal, plain log lines otherwise.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

/// Counts work done. On a terminal it draws a bar; in CI or a log file it writes a line
/// at each quarter, so logs stay readable.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: AtomicU64,
    label: String,
}

impl Progress {
    /// Starts counting towards `total`.
    pub fn new(total: u64, label: &str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_owned());
            bar
        });
        if bar.is_none() {
            tracing::info!("{label}: {total} items");
        }
        Progress {
            bar,
            total,
            done: AtomicU64::new(0),
            label: label.to_owned(),
        }
    }

    /// One item done.
    pub fn inc(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => bar.inc(1),
            None => {
                let quarter = (self.total / 4).max(1);
                if done % quarter == 0 && done < self.total {
                    tracing::info!("{}: {done}/{}", self.label, self.total);
                }
            }
        }
    }

    /// Work finished.
    pub fn finish(&self) {
        match &self.bar {
            Some(bar) => bar.finish_and_clear(),
            None => tracing::info!(
                "{}: done ({})",
                self.label,
                self.done.load(Ordering::Relaxed)
            ),
        }
    }
}

/// A step of the load, logged (and shown on a terminal) as it starts.
pub fn step(message: &str) {
    tracing::info!("{message}");
}
