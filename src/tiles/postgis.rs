//! The PostGIS tile source. Step 2 of a tile's path, after `http.rs`'s `get_tile`:
//! [`PostgisSource::plan`] checks the zoom, takes the current snapshot and, for an indicator
//! map, classifies the clusters' values (once per snapshot). [`PostgisSource::render`] then
//! runs each layer's statement from [`super::sql::TileQueries`], concurrently, with z/x/y
//! (and, for a filtered indicator map, the indicator arrays) as typed binds, and
//! concatenates the layers' MVT bytes (a valid MVT, as layers are a repeated field). An
//! unfiltered indicator tile needs no statement: [`PostgisSource::decorate`] adds the
//! values to the plain tile ([`super::decorate`]).

use std::sync::Arc;

use futures::future::try_join_all;
use serde_json::{json, Value};

use super::cache::{CachedTile, TileCache, TileKey};
use super::coord::TileCoord;
use super::decorate::{add_properties, AreaProperties, PropertyValue};
use super::engine::TileEngine;
use super::geometry::GeometryStore;
use super::layers::LayerSet;
use super::request::{TileJsonQuery, TileQuery};
use super::source::TileSource;
use super::sql::{self as tile_sql, TileQueries};
use crate::catalog::snapshot::Snapshot;
use crate::catalog::store::{data_changed, Store};
use crate::catalog::values::{value_field, TILE_VALUE_FIELDS};
use crate::catalog::{LayerId, ALL_LAYERS_ALIAS};
pub use crate::config::TileRenderer;
use crate::cql2::{self, Bind, Filter};
use crate::db::CancellableConnection;
use crate::error::{AppError, TileError};
use crate::params;
use crate::style::maplibre::LSOA_LABEL_ZOOM;
use crate::style::{render, IndicatorStyleQuery, StyleRequest};

/// Tiles rendered from the loaded data: by the process from geometry read once per data
/// version, or by PostGIS.
pub struct PostgisSource {
    /// The database and snapshot.
    pub store: Store,
    /// Every layer's statement for every zoom band, built once.
    pub queries: TileQueries,
    /// Who renders unfiltered tiles.
    pub renderer: TileRenderer,
    /// The geometry of the versions being served, for the in-process renderer.
    pub geometry: GeometryStore,
}

impl PostgisSource {
    /// A source over a store, with the statements generated now.
    pub fn new(store: Store) -> PostgisSource {
        PostgisSource {
            store,
            queries: TileQueries::build(),
            renderer: TileRenderer::default(),
            geometry: GeometryStore::default(),
        }
    }

    /// The same source with another renderer.
    pub fn with_renderer(mut self, renderer: TileRenderer) -> PostgisSource {
        self.renderer = renderer;
        self
    }
}

/// One bind array of an indicator tile, typed by its field's SQL type.
#[derive(Debug)]
enum BindArray {
    Float(Vec<Option<f64>>),
    Int(Vec<Option<i32>>),
    Text(Vec<Option<String>>),
}

impl BindArray {
    fn for_sql_type(sql_type: &str) -> BindArray {
        match sql_type {
            "int4" => BindArray::Int(Vec::new()),
            "text" => BindArray::Text(Vec::new()),
            _ => BindArray::Float(Vec::new()),
        }
    }

    fn push(&mut self, value: &Value) {
        match self {
            BindArray::Float(v) => v.push(value.as_f64()),
            BindArray::Int(v) => v.push(value.as_i64().and_then(|i| i32::try_from(i).ok())),
            BindArray::Text(v) => v.push(value.as_str().map(str::to_owned)),
        }
    }
}

/// One request's indicator values for the cluster layer, as the bind arrays `$4..`: the
/// codes, then one array per [`TILE_VALUE_FIELDS`] entry, in that order, each filled by the
/// field's own extractor in the catalogue's value-field table.
#[derive(Debug)]
pub struct IndicatorArrays {
    /// The layer the values colour: clusters, or LSOAs for an LSOA-level indicator.
    layer: LayerId,
    codes: Vec<String>,
    columns: Vec<BindArray>,
}

