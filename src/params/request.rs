//! Typed query requests: each route family declares its parameters once, with
//! [`query_request!`], and that one declaration is the struct handlers receive, the parser
//! that fills it, the names the strict check accepts and the parameters `/api` documents.
//!
//! Why a declaration rather than serde: a bad value must be a JSON 400 that names the
//! parameter and lists what is allowed ([`ParamError`]), which a serde error cannot carry;
//! and the OpenAPI document needs each parameter's description and schema, which serde
//! does not know. So each value type says how it is read ([`QueryValue`]) and documented,
//! and the macro strings the fields together.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{json, Value};

use crate::error::{AppError, ParamError, TileError};

/// A query string's pairs as sent, before any checking. Only request types read it (through
/// [`QueryRequest::from_query`]); handlers receive the typed request.
#[derive(Debug, Clone, Default)]
pub struct RawQuery {
    pairs: Vec<(String, String)>,
}

impl RawQuery {
    /// The pairs of a query string (`a=1&b=2`), percent-decoded.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> RawQuery {
        RawQuery {
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value of `name`; when it is given twice the last one counts (as before: the
    /// query used to be read into a map).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The parameters given, each once, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The pairs whose names are not in `known` (the last value of each), sorted by name:
    /// what a request type with a `rest` field keeps (an items request's property filters).
    pub fn others(&self, known: &[&str]) -> Vec<(String, String)> {
        self.names()
            .into_iter()
            .filter(|n| !known.contains(n))
            .filter_map(|n| self.get(n).map(|v| (n.to_owned(), v.to_owned())))
            .collect()
    }

    /// Reads the query as `T`, ignoring parameters `T` does not define (tiles, styles and
    /// legends: a cache-busting `?t=…` must not break them).
    pub fn parse<T: QueryRequest>(&self) -> Result<T, ParamError> {
        T::from_query(self)
    }

    /// Reads the query as `T`, refusing a parameter `T` does not define (Features Part 1,
    /// query-param-unknown: a typo such as `bbbox` must not silently be another query).
    pub fn parse_strict<T: QueryRequest>(&self) -> Result<T, ParamError> {
        let known = T::names();
        if let Some(name) = self.names().into_iter().find(|n| !known.contains(n)) {
            return Err(ParamError::UnknownParameter {
                name: name.chars().take(64).collect(),
                allowed: known.iter().map(|n| (*n).to_owned()).collect(),
            });
        }
        T::from_query(self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RawQuery {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // A malformed query string is a JSON 400 like every other bad parameter, not
        // axum's plain text.
        match axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state).await
        {
            Ok(axum::extract::Query(pairs)) => Ok(RawQuery { pairs }),
            Err(e) => Err(TileError::BadPath(e.body_text()).into()),
        }
    }
}

/// A request's query, read as `T` (unknown parameters ignored): the extractor of tiles,
/// styles, legends, data, findings, profiles and summaries.
pub struct Params<T>(pub T);

impl<T: QueryRequest, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = RawQuery::from_request_parts(parts, state).await?;
        Ok(Params(raw.parse::<T>()?))
    }
}

/// A request's query, read as `T`, refusing parameters `T` does not define: the OGC API
/// endpoints' extractor.
pub struct StrictParams<T>(pub T);

impl<T: QueryRequest, S: Send + Sync> FromRequestParts<S> for StrictParams<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = RawQuery::from_request_parts(parts, state).await?;
        Ok(StrictParams(raw.parse_strict::<T>()?))
    }
}

/// A request type: made by [`query_request!`].
pub trait QueryRequest: Sized {
    /// The parameters it defines (what the strict check accepts).
    fn names() -> Vec<&'static str>;
    /// Their OpenAPI parameter objects, in declaration order (what `/api` lists).
    fn parameters() -> Vec<Value>;
    /// Reads and checks a query (unknown parameters are the caller's concern).
    fn from_query(q: &RawQuery) -> Result<Self, ParamError>;
}

