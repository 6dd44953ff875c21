//! What a tile or TileJSON request asks for, read once at the edge (`tiles/http.rs`) and
//! handed to the engine and the source typed: the indicator options, the CQL2 filter, the
//! encoding and the data version.

use crate::catalog::indicators::IndicatorCatalog;
use crate::params::{
    DeprivationQuery, FilterQuery, IndicatorOptions, IndicatorPeriod, ParamError, TileEncoding,
};

crate::query_request! {
    /// `GET /tiles/{layers}/{z}/{x}/{y}`'s query.
    pub struct TileQuery {
        /// The parameters of [`IndicatorOptions`].
        options: IndicatorOptions = flatten,
        /// The parameters of [`FilterQuery`].
        filter: FilterQuery = flatten,
        /// mvt (default: Mapbox Vector Tile) or mlt (MapLibre Tile,
        /// application/vnd.maplibre-tile)
        encoding: TileEncoding = "encoding",
        /// Data version; a tile URL with the current version is cached as immutable
        v: Option<String> = "v",
    }
}

impl TileQuery {
    /// The indicator asked for, checked against the catalogue.
    pub fn indicator<'a>(
        &self,
        catalog: &'a IndicatorCatalog,
    ) -> Result<Option<IndicatorPeriod<'a>>, ParamError> {
        self.options.resolve(catalog)
    }
}

/// A plain tile's query: no indicator, no filter, MVT (the warm-up's and export's).
impl Default for TileQuery {
    fn default() -> Self {
        TileQuery {
            options: IndicatorOptions {
                indicator: None,
                period: None,
                classification: Default::default(),
            },
            filter: FilterQuery {
                filter: None,
                lang: crate::cql2::FilterLang::Text,
            },
            encoding: TileEncoding::Mvt,
            v: None,
        }
    }
}

crate::query_request! {
    /// `GET /tiles/{layers}`'s query (TileJSON 3.0.0).
    pub struct TileJsonQuery {
        /// The parameters of [`IndicatorOptions`].
        options: IndicatorOptions = flatten,
        /// The legend's WIMD domain and edition (when the list includes an LSOA layer: the
        /// layer's own edition; naming the other one is a 400), and the labels' language.
        deprivation: DeprivationQuery = flatten,
        /// mvt (default) or mlt: the tile URLs ask for MapLibre Tiles and the document says
        /// "encoding": "mlt"
        encoding: TileEncoding = "encoding",
    }
}
