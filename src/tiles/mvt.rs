//! In-process MVT: one layer's features cut to a tile, put on its grid and encoded, step by
//! step as PostGIS's `ST_AsMVTGeom` and `ST_AsMVT` do (PostGIS stays the reference: the
//! `tile_renderers` test compares the two on every tile of whole zoom bands). Pure: the
//! features come from `geometry.rs`, already loaded for the data version.
//!
//! A polygon goes through these steps, in PostGIS's order:
//! 1. parts and rings whose box misses the buffered tile are skipped, and a ring much larger
//!    than the tile is first cut (Sutherland–Hodgman, in metres) to the buffered tile with a
//!    margin, so the cost of a tile follows what is drawn in it, not the size of the area;
//! 2. points closer than half a tile unit to the last kept one are dropped, and the ring is
//!    simplified (Douglas–Peucker) at half a tile unit, in metres, as PostGIS 3.3 does;
//! 3. every vertex is moved to tile coordinates (`x·fx + xoff`, as PostGIS's affine) and
//!    rounded half-to-even (`rint`), repeated vertices dropped, and a ring left with fewer
//!    than four points dropped (an outer ring takes its part with it);
//! 4. the feature's parts are clipped to the buffered tile with a polygon overlay (`geo`'s
//!    `BooleanOps`, even-odd), which also makes them valid as PostGIS's wagyu does (snapping
//!    can fold a narrow part onto itself), and rounded again;
//! 5. rings are oriented as the MVT specification requires (outer rings positive by the
//!    surveyor's formula in tile coordinates, y down; holes negative) and encoded.

use geo::{BooleanOps, Coord, LineString, MultiPolygon, Polygon, Rect};
use geozero::mvt::tile;

use crate::catalog::{TILE_BUFFER, TILE_EXTENT};

use super::coord::TileCoord;

/// Half the width of the Web Mercator world in metres (`ST_TileEnvelope`'s default bounds).
pub const WORLD_HALF_WIDTH: f64 = 20_037_508.342_789_244;

/// A tile's envelope in EPSG:3857 and the affine map into its grid, computed with the same
/// floating-point steps as `ST_TileEnvelope` and `ST_AsMVTGeom`, so that rounding lands on
/// the same integers.
#[derive(Debug, Clone, Copy)]
pub struct TileGrid {
    /// West edge (metres).
    pub xmin: f64,
    /// South edge.
    pub ymin: f64,
    /// East edge.
    pub xmax: f64,
    /// North edge.
    pub ymax: f64,
    fx: f64,
    fy: f64,
    xoff: f64,
    yoff: f64,
}

impl TileGrid {
    /// The grid of tile `coord` at [`TILE_EXTENT`].
    pub fn of(coord: TileCoord) -> TileGrid {
        let tiles = f64::from(1u32 << coord.z.min(31));
        let size = (2.0 * WORLD_HALF_WIDTH) / tiles;
        let (x, y) = (f64::from(coord.x), f64::from(coord.y));
        let xmin = -WORLD_HALF_WIDTH + size * x;
        let xmax = -WORLD_HALF_WIDTH + size * (x + 1.0);
        let ymin = WORLD_HALF_WIDTH - size * (y + 1.0);
        let ymax = WORLD_HALF_WIDTH - size * y;
        let extent = f64::from(TILE_EXTENT);
        let fx = extent / (xmax - xmin);
        let fy = -(extent / (ymax - ymin));
        TileGrid {
            xmin,
            ymin,
            xmax,
            ymax,
            fx,
            fy,
            xoff: -xmin * fx,
            yoff: -ymax * fy,
        }
    }

    /// Metres per tile unit.
    pub fn unit(&self) -> f64 {
        (self.xmax - self.xmin) / f64::from(TILE_EXTENT)
    }

    /// The envelope widened by `units` tile units on every side, in metres.
    pub fn widened(&self, units: f64) -> Rect<f64> {
        let m = units * self.unit();
        Rect::new(
            Coord {
                x: self.xmin - m,
                y: self.ymin - m,
            },
            Coord {
                x: self.xmax + m,
                y: self.ymax + m,
            },
        )
    }

    /// A point in tile coordinates, before rounding.
    fn tile_point(&self, c: Coord<f64>) -> (f64, f64) {
        (c.x * self.fx + self.xoff, c.y * self.fy + self.yoff)
    }

