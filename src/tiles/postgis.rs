//! The PostGIS tile source. Step 2 of a tile's path, after [`super::http::get_tile`]:
//! [`PostgisSource::plan`] checks the zoom, takes the current snapshot and, for an indicator
//! map, classifies the clusters' values (once per snapshot). [`PostgisSource::render`] then
//! runs each layer's statement from [`super::sql::TileQueries`], concurrently, with z/x/y
//! and the indicator arrays as typed binds, and concatenates the layers' MVT bytes (a valid
//! MVT, as layers are a repeated field).

use std::sync::Arc;

use futures::future::try_join_all;
use serde_json::{json, Value};

use super::cache::{CachedTile, TileKey};
use super::coord::TileCoord;
use super::layers::LayerSet;
use super::source::{Query, TileSource};
use super::sql::TileQueries;
use crate::catalog::indicators::Level;
use crate::catalog::snapshot::Snapshot;
use crate::catalog::store::{data_changed, Store};
use crate::catalog::values::TILE_VALUE_FIELDS;
use crate::catalog::{LayerId, ALL_LAYERS_ALIAS};
use crate::db::CancellableConnection;
use crate::error::{AppError, StyleError, TileError};
use crate::params;
use crate::style::legend::MapKind;
use crate::style::{classify, render};

/// Tiles rendered by PostGIS from the loaded data.
pub struct PostgisSource {
    /// The database and snapshot.
    pub store: Store,
    /// Every layer's statement for every zoom band, built once.
    pub queries: TileQueries,
}

impl PostgisSource {
    /// A source over a store, with the statements generated now.
    pub fn new(store: Store) -> PostgisSource {
        PostgisSource {
            store,
            queries: TileQueries::build(),
        }
    }
}

/// One request's indicator values for the cluster layer, as the bind arrays `$4..`: the
/// codes, then one array per [`TILE_VALUE_FIELDS`] entry, in that order.
#[derive(Debug, Default)]
pub struct IndicatorArrays {
    codes: Vec<String>,
    values: Vec<f64>,
    classes: Vec<i32>,
    lower: Vec<Option<f64>>,
    upper: Vec<Option<f64>>,
    sig_vs_wales: Vec<&'static str>,
    sig_vs_hb: Vec<&'static str>,
}

type TileQuery<'q> = sqlx::query::QueryAs<
    'q,
    sqlx::Postgres,
    (Option<i64>, Option<Vec<u8>>),
    sqlx::postgres::PgArguments,
>;

impl IndicatorArrays {
    /// Binds the arrays after z/x/y, following [`TILE_VALUE_FIELDS`].
    fn bind<'q>(&'q self, mut query: TileQuery<'q>) -> TileQuery<'q> {
        query = query.bind(&self.codes);
        for name in TILE_VALUE_FIELDS {
            query = match name {
                "value" => query.bind(&self.values),
                "class" => query.bind(&self.classes),
                "lower_ci" => query.bind(&self.lower),
                "upper_ci" => query.bind(&self.upper),
                "sig_vs_wales" => query.bind(&self.sig_vs_wales),
                "sig_vs_hb" => query.bind(&self.sig_vs_hb),
                // Checked by the unit test below: every tile field has an array.
                _ => query,
            };
        }
        query
    }
}

/// Validates `indicator`, `period`, `method`, `classes` (and `breaks`, `palette`) and
/// builds the cluster values with their classes from the shared classification.
fn indicator_arrays(snapshot: &Snapshot, q: &Query) -> Result<(IndicatorArrays, String), AppError> {
    let ip = params::indicator(q, &snapshot.catalog).map_err(StyleError::from)?;
    let c = params::classification(q).map_err(StyleError::from)?;
    let choropleth = classify(snapshot, &ip, &c)?;
    let mut arrays = IndicatorArrays::default();
    for v in snapshot.catalog.values(&ip.indicator.id, &ip.period) {
        if v.level != Level::Cluster {
            continue;
        }
        arrays.codes.push(v.code.clone());
        arrays.values.push(v.value);
        let class = choropleth.classes.get(&v.code).copied().unwrap_or(0);
        arrays.classes.push(i32::try_from(class).unwrap_or(0));
        arrays.lower.push(v.lower_ci);
        arrays.upper.push(v.upper_ci);
        arrays.sig_vs_wales.push(v.sig_vs_wales.as_str());
        arrays.sig_vs_hb.push(v.sig_vs_hb.as_str());
    }
    Ok((arrays, params::indicator_query(&ip, &c)))
}

/// One layer's MVT bytes and the data version its statement saw.
struct LayerBytes {
    version: i64,
    bytes: Vec<u8>,
}

