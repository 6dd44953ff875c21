//! The in-process renderer against PostGIS (`ST_AsMVT`, the reference): on every tile of
//! whole zoom bands over Wales, both give the same layers, the same features (ids), the same
//! properties (key, value and MVT value type) and the same geometry within one tile unit.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use cluster_atlas::catalog::store::Store;
use cluster_atlas::db::Db;
use cluster_atlas::tiles::coord::TileCoord;
use cluster_atlas::tiles::layers::LayerSet;
use cluster_atlas::tiles::request::TileQuery;
use cluster_atlas::tiles::PostgisSource;
use geo::{Area, BooleanOps, LineString, MultiPolygon, Polygon};
use geozero::mvt::{tile, Message, Tile};

/// A decoded feature: MVT type, raw properties, rings (or the point) in tile units.
#[derive(Debug)]
struct Decoded {
    kind: i32,
    properties: BTreeMap<String, tile::Value>,
    rings: Vec<Vec<(f64, f64)>>,
}

fn zigzag(v: u32) -> i64 {
    i64::from((v >> 1) as i32 ^ -((v & 1) as i32))
}

/// Rings as drawn: each ring closed, the cursor carried between rings.
fn rings(commands: &[u32]) -> Vec<Vec<(f64, f64)>> {
    let (mut x, mut y) = (0i64, 0i64);
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut i = 0;
    while i < commands.len() {
        let (id, count) = (commands[i] & 7, commands[i] >> 3);
        i += 1;
        match id {
            1 | 2 => {
                if id == 1 {
                    out.push(Vec::new());
                }
                for _ in 0..count {
                    x += zigzag(commands[i]);
                    y += zigzag(commands[i + 1]);
                    i += 2;
                    out.last_mut()
                        .expect("a MoveTo first")
                        .push((x as f64, y as f64));
                }
            }
            7 => {
                let ring = out.last_mut().expect("a ring to close");
                let first = ring[0];
                ring.push(first);
            }
            other => panic!("unknown command {other}"),
        }
    }
    out
}

fn decode(bytes: &[u8]) -> BTreeMap<(String, u64), Decoded> {
    let mut out = BTreeMap::new();
    if bytes.is_empty() {
        return out;
    }
    let tile = Tile::decode(bytes).expect("a valid MVT");
    for layer in tile.layers {
        for f in layer.features {
            let properties = f
                .tags
                .chunks(2)
                .map(|kv| {
                    (
                        layer.keys[kv[0] as usize].clone(),
                        layer.values[kv[1] as usize].clone(),
                    )
                })
                .collect();
            let previous = out.insert(
                (layer.name.clone(), f.id.expect("every feature has an id")),
                Decoded {
                    kind: f.r#type.unwrap_or(0),
                    properties,
                    rings: rings(&f.geometry),
                },
            );
            assert!(previous.is_none(), "one feature per id and layer");
        }
    }
    out
}

fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = dx * dx + dy * dy;
    let t = if len == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len).clamp(0.0, 1.0)
    };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

/// The farthest a vertex of `a` lies from the outline of `b` (points: from its points).
fn one_way(a: &[Vec<(f64, f64)>], b: &[Vec<(f64, f64)>]) -> f64 {
    let mut worst: f64 = 0.0;
    for p in a.iter().flatten() {
        let mut best = f64::INFINITY;
        for ring in b {
            if ring.len() == 1 {
                best = best.min(segment_distance(*p, ring[0], ring[0]));
            }
            for w in ring.windows(2) {
                best = best.min(segment_distance(*p, w[0], w[1]));
            }
        }
        worst = worst.max(best);
    }
    worst
}

/// The part of an outline inside the tile proper: differences in the buffer are never drawn
/// (MapLibre and QGIS clip to the tile), but are still compared, within a looser bound.
fn hausdorff(a: &[Vec<(f64, f64)>], b: &[Vec<(f64, f64)>]) -> f64 {
    one_way(a, b).max(one_way(b, a))
}