    /// A point on the tile's integer grid (`rint`: half to even, as PostGIS's grid).
    fn snap(&self, c: Coord<f64>) -> (i64, i64) {
        let (x, y) = self.tile_point(c);
        (x.round_ties_even() as i64, y.round_ties_even() as i64)
    }
}

/// The buffered tile in tile coordinates: what features are clipped to.
fn clip_bounds() -> (i64, i64) {
    let buffer = i64::from(TILE_BUFFER);
    (-buffer, i64::from(TILE_EXTENT) + buffer)
}

/// A polygon part of a feature with its box, kept so a tile skips parts it does not touch.
#[derive(Debug, Clone)]
pub struct Part {
    /// The part's box in metres.
    pub bbox: Rect<f64>,
    /// The part.
    pub polygon: Polygon<f64>,
}

/// A feature's geometry in EPSG:3857.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A (multi)polygon, part by part.
    Polygons(Vec<Part>),
    /// A point (the label layer's anchors).
    Point(Coord<f64>),
}

impl Shape {
    /// The shape's box in metres, or `None` when it has no parts.
    pub fn bbox(&self) -> Option<Rect<f64>> {
        match self {
            Shape::Point(c) => Some(Rect::new(*c, *c)),
            Shape::Polygons(parts) => parts.iter().map(|p| p.bbox).reduce(|a, b| {
                Rect::new(
                    Coord {
                        x: a.min().x.min(b.min().x),
                        y: a.min().y.min(b.min().y),
                    },
                    Coord {
                        x: a.max().x.max(b.max().x),
                        y: a.max().y.max(b.max().y),
                    },
                )
            }),
        }
    }
}

/// A ring on the tile grid, closed (first point repeated last).
type GridRing = Vec<(i64, i64)>;

/// A polygon on the tile grid: outer ring first.
type GridPolygon = Vec<GridRing>;

/// A feature's encoded geometry: its MVT type and command integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedGeometry {
    /// `tile::GeomType` as stored.
    pub kind: tile::GeomType,
    /// Commands and zig-zag parameters.
    pub commands: Vec<u32>,
}

/// The shape on the tile's grid and encoded, or `None` when nothing of it is left in the
/// buffered tile (PostGIS returns NULL, and the feature is not written).
pub fn encode_shape(shape: &Shape, grid: &TileGrid) -> Option<EncodedGeometry> {
    match shape {
        Shape::Point(c) => {
            let (x, y) = grid.snap(*c);
            let (lo, hi) = clip_bounds();
            if x < lo || x > hi || y < lo || y > hi {
                return None;
            }
            Some(EncodedGeometry {
                kind: tile::GeomType::Point,
                commands: vec![command(1, 1), zigzag(x), zigzag(y)],
            })
        }
        Shape::Polygons(parts) => {
            let polygons = polygons_on_grid(parts, grid);
            if polygons.is_empty() {
                return None;
            }
            Some(EncodedGeometry {
                kind: tile::GeomType::Polygon,
                commands: encode_polygons(&polygons),
            })
        }
    }
}

