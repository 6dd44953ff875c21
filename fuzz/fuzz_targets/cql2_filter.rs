//! CQL2 filters: arbitrary bytes as cql2-text and as cql2-json, checked against each
//! collection's queryables (the first byte picks the language and collection).
//!
//! Properties: nothing panics; every accepted filter compiles to SQL whose placeholders
//! match its binds and that holds no string literal (values are binds); and its
//! normalised cql2-text parses back to the same filter.
#![no_main]

use cluster_atlas::catalog::LayerId;
use cluster_atlas::cql2::{self, Columns, FilterLang};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let lang = if selector & 1 == 0 { FilterLang::Text } else { FilterLang::Json };
    let layer = LayerId::ALL[usize::from(selector >> 1) % LayerId::ALL.len()];
    let queryables = cql2::queryables(layer);
    let Ok(filter) = cql2::compile(text, lang, &queryables) else {
        return;
    };
    let mut next = 3;
    let (sql, binds) = filter.sql_and_binds(&Columns { alias: "f", geometry: "geom" }, &mut next);
    assert_eq!(next, 3 + binds.len(), "one placeholder per bind");
    // No value is ever part of the text: the SQL has no string literal at all.
    assert!(!sql.contains('\''), "a literal reached the SQL: {sql}");
    let normalised = filter.normalised();
    let again = cql2::compile(&normalised, FilterLang::Text, &queryables)
        .unwrap_or_else(|e| panic!("normalised text {normalised:?} does not parse: {e}"));
    assert_eq!(again, filter, "{normalised}");
});
