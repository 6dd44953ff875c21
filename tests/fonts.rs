//! `/fonts/{fontstack}/{range}.pbf`: the embedded glyphs decode as MapLibre's glyph
//! protobuf (SDF bitmaps of the right size, Welsh ŵ and ŷ included), and an unknown font,
//! a malformed range or a path-traversal attempt is a 404 JSON error. No database needed.

mod common;

use common::get;
use sqlx::PgPool;

/// A pool that never connects: the font routes read no data.
fn no_db() -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .expect("lazy pool")
}

/// One decoded glyph.
#[derive(Debug, Default)]
struct Glyph {
    id: u32,
    bitmap: Vec<u8>,
    width: u32,
    height: u32,
    left: i32,
    top: i32,
    advance: u32,
}

/// The fields of one protobuf message: (field number, varint or bytes).
fn fields(mut b: &[u8]) -> Vec<(u64, Result<u64, Vec<u8>>)> {
    fn varint(b: &mut &[u8]) -> u64 {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = b[0];
            *b = &b[1..];
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        n
    }
    let mut out = Vec::new();
    while !b.is_empty() {
        let key = varint(&mut b);
        match key & 7 {
            0 => out.push((key >> 3, Ok(varint(&mut b)))),
            2 => {
                let len = varint(&mut b) as usize;
                out.push((key >> 3, Err(b[..len].to_vec())));
                b = &b[len..];
            }
            t => panic!("unexpected wire type {t}"),
        }
    }
    out
}

fn unzig(n: u64) -> i32 {
    ((n >> 1) as i64 ^ -((n & 1) as i64)) as i32
}

/// `glyphs { fontstack { name range glyph* } }` → (name, range, glyphs).
fn decode(pbf: &[u8]) -> (String, String, Vec<Glyph>) {
    let top = fields(pbf);
    assert_eq!(top.len(), 1, "one fontstack");
    let Err(stack) = &top[0].1 else {
        panic!("fontstack is a message")
    };
    let (mut name, mut range, mut glyphs) = (String::new(), String::new(), Vec::new());
    for (no, v) in fields(stack) {
        match (no, v) {
            (1, Err(s)) => name = String::from_utf8(s).unwrap(),
            (2, Err(s)) => range = String::from_utf8(s).unwrap(),
            (3, Err(g)) => {
                let mut glyph = Glyph::default();
                for (no, v) in fields(&g) {
                    match (no, v) {
                        (1, Ok(n)) => glyph.id = n as u32,
                        (2, Err(b)) => glyph.bitmap = b,
                        (3, Ok(n)) => glyph.width = n as u32,
                        (4, Ok(n)) => glyph.height = n as u32,
                        (5, Ok(n)) => glyph.left = unzig(n),
                        (6, Ok(n)) => glyph.top = unzig(n),
                        (7, Ok(n)) => glyph.advance = n as u32,
                        other => panic!("unexpected glyph field {other:?}"),
                    }
                }
                glyphs.push(glyph);
            }
            other => panic!("unexpected fontstack field {other:?}"),
        }
    }
    (name, range, glyphs)
}

#[tokio::test]
async fn glyph_ranges_decode_with_sdf_bitmaps() {
    let pool = no_db();
    for (stack, url_stack) in [
        ("Noto Sans Regular", "Noto%20Sans%20Regular"),
        ("Noto Sans Bold", "Noto%20Sans%20Bold"),
    ] {
        for (range, must_have) in [
            ("0-255", vec!['A', 'g', 'é', ' ']),
            ("256-511", vec!['ŵ', 'ŷ', 'Ŵ', 'Ŷ']),
            ("8192-8447", vec!['–', '’']),
        ] {
            let url = format!("/fonts/{url_stack}/{range}.pbf");
            let reply = get(&pool, &url).await;
            assert_eq!(reply.status, 200, "{url}");
            assert_eq!(reply.content_type(), "application/x-protobuf", "{url}");
            let (name, got_range, glyphs) = decode(&reply.body);
            assert_eq!(name, stack);
            assert_eq!(got_range, range);
            for c in must_have {
                let g = glyphs
                    .iter()
                    .find(|g| g.id == c as u32)
                    .unwrap_or_else(|| panic!("{url}: no glyph for {c}"));
                assert!(g.advance > 0, "{url} {c}: advance");
                if c == ' ' {
                    assert!(g.bitmap.is_empty() && g.width == 0, "space has no bitmap");
                    continue;
                }
                assert!(g.width > 0 && g.height > 0, "{url} {c}: {g:?}");
                // A 3 px border on each side, one byte per pixel.
                assert_eq!(
                    g.bitmap.len() as u32,
                    (g.width + 6) * (g.height + 6),
                    "{url} {c}"
                );
                // A distance field: inside the edge (≥ 192), outside it, and the border
                // fading to nothing.
                assert!(g.bitmap.iter().any(|&v| v >= 192), "{url} {c}: no inside");
                assert!(g.bitmap.iter().any(|&v| v < 100), "{url} {c}: no outside");
                assert!(g.bitmap[0] < 192, "{url} {c}: corner inside");
                assert!(
                    g.left > -10 && g.left < 24 && g.top > -40 && g.top < 10,
                    "{g:?}"
                );
            }
        }
    }
    // A range the font does not cover is a valid, empty range, so a stray character
    // never fails a tile's labels.
    let reply = get(&pool, "/fonts/Noto%20Sans%20Regular/65280-65535.pbf").await;
    assert_eq!(reply.status, 200);
    let (_, range, glyphs) = decode(&reply.body);
    assert_eq!((range.as_str(), glyphs.len()), ("65280-65535", 0));
    // A stack of served fonts is answered from its first font.
    let reply = get(
        &pool,
        "/fonts/Noto%20Sans%20Bold,Noto%20Sans%20Regular/0-255.pbf",
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(decode(&reply.body).0, "Noto Sans Bold");
    let licence = get(&pool, "/fonts/LICENSE.txt").await;
    assert_eq!(licence.status, 200);
    assert!(String::from_utf8_lossy(&licence.body).contains("SIL Open Font License"));
}

#[tokio::test]
async fn unknown_fonts_and_bad_ranges_are_404_json() {
    let pool = no_db();
    for url in [
        "/fonts/Open%20Sans%20Regular/0-255.pbf",
        "/fonts/Noto%20Sans%20Regular,Arial/0-255.pbf",
        "/fonts/..%2F..%2Fetc%2Fpasswd/0-255.pbf",
        "/fonts/noto-sans-regular/0-255.pbf",
        "/fonts/Noto%20Sans%20Regular/0-256.pbf",
        "/fonts/Noto%20Sans%20Regular/1-256.pbf",
        "/fonts/Noto%20Sans%20Regular/65536-65791.pbf",
        "/fonts/Noto%20Sans%20Regular/0-255.json",
        "/fonts/Noto%20Sans%20Regular/..%2F..%2FCargo.toml",
        "/fonts/Noto%20Sans%20Regular/..%2FOFL.txt",
        "/fonts/Noto%20Sans%20Regular/-0-255.pbf",
    ] {
        let reply = get(&pool, url).await;
        assert_eq!(reply.status, 404, "{url}");
        let body = reply.json();
        assert_eq!(body["error"]["code"], "not_found", "{url}: {body}");
    }
}
