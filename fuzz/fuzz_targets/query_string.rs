//! Query strings: arbitrary bytes decoded into the pairs that the `RawQuery` extractor
//! reads (serde_urlencoded over form_urlencoded, as axum does), then every request type
//! that parses them and every renderer that reads the result, against an in-memory snapshot with awkward
//! data (ties, a single value, no values, no periods, extreme magnitudes).
//!
//! Input: `PATH?QUERY`. PATH stands for the id a route takes from its path
//! (`/data/{indicator}`, `/collections/{id}/items/{feature}`).
//!
//! Properties: nothing panics; accepted values are within their documented ranges; the
//! normalised indicator query and the OGC items links (`ogc::encode`) reproduce the same
//! request when parsed again; `encoding=` is mvt or mlt; the file a static-site export
//! stores a request in (`site::site_path`) stays inside the site.
#![no_main]

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use cluster_atlas::catalog::indicators::{
    Area, AreaValue, Indicator, IndicatorCatalog, IndicatorMeta, AreaLevel, Polarity,
};
use cluster_atlas::catalog::snapshot::Snapshot;
use cluster_atlas::catalog::LayerId;
use cluster_atlas::classify::{Method, MAX_CLASSES, MIN_CLASSES};
use cluster_atlas::db::DataVersion;
use cluster_atlas::ogc::{self, features};
use cluster_atlas::{comparison, summary};
use cluster_atlas::significance::Significance;
use cluster_atlas::style::legend::MapKind;
use cluster_atlas::ogc::request::ItemsRequest;
use cluster_atlas::params::{self, RawQuery};
use cluster_atlas::style::{self, maplibre, sld, StyleRequest};
use cluster_atlas::tiles::request::{TileJsonQuery, TileQuery};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

static SNAPSHOT: LazyLock<Snapshot> = LazyLock::new(snapshot);