impl PostgisSource {
    /// Step 3: one layer's MVT bytes for one tile, the one place a tile statement runs.
    async fn fetch_layer(
        &self,
        layer: LayerId,
        coord: TileCoord,
        indicator: Option<&IndicatorArrays>,
    ) -> Result<LayerBytes, AppError> {
        let with_values = indicator.filter(|_| layer == LayerId::Clusters);
        let statement = self.queries.get(layer, coord.z, with_values.is_some());
        let mut query: TileQuery<'_> = sqlx::query_as(sqlx::AssertSqlSafe(statement))
            .bind(i32::from(coord.z))
            .bind(i32::try_from(coord.x).unwrap_or(i32::MAX))
            .bind(i32::try_from(coord.y).unwrap_or(i32::MAX));
        if let Some(a) = with_values {
            query = a.bind(query);
        }
        let pool = &self.store.db.pool;
        let (version, bytes) = self
            .store
            .db
            .run(async {
                let mut guard = CancellableConnection::acquire(pool).await?;
                let result = query.fetch_one(guard.conn()).await;
                guard.finish();
                result
            })
            .await?;
        Ok(LayerBytes {
            version: version.unwrap_or(0),
            bytes: bytes.unwrap_or_default(),
        })
    }
}

impl TileSource for PostgisSource {
    type Plan = Option<Arc<IndicatorArrays>>;

    fn layer_set(&self, text: &str) -> Result<LayerSet, TileError> {
        LayerSet::parse(text)
    }

    async fn plan(
        &self,
        set: &LayerSet,
        coord: TileCoord,
        q: &Query,
    ) -> Result<(TileKey, Self::Plan), AppError> {
        set.at_zoom(coord.z)?;
        let snapshot = self.store.snapshot().await?;
        let indicator = if q.contains_key("indicator") {
            if !set.layers().contains(&LayerId::Clusters) {
                return Err(TileError::IndicatorNeedsClusters.into());
            }
            Some(indicator_arrays(&snapshot, q)?)
        } else {
            params::indicator_options_without_indicator(q, &snapshot.catalog)
                .map_err(StyleError::from)?;
            None
        };
        let key = TileKey {
            version: snapshot.data.version,
            layers: set.url_name(),
            coord,
            indicator: indicator.as_ref().map(|(_, query)| query.clone()),
        };
        Ok((key, indicator.map(|(arrays, _)| Arc::new(arrays))))
    }

    /// Every layer statement reports the data version it read; the tile is accepted (and
    /// cached under that version) only when all of them match the snapshot the cache key
    /// and the indicator classes came from.
    async fn render(
        &self,
        key: &TileKey,
        plan: &Self::Plan,
        set: &LayerSet,
    ) -> Result<CachedTile, AppError> {
        let layers = set.at_zoom(key.coord.z)?;
        let parts = try_join_all(
            layers
                .iter()
                .map(|&layer| self.fetch_layer(layer, key.coord, plan.as_deref())),
        )
        .await?;
        if let Some(moved) = parts.iter().find(|p| p.version != key.version) {
            return Err(data_changed(key.version, moved.version));
        }
        let bytes: Vec<u8> = parts.into_iter().flat_map(|p| p.bytes).collect();
        Ok(CachedTile::new(bytes, key.version))
    }

    async fn refresh(&self) -> Result<(), AppError> {
        self.store.refresh_snapshot().await
    }

    /// With `?indicator=…` the tile URLs carry the normalised indicator query and the
    /// `legend` field shows its classes.
    async fn tilejson(&self, set: &LayerSet, q: &Query, base: &str) -> Result<Value, AppError> {
        let snapshot = self.store.snapshot().await?;
        let (legend, tile_query) = if q.contains_key("indicator") {
            if !set.layers().contains(&LayerId::Clusters) {
                return Err(TileError::IndicatorNeedsClusters.into());
            }
            let rendered = render(MapKind::Indicator, q, &snapshot)?;
            (Some(rendered.legend), Some(rendered.tile_query))
        } else {
            params::indicator_options_without_indicator(q, &snapshot.catalog)
                .map_err(StyleError::from)?;
            if set.layers().contains(&LayerId::Lsoa) {
                (
                    Some(render(MapKind::Deprivation, q, &snapshot)?.legend),
                    None,
                )
            } else {
                (None, None)
            }
        };
        let mut doc = super::tilejson::tilejson(set, &snapshot.data, base, tile_query.as_deref());
        if let Some(legend) = legend {
            doc["legend"] = json!(legend.to_html());
        }
        Ok(doc)
    }

    async fn warm_extent(&self) -> Result<(LayerSet, [f64; 4]), AppError> {
        let snapshot = self.store.snapshot().await?;
        Ok((LayerSet::parse(ALL_LAYERS_ALIAS)?, snapshot.data.bounds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tile_value_field_has_a_bind_array() {
        let handled = [
            "value",
            "class",
            "lower_ci",
            "upper_ci",
            "sig_vs_wales",
            "sig_vs_hb",
        ];
        for name in TILE_VALUE_FIELDS {
            assert!(handled.contains(&name), "{name} has no bind array");
        }
    }
}
