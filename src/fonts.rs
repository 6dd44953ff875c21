//! `GET /fonts/{fontstack}/{range}.pbf`: the SDF glyphs that the styles' label layers are
//! drawn with, served from the binary (no font server, no CDN), so labels work offline.
//!
//! The glyphs (folder `glyphs/`) are rendered from Noto Sans by scripts/make-glyphs.sh
//! and ship with the font's licence (`glyphs/OFL.txt`, SIL Open Font License 1.1). They
//! cover Latin-1, Latin Extended-A (Welsh ŵ and ŷ) and General Punctuation.

use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::AppError;
use crate::http::Routes;
use crate::state::AppState;

/// The glyph ranges: embedded in release builds, read from disk in debug builds.
#[derive(RustEmbed)]
#[folder = "glyphs/"]
struct Glyphs;

use crate::style::maplibre::{BOARD_FONT as BOLD, LABEL_FONT as REGULAR};

/// Font stacks served, with their folder under `glyphs/`.
const STACKS: [(&str, &str); 2] = [(REGULAR, "noto-sans-regular"), (BOLD, "noto-sans-bold")];

/// The longest font-stack text accepted (a few names joined by commas).
const MAX_STACK_LEN: usize = 256;

/// Why a glyph request names no glyphs we have.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FontError {
    /// A font (or a stack of fonts) that is not served.
    #[error("unknown font stack `{name}`; fonts served: {allowed}")]
    UnknownFontstack {
        /// The name asked for, shortened.
        name: String,
        /// The fonts served.
        allowed: String,
    },
    /// Not a range of 256 code points starting at a multiple of 256 (`0-255`, `256-511`, …).
    #[error("bad glyph range `{0}`: expected N-M.pbf with N a multiple of 256 below 65536 and M = N + 255")]
    BadRange(String),
}

impl From<FontError> for AppError {
    fn from(e: FontError) -> Self {
        // An unknown font or range is a missing resource, not a malformed request: MapLibre
        // treats a 404 glyph range as "no glyphs here".
        AppError::NotFound(e.to_string())
    }
}

/// A validated glyph request: the folder of the first font of the stack, and the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlyphRequest {
    /// Folder under `glyphs/`.
    pub folder: &'static str,
    /// The font's name, as the PBF names its stack.
    pub name: &'static str,
    /// First code point of the range.
    pub start: u32,
}

/// Parses a font stack (`Noto Sans Regular`, or several joined by commas, every one of
/// them served) and a range file name (`0-255.pbf`). Every font served covers the same
/// code points, so a stack is answered from its first font.
pub fn parse(fontstack: &str, range_file: &str) -> Result<GlyphRequest, FontError> {
    let unknown = || FontError::UnknownFontstack {
        name: fontstack.chars().take(64).collect(),
        allowed: STACKS.map(|(n, _)| n).join(", "),
    };
    if fontstack.is_empty() || fontstack.len() > MAX_STACK_LEN {
        return Err(unknown());
    }
    let mut first = None;
    for part in fontstack.split(',') {
        let (name, folder) = STACKS
            .iter()
            .find(|(n, _)| *n == part.trim())
            .ok_or_else(unknown)?;
        first.get_or_insert((*name, *folder));
    }
    let (name, folder) = first.ok_or_else(unknown)?;
    let bad = || FontError::BadRange(range_file.chars().take(64).collect());
    let range = range_file.strip_suffix(".pbf").ok_or_else(bad)?;
    let (a, b) = range.split_once('-').ok_or_else(bad)?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 5 && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(a) || !digits(b) {
        return Err(bad());
    }
    let start: u32 = a.parse().map_err(|_| bad())?;
    let end: u32 = b.parse().map_err(|_| bad())?;
    if start % 256 != 0 || end != start + 255 || end > 65535 {
        return Err(bad());
    }
    Ok(GlyphRequest {
        folder,
        name,
        start,
    })
}

/// The glyph PBF for a request: the rendered range, or, for a range the font does not
/// cover, a valid empty one (so one stray character never fails a whole tile's labels).
pub fn glyph_pbf(req: &GlyphRequest) -> Vec<u8> {
    let path = format!("{}/{}-{}.pbf", req.folder, req.start, req.start + 255);
    match Glyphs::get(&path) {
        Some(file) => file.data.into_owned(),
        None => empty_range(req.name, req.start),
    }
}

