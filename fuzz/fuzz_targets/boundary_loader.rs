//! The boundary loader: arbitrary bytes as a `.geojson` file read by `etl::ogr::read_polygons`
//! (GDAL), with the LSOA fields the loader asks for.
//!
//! Properties: nothing panics (GDAL errors are fine); every error names the file; an
//! accepted feature has its 1-based index, the three attributes asked for (trimmed, never
//! empty) and a non-empty WKB polygon in EPSG:3857 that GDAL can read back.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use cluster_atlas::etl::ogr::read_polygons;
use gdal::vector::{Geometry, OGRwkbGeometryType};
use libfuzzer_sys::fuzz_target;

static INPUT: LazyLock<PathBuf> = LazyLock::new(|| {
    // GDAL's own messages (CPLError) would flood the fuzzer's output; the errors that
    // matter come back as EtlError.
    gdal::config::set_error_handler(|_, _, _| {});
    let dir = std::env::temp_dir().join(format!("cluster-atlas-fuzz-ogr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir.join("boundaries.geojson")
});

const FIELDS: [&str; 3] = ["lsoa11cd", "lsoa11nm", "lsoa11nmw"];

fuzz_target!(|data: &[u8]| {
    let path = &*INPUT;
    std::fs::write(path, data).expect("write the input");
    match read_polygons(
        path,
        None,
        &FIELDS,
        "lsoa11cd",
        cluster_atlas::config::WALES_EXTENT_CHECK,
    ) {
        Ok(features) => {
            assert!(!features.is_empty());
            for (i, f) in features.iter().enumerate() {
                assert_eq!(f.index, i + 1);
                assert_eq!(f.attrs.len(), FIELDS.len());
                for a in f.attrs.iter().flatten() {
                    assert!(!a.is_empty() && a.trim() == a, "{a:?}");
                }
                assert!(!f.wkb.is_empty());
                let g = Geometry::from_wkb(&f.wkb).expect("the WKB reads back");
                let kind = gdal::vector::geometry_type_flatten(g.geometry_type());
                assert!(
                    kind == OGRwkbGeometryType::wkbPolygon
                        || kind == OGRwkbGeometryType::wkbMultiPolygon,
                    "{}",
                    g.geometry_name()
                );
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains(&path.display().to_string()),
                "the error does not name the file: {message}"
            );
        }
    }
});
