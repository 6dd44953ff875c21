//! `LayerSet`: the layers one tile URL names (`lsoa`, `lsoa,clusters`, or `wales` for all),
//! checked against the catalogue.

use crate::catalog::{LayerId, ALL_LAYERS_ALIAS, MAX_SERVED_ZOOM};
use crate::error::TileError;

/// Every layer name a URL may use, for error messages.
pub fn layer_names() -> Vec<String> {
    LayerId::TILES
        .iter()
        .map(|l| l.as_str().to_owned())
        .chain([ALL_LAYERS_ALIAS.to_owned()])
        .collect()
}

/// The error for a layer name that is not in the catalogue.
pub fn unknown_layer(name: &str) -> TileError {
    TileError::UnknownLayer {
        name: name.chars().take(64).collect(),
        allowed: layer_names(),
    }
}

fn bad_list(text: &str) -> TileError {
    TileError::BadLayerList {
        list: text.chars().take(64).collect(),
        allowed: layer_names(),
    }
}

/// A non-empty, ordered, duplicate-free list of layers, as named in a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSet(Vec<LayerId>);

impl LayerSet {
    /// Parses `lsoa`, `lsoa,clusters` or `wales` (every layer).
    pub fn parse(text: &str) -> Result<LayerSet, TileError> {
        if text == ALL_LAYERS_ALIAS {
            return Ok(LayerSet(LayerId::COMPOSITE.to_vec()));
        }
        let mut layers = Vec::new();
        for part in text.split(',') {
            let id = LayerId::parse_tile(part).ok_or_else(|| {
                if part.is_empty() {
                    bad_list(text)
                } else {
                    unknown_layer(part)
                }
            })?;
            if layers.contains(&id) {
                return Err(bad_list(text));
            }
            layers.push(id);
        }
        Ok(LayerSet(layers))
    }

    /// The layers.
    pub fn layers(&self) -> &[LayerId] {
        &self.0
    }

    /// The URL form, e.g. `lsoa,clusters`.
    pub fn url_name(&self) -> String {
        if self.0 == LayerId::COMPOSITE {
            return ALL_LAYERS_ALIAS.to_owned();
        }
        self.0
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The layers that serve zoom `z`; an error when none does.
    pub fn at_zoom(&self, z: u8) -> Result<Vec<LayerId>, TileError> {
        let layers: Vec<LayerId> = self
            .0
            .iter()
            .copied()
            .filter(|l| l.layer().serves_zoom(z))
            .collect();
        if layers.is_empty() {
            return Err(TileError::ZoomOutsideLayers {
                z,
                layers: self
                    .0
                    .iter()
                    .map(|l| format!("{l} ({}-{MAX_SERVED_ZOOM})", l.layer().minzoom))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(layers)
    }

    /// Shallowest zoom any layer serves.
    pub fn minzoom(&self) -> u8 {
        self.0.iter().map(|l| l.layer().minzoom).min().unwrap_or(0)
    }

    /// Deepest advertised zoom.
    pub fn maxzoom(&self) -> u8 {
        self.0.iter().map(|l| l.layer().maxzoom).max().unwrap_or(14)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_sets_parse_composites_and_alias() {
        assert_eq!(LayerSet::parse("lsoa").unwrap().layers(), &[LayerId::Lsoa]);
        assert_eq!(
            LayerSet::parse("clusters,lsoa").unwrap().layers(),
            &[LayerId::Clusters, LayerId::Lsoa]
        );
        assert_eq!(
            LayerSet::parse("wales").unwrap().layers(),
            &LayerId::COMPOSITE
        );
        assert_eq!(
            LayerSet::parse("lsoa21,clusters").unwrap().layers(),
            &[LayerId::Lsoa21, LayerId::Clusters]
        );
        assert_eq!(LayerSet::parse("wales").unwrap().url_name(), "wales");
        assert!(matches!(
            LayerSet::parse("roads"),
            Err(TileError::UnknownLayer { .. })
        ));
        assert!(matches!(
            LayerSet::parse("lsoa,,clusters"),
            Err(TileError::BadLayerList { .. })
        ));
        assert!(matches!(
            LayerSet::parse("lsoa,lsoa"),
            Err(TileError::BadLayerList { .. })
        ));
    }

    #[test]
    fn zoom_filter_drops_layers_below_their_minzoom() {
        let set = LayerSet::parse("wales").unwrap();
        assert_eq!(
            set.at_zoom(3).unwrap(),
            vec![LayerId::Clusters, LayerId::HealthBoards, LayerId::Labels]
        );
        assert_eq!(set.at_zoom(7).unwrap().len(), 4);
        assert!(LayerSet::parse("lsoa").unwrap().at_zoom(2).is_err());
    }
}