fuzz_target!(|data: &[u8]| {
    let (path, query) = match data.iter().position(|&b| b == b'?') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    let path = String::from_utf8_lossy(path);
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(query) else {
        return;
    };
    let q = RawQuery::from_pairs(pairs);
    let snapshot = &*SNAPSHOT;
    let catalog = &snapshot.catalog;

    // The file a static site stores a request in stays inside the site.
    let request = format!("{path}?{}", String::from_utf8_lossy(query));
    if let Ok(file) = cluster_atlas::site::site_path(&request) {
        assert!(!file.starts_with('/') && !file.is_empty(), "{request} -> {file}");
        assert!(file.split('/').all(|s| !s.is_empty() && s != ".." && s != "."), "{request} -> {file}");
        assert!(!file.contains('?'), "{request} -> {file}");
    }
    // Every request type reads the query without panicking; the strict read refuses
    // exactly the names the type does not declare.
    let _ = q.parse::<params::LangQuery>();
    let _ = q.parse::<TileJsonQuery>();
    if let Ok(t) = q.parse::<TileQuery>() {
        assert!(["mvt", "mlt"].contains(&t.encoding.as_str()));
    }
    if let Ok(d) = q.parse::<params::DeprivationQuery>() {
        // WIMD 2025 has no domains: an accepted vintage with a domain is 2019.
        assert!(d.domain.0 == "overall" || d.wimd_vintage() == cluster_atlas::catalog::WimdVintage::Wimd2019);
    }
    if q.parse_strict::<params::LangLevelQuery>().is_ok() {
        assert!(q.names().iter().all(|n| ["lang", "level"].contains(n)));
    }

    // The board summary, as /summary/{area} parses and renders it.
    if let Ok(sq) = q.parse::<summary::SummaryQuery>() {
        if let Ok((code, _format)) = summary::format_of(&path, sq.format.as_deref()) {
            let code = if code.eq_ignore_ascii_case("wales") { "W92000004".to_owned() } else { code };
            if let Some(area) = catalog.areas.get(&code).filter(|a| a.level != AreaLevel::Cluster) {
                let s = comparison::summary(catalog, area, sq.lang, sq.level);
                let findings = summary::findings(&s, sq.lang);
                let _ = summary::html::summary_html(&s, &findings, sq.lang, true);
                let svg = summary::svg::summary_svg(&s, sq.lang, true);
                assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
                summary::csv(&s).expect("a summary writes as CSV");
            }
        }
    }
    let options = q.parse::<params::IndicatorOptions>();
    if let Ok(o) = &options {
        let c = o.classification();
        assert!((MIN_CLASSES..=MAX_CLASSES).contains(&c.classes), "{c:?}");
        if c.method == Method::Manual {
            assert_eq!(c.manual.len() + 1, c.classes);
            assert!(c.manual.iter().all(|b| b.is_finite()));
            assert!(c.manual.windows(2).all(|w| w[0] < w[1]));
        } else {
            assert!(c.manual.is_empty());
        }
    }
    let by_path = options
        .as_ref()
        .ok()
        .map(|o| params::indicator_by_id(&path, o.period.as_deref(), catalog));
    let by_query = options.as_ref().ok().map(|o| o.resolve(catalog));
    for ip in [by_path, by_query.and_then(|r| r.transpose())].into_iter().flatten() {
        let Ok(ip) = ip else { continue };
        assert!(
            ip.period == ip.indicator.latest_period() || ip.indicator.periods.contains(&ip.period)
        );
        let Ok(o) = &options else { continue };
        let c = o.classification();
        // The normalised query goes into tile URLs and cache keys once the values
        // classify: it must mean the same request.
        if let Ok(choropleth) = ip.classify(snapshot, &c) {
            let b = &choropleth.breaks;
            assert!(!b.is_empty() && b.len() <= c.classes, "{b:?}");
            assert!(b.bins.windows(2).all(|w| w[0] < w[1]), "{b:?}");
            assert_eq!(choropleth.counts.len(), b.len());
            assert_eq!(
                choropleth.counts.iter().sum::<usize>(),
                choropleth.classes.len()
            );
            let normal = params::indicator_query(&ip, &c);
            let back: Vec<(String, String)> =
                serde_urlencoded::from_str(&normal).expect("the normalised query decodes");
            let back = RawQuery::from_pairs(back)
                .parse::<params::IndicatorOptions>()
                .expect("the normalised query is valid");
            let ip2 = back.resolve(catalog).expect("normalised indicator is valid").expect("it names one");
            assert_eq!(
                (&ip2.indicator.id, &ip2.period),
                (&ip.indicator.id, &ip.period)
            );
            let c2 = back.classification();
            assert_eq!(
                (c2.method, c2.classes, &c2.manual),
                (c.method, c.classes, &c.manual),
                "{normal}"
            );
        }
    }

    // Styles, legends and SLD, as /styles, /legends and TileJSON render them.
    for kind in MapKind::ALL {
        let Ok(request) = StyleRequest::parse(kind, &q) else {
            continue;
        };
        let Ok(rendered) = style::render(&request, snapshot) else {
            continue;
        };
        let legend = &rendered.legend;
        let _ = legend.to_svg();
        let _ = legend.to_html();
        let _ = legend.fill_color();
        // The no-data rule is an explicit null test, never an ElseFilter (QGIS 3.22 reads
        // ElseFilter as "every feature").
        let sld_text = sld::sld(legend, "http://localhost/downloads/clusters.gpkg");
        assert!(!sld_text.contains("ElseFilter") && sld_text.contains("PropertyIsNull"));
        let urls = maplibre::StyleUrls {
            base: "http://localhost",
            tile_query: &rendered.tile_query,
            encoding: q
                .parse::<style::StyleEncodingQuery>()
                .map(|e| e.encoding)
                .unwrap_or_default(),
        };
        let _ = maplibre::style(legend, &urls, "attribution", 1);
        serde_json::to_string(legend).expect("a legend serialises");
        if !rendered.tile_query.is_empty() {
            let back: HashMap<String, String> =
                serde_urlencoded::from_str(&rendered.tile_query).expect("tile query decodes");
            assert!(back.contains_key("indicator"));
        }
    }

    // OGC API Features items, as /collections/{id}/items[/{feature}] parse them.
    let code = (!path.is_empty()).then(|| path.to_string());
    let Ok(request) = q.parse::<ItemsRequest>() else {
        return;
    };
    let paging = |r: &ItemsRequest| features::Paging {
        format: r.f.unwrap_or(ogc::request::ItemsFormat::Json),
        limit: r.limit.0,
        offset: r.offset.0,
    };
    for layer in LayerId::ALL {
        let Ok(items) = features::parse(
            layer,
            &request.options,
            &request.selection,
            &request.properties,
            paging(&request),
            code.clone(),
        ) else {
            continue;
        };
        assert!((1..=ogc::request::MAX_LIMIT).contains(&items.limit));
        assert!((0..=10_000_000).contains(&items.offset));
        if let Some([w, s, e, n]) = items.bbox {
            assert!(w <= e && s <= n, "{:?}", items.bbox);
        }
        // A page link (built as the items handler builds it) reproduces the request.
        let mut pairs = items.canonical.clone();
        pairs.push(("limit".into(), items.limit.to_string()));
        pairs.push(("offset".into(), items.offset.to_string()));
        match items.format {
            ogc::request::ItemsFormat::Json => {}
            ogc::request::ItemsFormat::Csv => pairs.push(("f".into(), "csv".into())),
            ogc::request::ItemsFormat::Html => pairs.push(("f".into(), "html".into())),
        }
        let link = ogc::encode(&pairs);
        let back: Vec<(String, String)> =
            serde_urlencoded::from_str(&link).expect("a page link decodes");
        let back = RawQuery::from_pairs(back)
            .parse::<ItemsRequest>()
            .expect("a page link is a valid request");
        let again = features::parse(
            layer,
            &back.options,
            &back.selection,
            &back.properties,
            paging(&back),
            code.clone(),
        )
        .expect("a page link is valid");
        assert_eq!(
            again.bbox.map(|b| b.map(f64::to_bits)),
            items.bbox.map(|b| b.map(f64::to_bits))
        );
        assert_eq!(again.filters, items.filters, "{link}");
        assert_eq!(again.labels, items.labels);
        assert_eq!(again.wkt, items.wkt);
        assert_eq!(again.canonical, items.canonical);
        assert_eq!(
            (again.limit, again.offset, again.format),
            (items.limit, items.offset, items.format)
        );

        let mut list: Vec<features::Feature> = ["c01", "c02", "c99", "W11000023"]
            .iter()
            .map(|code| features::Feature::new(*code, json!({"code": code})))
            .collect();
        if let Ok(Some(ip)) = request.options.indicator.resolve(catalog) {
            let c = request.options.indicator.classification();
            let _ = features::attach_indicator(&mut list, layer, snapshot, &ip, &c);
        }
        if let Some(lang) = items.labels {
            features::relabel(&mut list, layer, lang);
        }
        let columns: Vec<String> = list[0]
            .properties
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        features::to_csv(&list, &columns).expect("CSV into memory");
        let links = [json!({"rel": "next", "href": link, "title": path})];
        let _ = features::to_html(&path, &list, &columns, &links);
    }
});

