//! Why a CQL2 `filter` was refused: where its text failed to parse, a property that is not
//! queryable, a value of the wrong type, or a filter over the size limits.

/// A refused `filter` (OGC API – Features Part 3).
#[derive(Debug, Clone, thiserror::Error)]
pub enum FilterError {
    /// The text or JSON does not parse; `at` says where (a character offset in cql2-text,
    /// a JSON path in cql2-json).
    #[error("bad filter ({lang}) at {at}: {message}")]
    Syntax {
        /// `cql2-text` or `cql2-json`.
        lang: &'static str,
        /// Where parsing failed.
        at: String,
        /// What was expected there.
        message: String,
    },
    /// A function or operator the server does not implement (`S_WITHIN`, `CASEI`, `T_AFTER`,
    /// …), with those it does.
    #[error("filter ({lang}): `{name}` is not supported; supported: {}", allowed.join(", "))]
    Unsupported {
        /// `cql2-text` or `cql2-json`.
        lang: &'static str,
        /// The function or operator named (shortened).
        name: String,
        /// The functions and operators the server implements.
        allowed: Vec<String>,
    },
    /// A property that is not among the collection's queryables.
    #[error("filter: `{name}` is not a queryable of this collection (see its /queryables)")]
    UnknownProperty {
        /// The property named (shortened).
        name: String,
        /// The queryables.
        allowed: Vec<String>,
    },
    /// A value whose type does not fit the property or the operator.
    #[error("filter: {0}")]
    Type(String),
    /// Longer than the length limit or deeper than the nesting limit.
    #[error("filter: {0}")]
    TooLarge(String),
}

impl FilterError {
    /// Allowed values, for the JSON error body.
    pub fn allowed(&self) -> Option<Vec<String>> {
        match self {
            FilterError::UnknownProperty { allowed, .. }
            | FilterError::Unsupported { allowed, .. } => Some(allowed.clone()),
            _ => None,
        }
    }
}
