//! Why a tile, tile address or TileJSON request was refused.

use axum::http::StatusCode;

/// Why a tile address was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TileCoordError {
    /// A path segment is not a whole number.
    #[error("tile {axis} `{value}` is not a whole number")]
    NotANumber {
        /// Which of z, x, y.
        axis: &'static str,
        /// The text given.
        value: String,
    },
    /// Zoom beyond what we serve.
    #[error("zoom {z} is out of range: the server answers zoom 0 to {max}")]
    ZoomOutOfRange {
        /// The zoom asked for.
        z: u64,
        /// The deepest zoom served.
        max: u8,
    },
    /// x or y outside the 2^z grid.
    #[error("tile {axis} = {value} is outside the grid at zoom {z}: it must be 0 to {max}")]
    OutsideGrid {
        /// Which of x, y.
        axis: &'static str,
        /// The value asked for.
        value: u64,
        /// The zoom.
        z: u8,
        /// The largest valid value, 2^z - 1.
        max: u32,
    },
}

/// Why a tile or TileJSON request was refused.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// A layer id that is not in the catalogue (or not in the archive being served).
    #[error("unknown layer `{name}`")]
    UnknownLayer {
        /// What was asked for (shortened).
        name: String,
        /// The layer names that exist.
        allowed: Vec<String>,
    },
    /// An empty or repeated layer list.
    #[error("bad layer list `{list}`: name one or more layers separated by commas, each once")]
    BadLayerList {
        /// The list as given (shortened).
        list: String,
        /// The layer names that exist.
        allowed: Vec<String>,
    },
    /// A bad z/x/y.
    #[error(transparent)]
    Coord(#[from] TileCoordError),
    /// A zoom outside every requested layer's range.
    #[error("zoom {z} is outside the zoom range of {layers}")]
    ZoomOutsideLayers {
        /// The zoom asked for.
        z: u8,
        /// The layers and their ranges.
        layers: String,
    },
    /// A path or query string that axum could not decode.
    #[error("bad path or query: {0}")]
    BadPath(String),
    /// A load committed while a tile (or another answer read at a snapshot) was being
    /// built (retried internally; seen by a client only if loads keep committing).
    #[error("the data changed from version {expected} to {found} while the answer was built")]
    DataChanged {
        /// The snapshot's version.
        expected: i64,
        /// The version a layer statement saw.
        found: i64,
    },
    /// `indicator=` for an LSOA-level indicator on a tile request without the lsoa layer.
    #[error("this indicator's values are carried by the lsoa layer: request /tiles/lsoa/... or a list that includes lsoa")]
    IndicatorNeedsLsoa,
    /// `indicator=` on a tile request without the clusters layer.
    #[error("indicator values are carried by the clusters layer: request /tiles/clusters/... or a list that includes clusters")]
    IndicatorNeedsClusters,
}

impl TileError {
    /// Status, stable code and allowed values.
    pub fn parts(&self) -> (StatusCode, &'static str, Option<Vec<String>>) {
        match self {
            TileError::UnknownLayer { allowed, .. } | TileError::BadLayerList { allowed, .. } => (
                StatusCode::NOT_FOUND,
                "unknown_layer",
                Some(allowed.clone()),
            ),
            TileError::Coord(_) => (StatusCode::BAD_REQUEST, "bad_tile", None),
            TileError::ZoomOutsideLayers { .. } => {
                (StatusCode::NOT_FOUND, "zoom_out_of_range", None)
            }
            TileError::BadPath(_) => (StatusCode::BAD_REQUEST, "bad_path", None),
            TileError::IndicatorNeedsClusters | TileError::IndicatorNeedsLsoa => {
                (StatusCode::BAD_REQUEST, "bad_parameter", None)
            }
            TileError::DataChanged { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "data_changing", None)
            }
        }
    }
}