impl IndicatorArrays {
    /// The values by area code, as MVT properties named by [`TILE_VALUE_FIELDS`]: what
    /// [`crate::tiles::decorate`] adds to a plain tile.
    fn properties(&self) -> AreaProperties<'_> {
        let by_code = self
            .codes
            .iter()
            .enumerate()
            .map(|(row, code)| {
                let values = self
                    .columns
                    .iter()
                    .map(|column| match column {
                        BindArray::Float(v) => v[row].map(PropertyValue::Float),
                        BindArray::Int(v) => v[row].map(|i| PropertyValue::Int(i64::from(i))),
                        BindArray::Text(v) => v[row].clone().map(PropertyValue::Text),
                    })
                    .collect();
                (code.as_str(), values)
            })
            .collect();
        AreaProperties {
            layer: self.layer.as_str(),
            fields: &TILE_VALUE_FIELDS,
            by_code,
        }
    }
}

type LayerStatement<'q> = sqlx::query::QueryAs<
    'q,
    sqlx::Postgres,
    (Option<i64>, Option<Vec<u8>>),
    sqlx::postgres::PgArguments,
>;

impl IndicatorArrays {
    /// Binds the arrays after z/x/y.
    fn bind<'q>(&'q self, mut query: LayerStatement<'q>) -> LayerStatement<'q> {
        query = query.bind(&self.codes);
        for column in &self.columns {
            query = match column {
                BindArray::Float(v) => query.bind(v),
                BindArray::Int(v) => query.bind(v),
                BindArray::Text(v) => query.bind(v),
            };
        }
        query
    }
}

/// What an indicator tile needs to render on a cache miss: the snapshot its key was made
/// from and the checked indicator, period and classification. The bind arrays are built
/// from them only then, so a cache hit costs no per-area work.
pub struct IndicatorPlan {
    snapshot: Arc<Snapshot>,
    indicator: String,
    period: String,
    classification: params::Classification,
}

/// The values with their classes from the shared classification (computed once per
/// snapshot), as bind arrays.
fn indicator_arrays(p: &IndicatorPlan) -> Result<IndicatorArrays, AppError> {
    let snapshot = &p.snapshot;
    let ip = params::indicator_by_id(&p.indicator, Some(&p.period), &snapshot.catalog)?;
    let c = &p.classification;
    let choropleth = ip.classify(snapshot, c)?;
    let fields: Vec<_> = TILE_VALUE_FIELDS
        .iter()
        .filter_map(|n| value_field(n))
        .collect();
    let level = ip.indicator.map_level();
    let mut arrays = IndicatorArrays {
        layer: ip.indicator.map_layer(),
        codes: Vec::new(),
        columns: fields
            .iter()
            .map(|f| BindArray::for_sql_type(f.sql_type))
            .collect(),
    };
    for v in snapshot
        .catalog
        .values_at(&ip.indicator.id, &ip.period, c.level)
        .iter()
    {
        if v.level != level {
            continue;
        }
        arrays.codes.push(v.code.clone());
        let class = choropleth.classes.get(&v.code).copied();
        for (column, field) in arrays.columns.iter_mut().zip(&fields) {
            column.push(&field.value_for(level, Some(v), class));
        }
    }
    Ok(arrays)
}

/// An indicator's values ride on one layer (clusters, or LSOAs for an LSOA-level indicator),
/// which the request must include.
fn needs_layer(set: &LayerSet, layer: LayerId) -> Result<(), TileError> {
    match layer {
        _ if set.layers().contains(&layer) => Ok(()),
        LayerId::Lsoa => Err(TileError::IndicatorNeedsLsoa),
        _ => Err(TileError::IndicatorNeedsClusters),
    }
}

/// What a tile needs on a cache miss: the indicator's plan, and each filtered layer's
/// checked CQL2 filter.
pub struct TilePlan {
    indicator: Option<IndicatorPlan>,
    filters: Vec<(LayerId, Filter)>,
}

