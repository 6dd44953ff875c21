//! The catalogue: the vocabulary every layer above shares. Tile layers and their fields (the
//! tile SQL, TileJSON and `/catalog`), zoom bands, WIMD domains, the Wales code, labels,
//! indicator value fields, the indicator model and the per-version snapshot.

pub mod draft_cy;
pub mod indicators;
pub mod labels;
pub mod lang;
pub mod snapshot;
pub mod store;
pub mod values;

pub use labels::{domain_title, field_label, field_label_at, layer_field_label};

use std::fmt;
use std::sync::LazyLock;

use serde::Serialize;

/// The deepest zoom level we serve. Layers advertise `maxzoom` 14 (QGIS's default, and
/// deep enough for 20 m generalised boundaries); between their maxzoom and this limit the
/// server still answers, from full-detail geometry ("overzoom"), so clients that do not
/// overzoom by themselves keep working.
pub const MAX_SERVED_ZOOM: u8 = 22;

/// MVT extent and clip buffer (in tile units) used for every layer.
pub const TILE_EXTENT: u32 = 4096;
/// 64/4096 of a tile on each side: enough for strokes to join across tile edges.
pub const TILE_BUFFER: u32 = 64;

/// Wales's bounding box in EPSG:4326 used before any data is loaded; the loader stores
/// the real extent of the loaded boundaries with each data version.
pub const WALES_BOUNDS: [f64; 4] = [-5.6701, 51.3751, -2.6498, 53.4357];

/// A tile layer that the server can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerId {
    /// 2011 Lower layer Super Output Areas with WIMD 2019.
    Lsoa,
    /// 2021 Lower layer Super Output Areas with WIMD 2025.
    Lsoa21,
    /// Primary care clusters, dissolved from their LSOAs.
    Clusters,
    /// Local health boards, dissolved from their LSOAs.
    HealthBoards,
    /// One label point per cluster and board (`level` says which): names drawn once per
    /// area, not once per tile a polygon spans. A tile layer only, not a collection.
    Labels,
}

impl LayerId {
    /// Every layer, in drawing order (bottom first).
    pub const ALL: [LayerId; 4] = [
        LayerId::Lsoa,
        LayerId::Lsoa21,
        LayerId::Clusters,
        LayerId::HealthBoards,
    ];

    /// Every tile layer: the areas, and their label points.
    pub const TILES: [LayerId; 5] = [
        LayerId::Lsoa,
        LayerId::Lsoa21,
        LayerId::Clusters,
        LayerId::HealthBoards,
        LayerId::Labels,
    ];

    /// The layers of the `wales` composite ([`ALL_LAYERS_ALIAS`]): the WIMD 2019 map's
    /// 2011 LSOAs with the cluster and board outlines and their label points. The 2021 LSOAs
    /// are a layer of their own (`lsoa21`), asked for with the outlines by the WIMD 2025 map.
    pub const COMPOSITE: [LayerId; 4] = [
        LayerId::Lsoa,
        LayerId::Clusters,
        LayerId::HealthBoards,
        LayerId::Labels,
    ];

    /// The LSOA layer of a WIMD vintage.
    pub fn lsoa_of(vintage: WimdVintage) -> LayerId {
        match vintage {
            WimdVintage::Wimd2019 => LayerId::Lsoa,
            WimdVintage::Wimd2025 => LayerId::Lsoa21,
        }
    }

    /// The WIMD vintage an LSOA layer carries.
    pub fn wimd_vintage(self) -> Option<WimdVintage> {
        match self {
            LayerId::Lsoa => Some(WimdVintage::Wimd2019),
            LayerId::Lsoa21 => Some(WimdVintage::Wimd2025),
            _ => None,
        }
    }

    /// Whether this is an LSOA layer (of either vintage).
    pub fn is_lsoa(self) -> bool {
        matches!(self, LayerId::Lsoa | LayerId::Lsoa21)
    }

    /// The id used in URLs and as the MVT layer name.
    pub fn as_str(self) -> &'static str {
        match self {
            LayerId::Lsoa => "lsoa",
            LayerId::Lsoa21 => "lsoa21",
            LayerId::Clusters => "clusters",
            LayerId::HealthBoards => "health_boards",
            LayerId::Labels => "labels",
        }
    }

    /// Parses a collection id (an area layer; `labels` is not a collection).
    pub fn parse(s: &str) -> Option<LayerId> {
        LayerId::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Parses a tile layer id (any of [`LayerId::TILES`]).
    pub fn parse_tile(s: &str) -> Option<LayerId> {
        LayerId::TILES.into_iter().find(|l| l.as_str() == s)
    }

    /// The layer's definition.
    pub fn layer(self) -> &'static Layer {
        match self {
            LayerId::Lsoa => &LSOA,
            LayerId::Lsoa21 => &LSOA21,
            LayerId::Clusters => &CLUSTERS,
            LayerId::HealthBoards => &HEALTH_BOARDS,
            LayerId::Labels => &LABELS,
        }
    }
}