/// The rings of a feature without its specks: rings of at most eight square tile units (an eighth of a
/// screen pixel on a 512-pixel tile, 64 square units), which the two overlays (wagyu in PostGIS,
/// i_overlay here) keep or drop differently where they cut a sliver at the buffer's edge.
fn specks_left_out(rings: &[Vec<(f64, f64)>]) -> Vec<Vec<(f64, f64)>> {
    let kept: Vec<Vec<(f64, f64)>> = rings
        .iter()
        .filter(|r| r.len() < 3 || signed_area(r).abs() > 8.0)
        .cloned()
        .collect();
    if kept.is_empty() {
        rings.to_vec()
    } else {
        kept
    }
}

/// A speck (at most eight square units in all, an eighth of a screen pixel) or a shape wholly in the buffer, outside the
/// tile proper (0 to 4096), which no client draws.
fn negligible(rings: &[Vec<(f64, f64)>]) -> bool {
    let area: f64 = rings.iter().map(|r| signed_area(r).abs()).sum();
    let outside = rings.iter().flatten().all(|p| p.0 <= 0.0 || p.1 <= 0.0)
        || rings.iter().flatten().all(|p| p.0 >= 4096.0)
        || rings.iter().flatten().all(|p| p.1 >= 4096.0);
    area <= 8.0 || outside
}

/// Decoded rings as polygons: a positive ring starts a polygon, negative ones are its holes.
fn to_polygons(rings: &[Vec<(f64, f64)>]) -> MultiPolygon<f64> {
    let mut polygons: Vec<Polygon<f64>> = Vec::new();
    for ring in rings {
        let line = LineString::from(ring.clone());
        if signed_area(ring) > 0.0 || polygons.is_empty() {
            polygons.push(Polygon::new(line, vec![]));
        } else if let Some(p) = polygons.last_mut() {
            p.interiors_push(line);
        }
    }
    MultiPolygon::new(polygons)
}

fn signed_area(ring: &[(f64, f64)]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum::<f64>()
        / 2.0
}

/// What differs between two renderings of one tile, as lines for the failure message.
fn compare(coord: TileCoord, sql: &[u8], ours: &[u8], stats: &mut Stats) -> Vec<String> {
    let (a, b) = (decode(sql), decode(ours));
    let mut problems = Vec::new();
    let at = format!("{}/{}/{}", coord.z, coord.x, coord.y);
    for (key, reference) in &a {
        let Some(mine) = b.get(key) else {
            // A feature that only one of them keeps must be a speck or lie wholly in the
            // buffer (never drawn): what the two overlays do with a sliver there differs.
            if negligible(&reference.rings) {
                stats.slivers += 1;
            } else {
                problems.push(format!("{at} {key:?}: missing in process"));
            }
            continue;
        };
        stats.features += 1;
        if reference.kind != mine.kind {
            problems.push(format!(
                "{at} {key:?}: type {} vs {}",
                reference.kind, mine.kind
            ));
        }
        if reference.properties != mine.properties {
            problems.push(format!(
                "{at} {key:?}: properties {:?} vs {:?}",
                reference.properties, mine.properties
            ));
        }
        let d = hausdorff(
            &specks_left_out(&reference.rings),
            &specks_left_out(&mine.rings),
        );
        if reference.kind == 3 {
            let (pa, pb) = (to_polygons(&reference.rings), to_polygons(&mine.rings));
            let between = pa.xor(&pb).unsigned_area();
            let outline: f64 = reference
                .rings
                .iter()
                .map(|r| {
                    r.windows(2)
                        .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
                        .sum::<f64>()
                })
                .sum();
            stats.area_ratio = stats.area_ratio.max(between / outline.max(1.0));
            // Within one unit: the area between the two outlines is at most the outline's
            // length times one unit (as if every point of it had moved by a whole unit).
            if between > outline.max(1.0) {
                problems.push(format!(
                    "{at} {key:?}: {between:.1} square units between the outlines, over {outline:.1} (its length times one unit)"
                ));
            }
        } else if d > 1.0 + 1e-9 {
            problems.push(format!("{at} {key:?}: point moved by {d:.2} units"));
        }
        if d <= 1.0 + 1e-9 {
            stats.within_one_unit += 1;
        }
        stats.worst = stats.worst.max(d);
        stats.by_distance.push((d, format!("{at} {key:?}")));
        let (ra, rb): (f64, f64) = (
            reference.rings.iter().map(|r| signed_area(r)).sum(),
            mine.rings.iter().map(|r| signed_area(r)).sum(),
        );
        if reference.kind == 3 && (ra.signum() != rb.signum()) {
            problems.push(format!("{at} {key:?}: winding {ra} vs {rb}"));
        }
    }
    for (key, mine) in &b {
        if !a.contains_key(key) {
            if negligible(&mine.rings) {
                stats.slivers += 1;
            } else {
                problems.push(format!("{at} {key:?}: extra in process"));
            }
        }
    }
    problems
}

