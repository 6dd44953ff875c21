//! Indicator tiles without a database round trip: the plain tile (cached, or rendered once
//! for every indicator map), decoded, with each area's values added to its features as
//! properties, and encoded again. The geometry and the other properties are the plain
//! tile's, byte for byte.

use std::collections::HashMap;

use geozero::mvt::{tile, Message, Tile};

/// Why a tile could not be decorated (its bytes were not an MVT).
#[derive(Debug, thiserror::Error)]
#[error("tile is not a valid MVT: {0}")]
pub struct DecorateError(String);

/// A property value, as MVT stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    /// A float8 column.
    Float(f64),
    /// An int4 column (stored as PostGIS does: `uint_value` from 0, else `sint_value`).
    Int(i64),
    /// A text column.
    Text(String),
}

impl PropertyValue {
    fn to_mvt(&self) -> tile::Value {
        match self {
            PropertyValue::Float(v) => tile::Value {
                double_value: Some(*v),
                ..Default::default()
            },
            PropertyValue::Int(v) => match u64::try_from(*v) {
                Ok(u) => tile::Value {
                    uint_value: Some(u),
                    ..Default::default()
                },
                Err(_) => tile::Value {
                    sint_value: Some(*v),
                    ..Default::default()
                },
            },
            PropertyValue::Text(s) => tile::Value {
                string_value: Some(s.clone()),
                ..Default::default()
            },
        }
    }

    /// What makes two values the same entry of a layer's value table.
    fn identity(&self) -> (u8, u64, &str) {
        match self {
            PropertyValue::Float(v) => (0, v.to_bits(), ""),
            PropertyValue::Int(v) => (1, u64::from_ne_bytes(v.to_ne_bytes()), ""),
            PropertyValue::Text(s) => (2, 0, s.as_str()),
        }
    }
}

/// Each area's values, by the area's `code`: one entry per field of `fields`, `None` where
/// the area has none (the property is then left out, as `ST_AsMVT` leaves out a NULL).
pub struct AreaProperties<'a> {
    /// The MVT layer the values go on (`clusters` or `lsoa`).
    pub layer: &'a str,
    /// Property names, in order.
    pub fields: &'a [&'a str],
    /// Values by area code.
    pub by_code: HashMap<&'a str, Vec<Option<PropertyValue>>>,
}

/// `mvt` with `props` added to the features of `props.layer`, matched by their `code`
/// property. Other layers, and features with no entry, are unchanged; an empty tile
/// stays empty.
pub fn add_properties(mvt: &[u8], props: &AreaProperties<'_>) -> Result<Vec<u8>, DecorateError> {
    if mvt.is_empty() {
        return Ok(Vec::new());
    }
    let mut tile = Tile::decode(mvt).map_err(|e| DecorateError(e.to_string()))?;
    for layer in tile.layers.iter_mut().filter(|l| l.name == props.layer) {
        let Some(code_key) = layer.keys.iter().position(|k| k == "code") else {
            continue;
        };
        let field_keys: Vec<u32> = props
            .fields
            .iter()
            .map(|name| key_index(&mut layer.keys, name))
            .collect();
        let mut value_index: HashMap<(u8, u64, String), u32> = HashMap::new();
        let mut new_values: Vec<tile::Value> = Vec::new();
        let first_new = u32::try_from(layer.values.len()).unwrap_or(u32::MAX);
        for feature in &mut layer.features {
            let code = feature
                .tags
                .chunks_exact(2)
                .find(|kv| usize::try_from(kv[0]).ok() == Some(code_key))
                .and_then(|kv| layer.values.get(usize::try_from(kv[1]).ok()?))
                .and_then(|v| v.string_value.as_deref());
            let Some(row) = code.and_then(|c| props.by_code.get(c)) else {
                continue;
            };
            for (key, value) in field_keys.iter().zip(row) {
                let Some(value) = value else { continue };
                let (kind, bits, text) = value.identity();
                let next =
                    first_new.saturating_add(u32::try_from(new_values.len()).unwrap_or(u32::MAX));
                let index = *value_index
                    .entry((kind, bits, text.to_owned()))
                    .or_insert_with(|| {
                        new_values.push(value.to_mvt());
                        next
                    });
                feature.tags.extend([*key, index]);
            }
        }
        layer.values.extend(new_values);
    }
    Ok(tile.encode_to_vec())
}

