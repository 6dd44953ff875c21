//! The layer check: every top-level module in `src/` is listed in ARCHITECTURE.md's
//! `layers` block, and a module only uses modules on lower lines of it. That rules out
//! upward imports and circles, and keeps the document true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The layers, bottom first: one line per layer, modules separated by spaces.
fn layers() -> Vec<Vec<String>> {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md exists");
    let start = doc
        .find("```layers\n")
        .expect("ARCHITECTURE.md has a ```layers block")
        + "```layers\n".len();
    let end = start
        + doc[start..]
            .find("```")
            .expect("the layers block is closed");
    doc[start..end]
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| !l.is_empty())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Code without its plain `//` comments. Doc comments (`///`, `//!`) stay: an intra-doc
/// link to a module is a reference rustdoc resolves, and a reader follows, so it obeys the
/// layers too. String literals are kept: `//` inside one (a URL) is not a comment.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = ' ';
        let mut cut = line.len();
        for (i, c) in line.char_indices() {
            if c == '"' && prev != '\\' {
                in_string = !in_string;
            }
            if !in_string && c == '/' && prev == '/' {
                // A doc comment (`///`, `//!`) is kept whole; a plain one is cut.
                if !matches!(line[i + 1..].chars().next(), Some('/' | '!')) {
                    cut = i - 1;
                }
                break;
            }
            prev = c;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// The top-level modules a piece of code names through `crate::`, including
/// `use crate::{a, b::c}`.
fn crate_references(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                let name = ident(part.trim());
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn modules_only_use_lower_layers() {
    let layers = layers();
    let mut level: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in layers.iter().enumerate() {
        for m in line {
            assert!(
                level.insert(m.clone(), i).is_none(),
                "{m} is listed twice in ARCHITECTURE.md"
            );
        }
    }
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    let mut seen = BTreeSet::new();
    let mut violations = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(Path::new(ROOT).join("src")).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        seen.insert(module.clone());
        let Some(&mine) = level.get(&module) else {
            violations.push(format!(
                "{module} ({}) is not in ARCHITECTURE.md",
                rel.display()
            ));
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for used in crate_references(&code) {
            if used == module {
                continue;
            }
            match level.get(&used) {
                None => violations.push(format!(
                    "{} uses crate::{used}, which ARCHITECTURE.md does not list",
                    rel.display()
                )),
                Some(&theirs) if theirs >= mine => violations.push(format!(
                    "{} (layer {mine}: {module}) uses crate::{used} (layer {theirs}): only lower layers may be used",
                    rel.display()
                )),
                Some(_) => {}
            }
        }
    }
    for m in level.keys() {
        if !seen.contains(m) {
            violations.push(format!("ARCHITECTURE.md lists {m}, which is not in src/"));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_check_sees_imports_and_doc_links_and_ignores_plain_comments() {
    let code = code_of(
        "use crate::{db, catalog::LayerId};\n/// see [`crate::server`]\nlet u = \"http://x\"; crate::tiles::x(); // crate::ogc\n",
    );
    let refs: Vec<String> = crate_references(&code).into_iter().collect();
    assert_eq!(refs, ["catalog", "db", "server", "tiles"]);
}