/// Steps 1 to 5 of the module's list for every part of a (multi)polygon.
fn polygons_on_grid(parts: &[Part], grid: &TileGrid) -> Vec<GridPolygon> {
    let (lo, hi) = clip_bounds();
    // What is kept of the tile: the buffered tile. A ring is cut in metres to this box
    // widened by a few units, so the cut's own edges fall outside what step 4 keeps.
    let keep = grid.widened(f64::from(TILE_BUFFER));
    let cut = grid.widened(f64::from(TILE_BUFFER) + 4.0);
    // PostGIS's resolution: half a tile unit, in metres.
    let res = grid.unit() / 2.0;
    let mut snapped_parts = Vec::new();
    for part in parts {
        if !intersects(&part.bbox, &keep) {
            continue;
        }
        let whole = contains(&cut, &part.bbox);
        let mut rings: GridPolygon = Vec::new();
        for (i, ring) in std::iter::once(part.polygon.exterior())
            .chain(part.polygon.interiors())
            .enumerate()
        {
            let mut points = if whole {
                remove_repeated_points(&ring.0, res)
            } else {
                remove_repeated_points(&cut_ring_to(&ring.0, &cut), res)
            };
            simplify(&mut points, res);
            let snapped = (points.len() >= 4)
                .then(|| snap_ring(points.into_iter(), grid))
                .flatten();
            match snapped {
                Some(r) => rings.push(r),
                // A collapsed outer ring takes its holes with it.
                None if i == 0 => break,
                None => {}
            }
        }
        if rings.is_empty() {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
        for &(x, y) in &rings[0] {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        if x1 < lo || y1 < lo || x0 > hi || y0 > hi {
            continue;
        }
        snapped_parts.push(rings);
    }
    if snapped_parts.is_empty() {
        return Vec::new();
    }
    // Like PostGIS (wagyu), every feature goes through the overlay, clipped or not: snapping
    // to the grid can fold a narrow part onto itself, and the overlay makes it valid again.
    let mut polygons = clip_to_buffer(&snapped_parts);
    for polygon in &mut polygons {
        orient(polygon);
    }
    polygons
}

/// PostGIS's `ptarray_remove_repeated_points_in_place` for a ring (at least four points
/// kept): a point within `tolerance` of the last kept one goes, except the last point,
/// which replaces the kept one before it when that one is too close.
fn remove_repeated_points(points: &[Coord<f64>], tolerance: f64) -> Vec<Coord<f64>> {
    const MIN_POINTS: usize = 4;
    let n = points.len();
    if n <= MIN_POINTS {
        return points.to_vec();
    }
    let tolsq = tolerance * tolerance;
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(n);
    out.push(points[0]);
    let mut last = points[0];
    for (i, &pt) in points.iter().enumerate().skip(1) {
        let last_point = i == n - 1;
        if n + out.len() > MIN_POINTS + i {
            let dsq = (last.x - pt.x).powi(2) + (last.y - pt.y).powi(2);
            if !last_point && dsq <= tolsq {
                continue;
            }
            if last_point && out.len() > 1 && dsq <= tolsq {
                out.pop();
            }
        }
        out.push(pt);
        last = pt;
    }
    out
}

/// PostGIS's Douglas–Peucker (`ptarray_simplify_in_place`, no minimum): a vertex stays when
/// its distance to the segment between the kept ends is more than `tolerance`.
fn simplify(points: &mut Vec<Coord<f64>>, tolerance: f64) {
    let n = points.len();
    if n < 3 {
        return;
    }
    let tolsq = tolerance * tolerance;
    let mut kept = vec![false; n];
    kept[0] = true;
    kept[n - 1] = true;
    let mut stack = vec![(0usize, n - 1)];
    while let Some((first, last)) = stack.pop() {
        if last <= first + 1 {
            continue;
        }
        let (a, b) = (points[first], points[last]);
        let (bax, bay) = (b.x - a.x, b.y - a.y);
        let ab_length_sqr = bax * bax + bay * bay;
        let mut split = first;
        if ab_length_sqr < f64::EPSILON {
            let mut max = tolsq;
            for (k, c) in points.iter().enumerate().take(last).skip(first + 1) {
                let d = (c.x - a.x).powi(2) + (c.y - a.y).powi(2);
                if d > max {
                    split = k;
                    max = d;
                }
            }
        } else {
            let mut max = tolsq * ab_length_sqr;
            for (k, c) in points.iter().enumerate().take(last).skip(first + 1) {
                let (cax, cay) = (c.x - a.x, c.y - a.y);
                let dot = cax * bax + cay * bay;
                let d = if dot <= 0.0 {
                    (cax * cax + cay * cay) * ab_length_sqr
                } else if dot >= ab_length_sqr {
                    ((c.x - b.x).powi(2) + (c.y - b.y).powi(2)) * ab_length_sqr
                } else {
                    let s = cax * bay - cay * bax;
                    s * s
                };
                if d > max {
                    split = k;
                    max = d;
                }
            }
        }
        if split != first {
            kept[split] = true;
            stack.push((split, last));
            stack.push((first, split));
        }
    }
    let mut i = 0;
    points.retain(|_| {
        i += 1;
        kept[i - 1]
    });
}

fn intersects(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && a.max().x >= b.min().x
        && a.min().y <= b.max().y
        && a.max().y >= b.min().y
}

fn contains(outer: &Rect<f64>, inner: &Rect<f64>) -> bool {
    inner.min().x >= outer.min().x
        && inner.max().x <= outer.max().x
        && inner.min().y >= outer.min().y
        && inner.max().y <= outer.max().y
}

/// A ring on the grid with repeated points dropped, closed; `None` when fewer than four
/// points are left (PostGIS's grid drops such a ring).
fn snap_ring(points: impl Iterator<Item = Coord<f64>>, grid: &TileGrid) -> Option<GridRing> {
    let mut out: GridRing = Vec::new();
    for c in points {
        let p = grid.snap(c);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    if out.len() > 1 && out.first() != out.last() {
        let first = out[0];
        out.push(first);
    }
    (out.len() >= 4).then_some(out)
}

/// Sutherland–Hodgman: a closed ring cut to a box, closed. Its new edges run along the box
/// (outside what is kept), and may double back on themselves there: the overlay in
/// [`clip_to_buffer`] removes them.
fn cut_ring_to(ring: &[Coord<f64>], b: &Rect<f64>) -> Vec<Coord<f64>> {
    let (min, max) = (b.min(), b.max());
    let mut points: Vec<Coord<f64>> = ring.to_vec();
    // Each edge of the box in turn: (is inside, where a segment crosses it).
    type Inside = fn(Coord<f64>, f64) -> bool;
    type Cross = fn(Coord<f64>, Coord<f64>, f64) -> Coord<f64>;
    let at_x: Cross = |a, b, x| Coord {
        x,
        y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x),
    };
    let at_y: Cross = |a, b, y| Coord {
        x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y),
        y,
    };
    let edges: [(Inside, Cross, f64); 4] = [
        (|c, v| c.x >= v, at_x, min.x),
        (|c, v| c.x <= v, at_x, max.x),
        (|c, v| c.y >= v, at_y, min.y),
        (|c, v| c.y <= v, at_y, max.y),
    ];
    for (is_inside, cross, v) in edges {
        if points.len() < 2 {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(points.len());
        // The ring is closed: walk its segments (prev -> cur).
        for w in points.windows(2) {
            let (prev, cur) = (w[0], w[1]);
            match (is_inside(prev, v), is_inside(cur, v)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur, v)),
                (false, true) => {
                    out.push(cross(prev, cur, v));
                    out.push(cur);
                }
                (false, false) => {}
            }
        }
        // Close the ring again for the next edge's walk.
        if let Some(&first) = out.first() {
            out.push(first);
        }
        points = out;
    }
    points
}

