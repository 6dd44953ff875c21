//! CQL2 filters (OGC API – Features Part 3): cql2-text and cql2-json parsed into one typed
//! expression, checked against a collection's queryables, and compiled to SQL whose every
//! value is a typed `$n` bind.
//!
//! Why our own parser: the subset the API offers (comparisons, AND/OR/NOT, IN, BETWEEN,
//! LIKE, IS NULL, S_INTERSECTS with a point, bbox or polygon) is small, and owning it keeps
//! the limits (length, nesting, list sizes) and the error positions under our control. A
//! filter's text never reaches SQL: properties become catalogue identifiers (quoted),
//! literals become binds, and the normalised text ([`Filter::normalised`]) is what links and
//! tile cache keys carry.

mod expr;
mod json;
mod text;

use std::fmt::{self, Write as _};

use sqlx::postgres::PgArguments;
use sqlx::Arguments;

use crate::catalog::{FieldType, LayerId};
use crate::db::quote_ident;
use crate::error::FilterError;

pub use expr::{
    CmpOp, Expr, Geometry, Literal, GEOMETRY, MAX_DEPTH, MAX_ITEMS, SUPPORTED_FUNCTIONS,
    SUPPORTED_JSON_OPS,
};

/// Longest filter accepted, in characters.
pub const MAX_LENGTH: usize = 4096;

/// The filter languages of `filter-lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterLang {
    /// CQL2 text (the default).
    Text,
    /// CQL2 JSON.
    Json,
}

impl FilterLang {
    /// Every `filter-lang` value. `cql-text`, the draft's name for cql2-text, is accepted
    /// too: GDAL 3.6–3.8's OAPIF driver sends a filter to the server only when the items'
    /// `filter-lang` lists it (otherwise it fetches every page and filters in the client).
    pub const ALL: [&'static str; 3] = ["cql2-text", "cql2-json", "cql-text"];

    /// `filter-lang`'s value.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterLang::Text => "cql2-text",
            FilterLang::Json => "cql2-json",
        }
    }

    /// Parses `filter-lang`.
    pub fn parse(s: &str) -> Option<FilterLang> {
        match s {
            "cql2-text" | "cql-text" => Some(FilterLang::Text),
            "cql2-json" => Some(FilterLang::Json),
            _ => None,
        }
    }
}

/// A property a collection can be filtered on.
#[derive(Debug, Clone, Copy)]
pub struct Queryable {
    /// Property name, also the column.
    pub name: &'static str,
    /// Its type.
    pub kind: FieldType,
    /// What it means.
    pub description: &'static str,
}

/// A layer's queryables: every catalogue field but the provenance notes (free text that no
/// dashboard filters on). The tile tables have the same columns, so tiles take the same list.
pub fn queryables(layer: LayerId) -> Vec<Queryable> {
    layer
        .layer()
        .fields
        .iter()
        .filter(|f| f.name != "cluster_provenance" && f.name != "provenance")
        .map(|f| Queryable {
            name: f.name,
            kind: f.kind,
            description: f.description,
        })
        .collect()
}

/// A checked value, typed for its column.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// A checked predicate: columns are catalogue names.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Compare(&'static str, CmpOp, Value),
    Like(&'static str, String),
    Between(&'static str, Value, Value),
    In(&'static str, Vec<Value>),
    IsNull(&'static str),
    Intersects(Geometry),
    Const(bool),
}

/// A checked filter, ready to compile to SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    node: Node,
}

/// Parses a filter in `lang`, with the length and nesting limits.
pub fn parse(input: &str, lang: FilterLang) -> Result<Expr, FilterError> {
    if input.chars().count() > MAX_LENGTH {
        return Err(FilterError::TooLarge(format!(
            "`filter` is longer than {MAX_LENGTH} characters"
        )));
    }
    match lang {
        FilterLang::Text => text::parse(input),
        FilterLang::Json => json::parse(input),
    }
}

/// Parses and checks a filter against `queryables`.
pub fn compile(
    input: &str,
    lang: FilterLang,
    queryables: &[Queryable],
) -> Result<Filter, FilterError> {
    let expr = parse(input, lang)?;
    let filter = Filter {
        node: check(&expr, queryables)?,
    };
    // The normalised text goes into page links and tile cache keys, and a link must read
    // back: a filter whose normalised form (spaces added, cql2-json written as text) outgrows
    // the limit is refused like a long one, rather than giving links that fail.
    if filter.normalised().chars().count() > MAX_LENGTH {
        return Err(FilterError::TooLarge(format!(
            "`filter` is longer than {MAX_LENGTH} characters once written as normalised cql2-text"
        )));
    }
    Ok(filter)
}

fn lookup<'q>(name: &str, queryables: &'q [Queryable]) -> Result<&'q Queryable, FilterError> {
    queryables
        .iter()
        .find(|q| q.name == name)
        .ok_or_else(|| FilterError::UnknownProperty {
            name: name.chars().take(64).collect(),
            allowed: std::iter::once(GEOMETRY.to_owned())
                .chain(queryables.iter().map(|q| q.name.to_owned()))
                .collect(),
        })
}

