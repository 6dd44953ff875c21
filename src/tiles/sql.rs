//! Step 3 of a tile's path: the tile SQL, generated once at start-up, the one place where tile
//! SQL text is built at run time.
//!
//! Why this is safe: every identifier comes from the compiled-in catalogue (never from a
//! request) and is still quoted with [`quote_ident`]; every request value (z, x, y) is a
//! typed `$n` bind. Requests only choose *which* prepared text runs.

use std::collections::HashMap;
use std::sync::Arc;

use crate::catalog::values::{value_field, TILE_VALUE_FIELDS};
use crate::catalog::{LayerId, ZoomBand, TILE_BUFFER, TILE_EXTENT, ZOOM_BANDS};
use crate::db::quote::{quote_ident, quote_literal};

/// Builds the statement that renders one layer's MVT for one zoom band.
///
/// Binds: `$1` z, `$2` x, `$3` y (all `integer`). One `ST_AsMVT` per layer per tile;
/// the `&&` filter uses the band column's GiST index, widened by the clip buffer so
/// that features just outside the tile still draw their edges inside it. With
/// `indicator`, the cluster layer also joins the arrays described at
/// [`TILE_VALUE_FIELDS`] (computed in Rust, where the classes are).
pub fn layer_tile_sql(layer: LayerId, band_index: usize, indicator: bool) -> String {
    layer_tile_sql_where(layer, band_index, indicator, None)
}

/// How many `$n` binds a layer statement takes before a filter's: z, x, y and, with
/// `indicator`, the codes and one array per value field.
pub fn bind_count(indicator: bool) -> usize {
    if indicator {
        4 + TILE_VALUE_FIELDS.len()
    } else {
        3
    }
}

/// The band column a layer statement draws at zoom `z` (what a filter's S_INTERSECTS tests).
pub fn band_column(z: u8) -> &'static str {
    ZOOM_BANDS[band_of(z)].column
}

fn band_of(z: u8) -> usize {
    ZOOM_BANDS
        .iter()
        .position(|b| z <= b.max_zoom)
        .unwrap_or(ZOOM_BANDS.len() - 1)
}

/// A filtered tile's statement: [`layer_tile_sql`] with a CQL2 filter's condition, compiled
/// by [`crate::cql2`] from the catalogue's columns (quoted) with every value a `$n` bind
/// numbered after [`bind_count`]. Built per filtered request (filters are open-ended), but
/// still only here.
pub fn filtered_tile_sql(layer: LayerId, z: u8, indicator: bool, condition: &str) -> String {
    let indicator = indicator && layer != LayerId::HealthBoards;
    layer_tile_sql_where(layer, band_of(z), indicator, Some(condition))
}

fn layer_tile_sql_where(
    layer: LayerId,
    band_index: usize,
    indicator: bool,
    condition: Option<&str>,
) -> String {
    let def = layer.layer();
    let band: &ZoomBand = &ZOOM_BANDS[band_index];
    let min_zoom = crate::catalog::band_min_zoom(band_index);
    let geom = format!("f.{}", quote_ident(band.column));
    let mut properties: Vec<String> = def
        .fields
        .iter()
        .filter(|f| f.min_zoom <= min_zoom)
        .map(|f| format!("f.{}", quote_ident(f.name)))
        .collect();
    let mut join = String::new();
    if indicator {
        let mut columns = vec!["code".to_owned()];
        let mut arrays = vec!["$4::text[]".to_owned()];
        for (i, f) in TILE_VALUE_FIELDS
            .iter()
            .filter_map(|n| value_field(n))
            .enumerate()
        {
            properties.push(format!("v.{}", quote_ident(f.name)));
            columns.push(quote_ident(f.name));
            arrays.push(format!("${}::{}[]", i + 5, f.sql_type));
        }
        join = format!(
            " left join unnest({}) as v({}) on v.code = f.\"code\"",
            arrays.join(", "),
            columns.join(", ")
        );
    }
    let margin = f64::from(TILE_BUFFER) / f64::from(TILE_EXTENT);
    // Features go into the tile in id order: a parallel scan would otherwise make the bytes
    // (and so ETags and exports) depend on which worker finished first.
    // The data version is read in the same statement, so from the same MVCC snapshot as
    // the features: the caller can prove which load a layer came from, and never caches
    // (or combines) layers from two versions while a load commits.
    format!(
        "select (select max(\"version\") from \"atlas\".\"data_version\") as \"version\", \
         (select ST_AsMVT(t, {name}, {extent}, 'geom', 'fid' order by t.\"fid\") from (\
         select f.\"fid\", {properties}, \
         ST_AsMVTGeom({geom}, ST_TileEnvelope($1, $2, $3), {extent}, {buffer}, true) as geom \
         from \"atlas\".{table} as f{join} \
         where {geom} && ST_TileEnvelope($1, $2, $3, margin => {margin}){condition}\
         ) as t where t.geom is not null) as \"mvt\"",
        condition = condition.map(|c| format!(" and {c}")).unwrap_or_default(),
        name = quote_literal(layer.as_str()),
        extent = TILE_EXTENT,
        buffer = TILE_BUFFER,
        table = quote_ident(def.table),
        properties = properties.join(", "),
    )
}

