//! The expression both parsers (`text.rs`, `json.rs`) build, and the limits and words they
//! accept. A file of its own so the parsers need only it: `mod.rs` calls the parsers, so
//! were these in `mod.rs`, it and each parser would use each other.

use crate::error::FilterError;

/// Deepest nesting of expressions (parentheses, AND/OR/NOT, JSON objects).
pub const MAX_DEPTH: usize = 16;
/// Most values in an IN list, and most vertices in a polygon.
pub const MAX_ITEMS: usize = 1000;
/// The name of the geometry queryable.
pub const GEOMETRY: &str = "geometry";
/// The functions cql2-text accepts (each one the conformance classes at `/conformance`
/// advertise: `S_INTERSECTS` is Basic Spatial Functions); any other is a 400 naming these.
pub const SUPPORTED_FUNCTIONS: [&str; 1] = ["S_INTERSECTS"];
/// The cql2-json operators accepted, for the same 400.
pub const SUPPORTED_JSON_OPS: [&str; 14] = [
    "and",
    "or",
    "not",
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "like",
    "between",
    "in",
    "isNull",
    "s_intersects",
];

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A character string.
    Text(String),
    /// A number.
    Number(f64),
    /// true or false.
    Bool(bool),
}

/// A geometry literal, in CRS84 (lon, lat).
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// A point.
    Point([f64; 2]),
    /// west, south, east, north.
    BBox([f64; 4]),
    /// Rings, the first the shell.
    Polygon(Vec<Vec<[f64; 2]>>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    pub(super) fn parse(s: &str) -> Option<CmpOp> {
        Some(match s {
            "=" => CmpOp::Eq,
            "<>" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }

    /// The operator with its sides swapped (`1 < x` is `x > 1`).
    pub(super) fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
}

/// A parsed filter, before its properties are checked. Every predicate has a property on
/// the left and literals on the right (the parsers put them so).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All of these.
    And(Vec<Expr>),
    /// Any of these.
    Or(Vec<Expr>),
    /// Not this.
    Not(Box<Expr>),
    /// `property op literal`.
    Compare(String, CmpOp, Literal),
    /// `property LIKE pattern`.
    Like(String, String),
    /// `property BETWEEN low AND high`.
    Between(String, Literal, Literal),
    /// `property IN (list)`.
    In(String, Vec<Literal>),
    /// `property IS NULL`.
    IsNull(String),
    /// `S_INTERSECTS(geometry, literal)`.
    Intersects(Geometry),
    /// `TRUE` or `FALSE`.
    Const(bool),
}

/// The error of a filter nested deeper than [`MAX_DEPTH`].
pub(super) fn too_deep() -> FilterError {
    FilterError::TooLarge(format!("`filter` is nested deeper than {MAX_DEPTH} levels"))
}

/// The error of a list or polygon longer than [`MAX_ITEMS`].
pub(super) fn too_many(what: &str) -> FilterError {
    FilterError::TooLarge(format!("`filter` has more than {MAX_ITEMS} {what}"))
}
