//! GeoPackage and FlatGeobuf downloads, written by GDAL into a temporary file and streamed.
//!
//! Why GDAL: it is already the loader's reader, and its drivers write files that QGIS,
//! ArcGIS Pro and R read without surprises (spatial index, SRS, field types). The layer is
//! named after the collection; each column keeps its catalogue type (text, 64-bit integer,
//! real; booleans become integers 0/1, as the binding cannot set OGR's boolean subtype
//! without unsafe code). Files always use longitude, latitude order in EPSG:4326, as
//! GeoPackage and FlatGeobuf readers expect.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{Feature as OgrFeature, FieldDefn, Geometry, LayerAccess, LayerOptions};
use gdal::vector::{OGRFieldType, OGRwkbGeometryType};
use gdal::DriverManager;
use serde_json::Value;

use super::crs::Crs;
use super::features::Feature;
use crate::catalog::FieldType;
use crate::error::AppError;

/// GeoPackage's media type.
pub const GPKG_CONTENT_TYPE: &str = "application/geopackage+sqlite3";
/// FlatGeobuf's media type.
pub const FGB_CONTENT_TYPE: &str = "application/flatgeobuf";

/// A file format written by GDAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// GeoPackage.
    Gpkg,
    /// FlatGeobuf.
    Fgb,
}

impl FileFormat {
    fn driver(self) -> &'static str {
        match self {
            FileFormat::Gpkg => "GPKG",
            FileFormat::Fgb => "FlatGeobuf",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Gpkg => "gpkg",
            FileFormat::Fgb => "fgb",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Gpkg => GPKG_CONTENT_TYPE,
            FileFormat::Fgb => FGB_CONTENT_TYPE,
        }
    }
}

/// The OGR type of a column of this catalogue type.
fn ogr_type(kind: FieldType) -> OGRFieldType::Type {
    match kind {
        FieldType::String => OGRFieldType::OFTString,
        FieldType::Integer | FieldType::Boolean => OGRFieldType::OFTInteger64,
        FieldType::Number => OGRFieldType::OFTReal,
    }
}

/// Writes `features` (GeoJSON geometry in `crs`) with `columns` (name, type) to a new file
/// in `dir`.
fn write(
    dir: &std::path::Path,
    format: FileFormat,
    layer_name: &str,
    crs: Crs,
    columns: &[(String, FieldType)],
    features: &[Feature],
) -> gdal::errors::Result<PathBuf> {
    let path = dir.join(format!("{layer_name}.{}", format.extension()));
    let driver = DriverManager::get_driver_by_name(format.driver())?;
    let mut dataset = driver.create_vector_only(&path)?;
    let mut srs = SpatialRef::from_epsg(crs.srid() as u32)?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    // GeoPackage writes fast in one transaction; FlatGeobuf has none.
    if format == FileFormat::Gpkg {
        let mut txn = dataset.start_transaction()?;
        fill(&mut txn, layer_name, &srs, columns, features)?;
        txn.commit()?;
    } else {
        fill(&mut dataset, layer_name, &srs, columns, features)?;
    }
    dataset.close()?;
    Ok(path)
}

fn fill(
    dataset: &mut gdal::Dataset,
    layer_name: &str,
    srs: &SpatialRef,
    columns: &[(String, FieldType)],
    features: &[Feature],
) -> gdal::errors::Result<()> {
    let layer = dataset.create_layer(LayerOptions {
        name: layer_name,
        srs: Some(srs),
        ty: OGRwkbGeometryType::wkbMultiPolygon,
        options: None,
    })?;
    for (name, kind) in columns {
        FieldDefn::new(name, ogr_type(*kind))?.add_to_layer(&layer)?;
    }
    for f in features {
        let mut feature = OgrFeature::new(layer.defn())?;
        for (i, (name, kind)) in columns.iter().enumerate() {
            match (&f.properties[name.as_str()], kind) {
                (Value::Null, _) => feature.set_field_null(i)?,
                (Value::Bool(b), _) => feature.set_field_integer64(i, i64::from(*b))?,
                (v, FieldType::Integer) if v.as_i64().is_some() => {
                    feature.set_field_integer64(i, v.as_i64().unwrap_or_default())?
                }
                (v, FieldType::Number | FieldType::Integer) if v.as_f64().is_some() => {
                    feature.set_field_double(i, v.as_f64().unwrap_or_default())?
                }
                (Value::String(s), _) => feature.set_field_string(i, s)?,
                (other, _) => feature.set_field_string(i, &other.to_string())?,
            }
        }
        if let Some(g) = &f.geometry {
            let mut geometry = Geometry::from_geojson(g.get())?;
            if geometry.geometry_type() == OGRwkbGeometryType::wkbPolygon {
                let mut multi = Geometry::empty(OGRwkbGeometryType::wkbMultiPolygon)?;
                multi.add_geometry(geometry)?;
                geometry = multi;
            }
            feature.set_geometry(geometry)?;
        }
        feature.create(&layer)?;
    }
    Ok(())
}

/// The response: the file written in a temporary directory, streamed in chunks, and the
/// directory removed when the stream ends (or the client goes away).
pub async fn respond(
    format: FileFormat,
    layer_name: &'static str,
    crs: Crs,
    columns: Vec<(String, FieldType)>,
    features: Vec<Feature>,
) -> Result<Response, AppError> {
    let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
    let root = dir.path().to_owned();
    let path = tokio::task::spawn_blocking(move || {
        write(&root, format, layer_name, crs, &columns, &features)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(format!("GDAL: {e}")))?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let length = file
        .metadata()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .len();
    let stream = futures::stream::unfold((file, dir), |(mut file, dir)| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok::<_, std::io::Error>(bytes::Bytes::from(buf)),
                    (file, dir),
                ))
            }
            Err(e) => Some((Err(e), (file, dir))),
        }
    });
    let filename = format!("{layer_name}.{}", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_LENGTH, length.to_string()),
            // Sent as written: the response compression layer cut these streamed bodies
            // short, and GeoPackage pages are mostly binary anyway.
            (header::CONTENT_ENCODING, "identity".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
