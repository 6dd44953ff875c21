//! `TileCoord`: a validated z/x/y address in the WebMercatorQuad (XYZ) grid.

use std::fmt;

use serde::Serialize;

use crate::catalog::MAX_SERVED_ZOOM;

/// A tile address: zoom, column (x, west to east) and row (y, north to south).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct TileCoord {
    /// Zoom level.
    pub z: u8,
    /// Column.
    pub x: u32,
    /// Row, counted from the north (XYZ, not TMS).
    pub y: u32,
}

pub use crate::error::TileCoordError;

impl TileCoord {
    /// Parses path segments. `y` may carry a `.pbf` or `.mvt` suffix, which QGIS and
    /// older clients often add.
    pub fn parse(z: &str, x: &str, y: &str) -> Result<TileCoord, TileCoordError> {
        let y = y
            .strip_suffix(".pbf")
            .or_else(|| y.strip_suffix(".mvt"))
            .unwrap_or(y);
        let z = number("z", z)?;
        let x = number("x", x)?;
        let y = number("y", y)?;
        TileCoord::new(z, x, y)
    }

    /// Checks the zoom and that x and y fall inside the grid.
    pub fn new(z: u64, x: u64, y: u64) -> Result<TileCoord, TileCoordError> {
        if z > u64::from(MAX_SERVED_ZOOM) {
            return Err(TileCoordError::ZoomOutOfRange {
                z,
                max: MAX_SERVED_ZOOM,
            });
        }
        let z = u8::try_from(z).unwrap_or(MAX_SERVED_ZOOM);
        let max = (1u32 << z) - 1;
        for (axis, value) in [("x", x), ("y", y)] {
            if value > u64::from(max) {
                return Err(TileCoordError::OutsideGrid {
                    axis,
                    value,
                    z,
                    max,
                });
            }
        }
        // Both fit: checked against max above.
        Ok(TileCoord {
            z,
            x: u32::try_from(x).unwrap_or(max),
            y: u32::try_from(y).unwrap_or(max),
        })
    }

    /// The tile's bounds in EPSG:4326: west, south, east, north.
    pub fn bounds_lonlat(self) -> [f64; 4] {
        let n = f64::from(1u32 << self.z);
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| {
            let t = std::f64::consts::PI * (1.0 - 2.0 * y / n);
            t.sinh().atan().to_degrees()
        };
        [
            lon(f64::from(self.x)),
            lat(f64::from(self.y) + 1.0),
            lon(f64::from(self.x) + 1.0),
            lat(f64::from(self.y)),
        ]
    }

    /// Every tile at zoom `z` that intersects a lon/lat box (west, south, east, north).
    pub fn covering(z: u8, bounds: [f64; 4]) -> impl Iterator<Item = TileCoord> {
        let n = f64::from(1u32 << z);
        let max = (1u32 << z) - 1;
        let col = |lon: f64| (((lon + 180.0) / 360.0 * n).floor().max(0.0) as u32).min(max);
        let row = |lat: f64| {
            let r = lat.to_radians();
            let y = (1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
            (y.floor().max(0.0) as u32).min(max)
        };
        let (x0, x1) = (col(bounds[0]), col(bounds[2]));
        let (y0, y1) = (row(bounds[3]), row(bounds[1]));
        (y0..=y1).flat_map(move |y| (x0..=x1).map(move |x| TileCoord { z, x, y }))
    }
}

fn number(axis: &'static str, value: &str) -> Result<u64, TileCoordError> {
    // Only plain digits: `+1`, ` 1` and `1e3` are refused, so a tile has one URL.
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TileCoordError::NotANumber {
            axis,
            value: value.chars().take(32).collect(),
        });
    }
    value.parse().map_err(|_| TileCoordError::NotANumber {
        axis,
        value: value.to_owned(),
    })
}

impl fmt::Display for TileCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_addresses_and_suffixes() {
        assert_eq!(
            TileCoord::parse("7", "62", "42").unwrap(),
            TileCoord { z: 7, x: 62, y: 42 }
        );
        assert_eq!(TileCoord::parse("0", "0", "0.pbf").unwrap().z, 0);
        assert_eq!(TileCoord::parse("1", "1", "1.mvt").unwrap().y, 1);
    }

    #[test]
    fn refuses_bad_addresses() {
        assert!(matches!(
            TileCoord::parse("a", "0", "0"),
            Err(TileCoordError::NotANumber { axis: "z", .. })
        ));
        assert!(matches!(
            TileCoord::parse("-1", "0", "0"),
            Err(TileCoordError::NotANumber { .. })
        ));
        assert!(matches!(
            TileCoord::parse("1", "2", "0"),
            Err(TileCoordError::OutsideGrid { axis: "x", .. })
        ));
        assert!(matches!(
            TileCoord::parse("1", "0", "2"),
            Err(TileCoordError::OutsideGrid { axis: "y", .. })
        ));
        assert!(matches!(
            TileCoord::parse("23", "0", "0"),
            Err(TileCoordError::ZoomOutOfRange { .. })
        ));
        assert!(TileCoord::parse("99999999999999999999", "0", "0").is_err());
        assert!(TileCoord::parse("", "0", "0").is_err());
        assert!(TileCoord::parse("1e1", "0", "0").is_err());
    }

    #[test]
    fn covering_wales_at_z7_matches_known_tiles() {
        let tiles: Vec<_> = TileCoord::covering(7, crate::catalog::WALES_BOUNDS).collect();
        // Wales spans columns 61..=63 and rows 41..=42 at z7 (computed by hand from the
        // spherical Mercator formulas).
        assert_eq!(tiles.len(), 6);
        assert!(tiles.contains(&TileCoord { z: 7, x: 62, y: 42 }));
        assert!(tiles
            .iter()
            .all(|t| (61..=63).contains(&t.x) && (41..=42).contains(&t.y)));
        for t in &tiles {
            let b = t.bounds_lonlat();
            assert!(b[0] < b[2] && b[1] < b[3]);
        }
    }
}