impl fmt::Display for LayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name of the composite of [`LayerId::COMPOSITE`].
pub const ALL_LAYERS_ALIAS: &str = "wales";

/// A WIMD edition with its LSOA geography: 2019 on 2011 LSOAs (overall and eight domains),
/// 2025 on 2021 LSOAs (the overall index only; its domain ranks were not available, so the
/// domains are 2019's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum WimdVintage {
    /// WIMD 2019, 2011 LSOAs.
    #[serde(rename = "2019")]
    Wimd2019,
    /// WIMD 2025, 2021 LSOAs: the current index, and the default.
    #[default]
    #[serde(rename = "2025")]
    Wimd2025,
}

impl WimdVintage {
    /// Every vintage, newest first.
    pub const ALL: [WimdVintage; 2] = [WimdVintage::Wimd2025, WimdVintage::Wimd2019];

    /// The URL form (`2025`, `2019`).
    pub fn as_str(self) -> &'static str {
        match self {
            WimdVintage::Wimd2019 => "2019",
            WimdVintage::Wimd2025 => "2025",
        }
    }

    /// Parses the URL form.
    pub fn parse(s: &str) -> Option<WimdVintage> {
        WimdVintage::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The index's name, e.g. "WIMD 2025".
    pub fn title(self) -> &'static str {
        match self {
            WimdVintage::Wimd2019 => "WIMD 2019",
            WimdVintage::Wimd2025 => "WIMD 2025",
        }
    }

    /// What the vintage covers, in `lang`, for legends, TileJSON and the map page.
    pub fn description(self, lang: lang::Lang) -> &'static str {
        match (self, lang) {
            (WimdVintage::Wimd2025, lang::Lang::En) => {
                "WIMD 2025 on 2021 LSOAs: overall index only; domains are 2019"
            }
            (WimdVintage::Wimd2025, lang::Lang::Cy) => {
                "MALlC 2025 ar ACEHI 2021: y mynegai cyffredinol yn unig; parthau 2019 yw'r parthau"
            }
            (WimdVintage::Wimd2019, lang::Lang::En) => {
                "WIMD 2019 on 2011 LSOAs: overall index and eight domains"
            }
            (WimdVintage::Wimd2019, lang::Lang::Cy) => {
                "MALlC 2019 ar ACEHI 2011: y mynegai cyffredinol ac wyth parth"
            }
        }
    }

    /// How many LSOAs the index ranks (for "rank of N").
    pub fn lsoa_count(self) -> u32 {
        match self {
            WimdVintage::Wimd2019 => 1909,
            WimdVintage::Wimd2025 => 1917,
        }
    }
}

/// The MVT/TileJSON type of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// UTF-8 text.
    String,
    /// A whole number.
    Integer,
    /// A floating-point number.
    Number,
    /// true or false.
    Boolean,
}

/// A property baked into every feature of a layer; `name` is also the table column.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Field {
    /// Property (and column) name.
    pub name: &'static str,
    /// Its type in the tile.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// What it means, for TileJSON `vector_layers[].fields` and `/catalog`.
    pub description: &'static str,
    /// Shallowest zoom whose tiles carry it. Long unique strings (names) would otherwise
    /// make the all-Wales low-zoom LSOA tiles several times larger than their geometry.
    pub min_zoom: u8,
}

const fn field(name: &'static str, kind: FieldType, description: &'static str) -> Field {
    Field {
        name,
        kind,
        description,
        min_zoom: 0,
    }
}

/// Zoom from which LSOA names and provenance are in the tiles.
pub const LSOA_DETAIL_ZOOM: u8 = 8;

const fn detail(f: Field) -> Field {
    Field {
        min_zoom: LSOA_DETAIL_ZOOM,
        ..f
    }
}