/// The layers a `filter` applies to: the set's LSOAs and clusters (boards stay as drawn,
/// as context). The filter is checked against each one's queryables.
fn tile_filters(set: &LayerSet, q: &TileQuery) -> Result<Vec<(LayerId, Filter)>, AppError> {
    let lang = q.filter.lang;
    let Some(text) = q.filter.filter.as_ref().map(|f| f.0.as_str()) else {
        return Ok(Vec::new());
    };
    let layers: Vec<LayerId> = set
        .layers()
        .iter()
        .copied()
        .filter(|l| matches!(l, LayerId::Lsoa | LayerId::Clusters))
        .collect();
    if layers.is_empty() {
        return Err(crate::error::FilterError::Type(
            "tiles take a filter on the lsoa and clusters layers; this layer list has neither"
                .into(),
        )
        .into());
    }
    layers
        .into_iter()
        .map(|l| Ok((l, cql2::compile(text, lang, &cql2::queryables(l))?)))
        .collect()
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
        filter: Option<&Filter>,
    ) -> Result<LayerBytes, AppError> {
        let with_values = indicator.filter(|a| a.layer == layer);
        let (statement, binds) = match filter {
            None => (
                self.queries.get(layer, coord.z, with_values.is_some()),
                Vec::new(),
            ),
            Some(f) => {
                let columns = cql2::Columns {
                    alias: "f",
                    geometry: tile_sql::band_column(coord.z),
                };
                let mut next = tile_sql::bind_count(with_values.is_some());
                let (condition, binds) = f.sql_and_binds(&columns, &mut next);
                let text =
                    tile_sql::filtered_tile_sql(layer, coord.z, with_values.is_some(), &condition);
                (Arc::from(text), binds)
            }
        };
        let mut query: LayerStatement<'_> = sqlx::query_as(sqlx::AssertSqlSafe(statement))
            .bind(i32::from(coord.z))
            .bind(i32::try_from(coord.x).unwrap_or(i32::MAX))
            .bind(i32::try_from(coord.y).unwrap_or(i32::MAX));
        if let Some(a) = with_values {
            query = a.bind(query);
        }
        for b in binds {
            query = match b {
                Bind::Text(v) => query.bind(v),
                Bind::Int(v) => query.bind(v),
                Bind::Float(v) => query.bind(v),
                Bind::Bool(v) => query.bind(v),
                Bind::Floats(v) => query.bind(v),
            };
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

    /// Plans a tile at `snapshot`: the current one for a request, or a new version's before
    /// it is switched in (the warm-up). Checks the zoom, the indicator options and the
    /// filter.
    pub fn plan_at(
        &self,
        snapshot: Arc<Snapshot>,
        set: &LayerSet,
        coord: TileCoord,
        q: &TileQuery,
    ) -> Result<(TileKey, TilePlan), AppError> {
        set.at_zoom(coord.z)?;
        // The indicator must exist with that period and classify; its values ride on one
        // layer, which the list must include.
        let checked = match q.indicator(&snapshot.catalog)? {
            Some(ip) => {
                let c = q.options.classification();
                ip.classify(&snapshot, &c)?;
                needs_layer(set, ip.indicator.map_layer())?;
                let query = params::indicator_query(&ip, &c);
                Some((ip.indicator.id.clone(), ip.period, c, query))
            }
            None => None,
        };
        let filters = tile_filters(set, q)?;
        let key = TileKey {
            version: snapshot.data.version,
            layers: set.url_name(),
            coord,
            indicator: checked.as_ref().map(|(.., query)| query.clone()),
            filter: filters.first().map(|(_, f)| f.normalised()),
            encoding: crate::params::TileEncoding::Mvt,
        };
        let indicator = checked.map(|(indicator, period, classification, _)| IndicatorPlan {
            snapshot,
            indicator,
            period,
            classification,
        });
        Ok((key, TilePlan { indicator, filters }))
    }

    /// Renders a planned tile: in the process ([`PostgisSource::render_in_process`]) unless
    /// it is filtered or the renderer is PostGIS ([`PostgisSource::render_sql`]).
    pub async fn render_planned(
        &self,
        key: &TileKey,
        plan: &TilePlan,
        set: &LayerSet,
    ) -> Result<CachedTile, AppError> {
        if plan.filters.is_empty() && self.renderer == TileRenderer::InProcess {
            return Box::pin(self.render_in_process(key, plan, set)).await;
        }
        self.render_sql(key, plan, set).await
    }

    /// A planned unfiltered tile cut and encoded in the process from the version's
    /// geometry ([`super::geometry`], read once per version): no database round trip once
    /// the version is in memory. An indicator plan gets its values as [`decorate`] adds them.
    ///
    /// [`decorate`]: TileSource::decorate
    pub async fn render_in_process(
        &self,
        key: &TileKey,
        plan: &TilePlan,
        set: &LayerSet,
    ) -> Result<CachedTile, AppError> {
        let layers = set.at_zoom(key.coord.z)?;
        let geometry = self.geometry.at(&self.store.db, key.version).await?;
        let mut bytes: Vec<u8> = Vec::new();
        for &layer in &layers {
            bytes.extend_from_slice(&geometry.render_layer(layer, key.coord));
        }
        let plain = CachedTile::new(bytes, key.version);
        match &plan.indicator {
            Some(_) => self.decorate(&plain, key, plan),
            None => Ok(plain),
        }
    }

    /// A planned tile rendered by PostGIS: one statement per layer, run concurrently.
    pub async fn render_sql(
        &self,
        key: &TileKey,
        plan: &TilePlan,
        set: &LayerSet,
    ) -> Result<CachedTile, AppError> {
        let layers = set.at_zoom(key.coord.z)?;
        let arrays = match &plan.indicator {
            Some(p) => Some(indicator_arrays(p)?),
            None => None,
        };
        let filter_of = |layer: LayerId| {
            plan.filters
                .iter()
                .find(|(l, _)| *l == layer)
                .map(|(_, f)| f)
        };
        let parts =
            try_join_all(layers.iter().map(|&layer| {
                self.fetch_layer(layer, key.coord, arrays.as_ref(), filter_of(layer))
            }))
            .await?;
        if let Some(moved) = parts.iter().find(|p| p.version != key.version) {
            return Err(data_changed(key.version, moved.version));
        }
        let bytes: Vec<u8> = parts.into_iter().flat_map(|p| p.bytes).collect();
        Ok(CachedTile::new(bytes, key.version))
    }
}

impl TileSource for PostgisSource {
    type Plan = TilePlan;

    fn layer_set(&self, text: &str) -> Result<LayerSet, TileError> {
        LayerSet::parse(text)
    }

    async fn plan(
        &self,
        set: &LayerSet,
        coord: TileCoord,
        q: &TileQuery,
    ) -> Result<(TileKey, Self::Plan), AppError> {
        let snapshot = self.store.snapshot().await?;
        self.plan_at(snapshot, set, coord, q)
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
        self.render_planned(key, plan, set).await
    }

    /// An unfiltered indicator tile is the plain tile of the same layers with the values
    /// added ([`super::decorate`]); a filtered one is rendered by PostGIS, where the filter
    /// runs.
    fn base_of(&self, key: &TileKey, plan: &TilePlan) -> Option<(TileKey, TilePlan)> {
        if plan.indicator.is_none() || !plan.filters.is_empty() {
            return None;
        }
        let base = TileKey {
            indicator: None,
            filter: None,
            ..key.clone()
        };
        Some((
            base,
            TilePlan {
                indicator: None,
                filters: Vec::new(),
            },
        ))
    }

    fn decorate(
        &self,
        base: &CachedTile,
        key: &TileKey,
        plan: &TilePlan,
    ) -> Result<CachedTile, AppError> {
        // base_of gives a base only to indicator plans.
        let p = plan.indicator.as_ref().ok_or_else(|| {
            AppError::Internal(format!("decorate without an indicator at {:?}", key.coord))
        })?;
        let arrays = indicator_arrays(p)?;
        let bytes = add_properties(base.raw(), &arrays.properties())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(CachedTile::new(bytes, key.version))
    }

    async fn refresh(&self) -> Result<(), AppError> {
        self.store.refresh_snapshot().await
    }

    /// With `?indicator=…` the tile URLs carry the normalised indicator query and the
    /// `legend` field shows its classes.
    async fn tilejson(
        &self,
        set: &LayerSet,
        q: &TileJsonQuery,
        base: &str,
    ) -> Result<Value, AppError> {
        let snapshot = self.store.snapshot().await?;
        let lang = q.deprivation.lang;
        let (legend, tile_query) = if let Some(id) = &q.options.indicator {
            let style = StyleRequest::Indicator(IndicatorStyleQuery {
                choice: params::IndicatorChoice {
                    indicator: params::IndicatorId(Some(id.clone())),
                    period: q.options.period.clone(),
                },
                classification: q.options.classification.clone(),
                lang,
            });
            let rendered = render(&style, &snapshot)?;
            needs_layer(set, rendered.legend.layer)?;
            (Some(rendered.legend), Some(rendered.tile_query))
        } else {
            q.options.resolve(&snapshot.catalog)?;
            if let Some(lsoa) = set.layers().iter().find(|l| l.is_lsoa()) {
                (
                    Some(crate::style::deprivation_of_layer(
                        &q.deprivation,
                        &snapshot,
                        *lsoa,
                    )?),
                    None,
                )
            } else {
                (None, None)
            }
        };
        let indicator = tile_query.as_deref().zip(legend.as_ref().map(|l| l.layer));
        let mut doc = super::tilejson::tilejson(set, &snapshot.data, base, indicator, lang);
        if let Some(legend) = legend {
            doc["legend"] = json!(legend.to_html());
        }
        Ok(doc)
    }
}

/// The tile sets the bundled styles ask for without options, each with the zoom it is
/// first asked for: the deprivation map's `wales`, the outlines of cluster maps, and the
/// LSOA names those maps draw from [`LSOA_LABEL_ZOOM`]. The warm-up renders them for every
/// new data version.
pub const WARM_LAYER_SETS: [(&str, u8); 4] = [
    (ALL_LAYERS_ALIAS, 0),
    // The WIMD 2025 deprivation map, the page's default.
    ("lsoa21,clusters,health_boards,labels", 0),
    ("clusters,health_boards,labels", 0),
    ("lsoa", LSOA_LABEL_ZOOM),
];
/// The deepest zoom the warm-up renders: LSOAs are drawn whole from z14 up, so deeper
/// tiles are cheap clips, and the pyramid to z14 already fits in memory.
pub const WARM_MAX_ZOOM: u8 = 14;

/// From this zoom on, the warm-up renders only the children of a tile that held something
/// at the zoom above: the data's bounding box is mostly sea and England, and at 20× the
/// bundled data half of the z12–z14 tiles in it were empty (bench/scale.sh).
pub const WARM_DESCEND_FROM: u8 = 8;

/// What a warm-up did: tiles rendered, seconds, the deepest zoom it finished, and the
/// bytes it put in the cache (weighted as the cache weighs them).
#[derive(Debug, Clone, Copy)]
pub struct WarmReport {
    /// Tiles rendered.
    pub tiles: usize,
    /// Seconds taken.
    pub seconds: f64,
    /// The deepest zoom rendered.
    pub deepest_zoom: u8,
    /// Weighted bytes rendered into the cache.
    pub bytes: u64,
}

impl TileEngine<PostgisSource> {
    /// Renders into the cache the tiles of `snapshot`'s version that a default style asks
    /// for: each of [`WARM_LAYER_SETS`] over the data's bounds, one zoom at a time from z0
    /// to `max_zoom` ([`WARM_MAX_ZOOM`] when serving), from [`WARM_DESCEND_FROM`] only
    /// below tiles that held something, and stopping after the zoom that spends half the
    /// cache: the rest of the cache is for the version being served and for compressed
    /// copies. At the bundled data that is the whole pyramid (about 180 MB of 512); at 20×
    /// it ends near z10 (BENCHMARKS.md, "Scale"). Run before the version is switched in
    /// (see `SnapshotCache::set_before_switch`), so the first user after a load meets
    /// cached tiles.
    pub async fn warm_snapshot(
        &self,
        snapshot: Arc<Snapshot>,
        max_zoom: u8,
    ) -> Result<WarmReport, AppError> {
        use futures::stream::{self, StreamExt, TryStreamExt};
        use std::collections::HashSet;
        let started = std::time::Instant::now();
        let none = TileQuery::default();
        let budget = self.cache.capacity_bytes() / 2;
        let sets: Vec<(LayerSet, u8)> = WARM_LAYER_SETS
            .iter()
            .map(|(name, min_zoom)| Ok((LayerSet::parse(name)?, *min_zoom)))
            .collect::<Result<_, TileError>>()?;
        // Per layer set, the tiles of the zoom above that held something.
        let mut filled: Vec<Option<HashSet<(u32, u32)>>> = vec![None; sets.len()];
        let mut report = WarmReport {
            tiles: 0,
            seconds: 0.0,
            deepest_zoom: 0,
            bytes: 0,
        };
        for z in 0..=max_zoom {
            let mut jobs = Vec::new();
            for (i, (set, min_zoom)) in sets.iter().enumerate() {
                if z < *min_zoom || set.at_zoom(z).is_err() {
                    filled[i] = None;
                    continue;
                }
                let coords: Vec<TileCoord> = match &filled[i] {
                    Some(parents) if z >= WARM_DESCEND_FROM => parents
                        .iter()
                        .flat_map(|&(x, y)| {
                            [(0, 0), (1, 0), (0, 1), (1, 1)].map(|(dx, dy)| TileCoord {
                                z,
                                x: 2 * x + dx,
                                y: 2 * y + dy,
                            })
                        })
                        .collect(),
                    _ => TileCoord::covering(z, snapshot.data.bounds).collect(),
                };
                jobs.extend(coords.into_iter().map(|c| (i, c)));
            }
            let rendered: Vec<(usize, TileCoord, usize)> = stream::iter(jobs)
                .map(|(i, coord)| {
                    let (snapshot, none, set) = (Arc::clone(&snapshot), &none, &sets[i].0);
                    async move {
                        let (key, plan) = self.source.plan_at(snapshot, set, coord, none)?;
                        let render = async {
                            Ok(Arc::new(
                                self.source.render_planned(&key, &plan, set).await?,
                            ))
                        };
                        let tile = self.cache.get_or_render(key.clone(), render).await?;
                        Ok::<_, AppError>((i, coord, tile.raw.len()))
                    }
                })
                .buffer_unordered(8)
                .try_collect()
                .await?;
            let mut next: Vec<Option<HashSet<(u32, u32)>>> = vec![None; sets.len()];
            for (i, coord, len) in &rendered {
                report.bytes += TileCache::weight_of(*len);
                let set = next[*i].get_or_insert_with(HashSet::new);
                if *len > 0 {
                    set.insert((coord.x, coord.y));
                }
            }
            for (i, n) in next.into_iter().enumerate() {
                if n.is_some() {
                    filled[i] = n;
                }
            }
            report.tiles += rendered.len();
            report.deepest_zoom = z;
            if report.bytes > budget && z < max_zoom {
                tracing::info!(
                    zoom = z,
                    budget_mb = budget / (1024 * 1024),
                    "warm-up stops here: half the tile cache is spent; deeper tiles render on demand"
                );
                break;
            }
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }
}
