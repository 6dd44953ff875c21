//! The one table of indicator value fields: what an area's value for an indicator carries,
//! with its SQL type, meaning and labels. Tiles, OGC items, the `/data` JSON and CSV, the
//! OpenAPI document and the map page's labels all read it.

use serde_json::{json, Value};

use super::indicators::{AreaLevel, AreaValue};
use super::FieldType;

/// One field of an indicator value.
#[derive(Debug, Clone, Copy)]
pub struct ValueField {
    /// Property and column name.
    pub name: &'static str,
    /// JSON/MVT type.
    pub kind: FieldType,
    /// PostgreSQL type of the tile bind array's elements.
    pub sql_type: &'static str,
    /// What it means (TileJSON, OpenAPI).
    pub description: &'static str,
    /// Column label in English.
    pub label_en: &'static str,
    /// Column label in Welsh (draft, for review by a Welsh speaker).
    pub label_cy: &'static str,
    /// The levels whose areas carry it: a flag against the board only exists for clusters,
    /// and Wales is not compared with itself.
    pub levels: &'static [AreaLevel],
    /// Its value for an area (`class` is the area's class under the request's
    /// classification, for clusters).
    pub extract: fn(&AreaValue, Option<usize>) -> Value,
}

const ALL_LEVELS: &[AreaLevel] = &[
    AreaLevel::Wales,
    AreaLevel::HealthBoard,
    AreaLevel::Cluster,
    AreaLevel::Lsoa,
];

/// Every value field, in column order (downloads, items, `/data`).
pub const VALUE_FIELDS: [ValueField; 8] = [
    ValueField {
        name: "value",
        kind: FieldType::Number,
        sql_type: "float8",
        description: "The indicator's value for the area",
        label_en: "Value",
        label_cy: "Gwerth",
        levels: ALL_LEVELS,
        extract: |v, _| json!(v.value),
    },
    ValueField {
        name: "numerator",
        kind: FieldType::Number,
        sql_type: "float8",
        description: "Numerator (count), when published",
        label_en: "Numerator",
        label_cy: "Rhifiadur",
        levels: ALL_LEVELS,
        extract: |v, _| json!(v.numerator),
    },
    ValueField {
        name: "denominator",
        kind: FieldType::Number,
        sql_type: "float8",
        description: "Denominator (population at risk), when published",
        label_en: "Denominator",
        label_cy: "Enwadur",
        levels: ALL_LEVELS,
        extract: |v, _| json!(v.denominator),
    },
    ValueField {
        name: "lower_ci",
        kind: FieldType::Number,
        sql_type: "float8",
        description: "Lower confidence limit at the requested level (95%, or 99.8% with level=99.8); absent when the area is not tested",
        label_en: "Lower 95% CI",
        label_cy: "CH 95% isaf",
        levels: ALL_LEVELS,
        extract: |v, _| json!(v.lower_ci),
    },
    ValueField {
        name: "upper_ci",
        kind: FieldType::Number,
        sql_type: "float8",
        description: "Upper confidence limit at the requested level (95%, or 99.8% with level=99.8); absent when the area is not tested",
        label_en: "Upper 95% CI",
        label_cy: "CH 95% uchaf",
        levels: ALL_LEVELS,
        extract: |v, _| json!(v.upper_ci),
    },
    ValueField {
        name: "sig_vs_wales",
        kind: FieldType::String,
        sql_type: "text",
        description: "higher, similar, lower or not_tested, compared with Wales at the requested level",
        label_en: "Compared with Wales",
        label_cy: "O'i gymharu â Chymru",
        levels: &[AreaLevel::HealthBoard, AreaLevel::Cluster, AreaLevel::Lsoa],
        extract: |v, _| json!(v.sig_vs_wales),
    },
    ValueField {
        name: "sig_vs_hb",
        kind: FieldType::String,
        sql_type: "text",
        description: "higher, similar, lower or not_tested, compared with the cluster's health board at the requested level",
        label_en: "Compared with health board",
        label_cy: "O'i gymharu â'r bwrdd iechyd",
        levels: &[AreaLevel::Cluster],
        extract: |v, _| json!(v.sig_vs_hb),
    },
    ValueField {
        name: "class",
        kind: FieldType::Integer,
        sql_type: "int4",
        description: "Class of the value under the requested classification (1 = lowest); the style colours by it",
        label_en: "Class",
        label_cy: "Dosbarth",
        // The areas a map colours: clusters, or LSOAs for an LSOA-level indicator.
        levels: &[AreaLevel::Cluster, AreaLevel::Lsoa],
        extract: |_, class| json!(class),
    },
];

/// The value fields indicator tiles add to the cluster layer, in the order of their bind
/// arrays `$5..` (after `$4`, the cluster codes). Numerator and denominator stay out: a
/// map draws from the value, its class and its flags.
pub const TILE_VALUE_FIELDS: [&str; 6] = [
    "value",
    "class",
    "lower_ci",
    "upper_ci",
    "sig_vs_wales",
    "sig_vs_hb",
];

/// A value field by name.
pub fn value_field(name: &str) -> Option<&'static ValueField> {
    VALUE_FIELDS.iter().find(|f| f.name == name)
}

impl ValueField {
    /// Whether areas of `level` carry this field.
    pub fn applies_to(&self, level: AreaLevel) -> bool {
        self.levels.contains(&level)
    }

    /// The field's value for an area of `level`: null where the area has no value, or
    /// where the field does not apply to the level.
    pub fn value_for(
        &self,
        level: AreaLevel,
        v: Option<&AreaValue>,
        class: Option<usize>,
    ) -> Value {
        match v {
            Some(v) if self.applies_to(level) => (self.extract)(v, class),
            _ => Value::Null,
        }
    }
}

/// Decimal places of an indicator's values in CSV downloads, by unit: percentages to 2
/// (as PHW and StatsWales publish shares), rates per 1,000 or 100,000 to 1, counts to 0.
/// JSON, tiles and OGC GeoJSON keep full precision; only spreadsheets get the published
/// rounding. An unknown unit keeps full precision rather than guessing.
pub fn csv_decimals(unit: &str) -> Option<usize> {
    match unit {
        "%" => Some(2),
        "per 1,000" | "per 100,000" => Some(1),
        "count" => Some(0),
        _ => None,
    }
}

/// Rounds the value and its limits in one area's properties (keyed by field name) to the
/// unit's [`csv_decimals`], as text with exactly that many places. Counts need no change:
/// [`crate::http::csv_cell`] writes whole numbers as integers.
pub fn round_for_csv(properties: &mut Value, unit: &str) {
    let Some(places) = csv_decimals(unit) else {
        return;
    };
    for name in ["value", "lower_ci", "upper_ci"] {
        if let Some(x) = properties.get(name).and_then(Value::as_f64) {
            properties[name] = json!(format!("{x:.places$}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_fields_are_value_fields_with_sql_types() {
        for name in TILE_VALUE_FIELDS {
            let f = value_field(name).unwrap_or_else(|| panic!("{name} is not a value field"));
            assert!(["float8", "int4", "text"].contains(&f.sql_type));
        }
        let mut names: Vec<_> = VALUE_FIELDS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VALUE_FIELDS.len());
    }
}