/// A range of zoom levels that draws from one pre-generalised geometry column.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ZoomBand {
    /// Deepest zoom level served from this column.
    pub max_zoom: u8,
    /// The geometry column.
    pub column: &'static str,
    /// Douglas–Peucker tolerance in metres used to build the column from `geom`, or
    /// `None` for the full-detail column. Half a tile unit at `max_zoom`
    /// (40,075 km / 2^z / 4096 / 2), so the simplification stays below what a screen
    /// pixel can show.
    pub tolerance_m: Option<f64>,
}

/// Zoom bands shared by every layer, shallowest first; the last one is open-ended.
pub const ZOOM_BANDS: [ZoomBand; 4] = [
    ZoomBand {
        max_zoom: 4,
        column: "geom_z4",
        tolerance_m: Some(300.0),
    },
    ZoomBand {
        max_zoom: 6,
        column: "geom_z6",
        tolerance_m: Some(76.0),
    },
    ZoomBand {
        max_zoom: 7,
        column: "geom_z7",
        tolerance_m: Some(38.0),
    },
    ZoomBand {
        max_zoom: MAX_SERVED_ZOOM,
        column: "geom",
        tolerance_m: None,
    },
];

/// The shallowest zoom served from band `index` of [`ZOOM_BANDS`].
pub fn band_min_zoom(index: usize) -> u8 {
    if index == 0 {
        0
    } else {
        ZOOM_BANDS[index - 1].max_zoom + 1
    }
}

/// The zoom band that serves zoom `z`.
pub fn band_for_zoom(z: u8) -> &'static ZoomBand {
    ZOOM_BANDS
        .iter()
        .find(|b| z <= b.max_zoom)
        .unwrap_or(&ZOOM_BANDS[ZOOM_BANDS.len() - 1])
}

/// A tile layer: its table, zoom range and properties.
#[derive(Debug, Serialize)]
pub struct Layer {
    /// URL id and MVT layer name.
    pub id: LayerId,
    /// Table in schema `atlas`.
    pub table: &'static str,
    /// Human title.
    pub title: &'static str,
    /// What the layer holds.
    pub description: &'static str,
    /// Shallowest zoom served.
    pub minzoom: u8,
    /// Deepest zoom advertised; deeper tiles up to [`MAX_SERVED_ZOOM`] are overzoomed.
    pub maxzoom: u8,
    /// Properties in every feature. The integer MVT feature id comes from column `fid`.
    pub fields: Vec<Field>,
}

impl Layer {
    /// Whether zoom `z` can be served for this layer.
    pub fn serves_zoom(&self, z: u8) -> bool {
        z >= self.minzoom && z <= MAX_SERVED_ZOOM
    }
}

use FieldType::{Boolean, Integer, Number, String as Text};

const NAME_FIELDS: [Field; 4] = [
    field("code", Text, "Code: ONS GSS code for LSOAs and health boards; for clusters a local key (health board ODS code + name slug), as no official cluster codes are published"),
    field("name_en", Text, "Name in English"),
    field("name_cy", Text, "Name in Welsh; the English name where no Welsh name is published (see name_cy_fallback)"),
    field("name_cy_fallback", Boolean, "true when name_cy is only the English name, because no Welsh name is published"),
];

const PROFILE_FIELDS: [Field; 13] = [
    field("lsoa_count", Integer, "Number of 2011 LSOAs in the area"),
    field(
        "wimd_q1_lsoas",
        Integer,
        "LSOAs in WIMD 2019 quintile 1 (the most deprived 20% in Wales)",
    ),
    field("wimd_q2_lsoas", Integer, "LSOAs in WIMD 2019 quintile 2"),
    field("wimd_q3_lsoas", Integer, "LSOAs in WIMD 2019 quintile 3"),
    field("wimd_q4_lsoas", Integer, "LSOAs in WIMD 2019 quintile 4"),
    field(
        "wimd_q5_lsoas",
        Integer,
        "LSOAs in WIMD 2019 quintile 5 (the least deprived 20%)",
    ),
    field(
        "wimd_q1_pct",
        Number,
        "Share of the area's LSOAs in WIMD quintile 1, per cent",
    ),
    field(
        "wimd_q2_pct",
        Number,
        "Share of the area's LSOAs in WIMD quintile 2, per cent",
    ),
    field(
        "wimd_q3_pct",
        Number,
        "Share of the area's LSOAs in WIMD quintile 3, per cent",
    ),
    field(
        "wimd_q4_pct",
        Number,
        "Share of the area's LSOAs in WIMD quintile 4, per cent",
    ),
    field(
        "wimd_q5_pct",
        Number,
        "Share of the area's LSOAs in WIMD quintile 5, per cent",
    ),
    field(
        "population",
        Integer,
        "Residents, ONS mid-2020 estimate summed from 2011 LSOAs",
    ),
    field(
        "wimd_q1_residents_pct",
        Number,
        "Share of residents (ONS mid-2020) living in WIMD 2019 quintile 1 LSOAs, per cent",
    ),
];