/// Step 4: a feature's parts clipped to the buffered tile by a polygon overlay (even-odd,
/// as wagyu in PostGIS), which also resolves what snapping folded, back on the grid.
fn clip_to_buffer(polygons: &[GridPolygon]) -> Vec<GridPolygon> {
    let (lo, hi) = clip_bounds();
    let to_line = |ring: &GridRing| -> LineString<f64> {
        ring.iter()
            .map(|&(x, y)| Coord {
                x: x as f64,
                y: y as f64,
            })
            .collect()
    };
    let subject: MultiPolygon<f64> = polygons
        .iter()
        .map(|p| Polygon::new(to_line(&p[0]), p[1..].iter().map(to_line).collect()))
        .collect();
    let window = Rect::new(
        Coord {
            x: lo as f64,
            y: lo as f64,
        },
        Coord {
            x: hi as f64,
            y: hi as f64,
        },
    )
    .to_polygon();
    let clipped = subject.intersection_with_fill_rule(
        &MultiPolygon::new(vec![window]),
        geo::algorithm::bool_ops::FillRule::EvenOdd,
    );
    let mut out = Vec::new();
    for polygon in clipped {
        let mut rings: GridPolygon = Vec::new();
        for (i, ring) in std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .enumerate()
        {
            let snapped = ring
                .0
                .iter()
                .map(|c| (c.x.round_ties_even() as i64, c.y.round_ties_even() as i64));
            let mut r: GridRing = Vec::new();
            for p in snapped {
                if r.last() != Some(&p) {
                    r.push(p);
                }
            }
            if r.len() > 1 && r.first() != r.last() {
                let first = r[0];
                r.push(first);
            }
            if r.len() >= 4 && signed_area(&r) != 0 {
                rings.push(r);
            } else if i == 0 {
                break;
            }
        }
        if !rings.is_empty() {
            out.push(rings);
        }
    }
    out
}

/// Twice the ring's area by the surveyor's formula, in tile coordinates (y down).
fn signed_area(ring: &GridRing) -> i64 {
    ring.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum()
}

/// The MVT winding: the outer ring positive by the surveyor's formula in tile coordinates,
/// holes negative.
fn orient(polygon: &mut GridPolygon) {
    for (i, ring) in polygon.iter_mut().enumerate() {
        let area = signed_area(ring);
        if (i == 0 && area < 0) || (i > 0 && area > 0) {
            ring.reverse();
        }
    }
}

