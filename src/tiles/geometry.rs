//! The geometry of one data version in memory, for tiles rendered in the process: every tile
//! layer's features (id, properties, one shape per zoom band) read once from PostGIS in one
//! consistent read, with an R-tree per band. [`GeometryStore`] keeps the versions being
//! served (the current one and, while a load is warmed, the next).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use geo::{BoundingRect, Coord, Geometry};
use geozero::ToGeo;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use sqlx::{Column, Row, TypeInfo, ValueRef};

use super::coord::TileCoord;
use super::mvt::{encode_shape, LayerBuilder, Part, Property, Shape, TileGrid};
use crate::catalog::store::data_changed;
use crate::catalog::{band_min_zoom, LayerId, TILE_BUFFER, TILE_EXTENT, ZOOM_BANDS};
use crate::db::Db;
use crate::error::AppError;

/// Why a layer's rows could not be read into memory.
#[derive(Debug, thiserror::Error)]
pub enum GeometryError {
    /// A property column of a type the tiles do not carry.
    #[error("layer {layer}: column {column} has type {kind}, which tiles do not carry")]
    ColumnType {
        /// The layer.
        layer: &'static str,
        /// The column.
        column: String,
        /// Its SQL type.
        kind: String,
    },
    /// A geometry that is not WKB of a polygon, multipolygon or point.
    #[error("layer {layer}: feature {fid}: band {band}: {what}")]
    Geometry {
        /// The layer.
        layer: &'static str,
        /// The feature.
        fid: u64,
        /// The band's column.
        band: &'static str,
        /// What is wrong.
        what: String,
    },
}