/// A value one query parameter holds: how it is read and how it is documented.
pub trait QueryValue: Sized {
    /// Reads the value of parameter `name` (`None` when absent: a default, or `Missing`).
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError>;
    /// The OpenAPI schema of its values.
    fn schema() -> Value;
    /// Whether the parameter must be given (documented as `required`).
    fn required() -> bool {
        false
    }
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        value.map(|v| T::from_query(name, Some(v))).transpose()
    }
    fn schema() -> Value {
        T::schema()
    }
}

impl QueryValue for String {
    fn from_query(name: &'static str, value: Option<&str>) -> Result<Self, ParamError> {
        value.map(str::to_owned).ok_or(ParamError::Missing {
            param: name,
            allowed: Vec::new(),
        })
    }
    fn schema() -> Value {
        json!({"type": "string"})
    }
    fn required() -> bool {
        true
    }
}

/// The OpenAPI parameter object of one query parameter.
pub fn parameter(name: &str, description: &[&str], schema: Value, required: bool) -> Value {
    let description: Vec<&str> = description.iter().map(|l| l.trim()).collect();
    // A list travels as one comma-separated value (`bbox=1,2,3,4`), not as repeats.
    let list = schema["type"] == "array";
    let mut p = json!({
        "name": name,
        "in": "query",
        "required": required,
        "description": description.join(" ").trim(),
        "schema": schema,
    });
    if list {
        p["style"] = json!("form");
        p["explode"] = json!(false);
    }
    p
}

/// The parameters as utoipa's, so that `#[utoipa::path(params(T))]` documents a request
/// type's own list (a parameter utoipa could not read is dropped; the tests check that
/// none is).
pub fn to_utoipa(list: Vec<Value>) -> Vec<utoipa::openapi::path::Parameter> {
    list.into_iter()
        .filter_map(|p| serde_json::from_value(p).ok())
        .collect()
}