fn command(id: u32, count: u32) -> u32 {
    (id & 0x7) | (count << 3)
}

fn zigzag(v: i64) -> u32 {
    let v = v as i32;
    ((v << 1) ^ (v >> 31)) as u32
}

/// The command stream of polygons: per ring MoveTo, LineTo (the closing point left out),
/// ClosePath, with the cursor carried from ring to ring as `ST_AsMVT` does.
fn encode_polygons(polygons: &[GridPolygon]) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut cx, mut cy) = (0i64, 0i64);
    for ring in polygons.iter().flatten() {
        let points = &ring[..ring.len() - 1];
        for (i, &(x, y)) in points.iter().enumerate() {
            if i == 0 {
                out.push(command(1, 1));
            } else if i == 1 {
                out.push(command(2, u32::try_from(points.len() - 1).unwrap_or(0)));
            }
            out.push(zigzag(x - cx));
            out.push(zigzag(y - cy));
            (cx, cy) = (x, y);
        }
        out.push(command(7, 1));
    }
    out
}

/// A property value as `ST_AsMVT` stores it: text as `string_value`, float8 as
/// `double_value`, integers as `uint_value` from 0 and `sint_value` below, booleans as
/// `bool_value`.
#[derive(Debug, Clone, PartialEq)]
pub enum Property {
    /// Text.
    Text(String),
    /// float8.
    Double(f64),
    /// float4.
    Float(f32),
    /// Any integer column.
    Int(i64),
    /// Boolean.
    Bool(bool),
}

impl Property {
    fn to_mvt(&self) -> tile::Value {
        let mut v = tile::Value::default();
        match self {
            Property::Text(s) => v.string_value = Some(s.clone()),
            Property::Double(d) => v.double_value = Some(*d),
            Property::Float(f) => v.float_value = Some(*f),
            Property::Int(i) => match u64::try_from(*i) {
                Ok(u) => v.uint_value = Some(u),
                Err(_) => v.sint_value = Some(*i),
            },
            Property::Bool(b) => v.bool_value = Some(*b),
        }
        v
    }

    /// What makes two values one entry of a layer's value table.
    fn identity(&self) -> (u8, u64, &str) {
        match self {
            Property::Text(s) => (0, 0, s.as_str()),
            Property::Double(d) => (1, d.to_bits(), ""),
            Property::Float(f) => (2, u64::from(f.to_bits()), ""),
            Property::Int(i) => (3, u64::from_ne_bytes(i.to_ne_bytes()), ""),
            Property::Bool(b) => (4, u64::from(*b), ""),
        }
    }
}

/// Builds one MVT layer as `ST_AsMVT` does: every property column is a key (in column
/// order, even when no feature has a value), values are numbered in the order first met,
/// NULLs are left out, and features keep the order they are added in (fid order).
pub struct LayerBuilder<'a> {
    layer: tile::Layer,
    values: rustc_hash::FxHashMap<(u8, u64, &'a str), u32>,
}

