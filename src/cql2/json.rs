//! cql2-json: `{"op": …, "args": […]}` read from `serde_json` values into the same
//! expression as cql2-text, with errors that name the JSON path that failed.

use serde_json::Value;

use super::expr::{
    too_deep, too_many, CmpOp, Expr, Geometry, Literal, GEOMETRY, MAX_DEPTH, MAX_ITEMS,
};
use crate::error::FilterError;

fn error(at: &str, message: impl Into<String>) -> FilterError {
    FilterError::Syntax {
        lang: "cql2-json",
        at: if at.is_empty() {
            "the top level".into()
        } else {
            at.to_owned()
        },
        message: message.into(),
    }
}

/// Parses cql2-json.
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    let v: Value = serde_json::from_str(input).map_err(|e| FilterError::Syntax {
        lang: "cql2-json",
        at: format!("line {} column {}", e.line(), e.column()),
        message: e.to_string(),
    })?;
    expr(&v, "", 0)
}

fn property(v: &Value) -> Option<&str> {
    v.as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("property"))
        .and_then(Value::as_str)
}

fn literal(v: &Value, at: &str) -> Result<Literal, FilterError> {
    match v {
        Value::String(s) => Ok(Literal::Text(s.clone())),
        Value::Number(n) => n
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Literal::Number)
            .ok_or_else(|| error(at, "a number out of range")),
        Value::Bool(b) => Ok(Literal::Bool(*b)),
        _ => Err(error(at, "expected a string, number or boolean")),
    }
}

fn numbers(v: &Value, at: &str) -> Result<Vec<f64>, FilterError> {
    v.as_array()
        .ok_or_else(|| error(at, "expected an array of numbers"))?
        .iter()
        .map(|x| x.as_f64().ok_or_else(|| error(at, "expected numbers")))
        .collect()
}

fn position(v: &Value, at: &str) -> Result<[f64; 2], FilterError> {
    match numbers(v, at)?.as_slice() {
        [x, y] => Ok([*x, *y]),
        _ => Err(error(at, "a position is [lon, lat]")),
    }
}

fn geometry(v: &Value, at: &str) -> Result<Geometry, FilterError> {
    if let Some(b) = v.get("bbox") {
        return match numbers(b, &format!("{at}.bbox"))?.as_slice() {
            [w, s, e, n] => Ok(Geometry::BBox([*w, *s, *e, *n])),
            _ => Err(error(&format!("{at}.bbox"), "a bbox has 4 numbers")),
        };
    }
    let coords = v.get("coordinates").ok_or_else(|| {
        error(
            at,
            "expected a GeoJSON Point or Polygon, or {\"bbox\": […]}",
        )
    })?;
    let at_c = format!("{at}.coordinates");
    match v.get("type").and_then(Value::as_str) {
        Some("Point") => Ok(Geometry::Point(position(coords, &at_c)?)),
        Some("Polygon") => {
            let rings = coords
                .as_array()
                .ok_or_else(|| error(&at_c, "expected an array of rings"))?;
            let mut count = 0;
            let mut out = Vec::new();
            for (i, ring) in rings.iter().enumerate() {
                let at_r = format!("{at_c}[{i}]");
                let list = ring
                    .as_array()
                    .ok_or_else(|| error(&at_r, "expected an array of positions"))?;
                count += list.len();
                if count > MAX_ITEMS {
                    return Err(too_many("polygon positions"));
                }
                out.push(
                    list.iter()
                        .map(|p| position(p, &at_r))
                        .collect::<Result<Vec<_>, _>>()?,
                );
            }
            if out.is_empty() {
                return Err(error(&at_c, "a polygon has at least one ring"));
            }
            Ok(Geometry::Polygon(out))
        }
        _ => Err(error(
            at,
            "the geometries supported are Point, Polygon and bbox",
        )),
    }
}