/// The statement that reads a layer's features for the in-process renderer
/// (`geometry.rs`): `fid`, every tile property column in catalogue order, then the
/// geometry of each zoom band as WKB, shallowest band first, in `fid` order (the order
/// `ST_AsMVT` is given). No binds; identifiers from the catalogue, quoted.
pub fn layer_features_sql(layer: LayerId) -> String {
    let def = layer.layer();
    let mut columns = vec!["f.\"fid\"".to_owned()];
    columns.extend(
        def.fields
            .iter()
            .map(|f| format!("f.{}", quote_ident(f.name))),
    );
    columns.extend(
        ZOOM_BANDS
            .iter()
            .map(|b| format!("ST_AsBinary(f.{})", quote_ident(b.column))),
    );
    format!(
        "select {} from \"atlas\".{} as f order by f.\"fid\"",
        columns.join(", "),
        quote_ident(def.table)
    )
}

/// Every layer's tile statement for every zoom band, built once.
#[derive(Debug, Clone)]
pub struct TileQueries {
    by_layer_band: HashMap<(LayerId, usize, bool), Arc<str>>,
}

impl TileQueries {
    /// Generates all statements.
    pub fn build() -> TileQueries {
        let mut by_layer_band = HashMap::new();
        for layer in LayerId::TILES {
            for i in 0..ZOOM_BANDS.len() {
                by_layer_band.insert(
                    (layer, i, false),
                    Arc::from(layer_tile_sql(layer, i, false)),
                );
                if layer != LayerId::HealthBoards {
                    by_layer_band
                        .insert((layer, i, true), Arc::from(layer_tile_sql(layer, i, true)));
                }
            }
        }
        TileQueries { by_layer_band }
    }

    /// The statement for `layer` at zoom `z`; `indicator` selects the cluster variant
    /// with indicator properties (clusters and LSOAs carry them; boards ignore it).
    pub fn get(&self, layer: LayerId, z: u8, indicator: bool) -> Arc<str> {
        let band = band_of(z);
        // Every (layer, band) pair was inserted by build().
        let indicator = indicator && layer != LayerId::HealthBoards;
        Arc::clone(&self.by_layer_band[&(layer, band, indicator)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_bind_coordinates_and_use_the_band_column() {
        let q = TileQueries::build();
        let low = q.get(LayerId::Clusters, 3, false);
        assert!(low.contains("f.\"geom_z4\" && ST_TileEnvelope($1, $2, $3, margin => 0.015625)"));
        assert!(low.contains("from \"atlas\".\"cluster\" as f "));
        assert!(low.contains("ST_AsMVT(t, 'clusters', 4096, 'geom', 'fid' order by t.\"fid\")"));
        let with_values = q.get(LayerId::Clusters, 9, true);
        assert!(with_values.contains("left join unnest($4::text[], $5::float8[], $6::int4[]"));
        assert!(with_values.contains("v.\"class\""));
        // LSOA-level indicators (the WIMD indicators) ride on the lsoa layer; boards carry none.
        assert!(q
            .get(LayerId::Lsoa, 9, true)
            .contains("on v.code = f.\"code\""));
        assert!(!q.get(LayerId::HealthBoards, 9, true).contains("unnest"));
        let high = q.get(LayerId::Lsoa, 14, false);
        assert!(high.contains("ST_AsMVTGeom(f.\"geom\","));
        assert!(high.contains("\"wimd_quintile\""));
        assert!(high.contains("\"name_wimd\""));
        // Names join LSOA tiles only from zoom 8; codes and quintiles are always there.
        let overview = q.get(LayerId::Lsoa, 6, false);
        assert!(overview.contains("f.\"code\"") && overview.contains("f.\"wimd_quintile\""));
        assert!(!overview.contains("name_en") && !overview.contains("name_wimd"));
        // No request value is ever part of the text.
        assert!(!high.contains("14"));
    }
}
