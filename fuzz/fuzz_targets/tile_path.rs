//! Tile addresses: `/tiles/{layers}/{z}/{x}/{y}` (and OGC's `{tileMatrix}/{tileRow}/{tileCol}`)
//! split from arbitrary text, through the same parsers the handlers use.
//!
//! Properties: nothing panics; an accepted address is inside the grid (z ≤ 22, x and y
//! below 2^z), prints back to the same address, has finite, ordered lon/lat bounds, and is
//! among the tiles covering its own bounds; a layer list that parses round-trips through
//! its URL name, and every layer it serves at z has a tile statement.
#![no_main]

use std::sync::LazyLock;

use cluster_atlas::catalog::MAX_SERVED_ZOOM;
use cluster_atlas::tiles::sql::TileQueries;
use cluster_atlas::tiles::{LayerSet, TileCoord};
use libfuzzer_sys::fuzz_target;

static QUERIES: LazyLock<TileQueries> = LazyLock::new(TileQueries::build);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Like the router: an optional leading `/tiles/`, then four segments.
    let path = text.strip_prefix("/tiles/").unwrap_or(&text);
    let mut parts = path.splitn(4, '/');
    let layers = parts.next().unwrap_or("");
    let z = parts.next().unwrap_or("");
    let x = parts.next().unwrap_or("");
    let y = parts.next().unwrap_or("");

    let set = LayerSet::parse(layers).ok();
    if let Some(set) = &set {
        let again = LayerSet::parse(&set.url_name()).expect("a layer set's URL name parses");
        assert_eq!(&again, set);
        assert!(!set.layers().is_empty());
        assert!(set.minzoom() <= set.maxzoom());
    }
    // TileJSON takes `{layers}.json` too.
    let _ = LayerSet::parse(layers.strip_suffix(".json").unwrap_or(layers));

    // `/tiles` order is z/x/y; OGC's is matrix/row/col = z/y/x. Both go through parse.
    for coord in [TileCoord::parse(z, x, y), TileCoord::parse(z, y, x)] {
        let Ok(coord) = coord else { continue };
        check_coord(coord);
        if let Some(set) = &set {
            if let Ok(served) = set.at_zoom(coord.z) {
                assert!(!served.is_empty());
                for layer in served {
                    assert!(set.layers().contains(&layer));
                    assert!(layer.layer().serves_zoom(coord.z));
                    let _ = QUERIES.get(layer, coord.z, true);
                    let _ = QUERIES.get(layer, coord.z, false);
                }
            }
        }
    }

    // Arbitrary numbers straight into the constructor, and arbitrary boxes into the
    // covering used by warm-up and export (taking only the first tiles of huge ones).
    if data.len() >= 24 {
        let word = |i: usize| u64::from_le_bytes(data[i..i + 8].try_into().unwrap());
        if let Ok(coord) = TileCoord::new(word(0) % 32, word(8), word(16)) {
            check_coord(coord);
        }
    }
    if data.len() >= 33 {
        let z = data[0] % (MAX_SERVED_ZOOM + 1);
        let f = |i: usize| f64::from_le_bytes(data[1 + 8 * i..9 + 8 * i].try_into().unwrap());
        for t in TileCoord::covering(z, [f(0), f(1), f(2), f(3)]).take(64) {
            assert_eq!(t.z, z);
            check_coord(t);
        }
    }
});

fn check_coord(coord: TileCoord) {
    assert!(coord.z <= MAX_SERVED_ZOOM, "{coord}");
    let n = 1u64 << coord.z;
    assert!(u64::from(coord.x) < n && u64::from(coord.y) < n, "{coord}");
    let printed = coord.to_string();
    let mut it = printed.split('/');
    let back = TileCoord::parse(it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    assert_eq!(back, Ok(coord));
    let [w, s, e, north] = coord.bounds_lonlat();
    assert!(
        [w, s, e, north].iter().all(|v| v.is_finite()),
        "{coord}: {w} {s} {e} {north}"
    );
    assert!(w < e && s < north, "{coord}: {w} {s} {e} {north}");
    assert!((-180.0..=180.0).contains(&w) && (-180.0..=180.0).contains(&e));
    assert!((-90.0..=90.0).contains(&s) && (-90.0..=90.0).contains(&north));
    let covering: Vec<TileCoord> = TileCoord::covering(coord.z, [w, s, e, north])
        .take(16)
        .collect();
    assert!(covering.contains(&coord), "{coord} not in {covering:?}");
}
