//! `AppError`: every module's error rolled into one type that renders as a JSON HTTP response.
//! The request errors it wraps live here too, at the bottom of the layers, so that every
//! module above can return them.
//!
//! 4xx errors tell the client exactly what was wrong. 5xx errors are logged once, here,
//! with their detail, and the client sees only a generic message.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

mod filter;
mod request;
pub mod responses;
mod tile;

pub use filter::FilterError;
pub use request::{ParamError, StyleError};
pub use tile::{TileCoordError, TileError};

/// An error that ends a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A bad tile request: unknown layer, bad coordinates, zoom out of range.
    #[error(transparent)]
    Tile(#[from] TileError),
    /// A route that does not exist.
    #[error("no such resource: {0}")]
    NotFound(String),
    /// The database could not be reached or timed out.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A bad style, legend or download request.
    #[error(transparent)]
    Style(#[from] StyleError),
    /// A refused CQL2 `filter`.
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// An unexpected failure outside the database.
    #[error("internal error: {0}")]
    Internal(String),
    /// An error shared by coalesced requests (one tile render failed for all waiters).
    #[error("{0}")]
    Shared(std::sync::Arc<AppError>),
    /// A missing or wrong admin token.
    #[error("a valid admin token is required (Authorization: Bearer …)")]
    Unauthorized,
    /// The circuit breaker is open: the database was unreachable moments ago.
    #[error("the database is unreachable")]
    DatabaseDown,
    /// The database holds no loaded data yet.
    #[error("no data has been loaded yet: run `cluster-atlas load`")]
    NoData,
}

impl From<ParamError> for AppError {
    fn from(e: ParamError) -> AppError {
        AppError::Style(StyleError::Param(e))
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => AppError::Unavailable(e),
            _ => AppError::Database(e),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The HTTP status code, repeated for clients that only see the body.
    pub status: u16,
    /// A stable machine-readable code.
    pub code: &'static str,
    /// What went wrong, for a person.
    pub message: String,
    /// Allowed values, when the error is an unknown value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub allowed: Option<Vec<String>>,
}

/// The whole error response: `{"error": {...}}` (named `Error` in the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

impl AppError {
    /// Status, code and allowed values for this error.
    fn parts(&self) -> (StatusCode, &'static str, Option<Vec<String>>) {
        match self {
            AppError::Shared(inner) => inner.parts(),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", None),
            AppError::Tile(e) => e.parts(),
            AppError::Style(e) => e.parts(),
            AppError::Filter(e) => (StatusCode::BAD_REQUEST, "invalid_filter", e.allowed()),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            AppError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                None,
            ),
            AppError::NoData => (StatusCode::SERVICE_UNAVAILABLE, "no_data", None),
            AppError::DatabaseDown => (
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                None,
            ),
            AppError::Database(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, allowed) = self.parts();
        let message = if status.is_server_error() {
            // Log the detail once; never show SQL or connection details to clients. An open
            // breaker is expected during an outage: the breaker itself logs that once.
            if !matches!(self, AppError::DatabaseDown) {
                tracing::error!(error = %self, code, "request failed");
            }
            match self {
                AppError::NoData => self.to_string(),
                AppError::Unavailable(_) => {
                    "the database is unavailable; try again shortly".to_owned()
                }
                _ => "internal server error".to_owned(),
            }
        } else {
            self.to_string()
        };
        let body = ErrorEnvelope {
            error: ErrorBody {
                status: status.as_u16(),
                code,
                message,
                allowed,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

impl AppError {
    /// Whether a load committed while this answer was being built (directly, or through a
    /// coalesced tile render): the caller should refresh its snapshot and try again.
    pub fn is_data_changed(&self) -> bool {
        match self {
            AppError::Tile(TileError::DataChanged { .. }) => true,
            AppError::Shared(inner) => inner.is_data_changed(),
            _ => false,
        }
    }
}
