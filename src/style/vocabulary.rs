//! `GET /vocabulary`: every word, code and colour the map page shows, in both languages,
//! from the same tables the server renders with, so the page keeps no copies that can drift.

use crate::params::TileEncoding;
use serde_json::{json, Map, Value};

use crate::catalog::indicators::{AreaLevel, IndicatorCatalog, Lang, Polarity};
use crate::catalog::values::VALUE_FIELDS;
use crate::catalog::{field_label, LayerId, WALES_BOUNDS, WIMD_DOMAINS, WIMD_OVERALL};
use crate::classify::{Method, MAX_CLASSES, MIN_CLASSES};
use crate::db::DataVersion;
use crate::significance::Significance;

use super::legend::{self, MapKind};
use crate::palette;
use crate::params::{Benchmark, DEFAULT_CLASSES};

const LANGS: [Lang; 2] = [Lang::En, Lang::Cy];
const POLARITIES: [Polarity; 3] = [
    Polarity::HigherIsWorse,
    Polarity::HigherIsBetter,
    Polarity::Neutral,
];

fn polarity_id(p: Polarity) -> &'static str {
    match p {
        Polarity::HigherIsWorse => "higher_is_worse",
        Polarity::HigherIsBetter => "higher_is_better",
        Polarity::Neutral => "neutral",
    }
}

/// `{ "en": f(En), "cy": f(Cy) }`.
fn both(f: impl Fn(Lang) -> Value) -> Value {
    let mut m = Map::new();
    for lang in LANGS {
        m.insert(lang.as_str().to_owned(), f(lang));
    }
    Value::Object(m)
}