/// Indicators chosen to stress classification: ties, one value, none, no periods, and
/// values spanning the whole f64 range (as an extra values file may hold).
fn snapshot() -> Snapshot {
    let mut catalog = IndicatorCatalog::default();
    let indicator = |id: &str, unit: &str, polarity: Polarity, periods: &[&str]| Indicator {
        meta: IndicatorMeta {
        id: id.into(),
        title_en: format!("{id} title"),
        title_cy: format!("{id} title"),
        title_cy_fallback: true,
        description_en: "Description & <notes>".into(),
        description_cy: "Disgrifiad".into(),
        description_cy_fallback: false,
        unit: unit.into(),
        polarity,
        source: "fixture".into(),
        licence: "OGL".into(),
        value_type: cluster_atlas::catalog::indicators::ValueType::default_for(unit),
        untested_reason: None,
        topic: cluster_atlas::catalog::indicators::Topic::Health,
        },
        periods: periods.iter().map(|p| (*p).to_owned()).collect(),
        levels: vec![AreaLevel::Wales, AreaLevel::HealthBoard, AreaLevel::Cluster],
    };
    catalog.indicators = vec![
        indicator("asthma", "%", Polarity::Neutral, &["2022-23", "2023-24"]),
        indicator("deprived", "%", Polarity::HigherIsWorse, &["2024-04"]),
        indicator("no_values", "count", Polarity::HigherIsBetter, &["2020"]),
        indicator("no_periods", "count", Polarity::Neutral, &[]),
        indicator("same", "per 1,000", Polarity::Neutral, &["2021"]),
        indicator("extreme", "count", Polarity::Neutral, &["x"]),
    ];
    let flags = [
        Significance::Higher,
        Significance::Similar,
        Significance::Lower,
        Significance::NotTested,
    ];
    let value = |level: AreaLevel, code: &str, v: f64, i: usize| {
        // Every third area has no published counts, so no interval.
        let counts = !i.is_multiple_of(3);
        AreaValue {
            level,
            code: code.into(),
            value: v,
            numerator: counts.then_some(v * 10.0),
            denominator: counts.then_some(1000.0),
            lower_ci: counts.then_some(v - 1.0),
            upper_ci: counts.then_some(v + 1.0),
            sig_vs_wales: flags[i % 4],
            sig_vs_hb: flags[(i + 1) % 4],
            at_998: Default::default(),
            level_in_use: Default::default(),
        }
    };
    let clusters = |values: &[f64]| -> Vec<AreaValue> {
        let mut out: Vec<AreaValue> = values
            .iter()
            .enumerate()
            .map(|(i, v)| value(AreaLevel::Cluster, &format!("c{:02}", i + 1), *v, i))
            .collect();
        out.push(value(AreaLevel::HealthBoard, "W11000023", 7.0, 1));
        out.push(value(AreaLevel::Wales, "W92000004", 7.5, 2));
        out
    };
    let mut put = |id: &str, period: &str, values: Vec<AreaValue>| {
        catalog.values.insert((id.into(), period.into()), values);
    };
    put(
        "asthma",
        "2023-24",
        clusters(&[6.1, 7.2, 7.2, 7.2, 8.0, 5.5, 9.9, 6.1, 7.7, 8.8, 12.0, 4.0]),
    );
    put("asthma", "2022-23", clusters(&[6.5]));
    put(
        "deprived",
        "2024-04",
        clusters(&[0.0, 14.79, 11.23, 100.0, 33.3, 0.1, 50.0, 2.5, 2.5]),
    );
    put("same", "2021", clusters(&[3.0; 8]));
    put(
        "extreme",
        "x",
        clusters(&[-f64::MAX, -1e300, 0.0, 5e-324, 1e300, f64::MAX]),
    );
    let area = |level: AreaLevel, code: &str, name: &str, hb: Option<&str>| Area {
        level,
        code: code.into(),
        name_en: name.into(),
        name_cy: name.into(),
        name_cy_fallback: true,
        hb_code: hb.map(str::to_owned),
    };
    let mut areas = BTreeMap::new();
    areas.insert(
        "W92000004".into(),
        area(AreaLevel::Wales, "W92000004", "Wales", None),
    );
    areas.insert(
        "W11000023".into(),
        area(
            AreaLevel::HealthBoard,
            "W11000023",
            "Betsi <Cadwaladr>",
            Some("W11000023"),
        ),
    );
    for i in 1..=12 {
        let code = format!("c{i:02}");
        let hb = if i % 2 == 0 { "W11000023" } else { "W11000024" };
        areas.insert(
            code.clone(),
            area(AreaLevel::Cluster, &code, "Cluster & co", Some(hb)),
        );
    }
    catalog.areas = areas;
    let data = DataVersion {
        version: 3,
        loaded_at: "2025-01-01T00:00:00Z".into(),
        cluster_approximate: true,
        cluster_provenance: "fixture".into(),
        lsoa_count: 3,
        cluster_count: 12,
        health_board_count: 2,
        bounds: cluster_atlas::catalog::WALES_BOUNDS,
    };
    Snapshot::new(data, catalog)
}