/// `glyphs { fontstack { name, range } }` with no glyph, protobuf-encoded.
fn empty_range(name: &str, start: u32) -> Vec<u8> {
    fn field(no: u8, data: &[u8], out: &mut Vec<u8>) {
        out.push((no << 3) | 2);
        let mut n = data.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend_from_slice(data);
    }
    let mut stack = Vec::new();
    field(1, name.as_bytes(), &mut stack);
    field(
        2,
        format!("{}-{}", start, start + 255).as_bytes(),
        &mut stack,
    );
    let mut out = Vec::new();
    field(1, &stack, &mut out);
    out
}

/// The font's licence text, which ships with the glyphs.
pub fn licence() -> Option<String> {
    Glyphs::get("OFL.txt").map(|f| String::from_utf8_lossy(&f.data).into_owned())
}

/// Routes of this module.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/fonts/{fontstack}/{range}", get_glyphs)
        .get("/fonts/LICENSE.txt", get_licence)
}

/// `GET /fonts/{fontstack}/{range}.pbf`.
#[utoipa::path(
    get,
    path = "/fonts/{fontstack}/{range}",
    tag = "Cartography",
    params(
        ("fontstack" = String, Path, description = "A font, or fonts joined by commas: Noto Sans Regular, Noto Sans Bold", example = "Noto Sans Regular"),
        ("range" = String, Path, description = "256 code points: N-M.pbf, N a multiple of 256, M = N + 255", example = "0-255.pbf"),
    ),
    responses(
        (status = 200, description = "SDF glyphs (MapLibre glyph protobuf)", content(("application/x-protobuf" = String))),
        (status = 304, description = "Not modified (If-None-Match matched the ETag)"),
        crate::error::responses::NotFound,
    )
)]
pub async fn get_glyphs(
    Path((fontstack, range)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let req = parse(&fontstack, &range)?;
    // The glyphs change only with the binary.
    let etag = format!(
        "\"{}-{}-{}\"",
        env!("CARGO_PKG_VERSION"),
        req.folder,
        req.start
    );
    if crate::http::not_modified(&headers, &etag) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-protobuf".to_owned()),
            (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
            (header::ETAG, etag),
        ],
        glyph_pbf(&req),
    )
        .into_response())
}

/// `GET /fonts/LICENSE.txt`: the licence of the font the glyphs are made from.
#[utoipa::path(
    get,
    path = "/fonts/LICENSE.txt",
    tag = "Cartography",
    responses(
        (status = 200, description = "SIL Open Font License 1.1, with the font's copyright", body = String, content_type = "text/plain"),
    )
)]
pub async fn get_licence() -> Result<Response, AppError> {
    let text = licence()
        .ok_or_else(|| AppError::Internal("font licence missing from the build".into()))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_glyphs, get_licence))]
pub struct FontsDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stacks_and_ranges() {
        let r = parse("Noto Sans Regular", "256-511.pbf").unwrap();
        assert_eq!((r.folder, r.start), ("noto-sans-regular", 256));
        let r = parse("Noto Sans Bold,Noto Sans Regular", "0-255.pbf").unwrap();
        assert_eq!(r.folder, "noto-sans-bold");
        for (stack, range) in [
            ("../glyphs", "0-255.pbf"),
            ("Noto Sans Regular/..", "0-255.pbf"),
            ("Open Sans Regular", "0-255.pbf"),
            ("Noto Sans Regular,", "0-255.pbf"),
            ("", "0-255.pbf"),
            ("Noto Sans Regular", "0-256.pbf"),
            ("Noto Sans Regular", "1-256.pbf"),
            ("Noto Sans Regular", "65536-65791.pbf"),
            ("Noto Sans Regular", "0-255"),
            ("Noto Sans Regular", "../OFL.txt"),
            ("Noto Sans Regular", "+0-255.pbf"),
            ("Noto Sans Regular", "00000000256-511.pbf"),
        ] {
            assert!(parse(stack, range).is_err(), "{stack} {range}");
        }
    }

    #[test]
    fn every_range_is_embedded_or_empty() {
        let r = parse("Noto Sans Regular", "0-255.pbf").unwrap();
        assert!(glyph_pbf(&r).len() > 10_000);
        let r = parse("Noto Sans Regular", "65280-65535.pbf").unwrap();
        let empty = glyph_pbf(&r);
        assert!(empty.len() < 64 && empty.ends_with(b"65280-65535"));
        assert!(licence().unwrap().contains("SIL Open Font License"));
    }
}
