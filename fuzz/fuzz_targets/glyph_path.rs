//! Glyph addresses: `/fonts/{fontstack}/{range}` split from arbitrary text, through the
//! parser the handler uses.
//!
//! Properties: nothing panics; an accepted request names a served font and a range of 256
//! code points starting at a multiple of 256 below 65536, and its PBF (embedded or empty)
//! is never empty bytes; no accepted stack or range contains a path separator or `..`.
#![no_main]

use cluster_atlas::fonts::{glyph_pbf, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = text.strip_prefix("/fonts/").unwrap_or(&text);
    let (stack, range) = path.split_once('/').unwrap_or((path, ""));
    if let Ok(req) = parse(stack, range) {
        assert_eq!(req.start % 256, 0);
        assert!(req.start <= 65280);
        assert!(!stack.contains('/') && !stack.contains(".."));
        assert!(!range.contains('/') && !range.contains(".."));
        assert!(!glyph_pbf(&req).is_empty());
    }
});