/// The vocabulary document. `data` and `catalog` are the loaded data, when there is any.
pub fn vocabulary(data: Option<&DataVersion>, catalog: Option<&IndicatorCatalog>) -> Value {
    let domains: Vec<Value> = std::iter::once(&WIMD_OVERALL)
        .chain(WIMD_DOMAINS.iter())
        .map(|d| json!({"id": d.id, "en": d.title_en, "cy": d.title_cy}))
        .collect();
    let methods: Vec<Value> = Method::ALL
        .iter()
        .map(|m| {
            json!({
                "id": m.as_str(),
                "en": legend::method_title(*m, Lang::En),
                "cy": legend::method_title(*m, Lang::Cy),
            })
        })
        .collect();
    let boards: Vec<Value> = catalog
        .map(|c| {
            c.areas
                .values()
                .filter(|a| a.level == AreaLevel::HealthBoard)
                .map(|a| {
                    json!({
                        "code": a.code,
                        "name_en": a.name_en,
                        "name_cy": a.name_cy,
                        "name_cy_fallback": a.name_cy_fallback,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut colors = Map::new();
    let mut labels = Map::new();
    for p in POLARITIES {
        colors.insert(
            polarity_id(p).to_owned(),
            Significance::ALL
                .iter()
                .map(|f| (f.as_str().to_owned(), json!(palette::significance(*f, p))))
                .collect::<Map<_, _>>()
                .into(),
        );
        let mut by_benchmark = Map::new();
        for vs in Benchmark::ALL {
            by_benchmark.insert(
                vs.as_str().to_owned(),
                both(|lang| {
                    Significance::ALL
                        .iter()
                        .map(|f| {
                            (
                                f.as_str().to_owned(),
                                json!(legend::significance_label(*f, p, vs, lang)),
                            )
                        })
                        .collect::<Map<_, _>>()
                        .into()
                }),
            );
        }
        labels.insert(polarity_id(p).to_owned(), by_benchmark.into());
    }
    let mut field_names: Vec<&str> = LayerId::ALL
        .iter()
        .flat_map(|l| l.layer().fields.iter().map(|f| f.name))
        .chain(VALUE_FIELDS.iter().map(|f| f.name))
        .chain(["indicator", "period"])
        // What a page shows beside names and intervals, which are no single column.
        .chain(["confidence_interval", "health_board", "cluster", "lsoa"])
        .chain(["wimd2025_rank", "wimd2025_decile", "wimd2025_quintile"])
        .collect();
    field_names.sort_unstable();
    field_names.dedup();
    let fields = both(|lang| {
        field_names
            .iter()
            .map(|n| ((*n).to_owned(), json!(field_label(n, lang))))
            .collect::<Map<_, _>>()
            .into()
    });
    let approximate = data.is_none_or(|d| d.cluster_approximate);
    json!({
        "languages": [
            {"code": "en", "name": "English"},
            {"code": "cy", "name": "Cymraeg", "draft": true},
        ],
        "data_version": data.map(|d| d.version),
        "bounds": data.map_or(WALES_BOUNDS, |d| d.bounds),
        "cluster_approximate": approximate,
        "attribution": crate::catalog::attribution(approximate, Lang::En),
        "attribution_by_language": both(|lang| json!(crate::catalog::attribution(approximate, lang))),
        "approximate_note": both(|lang| json!(legend::approximate_note(lang))),
        "map_kinds": MapKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "layers": LayerId::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        "wimd_domains": domains,
        // `level=`: the confidence level of intervals and flags, the default first.
        "confidence_levels": crate::significance::ConfidenceLevel::ALL.iter().map(|l| json!({
            "id": l.as_str(),
            "label": l.percent(),
        })).collect::<Vec<_>>(),
        // `vintage=` of the deprivation map, the default first; only 2019 has domains.
        "wimd_vintages": crate::catalog::WimdVintage::ALL.iter().map(|v| json!({
            "id": v.as_str(),
            "title": v.title(),
            "layer": LayerId::lsoa_of(*v).as_str(),
            "lsoa_count": v.lsoa_count(),
            "domains": *v == crate::catalog::WimdVintage::Wimd2019,
            "en": v.description(Lang::En),
            "cy": v.description(Lang::Cy),
        })).collect::<Vec<_>>(),
        "wimd_quintile_colors": palette::wimd_quintiles(),
        "methods": methods,
        "classes": {"min": MIN_CLASSES, "max": MAX_CLASSES, "default": DEFAULT_CLASSES},
        "palettes": palette::sequential_names(),
        "default_palette": palette::DEFAULT_SEQUENTIAL,
        // `encoding=` of tiles, TileJSON, styles and the map page: the first is the default.
        "tile_encodings": [TileEncoding::Mvt.as_str(), TileEncoding::Mlt.as_str()],
        "no_data": {
            "color": palette::NO_DATA,
            "en": "No data",
            "cy": "Dim data",
        },
        "health_boards": boards,
        "significance": {
            "flags": Significance::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            "benchmarks": [Benchmark::Wales.as_str(), Benchmark::HealthBoard.as_str()],
            "polarities": POLARITIES.iter().map(|p| polarity_id(*p)).collect::<Vec<_>>(),
            "colors": colors,
            "labels": labels,
        },
        "field_labels": fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_matches_the_server_tables() {
        let v = vocabulary(None, None);
        assert_eq!(v["wimd_domains"].as_array().unwrap().len(), 9);
        assert_eq!(v["wimd_domains"][5]["cy"], "Mynediad at wasanaethau");
        assert_eq!(
            v["significance"]["colors"]["higher_is_worse"]["higher"],
            palette::significance(Significance::Higher, Polarity::HigherIsWorse)
        );
        assert_eq!(
            v["significance"]["colors"]["neutral"]["higher"],
            palette::significance(Significance::Higher, Polarity::Neutral)
        );
        assert_eq!(v["cluster_approximate"], true);
        assert_eq!(v["wimd_vintages"][0]["id"], "2025");
        assert_eq!(v["wimd_vintages"][0]["domains"], false);
        assert_eq!(v["wimd_vintages"][1]["layer"], "lsoa");
        assert_eq!(v["field_labels"]["cy"]["hb_code"], "Cod bwrdd iechyd");
    }
}
