//! `encoding=mlt`: MapLibre Tiles from the same router. Each MLT tile, decoded with
//! mlt-core's own decoder, holds the same layers, features and properties as the MVT of the
//! same request; TileJSON and styles point at MLT and say so; a bad encoding is a JSON 400.
//! (MapLibre GL JS drawing them is tests/e2e/map_mlt.mjs.)

mod common;

use std::collections::BTreeMap;

use cluster_atlas::server::AppState;
use common::{decode_tile, get, loaded_pool, send};
use mlt_core::{Decoder, Layer, Parser, PropValue};
use serde_json::Value;

/// Per layer: `code` → the value of `field` (as text; empty when absent).
type Features = BTreeMap<String, BTreeMap<String, String>>;

fn text(v: &PropValue) -> String {
    match v {
        PropValue::Str(Some(s)) => s.clone(),
        PropValue::Bool(Some(b)) => b.to_string(),
        PropValue::I8(Some(n)) => n.to_string(),
        PropValue::U8(Some(n)) => n.to_string(),
        PropValue::I32(Some(n)) => n.to_string(),
        PropValue::U32(Some(n)) => n.to_string(),
        PropValue::I64(Some(n)) => n.to_string(),
        PropValue::U64(Some(n)) => n.to_string(),
        PropValue::F32(Some(n)) => n.to_string(),
        PropValue::F64(Some(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn mlt_features(bytes: &[u8], field: &str) -> Features {
    let mut out = Features::new();
    let mut decoder = Decoder::default();
    for layer in Parser::default().parse_layers(bytes).expect("an MLT tile") {
        let Layer::Tag01(layer) = layer else {
            panic!("an MLT layer of an unknown kind")
        };
        let tile = layer.into_tile(&mut decoder).expect("decodes");
        let names = tile.property_names().to_vec();
        let at = |n: &str| names.iter().position(|x| x == n);
        let (code, wanted) = (at("code").expect("a code column"), at(field));
        let layer = out.entry(tile.name().to_owned()).or_default();
        for f in tile.features() {
            let value = wanted.map(|i| text(&f.properties()[i])).unwrap_or_default();
            layer.insert(text(&f.properties()[code]), value);
        }
    }
    out
}

fn mvt_features(bytes: &[u8], field: &str) -> Features {
    let mut out = Features::new();
    for f in decode_tile(bytes) {
        let value = f.properties.get(field).map(json_text).unwrap_or_default();
        out.entry(f.layer)
            .or_default()
            .insert(json_text(&f.properties["code"]), value);
    }
    out
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn mlt_tiles_hold_what_the_mvt_tiles_hold_and_documents_point_at_them() {
    let pool = loaded_pool("mlt").await;
    let state = AppState::new(pool.clone(), None);
    for (uri, field) in [
        ("/tiles/wales/7/62/42", "wimd_quintile"),
        ("/tiles/lsoa/12/2008/1360", "name_en"),
        (
            "/tiles/clusters,health_boards/8/125/84?indicator=copd",
            "class",
        ),
        (
            "/tiles/clusters,health_boards/9/251/169?indicator=hypertension",
            "sig_vs_wales",
        ),
    ] {
        let mvt = send(&state, "GET", uri, &[]).await;
        assert_eq!(mvt.status, 200, "{uri}");
        let sep = if uri.contains('?') { '&' } else { '?' };
        let mlt_uri = format!("{uri}{sep}encoding=mlt");
        let mlt = send(&state, "GET", &mlt_uri, &[]).await;
        assert_eq!(mlt.status, 200, "{mlt_uri}");
        assert_eq!(mlt.content_type(), "application/vnd.maplibre-tile");
        assert_eq!(mvt.content_type(), "application/vnd.mapbox-vector-tile");
        assert!(mlt.body.len() < mvt.body.len(), "{uri}: MLT is smaller");
        let want = mvt_features(&mvt.body, field);
        let got = mlt_features(&mlt.body, field);
        assert!(want.values().map(BTreeMap::len).sum::<usize>() > 3, "{uri}");
        assert_eq!(got, want, "{uri}: the same layers, areas and {field}");
        // Its own validator, and a 304 for it.
        let (etag_mvt, etag_mlt) = (&mvt.headers["etag"], &mlt.headers["etag"]);
        assert_ne!(etag_mvt, etag_mlt);
        let again = send(
            &state,
            "GET",
            &mlt_uri,
            &[("if-none-match", etag_mlt.to_str().unwrap())],
        )
        .await;
        assert_eq!(again.status, 304, "{mlt_uri}");
    }

    let tilejson = get(&pool, "/tiles/clusters,health_boards?encoding=mlt")
        .await
        .json();
    assert_eq!(tilejson["encoding"], "mlt");
    assert!(tilejson["tiles"][0]
        .as_str()
        .unwrap()
        .ends_with("&encoding=mlt"));
    assert!(get(&pool, "/tiles/wales")
        .await
        .json()
        .get("encoding")
        .is_none());
    let style = get(&pool, "/styles/indicator.json?indicator=copd&encoding=mlt")
        .await
        .json();
    for (name, source) in style["sources"].as_object().unwrap() {
        assert_eq!(source["encoding"], "mlt", "{name}");
        assert!(
            source["url"].as_str().unwrap().contains("encoding=mlt"),
            "{name}"
        );
    }
    let plain = get(&pool, "/styles/indicator.json?indicator=copd")
        .await
        .json();
    assert!(plain["sources"]["atlas"].get("encoding").is_none());
    assert_eq!(
        get(&pool, "/vocabulary").await.json()["tile_encodings"],
        serde_json::json!(["mvt", "mlt"])
    );

    for uri in [
        "/tiles/wales/7/62/42?encoding=pbf",
        "/tiles/wales?encoding=MLT",
        "/styles/deprivation.json?encoding=mvt2",
    ] {
        let reply = get(&pool, uri).await;
        assert_eq!(reply.status, 400, "{uri}");
        let err = reply.json();
        assert_eq!(
            err["error"]["allowed"],
            serde_json::json!(["mvt", "mlt"]),
            "{uri}"
        );
    }
}