#[derive(Debug, Default)]
struct Stats {
    tiles: usize,
    features: usize,
    slivers: usize,
    worst: f64,
    within_one_unit: usize,
    area_ratio: f64,
    by_distance: Vec<(f64, String)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS: scripts/test.sh runs it"]
async fn in_process_tiles_equal_postgis_tiles_on_every_tile_of_whole_zoom_bands() {
    let pool = common::loaded_pool("ca_test_renderers").await;
    let store = Store::new(Db::new(pool));
    let source = Arc::new(PostgisSource::new(store.clone()));
    let snapshot = store.snapshot().await.expect("loaded");
    // Every tile layer: the 2011 composite, and the 2021 LSOAs on their own.
    let sets = [
        LayerSet::parse("lsoa,clusters,health_boards,labels").expect("set"),
        LayerSet::parse("lsoa21").expect("set"),
    ];
    // Every band: z0-4, z5-6 and z7 whole, and the full-detail band at z8, z10 and z12.
    let zooms = [0u8, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12];
    let mut stats = Stats::default();
    let mut problems = Vec::new();
    let q = TileQuery::default();
    for z in zooms {
        for coord in TileCoord::covering(z, snapshot.data.bounds) {
            for set in sets.iter().filter(|s| s.at_zoom(z).is_ok()) {
                let (key, plan) = source
                    .plan_at(Arc::clone(&snapshot), set, coord, &q)
                    .expect("plan");
                let sql = source.render_sql(&key, &plan, set).await.expect("sql");
                let ours = source
                    .render_in_process(&key, &plan, set)
                    .await
                    .expect("in process");
                stats.tiles += 1;
                problems.extend(compare(coord, &sql.raw, &ours.raw, &mut stats));
            }
        }
    }
    stats.by_distance.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (d, at) in stats.by_distance.iter().take(15) {
        println!("{d:.2} {at}");
    }
    let over: Vec<usize> = (0..=14u8)
        .map(|z| {
            stats
                .by_distance
                .iter()
                .filter(|(d, at)| *d > 1.0 && at.starts_with(&format!("{z}/")))
                .count()
        })
        .collect();
    println!("features over one unit by zoom: {over:?}");
    stats.by_distance.clear();
    println!("{stats:?}");
    assert!(stats.tiles > 500 && stats.features > 20_000, "{stats:?}");
    // Vertex by vertex, most features are within one unit of PostGIS's; the others differ
    // where wagyu (PostGIS) removes a spike under a unit wide that the overlay here keeps,
    // which the area test above bounds.
    assert!(
        stats.within_one_unit * 100 >= stats.features * 85,
        "{stats:?}"
    );
    assert!(
        problems.is_empty(),
        "{} differences, first 40:\n{}",
        problems.len(),
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
