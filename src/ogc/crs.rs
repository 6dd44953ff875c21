//! OGC API – Features Part 2: the coordinate reference systems items and downloads can be
//! answered in (`crs`) and bounding boxes given in (`bbox-crs`), reprojected by PostGIS.
//!
//! Storage is EPSG:3857; every output goes through `ST_Transform`. EPSG:4326 is answered in
//! its own axis order (latitude, longitude), as Part 2 requires, while CRS84 stays
//! longitude, latitude. Precision follows the unit: 0.01 m in British National Grid and
//! Web Mercator, 1e-6° in degrees.

use crate::error::ParamError;

/// The coordinate reference system of every item (OGC's lon/lat CRS84).
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// Decimal places of GeoJSON coordinates in degrees (about 0.1 m; the source is 20 m
/// generalised).
pub const COORDINATE_DECIMALS: i32 = 6;

/// A supported CRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// OGC CRS84: WGS 84 longitude, latitude (the default).
    Crs84,
    /// EPSG:4326: WGS 84 latitude, longitude.
    Epsg4326,
    /// EPSG:3857: Web Mercator, metres (the storage CRS).
    Epsg3857,
    /// EPSG:27700: OSGB36 / British National Grid, metres.
    Epsg27700,
}

impl Crs {
    /// Every supported CRS, the default first.
    pub const ALL: [Crs; 4] = [Crs::Crs84, Crs::Epsg4326, Crs::Epsg3857, Crs::Epsg27700];

    /// The OGC URI.
    pub fn uri(self) -> &'static str {
        match self {
            Crs::Crs84 => CRS84,
            Crs::Epsg4326 => "http://www.opengis.net/def/crs/EPSG/0/4326",
            Crs::Epsg3857 => STORAGE_CRS,
            Crs::Epsg27700 => "http://www.opengis.net/def/crs/EPSG/0/27700",
        }
    }

    /// Every supported URI.
    pub fn uris() -> Vec<String> {
        Crs::ALL.iter().map(|c| c.uri().to_owned()).collect()
    }

    /// The PostGIS SRID.
    pub fn srid(self) -> i32 {
        match self {
            Crs::Crs84 | Crs::Epsg4326 => 4326,
            Crs::Epsg3857 => 3857,
            Crs::Epsg27700 => 27700,
        }
    }

    /// Whether coordinates are degrees.
    pub fn geographic(self) -> bool {
        matches!(self, Crs::Crs84 | Crs::Epsg4326)
    }

    /// Decimal places of output coordinates: 1 cm in metres; degrees keep the CRS84
    /// precision (1e-6°, about 0.1 m, finer than the 20 m generalised source).
    pub fn decimals(self) -> i32 {
        if self.geographic() {
            COORDINATE_DECIMALS
        } else {
            2
        }
    }

    /// Parses `param`'s value: one of the URIs, or the `EPSG:n` / `OGC:CRS84` shorthand.
    pub fn parse(param: &'static str, value: &str) -> Result<Crs, ParamError> {
        let v = value.trim();
        let v = v
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(v);
        Crs::ALL
            .into_iter()
            .find(|c| {
                c.uri() == v
                    || c.uri().replace("http://", "https://") == v
                    || match c {
                        Crs::Crs84 => v == "OGC:CRS84",
                        other => v == format!("EPSG:{}", other.srid()),
                    }
            })
            .ok_or_else(|| ParamError::Unknown {
                param,
                value: value.chars().take(80).collect(),
                allowed: Crs::uris(),
            })
    }

    /// SQL for `geom` (EPSG:3857) in this CRS.
    pub fn transform_sql(self, geom: &str) -> String {
        match self {
            Crs::Epsg4326 => format!("ST_FlipCoordinates(ST_Transform({geom}, 4326))"),
            Crs::Epsg3857 => geom.to_owned(),
            other => format!("ST_Transform({geom}, {})", other.srid()),
        }
    }

    /// A `bbox` in this CRS's axis order as west, south, east, north; `None` when it is not
    /// a box in this CRS (out of range, or min above max).
    pub fn bbox(self, v: [f64; 4]) -> Option<[f64; 4]> {
        let [w, s, e, n] = match self {
            // EPSG:4326's axis order is latitude first.
            Crs::Epsg4326 => [v[1], v[0], v[3], v[2]],
            _ => v,
        };
        let ok = if self.geographic() {
            (-180.0..=180.0).contains(&w)
                && (-180.0..=180.0).contains(&e)
                && (-90.0..=90.0).contains(&s)
                && (-90.0..=90.0).contains(&n)
        } else {
            [w, s, e, n].iter().all(|x| x.abs() <= 1e8)
        };
        (ok && w <= e && s <= n).then_some([w, s, e, n])
    }

    /// What a bbox in this CRS looks like, for errors.
    pub fn bbox_expected(self) -> &'static str {
        match self {
            Crs::Crs84 => "west,south,east,north in degrees (CRS84), west ≤ east and south ≤ north",
            Crs::Epsg4326 => {
                "south,west,north,east in degrees (EPSG:4326 axis order), south ≤ north and west ≤ east"
            }
            _ => "minx,miny,maxx,maxy in metres of bbox-crs, min ≤ max",
        }
    }
}

/// The storage CRS (Web Mercator), declared as each collection's `storageCrs`.
pub const STORAGE_CRS: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_shorthand_parse_and_others_list_the_supported() {
        assert_eq!(
            Crs::parse("crs", "http://www.opengis.net/def/crs/EPSG/0/27700").unwrap(),
            Crs::Epsg27700
        );
        assert_eq!(Crs::parse("crs", "EPSG:4326").unwrap(), Crs::Epsg4326);
        let e = Crs::parse("crs", "http://www.opengis.net/def/crs/EPSG/0/2157").unwrap_err();
        assert_eq!(e.allowed().unwrap().len(), 4);
        assert_eq!(
            Crs::Epsg4326.bbox([51.0, -4.0, 52.0, -3.0]),
            Some([-4.0, 51.0, -3.0, 52.0])
        );
        assert_eq!(Crs::Crs84.bbox([-4.0, 91.0, -3.0, 92.0]), None);
        assert_eq!(Crs::Epsg27700.bbox([3e5, 2e5, 2e5, 3e5]), None);
    }
}