fn kind_name(kind: FieldType) -> &'static str {
    match kind {
        FieldType::String => "a string",
        FieldType::Integer => "an integer",
        FieldType::Number => "a number",
        FieldType::Boolean => "a boolean",
    }
}

fn typed(q: &Queryable, v: &Literal) -> Result<Value, FilterError> {
    let mismatch = || {
        FilterError::Type(format!(
            "`{}` is {}, so it cannot be compared with {}",
            q.name,
            kind_name(q.kind),
            match v {
                Literal::Text(s) => format!("'{}'", s.chars().take(32).collect::<String>()),
                Literal::Number(n) => n.to_string(),
                Literal::Bool(b) => b.to_string(),
            }
        ))
    };
    match (q.kind, v) {
        (FieldType::String, Literal::Text(s)) => {
            // PostgreSQL text cannot hold NUL, so no value with one can match.
            if s.contains('\0') {
                return Err(FilterError::Type(
                    "strings cannot contain NUL characters".into(),
                ));
            }
            Ok(Value::Text(s.clone()))
        }
        (FieldType::Integer, Literal::Number(n))
            if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 =>
        {
            Ok(Value::Int(*n as i64))
        }
        (FieldType::Number, Literal::Number(n)) => Ok(Value::Float(*n)),
        (FieldType::Boolean, Literal::Bool(b)) => Ok(Value::Bool(*b)),
        _ => Err(mismatch()),
    }
}

fn check(e: &Expr, queryables: &[Queryable]) -> Result<Node, FilterError> {
    let property = |name: &str| -> Result<&Queryable, FilterError> {
        if name == GEOMETRY {
            return Err(FilterError::Type(
                "`geometry` can only be used in S_INTERSECTS".into(),
            ));
        }
        lookup(name, queryables)
    };
    let all = |list: &[Expr]| -> Result<Vec<Node>, FilterError> {
        list.iter().map(|e| check(e, queryables)).collect()
    };
    Ok(match e {
        Expr::And(list) => Node::And(all(list)?),
        Expr::Or(list) => Node::Or(all(list)?),
        Expr::Not(inner) => Node::Not(Box::new(check(inner, queryables)?)),
        Expr::Compare(p, op, v) => {
            let q = property(p)?;
            if q.kind == FieldType::Boolean && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                return Err(FilterError::Type(format!(
                    "`{}` is a boolean: only = and <> apply",
                    q.name
                )));
            }
            Node::Compare(q.name, *op, typed(q, v)?)
        }
        Expr::Like(p, pattern) => {
            let q = property(p)?;
            if q.kind != FieldType::String {
                return Err(FilterError::Type(format!(
                    "LIKE needs a string property; `{}` is {}",
                    q.name,
                    kind_name(q.kind)
                )));
            }
            if pattern.contains('\0') {
                return Err(FilterError::Type(
                    "strings cannot contain NUL characters".into(),
                ));
            }
            Node::Like(q.name, pattern.clone())
        }
        Expr::Between(p, low, high) => {
            let q = property(p)?;
            if !matches!(q.kind, FieldType::Integer | FieldType::Number) {
                return Err(FilterError::Type(format!(
                    "BETWEEN needs a numeric property; `{}` is {}",
                    q.name,
                    kind_name(q.kind)
                )));
            }
            Node::Between(q.name, typed(q, low)?, typed(q, high)?)
        }
        Expr::In(p, list) => {
            let q = property(p)?;
            Node::In(
                q.name,
                list.iter().map(|v| typed(q, v)).collect::<Result<_, _>>()?,
            )
        }
        Expr::IsNull(p) => Node::IsNull(property(p)?.name),
        Expr::Intersects(g) => {
            check_geometry(g)?;
            Node::Intersects(g.clone())
        }
        Expr::Const(b) => Node::Const(*b),
    })
}