/// A WIMD 2019 domain: its id (as in column names `<id>_rank`, `_decile`, `_quintile`) and
/// the Welsh Government's English and Welsh names.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct WimdDomain {
    /// Id in URLs and column names.
    pub id: &'static str,
    /// English name.
    pub title_en: &'static str,
    /// Welsh name.
    pub title_cy: &'static str,
}

const fn domain(id: &'static str, title_en: &'static str, title_cy: &'static str) -> WimdDomain {
    WimdDomain {
        id,
        title_en,
        title_cy,
    }
}

/// The eight WIMD 2019 domains: the one list that the loader, the columns, the styles,
/// the OpenAPI document and the map page use.
pub const WIMD_DOMAINS: [WimdDomain; 8] = [
    domain("income", "Income", "Incwm"),
    domain("employment", "Employment", "Cyflogaeth"),
    domain("health", "Health", "Iechyd"),
    domain("education", "Education", "Addysg"),
    domain(
        "access_to_services",
        "Access to services",
        "Mynediad at wasanaethau",
    ),
    domain("housing", "Housing", "Tai"),
    domain(
        "community_safety",
        "Community safety",
        "Diogelwch cymunedol",
    ),
    domain(
        "physical_environment",
        "Physical environment",
        "Amgylchedd ffisegol",
    ),
];

/// The overall index, listed with the domains wherever a user picks one.
pub const WIMD_OVERALL: WimdDomain = domain("overall", "Overall", "Cyffredinol");

/// A domain by id (`overall` included).
pub fn wimd_domain(id: &str) -> Option<&'static WimdDomain> {
    std::iter::once(&WIMD_OVERALL)
        .chain(WIMD_DOMAINS.iter())
        .find(|d| d.id == id)
}

/// The GSS code of Wales, the top level of every comparison.
pub const WALES_CODE: &str = "W92000004";

const LSOA_OWN_FIELDS: [Field; 8] = [
    detail(field("name_wimd", Text, "The Welsh Government's local LSOA name used in WIMD (e.g. Rhyl West 2)")),
    field("la_code", Text, "Local authority code"),
    field("hb_code", Text, "Local health board code"),
    field("cluster_code", Text, "Primary care cluster key"),
    detail(field("cluster_provenance", Text, "How the LSOA was assigned to its cluster; says APPROXIMATE while the official lookup is not loaded")),
    field("wimd_rank", Integer, "WIMD 2019 overall rank, 1 = most deprived of 1,909"),
    field("wimd_decile", Integer, "WIMD 2019 overall decile (published), 1 = most deprived"),
    field("wimd_quintile", Integer, "WIMD 2019 overall quintile (published), 1 = most deprived"),
];

const CLUSTER_OWN_FIELDS: [Field; 3] = [
    field("hb_code", Text, "Local health board code"),
    field(
        "provenance",
        Text,
        "Where the cluster's geography comes from; says APPROXIMATE while it is a model",
    ),
    field(
        "approximate",
        Boolean,
        "true while the cluster geography is approximate, not the official lookup",
    ),
];

const HEALTH_BOARD_OWN_FIELDS: [Field; 1] = [field(
    "ods_code",
    Text,
    "NHS ODS code of the health board (7A1..7A7)",
)];

/// The `<domain>_quintile` field of a WIMD domain. Built once, at start-up, from the domain
/// table, so a field name and its text exist once per process.
fn domain_quintile_field(d: &WimdDomain) -> Field {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    field(
        leak(format!("{}_quintile", d.id)),
        FieldType::Integer,
        leak(format!(
            "WIMD 2019 {} domain quintile, 1 = most deprived",
            d.title_en.to_lowercase()
        )),
    )
}

/// LSOA layer.
pub static LSOA: LazyLock<Layer> = LazyLock::new(|| {
    Layer {
    id: LayerId::Lsoa,
    table: "lsoa",
    title: "LSOAs (2011) with WIMD 2019",
    description: "1,909 Lower layer Super Output Areas (2011, ONS 20 m generalised clipped) with WIMD 2019 ranks and quintiles, local authority, health board and primary care cluster.",
    minzoom: 5,
    maxzoom: 14,
    // Codes, ranks and quintiles at every zoom; names from LSOA_DETAIL_ZOOM.
    fields: NAME_FIELDS
        .iter()
        .map(|f| if f.name == "code" { *f } else { detail(*f) })
        .chain(LSOA_OWN_FIELDS)
        .chain(WIMD_DOMAINS.iter().map(domain_quintile_field))
        .collect(),
}
});

