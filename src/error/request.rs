//! Why a request's parameters were refused: bad values, and styles or downloads that do not exist.

use axum::http::StatusCode;

use crate::classify::ClassifyError;

/// A refused parameter.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ParamError {
    /// A value outside the allowed set.
    #[error("unknown {param} `{value}`")]
    Unknown {
        /// Parameter name.
        param: &'static str,
        /// What was given (shortened).
        value: String,
        /// What is allowed.
        allowed: Vec<String>,
    },
    /// A required parameter is missing.
    #[error("the `{param}` parameter is required")]
    Missing {
        /// Parameter name.
        param: &'static str,
        /// What is allowed.
        allowed: Vec<String>,
    },
    /// A query parameter the endpoint does not define (OGC API Features' "query-param-unknown").
    #[error("unknown query parameter `{name}`")]
    UnknownParameter {
        /// The parameter given (shortened).
        name: String,
        /// The parameters the endpoint defines.
        allowed: Vec<String>,
    },
    /// A malformed or out-of-range value.
    #[error("bad {param} `{value}`: {expected}")]
    Invalid {
        /// Parameter name.
        param: &'static str,
        /// What was given (shortened).
        value: String,
        /// What is expected.
        expected: String,
    },
}

impl ParamError {
    /// Allowed values, for the JSON error body.
    pub fn allowed(&self) -> Option<Vec<String>> {
        match self {
            ParamError::Unknown { allowed, .. }
            | ParamError::Missing { allowed, .. }
            | ParamError::UnknownParameter { allowed, .. } => Some(allowed.clone()),
            ParamError::Invalid { .. } => None,
        }
    }
}

/// Why a style, legend or download request was refused.
#[derive(Debug, thiserror::Error)]
pub enum StyleError {
    /// A bad query parameter.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The values could not be classified (e.g. none for that period).
    #[error("cannot classify {indicator} {period}: {source}")]
    Classify {
        /// Indicator.
        indicator: String,
        /// Period.
        period: String,
        /// Why.
        source: ClassifyError,
    },
    /// An unknown style or legend name.
    #[error("unknown {what} `{name}`")]
    UnknownName {
        /// "style" or "legend".
        what: &'static str,
        /// What was asked for.
        name: String,
        /// What exists.
        allowed: Vec<String>,
    },
}

impl StyleError {
    /// Status, code and allowed values.
    pub fn parts(&self) -> (StatusCode, &'static str, Option<Vec<String>>) {
        match self {
            StyleError::Param(p @ ParamError::UnknownParameter { .. }) => {
                (StatusCode::BAD_REQUEST, "query_param_unknown", p.allowed())
            }
            StyleError::Param(p) => (StatusCode::BAD_REQUEST, "bad_parameter", p.allowed()),
            StyleError::Classify { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "cannot_classify", None)
            }
            StyleError::UnknownName { allowed, .. } => {
                (StatusCode::NOT_FOUND, "not_found", Some(allowed.clone()))
            }
        }
    }
}
