//! Tile SQL, generated once at start-up: the one place where SQL text is built at run time.
//!
//! Why this is safe: every identifier comes from the compiled-in catalogue (never from a
//! request) and is still quoted with [`quote_ident`]; every request value (z, x, y) is a
//! typed `$n` bind. Requests only choose *which* prepared text runs.

use std::collections::HashMap;
use std::sync::Arc;

use crate::catalog::{LayerId, ZoomBand, TILE_BUFFER, TILE_EXTENT, ZOOM_BANDS};

/// Quotes an SQL identifier, doubling embedded quotes (PostgreSQL's rule).
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Quotes an SQL string literal, doubling embedded single quotes.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Builds the statement that renders one layer's MVT for one zoom band.
///
/// Binds: `$1` z, `$2` x, `$3` y (all `integer`). One `ST_AsMVT` per layer per tile;
/// the `&&` filter uses the band column's GiST index, widened by the clip buffer so
/// that features just outside the tile still draw their edges inside it.
pub fn layer_tile_sql(layer: LayerId, band: &ZoomBand) -> String {
    let def = layer.layer();
    let geom = quote_ident(band.column);
    let properties = def
        .fields
        .iter()
        .map(|f| quote_ident(f.name))
        .collect::<Vec<_>>()
        .join(", ");
    let margin = f64::from(TILE_BUFFER) / f64::from(TILE_EXTENT);
    format!(
        "select ST_AsMVT(t, {name}, {extent}, 'geom', 'fid') from (\
         select \"fid\", {properties}, \
         ST_AsMVTGeom({geom}, ST_TileEnvelope($1, $2, $3), {extent}, {buffer}, true) as geom \
         from \"atlas\".{table} \
         where {geom} && ST_TileEnvelope($1, $2, $3, margin => {margin})\
         ) as t where t.geom is not null",
        name = quote_literal(layer.as_str()),
        extent = TILE_EXTENT,
        buffer = TILE_BUFFER,
        table = quote_ident(def.table),
    )
}

/// Every layer's tile statement for every zoom band, built once.
#[derive(Debug, Clone)]
pub struct TileQueries {
    by_layer_band: HashMap<(LayerId, usize), Arc<str>>,
}

impl TileQueries {
    /// Generates all statements.
    pub fn build() -> TileQueries {
        let mut by_layer_band = HashMap::new();
        for layer in LayerId::ALL {
            for (i, band) in ZOOM_BANDS.iter().enumerate() {
                by_layer_band.insert((layer, i), Arc::from(layer_tile_sql(layer, band)));
            }
        }
        TileQueries { by_layer_band }
    }

    /// The statement for `layer` at zoom `z`.
    pub fn get(&self, layer: LayerId, z: u8) -> Arc<str> {
        let band = ZOOM_BANDS
            .iter()
            .position(|b| z <= b.max_zoom)
            .unwrap_or(ZOOM_BANDS.len() - 1);
        // Every (layer, band) pair was inserted by build().
        Arc::clone(&self.by_layer_band[&(layer, band)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_quotes() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("o'neil"), "'o''neil'");
    }

    #[test]
    fn statements_bind_coordinates_and_use_the_band_column() {
        let q = TileQueries::build();
        let low = q.get(LayerId::Clusters, 3);
        assert!(low.contains("\"geom_z4\" && ST_TileEnvelope($1, $2, $3, margin => 0.015625)"));
        assert!(low.contains("from \"atlas\".\"cluster\""));
        assert!(low.contains("ST_AsMVT(t, 'clusters', 4096, 'geom', 'fid')"));
        let high = q.get(LayerId::Lsoa, 14);
        assert!(high.contains("ST_AsMVTGeom(\"geom\","));
        assert!(high.contains("\"wimd_quintile\""));
        // No request value is ever part of the text.
        assert!(!high.contains("14"));
    }
}