fn check_geometry(g: &Geometry) -> Result<(), FilterError> {
    let bad = |m: &str| Err(FilterError::Type(m.to_owned()));
    let in_range = |[x, y]: [f64; 2]| (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y);
    match g {
        Geometry::Point(p) if !in_range(*p) => {
            bad("a point's coordinates are lon lat in CRS84 degrees")
        }
        Geometry::BBox([w, s, e, n])
            if !(in_range([*w, *s]) && in_range([*e, *n]) && w <= e && s <= n) =>
        {
            bad("BBOX is west, south, east, north in CRS84 degrees, west ≤ east and south ≤ north")
        }
        Geometry::Polygon(rings) => {
            for ring in rings {
                if ring.len() < 4 || ring.first() != ring.last() {
                    return bad(
                        "a polygon ring has at least 4 positions, the last equal to the first",
                    );
                }
                if !ring.iter().all(|p| in_range(*p)) {
                    return bad("polygon coordinates are lon lat in CRS84 degrees");
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// How compiled SQL names a table's columns.
pub struct Columns<'a> {
    /// Table alias, e.g. `f`.
    pub alias: &'a str,
    /// The geometry column (EPSG:3857) that S_INTERSECTS tests.
    pub geometry: &'a str,
}

/// A value bound to a `$n` of the compiled SQL, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    /// `text`
    Text(String),
    /// `bigint`
    Int(i64),
    /// `double precision`
    Float(f64),
    /// `boolean`
    Bool(bool),
    /// `float8[]` (a polygon ring's x or y coordinates)
    Floats(Vec<f64>),
}

impl Filter {
    /// SQL for this filter and the values of its `$n` placeholders, numbered after `*next`.
    pub fn sql_and_binds(&self, columns: &Columns<'_>, next: &mut usize) -> (String, Vec<Bind>) {
        let mut out = String::new();
        let mut binds = Vec::new();
        sql(&self.node, columns, &mut binds, next, &mut out);
        (out, binds)
    }

    /// SQL for this filter, its values added to `args` as `$n` binds after `*next`.
    pub fn to_sql(
        &self,
        columns: &Columns<'_>,
        args: &mut PgArguments,
        next: &mut usize,
    ) -> Result<String, sqlx::Error> {
        let (text, binds) = self.sql_and_binds(columns, next);
        for b in binds {
            match b {
                Bind::Text(v) => args.add(v),
                Bind::Int(v) => args.add(v),
                Bind::Float(v) => args.add(v),
                Bind::Bool(v) => args.add(v),
                Bind::Floats(v) => args.add(v),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(text)
    }

    /// The filter as normalised cql2-text: what links and cache keys carry.
    pub fn normalised(&self) -> String {
        self.node.to_string()
    }
}

fn bind_value(v: &Value, args: &mut Vec<Bind>, next: &mut usize) -> String {
    *next += 1;
    let (bind, cast) = match v {
        Value::Text(s) => (Bind::Text(s.clone()), "text"),
        Value::Int(i) => (Bind::Int(*i), "bigint"),
        Value::Float(x) => (Bind::Float(*x), "double precision"),
        Value::Bool(b) => (Bind::Bool(*b), "boolean"),
    };
    args.push(bind);
    format!("${}::{cast}", *next)
}

fn bind_f64(x: f64, args: &mut Vec<Bind>, next: &mut usize) -> String {
    bind_value(&Value::Float(x), args, next)
}

fn sql(node: &Node, c: &Columns<'_>, args: &mut Vec<Bind>, next: &mut usize, out: &mut String) {
    let col = |name: &str| format!("{}.{}", c.alias, quote_ident(name));
    match node {
        Node::And(list) | Node::Or(list) => {
            let joiner = if matches!(node, Node::And(_)) {
                " and "
            } else {
                " or "
            };
            out.push('(');
            for (i, n) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(joiner);
                }
                sql(n, c, args, next, out);
            }
            out.push(')');
        }
        Node::Not(inner) => {
            // NOT of an unknown (a NULL column) stays unknown, as in CQL2.
            out.push_str("(not ");
            sql(inner, c, args, next, out);
            out.push(')');
        }
        Node::Compare(p, op, v) => {
            let b = bind_value(v, args, next);
            let _ = write!(out, "({} {} {b})", col(p), op.as_str());
        }
        Node::Like(p, pattern) => {
            let b = bind_value(&Value::Text(pattern.clone()), args, next);
            // CQL2's escape character is the backslash, as PostgreSQL's default.
            let _ = write!(out, "({} like {b})", col(p));
        }
        Node::Between(p, low, high) => {
            let l = bind_value(low, args, next);
            let h = bind_value(high, args, next);
            let _ = write!(out, "({} between {l} and {h})", col(p));
        }
        Node::In(p, list) => {
            let binds = list
                .iter()
                .map(|v| bind_value(v, args, next))
                .collect::<Vec<_>>();
            if binds.is_empty() {
                out.push_str("false");
            } else {
                let _ = write!(out, "({} in ({}))", col(p), binds.join(", "));
            }
        }
        Node::IsNull(p) => {
            let _ = write!(out, "({} is null)", col(p));
        }
        Node::Intersects(g) => {
            let shape = match g {
                Geometry::Point([x, y]) => {
                    let (x, y) = (bind_f64(*x, args, next), bind_f64(*y, args, next));
                    format!("ST_SetSRID(ST_MakePoint({x}, {y}), 4326)")
                }
                Geometry::BBox([w, s, e, n]) => {
                    // Web Mercator stops at ±85.0511°.
                    let clamp = |lat: f64| lat.clamp(-85.0511, 85.0511);
                    let v = [*w, clamp(*s), *e, clamp(*n)]
                        .into_iter()
                        .map(|x| bind_f64(x, args, next))
                        .collect::<Vec<_>>();
                    format!(
                        "ST_MakeEnvelope({}, {}, {}, {}, 4326)",
                        v[0], v[1], v[2], v[3]
                    )
                }
                Geometry::Polygon(rings) => {
                    // The polygon goes as one bound array of coordinates per ring.
                    let mut parts = Vec::new();
                    for ring in rings {
                        let xs: Vec<f64> = ring.iter().map(|p| p[0]).collect();
                        let ys: Vec<f64> =
                            ring.iter().map(|p| p[1].clamp(-85.0511, 85.0511)).collect();
                        *next += 1;
                        args.push(Bind::Floats(xs));
                        let bx = *next;
                        *next += 1;
                        args.push(Bind::Floats(ys));
                        let by = *next;
                        parts.push(format!(
                            "(select ST_MakeLine(array_agg(ST_MakePoint(x, y) order by i)) \
                             from unnest(${bx}::float8[], ${by}::float8[]) with ordinality as r(x, y, i))"
                        ));
                    }
                    let shell = parts.remove(0);
                    if parts.is_empty() {
                        format!("ST_SetSRID(ST_MakePolygon({shell}), 4326)")
                    } else {
                        format!(
                            "ST_SetSRID(ST_MakePolygon({shell}, array[{}]), 4326)",
                            parts.join(", ")
                        )
                    }
                }
            };
            let g = format!("{}.{}", c.alias, quote_ident(c.geometry));
            let _ = write!(
                out,
                "({g} && ST_Transform({shape}, 3857) and ST_Intersects({g}, ST_Transform({shape}, 3857)))"
            );
        }
        Node::Const(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

fn quote_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) => f.write_str(&quote_text(s)),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
        }
    }
}

fn positions(ring: &[[f64; 2]]) -> String {
    ring.iter()
        .map(|[x, y]| format!("{x} {y}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |l: &[Node], joiner: &str| {
            l.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(joiner)
        };
        match self {
            Node::And(l) => write!(f, "({})", list(l, " AND ")),
            Node::Or(l) => write!(f, "({})", list(l, " OR ")),
            Node::Not(n) => write!(f, "NOT {n}"),
            Node::Compare(p, op, v) => write!(f, "\"{p}\" {} {v}", op.as_str()),
            Node::Like(p, s) => write!(f, "\"{p}\" LIKE {}", quote_text(s)),
            Node::Between(p, l, h) => write!(f, "\"{p}\" BETWEEN {l} AND {h}"),
            Node::In(p, l) => write!(
                f,
                "\"{p}\" IN ({})",
                l.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Node::IsNull(p) => write!(f, "\"{p}\" IS NULL"),
            Node::Intersects(g) => match g {
                Geometry::Point([x, y]) => write!(f, "S_INTERSECTS(geometry, POINT({x} {y}))"),
                Geometry::BBox([w, s, e, n]) => {
                    write!(f, "S_INTERSECTS(geometry, BBOX({w}, {s}, {e}, {n}))")
                }
                Geometry::Polygon(rings) => write!(
                    f,
                    "S_INTERSECTS(geometry, POLYGON({}))",
                    rings
                        .iter()
                        .map(|r| format!("({})", positions(r)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Node::Const(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: [Queryable; 4] = [
        Queryable {
            name: "hb_code",
            kind: FieldType::String,
            description: "",
        },
        Queryable {
            name: "wimd_quintile",
            kind: FieldType::Integer,
            description: "",
        },
        Queryable {
            name: "share",
            kind: FieldType::Number,
            description: "",
        },
        Queryable {
            name: "flag",
            kind: FieldType::Boolean,
            description: "",
        },
    ];

    fn text(s: &str) -> Result<Filter, FilterError> {
        compile(s, FilterLang::Text, &Q)
    }

    #[test]
    fn text_and_json_give_the_same_filter() {
        let t = text("wimd_quintile = 1 AND hb_code = 'W11000028'").unwrap();
        let j = compile(
            r#"{"op":"and","args":[{"op":"=","args":[{"property":"wimd_quintile"},1]},{"op":"=","args":[{"property":"hb_code"},"W11000028"]}]}"#,
            FilterLang::Json,
            &Q,
        )
        .unwrap();
        assert_eq!(t, j);
        assert_eq!(
            t.normalised(),
            "(\"wimd_quintile\" = 1 AND \"hb_code\" = 'W11000028')"
        );
    }

    #[test]
    fn every_predicate_parses_and_binds() {
        let f = text(
            "NOT (hb_code LIKE 'W1100002%') OR wimd_quintile IN (1, 2) AND share BETWEEN 0.5 AND 2 \
             OR flag IS NULL OR 3 > wimd_quintile OR S_INTERSECTS(geometry, POINT(-3.2 51.5)) \
             OR s_intersects(geometry, BBOX(-4,51,-3,52)) \
             OR S_INTERSECTS(geometry, POLYGON((-4 51, -3 51, -3 52, -4 51)))",
        )
        .unwrap();
        let mut args = PgArguments::default();
        let mut n = 0;
        let sql = f
            .to_sql(
                &Columns {
                    alias: "f",
                    geometry: "geom",
                },
                &mut args,
                &mut n,
            )
            .unwrap();
        assert!(sql.contains("(f.\"wimd_quintile\" < $6::bigint)"), "{sql}");
        assert!(!sql.contains("W110"), "{sql}");
        assert!(!sql.contains("-3.2"), "{sql}");
        assert_eq!(n, 14);
        // The normalised text parses back to the same filter.
        assert_eq!(text(&f.normalised()).unwrap(), f);
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = text("wimd_quintile = ").unwrap_err().to_string();
        assert!(e.contains("character 16"), "{e}");
        let e = text("nope = 1").unwrap_err();
        assert!(matches!(e, FilterError::UnknownProperty { .. }), "{e}");
        let e = text("wimd_quintile = 'x'").unwrap_err().to_string();
        assert!(e.contains("is an integer"), "{e}");
        let e = text("wimd_quintile = 1.5").unwrap_err().to_string();
        assert!(e.contains("is an integer"), "{e}");
        let deep = format!("{}wimd_quintile = 1{}", "(".repeat(40), ")".repeat(40));
        assert!(text(&deep)
            .unwrap_err()
            .to_string()
            .contains("nested deeper"));
        let long = format!("hb_code = '{}'", "x".repeat(MAX_LENGTH));
        assert!(text(&long).unwrap_err().to_string().contains("longer than"));
        // Short enough as given, too long once normalised (a space after each comma):
        // refused, so that page links and cache keys always read back.
        let list = format!("hb_code IN ({})", vec!["'a'"; MAX_ITEMS].join(","));
        assert!(list.chars().count() <= MAX_LENGTH);
        assert!(text(&list).unwrap_err().to_string().contains("normalised"));
        let e = compile(
            r#"{"op":"=","args":[{"property":"hb_code"}]}"#,
            FilterLang::Json,
            &Q,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("args"), "{e}");
        assert!(text("hb_code = 'it''s'").is_ok());
        assert!(text("S_INTERSECTS(geometry, POINT(500 51))").is_err());
    }
}