/// Declares a request type: a struct whose fields are query parameters, each documented by
/// its doc comment and read by its type's [`QueryValue`]. A field is either
/// `name: Type = "param"` (one parameter), `name: Type = flatten` (another request type's
/// parameters, e.g. the indicator options shared by tiles, styles and items) or
/// `name: Vec<(String, String)> = rest` (every other parameter, for a type whose extra names
/// depend on data, checked by the handler). An optional `check = path;` line names a
/// function run on the filled struct, for rules between parameters (`breaks` only with
/// `method=manual`).
#[macro_export]
macro_rules! query_request {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = $how:tt
            ),* $(,)?
        }
        $(check = $check:path;)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        $vis struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                $crate::params::request::to_utoipa(
                    <Self as $crate::params::request::QueryRequest>::parameters(),
                )
            }
        }

        impl $crate::params::request::QueryRequest for $name {
            #[allow(clippy::vec_init_then_push)]
            fn names() -> Vec<&'static str> {
                #[allow(unused_mut)]
                let mut names: Vec<&'static str> = Vec::new();
                $( $crate::query_request!(@names names, $how, $ty); )*
                names
            }
            #[allow(clippy::vec_init_then_push)]
            fn parameters() -> Vec<serde_json::Value> {
                #[allow(unused_mut)]
                let mut list: Vec<serde_json::Value> = Vec::new();
                $( $crate::query_request!(@doc list, $how, $ty, [$($doc),*]); )*
                list
            }
            fn from_query(
                q: &$crate::params::request::RawQuery,
            ) -> Result<Self, $crate::error::ParamError> {
                let value = $name {
                    $( $field: $crate::query_request!(@read q, $how, $ty), )*
                };
                $( $check(&value)?; )?
                Ok(value)
            }
        }
    };
    (@names $n:ident, flatten, $ty:ty) => {
        $n.extend(<$ty as $crate::params::request::QueryRequest>::names())
    };
    (@names $n:ident, rest, $ty:ty) => {};
    (@names $n:ident, $param:literal, $ty:ty) => { $n.push($param) };
    (@doc $l:ident, flatten, $ty:ty, [$($doc:literal),*]) => {
        $l.extend(<$ty as $crate::params::request::QueryRequest>::parameters())
    };
    (@doc $l:ident, rest, $ty:ty, [$($doc:literal),*]) => {};
    (@doc $l:ident, $param:literal, $ty:ty, [$($doc:literal),*]) => {
        $l.push($crate::params::request::parameter(
            $param,
            &[$($doc),*],
            <$ty as $crate::params::request::QueryValue>::schema(),
            <$ty as $crate::params::request::QueryValue>::required(),
        ))
    };
    (@read $q:ident, flatten, $ty:ty) => {
        <$ty as $crate::params::request::QueryRequest>::from_query($q)?
    };
    // Only a type that keeps the rest lists its own names, so that the others can be told
    // apart; every other read (a tile's, on the hot path) builds no list.
    (@read $q:ident, rest, $ty:ty) => {
        $q.others(&<Self as $crate::params::request::QueryRequest>::names())
    };
    (@read $q:ident, $param:literal, $ty:ty) => {
        <$ty as $crate::params::request::QueryValue>::from_query($param, $q.get($param))?
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::indicators::Lang;

    crate::query_request! {
        /// A route family of its own, for the test.
        pub struct Inner {
            /// Language of labels
            lang: Lang = "lang",
        }
    }

    crate::query_request! {
        /// A route family with a made-up parameter and another family's parameters.
        pub struct WithMadeUp {
            /// A made-up parameter
            colour: Option<String> = "x-colour",
            /// The parameters of [`Inner`].
            inner: Inner = flatten,
        }
    }

    crate::query_request! {
        /// Another family, with every other parameter kept.
        pub struct WithRest {
            /// The parameters of [`Inner`].
            inner: Inner = flatten,
            /// Every other parameter: the collection's property filters, checked by the handler.
            rest: Vec<(String, String)> = rest,
        }
    }

    fn raw(pairs: &[(&str, &str)]) -> RawQuery {
        RawQuery::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn a_parameter_declared_once_is_documented_accepted_and_refused_elsewhere() {
        // Documented: the declaration is the OpenAPI parameter list.
        let doc = WithMadeUp::parameters();
        let names: Vec<&str> = doc.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["x-colour", "lang"]);
        assert_eq!(doc[0]["description"], "A made-up parameter");
        assert_eq!(doc[1]["schema"]["enum"], json!(["en", "cy"]));
        // utoipa reads every one of them, so `#[utoipa::path(params(T))]` lists them all.
        let utoipa = <WithMadeUp as utoipa::IntoParams>::into_params(|| None);
        assert_eq!(utoipa.len(), 2);
        assert_eq!(
            serde_json::to_value(&utoipa[0]).unwrap()["name"],
            "x-colour"
        );
        // Accepted, strictly, where it is declared ...
        let q = raw(&[("x-colour", "red"), ("lang", "cy")]);
        let r: WithMadeUp = q.parse_strict().unwrap();
        assert_eq!((r.colour.as_deref(), r.inner.lang), (Some("red"), Lang::Cy));
        // ... refused by a strict family that does not declare it, naming what it allows ...
        match q.parse_strict::<Inner>().unwrap_err() {
            ParamError::UnknownParameter { name, allowed } => {
                assert_eq!(
                    (name.as_str(), allowed),
                    ("x-colour", vec!["lang".to_owned()])
                )
            }
            other => panic!("{other:?}"),
        }
        // ... ignored by a lenient read, and kept by a family that keeps the rest.
        assert_eq!(q.parse::<Inner>().unwrap().lang, Lang::Cy);
        let rest: WithRest = q.parse().unwrap();
        assert_eq!(rest.inner.lang, Lang::Cy);
        assert_eq!(rest.rest, [("x-colour".to_owned(), "red".to_owned())]);
        // A bad value is the value type's 400, with what is allowed.
        let e = raw(&[("lang", "fr")]).parse::<WithMadeUp>().unwrap_err();
        assert_eq!(e.allowed().unwrap(), ["en", "cy"]);
    }

    #[test]
    fn the_last_of_a_repeated_parameter_counts() {
        let q = raw(&[("lang", "fr"), ("lang", "cy")]);
        assert_eq!(q.get("lang"), Some("cy"));
        assert_eq!(q.names(), ["lang"]);
    }
}