fn expr(v: &Value, at: &str, depth: usize) -> Result<Expr, FilterError> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    if let Value::Bool(b) = v {
        return Ok(Expr::Const(*b));
    }
    let op = v
        .get("op")
        .and_then(Value::as_str)
        .ok_or_else(|| error(at, "expected an object with \"op\" and \"args\""))?;
    let args = v
        .get("args")
        .and_then(Value::as_array)
        .ok_or_else(|| error(at, "expected \"args\", an array"))?;
    let at_args = format!("{at}.args");
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(error(
                &at_args,
                format!("`{op}` takes {n} arguments, not {}", args.len()),
            ))
        }
    };
    let prop = |i: usize| {
        property(&args[i])
            .map(str::to_owned)
            .ok_or_else(|| error(&format!("{at_args}[{i}]"), "expected {\"property\": name}"))
    };
    let lit = |i: usize| literal(&args[i], &format!("{at_args}[{i}]"));
    let op_lower = op.to_ascii_lowercase();
    Ok(match op_lower.as_str() {
        "and" | "or" => {
            if args.len() < 2 {
                return Err(error(
                    &at_args,
                    format!("`{op}` takes at least 2 arguments"),
                ));
            }
            let list = args
                .iter()
                .enumerate()
                .map(|(i, a)| expr(a, &format!("{at_args}[{i}]"), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            if op_lower == "and" {
                Expr::And(list)
            } else {
                Expr::Or(list)
            }
        }
        "not" => {
            arity(1)?;
            Expr::Not(Box::new(expr(
                &args[0],
                &format!("{at_args}[0]"),
                depth + 1,
            )?))
        }
        "=" | "<>" | "<" | "<=" | ">" | ">=" => {
            arity(2)?;
            let cmp = CmpOp::parse(op).unwrap_or(CmpOp::Eq);
            match (property(&args[0]), property(&args[1])) {
                (Some(_), Some(_)) => {
                    return Err(error(&at_args, "comparing two properties is not supported"))
                }
                (Some(p), None) => Expr::Compare(p.to_owned(), cmp, lit(1)?),
                (None, Some(p)) => Expr::Compare(p.to_owned(), cmp.flipped(), lit(0)?),
                (None, None) => {
                    return Err(error(&at_args, "a comparison needs a property on one side"))
                }
            }
        }
        "like" => {
            arity(2)?;
            match lit(1)? {
                Literal::Text(s) => Expr::Like(prop(0)?, s),
                _ => {
                    return Err(error(
                        &format!("{at_args}[1]"),
                        "LIKE takes a string pattern",
                    ))
                }
            }
        }
        "between" => {
            arity(3)?;
            Expr::Between(prop(0)?, lit(1)?, lit(2)?)
        }
        "in" => {
            arity(2)?;
            let at_list = format!("{at_args}[1]");
            let list = args[1]
                .as_array()
                .ok_or_else(|| error(&at_list, "expected an array of values"))?;
            if list.len() > MAX_ITEMS {
                return Err(too_many("values in IN"));
            }
            Expr::In(
                prop(0)?,
                list.iter()
                    .enumerate()
                    .map(|(i, x)| literal(x, &format!("{at_list}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        "isnull" => {
            arity(1)?;
            Expr::IsNull(prop(0)?)
        }
        "s_intersects" => {
            arity(2)?;
            let (g, i) = match (property(&args[0]), property(&args[1])) {
                (Some(p), None) => (p, 1),
                (None, Some(p)) => (p, 0),
                _ => {
                    return Err(error(
                        &at_args,
                        "s_intersects takes {\"property\": \"geometry\"} and one geometry",
                    ))
                }
            };
            if g != GEOMETRY {
                return Err(FilterError::UnknownProperty {
                    name: g.chars().take(64).collect(),
                    allowed: vec![GEOMETRY.into()],
                });
            }
            Expr::Intersects(geometry(&args[i], &format!("{at_args}[{i}]"))?)
        }
        _ => {
            return Err(FilterError::Unsupported {
                lang: "cql2-json",
                name: op.chars().take(32).collect(),
                allowed: super::expr::SUPPORTED_JSON_OPS.map(String::from).to_vec(),
            })
        }
    })
}