impl From<GeometryError> for AppError {
    fn from(e: GeometryError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

type Indexed = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// One zoom band of a layer: each feature's shape there (`None` where it has none) and an
/// index of their boxes.
struct Band {
    shapes: Vec<Option<Shape>>,
    index: RTree<Indexed>,
}

/// One tile layer in memory.
struct LayerData {
    /// Feature ids, ascending.
    fids: Vec<u64>,
    /// Each feature's property values, in catalogue field order.
    values: Vec<Vec<Option<Property>>>,
    /// One per [`ZOOM_BANDS`] entry.
    bands: Vec<Band>,
}

/// The features of every tile layer at one data version.
pub struct TileGeometry {
    /// The data version they were read at.
    pub version: i64,
    layers: HashMap<LayerId, LayerData>,
    /// Vertices held, for the log.
    pub vertices: usize,
}

impl TileGeometry {
    /// Reads every tile layer in one consistent read; fails with `DataChanged` when the
    /// database holds another version than `version`, so no renderer pairs one load's
    /// geometry with another's key.
    pub async fn load(db: &Db, version: i64) -> Result<TileGeometry, AppError> {
        let rows = db
            .run(async {
                let mut tx = crate::db::begin_consistent_read(&db.pool).await?;
                let seen: Option<i64> =
                    sqlx::query_scalar("select max(\"version\") from \"atlas\".\"data_version\"")
                        .fetch_one(&mut *tx)
                        .await?;
                let mut rows = Vec::new();
                for layer in LayerId::TILES {
                    let sql = super::sql::layer_features_sql(layer);
                    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&mut *tx)
                        .await?;
                    rows.push((layer, r));
                }
                tx.commit().await?;
                Ok((seen.unwrap_or(0), rows))
            })
            .await?;
        let (seen, rows) = rows;
        if seen != version {
            return Err(data_changed(version, seen));
        }
        let mut layers = HashMap::new();
        let mut vertices = 0;
        for (layer, rows) in rows {
            let data = read_layer(layer, &rows)?;
            vertices += data
                .bands
                .iter()
                .flat_map(|b| b.shapes.iter().flatten())
                .map(shape_vertices)
                .sum::<usize>();
            layers.insert(layer, data);
        }
        Ok(TileGeometry {
            version,
            layers,
            vertices,
        })
    }

    /// One layer's MVT bytes for a tile (empty when no feature reaches it), as the
    /// layer's statement in [`super::sql`] would return them.
    pub fn render_layer(&self, layer: LayerId, coord: TileCoord) -> Vec<u8> {
        let Some(data) = self.layers.get(&layer) else {
            return Vec::new();
        };
        let band_index = band_index(coord.z);
        let band = &data.bands[band_index];
        let min_zoom = band_min_zoom(band_index);
        let fields = &layer.layer().fields;
        let carried: Vec<bool> = fields.iter().map(|f| f.min_zoom <= min_zoom).collect();
        let keys: Vec<&str> = fields
            .iter()
            .zip(&carried)
            .filter(|(_, c)| **c)
            .map(|(f, _)| f.name)
            .collect();
        let grid = TileGrid::of(coord);
        // The statement's `&&` test: the tile widened by its buffer.
        let margin = grid.widened(f64::from(TILE_BUFFER) + 1e-6 * f64::from(TILE_EXTENT));
        let search = AABB::from_corners(
            [margin.min().x, margin.min().y],
            [margin.max().x, margin.max().y],
        );
        let mut hits: Vec<u32> = band
            .index
            .locate_in_envelope_intersecting(&search)
            .map(|g| g.data)
            .collect();
        hits.sort_unstable();
        let mut builder = LayerBuilder::new(layer.as_str(), &keys);
        for i in hits {
            let i = i as usize;
            let Some(shape) = &band.shapes[i] else {
                continue;
            };
            let Some(geometry) = encode_shape(shape, &grid) else {
                continue;
            };
            let values = data.values[i]
                .iter()
                .zip(&carried)
                .filter(|(_, c)| **c)
                .map(|(v, _)| v);
            builder.add(data.fids[i], geometry, values);
        }
        builder.finish()
    }
}

fn band_index(z: u8) -> usize {
    ZOOM_BANDS
        .iter()
        .position(|b| z <= b.max_zoom)
        .unwrap_or(ZOOM_BANDS.len() - 1)
}

fn shape_vertices(shape: &Shape) -> usize {
    match shape {
        Shape::Point(_) => 1,
        Shape::Polygons(parts) => parts
            .iter()
            .map(|p| {
                p.polygon.exterior().0.len()
                    + p.polygon
                        .interiors()
                        .iter()
                        .map(|r| r.0.len())
                        .sum::<usize>()
            })
            .sum(),
    }
}

/// A layer's rows (see [`super::sql::layer_features_sql`] for their columns).
fn read_layer(layer: LayerId, rows: &[sqlx::postgres::PgRow]) -> Result<LayerData, AppError> {
    let fields = &layer.layer().fields;
    let first_band = 1 + fields.len();
    let mut data = LayerData {
        fids: Vec::with_capacity(rows.len()),
        values: Vec::with_capacity(rows.len()),
        bands: Vec::new(),
    };
    let mut shapes: Vec<Vec<Option<Shape>>> =
        vec![Vec::with_capacity(rows.len()); ZOOM_BANDS.len()];
    for row in rows {
        let fid: i32 = row.try_get(0)?;
        let fid = u64::try_from(fid).unwrap_or(0);
        data.fids.push(fid);
        let mut values = Vec::with_capacity(fields.len());
        for i in 1..first_band {
            values.push(property(layer, row, i)?);
        }
        data.values.push(values);
        for (b, band) in ZOOM_BANDS.iter().enumerate() {
            let wkb: Option<Vec<u8>> = row.try_get(first_band + b)?;
            let shape = match wkb {
                None => None,
                Some(bytes) => shape_of(&bytes).map_err(|what| GeometryError::Geometry {
                    layer: layer.as_str(),
                    fid,
                    band: band.column,
                    what,
                })?,
            };
            shapes[b].push(shape);
        }
    }
    for band_shapes in shapes {
        let boxes: Vec<Indexed> = band_shapes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let b = s.as_ref()?.bbox()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                    u32::try_from(i).ok()?,
                ))
            })
            .collect();
        data.bands.push(Band {
            shapes: band_shapes,
            index: RTree::bulk_load(boxes),
        });
    }
    Ok(data)
}