/// The index of `name` in a layer's key table, added at the end if it is not there.
fn key_index(keys: &mut Vec<String>, name: &str) -> u32 {
    let i = keys.iter().position(|k| k == name).unwrap_or_else(|| {
        keys.push(name.to_owned());
        keys.len() - 1
    });
    u32::try_from(i).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(name: &str, codes: &[&str]) -> tile::Layer {
        tile::Layer {
            version: 2,
            name: name.to_owned(),
            keys: vec!["code".to_owned(), "name_en".to_owned()],
            values: codes
                .iter()
                .map(|c| tile::Value {
                    string_value: Some((*c).to_owned()),
                    ..Default::default()
                })
                .collect(),
            features: (0..codes.len() as u32)
                .map(|i| tile::Feature {
                    id: Some(u64::from(i) + 1),
                    tags: vec![0, i],
                    r#type: Some(tile::GeomType::Point as i32),
                    geometry: vec![9, 2 * i + 2, 2],
                })
                .collect(),
            extent: Some(4096),
        }
    }

    fn props_of(tile: &Tile, layer: &str, feature: usize) -> HashMap<String, tile::Value> {
        let l = tile.layers.iter().find(|l| l.name == layer).unwrap();
        l.features[feature]
            .tags
            .chunks_exact(2)
            .map(|kv| {
                (
                    l.keys[kv[0] as usize].clone(),
                    l.values[kv[1] as usize].clone(),
                )
            })
            .collect()
    }

    #[test]
    fn values_join_features_by_code_and_leave_the_rest_alone() {
        let plain = Tile {
            layers: vec![
                layer("clusters", &["A", "B", "C"]),
                layer("health_boards", &["A"]),
            ],
        };
        let fields = ["value", "class", "sig_vs_wales"];
        let props = AreaProperties {
            layer: "clusters",
            fields: &fields,
            by_code: HashMap::from([
                (
                    "A",
                    vec![
                        Some(PropertyValue::Float(2.5)),
                        Some(PropertyValue::Int(3)),
                        Some(PropertyValue::Text("higher".into())),
                    ],
                ),
                (
                    "B",
                    vec![
                        Some(PropertyValue::Float(2.5)),
                        Some(PropertyValue::Int(-1)),
                        None,
                    ],
                ),
            ]),
        };
        let out = Tile::decode(
            add_properties(&plain.encode_to_vec(), &props)
                .unwrap()
                .as_slice(),
        )
        .unwrap();
        let a = props_of(&out, "clusters", 0);
        assert_eq!(a["value"].double_value, Some(2.5));
        assert_eq!(a["class"].uint_value, Some(3));
        assert_eq!(a["sig_vs_wales"].string_value.as_deref(), Some("higher"));
        assert_eq!(a["code"].string_value.as_deref(), Some("A"));
        let b = props_of(&out, "clusters", 1);
        assert_eq!(b["class"].sint_value, Some(-1));
        assert!(
            !b.contains_key("sig_vs_wales"),
            "a missing value is left out"
        );
        assert_eq!(
            props_of(&out, "clusters", 2).len(),
            1,
            "no values: only the code"
        );
        assert_eq!(
            props_of(&out, "health_boards", 0).len(),
            1,
            "other layers unchanged"
        );
        // Equal values share one entry of the value table; geometry is untouched.
        let clusters = &out.layers[0];
        assert_eq!(
            clusters
                .values
                .iter()
                .filter(|v| v.double_value == Some(2.5))
                .count(),
            1
        );
        assert_eq!(
            clusters.features[1].geometry,
            plain.layers[0].features[1].geometry
        );
        assert!(add_properties(&[], &props).unwrap().is_empty());
        assert!(add_properties(&[0xff, 0xff], &props).is_err());
    }
}
