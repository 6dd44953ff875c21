//! The OpenAPI description of the cartography routes: their paths (from the handlers'
//! annotations) and the shapes of their JSON bodies. `/indicators`, `/data` and
//! `/findings` send these types themselves, so their documents cannot drift from them;
//! `Style`, `DataRow` and `Vocabulary` are described, never built (the handlers assemble
//! the same fields with `json!`), and tests/openapi.rs checks them against the answers.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::catalog::indicators::Lang;
use crate::classify::Method;
use crate::significance::ConfidenceLevel;
use crate::style::legend::LegendEntry;

/// `GET /indicators`.
#[derive(Serialize, ToSchema)]
pub struct Indicators {
    /// `en` or `cy`.
    #[schema(value_type = String)]
    pub(crate) lang: Lang,
    /// The data version the catalogue comes from.
    pub(crate) data_version: i64,
    /// Each indicator: id, titles, unit, polarity, periods, links.
    #[schema(value_type = Vec<Object>)]
    pub(crate) indicators: Vec<Value>,
    /// The classification methods `method` accepts.
    #[schema(value_type = Vec<String>)]
    pub(crate) methods: Vec<Method>,
    /// The range and default of `classes`.
    pub(crate) classes: ClassCount,
    /// The palettes `palette` accepts.
    pub(crate) palettes: Vec<String>,
    pub(crate) default_palette: String,
}

/// How many classes a classified map may have.
#[derive(Serialize, ToSchema)]
pub struct ClassCount {
    pub(crate) min: usize,
    pub(crate) max: usize,
    pub(crate) default: usize,
}

/// `GET /vocabulary`: labels, codes and colours in both languages.
#[allow(dead_code)] // Described, never built: `style::vocabulary` assembles it.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Vocabulary(Value);

/// A MapLibre style v8 document.
#[allow(dead_code)] // Described, never built: `style::maplibre::style` assembles it.
#[derive(Serialize, ToSchema)]
pub struct Style {
    /// Always 8.
    version: u8,
    /// `cluster-atlas: ` and the legend's title and subtitle.
    name: String,
    /// `cluster-atlas:legend` (the [`Legend`]), `cluster-atlas:data_version` and
    /// `cluster-atlas:basemap`.
    #[schema(value_type = Object)]
    metadata: Value,
    /// Longitude and latitude.
    #[schema(min_items = 2, max_items = 2)]
    center: Vec<f64>,
    zoom: f64,
    /// The glyph URL template (`{fontstack}/{range}`).
    glyphs: String,
    #[schema(value_type = Object)]
    sources: Value,
    #[schema(value_type = Vec<Object>)]
    layers: Vec<Value>,
}

/// `GET /data/{indicator}` as JSON.
#[derive(Serialize, ToSchema)]
pub struct Data {
    /// The indicator, as in `/indicators`.
    #[schema(value_type = Object)]
    pub(crate) indicator: Value,
    pub(crate) title: String,
    pub(crate) period: String,
    /// `en` or `cy`.
    #[schema(value_type = String)]
    pub(crate) lang: Lang,
    /// `95` or `99.8`: the level of the intervals and flags.
    #[schema(value_type = String)]
    pub(crate) confidence_level: ConfidenceLevel,
    /// Each value field's label, in `lang`, at `confidence_level`.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub(crate) field_labels: Map<String, Value>,
    pub(crate) data_version: i64,
    /// Method, classes and breaks actually used.
    #[schema(value_type = Object, nullable = false)]
    pub(crate) classification: Option<Value>,
    /// Legend entries, one per class.
    pub(crate) legend: Vec<LegendEntry>,
    /// Built as JSON (`data::data_row`), as the CSV reads the same rows.
    #[schema(value_type = Vec<DataRow>)]
    pub(crate) rows: Vec<Value>,
}

/// One area's row of `/data/{indicator}`: the area, then the value fields of
/// `catalog::values::VALUE_FIELDS` (value, interval, counts, flags, class), then the colour.
/// A unit test below keeps the value fields here in step with that table.
#[allow(dead_code)] // Described, never built: `data::data_row` assembles it.
#[derive(Serialize, ToSchema)]
pub struct DataRow {
    /// `wales`, `health_board` or `cluster`.
    level: String,
    code: String,
    #[schema(nullable)]
    name: Option<String>,
    #[schema(nullable)]
    name_cy_fallback: Option<bool>,
    #[schema(nullable)]
    hb_code: Option<String>,
    /// The indicator's value for the area.
    #[schema(nullable)]
    value: Option<f64>,
    /// Numerator (count), when published.
    #[schema(nullable)]
    numerator: Option<f64>,
    /// Denominator (population at risk), when published.
    #[schema(nullable)]
    denominator: Option<f64>,
    /// Lower confidence limit at the requested level.
    #[schema(nullable)]
    lower_ci: Option<f64>,
    /// Upper confidence limit at the requested level.
    #[schema(nullable)]
    upper_ci: Option<f64>,
    /// Against Wales: `higher`, `similar`, `lower` or `not_tested`.
    #[schema(nullable)]
    sig_vs_wales: Option<String>,
    /// Against the area's health board, as `sig_vs_wales`.
    #[schema(nullable)]
    sig_vs_hb: Option<String>,
    /// The class (1 = lowest), when the area is classified.
    #[schema(nullable)]
    class: Option<i32>,
    /// The class colour, when the area is classified.
    #[schema(nullable)]
    color: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::values::VALUE_FIELDS;
    use crate::catalog::FieldType;

    /// `DataRow` lists `VALUE_FIELDS` in order, each nullable and of the field's type: the
    /// rows are built from that table, so a field added there must be described here.
    #[test]
    fn data_row_describes_the_value_fields() {
        let schema = serde_json::to_value(DataRow::schema().1).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        let names: Vec<&str> = properties.keys().map(String::as_str).collect();
        let mut expected = vec!["level", "code", "name", "name_cy_fallback", "hb_code"];
        expected.extend(VALUE_FIELDS.iter().map(|f| f.name));
        expected.push("color");
        assert_eq!(names, expected);
        for f in &VALUE_FIELDS {
            let p = &properties[f.name];
            let kind = match f.kind {
                FieldType::String => "string",
                FieldType::Integer => "integer",
                FieldType::Number => "number",
                FieldType::Boolean => "boolean",
            };
            assert_eq!(p["type"], kind, "{}", f.name);
            assert_eq!(p["nullable"], true, "{}", f.name);
        }
    }
}