const LSOA21_OWN_FIELDS: [Field; 8] = [
    detail(field("name_wimd", Text, "The Welsh Government's local LSOA name used in WIMD 2025 (e.g. Amlwch Port)")),
    detail(field("la_name_en", Text, "Local authority name (English), as in WIMD 2025")),
    field("hb_code", Text, "Local health board code"),
    field("cluster_code", Text, "Primary care cluster key"),
    detail(field("cluster_provenance", Text, "How the LSOA was placed in its cluster; says APPROXIMATE while the cluster geography is a model")),
    field("wimd_rank", Integer, "WIMD 2025 overall rank, 1 = most deprived of 1,917"),
    field("wimd_decile", Integer, "WIMD 2025 overall decile (published), 1 = most deprived"),
    field("wimd_quintile", Integer, "WIMD 2025 overall quintile (published), 1 = most deprived"),
];

/// 2021 LSOA layer. Its WIMD fields have the 2011 layer's names, so one deprivation style
/// draws either.
pub static LSOA21: LazyLock<Layer> = LazyLock::new(|| {
    Layer {
    id: LayerId::Lsoa21,
    table: "lsoa21",
    title: "LSOAs (2021) with WIMD 2025",
    description: "1,917 Lower layer Super Output Areas (December 2021, ONS super-generalised) with WIMD 2025 overall ranks, deciles and quintiles (overall index only; domains are WIMD 2019 on 2011 LSOAs), health board and primary care cluster.",
    minzoom: 5,
    maxzoom: 14,
    fields: NAME_FIELDS
        .iter()
        .map(|f| if f.name == "code" { *f } else { detail(*f) })
        .chain(LSOA21_OWN_FIELDS)
        .collect(),
}
});

/// Cluster layer.
pub static CLUSTERS: LazyLock<Layer> = LazyLock::new(|| {
    Layer {
    id: LayerId::Clusters,
    table: "cluster",
    title: "Primary care clusters (2024)",
    description: "The 63 primary care clusters of 2024, dissolved from their LSOAs, with their WIMD 2019 deprivation profile (LSOA counts and shares per quintile).",
    minzoom: 0,
    maxzoom: 14,
    fields: [NAME_FIELDS.as_slice(), &CLUSTER_OWN_FIELDS, &PROFILE_FIELDS].concat(),
}
});

/// Health board layer.
pub static HEALTH_BOARDS: LazyLock<Layer> = LazyLock::new(|| {
    Layer {
    id: LayerId::HealthBoards,
    table: "health_board",
    title: "Local health boards",
    description: "The 7 local health boards, dissolved from their LSOAs, with their WIMD 2019 deprivation profile.",
    minzoom: 0,
    maxzoom: 14,
    fields: [NAME_FIELDS.as_slice(), &HEALTH_BOARD_OWN_FIELDS, &PROFILE_FIELDS].concat(),
}
});

/// Label point layer: one point per cluster and board.
pub static LABELS: LazyLock<Layer> = LazyLock::new(|| {
    Layer {
    id: LayerId::Labels,
    table: "area_label",
    title: "Label points of clusters and health boards",
    description: "One point per cluster and per health board, at the centre of the largest circle inside it, with its names: label from these to draw each name once rather than once per tile a polygon spans.",
    minzoom: 0,
    maxzoom: 14,
    fields: [
        NAME_FIELDS.as_slice(),
        &[
            field("level", Text, "cluster or health_board"),
            field("hb_code", Text, "Local health board code (the board's own for a board)"),
            field("label_en", Text, "The name a map draws, in English: a board's without \"University/Teaching Health Board\""),
            field("label_cy", Text, "The name a map draws, in Welsh: a board's without \"Bwrdd Iechyd (Prifysgol/Addysgu)\""),
        ],
    ]
    .concat(),
}
});