/// A property column's value, typed as `ST_AsMVT` types it.
fn property(
    layer: LayerId,
    row: &sqlx::postgres::PgRow,
    i: usize,
) -> Result<Option<Property>, AppError> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(None);
    }
    let column = row.column(i);
    let value = match column.type_info().name() {
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Property::Text(row.try_get(i)?),
        "FLOAT8" => Property::Double(row.try_get(i)?),
        "FLOAT4" => Property::Float(row.try_get(i)?),
        "INT2" => Property::Int(i64::from(row.try_get::<i16, _>(i)?)),
        "INT4" => Property::Int(i64::from(row.try_get::<i32, _>(i)?)),
        "INT8" => Property::Int(row.try_get(i)?),
        "BOOL" => Property::Bool(row.try_get(i)?),
        other => {
            return Err(GeometryError::ColumnType {
                layer: layer.as_str(),
                column: column.name().to_owned(),
                kind: other.to_owned(),
            }
            .into())
        }
    };
    Ok(Some(value))
}

/// A band's WKB as a shape: polygons part by part with their boxes, or a point.
fn shape_of(wkb: &[u8]) -> Result<Option<Shape>, String> {
    let geometry = geozero::wkb::Wkb(wkb)
        .to_geo()
        .map_err(|e| format!("not WKB: {e}"))?;
    let polygons = match geometry {
        Geometry::Point(p) => return Ok(Some(Shape::Point(Coord { x: p.x(), y: p.y() }))),
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0,
        other => return Err(format!("a {other:?} is neither a polygon nor a point")),
    };
    let parts: Vec<Part> = polygons
        .into_iter()
        .filter_map(|polygon| {
            let bbox = polygon.bounding_rect()?;
            Some(Part { bbox, polygon })
        })
        .collect();
    Ok((!parts.is_empty()).then_some(Shape::Polygons(parts)))
}

/// The versions in memory: the one being served and, while a new load is warmed before
/// its switch, the next. Each is read once, however many tiles ask at the same time.
#[derive(Default)]
pub struct GeometryStore {
    versions: Mutex<Vec<Arc<TileGeometry>>>,
    loading: tokio::sync::Mutex<()>,
}

/// How many versions stay in memory: the served one and the one being warmed.
const KEPT_VERSIONS: usize = 2;

impl GeometryStore {
    fn find(&self, version: i64) -> Option<Arc<TileGeometry>> {
        self.versions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|g| g.version == version)
            .cloned()
    }

    /// The geometry of `version`, read now if it is not in memory.
    pub async fn at(&self, db: &Db, version: i64) -> Result<Arc<TileGeometry>, AppError> {
        if let Some(g) = self.find(version) {
            return Ok(g);
        }
        let _one_at_a_time = self.loading.lock().await;
        if let Some(g) = self.find(version) {
            return Ok(g);
        }
        let started = std::time::Instant::now();
        // Boxed: the read's future is large, and tile renders nest inside cache lookups;
        // on the stack it overflowed a test thread's 2 MiB in debug builds.
        let geometry = Arc::new(Box::pin(TileGeometry::load(db, version)).await?);
        tracing::info!(
            version,
            vertices = geometry.vertices,
            seconds = started.elapsed().as_secs_f64(),
            "tile geometry read into memory"
        );
        let mut versions = self
            .versions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        versions.push(Arc::clone(&geometry));
        versions.sort_by_key(|g| g.version);
        let excess = versions.len().saturating_sub(KEPT_VERSIONS);
        versions.drain(..excess);
        Ok(geometry)
    }
}
