//! `EtlError`: what can be wrong with loader input, always naming the file, line or feature, and field.

use std::path::PathBuf;

/// A load failure. Every input variant names the file, where in it, and the field, so a
/// user can fix the file without reading our code. Nothing is written when one occurs.
#[derive(Debug, thiserror::Error)]
pub enum EtlError {
    /// The file could not be opened or parsed at all.
    #[error("{}: cannot read the file: {reason}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        reason: String,
    },
    /// The file holds no data.
    #[error("{}: {what}", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
        /// What is missing.
        what: String,
    },
    /// A required column or attribute is missing.
    #[error("{}: missing column `{column}` (the file has: {})", path.display(), found.join(", "))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column we need.
        column: String,
        /// The columns the file has.
        found: Vec<String>,
    },
    /// A malformed row or value.
    #[error("{}: {at}: field `{field}`: {message}", path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// "line 12" or "feature 7 (W01000001)".
        at: String,
        /// The column or attribute.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A row that cannot be parsed as CSV at all.
    #[error("{}: line {line}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
        /// What the parser said.
        message: String,
    },
    /// Codes that must appear in one file but do not.
    #[error("{}: {message}: {}{}", path.display(), codes.iter().take(10).cloned().collect::<Vec<_>>().join(", "), if codes.len() > 10 { format!(" and {} more", codes.len() - 10) } else { String::new() })]
    Incomplete {
        /// The file that lacks them.
        path: PathBuf,
        /// What the codes are missing from.
        message: String,
        /// The codes.
        codes: Vec<String>,
    },
    /// The coordinate reference system is missing or wrong.
    #[error("{}: {message}", path.display())]
    Crs {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A geometry PostGIS judges invalid, or of the wrong kind.
    #[error("{}: {at}: invalid geometry: {reason}", path.display())]
    InvalidGeometry {
        /// The file.
        path: PathBuf,
        /// "feature 7 (W01000001)".
        at: String,
        /// PostGIS's or our reason.
        reason: String,
    },
    /// The database failed during the load; the transaction was rolled back.
    #[error("database error during load (nothing was changed): {0}")]
    Database(#[from] sqlx::Error),
    /// Connecting or migrating failed.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// The reading thread panicked or was cancelled.
    #[error("the loader's reading task failed: {0}")]
    Task(String),
}

/// Shorthand for a value error at a CSV line.
pub(crate) fn bad_value(
    path: &std::path::Path,
    line: u64,
    field: &str,
    message: impl Into<String>,
) -> EtlError {
    EtlError::BadValue {
        path: path.to_path_buf(),
        at: format!("line {line}"),
        field: field.to_owned(),
        message: message.into(),
    }
}