/// Attribution required by the Open Government Licence v3.0 and CC BY 4.0, as HTML.
pub const ATTRIBUTION_HTML: &str = "Contains OS data © Crown copyright and database right; \
Source: Office for National Statistics licensed under the \
<a href=\"https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/\">Open Government Licence v3.0</a>; \
Contains Welsh Government and StatsWales data licensed under the \
<a href=\"https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/\">Open Government Licence v3.0</a>; \
LSOA GeoJSON by <a href=\"https://github.com/martinjc/UK-GeoJSON\">Martin Chorley</a> \
(<a href=\"https://creativecommons.org/licenses/by/4.0/\">CC BY 4.0</a>)";

/// What users are told while the cluster geography is a model.
pub const APPROXIMATE_NOTE: &str = "Cluster boundaries are APPROXIMATE: LSOAs are assigned to \
clusters by a model (nearest GP practice, calibrated so that each cluster's residents track its \
registered patients), not by the official PHW/Welsh Government lookup.";

/// [`ATTRIBUTION_HTML`] in Welsh: a draft translation, marked for review like the rest of
/// the Welsh interface (the licence names follow the National Archives' Welsh usage).
pub const ATTRIBUTION_HTML_CY: &str = "Yn cynnwys data'r AO © Hawlfraint y Goron a hawliau cronfa ddata; \
Ffynhonnell: y Swyddfa Ystadegau Gwladol, wedi'i drwyddedu o dan y \
<a href=\"https://www.nationalarchives.gov.uk/doc/open-government-licence-cymraeg/version/3/\">Drwydded Llywodraeth Agored v3.0</a>; \
Yn cynnwys data Llywodraeth Cymru a StatsCymru wedi'u trwyddedu o dan y \
<a href=\"https://www.nationalarchives.gov.uk/doc/open-government-licence-cymraeg/version/3/\">Drwydded Llywodraeth Agored v3.0</a>; \
GeoJSON yr ACEHI gan <a href=\"https://github.com/martinjc/UK-GeoJSON\">Martin Chorley</a> \
(<a href=\"https://creativecommons.org/licenses/by/4.0/deed.cy\">CC BY 4.0</a>) \
[cyfieithiad drafft i'w adolygu]";

/// [`APPROXIMATE_NOTE`] in Welsh (a draft translation for review).
pub const APPROXIMATE_NOTE_CY: &str =
    "Mae ffiniau'r clystyrau yn FRASAMCAN: neilltuir ACEHI i glystyrau gan fodel (y \
feddygfa agosaf, wedi'i graddnodi fel bod trigolion pob clwstwr yn dilyn ei gleifion \
cofrestredig), nid drwy dabl chwilio swyddogol ICC/Llywodraeth Cymru.";

/// The attribution for the current data in `lang`: the licence text, plus the
/// approximate-geography warning while it applies.
pub fn attribution(cluster_approximate: bool, lang: lang::Lang) -> String {
    let (licence, note) = match lang {
        lang::Lang::En => (ATTRIBUTION_HTML, APPROXIMATE_NOTE),
        lang::Lang::Cy => (ATTRIBUTION_HTML_CY, APPROXIMATE_NOTE_CY),
    };
    if cluster_approximate {
        format!("{licence}. <strong>{note}</strong>")
    } else {
        licence.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_ids_round_trip() {
        for id in LayerId::TILES {
            assert_eq!(LayerId::parse_tile(id.as_str()), Some(id));
            assert_eq!(id.layer().id, id);
        }
        // Label points are tiles, not a collection.
        assert_eq!(LayerId::parse("labels"), None);
        assert_eq!(LayerId::parse("LSOA"), None);
        assert_eq!(LayerId::parse(ALL_LAYERS_ALIAS), None);
    }

    #[test]
    fn fields_are_unique_and_named() {
        for id in LayerId::TILES {
            let fields = &id.layer().fields;
            let mut names: Vec<_> = fields.iter().map(|f| f.name).collect();
            assert!(names.iter().all(|n| !n.is_empty()), "{id}");
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), fields.len(), "duplicate field in {id}");
        }
    }

    #[test]
    fn bands_cover_every_zoom_in_order() {
        assert_eq!(band_for_zoom(0).column, "geom_z4");
        assert_eq!(band_for_zoom(4).column, "geom_z4");
        assert_eq!(band_for_zoom(5).column, "geom_z6");
        assert_eq!(band_for_zoom(7).column, "geom_z7");
        assert_eq!(band_for_zoom(8).column, "geom");
        assert_eq!(band_for_zoom(MAX_SERVED_ZOOM).column, "geom");
        assert!(ZOOM_BANDS.windows(2).all(|w| w[0].max_zoom < w[1].max_zoom));
    }
}