impl<'a> LayerBuilder<'a> {
    /// An empty layer named `name` with property keys `keys`.
    pub fn new(name: &str, keys: &[&str]) -> LayerBuilder<'a> {
        LayerBuilder {
            layer: tile::Layer {
                version: 2,
                name: name.to_owned(),
                features: Vec::new(),
                keys: keys.iter().map(|k| (*k).to_owned()).collect(),
                values: Vec::new(),
                extent: Some(TILE_EXTENT),
            },
            values: rustc_hash::FxHashMap::default(),
        }
    }

    /// Adds a feature: its id, its geometry, and one optional value per key.
    pub fn add<I>(&mut self, id: u64, geometry: EncodedGeometry, properties: I)
    where
        I: IntoIterator<Item = &'a Option<Property>>,
    {
        let mut tags = Vec::new();
        for (key, value) in properties.into_iter().enumerate() {
            let Some(value) = value else { continue };
            let next = u32::try_from(self.layer.values.len()).unwrap_or(u32::MAX);
            let index = *self.values.entry(value.identity()).or_insert_with(|| {
                self.layer.values.push(value.to_mvt());
                next
            });
            tags.extend([u32::try_from(key).unwrap_or(u32::MAX), index]);
        }
        self.layer.features.push(tile::Feature {
            id: Some(id),
            tags,
            r#type: Some(geometry.kind as i32),
            geometry: geometry.commands,
        });
    }

    /// The layer's bytes as one `Tile` message; empty when no feature was added (as
    /// `ST_AsMVT` returns an empty bytea), so layers concatenate into a valid tile.
    pub fn finish(self) -> Vec<u8> {
        use geozero::mvt::Message;
        if self.layer.features.is_empty() {
            return Vec::new();
        }
        geozero::mvt::Tile {
            layers: vec![self.layer],
        }
        .encode_to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        Polygon::new(
            LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
            vec![],
        )
    }

    fn part(p: Polygon<f64>) -> Part {
        use geo::BoundingRect;
        Part {
            bbox: p.bounding_rect().expect("non-empty"),
            polygon: p,
        }
    }

    #[test]
    fn the_grid_matches_st_tile_envelope() {
        let g = TileGrid::of(TileCoord { z: 0, x: 0, y: 0 });
        assert_eq!(g.xmin, -WORLD_HALF_WIDTH);
        assert_eq!(g.ymax, WORLD_HALF_WIDTH);
        let g = TileGrid::of(TileCoord { z: 1, x: 1, y: 0 });
        assert_eq!((g.xmin, g.ymin), (0.0, 0.0));
        assert_eq!(g.snap(Coord { x: 0.0, y: 0.0 }), (0, 4096));
    }

    #[test]
    fn a_square_inside_the_tile_is_one_clockwise_ring() {
        let g = TileGrid::of(TileCoord { z: 1, x: 1, y: 0 });
        let u = g.unit();
        let shape = Shape::Polygons(vec![part(square(10.0 * u, 10.0 * u, 20.0 * u, 20.0 * u))]);
        let e = encode_shape(&shape, &g).expect("kept");
        assert_eq!(e.kind, tile::GeomType::Polygon);
        // MoveTo(1), 2 params, LineTo(3), 6 params, ClosePath.
        assert_eq!(e.commands.len(), 1 + 2 + 1 + 6 + 1);
        assert_eq!(e.commands[0], command(1, 1));
        assert_eq!(e.commands[3], command(2, 3));
        assert_eq!(*e.commands.last().unwrap(), command(7, 1));
    }

    #[test]
    fn a_polygon_larger_than_the_tile_is_clipped_to_the_buffer() {
        let g = TileGrid::of(TileCoord { z: 2, x: 2, y: 1 });
        let shape = Shape::Polygons(vec![part(square(-1e7, -1e7, 1.9e7, 1.9e7))]);
        let polygons = match &shape {
            Shape::Polygons(parts) => polygons_on_grid(parts, &g),
            Shape::Point(_) => unreachable!(),
        };
        assert_eq!(polygons.len(), 1);
        let ring = &polygons[0][0];
        let (lo, hi) = clip_bounds();
        assert!(ring
            .iter()
            .all(|&(x, y)| (lo..=hi).contains(&x) && (lo..=hi).contains(&y)));
        assert_eq!(signed_area(ring), 2 * (hi - lo) * (hi - lo));
    }

    #[test]
    fn a_sliver_below_a_unit_disappears_and_a_far_point_is_dropped() {
        let g = TileGrid::of(TileCoord { z: 1, x: 1, y: 0 });
        let u = g.unit();
        let shape = Shape::Polygons(vec![part(square(10.0 * u, 10.0 * u, 10.2 * u, 10.2 * u))]);
        assert!(encode_shape(&shape, &g).is_none());
        assert!(encode_shape(&Shape::Point(Coord { x: -1e7, y: 1e6 }), &g).is_none());
        assert!(encode_shape(&Shape::Point(Coord { x: 1e6, y: 1e6 }), &g).is_some());
    }

    #[test]
    fn values_are_numbered_in_the_order_first_met_and_nulls_left_out() {
        let mut b = LayerBuilder::new("l", &["a", "b"]);
        let g = EncodedGeometry {
            kind: tile::GeomType::Point,
            commands: vec![command(1, 1), 0, 0],
        };
        let one = [Some(Property::Text("x".into())), None];
        let two = [Some(Property::Text("x".into())), Some(Property::Int(-3))];
        b.add(1, g.clone(), &one);
        b.add(2, g, &two);
        assert_eq!(b.layer.values.len(), 2);
        assert_eq!(b.layer.features[0].tags, vec![0, 0]);
        assert_eq!(b.layer.features[1].tags, vec![0, 0, 1, 1]);
        assert_eq!(b.layer.values[1].sint_value, Some(-3));
    }
}
