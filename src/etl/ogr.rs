//! Reads polygon layers in any OGR format with GDAL, reprojecting to EPSG:3857 (Web Mercator).

use std::path::Path;

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{Geometry, LayerAccess, OGRwkbGeometryType};
use gdal::Dataset;

use super::error::EtlError;
use super::progress::Progress;

/// A polygon feature: its position in the file, the requested attributes and its
/// geometry as WKB in EPSG:3857.
#[derive(Debug)]
pub struct OgrFeature {
    /// 1-based position in the layer, for error messages.
    pub index: usize,
    /// The requested attributes, in the order asked for; `None` when null or empty.
    pub attrs: Vec<Option<String>>,
    /// The geometry in EPSG:3857, as WKB.
    pub wkb: Vec<u8>,
}

/// Bytes as lower-case hex, the form PostGIS's `decode(…, 'hex')` reads WKB from.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// How messages name an extent: "Wales" for the default, else the `--extent-check` box.
pub fn extent_name(extent: [f64; 4]) -> String {
    if extent == crate::config::WALES_EXTENT_CHECK {
        "Wales".to_owned()
    } else {
        let [w, s, e, n] = extent;
        format!("--extent-check {w},{s},{e},{n}")
    }
}

fn to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    const R: f64 = 6_378_137.0;
    let x = lon.to_radians() * R;
    let y = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
        .tan()
        .ln()
        * R;
    (x, y)
}

/// Reads every feature of one layer. `fields` must all exist; `code_field` names the
/// attribute used to identify features in messages (it should be one of `fields`). Every
/// feature must lie in `extent` (lon/lat: west, south, east, north) once reprojected,
/// which catches a wrong or missing CRS: a file in British National Grid metres read as
/// degrees, or degrees read as metres, lands far away (`InputArgs::extent`).
pub fn read_polygons(
    path: &Path,
    layer_name: Option<&str>,
    fields: &[&str],
    code_field: &str,
    extent: [f64; 4],
) -> Result<Vec<OgrFeature>, EtlError> {
    let open_err = |reason: String| EtlError::Open {
        path: path.to_path_buf(),
        reason,
    };
    if !path.exists() {
        return Err(open_err("no such file".to_owned()));
    }
    if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(EtlError::Empty {
            path: path.to_path_buf(),
            what: "the file is empty".to_owned(),
        });
    }
    let dataset = Dataset::open(path).map_err(|e| open_err(e.to_string()))?;
    let mut layer = match layer_name {
        Some(name) => dataset
            .layer_by_name(name)
            .map_err(|e| open_err(format!("no layer `{name}`: {e}")))?,
        None => dataset
            .layer(0)
            .map_err(|_| open_err("the file has no vector layer".to_owned()))?,
    };
    let found: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let mut indices = Vec::with_capacity(fields.len());
    for &name in fields {
        match found.iter().position(|f| f == name) {
            Some(i) => indices.push(i),
            None => {
                return Err(EtlError::MissingColumn {
                    path: path.to_path_buf(),
                    column: name.to_owned(),
                    found,
                })
            }
        }
    }
    let code_pos = fields.iter().position(|f| *f == code_field);

    let mut source = layer.spatial_ref().ok_or_else(|| EtlError::Crs {
        path: path.to_path_buf(),
        message: "the layer has no coordinate reference system; add one (e.g. a .prj file, \
                  or `ogr2ogr -a_srs EPSG:27700`) so it can be reprojected"
            .to_owned(),
    })?;
    let crs_name = source
        .auth_code()
        .map(|c| format!("EPSG:{c}"))
        .or_else(|_| source.name().ok_or(()))
        .unwrap_or_else(|()| "its declared CRS".to_owned());
    let mut target = SpatialRef::from_epsg(3857).map_err(|e| open_err(e.to_string()))?;
    source.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    target.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let transform = CoordTransform::new(&source, &target).map_err(|e| EtlError::Crs {
        path: path.to_path_buf(),
        message: format!("cannot reproject from {crs_name} to EPSG:3857: {e}"),
    })?;
    let (min_x, min_y) = to_mercator(extent[0], extent[1]);
    let (max_x, max_y) = to_mercator(extent[2], extent[3]);
    let area = extent_name(extent);

    let total = layer.feature_count();
    let progress = Progress::new(total, &format!("reading {}", path.display()));
    let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for (i, feature) in layer.features().enumerate() {
        let index = i + 1;
        let mut attrs = Vec::with_capacity(indices.len());
        for &fi in &indices {
            let value = feature
                .field_as_string(fi)
                .map_err(|e| open_err(format!("feature {index}: {e}")))?;
            attrs.push(value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()));
        }
        let at = match code_pos.and_then(|p| attrs[p].as_deref()) {
            Some(code) => format!("feature {index} ({code_field}={code})"),
            None => format!("feature {index}"),
        };
        let bad_geom = |reason: String| EtlError::InvalidGeometry {
            path: path.to_path_buf(),
            at: at.clone(),
            reason,
        };
        let geometry: &Geometry = feature
            .geometry()
            .ok_or_else(|| bad_geom("the feature has no geometry".to_owned()))?;
        if geometry.is_empty() {
            return Err(bad_geom("the geometry is empty".to_owned()));
        }
        let kind = gdal::vector::geometry_type_flatten(geometry.geometry_type());
        if kind != OGRwkbGeometryType::wkbPolygon && kind != OGRwkbGeometryType::wkbMultiPolygon {
            return Err(bad_geom(format!(
                "expected a Polygon or MultiPolygon, found {}",
                geometry.geometry_name()
            )));
        }
        let projected = geometry.transform(&transform).map_err(|e| EtlError::Crs {
            path: path.to_path_buf(),
            message: format!(
                "{at}: cannot reproject from {crs_name} to EPSG:3857 ({e}); are the \
                 coordinates really in {crs_name}?"
            ),
        })?;
        let env = projected.envelope();
        if env.MinX < min_x || env.MaxX > max_x || env.MinY < min_y || env.MaxY > max_y {
            return Err(EtlError::Crs {
                path: path.to_path_buf(),
                message: format!(
                    "{at}: lies outside {area} after reprojecting from {crs_name}; the file's \
                     declared CRS is probably wrong (for example British National Grid \
                     metres labelled as EPSG:4326 degrees)"
                ),
            });
        }
        let wkb = projected.wkb().map_err(|e| bad_geom(e.to_string()))?;
        out.push(OgrFeature { index, attrs, wkb });
        progress.inc();
    }
    progress.finish();
    if out.is_empty() {
        return Err(EtlError::Empty {
            path: path.to_path_buf(),
            what: "the layer has no features".to_owned(),
        });
    }
    Ok(out)
}
